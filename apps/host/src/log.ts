// The CLI's log: one concise line per event for people, or one JSON object per line for machines (--log-json).
import type { Log, LogFields } from '@rxmesh/mesh';

export function createLog(options: { json: boolean; write?: (line: string) => void }): Log {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}) => {
    if (options.json) {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
      return;
    }
    const clock = new Date().toTimeString().slice(0, 8);
    const marker = level === 'info' ? '' : `${level}: `;
    write(`${clock} rxmesh: ${marker}${message}\n`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

// The CLI's log, on pino, which Fastify logs through too: one concise line per event for people
// ("12:00:01 rxmesh: warn: …"), or one JSON object per line for machines (--log-json: level, time, msg and the
// event's fields). --log-level chooses how much: trace, debug, info (the default), warn or error.
import type { Log, LogFields } from '@rxmesh/mesh';
import { type Command, Option } from 'commander';
import { type Logger, pino } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The CLI's log for mesh code, and the pino logger behind it for Fastify. */
export interface CliLog extends Log {
  debug(message: string, fields?: LogFields): void;
  readonly pino: Logger;
}

interface LogLine {
  level: string;
  time: string;
  msg: string;
}

/** A text line: the time of day, and the level where it is not info. */
function textLine(json: string): string {
  const { level, time, msg } = JSON.parse(json) as LogLine;
  const clock = new Date(time).toTimeString().slice(0, 8);
  const marker = level === 'info' ? '' : `${level}: `;
  return `${clock} rxmesh: ${marker}${msg}\n`;
}

export function createLog(options: { json: boolean; level?: LogLevel; write?: (line: string) => void }): CliLog {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => write(options.json ? line : textLine(line)) },
  );
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields: LogFields = {}) =>
      logger[level](fields, message);
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), pino: logger };
}

/** --log-json and --log-level, which serve and host share. */
export function addLogOptions(command: Command): Command {
  return command
    .option('--log-json', 'log one JSON object per line instead of text', false)
    .addOption(
      new Option('--log-level <level>', 'how much to log: debug adds each HTTP request')
        .choices(LOG_LEVELS)
        .default('info'),
    );
}

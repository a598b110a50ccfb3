// A Log for tests that keeps every line with its level, for assertions on what an operator would read.
import type { Log } from '@rxmesh/mesh';

export interface RecordedLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export function recordingLog(): Log & { lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
}

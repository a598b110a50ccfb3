import type { Log } from '@rxmesh/mesh';
import { afterEach, expect, it, vi } from 'vitest';
import { exitOnSignal, SHUTDOWN_LIMIT_MS } from './shutdown.js';

function recordingLog() {
  const lines: string[] = [];
  const log: Log = {
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
  return { log, lines };
}

// The worker's own signal listeners stay; only those a test added go.
const signals = ['SIGTERM', 'SIGINT'] as const;
const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
});

it('runs every step in order on SIGTERM, goes on past a step that fails, and exits 0', async () => {
  const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const { log, lines } = recordingLog();
  const ran: string[] = [];
  exitOnSignal(log, 'shutting down', [
    ['first', () => void ran.push('first')],
    [
      'second',
      async () => {
        ran.push('second');
        throw new Error('the socket was already closed');
      },
    ],
    ['third', async () => void ran.push('third')],
  ]);
  process.emit('SIGTERM');
  await vi.waitFor(() => expect(exit).toHaveBeenCalled());
  expect(ran).toEqual(['first', 'second', 'third']);
  expect(exit).toHaveBeenCalledWith(0);
  expect(lines).toEqual(['info shutting down', 'warn second failed while stopping: the socket was already closed']);
});

it('names the step that hangs and exits 1 once the limit has passed', async () => {
  vi.useFakeTimers();
  const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
  const { log, lines } = recordingLog();
  exitOnSignal(log, 'shutting down', [
    ['stopping the gateway', () => undefined],
    ['closing the ledger', () => new Promise(() => {})],
  ]);
  process.emit('SIGINT');
  await vi.advanceTimersByTimeAsync(SHUTDOWN_LIMIT_MS - 1);
  expect(exit).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(1);
  expect(exit).toHaveBeenCalledWith(1);
  expect(lines.at(-1)).toBe('error stopping took over 10 s while closing the ledger; exiting without waiting longer');
});

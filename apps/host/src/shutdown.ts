// A clean stop on SIGINT or SIGTERM that cannot hang: a step that never settles would keep the process, its port and
// its Redis connections alive until someone kills it. Past the limit the step still running is named and the
// process exits anyway, as a service manager would do with its stop timeout.
import type { Log } from '@rxmesh/mesh';

export const SHUTDOWN_LIMIT_MS = 10_000;

export type ShutdownStep = readonly [what: string, run: () => unknown];

/** On the first SIGINT or SIGTERM, logs `announce`, runs the steps in order and exits 0 (1 past the limit). */
export function exitOnSignal(log: Log, announce: string, steps: readonly ShutdownStep[]): void {
  let running = 'starting to stop';
  const stop = async () => {
    log.info(announce);
    const limit = setTimeout(() => {
      log.error(`stopping took over ${SHUTDOWN_LIMIT_MS / 1000} s while ${running}; exiting without waiting longer`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    for (const [what, run] of steps) {
      running = what;
      try {
        await run();
      } catch (error) {
        log.warn(`${what} failed while stopping: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    clearTimeout(limit);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

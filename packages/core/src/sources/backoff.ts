// How long a job source waits to try again after failures in a row: doubling from a first wait up to a cap, less a
// random part, so that the hosts one daemon or pool dropped at the same moment do not all come back together.
// Sans-IO: the caller passes the random number.

export interface Backoff {
  /** The wait after the first failure. */
  initialMs: number;
  /** The longest wait. */
  maxMs: number;
}

/** The largest share of a wait that jitter takes off: every wait is between half and all of the doubled one. */
export const BACKOFF_JITTER = 0.5;

/** Doubling past this many times cannot matter: 2^30 times any first wait worth having is past any cap. */
const MAX_DOUBLINGS = 30;

/**
 * The wait after `failures` failures in a row (1 for the first): `initialMs × 2^(failures − 1)`, at most `maxMs`,
 * less up to BACKOFF_JITTER of it as `random` (in [0, 1)) says, so `random` 0 gives the plain doubling. Whole
 * milliseconds.
 */
export function backoffDelay(backoff: Backoff, failures: number, random: number): number {
  if (!Number.isInteger(failures) || failures < 1) {
    throw new RangeError(`A backoff counts failures from 1, got ${failures}.`);
  }
  if (!(random >= 0 && random < 1)) throw new RangeError(`A backoff's random number is in [0, 1), got ${random}.`);
  const doubled = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, MAX_DOUBLINGS));
  return Math.round(doubled * (1 - BACKOFF_JITTER * random));
}

/** A wait as a log line says it: "250 ms", "2 s", "1.5 s". */
export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

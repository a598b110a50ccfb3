// Test support: how long and from which seed the property-based fuzz suite runs. `npm test` runs every property a
// modest, fixed number of times from a fixed seed; `npm run fuzz` (scripts/fuzz.mjs) sets the environment for a
// longer run:
//   FUZZ_RUNS        runs per property (default: each property's own CI count)
//   FUZZ_SEED        the seed (default: a fixed one, so CI is reproducible)
//   FUZZ_PATH        replays one counterexample, with the seed a failure printed
//   FUZZ_TIME_LIMIT  seconds per property, after which it stops (passing) with the runs it made
import fc from 'fast-check';

/** The seed CI runs from. */
export const CI_SEED = 20_261_124;

function fromEnvironment(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number, got ${text}.`);
  return value;
}

export const FUZZ_SEED = fromEnvironment('FUZZ_SEED') ?? CI_SEED;
const FUZZ_RUNS = fromEnvironment('FUZZ_RUNS');
const FUZZ_TIME_LIMIT_S = fromEnvironment('FUZZ_TIME_LIMIT');
const FUZZ_PATH = process.env.FUZZ_PATH || undefined;

/** Whether this is a long run (`npm run fuzz`) rather than CI. */
export const LONG_RUN = FUZZ_RUNS !== undefined || FUZZ_TIME_LIMIT_S !== undefined;

/** The parameters of one property: `ciRuns` in CI, the environment's figures in a long run. */
export function fuzzParameters<T>(ciRuns: number): fc.Parameters<T> {
  return {
    seed: FUZZ_SEED,
    numRuns: FUZZ_RUNS ?? ciRuns,
    ...(FUZZ_PATH === undefined ? {} : { path: FUZZ_PATH }),
    ...(FUZZ_TIME_LIMIT_S === undefined ? {} : { plugins: [fc.interruptAfterTimeLimit(FUZZ_TIME_LIMIT_S * 1000)] }),
  };
}

/** A vitest timeout that leaves a long run its time limit (and shrinking a minute more). */
export function fuzzTimeoutMs(ciMs: number): number {
  if (FUZZ_TIME_LIMIT_S !== undefined) return FUZZ_TIME_LIMIT_S * 1000 + 60_000;
  return LONG_RUN ? 24 * 3600_000 : ciMs;
}

/**
 * Checks a property like fc.assert, and in a long run says how many runs it made. A failure names the seed and the
 * path that replay it (FUZZ_SEED=… FUZZ_PATH=… npm run fuzz).
 */
export function fuzzCheck<T>(name: string, property: fc.IProperty<T>, ciRuns: number): void {
  const started = Date.now();
  const details = fc.check(property, fuzzParameters<T>(ciRuns));
  if (details.failed) {
    const replay = `FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''}`;
    throw new Error(`${name}: ${fc.defaultReportMessage(details) ?? 'failed'}\nReplay with: ${replay} npm run fuzz`, {
      cause: details.errorInstance,
    });
  }
  if (LONG_RUN) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.info(`fuzz: ${name}: ${details.numRuns} runs in ${seconds} s (seed ${details.seed})`);
  }
}

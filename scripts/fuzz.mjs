// @ts-check
// `npm run fuzz`: the property-based fuzz suite (packages/core/src/cluster/*.fuzz.test.ts) for longer than CI runs
// it, from a fresh seed unless told one. Extra arguments go to vitest (`npm run fuzz -- -t "coordinator"`).
//   FUZZ_RUNS        runs per property (default 1000)
//   FUZZ_SEED        the seed (default: a random one, printed first so a failure can be replayed)
//   FUZZ_PATH        with FUZZ_SEED, replays the counterexample a failure printed
//   FUZZ_TIME_LIMIT  seconds per property, after which it stops with the runs it made (default 120)
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { info } from './lib/log.mjs';
import { run } from './lib/run.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** @type {NodeJS.ProcessEnv} */
const env = {
  ...process.env,
  FUZZ_RUNS: process.env.FUZZ_RUNS || '1000',
  FUZZ_SEED: process.env.FUZZ_SEED || String(randomInt(2 ** 31)),
  FUZZ_TIME_LIMIT: process.env.FUZZ_TIME_LIMIT || '120',
};
info(
  `fuzz: seed ${env.FUZZ_SEED}, ${env.FUZZ_RUNS} runs and at most ${env.FUZZ_TIME_LIMIT} s per property` +
    (env.FUZZ_PATH ? `, replaying path ${env.FUZZ_PATH}` : ''),
);
try {
  await run(
    join(repoRoot, 'node_modules/.bin/vitest'),
    // A filter matches every file whose path contains it: the fuzz files, and no others.
    ['run', '.fuzz.test.ts', ...process.argv.slice(2)],
    { cwd: repoRoot, env },
  );
} catch {
  info(`fuzz: failed; replay with FUZZ_SEED=${env.FUZZ_SEED} and the FUZZ_PATH the failure names`);
  process.exit(1);
}

// @ts-check
// Full mode of the native engine (`rxmesh bench --impl native`) against a plain C loop over the same librandomx
// (bench/native-reference.c), at 1 and 2 threads, alternating, in the same run: hashrate, dataset init, and the
// event-loop lag of the Node process while all threads mine. Full mode is a random walk over 2 GiB, and on a
// shared machine its rate swings by 2x between minutes for C and Node alike, so each thread count runs `rounds`
// pairs (C first in odd rounds, rxmesh first in even ones) and the table shows each pair's ratio and the median.
// Usage: npm run bench:native [-- --seconds 20 --rounds 3 --mode full|light]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildNativeHarness, lastJsonLine, repoRoot } from './lib/bench-harness.mjs';
import { info } from './lib/log.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'full' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const mode = values.mode;
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('--seconds must be a positive integer.');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer.');
if (mode !== 'full' && mode !== 'light') throw new Error('--mode must be full or light.');

const reference = await buildNativeHarness('native-reference');
/** @param {number[]} values */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
/** @param {number[]} values @param {number} digits */
const list = (values, digits) => values.map((value) => value.toFixed(digits)).join(', ');
/** @type {Record<string, any>} */
const report = { seconds, rounds, mode };
const rows = [];
for (const threads of [1, 2]) {
  const pairs = [];
  for (let round = 1; round <= rounds; round++) {
    const measureC = () => {
      info(`round ${round}/${rounds}: C reference, ${mode} mode, ${threads} thread(s), ${seconds} s after init`);
      return lastJsonLine(reference, [mode, String(threads), String(seconds)]);
    };
    const measureNode = () => {
      info(
        `round ${round}/${rounds}: rxmesh native engine, ${mode} mode, ${threads} thread(s), ${seconds} s after init`,
      );
      return lastJsonLine(process.execPath, [
        'apps/host/bin/rxmesh.js',
        'bench',
        ...['--impl', 'native', '--mode', mode, '--threads', String(threads), '--seconds', String(seconds), '--json'],
      ]);
    };
    // Who goes first alternates, so that what the previous process left behind (freed memory, a warm or busy
    // core) does not always favour the same side.
    const c = round % 2 === 1 ? await measureC() : undefined;
    const node = await measureNode();
    const cResult = c ?? (await measureC());
    pairs.push({ c: cResult, node });
  }
  report[`threads${threads}`] = pairs;
  const hashRatios = pairs.map(({ c, node }) => node.hashrate / c.hashrate);
  rows.push([
    `${threads} thread(s): hashrate, H/s (rxmesh / C per round)`,
    pairs.map(({ c, node }) => `${node.hashrate.toFixed(1)} / ${c.hashrate.toFixed(1)}`).join('; '),
    `${list(hashRatios, 3)}; median ${median(hashRatios).toFixed(3)}x (issue: >= 0.95)`,
  ]);
  if (mode === 'full') {
    const initRatios = pairs.map(({ c, node }) => node.datasetInitMs / c.datasetInitMs);
    rows.push([
      `${threads} thread(s): dataset init, ms`,
      pairs.map(({ c, node }) => `${node.datasetInitMs} / ${c.datasetInitMs}`).join('; '),
      `${list(initRatios, 3)}; median ${median(initRatios).toFixed(3)}x (issue: <= 1.05)`,
    ]);
  }
  const lags = pairs.map(({ node }) => node.eventLoopLagMaxMs);
  rows.push([
    `${threads} thread(s): longest event-loop delay while mining, ms`,
    list(lags, 1),
    `max ${Math.max(...lags)} (issue: < 20)`,
  ]);
  rows.push([
    `${threads} thread(s): peak RSS of the Node process, MiB`,
    pairs.map(({ node }) => node.peakRssMb).join(', '),
    '',
  ]);
}
process.stdout.write(`\n| ${mode} mode, ${seconds} s per run | rxmesh / C | ratio |\n|---|---|---|\n`);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(join(repoRoot, `test-results/bench-native-${mode}.json`), `${JSON.stringify(report, null, 2)}\n`);
info(`raw figures in test-results/bench-native-${mode}.json`);

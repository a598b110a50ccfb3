// @ts-check
// Full mode of the native engine against a plain C loop over the same librandomx (bench/native-reference.c), at
// 1 and 2 threads, in the same run: hashrate, dataset init, and the event-loop lag of this Node process while all
// threads mine. Full mode is a random walk over 2 GiB, and on a shared machine its rate swings by 2x between
// minutes, so both sides build their dataset and keep it (≈4.6 GiB together), then short windows alternate
// (C, rxmesh, rxmesh, C, ...) and the table shows each pair's ratio and the median.
// Usage: npm run bench:native [-- --window 5 --rounds 6 --mode full|light]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { buildNativeHarness, median, repoRoot } from './lib/bench-harness.mjs';
import { info } from './lib/log.mjs';

const { values } = parseArgs({
  options: {
    window: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '6' },
    mode: { type: 'string', default: 'full' },
  },
});
const windowSeconds = Number(values.window);
const rounds = Number(values.rounds);
const mode = values.mode;
if (!(windowSeconds > 0)) throw new Error('--window must be a positive number of seconds.');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer.');
if (mode !== 'full' && mode !== 'light') throw new Error('--mode must be full or light.');

const { BENCHMARK_KEY_TEXT } = await import('@rxmesh/core');
const { NativeEngine } = await import('@rxmesh/native');
// The same measuring window as `rxmesh bench --impl native`.
const { mineForSeconds } = await import('../apps/host/dist/bench/native-bench.js');
const reference = await buildNativeHarness('native-reference');

/** The C reference in serve mode: one JSON line per request. */
function startReference(/** @type {number} */ threads) {
  const child = spawn(reference, [mode, String(threads), 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('The C reference ended early.');
    return JSON.parse(value);
  };
  return {
    ready: next(),
    /** @param {number} seconds */
    measure: (seconds) => {
      child.stdin.write(`${seconds}\n`);
      return next();
    },
    stop: () => child.stdin.end(),
  };
}

/** @param {number[]} values @param {number} digits */
const list = (values, digits) => values.map((value) => value.toFixed(digits)).join(', ');

/** @type {Record<string, any>} */
const report = { windowSeconds, rounds, mode };
const rows = [];
for (const threads of [1, 2]) {
  info(`${threads} thread(s): building both ${mode}-mode states (C reference, then rxmesh)`);
  const c = startReference(threads);
  const cReady = await c.ready;
  const engine = NativeEngine.create({ mode, threads });
  const engineReady = await engine.setKey(new TextEncoder().encode(BENCHMARK_KEY_TEXT));
  const pairs = [];
  for (let round = 1; round <= rounds; round++) {
    info(`${threads} thread(s), round ${round}/${rounds}: ${windowSeconds} s each`);
    // Who goes first alternates, so a drift within the round favours neither side.
    const cFirst = round % 2 === 1;
    const cWindow = cFirst ? await c.measure(windowSeconds) : undefined;
    const ours = await mineForSeconds(engine, windowSeconds);
    const theirs = cWindow ?? (await c.measure(windowSeconds));
    pairs.push({ c: theirs.hashrate, rxmesh: ours.hashrate, lagMaxMs: ours.eventLoopLagMaxMs });
  }
  c.stop();
  engine.release();
  report[`threads${threads}`] = { cReady, engineReady, pairs };
  const ratios = pairs.map((pair) => pair.rxmesh / pair.c);
  rows.push([
    `${threads} thread(s): hashrate, H/s per window pair (rxmesh / C)`,
    pairs.map((pair) => `${pair.rxmesh.toFixed(0)} / ${pair.c.toFixed(0)}`).join('; '),
    `${list(ratios, 3)}; median ${median(ratios).toFixed(3)}x (target: >= 0.95)`,
  ]);
  if (mode === 'full') {
    rows.push([
      `${threads} thread(s): dataset init, ms (rxmesh / C)`,
      `${Math.round(engineReady.datasetInitMs ?? 0)} / ${cReady.datasetInitMs}`,
      `${((engineReady.datasetInitMs ?? 0) / cReady.datasetInitMs).toFixed(3)}x (target: <= 1.05)`,
    ]);
  }
  const lags = pairs.map((pair) => pair.lagMaxMs);
  rows.push([`${threads} thread(s): longest event-loop delay while mining, ms`, list(lags, 1), '(target: < 20)']);
}
rows.push([
  'peak RSS of this Node process (its engine only)',
  `${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  '',
]);
process.stdout.write(`\n| ${mode} mode, windows of ${windowSeconds} s | rxmesh / C | ratio |\n|---|---|---|\n`);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(join(repoRoot, `test-results/bench-native-${mode}.json`), `${JSON.stringify(report, null, 2)}\n`);
info(`raw figures in test-results/bench-native-${mode}.json`);

// @ts-check
// Full mode of the WebAssembly engine against its own light mode and against librandomx, in one run, each figure
// from `rxmesh bench --json` in a process of its own: hashrate per thread count, and the dataset build against
// librandomx's dataset init on the same threads. Then the same engine in Debian's Chromium on 2 Web Workers, light
// and full, through the engine harness. Rounds repeat the whole set; the table shows each round's ratios.
// Usage: npm run bench:full [-- --seconds 15 --rounds 1]   (after `npm run build`)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inEngineHarness, lastJsonLine, repoRoot } from './lib/bench-harness.mjs';
import { info } from './lib/log.mjs';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '15' }, rounds: { type: 'string', default: '1' } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(seconds > 0)) throw new Error('--seconds must be a positive number.');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer.');

const rxmesh = join(repoRoot, 'apps/host/bin/rxmesh.js');
/** @type {[impl: string, mode: string, threads: number][]} */
const configurations = [
  ['wasm', 'light', 1],
  ['wasm', 'full', 1],
  ['wasm', 'light', 2],
  ['wasm', 'full', 2],
  ['native', 'light', 1],
  ['native', 'full', 2],
];

/** One `rxmesh bench` run, in a process of its own. */
function bench(/** @type {string} */ impl, /** @type {string} */ mode, /** @type {number} */ threads) {
  info(`rxmesh bench --impl ${impl} --mode ${mode} --threads ${threads} --seconds ${seconds}`);
  const args = ['bench', '--impl', impl, '--mode', mode, '--threads', String(threads), '--seconds', String(seconds)];
  return lastJsonLine(process.execPath, [rxmesh, ...args, '--json']);
}

/** The engine in Chromium, light then full, on `threads` Web Workers: the harness's benchEngine, as `rxmesh bench`. */
function benchInChromium(/** @type {number} */ threads) {
  return inEngineHarness(async (page) => {
    /** @type {Record<string, any>} */
    const figures = {};
    for (const mode of ['light', 'full']) {
      info(`Chromium, ${mode} mode, ${threads} Web Workers, ${seconds} s`);
      figures[`chromium ${mode} ${threads}`] = await page.evaluate(
        ([engineMode, workers, duration]) =>
          /** @type {any} */ (globalThis).rxHarness.benchEngine(engineMode, workers, duration),
        /** @type {const} */ ([mode, threads, seconds]),
      );
    }
    return figures;
  });
}

/** @type {Record<string, any>[]} */
const results = [];
for (let round = 1; round <= rounds; round++) {
  /** @type {Record<string, any>} */
  const figures = {};
  for (const [impl, mode, threads] of configurations)
    figures[`${impl} ${mode} ${threads}`] = await bench(impl, mode, threads);
  Object.assign(figures, await benchInChromium(2));
  const rate = (/** @type {string} */ name) => figures[name].hashrate;
  const ratios = {
    wasmFullOverLight1: rate('wasm full 1') / rate('wasm light 1'),
    wasmFullOverLight2: rate('wasm full 2') / rate('wasm light 2'),
    wasmFullOverNativeFull2: rate('wasm full 2') / rate('native full 2'),
    wasmLightOverNativeLight1: rate('wasm light 1') / rate('native light 1'),
    datasetInitWasmOverNative2: figures['wasm full 2'].datasetInitMs / figures['native full 2'].datasetInitMs,
    chromiumFullOverLight2: rate('chromium full 2') / rate('chromium light 2'),
    chromiumFullOverNodeFull2: rate('chromium full 2') / rate('wasm full 2'),
    chromiumFullOverNativeFull2: rate('chromium full 2') / rate('native full 2'),
    datasetInitChromiumOverNative2: figures['chromium full 2'].datasetInitMs / figures['native full 2'].datasetInitMs,
  };
  results.push({ round, figures, ratios });
  process.stdout.write(`\nround ${round}\n`);
  for (const [name, figure] of Object.entries(figures)) {
    const dataset = figure.datasetInitMs === null ? '' : `, dataset ${(figure.datasetInitMs / 1000).toFixed(1)} s`;
    process.stdout.write(`  ${name.padEnd(16)} ${figure.hashrate.toFixed(2).padStart(8)} H/s${dataset}\n`);
  }
  for (const [name, ratio] of Object.entries(ratios))
    process.stdout.write(`  ${name.padEnd(28)} ${ratio.toFixed(2)}x\n`);
}
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(join(repoRoot, 'test-results/bench-full.json'), `${JSON.stringify({ seconds, results }, null, 2)}\n`);
info('wrote test-results/bench-full.json');

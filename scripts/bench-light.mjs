// @ts-check
// Light-mode benchmark of the WebAssembly engine, as ratios against native librandomx (with its JIT) measured in
// the same run: Node worker_threads at 1 and 2 threads, and Chromium with 1 Web Worker. Runs alternate between
// engines so that a noisy neighbour hurts both. Usage: npm run bench:light [-- --seconds 20]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildNativeHarness, inEngineHarness, lastJsonLine, repoRoot } from './lib/bench-harness.mjs';
import { info } from './lib/log.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('--seconds must be a positive integer.');

/** @param {string} binary @param {number} threads */
function native(binary, threads) {
  info(`native librandomx, light mode, ${threads} thread(s), ${seconds} s`);
  return lastJsonLine(binary, ['light', String(threads), String(seconds)]);
}

/** @param {number} threads */
function wasmInNode(threads) {
  info(`WebAssembly in Node, light mode, ${threads} thread(s), ${seconds} s`);
  const args = ['apps/host/bin/rxmesh.js', 'bench', '--impl', 'wasm', '--mode', 'light'];
  return lastJsonLine(process.execPath, [
    ...args,
    '--threads',
    String(threads),
    '--seconds',
    String(seconds),
    '--json',
  ]);
}

/** @param {number} workers */
async function wasmInChromium(workers) {
  info(`WebAssembly in Chromium, light mode, ${workers} Web Worker(s), ${seconds} s`);
  const { BENCHMARK_KEY_TEXT } = await import('@rxmesh/core');
  const keyHex = Buffer.from(BENCHMARK_KEY_TEXT).toString('hex');
  return inEngineHarness((page) =>
    page.evaluate(
      ([key, duration, count]) => /** @type {any} */ (globalThis).rxHarness.mineInWorkers(key, count, duration),
      /** @type {const} */ ([keyHex, seconds, workers]),
    ),
  );
}

const binary = await buildNativeHarness('native-reference');
const native1 = await native(binary, 1);
const node1 = await wasmInNode(1);
const chromium1 = await wasmInChromium(1);
const native1Again = await native(binary, 1);
const node2 = await wasmInNode(2);
const native2 = await native(binary, 2);
const chromium2 = await wasmInChromium(2);

const nativeOneThread = (native1.hashrate + native1Again.hashrate) / 2;
/** @param {number} value */
const ratio = (value) => value.toFixed(2);
const rows = [
  ['native librandomx light, 1 thread (mean of two runs)', `${nativeOneThread.toFixed(2)} H/s`, ''],
  [
    'WASM in Node, 1 thread',
    `${node1.hashrate.toFixed(2)} H/s`,
    `${ratio(node1.hashrate / nativeOneThread)}x native (target: >= 0.5)`,
  ],
  [
    'WASM in Chromium, 1 worker',
    `${chromium1.hashrate.toFixed(2)} H/s`,
    `${ratio(chromium1.hashrate / nativeOneThread)}x native`,
  ],
  [
    'native librandomx light, 2 threads',
    `${native2.hashrate.toFixed(2)} H/s`,
    `${ratio(native2.hashrate / nativeOneThread)}x its 1 thread`,
  ],
  [
    'WASM in Node, 2 threads',
    `${node2.hashrate.toFixed(2)} H/s`,
    `${ratio(node2.hashrate / node1.hashrate)}x its 1 thread (target: >= 1.8); ${ratio(node2.hashrate / native2.hashrate)}x native 2 threads`,
  ],
  [
    'WASM in Chromium, 2 workers',
    `${chromium2.hashrate.toFixed(2)} H/s`,
    `${ratio(chromium2.hashrate / chromium1.hashrate)}x its 1 worker; ${ratio(chromium2.hashrate / native2.hashrate)}x native 2 threads`,
  ],
  [
    'cache init, WASM in Node vs native',
    `${node1.cacheInitMs} ms vs ${native1.cacheInitMs} ms`,
    `${ratio(node1.cacheInitMs / native1.cacheInitMs)}x (target: <= 2)`,
  ],
  [
    'cache init, WASM in Chromium',
    `${Math.round(chromium1.cacheInitMs)} ms`,
    `${ratio(chromium1.cacheInitMs / native1.cacheInitMs)}x native`,
  ],
  [
    'second thread: shared WebAssembly memory',
    `${node1.wasmMemoryMb} -> ${node2.wasmMemoryMb} MiB`,
    `+${node2.wasmMemoryMb - node1.wasmMemoryMb} MiB (target: <= 16)`,
  ],
  [
    'second thread: peak RSS of the process',
    `${node1.peakRssMb} -> ${node2.peakRssMb} MiB`,
    `+${node2.peakRssMb - node1.peakRssMb} MiB`,
  ],
];
process.stdout.write(`\n| measurement (${seconds} s each) | value | ratio |\n|---|---|---|\n`);
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
const report = { seconds, native1, native1Again, native2, node1, node2, chromium1, chromium2 };
writeFileSync(join(repoRoot, 'test-results/bench-light.json'), `${JSON.stringify(report, null, 2)}\n`);
info('raw figures in test-results/bench-light.json');

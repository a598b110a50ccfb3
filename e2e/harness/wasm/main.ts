// The harness: one cache in shared memory on this page, N workers hashing or mining against it; and the engine
// itself, on Web Workers started by its browser starter.

import { BENCHMARK_KEY_TEXT } from '@rxmesh/core';
import { mineBenchmarkFor } from '@rxmesh/mesh';
import {
  engineMemoryBytes,
  fullEngineMemoryBytes,
  missingFeatures,
  RandomxWasm,
  requestStop,
  startBrowserWorker,
  WasmEngine,
} from '@rxmesh/wasm';
import { relaxedMaddIsFused } from '../../../packages/wasm/src/jit/features.js';
import {
  type FloatCase,
  floatRuntimeProbe,
  mismatchingCases,
  scalarFloatImplementation,
} from '../../../packages/wasm/testing/float-runtime-probe.js';
import type { HashReply, HashRequest, MineRangeRequest, MineReply, MineRequest } from './protocol.js';

const toBytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

export interface HarnessResult {
  hashesHex: string[];
  workers: number;
  memoryBytes: number;
  cacheInitMs: number;
}

export interface MineResult {
  workers: number;
  hashes: number;
  /** Sum of each worker's own rate. */
  hashrate: number;
  cacheInitMs: number;
  memoryBytes: number;
}

function ask<Reply>(request: HashRequest | MineRangeRequest | MineRequest): { worker: Worker; reply: Promise<Reply> } {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const reply = new Promise<Reply>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      resolve(event.data);
      worker.terminate();
    };
    worker.onerror = (event) => reject(new Error(event.message));
  });
  worker.postMessage(request);
  return { worker, reply };
}

async function initCache(keyHex: string): Promise<{ randomx: RandomxWasm; cacheInitMs: number }> {
  const randomx = await RandomxWasm.create();
  const begin = performance.now();
  await randomx.initCache(toBytes(keyHex));
  return { randomx, cacheInitMs: performance.now() - begin };
}

async function hashInWorkers(keyHex: string, inputsHex: string[], workers: number): Promise<HarnessResult> {
  const { randomx, cacheInitMs } = await initCache(keyHex);
  const shares = Array.from({ length: workers }, (_, w) => inputsHex.filter((_, i) => i % workers === w));
  const replies = await Promise.all(
    shares.map(
      async (share) =>
        // hash() runs on a VM's first lane, so these VMs need no more.
        (await ask<HashReply>({ kind: 'hash', handle: randomx.reserveVm({ lanes: 1 }), inputsHex: share }).reply)
          .hashesHex,
    ),
  );
  const hashesHex = inputsHex.map((_, i) => replies[i % workers]?.[Math.floor(i / workers)] ?? '');
  return { hashesHex, workers, memoryBytes: randomx.memory.buffer.byteLength, cacheInitMs };
}

/** Worker w mines nonces w * count .. (w + 1) * count - 1 of the blob; the hashes come back in nonce order. */
async function mineRangesInWorkers(
  keyHex: string,
  blobHex: string,
  count: number,
  workers: number,
): Promise<HarnessResult> {
  const { randomx, cacheInitMs } = await initCache(keyHex);
  const replies = await Promise.all(
    Array.from(
      { length: workers },
      async (_, w) =>
        (
          await ask<HashReply>({
            kind: 'mineRange',
            handle: randomx.reserveVm(),
            blobHex,
            firstNonce: w * count,
            count,
          }).reply
        ).hashesHex,
    ),
  );
  return { hashesHex: replies.flat(), workers, memoryBytes: randomx.memory.buffer.byteLength, cacheInitMs };
}

async function mineInWorkers(keyHex: string, workers: number, seconds: number): Promise<MineResult> {
  const { randomx, cacheInitMs } = await initCache(keyHex);
  const handles = Array.from({ length: workers }, () => randomx.reserveVm());
  const span = Math.floor(2 ** 32 / workers);
  const replies = handles.map(
    (handle, index) => ask<MineReply>({ kind: 'mine', handle, firstNonce: index * span }).reply,
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  for (const handle of handles) requestStop(handle);
  const results = await Promise.all(replies);
  return {
    workers,
    hashes: results.reduce((sum, result) => sum + result.hashes, 0),
    hashrate: results.reduce((sum, result) => sum + (1000 * result.hashes) / result.milliseconds, 0),
    cacheInitMs,
    memoryBytes: randomx.memory.buffer.byteLength,
  };
}

export interface EngineRun {
  /** What missingFeatures() finds missing for this engine on this page. */
  missing: string[];
  progressEvents: number;
  memoryBytes: number;
  /** engineMemoryBytes() for the engine's threads. */
  memoryBound: number;
  /** The shares of the range, every hash being one: nonces and hashes in nonce order. */
  nonces: number[];
  hashesHex: string[];
  /** A batch over the whole nonce space, stopped after a while. */
  stopped: { hashes: number; stoppedEarly: boolean; latencyMs: number };
}

/**
 * The engine on 2 Web Workers: sets `keyHex`, mines `count` nonces from `firstNonce` with a target that makes every
 * hash a share, then starts a batch that would take days and stops it after `stopAfterMs`.
 */
async function mineWithEngine(
  keyHex: string,
  blobHex: string,
  firstNonce: number,
  count: number,
  stopAfterMs: number,
): Promise<EngineRun> {
  const threads = 2;
  const missing = missingFeatures({ workers: true, memoryBytes: engineMemoryBytes(threads) });
  const engine = await WasmEngine.create({ threads, startWorker: startBrowserWorker });
  try {
    let progressEvents = 0;
    await engine.setKey(toBytes(keyHex), () => progressEvents++);
    const blob = toBytes(blobHex);
    const mined = await engine.mine({ blob, firstNonce, count, target: 2n ** 64n - 1n });
    const batch = engine.mine({ blob, firstNonce: 0, count: 2 ** 32 - 1, target: 0n });
    await new Promise((resolve) => setTimeout(resolve, stopAfterMs));
    const begin = performance.now();
    engine.stop();
    const stopped = await batch;
    const latencyMs = performance.now() - begin;
    return {
      missing: missing.map(({ feature }) => feature),
      progressEvents,
      memoryBytes: engine.memoryBytes,
      memoryBound: engineMemoryBytes(threads),
      nonces: mined.shares.map((share) => share.nonce),
      hashesHex: mined.shares.map((share) => toHex(share.hash)),
      stopped: { hashes: stopped.hashes, stoppedEarly: stopped.stoppedEarly, latencyMs },
    };
  } finally {
    engine.release();
  }
}

export interface FullModeRun {
  /** What a trial allocation of full mode's memory finds missing on this page. */
  missing: string[];
  datasetInitMs: number;
  /** The last dataset progress: items done and in all. */
  lastProgress: [number, number];
  readsDataset: boolean;
  memoryBytes: number;
  nonces: number[];
  hashesHex: string[];
  /** A hash of the engine's cache thread, which reads the dataset too. */
  singleHashHex: string;
}

/** The full-mode engine the last mineInFullMode() left running, until releaseFullMode(). */
let fullModeEngine: WasmEngine | undefined;

/** WasmEngine in full mode on 2 Web Workers: builds the dataset for `keyHex`, then mines `count` nonces. */
async function mineInFullMode(
  keyHex: string,
  blobHex: string,
  firstNonce: number,
  count: number,
  inputHex: string,
): Promise<FullModeRun> {
  const threads = 2;
  const missing = missingFeatures({ workers: true, memoryBytes: fullEngineMemoryBytes(threads) });
  const engine = await WasmEngine.create({ threads, mode: 'full', startWorker: startBrowserWorker });
  fullModeEngine = engine;
  let lastProgress: [number, number] = [0, 0];
  const { datasetInitMs } = await engine.setKey(toBytes(keyHex), (done, total) => (lastProgress = [done, total]));
  const mined = await engine.mine({ blob: toBytes(blobHex), firstNonce, count, target: 2n ** 64n - 1n });
  return {
    missing: missing.map(({ feature }) => feature),
    datasetInitMs: datasetInitMs ?? 0,
    lastProgress,
    readsDataset: engine.readsDataset,
    memoryBytes: engine.memoryBytes,
    nonces: mined.shares.map((share) => share.nonce),
    hashesHex: mined.shares.map((share) => toHex(share.hash)),
    singleHashHex: toHex(await engine.hash(toBytes(inputHex))),
  };
}

/**
 * A seed change on the engine mineInFullMode() left running: the new key, the batch mined at once (light mode, while
 * the dataset is rebuilt behind it), how far the rebuild was then, and, once the VMs read the new dataset, the same
 * batch again and one hash.
 */
async function changeSeedInFullMode(
  keyHex: string,
  blobHex: string,
  firstNonce: number,
  count: number,
  inputHex: string,
) {
  const engine = fullModeEngine;
  if (engine === undefined) throw new Error('Call mineInFullMode() first.');
  const { datasetInitMs } = await engine.setKey(toBytes(keyHex));
  const request = { blob: toBytes(blobHex), firstNonce, count, target: 2n ** 64n - 1n };
  const duringRebuild = await engine.mine(request);
  const rebuildAfterBatch = engine.datasetRebuild ?? null;
  const readsDatasetAfterBatch = engine.readsDataset;
  const begin = performance.now();
  while (!engine.readsDataset && performance.now() - begin < 240_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const rebuilt = await engine.mine(request);
  return {
    datasetInitMs,
    readsDatasetAfterBatch,
    rebuildAfterBatch,
    duringRebuildHex: duringRebuild.shares.map((share) => toHex(share.hash)),
    rebuildMs: performance.now() - begin,
    readsDataset: engine.readsDataset,
    rebuiltHex: rebuilt.shares.map((share) => toHex(share.hash)),
    singleHashHex: toHex(await engine.hash(toBytes(inputHex))),
  };
}

/** `rxmesh bench` in this tab: the engine in `mode` on `threads` Web Workers, the benchmark key and batch. */
async function benchEngine(mode: 'light' | 'full', threads: number, seconds: number) {
  const engine = await WasmEngine.create({ threads, mode, startWorker: startBrowserWorker });
  try {
    const { cacheInitMs, datasetInitMs } = await engine.setKey(new TextEncoder().encode(BENCHMARK_KEY_TEXT));
    const { hashes, hashrate } = await mineBenchmarkFor(engine, seconds);
    return {
      mode,
      threads,
      hashes,
      hashrate,
      cacheInitMs: Math.round(cacheInitMs),
      datasetInitMs: datasetInitMs === null ? null : Math.round(datasetInitMs),
      readsDataset: engine.readsDataset,
    };
  } finally {
    engine.release();
  }
}

/** Releases the full-mode engine and lets go of it, as the page does on Stop; answers its memory after release. */
function releaseFullMode(): number {
  const engine = fullModeEngine;
  fullModeEngine = undefined;
  engine?.release();
  return engine?.memoryBytes ?? -1;
}

/** A full-mode engine allowed too little memory for the dataset: what it says, and a hash it computes anyway. */
async function fullModeWithTooLittleMemory(keyHex: string, inputHex: string) {
  const engine = await WasmEngine.create({
    threads: 1,
    mode: 'full',
    maximumMemoryBytes: 1024 * 2 ** 20,
    startWorker: startBrowserWorker,
  });
  try {
    const { datasetInitMs } = await engine.setKey(toBytes(keyHex));
    return {
      datasetInitMs,
      readsDataset: engine.readsDataset,
      fullModeLost: engine.fullModeLost ?? null,
      hashHex: toHex(await engine.hash(toBytes(inputHex))),
    };
  } finally {
    engine.release();
  }
}

export interface FloatCheck {
  fusedAvailable: boolean;
  checked: number;
  /** The first few mismatching cases per runtime build. */
  mismatches: Record<string, FloatCase[]>;
}

/** The float runtime of compiled programs in this browser, baseline and (where proven fused) FMA builds. */
async function checkFloatRuntime(cases: FloatCase[]): Promise<FloatCheck> {
  const fusedAvailable = relaxedMaddIsFused();
  const builds = fusedAvailable ? [false, true] : [false];
  const mismatches: Record<string, FloatCase[]> = {};
  for (const fused of builds) {
    const compute = scalarFloatImplementation(await floatRuntimeProbe(fused));
    mismatches[fused ? 'fused' : 'baseline'] = mismatchingCases(compute, cases).slice(0, 3);
  }
  return { fusedAvailable, checked: cases.length, mismatches };
}

declare global {
  interface Window {
    rxHarness: {
      hashInWorkers: typeof hashInWorkers;
      mineRangesInWorkers: typeof mineRangesInWorkers;
      mineInWorkers: typeof mineInWorkers;
      mineWithEngine: typeof mineWithEngine;
      mineInFullMode: typeof mineInFullMode;
      changeSeedInFullMode: typeof changeSeedInFullMode;
      benchEngine: typeof benchEngine;
      releaseFullMode: typeof releaseFullMode;
      fullModeWithTooLittleMemory: typeof fullModeWithTooLittleMemory;
      checkFloatRuntime: typeof checkFloatRuntime;
    };
  }
}
window.rxHarness = {
  hashInWorkers,
  mineRangesInWorkers,
  mineInWorkers,
  mineWithEngine,
  mineInFullMode,
  changeSeedInFullMode,
  benchEngine,
  releaseFullMode,
  fullModeWithTooLittleMemory,
  checkFloatRuntime,
};

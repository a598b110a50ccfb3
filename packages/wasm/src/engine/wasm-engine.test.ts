// The WebAssembly engine on Node's worker_threads against librandomx (the native light hasher as oracle, and
// NativeEngine's own batches): batches on 2 threads, stop() with the hashed nonces a prefix, key changes, hashing
// while mining, the throttle, refusals.
import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { meetsShareTarget, type Share, withNonce } from '@rxmesh/core';
import { createLightHasher, NativeEngine, type NativeLightHasher } from '@rxmesh/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceHooksFlags, startNodeWorker } from './node-starter.js';
import { engineMemoryBytes, engineMemoryPeakBytes, WasmEngine } from './wasm-engine.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const everyHashIsAShare = 2n ** 64n - 1n;
const aQuarterAreShares = 2n ** 62n;
const firstKey = new TextEncoder().encode('rxmesh wasm engine test key');
const secondKey = new TextEncoder().encode('another seed hash');
const blob = new Uint8Array(76).map((_, i) => (i * 29 + 3) & 0xff);

const nonces = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
const shown = (shares: Share[]) => shares.map((share) => ({ nonce: share.nonce, hash: hex(share.hash) }));

/** The shares librandomx finds in a range, in nonce order. */
function oracleShares(oracle: NativeLightHasher, first: number, count: number, target: bigint) {
  return shown(
    nonces(first, count)
      .map((nonce) => ({ nonce, hash: oracle.hash(withNonce(blob, nonce)) }))
      .filter((share) => meetsShareTarget(share.hash, target)),
  );
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('WebAssembly engine, 2 threads', () => {
  let engine: WasmEngine;
  let oracle: NativeLightHasher;
  const progress: [number, number][] = [];
  let cacheInitMs = 0;

  beforeAll(async () => {
    engine = await WasmEngine.create({ threads: 2, startWorker: startNodeWorker });
    const ready = await engine.setKey(firstKey, (done, total) => progress.push([done, total]));
    expect(ready.datasetInitMs).toBeNull();
    cacheInitMs = ready.cacheInitMs;
    oracle = createLightHasher(firstKey);
  }, 60_000);

  afterAll(() => {
    engine?.release();
    oracle?.release();
  });

  it('reports cache progress up to the last Argon2 block, and the time the cache took', () => {
    expect(cacheInitMs).toBeGreaterThan(0);
    const done = progress.map(([value]) => value);
    expect(done.length).toBeGreaterThan(1);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
    expect(engine.key).toEqual(firstKey);
  });

  it('mines every nonce of a range once, each hash as librandomx gives it', async () => {
    // 13 nonces: three full chunks of 4 lanes and a partial one, over 2 threads.
    const result = await engine.mine({ blob, firstNonce: 1000, count: 13, target: everyHashIsAShare });
    expect(result).toMatchObject({ hashes: 13, stoppedEarly: false });
    expect(shown(result.shares)).toEqual(oracleShares(oracle, 1000, 13, everyHashIsAShare));
  });

  it('reports exactly the hashes below the target, in nonce order', async () => {
    const result = await engine.mine({ blob, firstNonce: 5000, count: 24, target: aQuarterAreShares });
    expect(result).toMatchObject({ hashes: 24, stoppedEarly: false });
    const expected = oracleShares(oracle, 5000, 24, aQuarterAreShares);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(24);
    expect(shown(result.shares)).toEqual(expected);
  });

  it('hashes a range that ends at the last uint32 nonce, and nothing past it', async () => {
    const result = await engine.mine({ blob, firstNonce: 2 ** 32 - 7, count: 7, target: everyHashIsAShare });
    expect(result).toMatchObject({ hashes: 7, stoppedEarly: false });
    expect(shown(result.shares)).toEqual(oracleShares(oracle, 2 ** 32 - 7, 7, everyHashIsAShare));
  });

  it('stops within 500 ms with the hashed nonces a prefix, and the rest of the range mines on', async () => {
    const first = 20_000;
    const count = 150; // several seconds at any rate this machine reaches, so the stop comes first
    const batch = engine.mine({ blob, firstNonce: first, count, target: everyHashIsAShare });
    await sleep(600);
    const begin = performance.now();
    engine.stop();
    const stopped = await batch;
    const latency = performance.now() - begin;
    console.info(`stop latency ${latency.toFixed(0)} ms after ${stopped.hashes} hashes`);
    expect(latency).toBeLessThan(500);
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.hashes).toBeGreaterThan(0);
    // Every hash is a share, so the shares name exactly the nonces hashed.
    expect(stopped.shares.map((share) => share.nonce)).toEqual(nonces(first, stopped.hashes));

    const rest = await engine.mine({
      blob,
      firstNonce: first + stopped.hashes,
      count: count - stopped.hashes,
      target: everyHashIsAShare,
    });
    expect(rest).toMatchObject({ hashes: count - stopped.hashes, stoppedEarly: false });
    expect(shown([...stopped.shares, ...rest.shares])).toEqual(oracleShares(oracle, first, count, everyHashIsAShare));
  });

  it('lets a stop() between batches pass: the next batch runs in full', async () => {
    engine.stop();
    const result = await engine.mine({ blob, firstNonce: 7, count: 4, target: 0n });
    expect(result).toEqual({ hashes: 4, shares: [], stoppedEarly: false });
  });

  it('hashes single inputs while mining, off the event loop', async () => {
    const lag = monitorEventLoopDelay({ resolution: 5 });
    const batch = engine.mine({ blob, firstNonce: 0, count: 2 ** 32 - 1, target: 0n });
    lag.enable();
    const inputs = [new Uint8Array(0), withNonce(blob, 42), new Uint8Array(2000).fill(0xa5)];
    const begin = performance.now();
    const hashes = await Promise.all(inputs.map((input) => engine.hash(input)));
    const threeHashesMs = performance.now() - begin;
    lag.disable();
    engine.stop();
    const mined = await batch;
    expect(hashes.map(hex)).toEqual(inputs.map((input) => hex(oracle.hash(input))));
    expect(mined.hashes).toBeGreaterThan(0);
    const lagMaxMs = lag.max / 1e6;
    console.info(
      `event loop: longest delay ${lagMaxMs.toFixed(1)} ms while 3 hashes took ${threeHashesMs.toFixed(0)} ms`,
    );
    // Hashes computed on the event loop would hold it for one hash at least, a third of the three.
    expect(lagMaxMs).toBeLessThan(threeHashesMs / 6);
  });

  it('refuses a key change, a second batch and release() while mining, and keeps its key', async () => {
    const batch = engine.mine({ blob, firstNonce: 0, count: 1_000_000, target: 0n });
    await expect(engine.setKey(secondKey)).rejects.toThrow(/busy: stop mining and wait .* before setKey\(\)/);
    await expect(engine.mine({ blob, firstNonce: 0, count: 1, target: 0n })).rejects.toThrow(/already mining/);
    expect(() => engine.release()).toThrow(/busy: stop mining and wait .* before release\(\)/);
    engine.stop();
    await batch;
    expect(engine.key).toEqual(firstKey);
    expect(hex(await engine.hash(blob))).toBe(hex(oracle.hash(blob)));
  });

  it('refuses requests that are not a nonce range of a hashing blob', async () => {
    const request = { blob, firstNonce: 0, count: 1, target: 1n };
    await expect(engine.mine({ ...request, blob: new Uint8Array(42) })).rejects.toThrow(/at least 43 bytes/);
    await expect(engine.mine({ ...request, count: 1.5 })).rejects.toThrow(/uint32 integers/);
    await expect(engine.mine({ ...request, firstNonce: -1 })).rejects.toThrow(/uint32 integers/);
    await expect(engine.mine({ ...request, firstNonce: 2 ** 32 - 2, count: 3 })).rejects.toThrow(/within uint32/);
    await expect(engine.mine({ ...request, target: 2n ** 64n })).rejects.toThrow(/uint64/);
    await expect(engine.mine({ ...request, target: -1n })).rejects.toThrow(/uint64/);
  });

  it('gives the same MineResult as NativeEngine in light mode', { timeout: 60_000 }, async () => {
    const native = NativeEngine.create({ mode: 'light', threads: 2 });
    try {
      await native.setKey(firstKey);
      const request = { blob, firstNonce: 300, count: 21, target: aQuarterAreShares };
      const [wasmResult, nativeResult] = [await engine.mine(request), await native.mine(request)];
      expect(nativeResult.shares.length).toBeGreaterThan(0);
      expect({ ...wasmResult, shares: shown(wasmResult.shares) }).toEqual({
        ...nativeResult,
        shares: shown(nativeResult.shares),
      });
    } finally {
      native.release();
    }
  });

  it('holds one cache and its VMs in its shared memory, within engineMemoryBytes', () => {
    const cacheBytes = 256 * 2 ** 20;
    // Two mining VMs of 4 lanes of 2 MiB scratchpad each, and the one-lane hashing VM.
    expect(engine.memoryBytes).toBeGreaterThan(cacheBytes + 9 * 2 * 2 ** 20);
    expect(engine.memoryBytes).toBeLessThanOrEqual(engineMemoryBytes(2));
    // A bound, not a guess: close enough that a page can quote it (prepare-key.test.ts checks the peak, two caches).
    expect(engineMemoryBytes(2) - engine.memoryBytes).toBeLessThan(2 * 2 ** 20);
    expect(engineMemoryPeakBytes(2) - engineMemoryBytes(2)).toBeGreaterThanOrEqual(cacheBytes);
  });

  /** Hashes per second of a batch of `count` nonces (whole chunks on both threads), timed to its end. */
  async function batchRate(count: number): Promise<number> {
    const begin = performance.now();
    const result = await engine.mine({ blob, firstNonce: 0, count, target: 0n });
    expect(result.hashes).toBe(count);
    return (1000 * result.hashes) / (performance.now() - begin);
  }

  it('applies a throttle set during a batch from the next chunk, and stop() ends a rest within 100 ms', async () => {
    try {
      const fullRate = await batchRate(16);
      const batch = engine.mine({ blob, firstNonce: 0, count: 2 ** 32 - 1, target: 0n });
      await sleep(1000);
      // Each chunk from now on is followed by a rest 49 times as long: several seconds, whatever the machine.
      engine.setThrottle(0.02);
      // Long enough for both threads to finish the chunk they were on and be resting.
      await sleep(5000);
      const begin = performance.now();
      engine.stop();
      const stopped = await batch;
      const latency = performance.now() - begin;
      console.info(`stop latency during a rest ${latency.toFixed(0)} ms after ${stopped.hashes} hashes`);
      expect(latency).toBeLessThan(100);
      expect(stopped.stoppedEarly).toBe(true);
      const unthrottled = fullRate * 6;
      // The first second, then the chunk each thread was on.
      const throttled = fullRate * 1 + 2 * 4;
      expect(stopped.hashes).toBeLessThan((unthrottled + throttled) / 2);
    } finally {
      engine.setThrottle(1);
    }
  });

  it('refuses a throttle outside (0, 1]', () => {
    expect(() => engine.setThrottle(0)).toThrow(/share of time above 0 and at most 1/);
    expect(() => engine.setThrottle(1.5)).toThrow(/share of time above 0 and at most 1/);
    expect(engine.throttle).toBe(1);
  });

  it('switches every thread to a second key', { timeout: 60_000 }, async () => {
    const secondOracle = createLightHasher(secondKey);
    try {
      const ready = await engine.setKey(secondKey);
      expect(ready.cacheInitMs).toBeGreaterThan(0);
      expect(engine.key).toEqual(secondKey);
      // 9 nonces: both mining threads take chunks under the new key.
      const result = await engine.mine({ blob, firstNonce: 77, count: 9, target: everyHashIsAShare });
      expect(shown(result.shares)).toEqual(oracleShares(secondOracle, 77, 9, everyHashIsAShare));
      expect(hex(await engine.hash(blob))).toBe(hex(secondOracle.hash(blob)));
      expect(hex(await engine.hash(blob))).not.toBe(hex(oracle.hash(blob)));
    } finally {
      secondOracle.release();
    }
  });
});

describe('WebAssembly engine, before a key and after release', () => {
  it('refuses bad options, work before setKey, and any use after release()', async () => {
    await expect(WasmEngine.create({ threads: 0, startWorker: startNodeWorker })).rejects.toThrow(/positive integer/);
    await expect(WasmEngine.create({ threads: 1, hashLanes: 5, startWorker: startNodeWorker })).rejects.toThrow(
      /hashLanes must be 1 to 4, got 5/,
    );
    await expect(WasmEngine.create({ threads: 1, variant: 'rx/1', startWorker: startNodeWorker })).rejects.toThrow(
      /Unknown RandomX variant/,
    );
    const engine = await WasmEngine.create({ threads: 1, variant: 'rx/wow', startWorker: startNodeWorker });
    expect(engine).toMatchObject({ mode: 'light', threads: 1, variant: 'rx/wow', key: undefined });
    await expect(engine.mine({ blob, firstNonce: 0, count: 1, target: 1n })).rejects.toThrow(/Call setKey\(key\)/);
    await expect(engine.hash(blob)).rejects.toThrow(/Call setKey\(key\) first/);
    engine.release();
    await expect(engine.setKey(firstKey)).rejects.toThrow(/released; create a new one/);
    await expect(engine.hash(blob)).rejects.toThrow(/released; create a new one/);
    await expect(engine.mine({ blob, firstNonce: 0, count: 1, target: 1n })).rejects.toThrow(/released/);
  });
});

describe('WebAssembly engine, throttled', () => {
  // One mining thread: a throttled thread then meets the same competition for the processor as an unthrottled one.
  // With two, on a busy 2-core machine, throttling one would leave the other more of it, and the rate falls less.
  let engine: WasmEngine;

  beforeAll(async () => {
    engine = await WasmEngine.create({ threads: 1, startWorker: startNodeWorker });
    await engine.setKey(firstKey);
  }, 60_000);

  afterAll(() => engine?.release());

  /** Milliseconds to mine `count` nonces, chunks of 4 each followed by its rest. */
  async function batchMs(duty: number, count = 8): Promise<number> {
    engine.setThrottle(duty);
    const begin = performance.now();
    const result = await engine.mine({ blob, firstNonce: 0, count, target: 0n });
    expect(result.hashes).toBe(count);
    return performance.now() - begin;
  }

  it('mines at 35-65% of its full rate with a throttle of 0.5', { timeout: 90_000 }, async () => {
    expect(engine.throttle).toBe(1);
    // Until V8 has optimized the key's SuperscalarHash functions and the float runtime, in the background.
    await batchMs(1, 32);
    // Pairs of batches close in time, so that the load of a shared machine, which changes from one second to the
    // next, falls on both sides alike; and their median, since now and then V8 compiles or collects garbage in
    // the middle of a batch (a second and more here, on a loaded machine, throttled or not).
    const ratios: number[] = [];
    for (let round = 0; round < 7; round++) {
      const fullMs = await batchMs(1);
      ratios.push(fullMs / (await batchMs(0.5)));
    }
    expect(engine.throttle).toBe(0.5);
    const median = [...ratios].sort((a, b) => a - b)[3] as number;
    console.info(`throttle 0.5: rate ratios ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')}`);
    expect(median).toBeGreaterThan(0.35);
    expect(median).toBeLessThan(0.65);
  });
});

describe('WebAssembly engine in a Node process', () => {
  it('lets the process end while the engine is idle, without release()', { timeout: 90_000 }, async () => {
    const module = (name: string) => JSON.stringify(new URL(name, import.meta.url).href);
    // Every kind of call, a progress listener included (its channel must be closed, or it would hold the process).
    const script = `
      import { WasmEngine } from ${module('./wasm-engine.ts')};
      import { startNodeWorker } from ${module('./node-starter.ts')};
      const engine = await WasmEngine.create({ threads: 1, startWorker: startNodeWorker });
      // Held, as an app holds its engine: unreachable, Comlink would release its threads when collected.
      globalThis.engine = engine;
      let progress = 0;
      await engine.setKey(new Uint8Array(32), () => progress++);
      const mined = await engine.mine({ blob: new Uint8Array(76), firstNonce: 0, count: 4, target: 0n });
      await engine.hash(new Uint8Array(1));
      let prepared = 0;
      await engine.prepareKey(new Uint8Array(1), () => prepared++);
      await engine.setKey(new Uint8Array(1));
      console.log(JSON.stringify({ hashes: mined.hashes, progress: progress > 0 && prepared > 0 }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...sourceHooksFlags(), '--input-type=module', '--eval', script],
      { timeout: 80_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ hashes: 4, progress: true });
  });
});

// A seed change on the WebAssembly engine without a mining gap: the next key's cache builds in the spare slot while
// the mining threads hash under the current key, setKey() then switches in milliseconds, and repeated switches
// keep the memory at two caches. librandomx (the native light hasher) is the oracle on both sides of a switch.
import { meetsShareTarget, type Share, withNonce } from '@rxmesh/core';
import { createLightHasher, type NativeLightHasher } from '@rxmesh/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeWorker } from './node-starter.js';
import { engineMemoryPeakBytes, WasmEngine } from './wasm-engine.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const everyHashIsAShare = 2n ** 64n - 1n;
const keyA = new TextEncoder().encode('rxmesh key switch A');
const keyB = new TextEncoder().encode('rxmesh key switch B');
const blob = new Uint8Array(76).map((_, i) => (i * 37 + 11) & 0xff);
const MIB = 2 ** 20;

/** Every share must be librandomx's hash of its nonce under `oracle`'s key. */
function expectOracleHashes(oracle: NativeLightHasher, shares: Share[]): void {
  for (const share of shares) {
    expect(meetsShareTarget(share.hash, everyHashIsAShare)).toBe(true);
    expect(hex(share.hash)).toBe(hex(oracle.hash(withNonce(blob, share.nonce))));
  }
}

describe('WebAssembly engine, a key prepared while mining', () => {
  let engine: WasmEngine;
  let oracleA: NativeLightHasher;
  let oracleB: NativeLightHasher;

  beforeAll(async () => {
    engine = await WasmEngine.create({ threads: 2, startWorker: startNodeWorker });
    await engine.setKey(keyA);
    oracleA = createLightHasher(keyA);
    oracleB = createLightHasher(keyB);
    // Until V8 has optimized the key's functions, so the rates below compare like with like.
    await engine.mine({ blob, firstNonce: 0, count: 32, target: 0n });
  }, 120_000);

  afterAll(() => {
    engine?.release();
    oracleA?.release();
    oracleB?.release();
  });

  it('mines under key A while key B builds, then hashes under B as librandomx does', { timeout: 120_000 }, async () => {
    const steadyBegin = performance.now();
    const steady = await engine.mine({ blob, firstNonce: 0, count: 64, target: 0n });
    const steadyRate = (1000 * steady.hashes) / (performance.now() - steadyBegin);

    const progress: number[] = [];
    const batch = engine.mine({ blob, firstNonce: 1000, count: 2 ** 20, target: everyHashIsAShare });
    const buildBegin = performance.now();
    const ready = await engine.prepareKey(keyB, (done) => progress.push(done));
    const buildMs = performance.now() - buildBegin;
    engine.stop();
    const during = await batch;
    expect(engine.key).toEqual(keyA);
    expect(ready).toMatchObject({ datasetInitMs: null });
    expect(ready.cacheInitMs).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // Hashes kept counting during the build, each one right under key A.
    const buildRate = (1000 * during.hashes) / buildMs;
    console.info(
      `WebAssembly, 2 threads: cache built in ${buildMs.toFixed(0)} ms while mining at ${buildRate.toFixed(1)} H/s ` +
        `(steady ${steadyRate.toFixed(1)} H/s); a stop-and-rekey would have mined 0 H/s meanwhile`,
    );
    expect(during.hashes).toBeGreaterThan(0);
    expect(during.shares.map((share) => share.nonce)).toEqual(
      Array.from({ length: during.hashes }, (_, i) => 1000 + i),
    );
    expectOracleHashes(oracleA, during.shares);

    const switchBegin = performance.now();
    await engine.setKey(keyB);
    console.info(`WebAssembly: switch to the prepared key in ${(performance.now() - switchBegin).toFixed(0)} ms`);
    expect(engine.key).toEqual(keyB);
    // 9 nonces: both mining threads take chunks under the new key.
    const after = await engine.mine({ blob, firstNonce: 77, count: 9, target: everyHashIsAShare });
    expect(after.hashes).toBe(9);
    expectOracleHashes(oracleB, after.shares);
    expect(hex(await engine.hash(blob))).toBe(hex(oracleB.hash(blob)));
  });

  it('hashes under the current key while the next one builds, and refuses a second build or a switch meanwhile', {
    timeout: 120_000,
  }, async () => {
    const building = engine.prepareKey(keyA);
    await expect(engine.prepareKey(keyA)).rejects.toThrow(/busy: .* before prepareKey\(\)/);
    await expect(engine.setKey(keyA)).rejects.toThrow(/busy: .* before setKey\(\)/);
    expect(() => engine.release()).toThrow(/busy: .* before release\(\)/);
    expect(hex(await engine.hash(blob))).toBe(hex(oracleB.hash(blob)));
    await building;
    await engine.setKey(keyA);
    expect(hex(await engine.hash(blob))).toBe(hex(oracleA.hash(blob)));
  });

  it('holds two caches at most, however often the key changes back and forth', { timeout: 180_000 }, async () => {
    const twoCaches = engine.memoryBytes;
    // Two caches, two mining VMs and the hashing VM, within the bound a page quotes.
    expect(twoCaches).toBeGreaterThan(2 * 256 * MIB + 17 * MIB);
    expect(twoCaches).toBeLessThanOrEqual(engineMemoryPeakBytes(2));
    expect(engineMemoryPeakBytes(2) - twoCaches).toBeLessThan(2 * MIB);
    const rssBefore = process.memoryUsage().rss;
    for (const [index, key] of [keyB, keyA, keyB, keyA].entries()) {
      await engine.prepareKey(key);
      await engine.setKey(key);
      const oracle = key === keyA ? oracleA : oracleB;
      expect(hex(await engine.hash(withNonce(blob, index)))).toBe(hex(oracle.hash(withNonce(blob, index))));
      const mined = await engine.mine({ blob, firstNonce: 100 * index, count: 8, target: everyHashIsAShare });
      expect(mined.shares.length).toBe(8);
      expectOracleHashes(oracle, mined.shares);
      expect(engine.memoryBytes).toBe(twoCaches);
    }
    // A cache left behind per key would add 256 MiB each time; compiled modules and their threads' code are small.
    const growth = process.memoryUsage().rss - rssBefore;
    console.info(`WebAssembly: RSS ${(growth / MIB).toFixed(0)} MiB after four more switches`);
    expect(growth).toBeLessThan(128 * MIB);
  });
});

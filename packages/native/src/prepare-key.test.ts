// A seed change on the native engine without a mining gap: the next key builds beside the current one while the
// mining threads hash under it, setKey() then switches, and the old key's memory goes (the process's RSS says so).
// librandomx's own light hasher is the oracle on both sides of a switch.
import { meetsShareTarget, type Share, withNonce } from '@rxmesh/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createLightHasher, type EngineMode, NativeEngine, type NativeLightHasher } from './index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const everyHashIsAShare = 2n ** 64n - 1n;
const keyA = Buffer.from('rxmesh native key switch A');
const keyB = Buffer.from('rxmesh native key switch B');
const blob = Buffer.alloc(76, 5);
const MIB = 2 ** 20;
const rssMib = () => process.memoryUsage().rss / MIB;

const oracleA = createLightHasher(keyA);
const oracleB = createLightHasher(keyB);
afterAll(() => {
  oracleA.release();
  oracleB.release();
});

function expectOracleHashes(oracle: NativeLightHasher, shares: Share[]): void {
  for (const share of shares) {
    expect(meetsShareTarget(share.hash, everyHashIsAShare)).toBe(true);
    expect(hex(share.hash)).toBe(hex(oracle.hash(withNonce(blob, share.nonce))));
  }
}

/** Mines under key A while key B is prepared; answers the batch, the build's time and the RSS peak seen. */
async function mineWhilePreparing(engine: NativeEngine) {
  let peakMib = rssMib();
  const sampler = setInterval(() => {
    peakMib = Math.max(peakMib, rssMib());
  }, 100);
  try {
    const progress: number[] = [];
    const batch = engine.mine({ blob, firstNonce: 0, count: 2 ** 31, target: everyHashIsAShare });
    const begin = performance.now();
    const ready = await engine.prepareKey(keyB, (done) => progress.push(done));
    const buildMs = performance.now() - begin;
    peakMib = Math.max(peakMib, rssMib());
    engine.stop();
    const mined = await batch;
    return { mined, buildMs, ready, progress, peakMib };
  } finally {
    clearInterval(sampler);
  }
}

describe.each<[EngineMode, number]>([
  ['light', 120_000],
  ['full', 900_000],
])('native engine, %s mode, a key prepared while mining', (mode, timeout) => {
  it('mines under key A while key B builds, switches, and hashes under B as librandomx does', { timeout }, async () => {
    const engine = NativeEngine.create({ mode, threads: 2 });
    try {
      await engine.setKey(keyA);
      const steadyBegin = performance.now();
      const steady = await engine.mine({ blob, firstNonce: 0, count: mode === 'full' ? 2000 : 200, target: 0n });
      const steadyRate = (1000 * steady.hashes) / (performance.now() - steadyBegin);
      const beforeMib = rssMib();

      const { mined, buildMs, ready, progress, peakMib } = await mineWhilePreparing(engine);
      expect(hex(engine.key ?? new Uint8Array())).toBe(hex(keyA));
      expect(ready.datasetInitMs === null).toBe(mode === 'light');
      if (mode === 'full') expect(progress.at(-1)).toBeGreaterThan(0);
      expect(mined.hashes).toBeGreaterThan(0);
      expect(mined.shares.map((share) => share.nonce)).toEqual(Array.from({ length: mined.hashes }, (_, i) => i));
      // Every hash of a full-mode batch would cost a light-mode oracle hash; a sample of them is enough.
      expectOracleHashes(
        oracleA,
        mined.shares.filter((_, index) => index % 50 === 0),
      );

      const switchBegin = performance.now();
      await engine.setKey(keyB);
      const switchMs = performance.now() - switchBegin;
      const afterMib = rssMib();
      console.info(
        `native ${mode}, 2 threads: key built in ${(buildMs / 1000).toFixed(1)} s while mining at ` +
          `${((1000 * mined.hashes) / buildMs).toFixed(0)} H/s (steady ${steadyRate.toFixed(0)} H/s); switch ` +
          `${switchMs.toFixed(0)} ms; RSS ${beforeMib.toFixed(0)} MiB before, peak ${peakMib.toFixed(0)} MiB, ` +
          `${afterMib.toFixed(0)} MiB after`,
      );
      // The second key's memory came and the first key's went.
      const keyMib = mode === 'full' ? 2080 : 256;
      expect(peakMib - beforeMib).toBeGreaterThan(0.9 * keyMib);
      expect(peakMib - afterMib).toBeGreaterThan(0.9 * keyMib);

      expect(hex(engine.key ?? new Uint8Array())).toBe(hex(keyB));
      const after = await engine.mine({ blob, firstNonce: 500, count: 8, target: everyHashIsAShare });
      expect(after.hashes).toBe(8);
      expectOracleHashes(oracleB, after.shares);
      expect(hex(await engine.hash(blob))).toBe(hex(oracleB.hash(blob)));
    } finally {
      engine.release();
    }
  });
});

describe('native engine, light mode, repeated switches', () => {
  it('holds two keys at most, however often the key changes back and forth', { timeout: 120_000 }, async () => {
    const engine = NativeEngine.create({ mode: 'light', threads: 1 });
    try {
      await engine.setKey(keyA);
      await engine.prepareKey(keyB);
      await engine.setKey(keyB);
      const settledMib = rssMib();
      for (const [index, key] of [keyA, keyB, keyA, keyB, keyA, keyB].entries()) {
        await engine.prepareKey(key);
        await engine.setKey(key);
        const oracle = key === keyA ? oracleA : oracleB;
        expect(hex(await engine.hash(withNonce(blob, index)))).toBe(hex(oracle.hash(withNonce(blob, index))));
      }
      // A cache left behind per switch would add 256 MiB each time.
      const growthMib = rssMib() - settledMib;
      console.info(`native light: RSS ${growthMib.toFixed(0)} MiB after six more switches`);
      expect(growthMib).toBeLessThan(128);
    } finally {
      engine.release();
    }
  });

  it('refuses a second build, a switch and release() while a key is prepared, and keeps hashing', async () => {
    const engine = NativeEngine.create({ mode: 'light', threads: 1 });
    try {
      await engine.setKey(keyA);
      const building = engine.prepareKey(keyB);
      await expect(engine.prepareKey(keyB)).rejects.toThrow(/busy: wait for the key being built/);
      await expect(engine.setKey(keyB)).rejects.toThrow(/busy: .* before setKey\(\)/);
      expect(() => engine.release()).toThrow(/busy: .* before release\(\)/);
      expect(hex(await engine.hash(blob))).toBe(hex(oracleA.hash(blob)));
      await building;
      // A key other than the prepared one is built in place.
      const other = Buffer.from('a third key');
      const ready = await engine.setKey(other);
      expect(ready.cacheInitMs).toBeGreaterThan(0);
      expect(hex(await engine.hash(blob))).toBe(hex(createLightHasherHash(other, blob)));
    } finally {
      engine.release();
    }
  });
});

function createLightHasherHash(key: Uint8Array, input: Uint8Array): Uint8Array {
  const hasher = createLightHasher(key);
  try {
    return hasher.hash(input);
  } finally {
    hasher.release();
  }
}

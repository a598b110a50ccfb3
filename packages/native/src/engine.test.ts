// The native engine against the published vectors in light and full mode, its batch mining against its own
// single hashes, stop() latency, and a seed change without a mining gap: the second vector key builds beside the
// first while the mining threads hash under it (in full mode, for the build's first seconds), setKey() then
// switches, and the first key's memory goes (as the memory the process holds says: its RSS and the huge pages in
// use), with librandomx's own light hasher as the oracle on both sides of the switch. Full mode builds a 2080 MiB dataset per vector key (≈25 s each on 2 cores),
// and only those: one engine goes through it all.
import { meetsShareTarget, type Share, withNonce } from '@rxmesh/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedVectors } from '../../../fixtures/randomx-vectors.mjs';
import { heldMib } from '../testing/held-memory.js';
import { createLightHasher, type EngineMode, NativeEngine, type NativeLightHasher, ShareVerifier } from './index.js';

const vectors = publishedVectors('rx/0');
const keys = [...new Set(vectors.map((vector) => vector.key))];
const [firstKeyHex, secondKeyHex] = keys;
if (firstKeyHex === undefined || secondKeyHex === undefined) throw new Error('the rx/0 vectors have fewer than 2 keys');
const firstKey = Buffer.from(firstKeyHex, 'hex');
const secondKey = Buffer.from(secondKeyHex, 'hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const everyHashIsAShare = 2n ** 64n - 1n;

const firstOracle = createLightHasher(firstKey);
const secondOracle = createLightHasher(secondKey);
afterAll(() => {
  firstOracle.release();
  secondOracle.release();
});

async function expectPublishedVectors(engine: NativeEngine, keyHex: string): Promise<void> {
  expect(hex(engine.key ?? new Uint8Array())).toBe(keyHex);
  for (const vector of vectors.filter((candidate) => candidate.key === keyHex)) {
    expect(hex(await engine.hash(Buffer.from(vector.input, 'hex')))).toBe(vector.hash);
  }
}

function expectOracleHashes(oracle: NativeLightHasher, blob: Uint8Array, shares: Share[]): void {
  for (const share of shares) {
    expect(meetsShareTarget(share.hash, everyHashIsAShare)).toBe(true);
    expect(hex(share.hash)).toBe(hex(oracle.hash(withNonce(blob, share.nonce))));
  }
}

/** Milliseconds from stop() until the batch in flight settles. */
async function stopLatency(engine: NativeEngine): Promise<{ milliseconds: number; hashes: number }> {
  const batch = engine.mine({ blob: Buffer.alloc(76, 3), firstNonce: 0, count: 1_000_000, target: 0n });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const begin = performance.now();
  engine.stop();
  const result = await batch;
  expect(result.stoppedEarly).toBe(true);
  return { milliseconds: performance.now() - begin, hashes: result.hashes };
}

/**
 * Mines `blob` from nonce 0 while `key` is prepared: `count` hashes at most, so that a long build gets the processor
 * to itself once they are done. Answers the batch and when it settled, the build's time and the peak of held memory seen.
 */
async function mineWhilePreparing(engine: NativeEngine, blob: Uint8Array, key: Uint8Array, count: number) {
  let peakMib = heldMib();
  const sampler = setInterval(() => {
    peakMib = Math.max(peakMib, heldMib());
  }, 100);
  try {
    const progress: number[] = [];
    const begin = performance.now();
    let minedMs: number | undefined;
    const batch = engine.mine({ blob, firstNonce: 0, count, target: everyHashIsAShare }).then((mined) => {
      minedMs = performance.now() - begin;
      return mined;
    });
    const ready = await engine.prepareKey(key, (done) => progress.push(done));
    const buildMs = performance.now() - begin;
    const settledBeforeBuild = minedMs !== undefined;
    peakMib = Math.max(peakMib, heldMib());
    engine.stop();
    const mined = await batch;
    return { mined, minedMs: minedMs ?? buildMs, settledBeforeBuild, buildMs, ready, progress, peakMib };
  } finally {
    clearInterval(sampler);
  }
}

describe.each<[EngineMode, number]>([
  ['light', 300_000],
  ['full', 900_000],
])('native engine, %s mode', (mode, timeout) => {
  const engine = NativeEngine.create({ mode, threads: 2 });
  const progress: number[][] = [];

  beforeAll(async () => {
    const ready = await engine.setKey(firstKey, (done, total) => progress.push([done, total]));
    expect(ready.datasetInitMs === null).toBe(mode === 'light');
  }, timeout);
  afterAll(() => engine.release());

  it('reproduces the published rx/0 vectors of the first key', { timeout }, async () => {
    await expectPublishedVectors(engine, firstKeyHex);
  });

  it('reports dataset progress up to every item (full mode only)', () => {
    if (mode === 'light') return expect(progress).toEqual([]);
    const done = progress.map(([value]) => value as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);
  });

  it('mines a batch on 2 threads: every nonce once, each hash as hash() gives it', { timeout }, async () => {
    const blob = Buffer.alloc(76, 9);
    const result = await engine.mine({ blob, firstNonce: 4000, count: 10, target: everyHashIsAShare });
    expect(result).toMatchObject({ hashes: 10, stoppedEarly: false });
    expect(result.shares.map((share) => share.nonce)).toEqual(Array.from({ length: 10 }, (_, i) => 4000 + i));
    for (const share of result.shares) {
      expect(hex(share.hash)).toBe(hex(await engine.hash(withNonce(blob, share.nonce))));
    }
  });

  it('verifies shares with the dataset for its seed (full mode) and light mode for other seeds', {
    timeout,
  }, async () => {
    const blob = Buffer.alloc(76, 5);
    const { shares } = await engine.mine({ blob, firstNonce: 9, count: 1, target: everyHashIsAShare });
    const share = shares[0];
    if (share === undefined) throw new Error('the batch found no share');
    const verifier = new ShareVerifier(mode === 'full' ? { fullEngine: engine } : {});
    try {
      const seed = engine.key as Uint8Array;
      expect(await verifier.verify(seed, blob, 9, share.hash)).toMatchObject({ matches: true, mode });
      expect((await verifier.verify(seed, blob, 10, share.hash)).matches).toBe(false);
      expect(await verifier.verify(Buffer.from('another seed'), blob, 9, share.hash)).toMatchObject({
        matches: false,
        mode: 'light',
      });
    } finally {
      await verifier.close();
    }
  });

  it('stops a batch within 100 ms, with the hashed nonces a prefix of the range', { timeout }, async () => {
    const { milliseconds, hashes } = await stopLatency(engine);
    expect(hashes).toBeGreaterThan(0);
    expect(milliseconds).toBeLessThan(100);
  });

  it('refuses a key change while mining, and a second batch at once', { timeout }, async () => {
    const batch = engine.mine({ blob: Buffer.alloc(76), firstNonce: 0, count: 1_000_000, target: 0n });
    expect(() => engine.mine({ blob: Buffer.alloc(76), firstNonce: 0, count: 1, target: 0n })).toThrow(
      /already mining/,
    );
    await expect(engine.setKey(Buffer.from('other'))).rejects.toThrow(/busy: stop mining/);
    engine.stop();
    await batch;
  });

  it('mines under the first key while the second builds, switches, and hashes under it as librandomx does', {
    timeout,
  }, async () => {
    const blob = Buffer.alloc(76, 5);
    const steadyBegin = performance.now();
    const steady = await engine.mine({ blob, firstNonce: 0, count: mode === 'full' ? 2000 : 200, target: 0n });
    const steadyRate = (1000 * steady.hashes) / (performance.now() - steadyBegin);
    const beforeMib = heldMib();

    // A full dataset builds for tens of seconds: 1000 hashes show mining going on meanwhile, then the build has
    // both cores. A light cache is ready in under a second, so there mining goes on until the key is.
    const { mined, minedMs, settledBeforeBuild, buildMs, ready, progress, peakMib } = await mineWhilePreparing(
      engine,
      blob,
      secondKey,
      mode === 'full' ? 1000 : 2 ** 31,
    );
    expect(hex(engine.key ?? new Uint8Array())).toBe(firstKeyHex);
    expect(ready.datasetInitMs === null).toBe(mode === 'light');
    if (mode === 'full') {
      expect(progress.at(-1)).toBeGreaterThan(0);
      expect(mined).toMatchObject({ hashes: 1000, stoppedEarly: false });
      expect(settledBeforeBuild).toBe(true);
    }
    expect(mined.hashes).toBeGreaterThan(0);
    expect(mined.shares.map((share) => share.nonce)).toEqual(Array.from({ length: mined.hashes }, (_, i) => i));
    // Every hash of a full-mode batch would cost a light-mode oracle hash; a sample of them is enough.
    expectOracleHashes(
      firstOracle,
      blob,
      mined.shares.filter((_, index) => index % 50 === 0),
    );

    const switchBegin = performance.now();
    await engine.setKey(secondKey);
    const switchMs = performance.now() - switchBegin;
    const afterMib = heldMib();
    console.info(
      `native ${mode}, 2 threads: key built in ${(buildMs / 1000).toFixed(1)} s; mining meanwhile at ` +
        `${((1000 * mined.hashes) / minedMs).toFixed(0)} H/s for ${(minedMs / 1000).toFixed(1)} s (steady ` +
        `${steadyRate.toFixed(0)} H/s); switch ` +
        `${switchMs.toFixed(0)} ms; held ${beforeMib.toFixed(0)} MiB before, peak ${peakMib.toFixed(0)} MiB, ` +
        `${afterMib.toFixed(0)} MiB after`,
    );
    // The second key's memory came and the first key's went.
    const keyMib = mode === 'full' ? 2080 : 256;
    expect(peakMib - beforeMib).toBeGreaterThan(0.9 * keyMib);
    expect(peakMib - afterMib).toBeGreaterThan(0.9 * keyMib);

    expect(hex(engine.key ?? new Uint8Array())).toBe(secondKeyHex);
    const after = await engine.mine({ blob, firstNonce: 500, count: 8, target: everyHashIsAShare });
    expect(after.hashes).toBe(8);
    expectOracleHashes(secondOracle, blob, after.shares);
    expect(hex(await engine.hash(blob))).toBe(hex(secondOracle.hash(blob)));
  });

  it('reproduces the published rx/0 vectors of the second key, and of any further key', { timeout }, async () => {
    await expectPublishedVectors(engine, secondKeyHex);
    for (const keyHex of keys.slice(2)) {
      await engine.setKey(Buffer.from(keyHex, 'hex'));
      await expectPublishedVectors(engine, keyHex);
    }
  });
});

describe('native engine, refusals', () => {
  it('mining or hashing before setKey, and bad arguments', () => {
    const engine = NativeEngine.create({ mode: 'light', threads: 1 });
    expect(() => engine.mine({ blob: Buffer.alloc(76), firstNonce: 0, count: 1, target: 1n })).toThrow(
      /Call setKey\(key\) first/,
    );
    expect(() => engine.hash(Buffer.alloc(1))).toThrow(/Call setKey\(key\) first/);
    expect(() => NativeEngine.create({ mode: 'light', threads: 0 })).toThrow(/positive integer/);
    expect(() => NativeEngine.create({ mode: 'fast' as EngineMode, threads: 1 })).toThrow(/'full' or 'light'/);
  });
});

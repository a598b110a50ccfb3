// The native engine against the published vectors in light and full mode, its batch mining against its own
// single hashes, and stop() latency. Full mode builds two 2080 MiB datasets (≈25 s each on 2 cores), once.
import { withNonce } from '@rxmesh/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedVectors } from '../../../fixtures/randomx-vectors.mjs';
import { type EngineMode, NativeEngine, ShareVerifier } from './index.js';

const vectors = publishedVectors('rx/0');
const keys = [...new Set(vectors.map((vector) => vector.key))];
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const everyHashIsAShare = 2n ** 64n - 1n;

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

describe.each<[EngineMode, number]>([
  ['light', 300_000],
  ['full', 600_000],
])('native engine, %s mode', (mode, timeout) => {
  const engine = NativeEngine.create({ mode, threads: 2 });
  const progress: number[][] = [];

  beforeAll(async () => {
    const ready = await engine.setKey(Buffer.from(keys[0] as string, 'hex'), (done, total) =>
      progress.push([done, total]),
    );
    expect(ready.datasetInitMs === null).toBe(mode === 'light');
  }, timeout);
  afterAll(() => engine.release());

  it('reproduces every published rx/0 vector', { timeout }, async () => {
    for (const [index, keyHex] of keys.entries()) {
      if (index > 0) await engine.setKey(Buffer.from(keyHex, 'hex'));
      for (const vector of vectors.filter((candidate) => candidate.key === keyHex)) {
        expect(hex(await engine.hash(Buffer.from(vector.input, 'hex')))).toBe(vector.hash);
      }
    }
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

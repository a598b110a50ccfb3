// Seed changes on the native engine in light mode, back and forth: the engine holds two keys at most, and refuses
// what would disturb a key being prepared. librandomx's own light hasher is the oracle. The seed change without a
// mining gap, in light and full mode, is in engine.test.ts, where it reuses the engine that checks the vectors.
import { withNonce } from '@rxmesh/core';
import { afterAll, describe, expect, it } from 'vitest';
import { heldMib } from '../testing/held-memory.js';
import { createLightHasher, NativeEngine } from './index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const keyA = Buffer.from('rxmesh native key switch A');
const keyB = Buffer.from('rxmesh native key switch B');
const blob = Buffer.alloc(76, 5);

const oracleA = createLightHasher(keyA);
const oracleB = createLightHasher(keyB);
afterAll(() => {
  oracleA.release();
  oracleB.release();
});

describe('native engine, light mode, repeated switches', () => {
  it('holds two keys at most, however often the key changes back and forth', { timeout: 120_000 }, async () => {
    const engine = NativeEngine.create({ mode: 'light', threads: 1 });
    try {
      await engine.setKey(keyA);
      await engine.prepareKey(keyB);
      await engine.setKey(keyB);
      const settledMib = heldMib();
      for (const [index, key] of [keyA, keyB, keyA, keyB, keyA, keyB].entries()) {
        await engine.prepareKey(key);
        await engine.setKey(key);
        const oracle = key === keyA ? oracleA : oracleB;
        expect(hex(await engine.hash(withNonce(blob, index)))).toBe(hex(oracle.hash(withNonce(blob, index))));
      }
      // A cache left behind per switch would add 256 MiB each time.
      const growthMib = heldMib() - settledMib;
      console.info(`native light: held memory grew ${growthMib.toFixed(0)} MiB after six more switches`);
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

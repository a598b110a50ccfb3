// mine() hashes several nonces in lockstep, one per lane, and hashEach() several inputs. Every lane count must give
// librandomx's hashes, batches that do not divide into lanes must be exact, and a hash computed after the share
// buffer filled must not count.
import { randomBytes } from 'node:crypto';
import { createLightHasher } from '@rxmesh/native';
import { describe, expect, it } from 'vitest';
import { RandomxWasm } from './randomx-wasm.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function withNonce(blob: Uint8Array, nonce: number): Uint8Array {
  const copy = blob.slice();
  new DataView(copy.buffer).setUint32(39, nonce, true);
  return copy;
}

describe('mining in lanes', () => {
  const key = randomBytes(32);
  const blob = randomBytes(76);
  const everyHashIsAShare = 2n ** 64n - 1n;

  it.each([1, 3, 4])(
    '%i lane(s): every hash of a 7-nonce batch matches librandomx',
    { timeout: 120_000 },
    async (lanes) => {
      const randomx = await RandomxWasm.create();
      await randomx.initCache(key);
      const vm = await randomx.createVM({ lanes });
      const result = vm.mine({ blob, firstNonce: 1000, count: 7, target: everyHashIsAShare });
      expect(result.hashes).toBe(7);
      const oracle = createLightHasher(key);
      try {
        expect(result.shares.map((share) => [share.nonce, hex(share.hash)])).toEqual(
          Array.from({ length: 7 }, (_, i) => [1000 + i, hex(oracle.hash(withNonce(blob, 1000 + i)))]),
        );
      } finally {
        oracle.release();
      }
    },
  );

  it('a full share buffer ends the batch on the last recorded hash', { timeout: 300_000 }, async () => {
    const randomx = await RandomxWasm.create();
    await randomx.initCache(key);
    // 3 lanes: the buffer (64 shares) fills on the first lane of a step, whose two other hashes must not count.
    const vm = await randomx.createVM({ lanes: 3 });
    const result = vm.mine({ blob, firstNonce: 0, count: 70, target: everyHashIsAShare });
    expect(result.hashes).toBe(64);
    expect(result.stoppedEarly).toBe(true);
    expect(result.shares.map((share) => share.nonce)).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('hashEach: inputs of any length on as many lanes, each as librandomx hashes it; none, or more than the lanes, is refused', {
    timeout: 120_000,
  }, async () => {
    const randomx = await RandomxWasm.create();
    await randomx.initCache(key);
    const vm = await randomx.createVM({ lanes: 3 });
    // Empty, a hashing blob, and one longer than the 64 KiB the VM takes in at a time; then one alone.
    const inputs = [new Uint8Array(0), blob, randomBytes(64 * 1024 + 1)];
    const oracle = createLightHasher(key);
    try {
      expect(vm.hashEach(inputs).map(hex)).toEqual(inputs.map((input) => hex(oracle.hash(input))));
      expect(hex(vm.hash(blob))).toBe(hex(oracle.hash(blob)));
    } finally {
      oracle.release();
    }
    expect(() => vm.hashEach([])).toThrow(/1 to 3 inputs on this VM, got 0/);
    expect(() => vm.hashEach([blob, blob, blob, blob])).toThrow(/1 to 3 inputs on this VM, got 4/);
  });

  it('refuses lane counts outside 1 to 4', async () => {
    const randomx = await RandomxWasm.create();
    await randomx.initCache(key);
    expect(() => randomx.reserveVm({ lanes: 0 })).toThrow(/1 to 4 lanes, got 0/);
    expect(() => randomx.reserveVm({ lanes: 5 })).toThrow(/1 to 4 lanes, got 5/);
  });
});

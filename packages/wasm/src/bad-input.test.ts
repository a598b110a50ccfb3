// Inputs at the edges: each gets a correct hash (checked against librandomx) or a clear error, never a crash.
import { randomBytes } from 'node:crypto';
import { createLightHasher } from '@rxmesh/native';
import { describe, expect, it } from 'vitest';
import { RandomxWasm } from './randomx-wasm.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function oracleHashes(key: Uint8Array, inputs: Uint8Array[]): string[] {
  const oracle = createLightHasher(key);
  try {
    return inputs.map((input) => hex(oracle.hash(input)));
  } finally {
    oracle.release();
  }
}

describe('edge-case keys and inputs get the same hash as librandomx', () => {
  it.each([
    ['an empty key', 0],
    ['a 1 KiB key', 1024],
  ])('%s, with empty, 76-byte and 64 KiB + 1 inputs', { timeout: 300_000 }, async (_, keyLength) => {
    const key = randomBytes(keyLength);
    const inputs = [new Uint8Array(0), randomBytes(76), randomBytes(64 * 1024 + 1)];
    const randomx = await RandomxWasm.create();
    await randomx.initCache(key);
    const vm = await randomx.createVM();
    expect(inputs.map((input) => hex(vm.hash(input)))).toEqual(oracleHashes(key, inputs));
  });
});

describe('refusals with a clear message', () => {
  it('an unknown variant', async () => {
    await expect(RandomxWasm.create({ variant: 'rx/42' })).rejects.toThrow(
      /Unknown RandomX variant "rx\/42"; use one of rx\/0, rx\/wow/,
    );
  });

  it('a VM, a cache word or a dataset item before initCache', async () => {
    const randomx = await RandomxWasm.create();
    await expect(randomx.createVM()).rejects.toThrow(/Call initCache\(key\) first/);
    expect(() => randomx.cacheWord(0)).toThrow(/Call initCache\(key\) first/);
    expect(() => randomx.datasetItem(0)).toThrow(/Call initCache\(key\) first/);
  });

  it('a key larger than the key buffer', async () => {
    const randomx = await RandomxWasm.create();
    await expect(randomx.initCache(new Uint8Array(64 * 1024 + 1))).rejects.toThrow(/at most 65536 bytes/);
  });

  it('malformed mining requests', { timeout: 120_000 }, async () => {
    const randomx = await RandomxWasm.create();
    await randomx.initCache(new Uint8Array([1, 2, 3]));
    const vm = await randomx.createVM();
    const blob = new Uint8Array(76);
    expect(() => vm.mine({ blob: new Uint8Array(42), firstNonce: 0, count: 1, target: 1n })).toThrow(/43 to/);
    expect(() => vm.mine({ blob, firstNonce: 2 ** 32 - 1, count: 2, target: 1n })).toThrow(/within uint32/);
    expect(() => vm.mine({ blob, firstNonce: -1, count: 1, target: 1n })).toThrow(/non-negative/);
    expect(() => vm.mine({ blob, firstNonce: 0, count: 1, target: 2n ** 64n })).toThrow(/uint64/);
    expect(vm.mine({ blob, firstNonce: 0, count: 0, target: 1n })).toEqual({
      hashes: 0,
      shares: [],
      stoppedEarly: false,
    });
  });
});

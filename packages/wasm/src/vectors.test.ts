// The WebAssembly engine against every published RandomX vector and checkpoint (fixtures/randomx-vectors.json).
import { describe, expect, it } from 'vitest';
import { randomxFixtures as fixtures, publishedVectors } from '../../../fixtures/randomx-vectors.mjs';
import { RandomxWasm } from './randomx-wasm.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

describe.each(['rx/0', 'rx/wow'])('%s published vectors', (variant) => {
  const vectors = publishedVectors(variant);
  it.each([...new Set(vectors.map((v) => v.key))])('every vector under key %s', { timeout: 300_000 }, async (key) => {
    const randomx = await RandomxWasm.create({ variant });
    await randomx.initCache(bytes(key));
    const vm = await randomx.createVM();
    for (const vector of vectors.filter((v) => v.key === key)) {
      expect(hex(vm.hash(bytes(vector.input))), vector.input).toBe(vector.hash);
    }
  });
});

describe('rx/0 checkpoints', () => {
  const checkpoints = fixtures['rx/0 checkpoints'];

  it('cache words and dataset items for the test key', { timeout: 300_000 }, async () => {
    const randomx = await RandomxWasm.create();
    let lastProgress = { done: 0, total: 0 };
    await randomx.initCache(bytes(checkpoints.key), (done, total) => {
      lastProgress = { done, total };
    });
    expect(lastProgress.total).toBeGreaterThan(0);
    expect(lastProgress.done).toBe(lastProgress.total);
    for (const [index, word] of Object.entries(checkpoints.cache_u64 as Record<string, string>)) {
      expect(randomx.cacheWord(Number(index)).toString(16).padStart(16, '0'), `cache word ${index}`).toBe(word);
    }
    for (const [item, word] of Object.entries(checkpoints.dataset_item_first_u64 as Record<string, string>)) {
      const first = new DataView(randomx.datasetItem(Number(item)).buffer).getBigUint64(0, true);
      expect(first.toString(16).padStart(16, '0'), `dataset item ${item}`).toBe(word);
    }
  });

  it('the 1000-nonce benchmark XOR, through the batch mining loop', { timeout: 600_000 }, async () => {
    const benchmark = fixtures['rx/0 benchmark'];
    const randomx = await RandomxWasm.create();
    await randomx.initCache(bytes(benchmark.key));
    const vm = await randomx.createVM();
    const xor = new Uint8Array(32);
    let hashed = 0;
    while (hashed < 1000) {
      // A target above every hash makes each one a share, so the loop hands every hash back.
      const result = vm.mine({
        blob: bytes(benchmark.template),
        firstNonce: hashed,
        count: 1000 - hashed,
        target: 2n ** 64n - 1n,
      });
      expect(result.shares.map((share) => share.nonce)).toEqual(
        Array.from({ length: result.hashes }, (_, i) => hashed + i),
      );
      for (const share of result.shares) {
        for (const [i, byte] of share.hash.entries()) xor[i] = (xor[i] ?? 0) ^ byte;
      }
      hashed += result.hashes;
    }
    expect(hex(xor)).toBe(benchmark.xor);
  });
});

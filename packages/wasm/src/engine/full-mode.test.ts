// The WebAssembly engine in full mode on Node's worker_threads: one engine whose 2080 MiB dataset is built for
// three keys in turn, in place: the published vectors' first key on the 2 mining threads (the dataset checkpoints,
// its vectors, librandomx on random inputs and on a batch mined on both threads), then, as seed changes that mining
// does not wait for, their second key (a batch mined in light mode during the rebuild, its vectors and random
// inputs) and the benchmark key (a rebuild cut short by another seed change, then the 1000-nonce XOR mined in full
// mode). librandomx's light hasher is the oracle: a hash does not depend on the mode that computed it. Tests run in
// order; each key's dataset serves several.
import { meetsShareTarget, withNonce } from '@rxmesh/core';
import { createLightHasher, type NativeLightHasher } from '@rxmesh/native';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publishedVectors, randomxFixtures } from '../../../../fixtures/randomx-vectors.mjs';
import { startNodeWorker } from './node-starter.js';
import { fullEngineMemoryBytes, WasmEngine } from './wasm-engine.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const checkpoints = randomxFixtures['rx/0 checkpoints'];
const benchmark = randomxFixtures['rx/0 benchmark'];
const allVectors = publishedVectors('rx/0');
const vectors = allVectors.filter((vector) => vector.key === checkpoints.key);
const secondKey = allVectors.find((vector) => vector.key !== checkpoints.key)?.key ?? '';

/** Random inputs of 0 to 300 bytes, hashed together on the engine's cache thread, against librandomx. */
async function expectRandomInputs(engine: WasmEngine, keyHex: string): Promise<void> {
  const inputs = Array.from({ length: 8 }, (_, i) => new Uint8Array((i * 37) % 301).map(() => Math.random() * 256));
  const hashes = await Promise.all(inputs.map((input) => engine.hash(input)));
  const oracle = createLightHasher(bytes(keyHex));
  try {
    for (const [i, input] of inputs.entries()) expect(hex(hashes[i] as Uint8Array)).toBe(hex(oracle.hash(input)));
  } finally {
    oracle.release();
  }
}
const everyHashIsAShare = 2n ** 64n - 1n;
const DATASET_ITEMS = 34_078_719;

/**
 * Until the engine's VMs read the dataset rebuilt behind them (a rebuild takes up to a minute here); answers the
 * rebuild's items done as seen every 250 ms meanwhile.
 */
async function datasetRebuilt(engine: WasmEngine): Promise<number[]> {
  const seen: number[] = [];
  await vi.waitFor(
    () => {
      const done = engine.datasetRebuild?.done;
      if (done !== undefined) seen.push(done);
      expect(engine.readsDataset).toBe(true);
    },
    { timeout: 240_000, interval: 250 },
  );
  expect(engine.datasetRebuild).toBeUndefined();
  return seen;
}

describe('WebAssembly engine, full mode, 2 threads', () => {
  let engine: WasmEngine;
  let oracle: NativeLightHasher;
  const progress: [number, number][] = [];
  let datasetInitMs: number | null = null;

  beforeAll(async () => {
    // Hashes that wait go to the cache thread 4 at a time, on a VM it reserves then: past the dataset, above 2 GiB.
    engine = await WasmEngine.create({ threads: 2, mode: 'full', hashLanes: 4, startWorker: startNodeWorker });
    ({ datasetInitMs } = await engine.setKey(bytes(checkpoints.key), (done, total) => progress.push([done, total])));
    oracle = createLightHasher(bytes(checkpoints.key));
  }, 600_000);

  afterAll(() => {
    engine?.release();
    oracle?.release();
  });

  it('builds the dataset with progress up to its last item, within fullEngineMemoryBytes', () => {
    expect(engine.mode).toBe('full');
    expect(datasetInitMs).toBeGreaterThan(0);
    const done = progress.map(([value]) => value);
    expect(done.length).toBeGreaterThan(100);
    expect(progress.at(-1)).toEqual([34_078_719, 34_078_719]);
    // The memory reaches past 2 GiB, where addresses are unsigned.
    expect(engine.memoryBytes).toBeGreaterThan(2 ** 31);
    expect(engine.memoryBytes).toBeLessThanOrEqual(fullEngineMemoryBytes(2));
    expect(fullEngineMemoryBytes(2) - engine.memoryBytes).toBeLessThan(2 * 2 ** 20);
  });

  it('holds the published dataset checkpoint items', () => {
    const entries = Object.entries(checkpoints.dataset_item_first_u64 as Record<string, string>);
    expect(entries.length).toBeGreaterThan(0);
    for (const [item, word] of entries) {
      const first = new DataView(engine.datasetItem(Number(item)).buffer).getBigUint64(0, true);
      expect(first.toString(16).padStart(16, '0'), `dataset item ${item}`).toBe(word);
    }
    // The last item sits at the top of the dataset, above 2 GiB in the memory.
    expect(hex(engine.datasetItem(34_078_718))).not.toBe('00'.repeat(64));
  });

  it('hashes every published vector of the key, and random inputs, reading items from the dataset', async () => {
    expect(vectors.length).toBeGreaterThan(0);
    for (const vector of vectors) expect(hex(await engine.hash(bytes(vector.input))), vector.input).toBe(vector.hash);
    await expectRandomInputs(engine, checkpoints.key);
  });

  it('hashes on a VM whose memory lies above 2 GiB, several inputs at once, as librandomx does', async () => {
    const inputs = Array.from({ length: 9 }, (_, i) => new Uint8Array(40 + i).fill(i + 1));
    const hashes = await Promise.all(inputs.map((input) => engine.hash(input)));
    expect(engine.memoryBytes).toBeGreaterThan(2 ** 31);
    for (const [i, input] of inputs.entries()) expect(hex(hashes[i] as Uint8Array)).toBe(hex(oracle.hash(input)));
  });

  it('mines a batch on both threads: every nonce once, each hash as librandomx gives it', async () => {
    const blob = new Uint8Array(76).map((_, i) => (i * 31 + 7) & 0xff);
    const result = await engine.mine({ blob, firstNonce: 1000, count: 64, target: everyHashIsAShare });
    expect(result.hashes).toBe(64);
    expect(result.shares.map((share) => share.nonce)).toEqual(Array.from({ length: 64 }, (_, i) => 1000 + i));
    for (const share of result.shares) {
      expect(meetsShareTarget(share.hash, everyHashIsAShare)).toBe(true);
      expect(hex(share.hash), `nonce ${share.nonce}`).toBe(hex(oracle.hash(withNonce(blob, share.nonce))));
    }
  });

  it('mines in light mode, and says why, when a lowered limit leaves no room for the dataset', async () => {
    const limited = await WasmEngine.create({
      threads: 1,
      mode: 'full',
      maximumMemoryBytes: 1536 * 2 ** 20,
      startWorker: startNodeWorker,
    });
    try {
      const ready = await limited.setKey(bytes(checkpoints.key));
      expect(ready.datasetInitMs).toBeNull();
      expect(limited.readsDataset).toBe(false);
      expect(limited.fullModeLost).toMatch(/^Full mode needs 2080 MiB more memory .* mining goes on in light mode/);
      expect(limited.memoryBytes).toBeLessThan(1536 * 2 ** 20);
      const input = new Uint8Array(76).fill(9);
      expect(hex(await limited.hash(input))).toBe(hex(oracle.hash(input)));
    } finally {
      limited.release();
    }
    // Released, the engine holds no memory any more: its threads are gone and it lets go of the memory object.
    expect(limited.memoryBytes).toBe(0);
    expect(engine.readsDataset).toBe(true);
    expect(engine.fullModeLost).toBeUndefined();
  });

  it('changes to the second vector key without waiting for its dataset: light mode on the new key while it is rebuilt behind, then the new dataset', {
    timeout: 300_000,
  }, async () => {
    expect(secondKey).not.toBe('');
    const before = engine.memoryBytes;
    const second = allVectors.filter((vector) => vector.key === secondKey);
    expect(second.length).toBeGreaterThan(0);
    const ready = await engine.setKey(bytes(secondKey));
    expect(ready.datasetInitMs).toBeNull();
    expect(engine.readsDataset).toBe(false);
    expect(engine.datasetRebuild?.total).toBe(DATASET_ITEMS);

    // Mining goes on under the new key, in light mode, while the dataset is rebuilt.
    const blob = new Uint8Array(76).map((_, i) => (i * 13 + 5) & 0xff);
    const mined = await engine.mine({ blob, firstNonce: 77, count: 16, target: everyHashIsAShare });
    expect(mined.hashes).toBe(16);
    const secondOracle = createLightHasher(bytes(secondKey));
    try {
      for (const share of mined.shares) {
        expect(hex(share.hash), `nonce ${share.nonce}`).toBe(hex(secondOracle.hash(withNonce(blob, share.nonce))));
      }
    } finally {
      secondOracle.release();
    }
    for (const vector of second) expect(hex(await engine.hash(bytes(vector.input))), vector.input).toBe(vector.hash);
    // All of that while the rebuild runs. Its threads start from the TypeScript sources here, which can take
    // seconds on a loaded machine, so its progress is looked for while waiting, not at this moment.
    expect(engine.readsDataset).toBe(false);
    expect(engine.datasetRebuild).toBeDefined();

    const seen = await datasetRebuilt(engine);
    expect(seen.some((done) => done > 0 && done < DATASET_ITEMS)).toBe(true);
    // In place: the memory does not grow by a second dataset.
    expect(engine.memoryBytes).toBe(before);
    for (const vector of second) expect(hex(await engine.hash(bytes(vector.input))), vector.input).toBe(vector.hash);
    await expectRandomInputs(engine, secondKey);
  });

  it('cuts a rebuild short for the next seed, then mines the 1000-nonce benchmark XOR in full mode', {
    timeout: 300_000,
  }, async () => {
    // Another seed change while a rebuild runs: its builders end, and only the newest key's dataset is taken.
    await engine.setKey(bytes(checkpoints.key));
    await vi.waitFor(() => expect(engine.datasetRebuild?.done).toBeGreaterThan(DATASET_ITEMS / 8), {
      timeout: 120_000,
      interval: 100,
    });
    await engine.setKey(bytes(benchmark.key));
    expect(engine.readsDataset).toBe(false);
    expect(engine.datasetRebuild?.done).toBeLessThan(DATASET_ITEMS / 8);
    await datasetRebuilt(engine);
    const { hashes, shares } = await engine.mine({
      blob: bytes(benchmark.template),
      firstNonce: 0,
      count: 1000,
      target: everyHashIsAShare,
    });
    expect(hashes).toBe(1000);
    expect(shares.map((share) => share.nonce)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const xor = new Uint8Array(32);
    for (const share of shares) for (const [i, byte] of share.hash.entries()) xor[i] = (xor[i] ?? 0) ^ byte;
    expect(hex(xor)).toBe(benchmark.xor);
  });
});

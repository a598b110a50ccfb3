import type { MeshSnapshot } from '@rxmesh/mesh';
import {
  canShareMemory,
  engineMemoryBytes,
  engineMemoryPeakBytes,
  fullEngineMemoryBytes,
  missingFeatures,
  soloEngineMemoryBytes,
} from '@rxmesh/wasm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBrowserBackend, figuresOf } from './browser-backend.js';

// The feature check finds SIMD missing, so Start stops before it would create an engine.
vi.mock('@rxmesh/wasm', async (importActual) => ({
  ...(await importActual<typeof import('@rxmesh/wasm')>()),
  canShareMemory: vi.fn(() => true),
  missingFeatures: vi.fn(() => [{ feature: 'simd', message: 'No SIMD.' }]),
}));

const SNAPSHOT: MeshSnapshot = {
  id: 'tab',
  role: 'member',
  coordinator: { id: 'gateway', term: 1 },
  paused: false,
  mining: true,
  hashrate: 18.5,
  totalHashes: 740,
  sharesAccepted: 3,
  sharesRejected: 1,
  lastRejectReason: 'stale',
  keyInit: null,
  totals: { peers: 2, hashrate: 900, sharesAccepted: 10, sharesRejected: 1, blocksFound: 1 },
  job: null,
  blocks: [],
  source: null,
  operatorStops: 0,
};

const KEY = { mode: 'light' as const, seedHash: '00', done: 40, total: 100, startedAt: 1, ahead: false };

describe('figuresOf', () => {
  it("takes the tab's own figures from the mesh node", () => {
    expect(figuresOf(SNAPSHOT)).toEqual({
      hashrate: 18.5,
      hashes: 740,
      sharesAccepted: 3,
      sharesRejected: 1,
      keyProgress: null,
      joined: true,
      stoppedByOperator: false,
      readsDataset: false,
      fullModeLost: null,
      datasetRebuild: null,
    });
    const lost = { readsDataset: false, fullModeLost: 'No room for the dataset.', datasetRebuild: null };
    expect(figuresOf(SNAPSHOT, lost)).toMatchObject(lost);
    const rebuilding = { readsDataset: false, fullModeLost: null, datasetRebuild: { done: 10, total: 34_078_719 } };
    expect(figuresOf(SNAPSHOT, rebuilding)).toMatchObject(rebuilding);
  });

  it("tells the page when the cluster's operator stopped every tab", () => {
    expect(figuresOf({ ...SNAPSHOT, operatorStops: 1 }).stoppedByOperator).toBe(true);
  });

  it('shows key progress only while the key mining waits for is being built', () => {
    expect(figuresOf({ ...SNAPSHOT, keyInit: { ...KEY, finishedAt: null } }).keyProgress).toEqual({
      done: 40,
      total: 100,
      mode: 'light',
    });
    const dataset = { ...KEY, mode: 'full' as const, finishedAt: null };
    expect(figuresOf({ ...SNAPSHOT, keyInit: dataset }).keyProgress?.mode).toBe('full');
    expect(figuresOf({ ...SNAPSHOT, keyInit: { ...KEY, finishedAt: 2 } }).keyProgress).toBeNull();
    // The next seed's key, built while mining goes on.
    expect(figuresOf({ ...SNAPSHOT, keyInit: { ...KEY, finishedAt: null, ahead: true } }).keyProgress).toBeNull();
  });

  it('has not joined until the tab knows its coordinator', () => {
    expect(figuresOf({ ...SNAPSHOT, coordinator: null }).joined).toBe(false);
  });
});

describe('createBrowserBackend', () => {
  afterEach(() => {
    vi.mocked(canShareMemory).mockReturnValue(true);
    vi.mocked(missingFeatures).mockClear();
  });

  const backend = createBrowserBackend(async () => {
    throw new Error('Start went past the feature check.');
  });

  it("says what the browser lacks in the engine's own sentences", () => {
    expect(backend.missingFeatures()).toEqual(['No SIMD.']);
    expect(missingFeatures).toHaveBeenCalledWith({ workers: true });
  });

  it('checks on Start for the memory mining needs, one cache, not the peak of a key change', async () => {
    await expect(backend.start({ name: '', threads: 3, duty: 1, fullMode: false })).rejects.toThrow('No SIMD.');
    expect(missingFeatures).toHaveBeenCalledWith({ workers: true, memoryBytes: engineMemoryBytes(3) });
    // A device that can hold one cache mines; without room for the second it re-keys in place at a seed change.
    expect(engineMemoryPeakBytes(3) - engineMemoryBytes(3)).toBeGreaterThanOrEqual(256 * 2 ** 20);
  });

  it('checks for the one worker of a page that may not share memory, whatever the threads chosen', async () => {
    vi.mocked(canShareMemory).mockReturnValue(false);
    await expect(backend.start({ name: '', threads: 3, duty: 1, fullMode: false })).rejects.toThrow('No SIMD.');
    expect(missingFeatures).toHaveBeenCalledWith({ workers: true, memoryBytes: soloEngineMemoryBytes() });
  });

  it("tries full mode's whole memory for the threads, and says why a page that cannot share memory has none", () => {
    vi.mocked(canShareMemory).mockReturnValue(true);
    vi.mocked(missingFeatures).mockReturnValueOnce([{ feature: 'memory', message: 'Not 2.4 GiB here.' }]);
    expect(backend.fullModeProblem(2)).toBe('Not 2.4 GiB here.');
    expect(missingFeatures).toHaveBeenLastCalledWith({ workers: true, memoryBytes: fullEngineMemoryBytes(2) });
    vi.mocked(missingFeatures).mockReturnValueOnce([]);
    expect(backend.fullModeProblem(2)).toBeNull();
    vi.mocked(canShareMemory).mockReturnValue(false);
    expect(backend.fullModeProblem(2)).toMatch(/^Full mode needs threads that share memory/);
  });
});

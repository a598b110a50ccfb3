import type { MeshSnapshot } from '@rxmesh/core';
import { describe, expect, it } from 'vitest';
import { explainMissing, figuresOf } from './browser-backend.js';

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
};

const KEY = { mode: 'light' as const, seedHash: '00', done: 40, total: 100, startedAt: 1 };

describe('figuresOf', () => {
  it("takes the tab's own figures from the mesh node", () => {
    expect(figuresOf(SNAPSHOT)).toEqual({
      hashrate: 18.5,
      hashes: 740,
      sharesAccepted: 3,
      sharesRejected: 1,
      keyProgress: null,
      joined: true,
    });
  });

  it('shows key progress only while the key is being built', () => {
    expect(figuresOf({ ...SNAPSHOT, keyInit: { ...KEY, finishedAt: null } }).keyProgress).toEqual({
      done: 40,
      total: 100,
    });
    expect(figuresOf({ ...SNAPSHOT, keyInit: { ...KEY, finishedAt: 2 } }).keyProgress).toBeNull();
  });

  it('has not joined until the tab knows its coordinator', () => {
    expect(figuresOf({ ...SNAPSHOT, coordinator: null }).joined).toBe(false);
  });
});

describe('explainMissing', () => {
  const isolation = { feature: 'cross-origin-isolation' as const, message: 'This page is not cross-origin isolated.' };
  const simd = { feature: 'simd' as const, message: 'No SIMD.' };

  it('says that plain http from another computer is the reason, and what to open instead', () => {
    const sentences = explainMissing([isolation, simd], {
      secure: false,
      origin: 'http://10.0.0.5:8080',
      port: '8080',
    });
    expect(sentences[0]).toContain('plain http from another computer (http://10.0.0.5:8080)');
    expect(sentences[0]).toContain('http://localhost:8080');
    expect(sentences[1]).toBe('No SIMD.');
  });

  it("keeps the engine's sentence on a secure page", () => {
    expect(explainMissing([isolation], { secure: true, origin: 'https://x', port: '' })).toEqual([isolation.message]);
  });
});

// Share verification for a gateway or dataset host: recompute the hash of (seed, blob, nonce) and compare it with
// the claimed one. The host's full-mode engine answers when it holds that seed's dataset (≈2.5 ms a hash); other
// seeds go to light-mode engines kept for the most recent seeds (≈20 ms a hash, 256 MiB each).
import { sameBytes, withNonce } from '@rxmesh/core';
import { NativeEngine } from './engine.js';

export interface VerifyResult {
  hash: Uint8Array;
  /** Whether the hash equals the claimed one; null when no hash was claimed. */
  matches: boolean | null;
  mode: 'full' | 'light';
}

export interface VerifierOptions {
  /** A full-mode engine whose dataset serves its own seed; the verifier never changes its key. */
  fullEngine?: NativeEngine;
  /** Light-mode engines kept for recent seeds, least recently used dropped first. Default 2. */
  lightSeeds?: number;
}

interface LightEntry {
  ready: Promise<NativeEngine>;
  pending: number;
  evicted: boolean;
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

export class ShareVerifier {
  private readonly light = new Map<string, LightEntry>();
  private readonly fullEngine: NativeEngine | undefined;
  private readonly lightSeeds: number;

  constructor(options: VerifierOptions = {}) {
    this.fullEngine = options.fullEngine;
    this.lightSeeds = options.lightSeeds ?? 2;
    if (this.fullEngine !== undefined && this.fullEngine.mode !== 'full') {
      throw new RangeError('fullEngine must be a full-mode engine.');
    }
    if (!Number.isInteger(this.lightSeeds) || this.lightSeeds < 1) {
      throw new RangeError(`lightSeeds must be a positive integer, got ${this.lightSeeds}.`);
    }
  }

  async verify(seed: Uint8Array, blob: Uint8Array, nonce: number, claimedHash?: Uint8Array): Promise<VerifyResult> {
    const input = withNonce(blob, nonce);
    const fullKey = this.fullEngine?.key;
    let hash: Uint8Array;
    let mode: VerifyResult['mode'];
    if (this.fullEngine !== undefined && fullKey !== undefined && sameBytes(fullKey, seed)) {
      hash = await this.fullEngine.hash(input);
      mode = 'full';
    } else {
      hash = await this.hashLight(seed, input);
      mode = 'light';
    }
    return { hash, matches: claimedHash === undefined ? null : sameBytes(hash, claimedHash), mode };
  }

  /** Releases the light-mode engines once their pending hashes settle. */
  async close(): Promise<void> {
    const entries = [...this.light.values()];
    this.light.clear();
    await Promise.all(entries.map((entry) => this.evict(entry)));
  }

  private async hashLight(seed: Uint8Array, input: Uint8Array): Promise<Uint8Array> {
    const key = hexOf(seed);
    let entry = this.light.get(key);
    if (entry === undefined) {
      const engine = NativeEngine.create({ mode: 'light', threads: 1 });
      const created: LightEntry = { ready: Promise.resolve(engine), pending: 0, evicted: false };
      created.ready = engine.setKey(seed).then(
        () => engine,
        (error: unknown) => {
          // A failed seed is not kept, so the next share for it tries again.
          if (this.light.get(key) === created) this.light.delete(key);
          engine.release();
          throw error;
        },
      );
      entry = created;
      this.light.set(key, entry);
      for (const [oldKey, old] of this.light) {
        if (this.light.size <= this.lightSeeds) break;
        this.light.delete(oldKey);
        void this.evict(old);
      }
    } else {
      // Most recently used last, so the first entry is the one to drop.
      this.light.delete(key);
      this.light.set(key, entry);
    }
    entry.pending++;
    try {
      return await (await entry.ready).hash(input);
    } finally {
      entry.pending--;
      if (entry.evicted && entry.pending === 0) (await entry.ready).release();
    }
  }

  private async evict(entry: LightEntry): Promise<void> {
    entry.evicted = true;
    const engine = await entry.ready.catch(() => undefined);
    if (engine !== undefined && entry.pending === 0) engine.release();
  }
}

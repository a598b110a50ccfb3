// The contributor's lifetime contribution in this browser: hashes computed and shares accepted, over all visits.
import type { KeyValueStore } from './key-value.js';

const LIFETIME_KEY = 'lifetime';

export interface Lifetime {
  hashes: number;
  sharesAccepted: number;
}

export const NO_CONTRIBUTION: Lifetime = { hashes: 0, sharesAccepted: 0 };

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

export class LifetimeStore {
  /** Writes run one after another, so two additions never read the same old total. */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: KeyValueStore) {}

  async load(): Promise<Lifetime> {
    await this.pending;
    return this.read();
  }

  /** Adds to the stored totals and answers the new ones. */
  add(delta: Lifetime): Promise<Lifetime> {
    const next = this.pending.then(async () => {
      const stored = await this.read();
      const total = {
        hashes: stored.hashes + count(delta.hashes),
        sharesAccepted: stored.sharesAccepted + count(delta.sharesAccepted),
      };
      await this.store.set(LIFETIME_KEY, total);
      return total;
    });
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Lifetime> {
    const value = await this.store.get(LIFETIME_KEY);
    if (typeof value !== 'object' || value === null) return { ...NO_CONTRIBUTION };
    const fields = value as Record<string, unknown>;
    return { hashes: count(fields.hashes), sharesAccepted: count(fields.sharesAccepted) };
  }
}

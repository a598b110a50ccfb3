// The miner lock where the browser has no Web Locks: a page that is not a secure context (plain http on a LAN
// address) does not get navigator.locks, but it has localStorage, which every tab of the profile shares. A tab
// claims a lock by writing its id and a deadline under the lock's name, reads the claim back a moment later (two tabs
// claiming at once both see the same last write, so only one keeps it), and renews the deadline while it holds the
// lock. A tab that closes removes its claim; one that crashes leaves it to expire.
import type { LockApi } from './tab-leader.js';

/** The part of localStorage this uses. */
export interface ClaimStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface StorageLocksOptions {
  /** This tab's id in its claims. */
  tab: string;
  /** How long a claim lasts unless renewed: longer than a hidden tab's timers may lag (Chromium: 1 s). */
  leaseMs: number;
  /** How often the holder renews its claim. */
  renewMs: number;
  /** How long after writing a claim the tab reads it back: longer than the storage takes to reach the other tabs. */
  settleMs: number;
  now: () => number;
  /** Calls `listener` when the page is going away (pagehide); answers the unsubscribe. */
  onPageHide: (listener: () => void) => () => void;
}

const KEY_PREFIX = 'rxmesh-lock:';

export const STORAGE_LOCK_DEFAULTS = { leaseMs: 10_000, renewMs: 1000, settleMs: 150 } as const;

interface Claim {
  tab: string;
  until: number;
}

function parseClaim(value: string | null): Claim | undefined {
  if (value === null) return undefined;
  try {
    const claim = JSON.parse(value) as Partial<Claim>;
    return typeof claim.tab === 'string' && typeof claim.until === 'number'
      ? { tab: claim.tab, until: claim.until }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Locks of one browser profile over its localStorage, with the `ifAvailable` behaviour of Web Locks. */
export class StorageLocks implements LockApi {
  constructor(
    private readonly storage: ClaimStorage,
    private readonly options: StorageLocksOptions,
  ) {}

  /** Claims `name` if no other tab holds it, and holds it until `callback`'s promise settles or the page goes. */
  async request(name: string, _options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>) {
    const key = KEY_PREFIX + name;
    if (!(await this.claim(key))) return callback(null);
    const renewal = setInterval(() => {
      // A claim another tab took over after this one lapsed stays theirs.
      if (this.holder(key) === undefined || this.ownsClaim(key)) this.write(key);
    }, this.options.renewMs);
    const release = () => {
      clearInterval(renewal);
      if (this.ownsClaim(key)) this.storage.removeItem(key);
    };
    const unwatch = this.options.onPageHide(release);
    try {
      await callback({ name });
    } finally {
      unwatch();
      release();
    }
  }

  /** The locks some tab of the profile holds now, this one's included. */
  async query(): Promise<{ held: { name: string }[] }> {
    const held: { name: string }[] = [];
    for (let index = 0; index < this.storage.length; index++) {
      const key = this.storage.key(index);
      if (key?.startsWith(KEY_PREFIX) && this.holder(key) !== undefined)
        held.push({ name: key.slice(KEY_PREFIX.length) });
    }
    return { held };
  }

  private async claim(key: string): Promise<boolean> {
    const holder = this.holder(key);
    if (holder !== undefined && holder !== this.options.tab) return false;
    this.write(key);
    await new Promise((resolve) => setTimeout(resolve, this.options.settleMs));
    return this.ownsClaim(key);
  }

  /** The tab whose claim on `key` is still running, if any. */
  private holder(key: string): string | undefined {
    const claim = parseClaim(this.storage.getItem(key));
    return claim !== undefined && claim.until > this.options.now() ? claim.tab : undefined;
  }

  private ownsClaim(key: string): boolean {
    return parseClaim(this.storage.getItem(key))?.tab === this.options.tab;
  }

  private write(key: string): void {
    const claim: Claim = { tab: this.options.tab, until: this.options.now() + this.options.leaseMs };
    this.storage.setItem(key, JSON.stringify(claim));
  }
}

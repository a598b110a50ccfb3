// One mining tab per browser profile: a Web Lock marks the tab that mines (a claim in localStorage where the page
// has no Web Locks: storage-locks.ts), and a BroadcastChannel carries its figures to the other tabs of the origin,
// which show them instead of starting a second miner.
import { STORAGE_LOCK_DEFAULTS, StorageLocks } from './storage-locks.js';

export const MINER_LOCK = 'rxmesh-miner';
export const TAB_CHANNEL = 'rxmesh-tabs';
/** The mining tab reports every second; a report older than this means it is gone (closed, crashed, frozen). */
export const STATUS_STALE_MS = 5000;

/** The part of `navigator.locks` this uses; StorageLocks offers the same. */
export interface LockApi {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

/** The part of BroadcastChannel this uses. */
export interface TabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

export interface TabStatus {
  hashrate: number;
  hashes: number;
  sharesAccepted: number;
  sharesRejected: number;
  paused: boolean;
}

export type TabMessage = { kind: 'status'; status: TabStatus } | { kind: 'stopped' };

export interface MinerLock {
  release(): void;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Another tab's message, checked: a tab of an older page version may send another shape. */
export function parseTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (message.kind === 'stopped') return { kind: 'stopped' };
  if (message.kind !== 'status' || typeof message.status !== 'object' || message.status === null) return undefined;
  const { hashrate, hashes, sharesAccepted, sharesRejected, paused } = message.status as Record<string, unknown>;
  if (!isCount(hashrate) || !isCount(hashes) || !isCount(sharesAccepted) || !isCount(sharesRejected)) return undefined;
  if (typeof paused !== 'boolean') return undefined;
  return { kind: 'status', status: { hashrate, hashes, sharesAccepted, sharesRejected, paused } };
}

/** A tab's id in its storage claims; crypto.randomUUID is for secure contexts only. */
function randomTabId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Web Locks where the page has them (secure contexts); else claims in localStorage, which pages on plain http have
 * too; else none (storage turned off).
 */
function browserLocks(): LockApi | undefined {
  if (typeof navigator !== 'undefined' && navigator.locks !== undefined) return navigator.locks;
  let storage: Storage;
  try {
    // Reading the property throws where the browser refuses the page its storage.
    storage = globalThis.localStorage;
  } catch {
    return undefined;
  }
  if (storage === undefined) return undefined;
  return new StorageLocks(storage, {
    ...STORAGE_LOCK_DEFAULTS,
    tab: randomTabId(),
    now: () => Date.now(),
    onPageHide(listener) {
      addEventListener('pagehide', listener);
      return () => removeEventListener('pagehide', listener);
    },
  });
}

/** Elects the one tab of this browser profile that mines, and carries its figures to the others. */
export class TabLeader {
  /**
   * Without locks (no Web Locks and no localStorage) every tab may mine: there is no way to tell. Without
   * BroadcastChannel the other tabs learn only that one mines, not its figures.
   */
  constructor(
    private readonly locks: LockApi | undefined,
    private channel: TabChannel | undefined,
  ) {}

  static forBrowser(): TabLeader {
    const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(TAB_CHANNEL) : undefined;
    return new TabLeader(browserLocks(), channel);
  }

  /** Whether another tab of this profile holds the miner lock. */
  async minerElsewhere(): Promise<boolean> {
    if (this.locks === undefined) return false;
    const snapshot = await this.locks.query();
    return (snapshot.held ?? []).some((lock) => lock.name === MINER_LOCK);
  }

  /** Takes the miner lock if no tab holds it; null when one does. The lock lasts until release() or the tab closes. */
  acquire(): Promise<MinerLock | null> {
    const locks = this.locks;
    if (locks === undefined) return Promise.resolve({ release: () => undefined });
    return new Promise((resolve, reject) => {
      locks
        .request(MINER_LOCK, { ifAvailable: true }, (lock) => {
          if (lock === null) {
            resolve(null);
            return Promise.resolve();
          }
          // The lock is held until the promise returned here settles.
          return new Promise<void>((release) => resolve({ release: () => release() }));
        })
        .catch(reject);
    });
  }

  announce(status: TabStatus): void {
    this.channel?.postMessage({ kind: 'status', status } satisfies TabMessage);
  }

  announceStopped(): void {
    this.channel?.postMessage({ kind: 'stopped' } satisfies TabMessage);
  }

  /** Calls `listener` with each well-formed message from the other tabs; answers the unsubscribe function. */
  onOtherTab(listener: (message: TabMessage) => void): () => void {
    const channel = this.channel;
    if (channel === undefined) return () => undefined;
    const onMessage = (event: MessageEvent) => {
      const message = parseTabMessage(event.data);
      if (message !== undefined) listener(message);
    };
    channel.addEventListener('message', onMessage);
    return () => channel.removeEventListener('message', onMessage);
  }

  /** Closes the channel; later announcements go nowhere (a closed BroadcastChannel would throw). */
  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}

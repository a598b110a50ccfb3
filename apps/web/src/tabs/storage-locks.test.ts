import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClaimStorage, STORAGE_LOCK_DEFAULTS, StorageLocks } from './storage-locks.js';
import { MINER_LOCK, TabLeader } from './tab-leader.js';

/** localStorage of one browser profile, shared by the tabs a test opens. */
function profileStorage(): ClaimStorage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => items.set(key, value),
    removeItem: (key) => items.delete(key),
  };
}

/** A tab of the profile; `hide()` is the page going away. */
function tab(storage: ClaimStorage, id: string) {
  const hideListeners = new Set<() => void>();
  const locks = new StorageLocks(storage, {
    ...STORAGE_LOCK_DEFAULTS,
    tab: id,
    now: () => Date.now(),
    onPageHide(listener) {
      hideListeners.add(listener);
      return () => hideListeners.delete(listener);
    },
  });
  const hide = () => {
    for (const listener of hideListeners) listener();
  };
  return { locks, hide };
}

/** Requests the lock as TabLeader does: `granted` settles once the claim is read back; `release()` lets it go. */
function ask(locks: StorageLocks) {
  let release: () => void = () => undefined;
  const granted = new Promise<boolean>((decide) => {
    void locks.request(MINER_LOCK, { ifAvailable: true }, (lock) => {
      decide(lock !== null);
      return lock === null ? Promise.resolve() : new Promise<void>((end) => (release = end));
    });
  });
  return { granted, release: () => release() };
}

async function take(locks: StorageLocks): Promise<{ granted: boolean; release: () => void }> {
  const asked = ask(locks);
  await vi.advanceTimersByTimeAsync(STORAGE_LOCK_DEFAULTS.settleMs);
  return { granted: await asked.granted, release: asked.release };
}

const heldNames = async (locks: StorageLocks) => (await locks.query()).held.map(({ name }) => name);

describe('StorageLocks', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('lets one tab of a profile hold the lock; the others see it held until it lets go', async () => {
    const storage = profileStorage();
    const [first, second] = [tab(storage, 'first'), tab(storage, 'second')];
    expect(await heldNames(second.locks)).toEqual([]);
    const held = await take(first.locks);
    expect(held.granted).toBe(true);
    expect(await heldNames(second.locks)).toEqual([MINER_LOCK]);
    expect((await take(second.locks)).granted).toBe(false);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(await heldNames(second.locks)).toEqual([]);
    expect((await take(second.locks)).granted).toBe(true);
  });

  it('keeps the lock of a tab that holds it for longer than a lease, by renewing its claim', async () => {
    const storage = profileStorage();
    const [first, second] = [tab(storage, 'first'), tab(storage, 'second')];
    await take(first.locks);
    await vi.advanceTimersByTimeAsync(5 * STORAGE_LOCK_DEFAULTS.leaseMs);
    expect((await take(second.locks)).granted).toBe(false);
  });

  it('gives two tabs that claim at once one lock between them', async () => {
    const storage = profileStorage();
    const [first, second] = [ask(tab(storage, 'first').locks), ask(tab(storage, 'second').locks)];
    await vi.advanceTimersByTimeAsync(STORAGE_LOCK_DEFAULTS.settleMs);
    expect([await first.granted, await second.granted].sort()).toEqual([false, true]);
  });

  it('frees the lock of a closed tab at once, and that of a crashed tab after its lease', async () => {
    const storage = profileStorage();
    const closing = tab(storage, 'closing');
    await take(closing.locks);
    closing.hide();
    expect(await heldNames(tab(storage, 'other').locks)).toEqual([]);

    // A tab that stops renewing without saying goodbye: its last claim, written a while ago.
    const lapsed = { tab: 'crashed', until: Date.now() + STORAGE_LOCK_DEFAULTS.leaseMs };
    storage.setItem(`rxmesh-lock:${MINER_LOCK}`, JSON.stringify(lapsed));
    const other = tab(storage, 'other');
    expect((await take(other.locks)).granted).toBe(false);
    await vi.advanceTimersByTimeAsync(STORAGE_LOCK_DEFAULTS.leaseMs);
    expect((await take(other.locks)).granted).toBe(true);
  });

  it('ignores claims it cannot read', async () => {
    const storage = profileStorage();
    storage.setItem(`rxmesh-lock:${MINER_LOCK}`, '{"tab": 5');
    expect(await heldNames(tab(storage, 'other').locks)).toEqual([]);
    expect((await take(tab(storage, 'other').locks)).granted).toBe(true);
  });
});

describe('TabLeader in a browser without Web Locks (a page on plain http)', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("uses the profile's localStorage, so a second tab does not mine", async () => {
    vi.useFakeTimers();
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('localStorage', profileStorage());
    vi.stubGlobal('addEventListener', () => undefined);
    vi.stubGlobal('removeEventListener', () => undefined);
    const [first, second] = [TabLeader.forBrowser(), TabLeader.forBrowser()];
    try {
      const acquired = first.acquire();
      await vi.advanceTimersByTimeAsync(STORAGE_LOCK_DEFAULTS.settleMs);
      const lock = await acquired;
      expect(lock).not.toBeNull();
      expect(await second.minerElsewhere()).toBe(true);
      const refused = second.acquire();
      await vi.advanceTimersByTimeAsync(STORAGE_LOCK_DEFAULTS.settleMs);
      expect(await refused).toBeNull();
      lock?.release();
      await vi.advanceTimersByTimeAsync(0);
      expect(await second.minerElsewhere()).toBe(false);
    } finally {
      first.close();
      second.close();
    }
  });

  it('lets every tab mine where the page may not use its storage either', async () => {
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('localStorage', undefined);
    const leader = TabLeader.forBrowser();
    try {
      expect(await leader.minerElsewhere()).toBe(false);
      expect(await leader.acquire()).not.toBeNull();
    } finally {
      leader.close();
    }
  });
});

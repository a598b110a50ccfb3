import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { channelBus, profileLocks, ScriptedBackend, type ScriptedSession } from '../../testing/scripted.js';
import { defaultSettings } from '../settings.js';
import { ConsentStore } from '../storage/consent.js';
import { type KeyValueStore, memoryStore } from '../storage/key-value.js';
import { LifetimeStore } from '../storage/lifetime.js';
import { type LockApi, type TabChannel, TabLeader } from '../tabs/tab-leader.js';
import { FULL_MODE_MEMORY_FREED, HISTORY_SECONDS, OPERATOR_STOPPED, TabMiner } from './tab-miner.js';

interface Tab {
  miner: TabMiner;
  backend: ScriptedBackend;
  store: KeyValueStore;
  setHidden(hidden: boolean): void;
  setOnBattery(onBattery: boolean): void;
}

const miners: TabMiner[] = [];
let locks: LockApi;
let channel: () => TabChannel;

beforeEach(() => {
  vi.useFakeTimers();
  locks = profileLocks();
  channel = channelBus();
});

afterEach(async () => {
  for (const miner of miners.splice(0)) await miner.dispose();
  vi.useRealTimers();
});

function openTab(options: { store?: KeyValueStore; battery?: boolean; leader?: TabLeader } = {}): Tab {
  const store = options.store ?? memoryStore();
  const backend = new ScriptedBackend();
  let hiddenListener: (hidden: boolean) => void = () => undefined;
  let batteryListener: (onBattery: boolean) => void = () => undefined;
  const miner = new TabMiner({
    backend,
    consent: new ConsentStore(store, 4),
    lifetime: new LifetimeStore(store),
    tabs: options.leader ?? new TabLeader(locks, channel()),
    cores: 4,
    persistent: true,
    watchHidden: (onChange) => {
      hiddenListener = onChange;
      onChange(false);
      return () => undefined;
    },
    watchBattery: async (onChange) => {
      if (options.battery !== true) return undefined;
      batteryListener = onChange;
      onChange(false);
      return () => undefined;
    },
  });
  miners.push(miner);
  return {
    miner,
    backend,
    store,
    setHidden: (hidden) => hiddenListener(hidden),
    setOnBattery: (onBattery) => batteryListener(onBattery),
  };
}

async function mining(tab: Tab): Promise<ScriptedSession> {
  await tab.miner.init();
  await tab.miner.start();
  expect(tab.miner.state.phase).toBe('mining');
  const session = tab.backend.sessions.at(-1);
  if (session === undefined) throw new Error('no session started');
  return session;
}

describe('TabMiner before Start', () => {
  it('starts nothing on load, even with a stored consent, and offers the stored settings', async () => {
    const store = memoryStore();
    const stored = { ...defaultSettings(4), threads: 2, duty: 0.5 };
    await new ConsentStore(store, 4).give(stored, 1000);
    const tab = openTab({ store });
    await tab.miner.init();
    await vi.advanceTimersByTimeAsync(5000);
    expect(tab.backend.starts).toEqual([]);
    expect(tab.miner.state.phase).toBe('ready');
    expect(tab.miner.state.settings).toEqual(stored);
    expect(tab.miner.state.consent?.givenAt).toBe(1000);
  });

  it('mines on Start when the browser refuses storage, and says it will not remember', async () => {
    const refused: KeyValueStore = {
      persistent: true,
      get: async () => {
        throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
      },
      set: async () => {
        throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
      },
      clear: async () => undefined,
    };
    const tab = openTab({ store: refused });
    await tab.miner.init();
    expect(tab.miner.state.phase).toBe('ready');
    expect(tab.miner.state.persistent).toBe(false);
    expect(tab.miner.state.error).toBe(
      "This browser refused the page's storage (The user denied permission to access the database), so it will not remember your choice.",
    );
    await tab.miner.start();
    expect(tab.miner.state.phase).toBe('mining');
  });

  it('says what the browser lacks and refuses to start', async () => {
    const tab = openTab();
    tab.backend.missing = ['SharedArrayBuffer is missing: the page is not cross-origin isolated.'];
    await tab.miner.init();
    expect(tab.miner.state.phase).toBe('unsupported');
    expect(tab.miner.state.missing).toEqual(tab.backend.missing);
    await tab.miner.start();
    expect(tab.backend.starts).toEqual([]);
  });
});

describe('TabMiner Start and Stop', () => {
  it('records consent and starts with the chosen threads and duty cycle', async () => {
    const tab = openTab();
    await tab.miner.init();
    tab.miner.updateSettings({ threads: 2, duty: 0.6, name: '  Ada  ' });
    await tab.miner.start();
    expect(tab.backend.starts).toEqual([{ name: 'Ada', threads: 2, duty: 0.6, fullMode: false }]);
    expect(tab.miner.state.phase).toBe('mining');
    expect((await new ConsentStore(tab.store, 4).load())?.settings.threads).toBe(2);
  });

  it('shows a hashrate of 0 as soon as Stop is clicked, before the workers have finished', async () => {
    const tab = openTab();
    const session = await mining(tab);
    session.set({ hashrate: 40, hashes: 400, sharesAccepted: 2 });
    expect(tab.miner.state.figures.hashrate).toBe(40);
    session.holdStop = true;
    const stopped = tab.miner.stop();
    expect(tab.miner.state.phase).toBe('stopping');
    expect(tab.miner.state.figures.hashrate).toBe(0);
    expect(tab.miner.state.figures.hashes).toBe(400);
    expect(session.calls).toContain('stop');
    session.set({ hashes: 404 }); // the hashes in flight when stop arrived
    session.releaseStop();
    await stopped;
    expect(tab.miner.state.phase).toBe('ready');
    expect(tab.miner.state.figures.hashes).toBe(404);
    expect(await new LifetimeStore(tab.store).load()).toEqual({ hashes: 404, sharesAccepted: 2 });
  });

  it("stops when the cluster's operator stops every tab, says why, and mines again only on Start", async () => {
    const tab = openTab();
    const session = await mining(tab);
    session.set({ hashes: 50 });
    session.set({ stoppedByOperator: true });
    await vi.waitFor(() => expect(tab.miner.state.phase).toBe('ready'));
    expect(session.calls).toContain('stop');
    expect(tab.miner.state.notice).toBe(OPERATOR_STOPPED);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(tab.miner.state.phase).toBe('ready');
    expect(tab.backend.sessions).toHaveLength(1);
    await tab.miner.start();
    expect(tab.miner.state).toMatchObject({ phase: 'mining', notice: null });
    expect(tab.backend.sessions).toHaveLength(2);
  });

  it('adds the counts of every session of the page, and the lifetime over visits', async () => {
    const store = memoryStore();
    await new LifetimeStore(store).add({ hashes: 1000, sharesAccepted: 5 });
    const tab = openTab({ store });
    const first = await mining(tab);
    first.set({ hashes: 100, sharesAccepted: 1 });
    await tab.miner.stop();
    await tab.miner.start();
    const second = tab.backend.sessions[1];
    second?.set({ hashes: 30, sharesRejected: 1 });
    expect(tab.miner.state.figures).toMatchObject({ hashes: 130, sharesAccepted: 1, sharesRejected: 1 });
    expect(tab.miner.state.lifetime).toEqual({ hashes: 1130, sharesAccepted: 6 });
  });

  it('writes the lifetime contribution periodically while mining', async () => {
    const tab = openTab();
    const session = await mining(tab);
    session.set({ hashes: 250 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await new LifetimeStore(tab.store).load()).toEqual({ hashes: 250, sharesAccepted: 0 });
  });

  it('cancels a Start that is still loading when Stop is clicked', async () => {
    const tab = openTab();
    await tab.miner.init();
    tab.backend.holdStart = true;
    const starting = tab.miner.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(tab.miner.state.phase).toBe('starting');
    await tab.miner.stop();
    tab.backend.finishStart();
    await starting;
    expect(tab.backend.sessions[0]?.calls).toEqual(['stop']);
    expect(tab.miner.state.phase).toBe('ready');
    expect(tab.miner.state.error).toBeNull();
  });

  it('says why when the session cannot start, and lets the lock go', async () => {
    const tab = openTab();
    await tab.miner.init();
    tab.backend.failWith = new Error('The RandomX cache needs 256 MiB and the browser refused it.');
    await tab.miner.start();
    expect(tab.miner.state.phase).toBe('ready');
    expect(tab.miner.state.error).toBe(
      'Mining could not start: The RandomX cache needs 256 MiB and the browser refused it.',
    );
    tab.backend.failWith = undefined;
    await tab.miner.start();
    expect(tab.miner.state.phase).toBe('mining');
  });

  it('samples the hashrate once a second for the chart, keeping two minutes', async () => {
    const tab = openTab();
    const session = await mining(tab);
    session.set({ hashrate: 12 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(tab.miner.state.history.rates).toEqual([12, 12, 12]);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(tab.miner.state.history.rates).toHaveLength(HISTORY_SECONDS);
    expect(tab.miner.state.history.times).toHaveLength(HISTORY_SECONDS);
  });
});

describe('TabMiner full mode', () => {
  it("tries full mode's memory when it is turned on, and keeps it off with a sentence when that fails", async () => {
    const tab = openTab();
    await tab.miner.init();
    tab.backend.fullModeRefusal = 'This device could not set aside the 2357 MiB of memory that mining needs.';
    tab.miner.updateSettings({ threads: 2, fullMode: true });
    expect(tab.backend.fullModeChecks).toEqual([2]);
    expect(tab.miner.state.settings.fullMode).toBe(false);
    expect(tab.miner.state.error).toBe(
      'Full mode is not available here: This device could not set aside the 2357 MiB of memory that mining needs.',
    );
    tab.backend.fullModeRefusal = null;
    tab.miner.updateSettings({ fullMode: true });
    expect(tab.miner.state.settings.fullMode).toBe(true);
    // Only turning it on tries the memory.
    tab.miner.updateSettings({ duty: 0.5 });
    expect(tab.backend.fullModeChecks).toEqual([2, 2]);
    await tab.miner.start();
    expect(tab.backend.starts.at(-1)).toMatchObject({ threads: 2, fullMode: true });
  });

  it('says so when full mode falls back to light mode, and that Stop gave its memory back', async () => {
    const tab = openTab();
    await tab.miner.init();
    tab.miner.updateSettings({ fullMode: true });
    let session = await mining(tab);
    session.set({ fullModeLost: 'Full mode needs 2080 MiB more memory for its dataset.' });
    expect(tab.miner.state.notice).toBe('Full mode needs 2080 MiB more memory for its dataset.');
    await tab.miner.stop();
    // Light mode held no dataset, so nothing is said about its memory.
    expect(tab.miner.state.notice).toBe('Full mode needs 2080 MiB more memory for its dataset.');

    await tab.miner.start();
    expect(tab.miner.state.notice).toBeNull();
    session = tab.backend.sessions.at(-1) as ScriptedSession;
    session.set({ readsDataset: true, hashrate: 50 });
    await tab.miner.stop();
    expect(session.calls).toContain('stop');
    expect(tab.miner.state).toMatchObject({ phase: 'ready', notice: FULL_MODE_MEMORY_FREED });

    // Stopped while the dataset is rebuilt for a new seed: the memory was held all the same.
    await tab.miner.start();
    session = tab.backend.sessions.at(-1) as ScriptedSession;
    session.set({ readsDataset: false, datasetRebuild: { done: 1, total: 34_078_719 }, hashrate: 30 });
    await tab.miner.stop();
    expect(tab.miner.state).toMatchObject({ phase: 'ready', notice: FULL_MODE_MEMORY_FREED });
  });
});

describe('TabMiner settings and pauses', () => {
  it('passes a new duty cycle to the running session, and clamps settings', async () => {
    const tab = openTab();
    const session = await mining(tab);
    tab.miner.updateSettings({ duty: 0.5 });
    expect(session.calls).toContain('duty 0.5');
    tab.miner.updateSettings({ duty: 0.01, threads: 99 });
    expect(tab.miner.state.settings).toMatchObject({ duty: 0.1, threads: 4 });
  });

  it('pauses while hidden only when asked to', async () => {
    const tab = openTab();
    const session = await mining(tab);
    tab.setHidden(true);
    expect(session.calls).not.toContain('pause');
    tab.miner.updateSettings({ pauseWhenHidden: true });
    expect(session.calls).toContain('pause');
    expect(tab.miner.state.pausedFor).toEqual(['hidden']);
    tab.setHidden(false);
    expect(session.calls.at(-1)).toBe('resume');
    expect(tab.miner.state.pausedFor).toEqual([]);
  });

  it('pauses on battery and resumes once both reasons are gone', async () => {
    const tab = openTab({ battery: true });
    const session = await mining(tab);
    expect(tab.miner.state.batteryKnown).toBe(true);
    tab.miner.updateSettings({ pauseWhenHidden: true, pauseOnBattery: true });
    tab.setOnBattery(true);
    tab.setHidden(true);
    expect(tab.miner.state.pausedFor).toEqual(['hidden', 'battery']);
    tab.setOnBattery(false);
    expect(session.calls.filter((call) => call === 'resume')).toEqual([]);
    tab.setHidden(false);
    expect(session.calls.filter((call) => call === 'pause' || call === 'resume')).toEqual(['pause', 'resume']);
  });
});

describe('TabMiner across tabs of one browser', () => {
  it('shows the mining tab figures in a second tab instead of mining there', async () => {
    const first = openTab();
    const session = await mining(first);
    session.set({ hashrate: 33, hashes: 99 });
    const second = openTab();
    await second.miner.init();
    expect(second.miner.state.phase).toBe('elsewhere');
    await second.miner.start();
    expect(second.backend.starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(second.miner.state.otherTab).toMatchObject({ hashrate: 33, hashes: 99, paused: false });
    await first.miner.stop();
    expect(second.miner.state.phase).toBe('ready');
    expect(second.miner.state.otherTab).toBeNull();
  });

  it('offers Start again when the mining tab goes quiet and its lock is gone', async () => {
    const leader = new TabLeader(locks, channel());
    const first = openTab({ leader });
    await mining(first);
    const second = openTab();
    await second.miner.init();
    await vi.advanceTimersByTimeAsync(1000);
    expect(second.miner.state.phase).toBe('elsewhere');
    // The first tab dies without a word: no more reports, and its lock goes with it.
    leader.close();
    miners.splice(miners.indexOf(first.miner), 1);
    await first.miner.dispose();
    await vi.advanceTimersByTimeAsync(2000);
    expect(second.miner.state.phase).toBe('elsewhere');
    await vi.advanceTimersByTimeAsync(5000);
    expect(second.miner.state.phase).toBe('ready');
  });
});

describe('TabMiner consent withdrawal', () => {
  it('stops mining and forgets consent, settings and the lifetime contribution', async () => {
    const tab = openTab();
    const session = await mining(tab);
    session.set({ hashes: 70 });
    tab.miner.updateSettings({ duty: 0.3 });
    await tab.miner.withdrawConsent();
    expect(session.calls).toContain('stop');
    expect(tab.miner.state.consent).toBeUndefined();
    expect(tab.miner.state.settings).toEqual(defaultSettings(4));
    expect(tab.miner.state.lifetime).toEqual({ hashes: 0, sharesAccepted: 0 });
    expect(await new ConsentStore(tab.store, 4).load()).toBeUndefined();
  });
});

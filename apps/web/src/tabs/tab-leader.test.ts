import { afterEach, describe, expect, it } from 'vitest';
import { profileLocks } from '../../testing/scripted.js';
import { type LockApi, parseTabMessage, TAB_CHANNEL, TabLeader, type TabMessage } from './tab-leader.js';

const opened: TabLeader[] = [];
function tab(locks: LockApi | undefined): TabLeader {
  // Node's BroadcastChannel delivers between instances of one process, as a browser does between tabs.
  const leader = new TabLeader(locks, new BroadcastChannel(TAB_CHANNEL));
  opened.push(leader);
  return leader;
}

afterEach(() => {
  for (const leader of opened.splice(0)) leader.close();
});

function nextMessage(leader: TabLeader): Promise<TabMessage> {
  return new Promise((resolve) => {
    const unsubscribe = leader.onOtherTab((message) => {
      unsubscribe();
      resolve(message);
    });
  });
}

describe('TabLeader', () => {
  it('lets one tab of a profile hold the miner lock, and the others see it held', async () => {
    const locks = profileLocks();
    const first = tab(locks);
    const second = tab(locks);
    expect(await second.minerElsewhere()).toBe(false);
    const lock = await first.acquire();
    expect(lock).not.toBeNull();
    expect(await second.minerElsewhere()).toBe(true);
    expect(await second.acquire()).toBeNull();
    lock?.release();
    // The release settles the lock callback, after which the lock is free again.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await second.minerElsewhere()).toBe(false);
    const secondLock = await second.acquire();
    expect(secondLock).not.toBeNull();
    secondLock?.release();
  });

  it('lets every tab mine where the browser has no Web Locks', async () => {
    const lonely = tab(undefined);
    expect(await lonely.minerElsewhere()).toBe(false);
    expect(await lonely.acquire()).not.toBeNull();
  });

  it('carries the mining tab figures and its stop to the other tabs', async () => {
    const miner = tab(profileLocks());
    const watcher = tab(profileLocks());
    const status = { hashrate: 41.5, hashes: 1200, sharesAccepted: 3, sharesRejected: 0, paused: false };
    const received = nextMessage(watcher);
    miner.announce(status);
    expect(await received).toEqual({ kind: 'status', status });
    const stopped = nextMessage(watcher);
    miner.announceStopped();
    expect(await stopped).toEqual({ kind: 'stopped' });
  });

  it('stops delivering after unsubscribe', async () => {
    const miner = tab(undefined);
    const watcher = tab(undefined);
    const seen: TabMessage[] = [];
    const unsubscribe = watcher.onOtherTab((message) => seen.push(message));
    unsubscribe();
    const control = nextMessage(watcher);
    miner.announceStopped();
    await control;
    expect(seen).toEqual([]);
  });
});

describe('parseTabMessage', () => {
  it('drops messages of another shape', () => {
    expect(parseTabMessage({ kind: 'status', status: { hashrate: -1 } })).toBeUndefined();
    expect(parseTabMessage({ kind: 'status' })).toBeUndefined();
    expect(parseTabMessage('stopped')).toBeUndefined();
    expect(parseTabMessage({ kind: 'mine-now' })).toBeUndefined();
  });
});

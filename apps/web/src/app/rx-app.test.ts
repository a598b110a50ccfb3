// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { byTestId, settled, text } from '../../testing/dom.js';
import { channelBus, profileLocks, ScriptedBackend } from '../../testing/scripted.js';
import { TabMiner } from '../mining/tab-miner.js';
import { defaultSettings } from '../settings.js';
import { StatsPoller } from '../stats/stats-poller.js';
import { ConsentStore } from '../storage/consent.js';
import { type KeyValueStore, memoryStore } from '../storage/key-value.js';
import { LifetimeStore } from '../storage/lifetime.js';
import { TabLeader } from '../tabs/tab-leader.js';
import { IDLE_TITLE } from '../title.js';
import './rx-app.js';
import type { RxApp } from './rx-app.js';

const STATS = {
  view: 'coordinator',
  peers: 3,
  hashrate: 120,
  sharesAccepted: 9,
  sharesRejected: 0,
  blocksFound: 1,
  job: { source: 'demo', height: 42, difficulty: '5000' },
  coordinator: 'g',
  members: [],
  blocks: [],
};

const mounted: { app: RxApp; miner: TabMiner }[] = [];

afterEach(async () => {
  for (const { app, miner } of mounted.splice(0)) {
    app.remove();
    await miner.dispose();
  }
});

async function mount(options: { store?: KeyValueStore; missing?: string[] } = {}) {
  const store = options.store ?? memoryStore();
  const backend = new ScriptedBackend();
  backend.missing = options.missing ?? [];
  const miner = new TabMiner({
    backend,
    consent: new ConsentStore(store, 4),
    lifetime: new LifetimeStore(store),
    tabs: new TabLeader(profileLocks(), channelBus()()),
    cores: 4,
    persistent: true,
    watchHidden: () => () => undefined,
    watchBattery: async () => undefined,
  });
  const app = document.createElement('rx-app') as RxApp;
  app.miner = miner;
  app.stats = new StatsPoller(async () => new Response(JSON.stringify(STATS)), 60_000);
  app.askJoin = async () => ({ info: null, error: 'not asked in these tests' });
  app.askIce = async () => [{ urls: ['turn:turn.example.org:3478'], username: '1:u', credential: 'c' }];
  document.body.append(app);
  mounted.push({ app, miner });
  await miner.init();
  await settled(document.body);
  return { app, miner, backend, store };
}

function click(id: string): void {
  const element = byTestId(document.body, id);
  if (!(element instanceof HTMLElement)) throw new Error(`no ${id} to click`);
  element.click();
}

describe('<rx-app> before Start', () => {
  it('says where the hashes go and what it costs, and offers Start but no Stop', async () => {
    const { backend } = await mount();
    expect(text(byTestId(document.body, 'job-source'))).toContain('To a demo chain.');
    expect(text(byTestId(document.body, 'talks-to'))).toContain('the TURN server turn.example.org:3478');
    expect(byTestId(document.body, 'start')).toBeDefined();
    expect(byTestId(document.body, 'stop')).toBeUndefined();
    expect(byTestId(document.body, 'hashrate')?.getAttribute('data-hashes')).toBe('0');
    expect((byTestId(document.body, 'threads') as HTMLInputElement).value).toBe('3');
    expect((byTestId(document.body, 'throttle') as HTMLInputElement).value).toBe('100');
    expect(text(byTestId(document.body, 'cluster-peers'))).toBe('3');
    expect(text(byTestId(document.body, 'job'))).toBe('demo chain, height 42, difficulty 5,000');
    expect(backend.starts).toEqual([]);
    expect(document.title).toBe(IDLE_TITLE);
  });

  it('shows what the browser lacks instead of Start', async () => {
    await mount({ missing: ['This browser cannot run Web Workers, which mining runs in.'] });
    expect(text(byTestId(document.body, 'unsupported'))).toContain('cannot run Web Workers');
    expect(byTestId(document.body, 'start')).toBeUndefined();
  });

  it('passes the throttle slider and the thread count to the settings', async () => {
    const { miner } = await mount();
    const throttle = byTestId(document.body, 'throttle') as HTMLInputElement;
    throttle.value = '50';
    throttle.dispatchEvent(new Event('input', { bubbles: true }));
    const threads = byTestId(document.body, 'threads') as HTMLInputElement;
    threads.value = '9';
    threads.dispatchEvent(new Event('change', { bubbles: true }));
    await settled(document.body);
    expect(miner.state.settings).toMatchObject({ duty: 0.5, threads: 4 });
    expect(threads.value).toBe('4');
  });
});

describe('<rx-app> mining', () => {
  it('starts on the click, shows Stop, the figures and the title, and stops on Stop', async () => {
    const { backend } = await mount();
    click('start');
    await settled(document.body);
    const session = backend.sessions[0];
    if (session === undefined) throw new Error('Start did not start a session');
    expect(byTestId(document.body, 'start')).toBeUndefined();
    expect(byTestId(document.body, 'stop')).toBeDefined();

    session.set({ keyProgress: { done: 300, total: 1000, mode: 'light' } });
    await settled(document.body);
    expect((byTestId(document.body, 'key-progress') as HTMLProgressElement).value).toBe(300);

    session.set({ keyProgress: null, hashrate: 41.2, hashes: 500, sharesAccepted: 2, sharesRejected: 1 });
    await settled(document.body);
    expect(byTestId(document.body, 'key-progress')).toBeUndefined();
    const rate = byTestId(document.body, 'hashrate');
    expect(text(rate)).toBe('41.2 H/s');
    expect(rate?.getAttribute('data-hashes')).toBe('500');
    expect(text(byTestId(document.body, 'shares-accepted'))).toBe('2');
    expect(text(byTestId(document.body, 'shares-rejected'))).toBe('1');
    expect(text(byTestId(document.body, 'lifetime-hashes'))).toBe('500');
    expect(document.title).toBe('⛏ 41.2 H/s · rxmesh');

    // Full mode after a seed change: hashing goes on while the dataset is rebuilt, and the page shows how far.
    session.set({ datasetRebuild: { done: 8_519_680, total: 34_078_719 } });
    await settled(document.body);
    expect((byTestId(document.body, 'dataset-rebuild') as HTMLProgressElement).value).toBe(8_519_680);
    expect(byTestId(document.body, 'key-words')).toBeUndefined();
    session.set({ datasetRebuild: null, readsDataset: true, joined: true });
    await settled(document.body);
    expect(byTestId(document.body, 'dataset-rebuild')).toBeUndefined();
    expect(text(byTestId(document.body, 'key-words'))).toBe('Hashing in full mode, reading items from the dataset.');

    click('stop');
    await settled(document.body);
    expect(session.calls).toContain('stop');
    expect(byTestId(document.body, 'start')).toBeDefined();
    expect(text(byTestId(document.body, 'hashrate'))).toBe('0 H/s');
    expect(document.title).toBe(IDLE_TITLE);
  });

  it('remembers consent, offers to withdraw it, and forgets it on withdrawal', async () => {
    const store = memoryStore();
    await new ConsentStore(store, 4).give(defaultSettings(4), Date.UTC(2025, 0, 2));
    const { miner } = await mount({ store });
    expect(byTestId(document.body, 'withdraw')).toBeDefined();
    click('withdraw');
    await settled(document.body);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(miner.state.consent).toBeUndefined();
    expect(await new ConsentStore(store, 4).load()).toBeUndefined();
    await settled(document.body);
    expect(byTestId(document.body, 'withdraw')).toBeUndefined();
  });
});

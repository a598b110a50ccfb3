// The contributor page's TabMiner with this browser's storage, tabs, visibility and battery.
import { watchBattery, watchVisibility } from '../power/pause-reasons.js';
import { coreCount } from '../settings.js';
import { ConsentStore } from '../storage/consent.js';
import { openStore } from '../storage/key-value.js';
import { LifetimeStore } from '../storage/lifetime.js';
import { TabLeader } from '../tabs/tab-leader.js';
import type { MiningBackend } from './session.js';
import { TabMiner } from './tab-miner.js';

export function createBrowserTabMiner(backend: MiningBackend): TabMiner {
  const cores = coreCount(navigator.hardwareConcurrency);
  const store = openStore();
  return new TabMiner({
    backend,
    consent: new ConsentStore(store, cores),
    lifetime: new LifetimeStore(store),
    tabs: TabLeader.forBrowser(),
    cores,
    persistent: store.persistent,
    watchHidden: (onChange) => watchVisibility(document, onChange),
    watchBattery: (onChange) => watchBattery(navigator as Parameters<typeof watchBattery>[0], onChange),
  });
}

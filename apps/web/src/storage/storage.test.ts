import { KEY_ID_PATTERN } from '@rxmesh/core';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../settings.js';
import { ConsentStore } from './consent.js';
import { loadContributorId } from './contributor.js';
import { memoryStore } from './key-value.js';
import { LifetimeStore } from './lifetime.js';

describe('ConsentStore', () => {
  it('has no consent until one is given, then remembers it with the settings', async () => {
    const consents = new ConsentStore(memoryStore(), 4);
    expect(await consents.load()).toBeUndefined();
    const settings = { ...defaultSettings(4), threads: 2, duty: 0.5 };
    await consents.give(settings, 1_700_000_000_000);
    expect(await consents.load()).toEqual({ givenAt: 1_700_000_000_000, settings });
  });

  it('keeps the date of consent when the settings change', async () => {
    const consents = new ConsentStore(memoryStore(), 4);
    await consents.give(defaultSettings(4), 5);
    await consents.updateSettings({ ...defaultSettings(4), duty: 0.3 });
    expect(await consents.load()).toEqual({ givenAt: 5, settings: { ...defaultSettings(4), duty: 0.3 } });
  });

  it('does not create a consent by saving settings', async () => {
    const consents = new ConsentStore(memoryStore(), 4);
    await consents.updateSettings(defaultSettings(4));
    expect(await consents.load()).toBeUndefined();
  });

  it('forgets the consent and the lifetime contribution on withdrawal', async () => {
    const store = memoryStore();
    const consents = new ConsentStore(store, 4);
    const lifetime = new LifetimeStore(store);
    await consents.give(defaultSettings(4), 5);
    await lifetime.add({ hashes: 10, sharesAccepted: 1 });
    await consents.withdraw();
    expect(await consents.load()).toBeUndefined();
    expect(await lifetime.load()).toEqual({ hashes: 0, sharesAccepted: 0 });
  });

  it('reads a damaged record as no consent, and damaged settings as defaults', async () => {
    const store = memoryStore();
    const consents = new ConsentStore(store, 4);
    await store.set('consent', { givenAt: 'yesterday' });
    expect(await consents.load()).toBeUndefined();
    await store.set('consent', { givenAt: 7, settings: { threads: 'all' } });
    expect(await consents.load()).toEqual({ givenAt: 7, settings: defaultSettings(4) });
  });
});

describe('LifetimeStore', () => {
  it('adds concurrent contributions without losing any', async () => {
    const lifetime = new LifetimeStore(memoryStore());
    await Promise.all(Array.from({ length: 20 }, () => lifetime.add({ hashes: 100, sharesAccepted: 1 })));
    expect(await lifetime.load()).toEqual({ hashes: 2000, sharesAccepted: 20 });
  });

  it('ignores negative or broken deltas', async () => {
    const lifetime = new LifetimeStore(memoryStore());
    await lifetime.add({ hashes: 50, sharesAccepted: 2 });
    expect(await lifetime.add({ hashes: -20, sharesAccepted: Number.NaN })).toEqual({ hashes: 50, sharesAccepted: 2 });
  });

  it('survives a failed write: later additions still land', async () => {
    const store = memoryStore();
    let failNext = true;
    const flaky = {
      ...store,
      set: async (key: string, value: unknown) => {
        if (failNext) {
          failNext = false;
          throw new Error('quota');
        }
        await store.set(key, value);
      },
    };
    const lifetime = new LifetimeStore(flaky);
    await expect(lifetime.add({ hashes: 1, sharesAccepted: 0 })).rejects.toThrow('quota');
    expect(await lifetime.add({ hashes: 2, sharesAccepted: 0 })).toEqual({ hashes: 2, sharesAccepted: 0 });
  });
});

describe('the contributor id', () => {
  it('is made once and kept, so every visit is credited to the same id; a damaged one is replaced', async () => {
    const store = memoryStore();
    const first = await loadContributorId(store);
    expect(first).toMatch(new RegExp(KEY_ID_PATTERN));
    expect(await loadContributorId(store)).toBe(first);
    expect(await loadContributorId(memoryStore())).not.toBe(first);
    await store.set('contributor', 'not an id');
    const replaced = await loadContributorId(store);
    expect(replaced).toMatch(new RegExp(KEY_ID_PATTERN));
    expect(await loadContributorId(store)).toBe(replaced);
  });
});

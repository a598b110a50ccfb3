// The contributor's consent, remembered per origin. It records what they agreed to; it never starts anything.
import { type MiningSettings, parseSettings } from '../settings.js';
import type { KeyValueStore } from './key-value.js';

const CONSENT_KEY = 'consent';

export interface Consent {
  /** Milliseconds since the epoch. */
  givenAt: number;
  /** The settings they last chose, offered again on the next visit. */
  settings: MiningSettings;
}

export class ConsentStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly cores: number,
  ) {}

  /** The stored consent, or undefined when there is none or it cannot be read. */
  async load(): Promise<Consent | undefined> {
    const value = await this.store.get(CONSENT_KEY);
    if (typeof value !== 'object' || value === null) return undefined;
    const { givenAt, settings } = value as Record<string, unknown>;
    if (typeof givenAt !== 'number' || !Number.isFinite(givenAt)) return undefined;
    return { givenAt, settings: parseSettings(settings, this.cores) };
  }

  async give(settings: MiningSettings, givenAt: number): Promise<Consent> {
    const consent: Consent = { givenAt, settings: { ...settings } };
    await this.store.set(CONSENT_KEY, consent);
    return consent;
  }

  /** Keeps the date of consent and replaces the settings; does nothing without a stored consent. */
  async updateSettings(settings: MiningSettings): Promise<void> {
    const consent = await this.load();
    if (consent !== undefined) await this.store.set(CONSENT_KEY, { ...consent, settings: { ...settings } });
  }

  /** Forgets the consent and everything else this page stored (settings, lifetime contribution). */
  async withdraw(): Promise<void> {
    await this.store.clear();
  }
}

// @vitest-environment happy-dom
import { engineMemoryBytes, engineMemoryPeakBytes } from '@rxmesh/wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { settled, text } from '../../testing/dom.js';
import { defaultSettings } from '../settings.js';
import './rx-consent.js';
import type { RxConsent } from './rx-consent.js';

const MIB = 2 ** 20;

afterEach(() => {
  document.body.replaceChildren();
});

async function costFor(threads: number): Promise<string> {
  const consent = document.createElement('rx-consent') as RxConsent;
  consent.settings = { ...defaultSettings(4), threads };
  consent.cores = 4;
  document.body.append(consent);
  await settled(document.body);
  const terms = [...(consent.shadowRoot?.querySelectorAll('dt') ?? [])];
  const cost = terms.find((term) => text(term) === 'What it costs you');
  return text(cost?.nextElementSibling);
}

describe('rx-consent', () => {
  it('states the memory mining takes, and the most it takes around a change of the RandomX key', async () => {
    for (const threads of [1, 3]) {
      const steady = Math.round(engineMemoryBytes(threads) / MIB);
      const peak = Math.round(engineMemoryPeakBytes(threads) / MIB);
      const cost = await costFor(threads);
      expect(cost).toContain(`${threads} of your 4 CPU threads`);
      expect(cost).toContain(`about ${steady} MiB of memory`);
      expect(cost).toContain(`up to about ${peak} MiB from when the RandomX key is about to change`);
    }
    // One cache and about 8.5 MiB a thread; the second cache only from the first key change (or its hint) on.
    expect(Math.round(engineMemoryBytes(1) / MIB)).toBe(269);
    expect(Math.round(engineMemoryPeakBytes(1) / MIB)).toBe(525);
  });
});

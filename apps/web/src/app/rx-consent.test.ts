// @vitest-environment happy-dom
import { engineMemoryBytes, engineMemoryPeakBytes, fullEngineMemoryBytes, soloEngineMemoryBytes } from '@rxmesh/wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { settled, text } from '../../testing/dom.js';
import type { MiningMode } from '../mining/mining-mode.js';
import { defaultSettings } from '../settings.js';
import './rx-consent.js';
import type { RxConsent } from './rx-consent.js';

const MIB = 2 ** 20;

afterEach(() => {
  document.body.replaceChildren();
});

const THREADS_SHARE_MEMORY: MiningMode = { sharedMemory: true, secureContext: true };

/** The consent facts for `threads` of 4 cores in `mode`: each term and its text. */
async function factsFor(
  threads: number,
  mode = THREADS_SHARE_MEMORY,
  server: Partial<Pick<RxConsent, 'operator' | 'secureUrl'>> = {},
  fullMode = false,
): Promise<Map<string, string>> {
  const consent = document.createElement('rx-consent') as RxConsent;
  Object.assign(consent, server);
  consent.settings = { ...defaultSettings(4), threads, fullMode };
  consent.cores = 4;
  consent.mode = mode;
  document.body.append(consent);
  await settled(document.body);
  const terms = [...(consent.shadowRoot?.querySelectorAll('dt') ?? [])];
  return new Map(terms.map((term) => [text(term), text(term.nextElementSibling)]));
}

async function costFor(threads: number): Promise<string> {
  return (await factsFor(threads)).get('What it costs you') ?? '';
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

  it('says one thread, and why, on a page that may not share memory, with the memory of that one worker', async () => {
    const facts = await factsFor(3, { sharedMemory: false, secureContext: false });
    const cost = facts.get('What it costs you');
    expect(cost).toContain('1 of your 4 CPU threads');
    expect(cost).toContain(`about ${Math.round(soloEngineMemoryBytes() / MIB)} MiB of memory`);
    // Every key is built in place: no second cache, so no higher figure.
    expect(cost).not.toContain('up to about');
    expect(cost).toContain('You can change how busy it is below.');
    const why = facts.get('Why one thread');
    expect(why).toContain(`this page was opened over plain http (${location.origin}), not https`);
    expect(why).toContain("To mine with all your threads, open this cluster's https address instead");
    expect(why).toContain('--tls-self-signed');
  });

  it('blames the missing isolation, not http, on a secure page that may not share memory', async () => {
    const why = (await factsFor(2, { sharedMemory: false, secureContext: true })).get('Why one thread');
    expect(why).toContain('this page is not cross-origin isolated');
    expect(why).toContain("tell the cluster's operator");
    expect(why).not.toContain('plain http (');
  });

  it('names the operator the server names, and otherwise the server', async () => {
    expect(
      (await factsFor(1, THREADS_SHARE_MEMORY, { operator: 'Ms Rivera, room 12' })).get('Who runs this cluster'),
    ).toMatch(/^Ms Rivera, room 12, on the server at /);
    expect((await factsFor(1)).get('Who runs this cluster')).toMatch(/^Whoever runs the server at /);
  });

  it("links the cluster's https page for all threads, when the server has one", async () => {
    const secureUrl = 'https://192.168.1.20:8443';
    const why = (await factsFor(3, { sharedMemory: false, secureContext: false }, { secureUrl })).get('Why one thread');
    expect(why).toContain(`open this cluster's https address instead: ${secureUrl}.`);
    expect(why).not.toContain('--tls-self-signed');
  });

  it('states what full mode takes, once, and marks its build time and speed-up as estimates', async () => {
    const cost = (await factsFor(2, THREADS_SHARE_MEMORY, {}, true)).get('What it costs you') ?? '';
    expect(cost).toContain(`about ${Math.round(fullEngineMemoryBytes(2) / MIB)} MiB of memory`);
    expect(Math.round(fullEngineMemoryBytes(2) / MIB)).toBe(2357);
    expect(cost).toContain('2080 MiB for the RandomX dataset');
    // The dataset is rebuilt in place at a key change: no second, higher figure.
    expect(cost).not.toContain('up to about');
    expect(cost).toContain('about 31 s on 2 threads by our estimate');
    expect(cost).toContain('was not measured on this device');
    expect(cost).toContain('about 1.7 times as fast as light mode, by the same estimate');
    expect(cost).toContain('Stop gives all of this memory back.');
    // A page that may not share memory mines in light mode whatever the setting says.
    const light = (await factsFor(2, { sharedMemory: false, secureContext: false }, {}, true)).get('What it costs you');
    expect(light).not.toContain('dataset');
  });

  it('says nothing of one thread where threads share memory', async () => {
    expect((await factsFor(3)).has('Why one thread')).toBe(false);
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { settled, text } from '../../testing/dom.js';
import type { MiningMode } from '../mining/mining-mode.js';
import { defaultSettings } from '../settings.js';
import './rx-controls.js';
import type { RxControls } from './rx-controls.js';

afterEach(() => {
  document.body.replaceChildren();
});

async function threadsField(mode: MiningMode): Promise<{ input: HTMLInputElement; help: string }> {
  const controls = document.createElement('rx-controls') as RxControls;
  controls.settings = { ...defaultSettings(4), threads: 3 };
  controls.cores = 4;
  controls.mode = mode;
  document.body.append(controls);
  await settled(document.body);
  const input = controls.shadowRoot?.querySelector<HTMLInputElement>('#threads');
  if (input == null) throw new Error('no threads field');
  return { input, help: text(controls.shadowRoot?.querySelector('#threads-help')) };
}

describe('rx-controls', () => {
  it('offers every core where threads share memory', async () => {
    const { input, help } = await threadsField({ sharedMemory: true, secureContext: true });
    expect([input.value, input.max]).toEqual(['3', '4']);
    expect(help).toContain('1 to 4');
  });

  it('shows the one thread a page without shared memory mines on, and where the reason is', async () => {
    const { input, help } = await threadsField({ sharedMemory: false, secureContext: false });
    expect([input.value, input.max]).toEqual(['1', '1']);
    expect(help).toContain('Why one thread');
  });

  it('offers full mode, off, only where threads share memory and the device does not report too little', async () => {
    const fullModeBox = async (mode: MiningMode, deviceMemoryGib: number | undefined) => {
      document.body.replaceChildren();
      const controls = document.createElement('rx-controls') as RxControls;
      controls.settings = defaultSettings(4);
      controls.cores = 4;
      controls.mode = mode;
      controls.deviceMemoryGib = deviceMemoryGib;
      document.body.append(controls);
      await settled(document.body);
      return controls.shadowRoot?.querySelector<HTMLInputElement>('[data-testid="full-mode"]') ?? null;
    };
    const shared = { sharedMemory: true, secureContext: true };
    expect((await fullModeBox(shared, 8))?.checked).toBe(false);
    expect(await fullModeBox(shared, undefined)).not.toBeNull();
    expect(await fullModeBox(shared, 4)).toBeNull();
    expect(await fullModeBox({ sharedMemory: false, secureContext: false }, 8)).toBeNull();
  });
});

// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { type BatteryLike, watchBattery, watchVisibility } from './pause-reasons.js';

class FakeBattery extends EventTarget implements BatteryLike {
  charging = true;
  unplug(): void {
    this.charging = false;
    this.dispatchEvent(new Event('chargingchange'));
  }
}

describe('watchVisibility', () => {
  it('reports the current state at once, then each change, until unsubscribed', () => {
    let state: DocumentVisibilityState = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
    const seen: boolean[] = [];
    const unsubscribe = watchVisibility(document, (hidden) => seen.push(hidden));
    state = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    unsubscribe();
    state = 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
    expect(seen).toEqual([false, true]);
  });
});

describe('watchBattery', () => {
  it('reports running on battery when the charger is unplugged', async () => {
    const battery = new FakeBattery();
    const seen: boolean[] = [];
    const unsubscribe = await watchBattery({ getBattery: async () => battery }, (onBattery) => seen.push(onBattery));
    battery.unplug();
    unsubscribe?.();
    battery.unplug();
    expect(seen).toEqual([false, true]);
  });

  it('answers undefined where there is no Battery API or it is refused', async () => {
    expect(await watchBattery({}, () => undefined)).toBeUndefined();
    const refused = async (): Promise<BatteryLike> => {
      throw new DOMException('not allowed', 'NotAllowedError');
    };
    expect(await watchBattery({ getBattery: refused }, () => undefined)).toBeUndefined();
  });
});

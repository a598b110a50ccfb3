// Why a mining tab pauses by itself: the contributor asked it to while the tab is hidden, or while on battery.

export type PauseReason = 'hidden' | 'battery';

/** Calls `onChange` with whether the document is hidden, now and on every change; answers the unsubscribe. */
export function watchVisibility(document: Document, onChange: (hidden: boolean) => void): () => void {
  const report = () => onChange(document.visibilityState === 'hidden');
  document.addEventListener('visibilitychange', report);
  report();
  return () => document.removeEventListener('visibilitychange', report);
}

/** The part of the Battery API (Chromium only, and only in secure contexts: not on plain http) this uses. */
export interface BatteryLike {
  readonly charging: boolean;
  addEventListener(type: 'chargingchange', listener: () => void): void;
  removeEventListener(type: 'chargingchange', listener: () => void): void;
}

type NavigatorWithBattery = { getBattery?: () => Promise<BatteryLike> };

/**
 * Calls `onChange` with whether the device runs on battery, now and on every change; answers the unsubscribe,
 * or undefined where the page has no Battery API (other browsers, pages on plain http): the page then says the
 * option has no effect, and nothing pauses for it.
 */
export async function watchBattery(
  navigator: NavigatorWithBattery,
  onChange: (onBattery: boolean) => void,
): Promise<(() => void) | undefined> {
  if (typeof navigator.getBattery !== 'function') return undefined;
  let battery: BatteryLike;
  try {
    battery = await navigator.getBattery();
  } catch {
    // Refused by a permissions policy: the same as no Battery API.
    return undefined;
  }
  const report = () => onChange(!battery.charging);
  battery.addEventListener('chargingchange', report);
  report();
  return () => battery.removeEventListener('chargingchange', report);
}

// What the contributor chooses before and while mining.

export interface MiningSettings {
  /** The name others see on the leaderboard; empty lets the page pick one from the peer id. */
  name: string;
  /** Web Workers that hash; the page's default leaves one core for everything else. */
  threads: number;
  /** The share of time the workers hash, like BOINC's CPU-usage limit: 0.1 .. 1. */
  duty: number;
  pauseWhenHidden: boolean;
  /** Only where the browser has the Battery API. */
  pauseOnBattery: boolean;
  /**
   * Full mode: the 2080 MiB RandomX dataset in this tab, built once per key, for several times light mode's rate.
   * Off unless the contributor turns it on, and only where the page can share memory and a trial allocation worked.
   */
  fullMode: boolean;
}

/** The cluster protocol's limit on a peer name (UTF-16 code units). */
export const NAME_MAX_LENGTH = 40;

export const DUTY_MIN = 0.1;
export const DUTY_MAX = 1;
export const DUTY_STEP = 0.1;

function defaultThreads(cores: number): number {
  return Math.max(1, Math.floor(cores) - 1);
}

export function defaultSettings(cores: number): MiningSettings {
  return {
    name: '',
    threads: defaultThreads(cores),
    duty: DUTY_MAX,
    pauseWhenHidden: false,
    pauseOnBattery: true,
    fullMode: false,
  };
}

/** The number of cores the browser reports, at least 1 (some report nothing). */
export function coreCount(reported: number | undefined): number {
  return reported !== undefined && Number.isInteger(reported) && reported > 0 ? reported : 1;
}

/** One line of visible text, at most NAME_MAX_LENGTH code units, never a broken surrogate pair. */
export function cleanName(name: string): string {
  const visible = name
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  let kept = '';
  for (const character of visible) {
    if (kept.length + character.length > NAME_MAX_LENGTH) break;
    kept += character;
  }
  return kept.trimEnd();
}

export function clampThreads(threads: number, cores: number): number {
  if (!Number.isFinite(threads)) return defaultThreads(cores);
  return Math.min(Math.max(1, Math.round(threads)), Math.max(1, cores));
}

/** Snaps to the slider's steps, so a stored 0.4999 shows as 50%. */
export function clampDuty(duty: number): number {
  if (!Number.isFinite(duty)) return DUTY_MAX;
  const snapped = Math.round(duty / DUTY_STEP) * DUTY_STEP;
  return Math.min(DUTY_MAX, Math.max(DUTY_MIN, Number(snapped.toFixed(2))));
}

/** Settings from storage or a form: every field checked, anything unusable replaced by its default. */
export function parseSettings(value: unknown, cores: number): MiningSettings {
  const defaults = defaultSettings(cores);
  if (typeof value !== 'object' || value === null) return defaults;
  const fields = value as Record<string, unknown>;
  const flag = (name: keyof MiningSettings, fallback: boolean) =>
    typeof fields[name] === 'boolean' ? fields[name] : fallback;
  return {
    name: typeof fields.name === 'string' ? cleanName(fields.name) : defaults.name,
    threads: typeof fields.threads === 'number' ? clampThreads(fields.threads, cores) : defaults.threads,
    duty: typeof fields.duty === 'number' ? clampDuty(fields.duty) : defaults.duty,
    pauseWhenHidden: flag('pauseWhenHidden', defaults.pauseWhenHidden),
    pauseOnBattery: flag('pauseOnBattery', defaults.pauseOnBattery),
    fullMode: flag('fullMode', defaults.fullMode),
  };
}

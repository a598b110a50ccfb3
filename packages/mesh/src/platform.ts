// The timers and clock that browsers, Web Workers and Node all provide as globals. Core compiles without the DOM
// or Node typings, so that its protocol cannot reach for either; the mesh glue declares only what it uses.

/** A number in browsers, a Timeout object in Node: only ever handed back to clearInterval/clearTimeout. */
export type TimerHandle = unknown;

interface PlatformGlobals {
  setInterval(callback: () => void, ms: number): TimerHandle;
  clearInterval(timer: TimerHandle): void;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(timer: TimerHandle): void;
  queueMicrotask(callback: () => void): void;
  readonly performance: { now(): number };
  fetch(
    url: string,
    init?: { cache?: 'no-store'; signal?: unknown },
  ): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
  readonly AbortSignal: { timeout(ms: number): unknown };
}

/** Looked up on each call, so test clocks installed later (vi.useFakeTimers) are seen. */
export const platform = globalThis as unknown as PlatformGlobals;

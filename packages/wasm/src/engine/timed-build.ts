// A key's cache (or a slice of its dataset) built in an engine's worker, timed, with the engine's progress listener let go afterwards.
import { type Remote, releaseProxy } from 'comlink';
import type { ProgressListener } from '../load.js';

/**
 * Runs `build` and answers how long it took. `onProgress` is the engine's listener as Comlink.proxy passed it; it
 * is released when the build ends.
 */
export async function timedBuild(
  onProgress: ProgressListener | undefined,
  build: () => Promise<void>,
): Promise<number> {
  try {
    const begin = performance.now();
    await build();
    return performance.now() - begin;
  } finally {
    // What arrived is Comlink's proxy of the listener: closing its channel now, rather than whenever the
    // garbage collector finds the proxy, leaves no channel open per key.
    void (onProgress as Remote<ProgressListener> | undefined)?.[releaseProxy]();
  }
}

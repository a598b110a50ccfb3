// The hashrate benchmark's batch, the same wherever an engine runs (`rxmesh bench`, and a browser tab through the
// engine harness): the benchmark blob over the whole nonce space on every thread, stopped after a while.
import { benchmarkBlob, type MiningEngine } from '@rxmesh/core';
import { platform } from './platform.js';

/**
 * Mines the benchmark blob on all of `engine`'s threads (its key set) for `seconds`. The chunks in flight at the
 * stop count, and so does the time they take.
 */
export async function mineBenchmarkFor(
  engine: MiningEngine,
  seconds: number,
): Promise<{ hashes: number; hashrate: number }> {
  const begin = platform.performance.now();
  const batch = engine.mine({ blob: benchmarkBlob(), firstNonce: 0, count: 2 ** 32 - 1, target: 0n });
  const timer = platform.setTimeout(() => engine.stop(), seconds * 1000);
  const { hashes } = await batch.finally(() => platform.clearTimeout(timer));
  return { hashes, hashrate: (1000 * hashes) / (platform.performance.now() - begin) };
}

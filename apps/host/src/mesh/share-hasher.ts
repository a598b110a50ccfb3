// Recomputes the RandomX hash of a share for the coordinator: native librandomx when it loads (a full-mode
// host's own dataset for its seed, light-mode caches for other seeds), else the WebAssembly engine.
import { type MiningEngine, withNonce } from '@rxmesh/core';
import type { ShareHasher } from '@rxmesh/mesh';
import { NativeEngine, recommendedFlags, ShareVerifier } from '@rxmesh/native';
import { type KeyedHasher, nativeOrWasm, openKeyedHasher, WASM_HASHING_INSTEAD } from '../engines.js';

export function openShareHasher(
  miningEngine: MiningEngine | undefined,
  warn: (message: string) => void,
): Promise<ShareHasher> {
  return nativeOrWasm(
    (): ShareHasher => {
      recommendedFlags(); // loads the addon, or says why it cannot
      const full = miningEngine instanceof NativeEngine && miningEngine.mode === 'full' ? miningEngine : undefined;
      const verifier = new ShareVerifier(full === undefined ? {} : { fullEngine: full });
      return {
        hash: async (seedHash, blob, nonce) => (await verifier.verify(seedHash, blob, nonce)).hash,
        close: () => verifier.close(),
      };
    },
    async () => serialized(await openKeyedHasher('wasm', 'rx/0', warn)),
    warn,
    WASM_HASHING_INSTEAD,
  );
}

/** One verification at a time through a keyed hasher, so key changes never race. */
function serialized(hasher: KeyedHasher): ShareHasher {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    hash(seedHash, blob, nonce) {
      const next = queue.then(async () => {
        await hasher.useKey(seedHash);
        return hasher.hash(withNonce(blob, nonce));
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      hasher.release();
    },
  };
}

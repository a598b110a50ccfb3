// What the browser tests check the engine against: Debian's librandomx (through the native addon's light hasher).
import { withNonce } from '@rxmesh/core';
import { createLightHasher } from '@rxmesh/native';

/** librandomx's hashes of `inputs` under `key`, in hex, from one light-mode cache. */
export function librandomxHashesHex(key: Uint8Array, inputs: readonly Uint8Array[]): string[] {
  const oracle = createLightHasher(key);
  try {
    return inputs.map((input) => Buffer.from(oracle.hash(input)).toString('hex'));
  } finally {
    oracle.release();
  }
}

/** `blob` with each of `nonces` in its nonce field, as the engines mine it. */
export function blobsWithNonces(blob: Uint8Array, nonces: readonly number[]): Uint8Array[] {
  return nonces.map((nonce) => withNonce(blob, nonce));
}

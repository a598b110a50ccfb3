// Hashing blobs: Monero and the demo chain carry the nonce as a uint32 LE at byte offset 39.

export const NONCE_OFFSET = 39;
export const MIN_BLOB_LENGTH = NONCE_OFFSET + 4;

function requireBlob(blob: Uint8Array): void {
  if (blob.length < MIN_BLOB_LENGTH) {
    throw new RangeError(`A hashing blob needs at least ${MIN_BLOB_LENGTH} bytes to hold a nonce, got ${blob.length}.`);
  }
}

export function readNonce(blob: Uint8Array): number {
  requireBlob(blob);
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(NONCE_OFFSET, true);
}

/** Returns a copy of `blob` with `nonce` written in place. */
export function withNonce(blob: Uint8Array, nonce: number): Uint8Array {
  requireBlob(blob);
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffff_ffff) {
    throw new RangeError(`A nonce is a uint32, got ${nonce}.`);
  }
  // A fresh array: slice() of a Node Buffer is a view into a shared pool, not a copy.
  const copy = new Uint8Array(blob);
  new DataView(copy.buffer).setUint32(NONCE_OFFSET, nonce, true);
  return copy;
}

// What both WebAssembly engines refuse, in the same words: a request that is not a nonce range of a hashing blob, a
// throttle that is not a share of time, and a call that must wait for the engine's work in flight.
import { MIN_BLOB_LENGTH, type MineRequest } from '@rxmesh/core';

export function requireMineRequest({ blob, firstNonce, count, target }: MineRequest): void {
  if (blob.length < MIN_BLOB_LENGTH) throw new RangeError(`A hashing blob has at least ${MIN_BLOB_LENGTH} bytes.`);
  const uint32 = (value: number) => Number.isInteger(value) && value >= 0 && value < 2 ** 32;
  if (!uint32(firstNonce) || !uint32(count)) throw new RangeError('firstNonce and count must be uint32 integers.');
  // Checked here for the whole range: the engine's threads see only their chunks, and the last ones would fail
  // mid-batch.
  if (firstNonce + count > 2 ** 32) throw new RangeError('The nonce range must stay within uint32.');
  if (typeof target !== 'bigint') throw new TypeError('target must be a bigint.');
  if (target < 0n || target >= 2n ** 64n) throw new RangeError('The share target is a uint64.');
}

/** The refusal of `method` while the engine mines, hashes or builds a key. */
export function busyError(method: string): Error {
  return new Error(`The engine is busy: stop mining and wait for pending work before ${method}().`);
}

/** A throttle is the share of time the engine hashes, in (0, 1]: 1 is full speed. */
export function requireDuty(duty: number): void {
  if (!(duty > 0 && duty <= 1)) {
    throw new RangeError(`The throttle is a share of time above 0 and at most 1 (full speed), got ${duty}.`);
  }
}

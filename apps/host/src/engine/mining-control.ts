// The nonce counter and stop flag that the engine and its mining threads share, in one SharedArrayBuffer.
// Threads take nonces a chunk at a time from the counter and always hash a chunk they took, so whenever a batch
// stops, the hashed nonces are exactly the ones taken: a prefix of the range.

const BYTES = 16;

export class MiningControl {
  /** Offsets into the batch's range handed out so far. 64 bits, so that threads each taking a chunk past the end
   * of a 2^32 - 1 range cannot wrap around to its start. */
  private readonly taken: BigInt64Array;
  private readonly stopFlag: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(BYTES)) {
    this.taken = new BigInt64Array(buffer, 0, 1);
    this.stopFlag = new Int32Array(buffer, 8, 1);
  }

  /** Before a batch: nothing taken, no stop requested. */
  reset(): void {
    Atomics.store(this.taken, 0, 0n);
    Atomics.store(this.stopFlag, 0, 0);
  }

  requestStop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.stopFlag, 0) !== 0;
  }

  /** Takes the next `size` offsets into the range; returns the first, which may lie past the end. */
  take(size: number): number {
    return Number(Atomics.add(this.taken, 0, BigInt(size)));
  }
}

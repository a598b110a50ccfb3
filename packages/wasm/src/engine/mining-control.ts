// The nonce counter, stop flag and throttle that the engine and its mining threads share, in one SharedArrayBuffer.
// Threads take nonces a chunk at a time from the counter and always hash a chunk they took, so whenever a batch
// stops, the hashed nonces are exactly the ones taken: a prefix of the range.
import { requireDuty } from './engine-refusals.js';

const BYTES = 16;
/** Int32 slots after the counter. */
const STOP = 0;
const DUTY = 1;
/** The duty cycle is kept in millionths, an integer, so that every thread reads it with Atomics. */
const DUTY_SCALE = 1_000_000;

export class MiningControl {
  readonly buffer: SharedArrayBuffer;
  /** Offsets into the batch's range handed out so far. 64 bits, so that threads each taking a chunk past the end
   * of a 2^32 - 1 range cannot wrap around to its start. */
  private readonly taken: BigInt64Array;
  private readonly flags: Int32Array;

  /** A new control (full speed) or, given the buffer of one, another thread's view of it. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(BYTES);
    this.taken = new BigInt64Array(this.buffer, 0, 1);
    this.flags = new Int32Array(this.buffer, 8, 2);
    if (buffer === undefined) this.duty = 1;
  }

  /** Before a batch: nothing taken, no stop requested. The duty cycle stays. */
  reset(): void {
    Atomics.store(this.taken, 0, 0n);
    Atomics.store(this.flags, STOP, 0);
  }

  /** Also wakes the threads resting between chunks. */
  requestStop(): void {
    Atomics.store(this.flags, STOP, 1);
    Atomics.notify(this.flags, STOP);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.flags, STOP) !== 0;
  }

  /** Takes the next `size` offsets into the range; returns the first, which may lie past the end. */
  take(size: number): number {
    return Number(Atomics.add(this.taken, 0, BigInt(size)));
  }

  /** The share of time a mining thread works, in (0, 1]: 1 is full speed. */
  get duty(): number {
    return Atomics.load(this.flags, DUTY) / DUTY_SCALE;
  }

  set duty(duty: number) {
    requireDuty(duty);
    Atomics.store(this.flags, DUTY, Math.max(1, Math.round(duty * DUTY_SCALE)));
  }

  /**
   * After `busyMs` of work, rests for the rest of the duty cycle, (1 - duty) / duty as long, or until a stop is
   * requested. Blocks the calling thread, so it belongs in workers (browsers refuse Atomics.wait on the page).
   */
  rest(busyMs: number): void {
    const duty = this.duty;
    if (duty >= 1) return;
    Atomics.wait(this.flags, STOP, 0, (busyMs * (1 - duty)) / duty);
  }
}

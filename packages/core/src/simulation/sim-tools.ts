// Deterministic building blocks for the cluster simulation: a seeded random source, a time-ordered event queue,
// and a cheap stand-in for RandomX that miners and verifiers compute alike.

/** mulberry32: small, fast and reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scheduled {
  at: number;
  order: number;
  run: () => void;
}

/** A binary heap of callbacks by time; equal times run in the order they were scheduled. */
export class EventQueue {
  private heap: Scheduled[] = [];
  private scheduled = 0;
  now = 0;

  constructor(start: number) {
    this.now = start;
  }

  at(time: number, run: () => void): void {
    this.heap.push({ at: Math.max(time, this.now), order: this.scheduled++, run });
    this.up(this.heap.length - 1);
  }

  after(delay: number, run: () => void): void {
    this.at(this.now + delay, run);
  }

  /** Runs everything due up to `time`, then sets the clock to it. */
  runUntil(time: number): void {
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.at > time) break;
      this.pop();
      this.now = next.at;
      next.run();
    }
    this.now = time;
  }

  private before(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && this.before(this.heap[left] as Scheduled, this.heap[smallest] as Scheduled)) {
        smallest = left;
      }
      if (right < this.heap.length && this.before(this.heap[right] as Scheduled, this.heap[smallest] as Scheduled)) {
        smallest = right;
      }
      if (smallest === index) return;
      [this.heap[index], this.heap[smallest]] = [this.heap[smallest] as Scheduled, this.heap[index] as Scheduled];
      index = smallest;
    }
  }

  private up(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(this.heap[index] as Scheduled, this.heap[parent] as Scheduled)) return;
      [this.heap[index], this.heap[parent]] = [this.heap[parent] as Scheduled, this.heap[index] as Scheduled];
      index = parent;
    }
  }
}

function mix(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function fold(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

/**
 * The simulation's proof of work: a 32-byte hash of (key, blob, nonce) that is cheap to compute, so a thousand
 * simulated miners can hash every nonce of their leases. `prepare` folds the key and blob once per lease.
 */
export const fakePow = {
  prepare(seedHash: Uint8Array, blob: Uint8Array): number {
    return mix(fold(seedHash) ^ mix(fold(blob.subarray(0, 39)) ^ fold(blob.subarray(43))));
  },
  word(prepared: number, nonce: number, index: number): number {
    return mix(prepared ^ mix(nonce + Math.imul(index + 1, 0x9e3779b9)));
  },
  /** Bytes 24..31 as a uint64 LE: what a share target is compared with. */
  shareValue(prepared: number, nonce: number): bigint {
    return (BigInt(fakePow.word(prepared, nonce, 7)) << 32n) | BigInt(fakePow.word(prepared, nonce, 6));
  },
  hash(prepared: number, nonce: number): Uint8Array {
    const hash = new Uint8Array(32);
    const view = new DataView(hash.buffer);
    for (let i = 0; i < 8; i++) view.setUint32(4 * i, fakePow.word(prepared, nonce, i), true);
    return hash;
  },
};

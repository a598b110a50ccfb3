// Shared by the Stratum tests: a deterministic random source and pool jobs to vary.
import type { PoolJob } from '../src/sources/stratum/messages.js';

/** xorshift32: the same bytes on every run, so a failure can be replayed. */
export function seededBytes(seed: number): (length: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (length) => {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      bytes[i] = state & 0xff;
    }
    return bytes;
  };
}

export const SEED_HEX = 'aa'.repeat(32);

/** A 76-byte Monero-shaped blob with a zero nonce, as hex; `fill` varies it. */
export function blobHex(fill = 0x07, length = 76): string {
  return Array.from({ length }, (_, i) =>
    i >= 39 && i < 43 ? '00' : ((fill + i) & 0xff).toString(16).padStart(2, '0'),
  ).join('');
}

export function poolJob(overrides: Partial<PoolJob> = {}): PoolJob {
  return {
    blob: blobHex(),
    job_id: 'job-1',
    target: 'b88d0600',
    seed_hash: SEED_HEX,
    height: 3_000_000,
    algo: 'rx/0',
    ...overrides,
  };
}

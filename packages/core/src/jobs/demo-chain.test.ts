import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { readNonce, withNonce } from '../blob.js';
import { DEMO_BLOB_LENGTH, DemoChain, GENESIS_SEED } from './demo-chain.js';
import type { Job } from './job.js';

const START_MS = Date.UTC(2026, 10, 24, 12);
const WINNING_HASH = new Uint8Array(32); // 0 × difficulty < 2^256 for any difficulty
const LOSING_HASH = new Uint8Array(32).fill(0xff);
const finder = { id: 'peer-a', name: 'Ada' };
const extra = (n: number) => new Uint8Array(8).fill(n);

/** Mines `count` blocks, one every `seconds`, each at the difficulty the chain asks for. */
function mineBlocks(chain: DemoChain, count: number, seconds: number, startMs = START_MS): number {
  let now = startMs;
  for (let i = 0; i < count; i++) {
    now += seconds * 1000;
    const job = chain.template(extra(i & 0xff), now, 100);
    const outcome = chain.submit(job, i, WINNING_HASH, finder);
    if (!outcome.accepted) throw new Error(`block ${job.height} refused: ${outcome.reason}`);
  }
  return now;
}

describe('the demo chain', () => {
  it('makes Monero-shaped 76-byte blobs: timestamp varint, previous id, nonce at 39, difficulty from hashrate', () => {
    const chain = new DemoChain();
    const job = chain.template(extra(1), START_MS, 50);
    expect(job.blob).toHaveLength(DEMO_BLOB_LENGTH);
    expect(job.height).toBe(1);
    expect(job.difficulty).toBe(50n * 30n);
    expect(job.seedHash).toEqual(GENESIS_SEED);
    expect(readNonce(job.blob)).toBe(0);
    expect(job.blob.subarray(7, 39)).toEqual(new Uint8Array(32)); // genesis has no previous block
    // Five varint bytes, continuation bits on the first four, decoding to the clock in seconds.
    const varint = [...job.blob.subarray(2, 7)];
    expect(varint.map((byte) => byte >> 7)).toEqual([1, 1, 1, 1, 0]);
    expect(varint.reduceRight((value, byte) => value * 128 + (byte & 0x7f), 0)).toBe(START_MS / 1000);
    expect(chain.template(extra(2), START_MS, 50).blob).not.toEqual(job.blob);
  });

  it('links blocks by the Keccak id of the winning blob and records the finder', () => {
    const chain = new DemoChain();
    const job = chain.template(extra(1), START_MS, 50);
    const outcome = chain.submit(job, 1234, WINNING_HASH, finder);
    if (!outcome.accepted) throw new Error(outcome.reason);
    expect(outcome.block).toMatchObject({ height: 1, nonce: 1234, finderName: 'Ada', finderId: 'peer-a' });
    expect(outcome.block.id).toEqual(keccak_256(withNonce(job.blob, 1234)));
    const next = chain.template(extra(1), START_MS + 30_000, 50);
    expect(next.height).toBe(2);
    expect(next.blob.subarray(7, 39)).toEqual(outcome.block.id);
  });

  it('refuses stale jobs, hashes above the difficulty and foreign blobs', () => {
    const chain = new DemoChain();
    const first = chain.template(extra(1), START_MS, 50);
    const rival = chain.template(extra(2), START_MS, 50);
    expect(chain.submit(first, 1, LOSING_HASH, finder)).toEqual({ accepted: false, reason: 'low-difficulty' });
    expect(chain.submit(first, 1, WINNING_HASH, finder).accepted).toBe(true);
    expect(chain.submit(rival, 1, WINNING_HASH, finder)).toEqual({ accepted: false, reason: 'stale' });
    const foreign: Job = { ...first, source: 'daemon' };
    expect(chain.submit(foreign, 1, WINNING_HASH, finder)).toEqual({ accepted: false, reason: 'malformed' });
  });

  it('retargets to one block per 30 s at the hashrate that actually mines, from a 4x wrong hint', () => {
    const chain = new DemoChain();
    const hashrate = 100;
    let now = START_MS;
    const blockSeconds: number[] = [];
    for (let i = 0; i < 40; i++) {
      const job = chain.template(extra(i), now, hashrate * 4);
      // A block takes difficulty / hashrate seconds on average; use the average, so the test is exact.
      const seconds = Math.max(1, Math.round(Number(job.difficulty) / hashrate));
      now += seconds * 1000;
      const withTime = chain.template(extra(i), now, hashrate * 4);
      if (!chain.submit({ ...withTime, difficulty: job.difficulty }, i, WINNING_HASH, finder).accepted) {
        throw new Error('refused');
      }
      blockSeconds.push(seconds);
    }
    expect(blockSeconds[0]).toBe(120); // the hint was 4x the real hashrate
    for (const seconds of blockSeconds.slice(-10)) expect(Math.abs(seconds - 30)).toBeLessThanOrEqual(6);
  });

  it('moves the difficulty at most 4x per block', () => {
    const chain = new DemoChain();
    const now = mineBlocks(chain, 12, 1);
    const tip = chain.tip;
    if (tip === undefined) throw new Error('no tip');
    expect(chain.nextDifficulty(now, 100)).toBe(tip.difficulty * 4n);
  });

  it('eases the difficulty when the tip has waited more than twice the block time', () => {
    const chain = new DemoChain();
    const now = mineBlocks(chain, 5, 30);
    const steady = chain.nextDifficulty(now, 100);
    expect(chain.nextDifficulty(now + 50_000, 100)).toBe(steady);
    expect(chain.nextDifficulty(now + 600_000, 100)).toBeLessThan(steady / 10n);
  });

  it('changes the key seedLag blocks after each epoch starts, to a hash of the epoch block id', () => {
    const chain = new DemoChain({ epochBlocks: 8, seedLag: 2 });
    mineBlocks(chain, 8, 30);
    const epochBlock = chain.tip;
    expect(epochBlock?.height).toBe(8);
    expect(chain.seedFor(9)).toEqual(GENESIS_SEED);
    expect(chain.seedFor(10)).toEqual(keccak_256(epochBlock?.id ?? new Uint8Array()));
    expect(chain.seedFor(17)).toEqual(chain.seedFor(10));
  });

  it('carries on from another chain’s blocks: same templates, same keys, long after the key block', () => {
    const original = new DemoChain({ epochBlocks: 16, seedLag: 4 });
    const now = mineBlocks(original, 40, 30);
    const successor = new DemoChain({ epochBlocks: 16, seedLag: 4, tail: original.blocks });
    expect(successor.tip).toEqual(original.tip);
    expect(successor.template(extra(9), now + 1000, 100)).toEqual(original.template(extra(9), now + 1000, 100));
    expect(successor.seedFor(41)).toEqual(
      keccak_256(original.blocks.find((b) => b.height === 32)?.id ?? new Uint8Array()),
    );
    expect(() => new DemoChain({ tail: original.blocks.slice(0, -3).concat(original.blocks.slice(-1)) })).toThrow(
      /does not link/,
    );
  });

  it('adopts a block found elsewhere only when it extends the tip', () => {
    const a = new DemoChain();
    const b = new DemoChain();
    const job = a.template(extra(1), START_MS, 50);
    const outcome = a.submit(job, 7, WINNING_HASH, finder);
    if (!outcome.accepted) throw new Error(outcome.reason);
    expect(b.adopt(outcome.block)).toBe(true);
    expect(b.adopt(outcome.block)).toBe(false);
    expect(b.tip).toEqual(a.tip);
  });
});

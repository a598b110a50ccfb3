import { describe, expect, it } from 'vitest';
import { blobHex, poolJob, SEED_HEX, seededBytes } from '../../../testing/stratum-jobs.js';
import { withNonce } from '../../blob.js';
import { bytesToHex } from '../../hex.js';
import { meetsDifficulty, meetsShareTarget, parseStratumTarget, readUintLE } from '../../target.js';
import type { PoolJob } from './messages.js';
import { convertPoolJob, difficultyForTarget, MIN_POOL_DIFFICULTY, nonceRangeFor } from './pool-job.js';

const context = { id: 'c1:1:job-1', algorithm: 'rx/0' as const, nicehash: false, now: 1234 };
const TWO_POW_64 = 1n << 64n;

/** A hash whose bytes 24..31 read `high` and whose lower bytes are random. */
function hashWithHigh(high: bigint, random: (n: number) => Uint8Array): Uint8Array {
  const hash = random(32);
  new DataView(hash.buffer).setBigUint64(24, high, true);
  return hash;
}

describe('difficultyForTarget', () => {
  it('turns the targets of the published transcripts into difficulties', () => {
    // b88d0600 is 0x00068db8 as the top 32 bits; 2^64 / (0x68db8 << 32) = 2^32 / 429496 = 10000.017 → 10001.
    expect(difficultyForTarget(parseStratumTarget('b88d0600'))).toBe(10001n);
    // 16 digits LE: 0x0100000000000000 = 2^56, so exactly 2^8.
    expect(difficultyForTarget(parseStratumTarget('0000000000000001'))).toBe(256n);
    expect(difficultyForTarget(1n)).toBe(TWO_POW_64);
    expect(() => difficultyForTarget(0n)).toThrow(RangeError);
    expect(() => difficultyForTarget(TWO_POW_64)).toThrow(RangeError);
  });

  it('makes every hash that meets the difficulty meet the pool target, and loses only hashes just below it', () => {
    const random = seededBytes(2024);
    let metDifficulty = 0;
    let missedDifficulty = 0;
    for (let round = 0; round < 300; round++) {
      const form = round % 2 === 0 ? 8 : 16;
      const targetHex = bytesToHex(random(form / 2));
      let target: bigint;
      try {
        target = parseStratumTarget(targetHex);
      } catch {
        continue; // zero
      }
      const difficulty = difficultyForTarget(target);
      for (let i = 0; i < 40; i++) {
        // h around 2^64 / d, where meeting d starts, and anywhere up to 2T, where meeting T ends.
        const around = TWO_POW_64 / difficulty + readUintLE(random(2)) - 32768n;
        const anywhere = readUintLE(random(8)) % (2n * target);
        let high = i % 2 === 0 ? around : anywhere;
        if (high < 0n) high = 0n;
        if (high >= TWO_POW_64) high = TWO_POW_64 - 1n;
        const hash = hashWithHigh(high, random);
        if (meetsDifficulty(hash, difficulty)) {
          metDifficulty++;
          expect(meetsShareTarget(hash, target), `target ${targetHex}, h ${high}`).toBe(true);
        } else {
          missedDifficulty++;
        }
      }
      // Tightness: any h up to T − T/d − 1 meets d, whatever the lower bytes.
      const safeHigh = target - target / difficulty - 1n;
      if (safeHigh >= 0n) {
        const hash = hashWithHigh(safeHigh, () => new Uint8Array(32).fill(0xff));
        expect(meetsDifficulty(hash, difficulty), `target ${targetHex}`).toBe(true);
      }
    }
    expect(metDifficulty).toBeGreaterThan(1000);
    expect(missedDifficulty).toBeGreaterThan(1000);
  });
});

describe('nonceRangeFor', () => {
  it('is all nonces without nicehash', () => {
    expect(nonceRangeFor(withNonce(new Uint8Array(76), 0xab000000), false)).toBeUndefined();
  });

  it('is the 2^24 nonces under the pool’s top byte with nicehash, unsigned for bytes ≥ 0x80', () => {
    expect(nonceRangeFor(withNonce(new Uint8Array(76), 0xab000000), true)).toEqual({
      start: 0xab000000,
      count: 2 ** 24,
    });
    expect(nonceRangeFor(withNonce(new Uint8Array(76), 0x05000000), true)).toEqual({
      start: 0x05000000,
      count: 2 ** 24,
    });
    expect(nonceRangeFor(new Uint8Array(76), true)).toEqual({ start: 0, count: 2 ** 24 });
  });
});

describe('convertPoolJob', () => {
  it('makes a Job with the pool’s blob, seed, height and the difficulty of its target', () => {
    const converted = convertPoolJob(poolJob(), context);
    if (!converted.ok) throw new Error(converted.error);
    const { job, target, poolJobId } = converted;
    expect(job.id).toBe('c1:1:job-1');
    expect(job.source).toBe('stratum');
    expect(job.height).toBe(3_000_000);
    expect(bytesToHex(job.seedHash)).toBe(SEED_HEX);
    expect(bytesToHex(job.blob)).toBe(blobHex());
    expect(job.difficulty).toBe(difficultyForTarget(target));
    expect(target).toBe(parseStratumTarget('b88d0600'));
    expect(job.createdAt).toBe(1234);
    expect(job.nonceRange).toBeUndefined();
    expect(poolJobId).toBe('job-1');
  });

  it('uses height 0 when the pool sends none, and accepts a job without algo', () => {
    const { height: _height, algo: _algo, ...bare } = poolJob();
    const converted = convertPoolJob(bare, context);
    expect(converted.ok && converted.job.height).toBe(0);
  });

  it('gives a nicehash job the range of the pool’s byte, announced or written into the blob', () => {
    const blob = `${blobHex().slice(0, 84)}c3${blobHex().slice(86)}`;
    const written = convertPoolJob(poolJob({ blob }), context);
    expect(written.ok && written.job.nonceRange).toEqual({ start: 0xc3000000, count: 2 ** 24 });
    const announced = convertPoolJob(poolJob(), { ...context, nicehash: true });
    expect(announced.ok && announced.job.nonceRange).toEqual({ start: 0, count: 2 ** 24 });
  });

  it('takes next_seed_hash as the next key when it is 64 hex digits, and mines the job without it otherwise', () => {
    const hinted = convertPoolJob(poolJob({ next_seed_hash: 'CD'.repeat(32) }), context);
    expect(hinted.ok && hinted.job.nextSeedHash).toEqual(new Uint8Array(32).fill(0xcd));
    const unhinted = [
      poolJob(),
      ...['', 'cd'.repeat(31), 'zz'.repeat(32)].map((hint) => poolJob({ next_seed_hash: hint })),
    ];
    for (const job of unhinted) {
      const converted = convertPoolJob(job, context);
      if (!converted.ok) throw new Error(converted.error);
      expect('nextSeedHash' in converted.job).toBe(false);
      expect(bytesToHex(converted.job.seedHash)).toBe(SEED_HEX);
    }
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['a blob under 43 bytes', { blob: blobHex(7, 42) }, /42-byte blob.*needs 43/],
    ['a blob over 512 bytes', { blob: blobHex(7, 513) }, /513-byte blob/],
    ['a blob of odd length', { blob: `${blobHex()}0` }, /not hex bytes/],
    ['a blob that is not hex', { blob: blobHex().replace('07', 'zz') }, /not hex bytes/],
    ['no seed hash', { seed_hash: undefined }, /no seed_hash/],
    ['a short seed hash', { seed_hash: 'ab'.repeat(31) }, /seed_hash that is not 64 hex/],
    ['a zero target', { target: '00000000' }, /which no hash can meet/],
    ['a zero 64-bit target', { target: '0000000000000000' }, /which no hash can meet/],
    ['a target of 12 digits', { target: 'b88d0600ffff' }, /8 or 16 hex digits/],
    ['a target that is not hex', { target: 'b88d06zz' }, /8 or 16 hex digits/],
    ['an empty target', { target: '' }, /8 or 16 hex digits/],
    ['a target easier than the bound', { target: 'ffffffff' }, /easier than the least accepted/],
    ['another algorithm', { algo: 'cn/r' }, /"cn\/r", which rxmesh does not mine/],
    ['another RandomX variant', { algo: 'rx/wow' }, /"rx\/wow"; rxmesh asked for rx\/0/],
  ];
  for (const [what, overrides, message] of refusals) {
    it(`refuses ${what} with a sentence naming the job`, () => {
      // An override of undefined removes the field.
      const fields = Object.entries({ ...poolJob(), ...overrides }).filter(([, value]) => value !== undefined);
      const job = Object.fromEntries(fields) as PoolJob;
      const converted = convertPoolJob(job, context);
      expect(converted.ok).toBe(false);
      if (!converted.ok) {
        expect(converted.error).toMatch(/^job "job-1" /);
        expect(converted.error).toMatch(message);
      }
    });
  }

  it('accepts the easiest target the bound allows', () => {
    // 2^64 / 100 rounded down still gives difficulty 100 (rounded up: 100.0000…→ 101 only if it does not divide).
    const target = TWO_POW_64 / MIN_POOL_DIFFICULTY;
    const hex = bytesToHex(new Uint8Array(new BigUint64Array([target]).buffer));
    const converted = convertPoolJob(poolJob({ target: hex }), context);
    expect(converted.ok && converted.job.difficulty).toBe(difficultyForTarget(target));
    expect(converted.ok && converted.job.difficulty >= MIN_POOL_DIFFICULTY).toBe(true);
  });
});

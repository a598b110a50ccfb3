import { describe, expect, it } from 'vitest';
import { meetsDifficulty, meetsShareTarget, parseStratumTarget, readUintLE, targetForDifficulty } from './target.js';

/** A 32-byte little-endian encoding of `value`. */
function hashOf(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

describe('readUintLE', () => {
  it('reads the first byte as the least significant', () => {
    expect(readUintLE(Uint8Array.of(0x01, 0x02))).toBe(0x0201n);
    expect(readUintLE(hashOf((1n << 255n) + 7n))).toBe((1n << 255n) + 7n);
  });
});

describe('meetsDifficulty', () => {
  it('accepts every hash at difficulty 1', () => {
    expect(meetsDifficulty(hashOf((1n << 256n) - 1n), 1n)).toBe(true);
  });

  it('draws the line exactly where H × difficulty reaches 2^256', () => {
    for (const difficulty of [2n, 3n, 1000n, 123_456_789n, (1n << 64n) + 5n]) {
      const largestValid = ((1n << 256n) - 1n) / difficulty;
      expect(meetsDifficulty(hashOf(largestValid), difficulty)).toBe(true);
      expect(meetsDifficulty(hashOf(largestValid + 1n), difficulty)).toBe(false);
    }
  });

  it('reads the hash little-endian: a high last byte fails, a high first byte passes', () => {
    const highLast = new Uint8Array(32);
    highLast[31] = 0xff;
    const highFirst = new Uint8Array(32);
    highFirst[0] = 0xff;
    expect(meetsDifficulty(highLast, 1000n)).toBe(false);
    expect(meetsDifficulty(highFirst, 1000n)).toBe(true);
  });

  it('refuses malformed input with a clear message', () => {
    expect(() => meetsDifficulty(new Uint8Array(31), 1n)).toThrow(/32 bytes/);
    expect(() => meetsDifficulty(new Uint8Array(32), 0n)).toThrow(/at least 1/);
  });
});

describe('parseStratumTarget', () => {
  it('reads 16 hex digits as a little-endian uint64', () => {
    expect(parseStratumTarget('0100000000000000')).toBe(1n);
    expect(parseStratumTarget('ffffffffffffff00')).toBe(0x00ff_ffff_ffff_ffffn);
  });

  it('reads 8 hex digits as the top 32 bits', () => {
    expect(parseStratumTarget('b88d0600')).toBe(0x00068db8n << 32n);
  });

  it('refuses other lengths, non-hex and zero', () => {
    for (const bad of ['', 'abc', '0000000', '000000000', 'zzzzzzzz', '00000000']) {
      expect(() => parseStratumTarget(bad), bad).toThrow(RangeError);
    }
  });
});

describe('meetsShareTarget', () => {
  it('compares hash bytes 24..31 as a uint64 LE against the target', () => {
    const target = parseStratumTarget('b88d0600');
    const justBelow = hashOf((target - 1n) << 192n);
    const atTarget = hashOf(target << 192n);
    expect(meetsShareTarget(justBelow, target)).toBe(true);
    expect(meetsShareTarget(atTarget, target)).toBe(false);
  });

  it('ignores the low 24 bytes', () => {
    const lowBytesFull = hashOf((1n << 192n) - 1n);
    expect(meetsShareTarget(lowBytesFull, 1n)).toBe(true);
  });

  it('agrees with meetsDifficulty on the top 64 bits for the matching target', () => {
    const difficulty = 5000n;
    const target = targetForDifficulty(difficulty);
    const valid = hashOf((target - 1n) << 192n);
    expect(meetsShareTarget(valid, target)).toBe(true);
    expect(meetsDifficulty(valid, difficulty)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { readSmallVarint, readVarint, writeVarint } from './varint.js';

describe('varint', () => {
  it('writes 7 bits per byte, low group first, with the high bit on every byte but the last', () => {
    expect([...writeVarint(0)]).toEqual([0x00]);
    expect([...writeVarint(0x7f)]).toEqual([0x7f]);
    expect([...writeVarint(0x80)]).toEqual([0x80, 0x01]);
    expect([...writeVarint(300)]).toEqual([0xac, 0x02]);
    expect(writeVarint((1n << 64n) - 1n)).toHaveLength(10);
  });

  it('reads back what it writes, and where the next field starts', () => {
    for (const value of [0n, 1n, 127n, 128n, 16_383n, 16_384n, 1_795_574_392n, (1n << 63n) + 5n, (1n << 64n) - 1n]) {
      const bytes = new Uint8Array([0xee, ...writeVarint(value), 0xee]);
      expect(readVarint(bytes, 1)).toEqual({ value, next: bytes.length - 1 });
    }
  });

  it('refuses truncated, overlong, non-canonical and oversized encodings', () => {
    expect(() => readVarint(Uint8Array.of(0x80, 0x80), 0)).toThrow(/runs past the end/);
    expect(() => readVarint(new Uint8Array(11).fill(0x80), 0)).toThrow(/longer than 10 bytes/);
    expect(() => readVarint(Uint8Array.of(0x81, 0x00), 0)).toThrow(/shortest form/);
    expect(() => readVarint(Uint8Array.of(...new Array(9).fill(0xff), 0x02), 0)).toThrow(/larger than 64 bits/);
    expect(() => writeVarint(-1)).toThrow(/uint64/);
    expect(() => writeVarint(1n << 64n)).toThrow(/uint64/);
  });

  it('gives small values as numbers and refuses ones a number cannot hold exactly', () => {
    expect(readSmallVarint(writeVarint(300), 0)).toEqual({ value: 300, next: 2 });
    expect(() => readSmallVarint(writeVarint(1n << 60n), 0)).toThrow(/too large/);
  });
});

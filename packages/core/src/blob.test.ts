import { describe, expect, it } from 'vitest';
import { NONCE_OFFSET, readNonce, withNonce } from './blob.js';
import { bytesToHex, hexToBytes } from './hex.js';

describe('nonce in a hashing blob', () => {
  it('writes a uint32 little-endian at offset 39 and leaves every other byte alone', () => {
    const blob = new Uint8Array(76).fill(0xaa);
    const stamped = withNonce(blob, 0x12345678);
    expect(Array.from(stamped.subarray(NONCE_OFFSET, NONCE_OFFSET + 4))).toEqual([0x78, 0x56, 0x34, 0x12]);
    expect(stamped.filter((byte) => byte === 0xaa).length).toBe(72);
    expect(readNonce(stamped)).toBe(0x12345678);
    expect(blob[NONCE_OFFSET]).toBe(0xaa);
  });

  it('stamps a copy of a Node Buffer (whose slice() is a view into a shared pool), never the pool', () => {
    const pool = Buffer.alloc(200, 0x55);
    const blob = pool.subarray(100, 176);
    const stamped = withNonce(blob, 0x01020304);
    expect(readNonce(stamped)).toBe(0x01020304);
    expect(stamped).toHaveLength(76);
    expect(stamped.filter((byte) => byte === 0x55).length).toBe(72);
    expect(pool.every((byte) => byte === 0x55)).toBe(true);
  });

  it('refuses a blob too short to hold a nonce, and a nonce outside uint32', () => {
    expect(() => withNonce(new Uint8Array(42), 1)).toThrow(/at least 43 bytes/);
    expect(() => withNonce(new Uint8Array(76), 2 ** 32)).toThrow(/uint32/);
    expect(() => withNonce(new Uint8Array(76), -1)).toThrow(/uint32/);
  });
});

describe('hex', () => {
  it('round-trips bytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(hexToBytes(bytesToHex(bytes))).toEqual(bytes);
    expect(hexToBytes('ABcd')).toEqual(Uint8Array.of(0xab, 0xcd));
  });

  it('refuses odd lengths and non-hex digits', () => {
    expect(() => hexToBytes('abc')).toThrow(/even number of hex digits/);
    expect(() => hexToBytes('zz')).toThrow(/even number of hex digits/);
  });
});

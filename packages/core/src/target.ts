// Difficulty and target math for blocks and shares (see DESIGN.md, "Share and job math").
import { hexToBytes } from './hex.js';

const TWO_POW_256 = 1n << 256n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** Reads `bytes` as an unsigned little-endian integer. */
export function readUintLE(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

function requireHash(hash: Uint8Array): void {
  if (hash.length !== 32) throw new RangeError(`A RandomX hash has 32 bytes, got ${hash.length}.`);
}

/** Block check: the hash as a 256-bit little-endian integer H is valid iff H × difficulty < 2^256. */
export function meetsDifficulty(hash: Uint8Array, difficulty: bigint): boolean {
  requireHash(hash);
  if (difficulty < 1n) throw new RangeError(`Difficulty must be at least 1, got ${difficulty}.`);
  return readUintLE(hash) * difficulty < TWO_POW_256;
}

/**
 * Parses a Stratum share target: 8 hex digits are the top 32 bits of a 64-bit target, 16 hex digits are the
 * whole 64-bit target; both little-endian. A 32-bit target becomes `t << 32`, which never accepts a share
 * that the pool's own rounding would refuse.
 */
export function parseStratumTarget(hex: string): bigint {
  if (!/^(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{16})$/.test(hex)) {
    throw new RangeError(`A Stratum target has 8 or 16 hex digits, got ${JSON.stringify(hex)}.`);
  }
  const value = readUintLE(hexToBytes(hex));
  const target = hex.length === 8 ? value << 32n : value;
  if (target === 0n) throw new RangeError('A Stratum target of zero can never be met.');
  return target;
}

/** Share check: hash bytes 24..31 as a uint64 LE must be below the 64-bit target. */
export function meetsShareTarget(hash: Uint8Array, target: bigint): boolean {
  requireHash(hash);
  return readUintLE(hash.subarray(24, 32)) < target;
}

/** The 64-bit share target that a share of `difficulty` must be below. */
export function targetForDifficulty(difficulty: bigint): bigint {
  if (difficulty < 1n) throw new RangeError(`Difficulty must be at least 1, got ${difficulty}.`);
  return MAX_UINT64 / difficulty;
}

/**
 * The Stratum target a rig is sent for `difficulty`, as xmrig reads it: 8 hex digits (the 32-bit form, whose 64-bit
 * reading never exceeds targetForDifficulty) below 2^32, else 16. Shares are checked against targetForDifficulty,
 * which accepts everything a rig that honours either form submits, and nothing below the difficulty.
 */
export function formatStratumTarget(difficulty: bigint): string {
  if (difficulty < 1n) throw new RangeError(`Difficulty must be at least 1, got ${difficulty}.`);
  const wide = difficulty >= 1n << 32n;
  const value = wide ? MAX_UINT64 / difficulty : 0xffff_ffffn / difficulty;
  const bytes = wide ? 8 : 4;
  let hex = '';
  for (let index = 0; index < bytes; index++)
    hex += ((value >> BigInt(8 * index)) & 0xffn).toString(16).padStart(2, '0');
  return hex;
}

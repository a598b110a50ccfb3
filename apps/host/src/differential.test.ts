// The WebAssembly engine against Debian's librandomx on 2000 random (key, input) pairs over 40 keys. Both engines
// run in this process, each on threads of its own: the native engine (light mode, as `rxmesh hash --impl native`
// opens it) on one, and two WebAssembly engines (as a host opens them: 4 waiting hashes go together, on lanes),
// which take the keys between them, on the others, so that both cores work until the slower side is done.
// `rxmesh hash --jsonl` over either engine is tested in cli-hash.test.ts.
import { bytesToHex, hexToBytes, type MiningEngine } from '@rxmesh/core';
import { NativeEngine } from '@rxmesh/native';
import { describe, expect, it } from 'vitest';
import { createWasmEngine } from './engines.js';

const KEYS = 40;
const INPUTS_PER_KEY = 50;

/** A seeded generator, so a failure can be reproduced. */
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

function randomHex(random: () => number, length: number): string {
  let hex = '';
  for (let i = 0; i < length; i++)
    hex += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  return hex;
}

/** One key's inputs; pair number `firstPair + i` is (key, inputs[i]). */
interface KeyGroup {
  key: Uint8Array;
  inputs: Uint8Array[];
  firstPair: number;
}

function pairs(seed: number): KeyGroup[] {
  const random = pseudoRandom(seed);
  const groups: KeyGroup[] = [];
  for (let k = 0; k < KEYS; k++) {
    // Keys of 0..256 bytes: the ends, the 60/61/64-byte edges, and random lengths between.
    const keyLength = [0, 1, 60, 61, 64, 256][k] ?? Math.floor(random() * 257);
    const key = hexToBytes(randomHex(random, keyLength));
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < INPUTS_PER_KEY; i++) {
      const inputLength = i % 5 === 0 ? 76 : i === 1 ? 0 : i === 2 ? 2000 : Math.floor(random() * 2001);
      inputs.push(hexToBytes(randomHex(random, inputLength)));
    }
    groups.push({ key, inputs, firstPair: k * INPUTS_PER_KEY });
  }
  return groups;
}

/** Waits for every promise to settle, then throws the first failure: no engine is busy when it reaches release(). */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  for (const outcome of await Promise.allSettled(promises)) if (outcome.status === 'rejected') throw outcome.reason;
}

/**
 * Every pair's hash in hex, in pair order; each engine takes the next key as soon as it is done with one, and has
 * `inFlight` hashes asked for at a time (the WebAssembly engine hashes those that wait together, on lanes).
 */
async function hashEveryPair(engines: MiningEngine[], groups: KeyGroup[], inFlight: number): Promise<string[]> {
  const hashes: string[] = [];
  let nextGroup = 0;
  await settleAll(
    engines.map(async (engine) => {
      for (let group = groups[nextGroup++]; group !== undefined; group = groups[nextGroup++]) {
        await engine.setKey(group.key);
        for (let first = 0; first < group.inputs.length; first += inFlight) {
          const inputs = group.inputs.slice(first, first + inFlight);
          const hashed = await Promise.all(inputs.map((input) => engine.hash(input)));
          for (const [i, hash] of hashed.entries()) hashes[group.firstPair + first + i] = bytesToHex(hash);
        }
      }
    }),
  );
  return hashes;
}

describe('WebAssembly engine against librandomx', () => {
  it(`agrees on ${KEYS * INPUTS_PER_KEY} random pairs over ${KEYS} keys`, { timeout: 1_500_000 }, async () => {
    const seed = 20261124;
    const groups = pairs(seed);
    const native = NativeEngine.create({ mode: 'light', threads: 1 });
    const wasm = await Promise.all([createWasmEngine(1), createWasmEngine(1)]);
    try {
      const sides = [hashEveryPair(wasm, groups, 4), hashEveryPair([native], groups, 1)] as const;
      await settleAll(sides);
      const [ours, theirs] = await Promise.all(sides);
      expect(theirs).toHaveLength(KEYS * INPUTS_PER_KEY);
      const mismatches = ours.flatMap((hash, i) => (hash === theirs[i] ? [] : [i]));
      expect(mismatches.slice(0, 5), `seed ${seed}: first mismatching pairs`).toEqual([]);
      expect(ours).toHaveLength(theirs.length);
    } finally {
      for (const engine of [native, ...wasm]) engine.release();
    }
  });
});

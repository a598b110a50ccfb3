// The WebAssembly engine against Debian's librandomx on 2000 random (key, input) pairs over 40 keys, through
// the `rxmesh hash --jsonl` contract: both engines run at once in their own processes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/rxmesh.js', import.meta.url));
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

function pairs(seed: number): string[] {
  const random = pseudoRandom(seed);
  const lines: string[] = [];
  for (let k = 0; k < KEYS; k++) {
    // Keys of 0..256 bytes: the ends, the 60/61/64-byte edges, and random lengths between.
    const keyLength = [0, 1, 60, 61, 64, 256][k] ?? Math.floor(random() * 257);
    const key = randomHex(random, keyLength);
    for (let i = 0; i < INPUTS_PER_KEY; i++) {
      const inputLength = i % 5 === 0 ? 76 : i === 1 ? 0 : i === 2 ? 2000 : Math.floor(random() * 2001);
      lines.push(JSON.stringify({ key, input: randomHex(random, inputLength) }));
    }
  }
  return lines;
}

function hashLines(impl: 'wasm' | 'native', input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'hash', '--impl', impl, '--jsonl', '-'], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(stdout.trim().split('\n'));
      else reject(new Error(`rxmesh hash --impl ${impl} exited with ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}

describe('WebAssembly engine against librandomx', () => {
  it(`agrees on ${KEYS * INPUTS_PER_KEY} random pairs over ${KEYS} keys`, { timeout: 1_500_000 }, async () => {
    const seed = 20261124;
    const input = `${pairs(seed).join('\n')}\n`;
    const [ours, theirs] = await Promise.all([hashLines('wasm', input), hashLines('native', input)]);
    expect(theirs).toHaveLength(KEYS * INPUTS_PER_KEY);
    const mismatches = ours.flatMap((line, i) => (line === theirs[i] ? [] : [i]));
    expect(mismatches.slice(0, 5), `seed ${seed}: first mismatching lines`).toEqual([]);
    expect(ours).toHaveLength(theirs.length);
  });
});

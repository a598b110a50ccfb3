import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { treeHash } from './tree-hash.js';

const leaves = Array.from({ length: 9 }, (_, i) => keccak_256(Uint8Array.of(i)));
const h = (i: number) => leaves[i] as Uint8Array;
const pair = (left: Uint8Array, right: Uint8Array) => keccak_256(new Uint8Array([...left, ...right]));

// Each shape written out by hand: the bottom level pairs only the last hashes, so the level above it holds a power
// of two of nodes.
const shapes: Record<number, () => Uint8Array> = {
  1: () => h(0),
  2: () => pair(h(0), h(1)),
  3: () => pair(h(0), pair(h(1), h(2))),
  4: () => pair(pair(h(0), h(1)), pair(h(2), h(3))),
  5: () => pair(pair(h(0), h(1)), pair(h(2), pair(h(3), h(4)))),
  6: () => pair(pair(h(0), h(1)), pair(pair(h(2), h(3)), pair(h(4), h(5)))),
  7: () => pair(pair(h(0), pair(h(1), h(2))), pair(pair(h(3), h(4)), pair(h(5), h(6)))),
  8: () => pair(pair(pair(h(0), h(1)), pair(h(2), h(3))), pair(pair(h(4), h(5)), pair(h(6), h(7)))),
  9: () => pair(pair(pair(h(0), h(1)), pair(h(2), h(3))), pair(pair(h(4), h(5)), pair(h(6), pair(h(7), h(8))))),
};

describe('treeHash', () => {
  for (const [count, shape] of Object.entries(shapes)) {
    it(`has Monero's shape for ${count} hashes`, () => {
      expect(treeHash(leaves.slice(0, Number(count)))).toEqual(shape());
    });
  }

  it('depends on the order of the hashes', () => {
    expect(treeHash([h(1), h(0), h(2)])).not.toEqual(treeHash([h(0), h(1), h(2)]));
  });

  it('returns a copy for one hash, never the caller’s array', () => {
    const root = treeHash([h(0)]);
    root.fill(0);
    expect(h(0)).not.toEqual(root);
  });

  it('refuses no hashes and hashes that are not 32 bytes', () => {
    expect(() => treeHash([])).toThrow(/at least one/);
    expect(() => treeHash([h(0), new Uint8Array(31)])).toThrow(/32 bytes/);
  });
});

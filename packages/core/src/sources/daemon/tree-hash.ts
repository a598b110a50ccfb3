// Monero's tree hash: the Merkle root over a block's transaction hashes, the miner transaction first. When the
// count is not a power of two, only the last hashes are paired on the bottom level, so that the level above holds
// a power of two of nodes.
import { keccak_256 } from '@noble/hashes/sha3.js';

function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const joined = new Uint8Array(64);
  joined.set(left, 0);
  joined.set(right, 32);
  return keccak_256(joined);
}

export function treeHash(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('A tree hash needs at least one hash (the miner transaction).');
  for (const hash of hashes) {
    if (hash.length !== 32) throw new RangeError(`A transaction hash has 32 bytes, got ${hash.length}.`);
  }
  if (hashes.length === 1) return new Uint8Array(hashes[0] as Uint8Array);
  // The largest power of two below the count: the width of the level above the bottom one.
  let width = 1;
  while (width * 2 < hashes.length) width *= 2;
  const unpaired = 2 * width - hashes.length;
  let level: Uint8Array[] = hashes.slice(0, unpaired);
  for (let i = unpaired; i < hashes.length; i += 2) {
    level.push(hashPair(hashes[i] as Uint8Array, hashes[i + 1] as Uint8Array));
  }
  while (level.length > 1) {
    const above: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) above.push(hashPair(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    level = above;
  }
  return level[0] as Uint8Array;
}

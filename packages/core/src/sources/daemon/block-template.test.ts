import { keccak_256 } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import { NONCE_OFFSET } from '../../blob.js';
import { blockId, hashingBlob, minerTxHash, parseBlockTemplate, withExtraNonce } from './block-template.js';
import { treeHash } from './tree-hash.js';
import { writeVarint } from './varint.js';

const concat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((part) => [...part]));
const filled = (length: number, byte: number) => new Uint8Array(length).fill(byte);

// A template assembled field by field, the way monerod lays one out (a version 2 coinbase with a tagged output).
const header = concat(writeVarint(16), writeVarint(16), writeVarint(1_795_574_392), filled(32, 0xaa), [1, 2, 3, 4]);
const prefix = concat(
  writeVarint(2), // version
  writeVarint(61), // unlock time
  [1, 0xff], // one coinbase input
  writeVarint(1), // its height
  [2], // two outputs
  writeVarint(35_184_338_534_400n),
  [0x03],
  filled(32, 0x11),
  [0x7b], // tagged key and its view tag
  writeVarint(5),
  [0x02],
  filled(32, 0x22), // untagged key
  writeVarint(43),
  [0x01],
  filled(32, 0x33),
  [0x02, 0x08],
  filled(8, 0), // extra: public key, then an 8-byte extra nonce
);
const rctBase = Uint8Array.of(0x00);
const txHashes = [filled(32, 0x44), filled(32, 0x55)];
const blob = concat(header, prefix, rctBase, writeVarint(txHashes.length), ...txHashes);
const reservedOffset = header.length + prefix.length - 8;

describe('parseBlockTemplate', () => {
  it('reads the header, the miner transaction’s parts and the transaction hashes', () => {
    const template = parseBlockTemplate(blob);
    expect(template).toMatchObject({ majorVersion: 16, minorVersion: 16, timestamp: 1_795_574_392 });
    expect(template.prevId).toEqual(filled(32, 0xaa));
    expect(template.headerEnd).toBe(NONCE_OFFSET + 4);
    expect(template.minerTx).toEqual({
      version: 2,
      start: header.length,
      prefixEnd: header.length + prefix.length,
      end: header.length + prefix.length + 1,
      extraStart: header.length + prefix.length - 43,
      extraEnd: header.length + prefix.length,
    });
    expect(template.txHashes).toEqual(txHashes);
  });

  it('refuses templates it cannot read, with the reason', () => {
    expect(() => parseBlockTemplate(blob.subarray(0, 60))).toThrow(/ends at byte 60/);
    expect(() => parseBlockTemplate(concat(blob, [0]))).toThrow(/1 bytes after its last field/);
    const shortTimestamp = concat(writeVarint(16), writeVarint(16), writeVarint(5), blob.subarray(7));
    expect(() => parseBlockTemplate(shortTimestamp)).toThrow(/nonce at byte 35/);
    const withRingct = new Uint8Array(blob);
    withRingct[header.length + prefix.length] = 5;
    expect(() => parseBlockTemplate(withRingct)).toThrow(/RingCT type 0/);
    const unknownOutput = new Uint8Array(blob);
    unknownOutput[header.length + 1 + 1 + 2 + 1 + 1 + 7] = 0x09;
    expect(() => parseBlockTemplate(unknownOutput)).toThrow(/unknown type 0x9/);
  });
});

describe('withExtraNonce', () => {
  it('writes the extra nonce into the reserved bytes and changes nothing else', () => {
    const template = parseBlockTemplate(blob);
    const extraNonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const changed = withExtraNonce(template, reservedOffset, extraNonce);
    expect(changed.blob.subarray(reservedOffset, reservedOffset + 8)).toEqual(extraNonce);
    expect(concat(changed.blob.subarray(0, reservedOffset), changed.blob.subarray(reservedOffset + 8))).toEqual(
      concat(blob.subarray(0, reservedOffset), blob.subarray(reservedOffset + 8)),
    );
    expect(template.blob).toEqual(blob);
    expect(minerTxHash(changed)).not.toEqual(minerTxHash(template));
  });

  it('refuses an extra nonce outside the miner transaction’s extra', () => {
    const template = parseBlockTemplate(blob);
    expect(() => withExtraNonce(template, reservedOffset + 1, new Uint8Array(8))).toThrow(/larger reserve_size/);
    expect(() => withExtraNonce(template, 10, new Uint8Array(8))).toThrow(/does not fit/);
  });
});

describe('hashingBlob and blockId', () => {
  it('hash a version 2 miner transaction as prefix, RingCT base and a zero prunable hash', () => {
    const template = parseBlockTemplate(blob);
    const expected = keccak_256(concat(keccak_256(prefix), keccak_256(rctBase), new Uint8Array(32)));
    expect(minerTxHash(template)).toEqual(expected);
  });

  it('hash a version 1 miner transaction whole', () => {
    const v1Prefix = concat(writeVarint(1), prefix.subarray(1));
    const v1Blob = concat(header, v1Prefix, writeVarint(0));
    expect(minerTxHash(parseBlockTemplate(v1Blob))).toEqual(keccak_256(v1Prefix));
  });

  it('build the hashing blob from the header, the tree hash and the transaction count', () => {
    const template = parseBlockTemplate(blob);
    const root = treeHash([minerTxHash(template), ...txHashes]);
    expect(hashingBlob(template)).toEqual(concat(header, root, [3]));
  });

  it('take the block id as the hash of the length-prefixed hashing blob', () => {
    const hashing = hashingBlob(parseBlockTemplate(blob));
    expect(blockId(hashing)).toEqual(keccak_256(concat([hashing.length], hashing)));
  });
});

// A monerod block template (`blocktemplate_blob`): the header, the miner transaction (a coinbase of version 1 or 2)
// and the hashes of the other transactions. From it come the hashing blob that miners hash and the block id.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { NONCE_OFFSET } from '../../blob.js';
import { treeHash } from './tree-hash.js';
import { readSmallVarint, readVarint, writeVarint } from './varint.js';

const HASH_BYTES = 32;
const NONCE_BYTES = 4;
const GEN_INPUT_TAG = 0xff;
const OUTPUT_TO_KEY_TAG = 0x02;
/** An output key followed by its one-byte view tag (since protocol version 15). */
const OUTPUT_TO_TAGGED_KEY_TAG = 0x03;
/** RingCT type 0: no RingCT data, as in every coinbase of version 2. */
const RCT_TYPE_NULL = 0x00;

export interface MinerTransaction {
  version: number;
  /** Offsets into the template: the transaction, its prefix (everything before the RingCT part) and its extra. */
  start: number;
  prefixEnd: number;
  end: number;
  extraStart: number;
  extraEnd: number;
}

export interface BlockTemplate {
  /** The whole template; the codec never changes it in place. */
  blob: Uint8Array;
  majorVersion: number;
  minorVersion: number;
  /** Seconds, as the header carries it. */
  timestamp: number;
  prevId: Uint8Array;
  /** The offset just past the nonce, where the header ends. */
  headerEnd: number;
  minerTx: MinerTransaction;
  txHashes: Uint8Array[];
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  varint(): bigint {
    const { value, next } = readVarint(this.bytes, this.offset);
    this.offset = next;
    return value;
  }

  small(): number {
    const { value, next } = readSmallVarint(this.bytes, this.offset);
    this.offset = next;
    return value;
  }

  byte(): number {
    return this.take(1)[0] as number;
  }

  take(count: number): Uint8Array {
    if (this.offset + count > this.bytes.length) {
      throw new RangeError(`The block template ends at byte ${this.bytes.length}, inside a field at ${this.offset}.`);
    }
    const part = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return part;
  }
}

export function parseBlockTemplate(blob: Uint8Array): BlockTemplate {
  const bytes = new Uint8Array(blob);
  const reader = new Reader(bytes);
  const majorVersion = reader.small();
  const minorVersion = reader.small();
  const timestamp = reader.small();
  const prevId = new Uint8Array(reader.take(HASH_BYTES));
  if (reader.offset !== NONCE_OFFSET) {
    throw new RangeError(
      `This block template puts its nonce at byte ${reader.offset}, but miners write it at byte ${NONCE_OFFSET}.`,
    );
  }
  reader.take(NONCE_BYTES);
  const headerEnd = reader.offset;
  const minerTx = readMinerTransaction(reader);
  const txCount = reader.small();
  const txHashes: Uint8Array[] = [];
  for (let i = 0; i < txCount; i++) txHashes.push(new Uint8Array(reader.take(HASH_BYTES)));
  if (reader.offset !== bytes.length) {
    throw new RangeError(`The block template has ${bytes.length - reader.offset} bytes after its last field.`);
  }
  return { blob: bytes, majorVersion, minorVersion, timestamp, prevId, headerEnd, minerTx, txHashes };
}

function readMinerTransaction(reader: Reader): MinerTransaction {
  const start = reader.offset;
  const version = reader.small();
  if (version !== 1 && version !== 2) {
    throw new RangeError(`The miner transaction has version ${version}; only versions 1 and 2 are known.`);
  }
  reader.varint(); // unlock time
  const inputs = reader.small();
  if (inputs !== 1 || reader.byte() !== GEN_INPUT_TAG) {
    throw new RangeError('The miner transaction must have exactly one input, a coinbase (gen) input.');
  }
  reader.varint(); // height
  const outputs = reader.small();
  for (let i = 0; i < outputs; i++) {
    reader.varint(); // amount
    const tag = reader.byte();
    if (tag === OUTPUT_TO_KEY_TAG) reader.take(HASH_BYTES);
    else if (tag === OUTPUT_TO_TAGGED_KEY_TAG) reader.take(HASH_BYTES + 1);
    else throw new RangeError(`The miner transaction has an output of unknown type 0x${tag.toString(16)}.`);
  }
  const extraLength = reader.small();
  const extraStart = reader.offset;
  reader.take(extraLength);
  const extraEnd = reader.offset;
  const prefixEnd = reader.offset;
  if (version === 2 && reader.byte() !== RCT_TYPE_NULL) {
    throw new RangeError('The miner transaction of version 2 must have RingCT type 0 (no RingCT data).');
  }
  return { version, start, prefixEnd, end: reader.offset, extraStart, extraEnd };
}

/**
 * Returns the template with `extraNonce` written at `reservedOffset`, the space monerod set aside in the miner
 * transaction's extra when asked for a `reserve_size`.
 */
export function withExtraNonce(template: BlockTemplate, reservedOffset: number, extraNonce: Uint8Array): BlockTemplate {
  const { extraStart, extraEnd } = template.minerTx;
  if (
    !Number.isInteger(reservedOffset) ||
    reservedOffset < extraStart ||
    reservedOffset + extraNonce.length > extraEnd
  ) {
    throw new RangeError(
      `An extra nonce of ${extraNonce.length} bytes at offset ${reservedOffset} does not fit the miner ` +
        `transaction's extra (bytes ${extraStart} to ${extraEnd}); ask monerod for a larger reserve_size.`,
    );
  }
  const blob = new Uint8Array(template.blob);
  blob.set(extraNonce, reservedOffset);
  return { ...template, blob };
}

/** The transaction hash of the miner transaction, as the tree hash takes it. */
export function minerTxHash(template: BlockTemplate): Uint8Array {
  const { version, start, prefixEnd, end } = template.minerTx;
  const transaction = template.blob.subarray(start, end);
  if (version === 1) return keccak_256(transaction);
  // Version 2: the hash of three hashes: the prefix, the RingCT base part, and the prunable part, which a
  // transaction of RingCT type 0 does not have (32 zero bytes stand for it).
  const parts = new Uint8Array(3 * HASH_BYTES);
  parts.set(keccak_256(template.blob.subarray(start, prefixEnd)), 0);
  parts.set(keccak_256(template.blob.subarray(prefixEnd, end)), HASH_BYTES);
  return keccak_256(parts);
}

/** What miners hash: the header (with its nonce), the tree hash of every transaction, and their count. */
export function hashingBlob(template: BlockTemplate): Uint8Array {
  const root = treeHash([minerTxHash(template), ...template.txHashes]);
  const count = writeVarint(1 + template.txHashes.length);
  const blob = new Uint8Array(template.headerEnd + HASH_BYTES + count.length);
  blob.set(template.blob.subarray(0, template.headerEnd), 0);
  blob.set(root, template.headerEnd);
  blob.set(count, template.headerEnd + HASH_BYTES);
  return blob;
}

/** The block id: Keccak-256 of the hashing blob preceded by its length as a varint. */
export function blockId(hashingBlobWithNonce: Uint8Array): Uint8Array {
  const length = writeVarint(hashingBlobWithNonce.length);
  const data = new Uint8Array(length.length + hashingBlobWithNonce.length);
  data.set(length, 0);
  data.set(hashingBlobWithNonce, length.length);
  return keccak_256(data);
}

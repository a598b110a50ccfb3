// Shared by the daemon tests: get_block_template replies laid out as monerod lays them out (a version 2 coinbase
// with one tagged output and a reserve in its extra), without a daemon.
import { bytesToHex } from '../src/hex.js';
import type { GetBlockTemplateResult } from '../src/sources/daemon/rpc.js';
import { writeVarint } from '../src/sources/daemon/varint.js';

export const TEMPLATE_SEED_HEX = 'aa'.repeat(32);
export const TEMPLATE_TIMESTAMP = 1_795_574_392;

export interface TemplateShape {
  height?: number;
  /** The byte the previous block's id is made of. */
  prevIdByte?: number;
  /** One byte per other transaction, which its hash is made of. */
  txHashBytes?: number[];
  difficulty?: number;
  wideDifficulty?: string;
  /** Bytes set aside in the coinbase's extra; reserved_offset points at them. */
  reserveSize?: number;
  nextSeedHash?: '' | string;
}

export function templateReply(shape: TemplateShape = {}): GetBlockTemplateResult {
  const height = shape.height ?? 100;
  const reserveSize = shape.reserveSize ?? 8;
  const prevId = new Uint8Array(32).fill(shape.prevIdByte ?? 0x11);
  const header = [...writeVarint(16), ...writeVarint(16), ...writeVarint(TEMPLATE_TIMESTAMP), ...prevId, 0, 0, 0, 0];
  const extra = [0x01, ...Array(32).fill(0x22), 0x02, ...writeVarint(reserveSize), ...Array(reserveSize).fill(0)];
  const prefix = [
    ...writeVarint(2), // version
    ...writeVarint(height + 60), // unlock time
    1, // one input, the coinbase
    0xff,
    ...writeVarint(height),
    1, // one output, a tagged key
    ...writeVarint(600_000_000_000),
    0x03,
    ...Array(32).fill(0x33),
    0x7b,
    ...writeVarint(extra.length),
    ...extra,
  ];
  const txHashes = (shape.txHashBytes ?? []).flatMap((byte) => Array(32).fill(byte));
  const blob = Uint8Array.from([
    ...header,
    ...prefix,
    0x00, // RingCT type 0
    ...writeVarint(txHashes.length / 32),
    ...txHashes,
  ]);
  return {
    status: 'OK',
    blocktemplate_blob: bytesToHex(blob),
    blockhashing_blob: '',
    difficulty: shape.difficulty ?? 1000,
    ...(shape.wideDifficulty === undefined ? {} : { wide_difficulty: shape.wideDifficulty }),
    height,
    prev_hash: bytesToHex(prevId),
    reserved_offset: header.length + prefix.length - reserveSize,
    seed_hash: TEMPLATE_SEED_HEX,
    ...(shape.nextSeedHash === undefined ? {} : { next_seed_hash: shape.nextSeedHash }),
  };
}

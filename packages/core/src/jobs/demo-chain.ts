// The demo chain: a toy blockchain with Monero-shaped 76-byte hashing blobs, so that a cluster without a daemon
// or pool still mines real RandomX and finds real blocks. Its state is the recent blocks alone, so any peer that
// received them can carry the chain on when the coordinator leaves.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { NONCE_OFFSET, withNonce } from '../blob.js';
import { bytesToHex, sameBytes } from '../hex.js';
import { meetsDifficulty } from '../target.js';
import type { BlockRecord, Job } from './job.js';

export const DEMO_BLOB_LENGTH = 76;
export const DEMO_EPOCH_BLOCKS = 256;
const TIMESTAMP_OFFSET = 2;
const PREV_ID_OFFSET = 7;
const ROOT_OFFSET = NONCE_OFFSET + 4;
/** Seconds from 2^28 (1978) to 2^35 take exactly 5 varint bytes, as in Monero headers of today. */
const MIN_TIMESTAMP = 2 ** 28;
const MAX_TIMESTAMP = 2 ** 35 - 1;

export interface DemoChainOptions {
  /** Aimed block interval. */
  targetSeconds?: number;
  /** Blocks per RandomX key epoch; the key changes `seedLag` blocks after each epoch's first block. */
  epochBlocks?: number;
  seedLag?: number;
  /** Blocks to carry on from, oldest first: another chain's `blocks`. */
  tail?: readonly BlockRecord[];
}

export type SubmitOutcome =
  | { accepted: true; block: BlockRecord }
  | { accepted: false; reason: 'stale' | 'low-difficulty' | 'malformed' };

const RETARGET_WINDOW = 10;
const MAX_ADJUSTMENT = 4n;

export const GENESIS_SEED = keccak_256(Uint8Array.from('rxmesh demo chain genesis seed', (c) => c.charCodeAt(0)));
const GENESIS_ID = new Uint8Array(32);

export class DemoChain {
  readonly targetSeconds: number;
  readonly epochBlocks: number;
  readonly seedLag: number;
  /** The newest blocks, linked: the difficulty window. */
  private readonly recent: BlockRecord[] = [];
  /** The two newest epoch-start blocks, whose ids become keys. */
  private readonly keyBlocks: BlockRecord[] = [];

  constructor(options: DemoChainOptions = {}) {
    this.targetSeconds = options.targetSeconds ?? 30;
    this.epochBlocks = options.epochBlocks ?? DEMO_EPOCH_BLOCKS;
    this.seedLag = options.seedLag ?? 16;
    if (this.seedLag < 1 || this.seedLag >= this.epochBlocks) {
      throw new RangeError('seedLag must be at least 1 and below epochBlocks.');
    }
    const tail = options.tail ?? [];
    let runStart = tail.length - 1;
    while (runStart > 0 && linked(tail[runStart - 1] as BlockRecord, tail[runStart] as BlockRecord)) runStart--;
    for (const [index, block] of tail.entries()) {
      if (index < runStart && block.height % this.epochBlocks !== 0) {
        throw new RangeError('The tail given to the demo chain does not link block to block.');
      }
      this.remember(block);
    }
  }

  /** What a successor needs to carry the chain on: key blocks and the newest blocks, oldest first. */
  get blocks(): readonly BlockRecord[] {
    const keys = this.keyBlocks.filter((block) => !this.recent.includes(block));
    return [...keys, ...this.recent];
  }

  get tip(): BlockRecord | undefined {
    return this.recent.at(-1);
  }

  get height(): number {
    return (this.tip?.height ?? 0) + 1;
  }

  /** The key of the block being mined: the genesis seed, then each epoch's first block id, `seedLag` late. */
  seedFor(height: number): Uint8Array {
    const epochStart = Math.floor((height - this.seedLag) / this.epochBlocks) * this.epochBlocks;
    if (epochStart <= 0) return GENESIS_SEED;
    const keyBlock = this.keyBlocks.find((block) => block.height === epochStart);
    if (keyBlock === undefined) throw new RangeError(`The demo chain no longer holds block ${epochStart}.`);
    return keccak_256(keyBlock.id);
  }

  /**
   * The difficulty of the next block. Past blocks set it (the work of the window over its time span, so that one
   * arrives every targetSeconds); when the tip has waited longer than twice that, the elapsed time lowers it, so a
   * cluster that shrank is not stuck. With fewer than two blocks, the cluster's hashrate sets it.
   */
  nextDifficulty(nowMs: number, clusterHashrate: number): bigint {
    const fromHashrate = BigInt(Math.max(1, Math.round(clusterHashrate * this.targetSeconds)));
    const tip = this.tip;
    if (tip === undefined || this.recent.length < 2) {
      if (tip === undefined) return fromHashrate;
      return this.easeForWait(tip, fromHashrate, nowMs);
    }
    const window = this.recent.slice(-RETARGET_WINDOW);
    const first = window[0] as BlockRecord;
    const work = window.slice(1).reduce((sum, block) => sum + block.difficulty, 0n);
    const span = BigInt(Math.max(1, tip.timestamp - first.timestamp));
    let next = (work * BigInt(this.targetSeconds)) / span;
    if (next > tip.difficulty * MAX_ADJUSTMENT) next = tip.difficulty * MAX_ADJUSTMENT;
    if (next < tip.difficulty / MAX_ADJUSTMENT) next = tip.difficulty / MAX_ADJUSTMENT;
    return this.easeForWait(tip, next < 1n ? 1n : next, nowMs);
  }

  private easeForWait(tip: BlockRecord, difficulty: bigint, nowMs: number): bigint {
    const waited = Math.floor(nowMs / 1000) - tip.timestamp;
    if (waited <= 2 * this.targetSeconds) return difficulty;
    const eased = (difficulty * BigInt(this.targetSeconds)) / BigInt(waited);
    return eased < 1n ? 1n : eased;
  }

  /**
   * A template for the next block. `extraNonce` (8 bytes) goes into the blob's root, so each coordinator term and
   * each refresh hashes different blobs and nonce ranges of different jobs can never collide.
   */
  template(extraNonce: Uint8Array, nowMs: number, clusterHashrate: number): Job {
    if (extraNonce.length !== 8) throw new RangeError('The demo chain takes an 8-byte extra nonce.');
    const height = this.height;
    const timestamp = Math.max(Math.floor(nowMs / 1000), (this.tip?.timestamp ?? 0) + 1);
    if (timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) {
      throw new RangeError('The demo chain needs a clock in seconds between 1978 and 3058.');
    }
    const difficulty = this.nextDifficulty(nowMs, clusterHashrate);
    const blob = new Uint8Array(DEMO_BLOB_LENGTH);
    blob[0] = 16; // major version, as Monero's RandomX era
    blob[1] = 16;
    writeVarint5(blob, TIMESTAMP_OFFSET, timestamp);
    blob.set(this.tip?.id ?? GENESIS_ID, PREV_ID_OFFSET);
    blob.set(demoRoot(height, extraNonce, difficulty), ROOT_OFFSET);
    blob[DEMO_BLOB_LENGTH - 1] = 1; // one transaction: the coinbase
    return {
      id: `demo-${height}-${bytesToHex(extraNonce)}`,
      source: 'demo',
      height,
      seedHash: this.seedFor(height),
      blob,
      difficulty,
      createdAt: nowMs,
    };
  }

  /**
   * `job` with another extra nonce: the same block to be, with a blob (and nonces) of its own, for an xmrig rig that
   * mines alone on it.
   */
  variant(job: Job, extraNonce: Uint8Array): Job {
    if (extraNonce.length !== 8) throw new RangeError('The demo chain takes an 8-byte extra nonce.');
    // A fresh array: slice() of a Node Buffer would be a view into the job's own blob.
    const blob = new Uint8Array(job.blob);
    blob.set(demoRoot(job.height, extraNonce, job.difficulty), ROOT_OFFSET);
    return { ...job, id: `demo-${job.height}-${bytesToHex(extraNonce)}`, blob };
  }

  /** Appends the block when `hash` (already verified as the RandomX hash of the blob with `nonce`) wins. */
  submit(job: Job, nonce: number, hash: Uint8Array, finder: { id: string; name: string }): SubmitOutcome {
    if (job.source !== 'demo' || job.blob.length !== DEMO_BLOB_LENGTH) return { accepted: false, reason: 'malformed' };
    if (job.height !== this.height || !sameBytes(job.blob.subarray(PREV_ID_OFFSET, NONCE_OFFSET), this.prevId())) {
      return { accepted: false, reason: 'stale' };
    }
    if (!meetsDifficulty(hash, job.difficulty)) return { accepted: false, reason: 'low-difficulty' };
    const blob = withNonce(job.blob, nonce);
    const block: BlockRecord = {
      height: job.height,
      id: keccak_256(blob),
      prevId: this.prevId(),
      timestamp: readVarint5(blob, TIMESTAMP_OFFSET),
      difficulty: job.difficulty,
      seedHash: job.seedHash,
      nonce,
      finderId: finder.id,
      finderName: finder.name,
    };
    this.remember(block);
    return { accepted: true, block };
  }

  /** Takes a block another coordinator found, when it extends this chain's tip. Returns whether it did. */
  adopt(block: BlockRecord): boolean {
    if (block.height !== this.height || !sameBytes(block.prevId, this.prevId())) return false;
    this.remember(block);
    return true;
  }

  private remember(block: BlockRecord): void {
    this.recent.push(block);
    if (this.recent.length > RETARGET_WINDOW) this.recent.shift();
    if (block.height % this.epochBlocks === 0) {
      this.keyBlocks.push(block);
      if (this.keyBlocks.length > 2) this.keyBlocks.shift();
    }
  }

  private prevId(): Uint8Array {
    return this.tip?.id ?? GENESIS_ID;
  }
}

/** The demo blob's root: what Monero's tree hash is to a block, here of the height, extra nonce and difficulty. */
function demoRoot(height: number, extraNonce: Uint8Array, difficulty: bigint): Uint8Array {
  const rootInput = new Uint8Array(8 + 8 + 16);
  new DataView(rootInput.buffer).setBigUint64(0, BigInt(height), true);
  rootInput.set(extraNonce, 8);
  rootInput.set(bigintBytes(difficulty), 16);
  return keccak_256(rootInput);
}

function writeVarint5(target: Uint8Array, offset: number, value: number): void {
  let rest = value;
  for (let i = 0; i < 5; i++) {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    target[offset + i] = i < 4 ? low | 0x80 : low;
  }
}

function readVarint5(source: Uint8Array, offset: number): number {
  let value = 0;
  for (let i = 4; i >= 0; i--) value = value * 128 + ((source[offset + i] ?? 0) & 0x7f);
  return value;
}

function bigintBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(16);
  let rest = value;
  for (let i = 0; i < 16 && rest > 0n; i++) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

function linked(previous: BlockRecord, block: BlockRecord): boolean {
  return block.height === previous.height + 1 && sameBytes(block.prevId, previous.id);
}

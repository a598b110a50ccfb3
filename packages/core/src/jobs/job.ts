// A job: what every worker hashes until the next one arrives, whichever source it came from.

export const JOB_SOURCE_KINDS = ['demo', 'daemon', 'stratum'] as const;
export type JobSourceKind = (typeof JOB_SOURCE_KINDS)[number];

export interface Job {
  /** Unique per template: a new extra nonce or a new tip makes a new job. */
  id: string;
  source: JobSourceKind;
  height: number;
  /** The RandomX key. */
  seedHash: Uint8Array;
  /**
   * The key the chain switches to soon, when the source knows it (monerod names it 64 blocks ahead). Miners build
   * it beside the current one, so the switch costs no mining time.
   */
  nextSeedHash?: Uint8Array;
  /** The hashing blob; the nonce goes in as uint32 LE at offset 39. */
  blob: Uint8Array;
  /** A hash H is a block (or pool share) candidate iff H × difficulty < 2^256. */
  difficulty: bigint;
  /**
   * The nonces workers may use; absent means all 2^32. A nicehash pool fixes the nonce's top byte, so its jobs
   * allow 2^24 nonces from that byte on.
   */
  nonceRange?: { start: number; count: number };
  /** When the coordinator first saw it, in its clock's milliseconds. */
  createdAt: number;
}

/** A block found on the demo chain, as every peer and the classroom view keep it. */
export interface BlockRecord {
  height: number;
  /** Keccak-256 of the hashing blob with the winning nonce, as Monero-style block ids are. */
  id: Uint8Array;
  prevId: Uint8Array;
  /** Seconds, as written into the blob. */
  timestamp: number;
  difficulty: bigint;
  seedHash: Uint8Array;
  nonce: number;
  finderId: string;
  finderName: string;
}

// A pool's job as rxmesh's Job: the share target becomes a difficulty, a nicehash pool's fixed nonce byte becomes
// the job's nonce range, and the pool's job id is kept for the submit that answers it.
import { isRandomxVariant, type RandomxVariant } from '../../algorithm.js';
import { MIN_BLOB_LENGTH, NONCE_OFFSET } from '../../blob.js';
import { hexToBytes } from '../../hex.js';
import type { Job } from '../../jobs/job.js';
import { parseStratumTarget } from '../../target.js';
import { MAX_BLOB_BYTES, type PoolJob } from './messages.js';

const TWO_POW_64 = 1n << 64n;

/**
 * The easiest share target accepted, as a difficulty. Below it every browser tab (hundreds of hashes a second)
 * would send the pool several shares a second; a pool asks that only by mistake, so such a job is refused rather
 * than flooding the pool and the cluster's verifiers.
 */
export const MIN_POOL_DIFFICULTY = 100n;

/**
 * The job difficulty for a pool's 64-bit share target T: d = ceil(2^64 / T).
 *
 * Why a hash that meets d meets T: the coordinator forwards a hash H (256-bit LE) only if H × d < 2^256. The
 * pool checks h = hash bytes 24..31 as uint64 LE, which is floor(H / 2^192). From H < 2^256 / d:
 * h ≤ H / 2^192 < 2^64 / d ≤ 2^64 / (2^64 / T) = T, so h < T. Rounding d up is what makes the last step hold.
 * The pool shares this loses are those with h in [2^64 / d, T): fewer than T² / (2^64 + T) values of h, a
 * fraction below T / 2^64 ≈ 1 / d of the pool's shares (under 1% at MIN_POOL_DIFFICULTY, far less at real ones).
 */
export function difficultyForTarget(target: bigint): bigint {
  if (target < 1n || target >= TWO_POW_64)
    throw new RangeError(`A 64-bit share target is in 1..2^64-1, got ${target}.`);
  return (TWO_POW_64 + target - 1n) / target;
}

/**
 * The nonces a job allows. A nicehash pool (or proxy) hands each miner its own slice of the nonce space by writing
 * the nonce's top byte (blob[42], the last byte of the uint32 LE at offset 39) into the blob; the miner may vary
 * only the lower 24 bits, so the range is that byte's 2^24 nonces. Without nicehash every nonce is the miner's.
 */
export function nonceRangeFor(blob: Uint8Array, nicehash: boolean): Job['nonceRange'] {
  if (!nicehash) return undefined;
  const fixedByte = blob[NONCE_OFFSET + 3] ?? 0;
  return { start: fixedByte * 2 ** 24, count: 2 ** 24 };
}

/**
 * Whether a job is to be mined as nicehash: the login result listed the `nicehash` extension, the operator said
 * so, or the blob already carries a nonzero nonce top byte. A pool writes into the nonce only to reserve that byte,
 * and honouring a byte nobody reserved costs nothing but the nonces outside it, so the third rule only ever helps
 * (a proxy that fixes the byte without announcing the extension still gets shares it can accept).
 */
export function isNicehashJob(blob: Uint8Array, announced: boolean): boolean {
  return announced || (blob[NONCE_OFFSET + 3] ?? 0) !== 0;
}

export interface JobContext {
  /** The Job id to give it: unique per job across every connection. */
  id: string;
  algorithm: RandomxVariant;
  /** The login result's `nicehash` extension, or the operator's setting. */
  nicehash: boolean;
  now: number;
}

export type ConvertedJob =
  | { ok: true; job: Job /** The pool's 64-bit share target. */; target: bigint; poolJobId: string }
  | { ok: false; error: string };

const HEX = /^[0-9a-fA-F]*$/;
const HASH_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The key the pool's chain switches to next. Neither xmrig's nor p2pool's Stratum documents `next_seed_hash` (it is
 * monerod's get_block_template field), but pools that pass it on use that name, so it is read when it is 64 hex
 * digits. Anything else ('' as monerod sends with no switch pending, or a garbled value) means no hint: the hint only
 * saves the miners time at a seed change, and the job is worth mining without it.
 */
function nextSeedHashOf(poolJob: PoolJob): Uint8Array | undefined {
  const hint = poolJob.next_seed_hash;
  return hint !== undefined && HASH_HEX.test(hint) ? hexToBytes(hint) : undefined;
}

/** Checks a job the pool sent (already shaped by its schema) and makes it a Job, or says what is wrong with it. */
export function convertPoolJob(poolJob: PoolJob, context: JobContext): ConvertedJob {
  const fail = (problem: string): ConvertedJob => ({
    ok: false,
    error: `job ${JSON.stringify(poolJob.job_id)} ${problem}`,
  });

  if (poolJob.algo !== undefined && poolJob.algo !== context.algorithm) {
    const known = isRandomxVariant(poolJob.algo) ? '' : ', which rxmesh does not mine';
    return fail(`is for algorithm ${JSON.stringify(poolJob.algo)}${known}; rxmesh asked for ${context.algorithm}`);
  }
  if (!HEX.test(poolJob.blob) || poolJob.blob.length % 2 !== 0) return fail('has a blob that is not hex bytes');
  const blob = hexToBytes(poolJob.blob);
  if (blob.length < MIN_BLOB_LENGTH) {
    return fail(
      `has a ${blob.length}-byte blob; a hashing blob holds its nonce at bytes 39..42, so it needs ${MIN_BLOB_LENGTH}`,
    );
  }
  if (blob.length > MAX_BLOB_BYTES)
    return fail(`has a ${blob.length}-byte blob, more than the ${MAX_BLOB_BYTES} allowed`);

  if (poolJob.seed_hash === undefined) return fail('has no seed_hash; a RandomX job needs its key');
  if (!HASH_HEX.test(poolJob.seed_hash)) return fail('has a seed_hash that is not 64 hex digits');

  if (!/^(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{16})$/.test(poolJob.target)) {
    return fail(`has target ${JSON.stringify(poolJob.target)}; a Stratum target is 8 or 16 hex digits`);
  }
  let target: bigint;
  try {
    target = parseStratumTarget(poolJob.target);
  } catch {
    return fail(`has target ${poolJob.target}, which no hash can meet`);
  }
  const difficulty = difficultyForTarget(target);
  if (difficulty < MIN_POOL_DIFFICULTY) {
    return fail(
      `has target ${poolJob.target} (difficulty ${difficulty}), easier than the least accepted, ${MIN_POOL_DIFFICULTY}`,
    );
  }

  const nonceRange = nonceRangeFor(blob, isNicehashJob(blob, context.nicehash));
  const nextSeedHash = nextSeedHashOf(poolJob);
  const job: Job = {
    id: context.id,
    source: 'stratum',
    height: poolJob.height ?? 0,
    seedHash: hexToBytes(poolJob.seed_hash),
    blob,
    difficulty,
    createdAt: context.now,
    ...(nonceRange === undefined ? {} : { nonceRange }),
    ...(nextSeedHash === undefined ? {} : { nextSeedHash }),
  };
  return { ok: true, job, target, poolJobId: poolJob.job_id };
}

// Solo mining on one monerod, sans-IO: which JSON-RPC calls to make, what their replies mean, the jobs that block
// templates become (each with its own extra nonce), and the verdict on each block sent. The caller makes the calls
// (over HTTP), owns the timers, retries and the tip feed, and passes the clock in.
import { withNonce } from '../../blob.js';
import { bytesToHex, hexToBytes, sameBytes } from '../../hex.js';
import type { BlockRecord, Job } from '../../jobs/job.js';
import type { Finder, SourceVerdict } from '../../jobs/job-source.js';
import { type BlockTemplate, blockId, hashingBlob, parseBlockTemplate, withExtraNonce } from './block-template.js';
import { type DaemonMethod, type GetBlockTemplateResult, type GetInfoResult, templateDifficulty } from './rpc.js';

/** Bytes asked of monerod in the miner transaction's extra: the instance nonce, then a 32-bit counter. */
export const EXTRA_NONCE_BYTES = 8;
/** Random bytes that begin every extra nonce, so that two sources on one wallet never make the same block. */
export const INSTANCE_NONCE_BYTES = 4;
/** Jobs kept for candidates that arrive after the next job. */
export const RECENT_JOBS = 16;

export interface DaemonSessionOptions {
  /** The address the block reward goes to. */
  wallet: string;
  /** INSTANCE_NONCE_BYTES random bytes, chosen once per source. */
  instanceNonce: Uint8Array;
  /** How often to fetch a template without a new tip, so that new transactions get into the block. Default 30 s. */
  templateRefreshMs?: number;
}

/** A JSON-RPC call to make: the body is `jsonRpcRequest(method, params)`. */
export interface DaemonRequest<M extends DaemonMethod> {
  method: M;
  params?: unknown;
}

/** What a get_info reply says about the tip. */
export type TipReading =
  /** The latest job builds on the tip: nothing to do. */
  | { kind: 'sameTip' }
  /** The chain moved (or there is no job yet): fetch a template. */
  | { kind: 'newTip' }
  /** monerod is still catching up with the network; mining on its tip would be wasted. */
  | { kind: 'syncing'; problem: string };

export type TemplateReading =
  | { kind: 'job'; job: Job }
  /** The same block as the latest job's: the job stands. */
  | { kind: 'unchanged' }
  | { kind: 'unusable'; problem: string };

/** A block ready to send: `request` is the submit_block call. */
export interface BlockSubmission {
  readonly request: DaemonRequest<'submit_block'>;
  readonly job: Job;
  readonly nonce: number;
  readonly finder: Finder;
  /** The id monerod will give the block. */
  readonly id: Uint8Array;
  readonly template: BlockTemplate;
}

export type BlockPlan = { ok: true; block: BlockSubmission } | { ok: false; reason: string };

/** How monerod took a block, as the caller saw it. */
export type BlockAnswer =
  /** submit_block got no usable answer: the block may never have reached monerod. */
  | { kind: 'unanswered'; problem: string }
  /** monerod refused the block; `reason` is its answer as a sentence. */
  | { kind: 'refused'; reason: string }
  /** monerod answered OK; `sideChain` is what get_block_header_by_hash said (false when it could not say). */
  | { kind: 'taken'; sideChain: boolean };

interface IssuedJob {
  job: Job;
  /** The template with this job's extra nonce in it. */
  template: BlockTemplate;
  /** Where monerod reserved the extra nonce's bytes in the miner transaction. */
  reservedOffset: number;
}

/** Variants kept, beside the RECENT_JOBS jobs they vary: a classroom lab's rigs, a few templates back. */
const RECENT_VARIANTS = 256;

export class DaemonSession {
  private readonly templateRefreshMs: number;
  private extraNonceCounter = 0;
  /** The newest RECENT_JOBS jobs, oldest first. */
  private readonly jobs = new Map<string, IssuedJob>();
  /** The newest RECENT_VARIANTS variants of them, oldest first. */
  private readonly variants = new Map<string, IssuedJob>();
  private latest: IssuedJob | undefined;
  private templateFetchedAt = 0;
  private acceptedBlocks = 0;
  private refusedBlocks = 0;

  constructor(private readonly options: DaemonSessionOptions) {
    if (options.instanceNonce.length !== INSTANCE_NONCE_BYTES) {
      throw new RangeError(`An instance nonce has ${INSTANCE_NONCE_BYTES} bytes, got ${options.instanceNonce.length}.`);
    }
    this.templateRefreshMs = options.templateRefreshMs ?? 30_000;
  }

  get latestJob(): Job | undefined {
    return this.latest?.job;
  }

  /** Blocks monerod put on its main chain. */
  get accepted(): number {
    return this.acceptedBlocks;
  }

  /** Blocks monerod refused or kept on a side chain only. */
  get rejected(): number {
    return this.refusedBlocks;
  }

  /** Whether a poll should fetch a template rather than ask for the tip: no job yet, or the template is old. */
  templateDue(now: number): boolean {
    return this.latest === undefined || now - this.templateFetchedAt >= this.templateRefreshMs;
  }

  infoRequest(): DaemonRequest<'get_info'> {
    return { method: 'get_info' };
  }

  templateRequest(): DaemonRequest<'get_block_template'> {
    return {
      method: 'get_block_template',
      params: { wallet_address: this.options.wallet, reserve_size: EXTRA_NONCE_BYTES },
    };
  }

  readInfo(info: GetInfoResult): TipReading {
    if (info.busy_syncing === true || info.synchronized === false) {
      return {
        kind: 'syncing',
        problem:
          `monerod is not synchronized yet (height ${info.height} of ${info.target_height ?? 'unknown'}); ` +
          'mining waits until it is.',
      };
    }
    const latest = this.latest;
    return latest !== undefined && info.top_block_hash === bytesToHex(latest.template.prevId)
      ? { kind: 'sameTip' }
      : { kind: 'newTip' };
  }

  /**
   * Reads a get_block_template reply received at `now`: a new job, unless the template makes the same block as the
   * latest job's; `fresh` makes a new job anyway, with the next extra nonce (the cluster mined every nonce).
   */
  readTemplate(reply: GetBlockTemplateResult, now: number, fresh = false): TemplateReading {
    let template: BlockTemplate;
    try {
      template = parseBlockTemplate(hexToBytes(reply.blocktemplate_blob));
    } catch (error) {
      return {
        kind: 'unusable',
        problem: `monerod sent a block template rxmesh cannot read: ${(error as Error).message}`,
      };
    }
    this.templateFetchedAt = now;
    const difficulty = templateDifficulty(reply);
    const previous = this.latest;
    if (
      !fresh &&
      previous &&
      previous.job.height === reply.height &&
      previous.job.difficulty === difficulty &&
      sameBytes(previous.template.prevId, template.prevId) &&
      sameHashes(previous.template.txHashes, template.txHashes)
    ) {
      return { kind: 'unchanged' };
    }
    const extraNonce = this.nextExtraNonce();
    let filled: BlockTemplate;
    try {
      filled = withExtraNonce(template, reply.reserved_offset, extraNonce);
    } catch (error) {
      return {
        kind: 'unusable',
        problem: `monerod's block template has no room for the extra nonce: ${(error as Error).message}`,
      };
    }
    const job: Job = {
      id: `daemon-${reply.height}-${bytesToHex(extraNonce)}`,
      source: 'daemon',
      height: reply.height,
      seedHash: hexToBytes(reply.seed_hash),
      blob: hashingBlob(filled),
      difficulty,
      createdAt: now,
      // monerod names the next key 64 blocks ahead, and sends '' until then.
      ...(reply.next_seed_hash ? { nextSeedHash: hexToBytes(reply.next_seed_hash) } : {}),
    };
    const issued = { job, template: filled, reservedOffset: reply.reserved_offset };
    this.jobs.set(job.id, issued);
    for (const oldest of this.jobs.keys()) {
      if (this.jobs.size <= RECENT_JOBS) break;
      this.jobs.delete(oldest);
    }
    this.latest = issued;
    return { kind: 'job', job };
  }

  /**
   * `job` (one this session issued, and still knows) with an extra nonce of its own: the same block to be, with a
   * hashing blob of its own, for a rig that mines alone on it. Undefined for a job it does not know.
   */
  variant(job: Job): Job | undefined {
    const issued = this.jobs.get(job.id);
    if (issued === undefined) return undefined;
    const extraNonce = this.nextExtraNonce();
    const template = withExtraNonce(issued.template, issued.reservedOffset, extraNonce);
    const variant: Job = {
      ...issued.job,
      id: `daemon-${job.height}-${bytesToHex(extraNonce)}`,
      blob: hashingBlob(template),
    };
    this.variants.set(variant.id, { job: variant, template, reservedOffset: issued.reservedOffset });
    for (const oldest of this.variants.keys()) {
      if (this.variants.size <= RECENT_VARIANTS) break;
      this.variants.delete(oldest);
    }
    return variant;
  }

  /** The block that `nonce` makes of `job`, ready for submit_block, or why monerod must not see it. */
  prepareBlock(job: Job, nonce: number, finder: Finder): BlockPlan {
    const issued = this.jobs.get(job.id) ?? this.variants.get(job.id);
    if (!issued || !sameBytes(issued.job.blob, job.blob)) {
      return { ok: false, reason: `Job ${job.id} did not come from this monerod source (or is too old).` };
    }
    let blob: Uint8Array;
    try {
      blob = withNonce(issued.template.blob, nonce);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    return {
      ok: true,
      block: {
        request: { method: 'submit_block', params: [bytesToHex(blob)] },
        job: issued.job,
        nonce,
        finder,
        id: blockId(withNonce(issued.job.blob, nonce)),
        template: issued.template,
      },
    };
  }

  /** Asks where monerod keeps a block it answered OK to: it does so for a block on an old tip too. */
  headerRequest(block: BlockSubmission): DaemonRequest<'get_block_header_by_hash'> {
    return { method: 'get_block_header_by_hash', params: { hash: bytesToHex(block.id) } };
  }

  /** The verdict on a block from monerod's answer; blocks it refused or kept off its main chain count as rejected. */
  blockAnswered(block: BlockSubmission, answer: BlockAnswer): SourceVerdict {
    const { job, nonce, finder, template } = block;
    switch (answer.kind) {
      case 'unanswered':
        return { accepted: false, reason: `The block did not reach monerod: ${answer.problem}` };
      case 'refused':
        this.refusedBlocks++;
        return { accepted: false, reason: answer.reason };
      case 'taken': {
        if (answer.sideChain) {
          this.refusedBlocks++;
          return {
            accepted: false,
            reason: `monerod kept block ${job.height} on a side chain only: the chain had moved past job ${job.id}.`,
          };
        }
        this.acceptedBlocks++;
        const record: BlockRecord = {
          height: job.height,
          id: block.id,
          prevId: template.prevId,
          timestamp: template.timestamp,
          difficulty: job.difficulty,
          seedHash: job.seedHash,
          nonce,
          finderId: finder.id,
          finderName: finder.name,
        };
        return { accepted: true, block: record };
      }
    }
  }

  private nextExtraNonce(): Uint8Array {
    this.extraNonceCounter = (this.extraNonceCounter + 1) >>> 0;
    const extraNonce = new Uint8Array(EXTRA_NONCE_BYTES);
    extraNonce.set(this.options.instanceNonce, 0);
    new DataView(extraNonce.buffer).setUint32(INSTANCE_NONCE_BYTES, this.extraNonceCounter);
    return extraNonce;
  }
}

function sameHashes(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((hash, i) => sameBytes(hash, b[i] as Uint8Array));
}

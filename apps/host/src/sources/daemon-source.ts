// Solo mining on a monerod: block templates over its JSON-RPC become jobs, and candidates go back as blocks. A new
// tip is found by polling get_info (a new job within one poll interval and one get_block_template call) and, when
// monerod publishes over ZMQ (--zmq-pub) and the operator names the port, at once from that feed.
import type { BlockRecord, Finder, Job, JobSource, SourceStatus, SourceVerdict } from '@rxmesh/core';
import {
  type BlockTemplate,
  blockId,
  bytesToHex,
  type DaemonMethod,
  type DaemonResults,
  decodeRpcReply,
  hashingBlob,
  hexToBytes,
  jsonRpcRequest,
  parseBlockTemplate,
  sameBytes,
  templateDifficulty,
  withExtraNonce,
  withNonce,
} from '@rxmesh/core';
import type { Log } from '@rxmesh/mesh';
import { socketHost } from '../options.js';
import { DaemonTipFeed } from './daemon-tip-feed.js';

export interface DaemonSourceOptions {
  /** monerod's RPC address, `http://host:port`. */
  url: URL;
  /** The address the block reward goes to. */
  wallet: string;
  log: Log;
  /** How often to ask for the tip. Default 250 ms. */
  pollMs?: number;
  /** The wait after a failure, doubling per failure in a row up to `maxMs`. Default 500 ms to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** How long one request may take. Default 10 s. */
  requestTimeoutMs?: number;
  /** How often to fetch a template without a new tip, so that new transactions get into the block. Default 30 s. */
  templateRefreshMs?: number;
  /** The clock for `Job.createdAt`. Default Date.now. */
  now?: () => number;
  /** monerod's `--zmq-pub` port on the same host: new tips arrive at once instead of at the next poll. */
  zmqPort?: number;
}

/** Bytes asked of monerod in the miner transaction's extra: 4 random per source, then a 32-bit counter. */
const EXTRA_NONCE_BYTES = 8;
/** Jobs kept for submissions that arrive after the next job. */
const RECENT_JOBS = 16;

interface IssuedJob {
  job: Job;
  /** The template with this job's extra nonce in it. */
  template: BlockTemplate;
}

/** A failed call: `refusal` is monerod's own answer; otherwise the call did not get a usable answer. */
class DaemonProblem extends Error {
  constructor(
    message: string,
    readonly refusal = false,
  ) {
    super(message);
  }
}

export class DaemonSource implements JobSource {
  readonly kind = 'daemon';
  private readonly url: URL;
  private readonly pollMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly requestTimeoutMs: number;
  private readonly templateRefreshMs: number;
  private readonly now: () => number;
  private readonly instanceNonce = crypto.getRandomValues(new Uint8Array(4));
  private extraNonceCounter = 0;
  private readonly jobs = new Map<string, IssuedJob>();
  private latest: IssuedJob | undefined;
  private templateFetchedAt = 0;
  private onJob: ((job: Job) => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopping = new AbortController();
  private polling: Promise<void> | undefined;
  private fetching: Promise<void> | undefined;
  private failuresInARow = 0;
  private connected = false;
  private accepted = 0;
  private rejected = 0;
  private lastError: string | null = null;
  private readonly tipFeed: DaemonTipFeed | undefined;

  constructor(private readonly options: DaemonSourceOptions) {
    if (options.url.protocol !== 'http:' && options.url.protocol !== 'https:') {
      throw new RangeError(`A monerod address starts with http:// (like http://127.0.0.1:18081), got ${options.url}.`);
    }
    this.url = new URL('/json_rpc', options.url);
    this.pollMs = options.pollMs ?? 250;
    this.backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.templateRefreshMs = options.templateRefreshMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.tipFeed =
      options.zmqPort === undefined
        ? undefined
        : new DaemonTipFeed({
            host: socketHost(options.url),
            port: options.zmqPort,
            log: options.log,
            // A failed fetch is retried by the polling, which reports it.
            onTip: () => this.fetchTemplate().catch(() => undefined),
          });
  }

  get latestJob(): Job | undefined {
    return this.latest?.job;
  }

  start(onJob: (job: Job) => void): void {
    if (this.onJob) throw new Error('This daemon source has already started.');
    this.onJob = onJob;
    this.schedule(0);
    this.tipFeed?.start();
  }

  async submit(job: Job, nonce: number, hash: Uint8Array, finder: Finder): Promise<SourceVerdict> {
    const issued = this.jobs.get(job.id);
    if (!issued || !sameBytes(issued.job.blob, job.blob)) {
      return { accepted: false, reason: `Job ${job.id} did not come from this monerod source (or is too old).` };
    }
    let block: Uint8Array;
    try {
      block = withNonce(issued.template.blob, nonce);
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
    try {
      await this.call('submit_block', [bytesToHex(block)]);
    } catch (error) {
      const problem = error as DaemonProblem;
      if (!problem.refusal) return { accepted: false, reason: `The block did not reach monerod: ${problem.message}` };
      this.rejected++;
      this.options.log.warn(`monerod refused block ${job.height} from ${finder.name}: ${problem.message}`, {
        job: job.id,
        nonce,
        hash: bytesToHex(hash),
      });
      return { accepted: false, reason: problem.message };
    }
    const id = blockId(withNonce(issued.job.blob, nonce));
    // monerod answers OK for a block on an old tip too, and keeps it on a side chain where it earns nothing.
    const sideChain = await this.onSideChain(id);
    if (sideChain) {
      this.rejected++;
      const reason = `monerod kept block ${job.height} on a side chain only: the chain had moved past job ${job.id}.`;
      this.options.log.warn(reason, { job: job.id, nonce, finder: finder.name });
      return { accepted: false, reason };
    }
    this.accepted++;
    const record: BlockRecord = {
      height: job.height,
      id,
      prevId: issued.template.prevId,
      timestamp: issued.template.timestamp,
      difficulty: job.difficulty,
      seedHash: job.seedHash,
      nonce,
      finderId: finder.id,
      finderName: finder.name,
    };
    this.options.log.info(`monerod accepted block ${record.height} (${bytesToHex(record.id)}) from ${finder.name}.`, {
      job: job.id,
      nonce,
    });
    // The next block builds on this one: fetch its template now rather than at the next poll.
    this.fetchTemplate().catch((error: unknown) => this.failed(error));
    return { accepted: true, block: record };
  }

  /** Whether monerod holds block `id` off its main chain; false when it cannot say (its OK stands). */
  /** The cluster mined every nonce of the latest job: the template again, with the next extra nonce. */
  refresh(): void {
    this.fetchTemplate(true).catch((error: unknown) => this.failed(error));
  }

  private async onSideChain(id: Uint8Array): Promise<boolean> {
    try {
      const reply = await this.call('get_block_header_by_hash', { hash: bytesToHex(id) });
      return reply.block_header.orphan_status;
    } catch (error) {
      this.options.log.warn(
        `monerod accepted block ${bytesToHex(id)}, but could not say whether it is on the main chain: ` +
          `${(error as Error).message}`,
      );
      return false;
    }
  }

  status(): SourceStatus {
    const shown = new URL(this.options.url);
    shown.username = '';
    shown.password = '';
    return {
      kind: 'daemon',
      url: shown.href,
      connected: this.connected,
      accepted: this.accepted,
      rejected: this.rejected,
      lastError: this.lastError,
    };
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    this.tipFeed?.stop();
    await Promise.allSettled([this.polling, this.fetching]);
  }

  private schedule(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll();
    }, delayMs);
  }

  private async poll(): Promise<void> {
    try {
      await this.pollOnce();
      this.succeeded();
      this.schedule(this.pollMs);
    } catch (error) {
      if (this.stopping.signal.aborted) return;
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.failuresInARow);
      this.failed(error, delay);
      this.schedule(delay);
    }
  }

  private async pollOnce(): Promise<void> {
    if (!this.latest || this.now() - this.templateFetchedAt >= this.templateRefreshMs) {
      await this.fetchTemplate();
      return;
    }
    const info = await this.call('get_info');
    if (info.busy_syncing === true || info.synchronized === false) {
      throw new DaemonProblem(
        `monerod is not synchronized yet (height ${info.height} of ${info.target_height ?? 'unknown'}); ` +
          'mining waits until it is.',
      );
    }
    if (info.top_block_hash !== bytesToHex(this.latest.template.prevId)) await this.fetchTemplate();
  }

  /**
   * Fetches a template and announces it as a job unless it is the same block as the latest job's; `fresh` announces
   * it anyway, with a new extra nonce.
   */
  private fetchTemplate(fresh = false): Promise<void> {
    this.fetching ??= this.fetchTemplateOnce(fresh).finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchTemplateOnce(fresh: boolean): Promise<void> {
    const reply = await this.call('get_block_template', {
      wallet_address: this.options.wallet,
      reserve_size: EXTRA_NONCE_BYTES,
    });
    let template: BlockTemplate;
    try {
      template = parseBlockTemplate(hexToBytes(reply.blocktemplate_blob));
    } catch (error) {
      throw new DaemonProblem(`monerod sent a block template rxmesh cannot read: ${(error as Error).message}`);
    }
    this.templateFetchedAt = this.now();
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
      return;
    }
    const extraNonce = this.nextExtraNonce();
    let filled: BlockTemplate;
    try {
      filled = withExtraNonce(template, reply.reserved_offset, extraNonce);
    } catch (error) {
      throw new DaemonProblem(`monerod's block template has no room for the extra nonce: ${(error as Error).message}`);
    }
    if (this.stopping.signal.aborted) return;
    const job: Job = {
      id: `daemon-${reply.height}-${bytesToHex(extraNonce)}`,
      source: 'daemon',
      height: reply.height,
      seedHash: hexToBytes(reply.seed_hash),
      blob: hashingBlob(filled),
      difficulty,
      createdAt: this.now(),
      // monerod names the next key 64 blocks ahead, and sends '' until then.
      ...(reply.next_seed_hash ? { nextSeedHash: hexToBytes(reply.next_seed_hash) } : {}),
    };
    const issued = { job, template: filled };
    this.jobs.set(job.id, issued);
    for (const id of this.jobs.keys()) {
      if (this.jobs.size <= RECENT_JOBS) break;
      this.jobs.delete(id);
    }
    this.latest = issued;
    this.onJob?.(job);
  }

  private nextExtraNonce(): Uint8Array {
    this.extraNonceCounter = (this.extraNonceCounter + 1) >>> 0;
    const extraNonce = new Uint8Array(EXTRA_NONCE_BYTES);
    extraNonce.set(this.instanceNonce, 0);
    new DataView(extraNonce.buffer).setUint32(4, this.extraNonceCounter);
    return extraNonce;
  }

  private async call<M extends DaemonMethod>(method: M, params?: unknown): Promise<DaemonResults[M]> {
    const where = `monerod at ${this.options.url.host}`;
    let body: unknown;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: jsonRpcRequest(method, params),
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.requestTimeoutMs)]),
      });
      if (!response.ok) throw new DaemonProblem(`${where} answered ${method} with HTTP ${response.status}.`);
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        throw new DaemonProblem(`${where} answered ${method} with something that is not JSON.`);
      }
    } catch (error) {
      if (error instanceof DaemonProblem) throw error;
      throw new DaemonProblem(`${where} did not answer ${method}: ${describeFetchError(error)}.`);
    }
    const reply = decodeRpcReply(method, body);
    if (reply.kind === 'error') {
      throw new DaemonProblem(`${where} refused ${method}: ${reply.message} (code ${reply.code}).`, true);
    }
    if (reply.kind === 'malformed')
      throw new DaemonProblem(`${where} sent a malformed reply to ${method}: ${reply.problem}.`);
    if (reply.result.status !== 'OK') {
      throw new DaemonProblem(
        `${where} answered ${method} with status ${reply.result.status}.`,
        method === 'submit_block',
      );
    }
    return reply.result;
  }

  private succeeded(): void {
    if (this.failuresInARow > 0) this.options.log.info(`monerod at ${this.options.url.host} answers again.`);
    this.failuresInARow = 0;
    this.connected = true;
    this.lastError = null;
  }

  private failed(error: unknown, retryInMs?: number): void {
    const message = error instanceof Error ? error.message : String(error);
    this.failuresInARow++;
    // A refusal is an answer: the daemon is there.
    this.connected = error instanceof DaemonProblem && error.refusal;
    this.lastError = message;
    const retry = retryInMs === undefined ? '' : ` Retrying in ${formatDelay(retryInMs)}.`;
    this.options.log.warn(`${message}${retry}`, { url: this.status().url, failures: this.failuresInARow });
  }
}

function sameHashes(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((hash, i) => sameBytes(hash, b[i] as Uint8Array));
}

function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'the request timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

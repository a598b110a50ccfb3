// Solo mining on a monerod: block templates over its JSON-RPC become jobs, and candidates go back as blocks. A new
// tip is found by polling get_info (a new job within one poll interval and one get_block_template call) and, when
// monerod publishes over ZMQ (--zmq-pub) and the operator names the port, at once from that feed. core's
// DaemonSession says which calls to make and what their answers mean; this class owns HTTP, the timers and retries.
import type { Finder, Job, JobSource, SourceStatus, SourceVerdict } from '@rxmesh/core';
import {
  type Backoff,
  type BlockAnswer,
  type BlockSubmission,
  backoffDelay,
  bytesToHex,
  type DaemonMethod,
  type DaemonRequest,
  type DaemonResults,
  DaemonSession,
  decodeRpcReply,
  formatDelay,
  INSTANCE_NONCE_BYTES,
  jsonRpcRequest,
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
  /**
   * The wait after a failure, doubling per failure in a row up to `maxMs`, less a random part of up to half (see
   * core's backoffDelay). Default 500 ms to 30 s.
   */
  backoff?: Backoff;
  /** Random numbers in [0, 1) for the backoff's jitter. Default Math.random. */
  random?: () => number;
  /** How long one request may take. Default 10 s. */
  requestTimeoutMs?: number;
  /** How often to fetch a template without a new tip, so that new transactions get into the block. Default 30 s. */
  templateRefreshMs?: number;
  /** The clock for `Job.createdAt`. Default Date.now. */
  now?: () => number;
  /** monerod's `--zmq-pub` port on the same host: new tips arrive at once instead of at the next poll. */
  zmqPort?: number;
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
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;
  private readonly session: DaemonSession;
  private onJob: ((job: Job) => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopping = new AbortController();
  private polling: Promise<void> | undefined;
  private fetching: Promise<void> | undefined;
  private failuresInARow = 0;
  private connected = false;
  private lastError: string | null = null;
  private readonly tipFeed: DaemonTipFeed | undefined;

  constructor(private readonly options: DaemonSourceOptions) {
    if (options.url.protocol !== 'http:' && options.url.protocol !== 'https:') {
      throw new RangeError(`A monerod address starts with http:// (like http://127.0.0.1:18081), got ${options.url}.`);
    }
    this.url = new URL('/json_rpc', options.url);
    this.pollMs = options.pollMs ?? 250;
    this.backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.session = new DaemonSession({
      wallet: options.wallet,
      instanceNonce: crypto.getRandomValues(new Uint8Array(INSTANCE_NONCE_BYTES)),
      ...(options.templateRefreshMs === undefined ? {} : { templateRefreshMs: options.templateRefreshMs }),
    });
    this.tipFeed =
      options.zmqPort === undefined
        ? undefined
        : new DaemonTipFeed({
            host: socketHost(options.url),
            port: options.zmqPort,
            log: options.log,
            random: this.random,
            // A failed fetch is retried by the polling, which reports it.
            onTip: () => this.fetchTemplate().catch(() => undefined),
          });
  }

  get latestJob(): Job | undefined {
    return this.session.latestJob;
  }

  variant(job: Job): Job | undefined {
    return this.session.variant(job);
  }

  start(onJob: (job: Job) => void): void {
    if (this.onJob) throw new Error('This daemon source has already started.');
    this.onJob = onJob;
    this.schedule(0);
    this.tipFeed?.start();
  }

  async submit(job: Job, nonce: number, hash: Uint8Array, finder: Finder): Promise<SourceVerdict> {
    const plan = this.session.prepareBlock(job, nonce, finder);
    if (!plan.ok) return { accepted: false, reason: plan.reason };
    const answer = await this.deliver(plan.block);
    const verdict = this.session.blockAnswered(plan.block, answer);
    const { log } = this.options;
    if (verdict.accepted) {
      const id = bytesToHex(plan.block.id);
      log.info(`monerod accepted block ${job.height} (${id}) from ${finder.name}.`, { job: job.id, nonce });
      // The next block builds on this one: fetch its template now rather than at the next poll.
      this.fetchTemplate().catch((error: unknown) => this.failed(error));
    } else if (answer.kind === 'refused') {
      log.warn(`monerod refused block ${job.height} from ${finder.name}: ${answer.reason}`, {
        job: job.id,
        nonce,
        hash: bytesToHex(hash),
      });
    } else if (answer.kind === 'taken') {
      log.warn(verdict.reason, { job: job.id, nonce, finder: finder.name });
    }
    return verdict;
  }

  /** The cluster mined every nonce of the latest job: the template again, with the next extra nonce. */
  refresh(): void {
    this.fetchTemplate(true).catch((error: unknown) => this.failed(error));
  }

  /** Sends a block, and asks where monerod keeps it once it answers OK. */
  private async deliver(block: BlockSubmission): Promise<BlockAnswer> {
    try {
      await this.call(block.request);
    } catch (error) {
      const problem = error as DaemonProblem;
      return problem.refusal
        ? { kind: 'refused', reason: problem.message }
        : { kind: 'unanswered', problem: problem.message };
    }
    return { kind: 'taken', sideChain: await this.onSideChain(block) };
  }

  /** Whether monerod holds the block off its main chain; false when it cannot say (its OK stands). */
  private async onSideChain(block: BlockSubmission): Promise<boolean> {
    try {
      const reply = await this.call(this.session.headerRequest(block));
      return reply.block_header.orphan_status;
    } catch (error) {
      this.options.log.warn(
        `monerod accepted block ${bytesToHex(block.id)}, but could not say whether it is on the main chain: ` +
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
      accepted: this.session.accepted,
      rejected: this.session.rejected,
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
      const delay = backoffDelay(this.backoff, this.failuresInARow + 1, this.random());
      this.failed(error, delay);
      this.schedule(delay);
    }
  }

  private async pollOnce(): Promise<void> {
    if (this.session.templateDue(this.now())) {
      await this.fetchTemplate();
      return;
    }
    const tip = this.session.readInfo(await this.call(this.session.infoRequest()));
    if (tip.kind === 'syncing') throw new DaemonProblem(tip.problem);
    if (tip.kind === 'newTip') await this.fetchTemplate();
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
    const reply = await this.call(this.session.templateRequest());
    if (this.stopping.signal.aborted) return;
    const reading = this.session.readTemplate(reply, this.now(), fresh);
    if (reading.kind === 'unusable') throw new DaemonProblem(reading.problem);
    if (reading.kind === 'job') this.onJob?.(reading.job);
  }

  private async call<M extends DaemonMethod>({ method, params }: DaemonRequest<M>): Promise<DaemonResults[M]> {
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

function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'the request timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

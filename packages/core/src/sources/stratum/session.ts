// One login session with a Monero Stratum pool, sans-IO: it writes the lines to send and reads the lines received,
// and turns them into events. The caller owns the connection, the timers and what happens on each event.
import type { RandomxVariant } from '../../algorithm.js';
import type { Job } from '../../jobs/job.js';
import type { SourceVerdict } from '../../jobs/job-source.js';
import { meetsShareTarget } from '../../target.js';
import { checkJobNotification, checkLoginResult, checkReply, checkStatusResult, type PoolJob } from './messages.js';
import { convertPoolJob } from './pool-job.js';
import { keepaliveRequest, loginRequest, submitRequest } from './requests.js';

/** Shares for a job the pool replaced this many jobs ago are refused here: pools forget old jobs quickly. */
export const KNOWN_JOBS = 16;
/** Job ids are `<connection>:<sequence>:<pool's job id>`; this bound keeps them within the wire's 128 characters. */
export const MAX_CONNECTION_ID_LENGTH = 20;

export interface StratumSessionOptions {
  user: string;
  pass: string;
  /** The miner's name and version, as the pool logs it. */
  agent: string;
  algorithm: RandomxVariant;
  /** Mine every job as nicehash even when the pool does not announce the extension. */
  nicehash: boolean;
  /** xmrig's rig id, sent with the login. */
  rigId?: string | undefined;
  /** Unique among all connections of a source; it makes the jobs' ids unique across reconnects. */
  connectionId: string;
  /** Milliseconds on the coordinator's clock, for Job.createdAt. */
  now: () => number;
}

export type SessionEvent =
  | { kind: 'loggedIn'; extensions: string[]; nicehash: boolean; keepalive: boolean }
  | { kind: 'loginFailed'; reason: string }
  | { kind: 'job'; job: Job }
  | { kind: 'submitAnswered'; requestId: number; verdict: SourceVerdict }
  | { kind: 'keepaliveAnswered' }
  /** A message that was dropped; `reason` says what was wrong with it. */
  | { kind: 'invalid'; reason: string };

export type SubmitPlan = { ok: true; requestId: number; line: string } | { ok: false; reason: string };

type RequestKind = 'login' | 'submit' | 'keepalived';

interface KnownJob {
  poolJobId: string;
  target: bigint;
  nonceRange: Job['nonceRange'];
}

export class StratumSession {
  private nextRequestId = 1;
  private readonly pending = new Map<number, RequestKind>();
  private sessionId: string | undefined;
  private nicehash: boolean;
  private jobSequence = 0;
  /** The newest KNOWN_JOBS jobs, oldest first. */
  private readonly jobs = new Map<string, KnownJob>();

  constructor(private readonly options: StratumSessionOptions) {
    if (options.connectionId.length === 0 || options.connectionId.length > MAX_CONNECTION_ID_LENGTH) {
      throw new RangeError(
        `A connection id has 1..${MAX_CONNECTION_ID_LENGTH} characters, got ${options.connectionId.length}.`,
      );
    }
    this.nicehash = options.nicehash;
  }

  get loggedIn(): boolean {
    return this.sessionId !== undefined;
  }

  /** Requests sent and not answered yet. */
  get unanswered(): number {
    return this.pending.size;
  }

  /** The first line to send on a new connection. */
  login(): string {
    const { user, pass, agent, algorithm, rigId } = this.options;
    return loginRequest(this.request('login'), { user, pass, agent, algorithm, rigId });
  }

  /** A keepalive for the session, or undefined before login. */
  keepalive(): string | undefined {
    if (this.sessionId === undefined) return undefined;
    return keepaliveRequest(this.request('keepalived'), this.sessionId);
  }

  /** The line that submits a share, or why the pool must not see it. */
  submit(job: Job, nonce: number, hash: Uint8Array): SubmitPlan {
    if (job.source !== 'stratum')
      return { ok: false, reason: `a ${job.source} job cannot be submitted to a Stratum pool` };
    if (this.sessionId === undefined) return { ok: false, reason: 'the pool connection is not logged in yet' };
    const known = this.jobs.get(job.id);
    if (known === undefined) {
      const ours = job.id.startsWith(`${this.options.connectionId}:`);
      return {
        ok: false,
        reason: ours
          ? `job ${job.id} is stale: the pool has sent ${KNOWN_JOBS} newer jobs since`
          : `job ${job.id} came from an earlier connection to the pool, whose session has ended`,
      };
    }
    const range = known.nonceRange ?? { start: 0, count: 2 ** 32 };
    if (!Number.isInteger(nonce) || nonce < range.start || nonce >= range.start + range.count) {
      return { ok: false, reason: `nonce ${nonce} is outside the nonces job ${job.id} allows` };
    }
    if (hash.length !== 32) return { ok: false, reason: `a RandomX hash has 32 bytes, got ${hash.length}` };
    if (!meetsShareTarget(hash, known.target)) {
      return { ok: false, reason: `the hash does not meet the pool's share target for job ${job.id}` };
    }
    const requestId = this.request('submit');
    const line = submitRequest(requestId, {
      sessionId: this.sessionId,
      poolJobId: known.poolJobId,
      nonce,
      hash,
      algorithm: this.options.algorithm,
    });
    return { ok: true, requestId, line };
  }

  /** Reads one line from the pool. Never throws: whatever is wrong with the line comes back as an `invalid` event. */
  receive(line: string): SessionEvent[] {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      return [invalid(`the pool sent a line that is not JSON: ${excerpt(line)}`)];
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return [invalid(`the pool sent JSON that is not an object: ${excerpt(line)}`)];
    }
    if ('method' in data) return this.notification(data.method, data);
    return this.reply(data);
  }

  private notification(method: unknown, data: object): SessionEvent[] {
    if (method !== 'job') return [invalid(`the pool sent an unknown method ${excerpt(JSON.stringify(method) ?? '')}`)];
    const checked = checkJobNotification(data);
    if (!checked.ok) return [invalid(`the pool sent a malformed job: ${checked.error}`)];
    return [this.acceptJob(checked.value.params)];
  }

  private reply(data: object): SessionEvent[] {
    const checked = checkReply(data);
    if (!checked.ok) return [invalid(`the pool sent a malformed reply: ${checked.error}`)];
    const { id, result, error } = checked.value;
    const kind = this.pending.get(id);
    if (kind === undefined)
      return [invalid(`the pool answered request ${id}, which was never sent or already answered`)];
    this.pending.delete(id);
    const refusal = error?.message;

    switch (kind) {
      case 'login': {
        if (refusal !== undefined) return [{ kind: 'loginFailed', reason: `the pool refused the login: ${refusal}` }];
        const login = checkLoginResult(result);
        if (!login.ok) return [{ kind: 'loginFailed', reason: `the pool's login answer is malformed: ${login.error}` }];
        const extensions = login.value.extensions ?? [];
        this.sessionId = login.value.id;
        this.nicehash = this.options.nicehash || extensions.includes('nicehash');
        const events: SessionEvent[] = [
          { kind: 'loggedIn', extensions, nicehash: this.nicehash, keepalive: extensions.includes('keepalive') },
        ];
        if (login.value.job !== undefined) events.push(this.acceptJob(login.value.job));
        return events;
      }
      case 'submit': {
        if (refusal !== undefined) return [answered(id, { accepted: false, reason: refusal })];
        const status = checkStatusResult(result);
        if (!status.ok)
          return [answered(id, { accepted: false, reason: `the pool's answer is malformed: ${status.error}` })];
        if (status.value.status.toUpperCase() !== 'OK') {
          return [
            answered(id, { accepted: false, reason: `the pool answered status ${excerpt(status.value.status)}` }),
          ];
        }
        return [answered(id, { accepted: true, block: null })];
      }
      case 'keepalived':
        // Any answer, even an error from a pool that does not know the method, shows the connection is alive.
        return [{ kind: 'keepaliveAnswered' }];
    }
  }

  private acceptJob(poolJob: PoolJob): SessionEvent {
    if (this.sessionId === undefined) return invalid('the pool sent a job before answering the login');
    this.jobSequence += 1;
    const converted = convertPoolJob(poolJob, {
      id: `${this.options.connectionId}:${this.jobSequence}:${poolJob.job_id}`,
      algorithm: this.options.algorithm,
      nicehash: this.nicehash,
      now: this.options.now(),
    });
    if (!converted.ok) return invalid(`the pool sent ${converted.error}`);
    const { job, target, poolJobId } = converted;
    this.jobs.set(job.id, { poolJobId, target, nonceRange: job.nonceRange });
    for (const oldest of this.jobs.keys()) {
      if (this.jobs.size <= KNOWN_JOBS) break;
      this.jobs.delete(oldest);
    }
    return { kind: 'job', job };
  }

  private request(kind: RequestKind): number {
    const id = this.nextRequestId++;
    this.pending.set(id, kind);
    return id;
  }
}

function invalid(reason: string): SessionEvent {
  return { kind: 'invalid', reason };
}

function answered(requestId: number, verdict: SourceVerdict): SessionEvent {
  return { kind: 'submitAnswered', requestId, verdict };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}

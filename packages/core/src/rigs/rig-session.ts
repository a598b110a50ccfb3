// One xmrig rig's connection to the gateway's Stratum server, sans-IO: it reads the rig's lines and the clock, and
// answers with lines to send, a close, or what the gateway must decide (a login to give work to, a share to verify).
// It checks everything the protocol itself can: the login and its algorithms, a `+N` fixed difficulty, the job ids it
// issued and which of them are stale, repeated nonces, and the rig's claimed result against the job's target; the
// gateway recomputes the hash before it answers a share. The caller owns the socket and the timers.
import { bytesToHex, hexToBytes } from '../hex.js';
import { LineSplitter } from '../sources/stratum/line-splitter.js';
import { formatStratumTarget, meetsShareTarget, targetForDifficulty } from '../target.js';
import {
  checkKeepaliveParams,
  checkLoginParams,
  checkRequest,
  checkSubmitParams,
  errorLine,
  jobLine,
  RIG_ERRORS,
  type RigRequest,
  replyLine,
} from './rig-messages.js';

/** Jobs a rig may still submit shares for: the newest ones, oldest forgotten first. */
export const KNOWN_RIG_JOBS = 8;
/** Nonces remembered per job, to refuse a repeat; past this, the job's oldest are forgotten. */
const NONCES_PER_JOB = 4096;

export interface RigSessionOptions {
  /** The session id the login answer gives the rig, which its submits carry. */
  sessionId: string;
  /** The algorithms the cluster mines, as xmrig names them (`rx/0`). */
  algorithms: readonly string[];
  /** The protocol extensions the server supports, as the login answer lists them. */
  extensions: readonly string[];
  /** When the connection opened, on the caller's monotonic clock in ms. */
  openedAt: number;
  /** A rig that has not logged in this long after connecting is closed. */
  loginTimeoutMs: number;
  /** A longer line is refused (and the rest of it skipped). */
  maxLineLength: number;
  /** Refused requests (bad JSON, unknown methods, missing fields) before the connection is closed. */
  maxBadRequests: number;
  /** Accepted for `+N`: a fixed difficulty below this is raised to it. */
  minDifficulty: bigint;
}

/** What the rig said at login. */
export interface RigLogin {
  /** The worker name, without a `+N` suffix. */
  worker: string;
  /** Fixed by a `+N` suffix of the login; undefined leaves it to vardiff. */
  fixedDifficulty: bigint | undefined;
  agent: string | undefined;
  rigId: string | undefined;
  /** The first algorithm of the rig's list that the cluster mines. */
  algorithm: string;
}

/** A job as the session sends it: the gateway chose the blob (this rig's own) and the difficulty. */
export interface RigJob {
  id: string;
  blob: Uint8Array;
  difficulty: bigint;
  height: number;
  seedHash: Uint8Array;
  algorithm: string;
}

/** A share the protocol found nothing wrong with; the gateway verifies it and answers with answerShare(). */
export interface RigShare {
  /** What answerShare() is called with. */
  ticket: number;
  jobId: string;
  nonce: number;
  /** The hash the rig claims. */
  result: Uint8Array;
  difficulty: bigint;
}

export type RigOutput =
  | { kind: 'send'; line: string }
  | { kind: 'close'; reason: string }
  /** The gateway answers with acceptLogin(first job) or refuseLogin(message). */
  | { kind: 'login'; login: RigLogin }
  | { kind: 'share'; share: RigShare }
  /** Something the rig did wrong, for a log line; it has been answered. */
  | { kind: 'problem'; message: string };

interface KnownJob {
  job: RigJob;
  nonces: Set<number>;
}

type Phase = 'connected' | 'loggingIn' | 'working' | 'closed';

export class RigSession {
  private phase: Phase = 'connected';
  private readonly splitter: LineSplitter;
  private badRequests = 0;
  private loginRequestId: RigRequest['id'] = null;
  private readonly jobs = new Map<string, KnownJob>();
  private newestHeight = 0;
  private nextTicket = 1;
  /** Share tickets the gateway has not answered yet, with the rig's request id. */
  private readonly unanswered = new Map<number, RigRequest['id']>();
  private output: RigOutput[] = [];

  constructor(private readonly options: RigSessionOptions) {
    this.splitter = new LineSplitter(options.maxLineLength, 'the rig');
  }

  get loggedIn(): boolean {
    return this.phase === 'working';
  }

  get open(): boolean {
    return this.phase !== 'closed';
  }

  /** When the caller must call timeout(): the login deadline, until the rig has logged in. */
  get deadline(): number | null {
    return this.phase === 'connected' || this.phase === 'loggingIn'
      ? this.options.openedAt + this.options.loginTimeoutMs
      : null;
  }

  /** Text from the rig, in whatever pieces the connection delivered it. */
  receive(text: string): RigOutput[] {
    if (this.phase === 'closed') return [];
    const { lines, errors } = this.splitter.push(text);
    for (const error of errors) this.refuse(null, `${error}.`, 'Line too long');
    for (const line of lines) {
      // A line may close the connection; what follows it is not read.
      if (!this.open) break;
      this.handleLine(line);
    }
    return this.drain();
  }

  /** The rig closed its side: a line it cut short is worth a log line. */
  ended(): RigOutput[] {
    const cut = this.splitter.end();
    if (cut !== undefined) this.output.push({ kind: 'problem', message: `${cut}.` });
    this.phase = 'closed';
    return this.drain();
  }

  timeout(now: number): RigOutput[] {
    const { deadline } = this;
    if (deadline !== null && now >= deadline) {
      this.close(`no login within ${this.options.loginTimeoutMs / 1000} s of connecting`);
    }
    return this.drain();
  }

  /** Answers the rig's login with its first job. */
  acceptLogin(job: RigJob): RigOutput[] {
    if (this.phase !== 'loggingIn') return [];
    this.phase = 'working';
    const result = {
      id: this.options.sessionId,
      job: this.remember(job),
      extensions: [...this.options.extensions],
      status: 'OK',
    };
    this.output.push({ kind: 'send', line: replyLine(this.loginRequestId, result) });
    return this.drain();
  }

  /** Refuses the rig's login with `message` (a sentence for its log) and closes the connection. */
  refuseLogin(message: string): RigOutput[] {
    if (this.phase !== 'loggingIn') return [];
    this.output.push({ kind: 'send', line: errorLine(this.loginRequestId, message) });
    this.close(`login refused: ${message}`);
    return this.drain();
  }

  /** Sends the rig new work: a new block, a new blob, or a new difficulty. */
  pushJob(job: RigJob): RigOutput[] {
    if (this.phase !== 'working') return [];
    this.output.push({ kind: 'send', line: jobLine(this.remember(job)) });
    return this.drain();
  }

  /** The gateway's verdict on a share: accepted, or refused with one of RIG_ERRORS' words. */
  answerShare(ticket: number, verdict: { accepted: true } | { accepted: false; error: string }): RigOutput[] {
    const requestId = this.unanswered.get(ticket);
    if (requestId === undefined || this.phase === 'closed') return [];
    this.unanswered.delete(ticket);
    const line = verdict.accepted ? replyLine(requestId, { status: 'OK' }) : errorLine(requestId, verdict.error);
    this.output.push({ kind: 'send', line });
    return this.drain();
  }

  /** The rig is banned: its pending shares and any later request are answered so, and the connection closes. */
  ban(reason: string): RigOutput[] {
    for (const requestId of this.unanswered.values()) {
      this.output.push({ kind: 'send', line: errorLine(requestId, RIG_ERRORS.banned) });
    }
    this.unanswered.clear();
    this.close(`banned: ${reason}`);
    return this.drain();
  }

  private handleLine(line: string): void {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      this.refuse(null, `the rig sent a line that is not JSON: ${excerpt(line)}.`, 'Malformed JSON');
      return;
    }
    if (!checkRequest.Check(data)) {
      this.refuse(null, `the rig sent JSON that is not a request: ${excerpt(line)}.`, 'Invalid request');
      return;
    }
    switch (data.method) {
      case 'login':
        this.login(data);
        return;
      case 'submit':
        this.submit(data);
        return;
      case 'keepalived':
        this.keepalive(data);
        return;
      default:
        this.refuse(data.id, `the rig called an unknown method ${excerpt(data.method)}.`, 'Unknown method');
    }
  }

  private login(request: RigRequest): void {
    if (this.phase !== 'connected') {
      this.refuse(request.id, 'the rig logged in twice on one connection.', 'Already logged in');
      return;
    }
    if (!checkLoginParams.Check(request.params)) {
      this.refuse(
        request.id,
        `the rig's login is malformed: ${firstError(checkLoginParams, request.params)}.`,
        'Invalid login',
      );
      return;
    }
    const { login, agent, rigid, algo } = request.params;
    const offered = algo ?? [...this.options.algorithms];
    const algorithm = offered.find((name) => this.options.algorithms.includes(name));
    if (algorithm === undefined) {
      const message =
        `This cluster mines ${this.options.algorithms.join(', ')}, and the rig offers ${offered.join(', ') || 'none'}: ` +
        `start xmrig with --algo ${this.options.algorithms[0]}.`;
      this.output.push({ kind: 'send', line: errorLine(request.id, message) });
      this.close(`the rig mines no algorithm of the cluster's (${offered.join(', ')})`);
      return;
    }
    const fixed = /^(.*)\+(\d{1,15})$/.exec(login);
    const worker = (fixed?.[1] ?? login).trim() || 'rig';
    const asked = fixed?.[2] === undefined ? undefined : BigInt(fixed[2]);
    const fixedDifficulty =
      asked === undefined ? undefined : asked < this.options.minDifficulty ? this.options.minDifficulty : asked;
    this.phase = 'loggingIn';
    this.loginRequestId = request.id;
    this.output.push({ kind: 'login', login: { worker, fixedDifficulty, agent, rigId: rigid, algorithm } });
  }

  private submit(request: RigRequest): void {
    if (this.phase !== 'working') {
      this.refuse(request.id, 'the rig submitted a share before logging in.', RIG_ERRORS.unauthenticated);
      return;
    }
    if (!checkSubmitParams.Check(request.params)) {
      this.refuse(
        request.id,
        `the rig's share is malformed: ${firstError(checkSubmitParams, request.params)}.`,
        'Invalid params',
      );
      return;
    }
    const { id, job_id: jobId, nonce: nonceHex, result: resultHex } = request.params;
    if (id !== this.options.sessionId) {
      this.refuse(request.id, 'the rig submitted a share for another session.', RIG_ERRORS.unauthenticated);
      return;
    }
    const known = this.jobs.get(jobId);
    if (known === undefined) {
      this.answerNow(
        request.id,
        RIG_ERRORS.invalidJobId,
        `the rig submitted a share for job ${excerpt(jobId)}, which it was never sent or is long gone.`,
      );
      return;
    }
    if (known.job.height < this.newestHeight) {
      this.answerNow(request.id, RIG_ERRORS.stale, `the rig submitted a share for job ${jobId} of an earlier block.`);
      return;
    }
    const nonce = new DataView(hexToBytes(nonceHex).buffer).getUint32(0, true);
    if (known.nonces.has(nonce)) {
      this.answerNow(request.id, RIG_ERRORS.duplicate, `the rig submitted nonce ${nonceHex} of job ${jobId} again.`);
      return;
    }
    const result = hexToBytes(resultHex);
    if (!meetsShareTarget(result, targetForDifficulty(known.job.difficulty))) {
      this.answerNow(request.id, RIG_ERRORS.lowDifficulty, `the rig's share for job ${jobId} is below its difficulty.`);
      return;
    }
    known.nonces.add(nonce);
    if (known.nonces.size > NONCES_PER_JOB) known.nonces.delete(known.nonces.values().next().value as number);
    const ticket = this.nextTicket++;
    this.unanswered.set(ticket, request.id);
    this.output.push({ kind: 'share', share: { ticket, jobId, nonce, result, difficulty: known.job.difficulty } });
  }

  private keepalive(request: RigRequest): void {
    if (this.phase !== 'working') {
      this.refuse(request.id, 'the rig sent a keepalive before logging in.', RIG_ERRORS.unauthenticated);
      return;
    }
    if (request.params !== undefined && !checkKeepaliveParams.Check(request.params)) {
      this.refuse(request.id, "the rig's keepalive is malformed.", 'Invalid params');
      return;
    }
    this.output.push({ kind: 'send', line: replyLine(request.id, { status: 'KEEPALIVED' }) });
  }

  /** Remembers a job sent to the rig, and answers it as the rig reads it. */
  private remember(job: RigJob) {
    this.jobs.delete(job.id);
    this.jobs.set(job.id, { job, nonces: new Set() });
    for (const oldest of this.jobs.keys()) {
      if (this.jobs.size <= KNOWN_RIG_JOBS) break;
      this.jobs.delete(oldest);
    }
    this.newestHeight = Math.max(this.newestHeight, job.height);
    return {
      blob: bytesToHex(job.blob),
      job_id: job.id,
      target: formatStratumTarget(job.difficulty),
      height: job.height,
      seed_hash: bytesToHex(job.seedHash),
      algo: job.algorithm,
      id: this.options.sessionId,
    };
  }

  /** A share refused for what it is (not for a fault of the rig's software): answered, and logged. */
  private answerNow(requestId: RigRequest['id'], error: string, why: string): void {
    this.output.push({ kind: 'send', line: errorLine(requestId, error) }, { kind: 'problem', message: why });
  }

  /** A request the rig should not have sent: answered with `error`, logged, and counted towards a close. */
  private refuse(requestId: RigRequest['id'], why: string, error: string): void {
    this.output.push({ kind: 'send', line: errorLine(requestId, error) }, { kind: 'problem', message: why });
    this.badRequests++;
    if (this.badRequests >= this.options.maxBadRequests) {
      this.close(`${this.badRequests} refused requests`);
    }
  }

  private close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.output.push({ kind: 'close', reason });
  }

  private drain(): RigOutput[] {
    const output = this.output;
    this.output = [];
    return output;
  }
}

function firstError(
  validator: { Errors(value: unknown): Iterable<{ instancePath: string; message: string }> },
  value: unknown,
): string {
  for (const error of validator.Errors(value)) return `${error.instancePath || 'params'} ${error.message}`;
  return 'params missing';
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}

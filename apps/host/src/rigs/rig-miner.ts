// The miner of a rig's cluster peer: it hands each lease on to the xmrig rig as a Stratum job, and each share the rig
// submits back to the peer, which sends it up like any member's; the coordinator's answer goes back to the rig.
// A rig does not say how far it got, so the lease's progress is an estimate: the rate its accepted shares show (or
// a modest CPU's until they show one) times the time since the job went out, and never less than its highest
// share proves.
import {
  difficultyForTarget,
  type Job,
  type Lease,
  type PeerNotice,
  REPLACED_LEASES_KEPT,
  RIG_ERRORS,
  RIG_NONCE_BLOCK,
  type RigJob,
  type RigShare,
  type ShareRejection,
  withNonce,
} from '@rxmesh/core';
import { HashrateMeter, type LeaseMiner, type Progress } from '@rxmesh/mesh';
import type { ShareVerdict } from './stratum-server.js';

/** A rig's hashrate before its shares show one. */
const ASSUMED_RATE = 1000;
/** Accepted shares needed before their rate replaces the assumed one. */
const SHARES_TO_MEASURE = 3;
/** The rate is measured over the shares of this long. */
const MEASURE_MS = 10 * 60_000;
/** How often the lease's estimated progress goes to the peer, which asks for work near a lease's end. */
const REPORT_MS = 2000;
/** Leases whose late shares are still taken: the current one and those the cluster peer still takes shares for. */
const RECENT_LEASES = REPLACED_LEASES_KEPT + 1;

/** The coordinator's refusals in the words miners know. */
const REFUSAL_WORDS: Record<ShareRejection, string> = {
  'unknown-job': RIG_ERRORS.invalidJobId,
  stale: RIG_ERRORS.stale,
  duplicate: RIG_ERRORS.duplicate,
  'out-of-range': RIG_ERRORS.invalidShare,
  'low-difficulty': RIG_ERRORS.lowDifficulty,
  invalid: RIG_ERRORS.invalidShare,
  banned: RIG_ERRORS.banned,
};

/** What the miner needs of the rig's connection. */
export interface RigLink {
  pushJob(job: RigJob): void;
  ban(reason: string): void;
}

interface Assignment {
  job: Job;
  lease: Lease;
  target: bigint;
  rigJob: RigJob;
  sentAt: number;
  /** Nonces past the lease's start that the rig's shares prove it reached. */
  reached: number;
  /** The progress last reported. */
  reported: number;
}

export class RigMiner implements LeaseMiner {
  readonly meter = new HashrateMeter();
  private current: Assignment | undefined;
  private readonly recent: Assignment[] = [];
  /** Shares sent up, by "jobId:nonce", with what answers the rig. */
  private readonly waiting = new Map<string, { difficulty: bigint; answer: (verdict: ShareVerdict) => void }>();
  private readonly accepted: { at: number; work: number }[] = [];
  private link: RigLink | undefined;
  /** When the first job went out: the rate is measured from then at the earliest. */
  private startedAt: number | undefined;
  private firstJob: ((job: RigJob) => void) | undefined;
  private lastReportAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly report: (progress: Progress) => void,
    private readonly algorithm: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastReportAt = now();
    this.timer = setInterval(() => this.reportProgress(), REPORT_MS);
  }

  get mining(): boolean {
    return this.current !== undefined;
  }

  hashrate(now = this.now()): number {
    return this.meter.rate(now);
  }

  get shareTarget(): bigint | undefined {
    return this.current?.target;
  }

  /** The first job, once the cluster has leased the rig work; the rig's login waits for it. */
  firstJobReady(): Promise<RigJob> {
    const { current } = this;
    if (current !== undefined) return Promise.resolve(current.rigJob);
    return new Promise((resolve) => {
      this.firstJob = resolve;
    });
  }

  /** The rig's login was answered: later jobs go to it. */
  attach(link: RigLink): void {
    this.link = link;
  }

  mine(job: Job, lease: Lease, target: bigint): void {
    const rigJob: RigJob = {
      // The cluster's job and the lease, for whoever reads the rig's log beside the gateway's.
      id: `${job.id}/${lease.id}`,
      // The nonce's top byte names the rig's block; xmrig counts the low 24 bits from zero.
      blob: withNonce(job.blob, lease.start),
      difficulty: difficultyForTarget(target),
      height: job.height,
      seedHash: job.seedHash,
      algorithm: this.algorithm,
    };
    const now = this.now();
    this.startedAt ??= now;
    this.lastReportAt = now;
    this.current = { job, lease, target, rigJob, sentAt: now, reached: 0, reported: 0 };
    this.recent.push(this.current);
    if (this.recent.length > RECENT_LEASES) this.recent.shift();
    if (this.firstJob !== undefined) {
      this.firstJob(rigJob);
      this.firstJob = undefined;
    } else this.link?.pushJob(rigJob);
  }

  /** The rig keeps hashing its last job (Stratum cannot pause it); its shares are still taken. */
  idle(): void {
    this.reportProgress();
    this.current = undefined;
  }

  pause(): void {
    this.meter.pause();
  }

  resume(): void {
    this.meter.resume();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.current = undefined;
    for (const { answer } of this.waiting.values()) answer({ accepted: false, error: RIG_ERRORS.stale });
    this.waiting.clear();
  }

  /** A share the rig's session found nothing wrong with: it goes up, and resolves with the coordinator's answer. */
  share(share: RigShare): Promise<ShareVerdict> {
    const assignment = this.recent.find((candidate) => candidate.rigJob.id === share.jobId);
    if (assignment === undefined) return Promise.resolve({ accepted: false, error: RIG_ERRORS.stale });
    const offset = share.nonce - assignment.lease.start;
    // An xmrig keeps the nonce's top byte; a share outside its block is not its work.
    if (offset < 0 || offset >= RIG_NONCE_BLOCK) {
      return Promise.resolve({ accepted: false, error: RIG_ERRORS.invalidShare });
    }
    assignment.reached = Math.max(assignment.reached, offset + 1);
    const key = `${assignment.job.id}:${share.nonce}`;
    const verdict = new Promise<ShareVerdict>((answer) =>
      this.waiting.set(key, { difficulty: share.difficulty, answer }),
    );
    const hashes = this.progressOf(assignment);
    this.report({ leaseId: assignment.lease.id, hashes, shares: [{ nonce: share.nonce, hash: share.result }] });
    return verdict;
  }

  notice(notice: PeerNotice): void {
    if (notice.kind === 'banned') this.link?.ban(notice.reason);
    if (notice.kind !== 'shareResult') return;
    const key = `${notice.jobId}:${notice.nonce}`;
    const waiting = this.waiting.get(key);
    if (waiting === undefined) return;
    this.waiting.delete(key);
    if (notice.accepted) {
      this.accepted.push({ at: this.now(), work: Number(waiting.difficulty) });
      waiting.answer({ accepted: true });
    } else {
      waiting.answer({ accepted: false, error: REFUSAL_WORDS[notice.reason ?? 'invalid'] });
    }
  }

  /** The rate the rig's accepted shares show, once there are enough of them. */
  private rate(now: number): number {
    while (this.accepted.length > 0 && (this.accepted[0]?.at ?? now) < now - MEASURE_MS) this.accepted.shift();
    const span = now - Math.max(this.startedAt ?? now, now - MEASURE_MS);
    if (this.accepted.length < SHARES_TO_MEASURE || span <= 0) return ASSUMED_RATE;
    let work = 0;
    for (const share of this.accepted) work += share.work;
    return (1000 * work) / span;
  }

  /** How far into its lease the rig is, as far as anyone can tell: never back, never past the lease. */
  private progressOf(assignment: Assignment): number {
    const now = this.now();
    const estimate = Math.floor((this.rate(now) * (now - assignment.sentAt)) / 1000);
    const progress = Math.min(assignment.lease.count, Math.max(assignment.reported, assignment.reached, estimate));
    if (assignment === this.current && progress > assignment.reported) {
      this.meter.record(this.lastReportAt, now, progress - assignment.reported);
      this.lastReportAt = now;
    }
    assignment.reported = progress;
    return progress;
  }

  private reportProgress(): void {
    const { current } = this;
    if (current === undefined) return;
    const before = current.reported;
    const hashes = this.progressOf(current);
    if (hashes > before) this.report({ leaseId: current.lease.id, hashes, shares: [] });
  }
}

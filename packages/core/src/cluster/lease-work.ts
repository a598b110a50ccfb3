// A peer's own mining work: the lease it mines and those queued behind it, its measured hashrate, the shares it sent
// and has no answer for yet (sent again after a coordinator or route change), and when it asks for more work.

import { bytesToHex } from '../hex.js';
import type { Job } from '../jobs/job.js';
import { meetsDifficulty } from '../target.js';
import type { PeerAction } from './peer.js';
import { type DownBody, type Lease, type PeerInfo, PROTOCOL_VERSION, type UpBody } from './wire.js';

interface Work {
  lease: Lease;
  job: Job;
  hashes: number;
  /** The term of the coordinator that issued the lease. */
  term: number;
}

type ShareBody = Extract<UpBody, { type: 'share' }>;

/** What a peer's lease work reads of the peer. */
export interface LeaseWorkContext {
  /** The peer's own info: whether it mines, and its hashrate, which this measures. */
  readonly info: PeerInfo;
  /** Ask for the next lease when this much work is left. */
  readonly renewSeconds: number;
  now(): number;
  push(action: PeerAction): void;
  sendUp(body: UpBody): void;
  /** Whether the peer is in the tree (a member or the coordinator), so it can ask for work. */
  placed(): boolean;
  /** The term of the coordinator the peer follows: leases taken now are of that term. */
  term(): number;
}

const HASHRATE_SMOOTHING = 0.3;
/** Leases replaced before they were done that still take the shares of their last batch. */
export const REPLACED_LEASES_KEPT = 4;
/** How soon a peer with nothing to mine asks again for work. */
const IDLE_REPEAT_MS = 2000;

export class LeaseWork {
  private current: Work | undefined;
  private queued: Work[] = [];
  /** Leases replaced before they were done, whose last batch may still report shares. */
  private replaced: Work[] = [];
  private needWorkAt: number | null = null;
  private nextShareSeq = 1;
  private readonly unacked = new Map<number, { body: ShareBody; sentAt: number; term: number }>();
  private lastProgressAt: number | null = null;

  constructor(private readonly context: LeaseWorkContext) {}

  get mining(): { lease: Lease; job: Job } | undefined {
    return this.current;
  }

  /** Shares sent and not yet answered. */
  get unconfirmedShares(): { jobId: string; nonce: number }[] {
    return [...this.unacked.values()].map(({ body }) => ({ jobId: body.jobId, nonce: body.nonce }));
  }

  /** A lease on `job`; `latestJobId` is the newest job the peer knows. */
  take(lease: Lease, job: Job, latestJobId: string | undefined): void {
    if (!this.context.info.mines) return;
    this.needWorkAt = null;
    const work: Work = { lease, job, hashes: 0, term: this.context.term() };
    const latest = lease.jobId === latestJobId;
    if (this.current === undefined || (latest && this.current.job.id !== latestJobId)) {
      // A lease on the newest job replaces older work at once; queued leases of older jobs are dropped.
      this.queued = this.queued.filter((queued) => queued.job.id === latestJobId);
      this.start(work);
    } else {
      this.queued.push(work);
    }
  }

  /** Banned: nothing more is mined. */
  stop(): void {
    this.current = undefined;
    this.queued = [];
    this.context.push({ kind: 'idle' });
  }

  /** The coordinator's answer to a share: the share it answers, if this peer sent it and still waited. */
  answered(result: Extract<DownBody, { type: 'shareResult' }>): { jobId: string; nonce: number } | undefined {
    const share = this.unacked.get(result.seq)?.body;
    if (share === undefined) return undefined;
    this.unacked.delete(result.seq);
    return share;
  }

  /**
   * Forgets the shares without an answer found on leases of terms before `term`: a coordinator that started from its
   * store, without a predecessor's replica, knows none of their jobs, and could only refuse them.
   */
  forgetSharesBefore(term: number): void {
    for (const [seq, share] of this.unacked) if (share.term < term) this.unacked.delete(seq);
  }

  /** Sends again the shares without an answer (all of them, or those waiting longer than `olderThanMs`). */
  resendUnconfirmed(olderThanMs = 0): void {
    const now = this.context.now();
    for (const share of this.unacked.values()) {
      if (now - share.sentAt < olderThanMs) continue;
      share.sentAt = now;
      this.context.sendUp(share.body);
    }
  }

  progress(leaseId: string, hashes: number, shares: readonly { nonce: number; hash: Uint8Array }[]): void {
    const { info } = this.context;
    // A batch cut short by newer work still reports what it found: its shares count, its hashes no longer matter.
    const work = this.current?.lease.id === leaseId ? this.current : this.replaced.find((w) => w.lease.id === leaseId);
    if (work === undefined) return;
    for (const share of shares) {
      const body: ShareBody = {
        v: PROTOCOL_VERSION,
        type: 'share',
        seq: this.nextShareSeq++,
        jobId: work.job.id,
        leaseId,
        nonce: share.nonce,
        hash: bytesToHex(share.hash),
      };
      this.unacked.set(body.seq, { body, sentAt: this.context.now(), term: work.term });
      this.context.sendUp(body);
      if (meetsDifficulty(share.hash, work.job.difficulty)) {
        this.context.push({ kind: 'notice', notice: { kind: 'candidate', job: work.job, nonce: share.nonce } });
      }
    }
    if (work !== this.current) return;
    const now = this.context.now();
    const done = hashes - work.hashes;
    if (this.lastProgressAt !== null && now > this.lastProgressAt && done > 0) {
      const rate = (1000 * done) / (now - this.lastProgressAt);
      info.hashrate = info.hashrate === 0 ? rate : info.hashrate * (1 - HASHRATE_SMOOTHING) + rate * HASHRATE_SMOOTHING;
    }
    this.lastProgressAt = now;
    work.hashes = hashes;
    const left = work.lease.count - hashes;
    if (left <= 0) {
      const next = this.queued.shift();
      if (next !== undefined) this.start(next);
      else {
        this.current = undefined;
        this.context.push({ kind: 'idle' });
      }
    }
    this.maybeAskForWork();
  }

  maybeAskForWork(): void {
    const now = this.context.now();
    const at = this.requestDeadline(now);
    if (at === null || at > now) return;
    this.needWorkAt = now;
    this.context.sendUp({ v: PROTOCOL_VERSION, type: 'needWork', hashrate: this.context.info.hashrate });
  }

  /** When this peer asks for work next: now when little is left and it has not asked, else when an unanswered
   * request is repeated; null while it has enough, or cannot ask. */
  requestDeadline(now: number): number | null {
    const { info, renewSeconds } = this.context;
    if (!info.mines || this.queued.length > 0) return null;
    if (!this.context.placed()) return null;
    const left = this.current === undefined ? 0 : this.current.lease.count - this.current.hashes;
    if (left > info.hashrate * renewSeconds && this.current !== undefined) return null;
    if (this.needWorkAt === null) return now;
    // An unanswered request is repeated: soon when there is nothing left to mine, else after renewSeconds.
    const repeatMs = this.current === undefined ? IDLE_REPEAT_MS : renewSeconds * 1000;
    return this.needWorkAt + repeatMs;
  }

  private start(work: Work): void {
    if (this.current !== undefined) this.replaced = [this.current, ...this.replaced].slice(0, REPLACED_LEASES_KEPT);
    this.current = work;
    this.lastProgressAt = this.context.now();
    this.context.push({ kind: 'mine', job: work.job, lease: work.lease, target: BigInt(work.lease.target) });
  }
}

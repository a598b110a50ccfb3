// The coordinator's share desk: checks each share in order (ban, job, repeat, staleness, lease range, duplicate,
// target), sends it for verification (sampled past capacity, candidates first), strikes and bans a peer for invalid
// work, and answers every share once what it depends on is replicated.

import { hexToBytes, sameBytes } from '../hex.js';
import type { Job } from '../jobs/job.js';
import { meetsDifficulty, meetsShareTarget } from '../target.js';
import type { CoordinatorAction, CoordinatorSettings } from './coordinator.js';
import { accountOf, type ReplicatedState } from './replica.js';
import type { ReplicationLog } from './replication-log.js';
import { type DownBody, type PeerInfo, PROTOCOL_VERSION, type ShareRejection, type UpBody } from './wire.js';
import type { WorkMeter } from './work-meter.js';

/** A member as the share desk sees it. */
export interface ShareSender {
  info: PeerInfo;
  strikes: number;
  verifiedValid: number;
  /** The work of its accepted shares. */
  meter: WorkMeter;
  /** Its shares being verified now. */
  verifying: number;
}

/** A share that passed the checks, being verified or just accepted. */
export interface CheckedShare {
  peer: string;
  seq: number;
  jobId: string;
  nonce: number;
  hash: Uint8Array;
  work: bigint;
  candidate: boolean;
}

/** What the share desk reads of the coordinator. */
export interface ShareDeskContext {
  readonly selfId: string;
  readonly settings: CoordinatorSettings;
  readonly state: ReplicatedState;
  readonly replication: ReplicationLog;
  readonly members: ReadonlyMap<string, ShareSender>;
  now(): number;
  random(): number;
  push(action: CoordinatorAction): void;
  sendDown(peer: string, body: DownBody): void;
  /** Sends `body` down to `to` once the first standby stored entry `seq`. */
  gateDown(seq: number, to: string, body: DownBody): void;
  currentJob(): Job | undefined;
  /** A verified share that meets its job's difficulty, for a height the chain has not passed. */
  foundCandidate(job: Job, share: CheckedShare): void;
}

const TWO_POW_64 = 1n << 64n;

/** What a banned peer is told, over the tree or on the link it asks to join on. */
export function banBody(maxStrikes: number): DownBody {
  return {
    v: PROTOCOL_VERSION,
    type: 'banned',
    reason: `Banned after ${maxStrikes} invalid shares. Check that this miner computes RandomX correctly.`,
  };
}

export class ShareDesk {
  private readonly pending = new Map<number, CheckedShare>();
  /** "jobId:nonce" of shares being verified, and who sent each. */
  private readonly pendingKeys = new Map<string, string>();
  private waitingCandidates: number[] = [];
  private nextTicket = 1;

  constructor(private readonly context: ShareDeskContext) {}

  take(peer: string, share: Extract<UpBody, { type: 'share' }>): void {
    const { state, settings } = this.context;
    if (state.isBanned(peer, this.context.now())) {
      this.reject(peer, share.seq, 'banned', false);
      return;
    }
    const record = state.jobs.get(share.jobId);
    if (record === undefined) {
      this.reject(peer, share.seq, 'unknown-job', false);
      return;
    }
    const finder = record.shares.get(share.nonce);
    // The same peer sending an accepted share again (its answer was lost with a coordinator or a route) gets the
    // answer again, whatever happened since; it is not counted twice.
    if (finder === peer) {
      this.answer(peer, share.seq, true);
      return;
    }
    const now = this.context.now();
    if (record.supersededAt !== null && now - record.supersededAt > settings.staleGraceMs) {
      this.reject(peer, share.seq, 'stale', false);
      return;
    }
    const lease = state.leases.get(share.leaseId);
    if (
      lease === undefined ||
      lease.peer !== peer ||
      lease.lease.jobId !== share.jobId ||
      share.nonce < lease.lease.start ||
      share.nonce >= lease.lease.start + lease.reserved
    ) {
      this.reject(peer, share.seq, 'out-of-range', true);
      return;
    }
    const verifying = this.pendingKeys.get(`${share.jobId}:${share.nonce}`);
    // Being verified for this peer already: the answer comes when the verification does.
    if (verifying === peer) return;
    if (finder !== undefined || verifying !== undefined) {
      this.reject(peer, share.seq, 'duplicate', false);
      return;
    }
    const hash = hexToBytes(share.hash);
    const target = BigInt(lease.lease.target);
    if (!meetsShareTarget(hash, target)) {
      this.reject(peer, share.seq, 'low-difficulty', true);
      return;
    }
    const checked: CheckedShare = {
      peer,
      seq: share.seq,
      jobId: share.jobId,
      nonce: share.nonce,
      hash,
      work: TWO_POW_64 / (target + 1n) || 1n,
      candidate: meetsDifficulty(hash, record.job.difficulty),
    };
    if (!checked.candidate && this.pending.size >= settings.verifyCapacity && !this.sampled(peer)) {
      this.accept(checked, false);
      return;
    }
    const member = this.context.members.get(peer);
    if (member !== undefined && member.verifying >= settings.maxPendingPerPeer) {
      // Unanswered: the peer sends it again later, when its earlier shares are settled.
      this.context.push({ kind: 'notice', notice: { kind: 'refused', peer, refusal: 'verifications-busy' } });
      return;
    }
    if (member !== undefined) member.verifying++;
    this.startVerification(checked);
  }

  handleVerified(ticket: number, hash: Uint8Array): void {
    const share = this.pending.get(ticket);
    if (share === undefined) return;
    this.pending.delete(ticket);
    this.pendingKeys.delete(`${share.jobId}:${share.nonce}`);
    const member = this.context.members.get(share.peer);
    if (member !== undefined) member.verifying = Math.max(0, member.verifying - 1);
    if (!sameBytes(hash, share.hash)) {
      this.reject(share.peer, share.seq, 'invalid', true);
    } else {
      if (member !== undefined) member.verifiedValid++;
      this.accept(share, true);
    }
    this.verifyWaitingCandidate();
  }

  /** Past capacity, a share is checked with a probability that falls as its sender's verified record grows. */
  private sampled(peer: string): boolean {
    const verified = this.context.members.get(peer)?.verifiedValid ?? 0;
    const trust = verified / (verified + 20);
    return this.context.random() < Math.max(0.05, 1 - trust);
  }

  private startVerification(share: CheckedShare): void {
    const ticket = this.nextTicket++;
    this.pending.set(ticket, share);
    this.pendingKeys.set(`${share.jobId}:${share.nonce}`, share.peer);
    if (share.candidate && this.pending.size > this.context.settings.verifyCapacity) {
      this.waitingCandidates.push(ticket);
      return;
    }
    this.requestVerification(ticket, share);
  }

  private requestVerification(ticket: number, share: CheckedShare): void {
    const job = this.context.state.jobs.get(share.jobId)?.job;
    if (job === undefined) return;
    const blob = job.blob.slice();
    this.context.push({ kind: 'verify', ticket, seedHash: job.seedHash, blob, nonce: share.nonce });
  }

  private verifyWaitingCandidate(): void {
    const ticket = this.waitingCandidates.shift();
    const share = ticket === undefined ? undefined : this.pending.get(ticket);
    if (ticket !== undefined && share !== undefined) this.requestVerification(ticket, share);
  }

  private accept(share: CheckedShare, verified: boolean): void {
    const record = this.context.state.jobs.get(share.jobId);
    if (record === undefined || record.shares.has(share.nonce)) return;
    const member = this.context.members.get(share.peer);
    const name = member?.info.name ?? '';
    const seq = this.context.replication.record({
      e: 'share',
      peer: share.peer,
      ...this.accountField(share.peer),
      name,
      jobId: share.jobId,
      nonce: share.nonce,
      work: share.work.toString(),
    });
    this.forgetSmallestAccount();
    member?.meter.add(this.context.now(), Number(share.work));
    this.context.gateDown(seq, share.peer, {
      v: PROTOCOL_VERSION,
      type: 'shareResult',
      seq: share.seq,
      accepted: true,
    });
    this.context.push({ kind: 'notice', notice: { kind: 'share', peer: share.peer, accepted: true, verified } });
    // A candidate for a height the chain has passed would only make an orphan; a replaced job at the same height
    // (a pool's) may still count.
    const current = this.context.currentJob();
    const passed = current !== undefined && record.job.height < current.height;
    if (share.candidate && verified && !passed) this.context.foundCandidate(record.job, share);
  }

  private reject(peer: string, seq: number, reason: ShareRejection, strike: boolean): void {
    const { settings, state, replication } = this.context;
    const member = this.context.members.get(peer);
    replication.record({ e: 'reject', peer, ...this.accountField(peer), name: member?.info.name ?? '' });
    this.forgetSmallestAccount();
    this.context.push({
      kind: 'notice',
      notice: { kind: 'share', peer, accepted: false, reason, verified: reason === 'invalid' },
    });
    this.context.sendDown(peer, { v: PROTOCOL_VERSION, type: 'shareResult', seq, accepted: false, reason });
    // The coordinator's own engine computes what it verifies with: it never bans itself.
    if (!strike || member === undefined || peer === this.context.selfId) return;
    member.verifiedValid = 0;
    const now = this.context.now();
    if (++member.strikes >= settings.maxStrikes && !state.isBanned(peer, now)) {
      replication.record({ e: 'ban', peer, until: now + settings.banMs });
      this.context.sendDown(peer, banBody(settings.maxStrikes));
      this.context.push({ kind: 'notice', notice: { kind: 'banned', peer } });
    }
  }

  /** Answers a repeated accepted share once everything recorded so far is stored by the standby. */
  private answer(peer: string, seq: number, accepted: boolean): void {
    const body: DownBody = { v: PROTOCOL_VERSION, type: 'shareResult', seq, accepted };
    this.context.gateDown(this.context.state.nextSeq - 1, peer, body);
  }

  /** The contributor a member names, on its share and reject entries, when that is not the peer itself. */
  private accountField(peer: string): { account?: string } {
    const account = accountOf(peer, this.context.members.get(peer)?.info);
    return account === peer ? {} : { account };
  }

  /** The ledger keeps maxAccounts contributors: past them, the one credited with the least work goes. */
  private forgetSmallestAccount(): void {
    const { accounts } = this.context.state;
    if (accounts.size <= this.context.settings.maxAccounts) return;
    const ofMembers = new Set([...this.context.members].map(([peer, member]) => accountOf(peer, member.info)));
    let smallest: string | undefined;
    let least: bigint | undefined;
    for (const [peer, account] of accounts) {
      if (ofMembers.has(peer)) continue;
      if (least === undefined || account.work < least) {
        least = account.work;
        smallest = peer;
      }
    }
    if (smallest !== undefined) this.context.replication.record({ e: 'forget', peer: smallest });
  }
}

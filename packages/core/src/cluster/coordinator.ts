// The coordinator role: places peers in the tree, hands out jobs and leases (disjoint nonce ranges sized to each
// peer's hashrate, with a per-peer share target), checks and accounts shares, and replicates its state to its
// standbys before it confirms anything a successor must know.

import { hexToBytes, sameBytes } from '../hex.js';
import { DemoChain } from '../jobs/demo-chain.js';
import type { BlockRecord, Job } from '../jobs/job.js';
import type { Finder } from '../jobs/job-source.js';
import { meetsDifficulty, meetsShareTarget, targetForDifficulty } from '../target.js';
import { ReplicatedState } from './replica.js';
import {
  type BroadcastBody,
  blockToWire,
  type DownBody,
  jobToWire,
  type Lease,
  type Message,
  type PeerInfo,
  PROTOCOL_VERSION,
  type ReplicaEntry,
  type ShareRejection,
  type UpBody,
} from './wire.js';

export interface CoordinatorSettings {
  /** A lease holds about this much work. */
  leaseSeconds: number;
  /** Vardiff aims at one share per this many seconds per peer. */
  shareSeconds: number;
  /** Shares for a job replaced by a new height are still taken this long. */
  staleGraceMs: number;
  /** Verifications in flight before the coordinator starts sampling. */
  verifyCapacity: number;
  /** Invalid shares before a peer is banned. */
  maxStrikes: number;
  /** Links the coordinator holds at most; `joinSlots` of them stay free for peers joining. */
  coordinatorLinks: number;
  joinSlots: number;
  /** Peers that receive the replicated state, best successor first. */
  standbys: number;
  heartbeatMs: number;
  /** A member not heard from for this long is dropped. */
  memberTimeoutMs: number;
  /** Hashrate assumed for a peer that has not measured its own yet. */
  defaultHashrate: number;
}

export const DEFAULT_COORDINATOR_SETTINGS: CoordinatorSettings = {
  leaseSeconds: 30,
  shareSeconds: 15,
  staleGraceMs: 2000,
  verifyCapacity: 4,
  maxStrikes: 3,
  coordinatorLinks: 64,
  joinSlots: 8,
  standbys: 2,
  heartbeatMs: 2000,
  memberTimeoutMs: 35_000,
  defaultHashrate: 10,
};

/** What the coordinator asks of the peer that hosts it. */
export interface CoordinatorHost {
  readonly selfId: string;
  now(): number;
  random(): number;
  /** Sends to a peer this one has a direct link with. */
  send(to: string, message: Message): void;
  /** The peers linked below the host peer, who receive its broadcasts. */
  children(): Iterable<string>;
  /** Delivers a down body addressed to the host peer itself. */
  deliverToSelf(body: DownBody): void;
  verify(ticket: number, seedHash: Uint8Array, blob: Uint8Array, nonce: number): void;
  /** A verified candidate for an external source, and who found it. */
  submitBlock(job: Job, nonce: number, hash: Uint8Array, finder: Finder): void;
  notice(notice: CoordinatorNotice): void;
}

export type CoordinatorNotice =
  | { kind: 'share'; peer: string; accepted: boolean; reason?: ShareRejection; verified: boolean }
  | { kind: 'block'; block: BlockRecord }
  | { kind: 'job'; job: Job }
  | { kind: 'lease'; peer: string; lease: Lease }
  | { kind: 'banned'; peer: string };

interface Member {
  info: PeerInfo;
  /** The coordinator's id for its own children. */
  parent: string;
  /** Attached and heard from over the tree, so routes to it work. */
  confirmed: boolean;
  lastSeen: number;
  strikes: number;
  verifiedValid: number;
  /** When it was last given a lease, to hold back a peer that asks for work faster than it could do it. */
  lastLeaseAt: number;
  /** Nonces in that lease. */
  lastLeaseCount: number;
}

interface PendingShare {
  peer: string;
  seq: number;
  jobId: string;
  nonce: number;
  hash: Uint8Array;
  work: bigint;
  candidate: boolean;
}

type Gated = { seq: number; to: string; body: DownBody; since: number };

/** A standby that leaves confirmations waiting this long is passed over for a while. */
const STANDBY_ACK_TIMEOUT_MS = 3000;
const SLOW_STANDBY_PENALTY_MS = 60_000;
const RETEMPLATE_MIN_MS = 5000;

const TWO_POW_64 = 1n << 64n;

export class Coordinator {
  readonly state: ReplicatedState;
  private readonly members = new Map<string, Member>();
  private readonly chain: DemoChain | undefined;
  private currentJobId: string | undefined;
  private succession: string[] = [];
  /** Replica entries not yet acknowledged by every standby, the first one numbered logBase. */
  private log: ReplicaEntry[] = [];
  private logBase: number;
  private readonly standbyAcked = new Map<string, number>();
  private readonly standbySent = new Map<string, number>();
  private gated: Gated[] = [];
  /** Standbys that kept confirmations waiting, and until when they are passed over. */
  private readonly slowStandbys = new Map<string, number>();
  private readonly pending = new Map<number, PendingShare>();
  /** "jobId:nonce" of shares being verified, and who sent each. */
  private readonly pendingKeys = new Map<string, string>();
  private waitingCandidates: number[] = [];
  private nextTicket = 1;
  private nextLease = 1;
  private lastHeartbeat = Number.NEGATIVE_INFINITY;
  private lastRetemplateAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly host: CoordinatorHost,
    readonly term: number,
    readonly settings: CoordinatorSettings,
    options: { state?: ReplicatedState; demo: boolean; selfInfo: PeerInfo },
  ) {
    this.state = options.state ?? new ReplicatedState();
    this.logBase = this.state.nextSeq;
    this.members.set(host.selfId, this.newMember(options.selfInfo, host.selfId, true));
    this.chain = options.demo ? new DemoChain({ tail: this.state.blocks }) : undefined;
  }

  get currentJob(): Job | undefined {
    return this.currentJobId === undefined ? undefined : this.state.jobs.get(this.currentJobId)?.job;
  }

  get successors(): readonly string[] {
    return this.succession;
  }

  /** Starts mining: a demo template now, or the last job a predecessor announced (an external source's next job
   * replaces it). */
  start(): void {
    if (this.chain !== undefined) this.newDemoJob();
    else {
      const latest = [...this.state.jobs.values()].at(-1)?.job;
      if (latest !== undefined) this.currentJobId = latest.id;
    }
    this.heartbeat();
  }

  /** An external source's new job. */
  setJob(job: Job): void {
    this.record({ e: 'job', job: jobToWire(job) });
    this.announceJob(job);
  }

  /** Every peer the coordinator has placed, itself included. */
  memberIds(): string[] {
    return [...this.members.keys()];
  }

  /** The members' hashrates; a miner that has not measured its own yet counts at the default. */
  clusterHashrate(): number {
    let sum = 0;
    for (const member of this.members.values()) if (member.info.mines) sum += this.hashrateOf(member);
    return sum;
  }

  totals() {
    return {
      peers: this.members.size,
      hashrate: this.clusterHashrate(),
      sharesAccepted: this.state.sharesAccepted,
      sharesRejected: this.state.sharesRejected,
      blocksFound: this.state.blocksFound,
    };
  }

  /** A peer on a direct link asks to be placed; returns false when it is banned. */
  admit(info: PeerInfo, orphan: boolean): void {
    const id = info.id;
    if (this.state.banned.has(id)) {
      this.host.send(id, this.banMessage());
      return;
    }
    const previous = this.members.get(id);
    const parent = this.placeFor(id, info, orphan && previous !== undefined);
    this.members.set(id, { ...(previous ?? this.newMember(info, parent, false)), info, parent, confirmed: false });
    this.host.send(id, {
      v: PROTOCOL_VERSION,
      type: 'welcome',
      term: this.term,
      parent,
      succession: this.succession,
      job: this.currentJob === undefined ? null : jobToWire(this.currentJob),
      blocks: this.state.blocks.slice(-16).map(blockToWire),
    });
  }

  /** What `id` last reported about itself (its hashrate included), if the coordinator knows the peer. */
  memberInfo(id: string): PeerInfo | undefined {
    return this.members.get(id)?.info;
  }

  /** Where the coordinator placed `id`, if it knows the peer. */
  parentOf(id: string): string | undefined {
    return this.members.get(id)?.parent;
  }

  handleUp(origin: string, path: readonly string[], body: UpBody): void {
    const member = this.members.get(origin);
    switch (body.type) {
      case 'status': {
        if (body.info.id !== origin) return;
        const parent = path[0] ?? this.host.selfId;
        const known = member ?? this.newMember(body.info, parent, true);
        const first = !known.confirmed;
        Object.assign(known, { info: body.info, parent, confirmed: true, lastSeen: this.host.now() });
        this.members.set(origin, known);
        if (this.retemplateForHashrate()) return; // the new job brings everyone a lease
        if (first && body.info.mines) this.issueLease(origin);
        return;
      }
      case 'needWork': {
        if (member === undefined) return;
        const now = this.host.now();
        member.lastSeen = now;
        member.info = { ...member.info, hashrate: body.hashrate };
        // A peer asks once it has little work left; one that asks again within a sixth of its last lease, at the
        // rate it reports now, is ignored. A lease sized before its rate was known may last far less than planned.
        const lastLeaseMs = (1000 * member.lastLeaseCount) / Math.max(1, body.hashrate);
        if (now - member.lastLeaseAt >= lastLeaseMs / 6) this.issueLease(origin);
        return;
      }
      case 'share':
        if (member !== undefined) member.lastSeen = this.host.now();
        this.takeShare(origin, body);
        return;
      case 'gone':
        // Only the parent knows that a link to its child went down.
        if (this.members.get(body.peer)?.parent === origin) this.drop(body.peer);
        return;
      case 'replicaAck':
        if (!this.succession.includes(origin)) return;
        this.standbyAcked.set(origin, body.seq);
        if (body.resend) this.standbySent.set(origin, body.seq);
        this.release();
        return;
    }
  }

  /** A peer's link to the coordinator itself went down. */
  drop(peer: string): void {
    if (peer === this.host.selfId) return;
    this.members.delete(peer);
  }

  handleVerified(ticket: number, hash: Uint8Array): void {
    const share = this.pending.get(ticket);
    if (share === undefined) return;
    this.pending.delete(ticket);
    this.pendingKeys.delete(`${share.jobId}:${share.nonce}`);
    if (!sameBytes(hash, share.hash)) {
      this.reject(share.peer, share.seq, 'invalid', true);
    } else {
      const member = this.members.get(share.peer);
      if (member !== undefined) member.verifiedValid++;
      this.accept(share, true);
    }
    this.verifyWaitingCandidate();
  }

  /** An external source's answer to submitBlock. */
  handleBlockResult(block: BlockRecord | null): void {
    if (block === null) return;
    this.record({ e: 'block', block: blockToWire(block) });
    this.broadcast({ v: PROTOCOL_VERSION, type: 'block', block: blockToWire(block) });
    this.host.notice({ kind: 'block', block });
  }

  tick(): void {
    const now = this.host.now();
    for (const [id, member] of this.members) {
      if (id !== this.host.selfId && now - member.lastSeen > this.settings.memberTimeoutMs) this.members.delete(id);
    }
    const [oldest] = this.gated;
    const [first] = this.succession;
    if (oldest !== undefined && first !== undefined && now - oldest.since > STANDBY_ACK_TIMEOUT_MS) {
      this.slowStandbys.set(first, now + SLOW_STANDBY_PENALTY_MS);
    }
    this.updateSuccession();
    if (now - this.lastHeartbeat >= this.settings.heartbeatMs) this.heartbeat();
    // A demo chain whose difficulty outgrew a shrinking cluster eases it with a fresh template.
    const job = this.currentJob;
    if (this.chain !== undefined && job !== undefined && now - job.createdAt > 2 * this.chain.targetSeconds * 1000) {
      this.newDemoJob();
    }
    this.replicate();
    this.release();
  }

  // ---- jobs and leases ----

  /**
   * A young demo chain takes its difficulty from the cluster's hashrate; when that grew or shrank fourfold since the
   * template, a new template follows it (an older chain retargets from its own blocks).
   */
  private retemplateForHashrate(): boolean {
    const job = this.currentJob;
    if (this.chain === undefined || job === undefined || this.chain.blocks.length >= 2) return false;
    // What a template would ask now (the chain may also ease it for a long wait), at most every few seconds: a
    // re-template hands every member a new lease.
    const now = this.host.now();
    if (now - this.lastRetemplateAt < RETEMPLATE_MIN_MS) return false;
    const aimed = this.chain.nextDifficulty(now, this.clusterHashrate());
    if (aimed <= job.difficulty * 4n && aimed * 4n >= job.difficulty) return false;
    this.lastRetemplateAt = now;
    this.newDemoJob();
    return true;
  }

  private newDemoJob(): void {
    if (this.chain === undefined) return;
    const extraNonce = new Uint8Array(8).map(() => Math.floor(this.host.random() * 256));
    const job = this.chain.template(extraNonce, this.host.now(), this.clusterHashrate());
    this.record({ e: 'job', job: jobToWire(job) });
    this.announceJob(job);
  }

  private announceJob(job: Job): void {
    this.currentJobId = job.id;
    this.broadcast({ v: PROTOCOL_VERSION, type: 'job', job: jobToWire(job) });
    this.host.notice({ kind: 'job', job });
    for (const [id, member] of this.members) if (member.confirmed && member.info.mines) this.issueLease(id);
  }

  private hashrateOf(member: Member): number {
    return member.info.hashrate > 0 ? member.info.hashrate : this.settings.defaultHashrate;
  }

  private issueLease(peer: string): void {
    const member = this.members.get(peer);
    const record = this.currentJobId === undefined ? undefined : this.state.jobs.get(this.currentJobId);
    if (member === undefined || record === undefined) return;
    const hashrate = this.hashrateOf(member);
    const range = record.job.nonceRange ?? { start: 0, count: 2 ** 32 };
    const left = range.start + range.count - record.cursor;
    if (left <= 0) {
      if (this.chain !== undefined) this.newDemoJob(); // a fresh template opens a fresh nonce space
      return;
    }
    const count = Math.min(left, Math.max(64, Math.round(hashrate * this.settings.leaseSeconds)));
    let shareDifficulty = BigInt(Math.max(1, Math.round(hashrate * this.settings.shareSeconds)));
    if (shareDifficulty > record.job.difficulty) shareDifficulty = record.job.difficulty;
    const lease: Lease = {
      id: `${this.term}.${this.nextLease++}`,
      jobId: record.job.id,
      start: record.cursor,
      count,
      target: targetForDifficulty(shareDifficulty).toString(),
    };
    member.lastLeaseAt = this.host.now();
    member.lastLeaseCount = count;
    const seq = this.record({ e: 'lease', peer, lease, issuedAt: this.host.now() });
    this.host.notice({ kind: 'lease', peer, lease });
    this.gate(seq, peer, { v: PROTOCOL_VERSION, type: 'lease', lease, job: jobToWire(record.job) });
  }

  // ---- shares ----

  private takeShare(peer: string, share: Extract<UpBody, { type: 'share' }>): void {
    if (this.state.banned.has(peer)) {
      this.reject(peer, share.seq, 'banned', false);
      return;
    }
    const record = this.state.jobs.get(share.jobId);
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
    const now = this.host.now();
    if (record.supersededAt !== null && now - record.supersededAt > this.settings.staleGraceMs) {
      this.reject(peer, share.seq, 'stale', false);
      return;
    }
    const lease = this.state.leases.get(share.leaseId);
    if (
      lease === undefined ||
      lease.peer !== peer ||
      lease.lease.jobId !== share.jobId ||
      share.nonce < lease.lease.start ||
      share.nonce >= lease.lease.start + lease.lease.count
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
    const pending: PendingShare = {
      peer,
      seq: share.seq,
      jobId: share.jobId,
      nonce: share.nonce,
      hash,
      work: TWO_POW_64 / (target + 1n) || 1n,
      candidate: meetsDifficulty(hash, record.job.difficulty),
    };
    if (pending.candidate || this.pending.size < this.settings.verifyCapacity || this.sampled(peer)) {
      this.startVerification(pending);
    } else {
      this.accept(pending, false);
    }
  }

  /** Past capacity, a share is checked with a probability that falls as its sender's verified record grows. */
  private sampled(peer: string): boolean {
    const verified = this.members.get(peer)?.verifiedValid ?? 0;
    const trust = verified / (verified + 20);
    return this.host.random() < Math.max(0.05, 1 - trust);
  }

  private startVerification(share: PendingShare): void {
    const ticket = this.nextTicket++;
    this.pending.set(ticket, share);
    this.pendingKeys.set(`${share.jobId}:${share.nonce}`, share.peer);
    if (share.candidate && this.pending.size > this.settings.verifyCapacity) {
      this.waitingCandidates.push(ticket);
      return;
    }
    this.requestVerification(ticket, share);
  }

  private requestVerification(ticket: number, share: PendingShare): void {
    const job = this.state.jobs.get(share.jobId)?.job;
    if (job === undefined) return;
    const blob = job.blob.slice();
    this.host.verify(ticket, job.seedHash, blob, share.nonce);
  }

  private verifyWaitingCandidate(): void {
    const ticket = this.waitingCandidates.shift();
    const share = ticket === undefined ? undefined : this.pending.get(ticket);
    if (ticket !== undefined && share !== undefined) this.requestVerification(ticket, share);
  }

  private accept(share: PendingShare, verified: boolean): void {
    const record = this.state.jobs.get(share.jobId);
    if (record === undefined || record.shares.has(share.nonce)) return;
    const name = this.members.get(share.peer)?.info.name ?? '';
    const seq = this.record({
      e: 'share',
      peer: share.peer,
      name,
      jobId: share.jobId,
      nonce: share.nonce,
      work: share.work.toString(),
    });
    this.gate(seq, share.peer, { v: PROTOCOL_VERSION, type: 'shareResult', seq: share.seq, accepted: true });
    this.host.notice({ kind: 'share', peer: share.peer, accepted: true, verified });
    // A candidate for a height the chain has passed would only make an orphan; a replaced job at the same height
    // (a pool's) may still count.
    const current = this.currentJob;
    const passed = current !== undefined && record.job.height < current.height;
    if (share.candidate && verified && !passed) this.foundBlock(record.job, share);
  }

  private foundBlock(job: Job, share: PendingShare): void {
    const finder = { id: share.peer, name: this.members.get(share.peer)?.info.name ?? '' };
    if (this.chain === undefined) {
      this.host.submitBlock(job, share.nonce, share.hash, finder);
      return;
    }
    const outcome = this.chain.submit(job, share.nonce, share.hash, finder);
    if (!outcome.accepted) return;
    this.handleBlockResult(outcome.block);
    this.newDemoJob();
  }

  private reject(peer: string, seq: number, reason: ShareRejection, strike: boolean): void {
    const member = this.members.get(peer);
    this.record({ e: 'reject', peer, name: member?.info.name ?? '' });
    this.host.notice({ kind: 'share', peer, accepted: false, reason, verified: reason === 'invalid' });
    this.sendDown(peer, { v: PROTOCOL_VERSION, type: 'shareResult', seq, accepted: false, reason });
    if (!strike || member === undefined) return;
    member.verifiedValid = 0;
    if (++member.strikes >= this.settings.maxStrikes && !this.state.banned.has(peer)) {
      this.record({ e: 'ban', peer });
      this.sendDown(peer, this.banMessage().body);
      this.host.notice({ kind: 'banned', peer });
    }
  }

  /** Answers a repeated accepted share once everything recorded so far is stored by the standby. */
  private answer(peer: string, seq: number, accepted: boolean): void {
    this.gate(this.state.nextSeq - 1, peer, { v: PROTOCOL_VERSION, type: 'shareResult', seq, accepted });
  }

  private banMessage(): Extract<Message, { type: 'down' }> & { body: DownBody } {
    return {
      v: PROTOCOL_VERSION,
      type: 'down',
      route: [],
      body: {
        v: PROTOCOL_VERSION,
        type: 'banned',
        reason: `Banned after ${this.settings.maxStrikes} invalid shares. Check that this miner computes RandomX correctly.`,
      },
    };
  }

  // ---- tree ----

  private newMember(info: PeerInfo, parent: string, confirmed: boolean): Member {
    return {
      info,
      parent,
      confirmed,
      lastSeen: this.host.now(),
      strikes: 0,
      verifiedValid: 0,
      lastLeaseAt: Number.NEGATIVE_INFINITY,
      lastLeaseCount: 0,
    };
  }

  private capacity(id: string): number {
    const info = this.members.get(id)?.info;
    if (info === undefined) return 0;
    const asCoordinator = Math.min(this.settings.coordinatorLinks, info.maxLinks) - this.settings.joinSlots;
    if (id === this.host.selfId) return asCoordinator;
    // A peer that may take over keeps its children within what it can hold as coordinator, so its join slots are
    // free for the orphans of the one it replaces.
    if (info.role !== 'worker') return Math.max(0, asCoordinator - 1);
    // A parent link, and one free for the peer's own joining or for a joiner asking the way.
    return Math.max(0, info.maxLinks - 2);
  }

  /** The route from the coordinator to `id`: each hop below the coordinator, ending with `id`; undefined when a
   * link on the way is unknown. */
  routeTo(id: string): string[] | undefined {
    const route: string[] = [];
    let current = id;
    while (current !== this.host.selfId) {
      route.push(current);
      const member = this.members.get(current);
      if (member === undefined || route.length > 32) return undefined;
      current = member.parent;
    }
    return route.reverse();
  }

  /**
   * Where a joining peer attaches: peers that may coordinate later go right under the coordinator, so replication
   * to them is one hop; everyone else at the shallowest confirmed peer with a free slot. An orphan brings its
   * subtree along, so nothing below it qualifies.
   */
  private placeFor(id: string, info: PeerInfo, orphan: boolean): string {
    const children = new Map<string, number>();
    for (const member of this.members.values()) children.set(member.parent, (children.get(member.parent) ?? 0) + 1);
    const self = this.host.selfId;
    // Right after a takeover the children are linked before they report: count the links.
    const selfChildren = Math.max(children.get(self) ?? 0, [...this.host.children()].length);
    const selfFree = this.capacity(self) - selfChildren;
    if (selfFree > 0 && (info.role !== 'worker' || selfFree > this.settings.standbys)) return self;
    let best: { id: string; depth: number; free: number; startedAt: number } | undefined;
    for (const [candidate, member] of this.members) {
      if (candidate === self || candidate === id || !member.confirmed) continue;
      const free = this.capacity(candidate) - (children.get(candidate) ?? 0);
      if (free <= 0) continue;
      const route = this.routeTo(candidate);
      if (route === undefined || (orphan && route.includes(id))) continue;
      const better =
        best === undefined ||
        route.length < best.depth ||
        (route.length === best.depth &&
          (free > best.free || (free === best.free && member.info.startedAt < best.startedAt)));
      if (better) best = { id: candidate, depth: route.length, free, startedAt: member.info.startedAt };
    }
    return best?.id ?? self;
  }

  /** Sends a body down the tree to one peer. */
  sendDown(peer: string, body: DownBody): void {
    if (peer === this.host.selfId) {
      this.host.deliverToSelf(body);
      return;
    }
    const route = this.routeTo(peer);
    const [first] = route ?? [];
    if (route === undefined || first === undefined) return;
    this.host.send(first, { v: PROTOCOL_VERSION, type: 'down', route, body });
  }

  broadcast(body: BroadcastBody): void {
    for (const child of this.host.children()) {
      this.host.send(child, { v: PROTOCOL_VERSION, type: 'broadcast', term: this.term, body });
    }
  }

  private heartbeat(): void {
    this.lastHeartbeat = this.host.now();
    this.broadcast({
      v: PROTOCOL_VERSION,
      type: 'heartbeat',
      coordinator: this.host.selfId,
      succession: this.succession,
      totals: this.totals(),
    });
  }

  // ---- replication ----

  private updateSuccession(): void {
    const now = this.host.now();
    const eligible = [...this.members.values()]
      .filter(
        (member) =>
          member.info.id !== this.host.selfId &&
          member.confirmed &&
          member.info.role !== 'worker' &&
          (this.slowStandbys.get(member.info.id) ?? 0) <= now,
      )
      .sort(
        (a, b) =>
          Number(b.info.role === 'gateway') - Number(a.info.role === 'gateway') ||
          a.info.startedAt - b.info.startedAt ||
          (a.info.id < b.info.id ? -1 : 1),
      )
      .slice(0, this.settings.standbys)
      .map((member) => member.info.id);
    for (const id of this.succession) {
      if (!eligible.includes(id)) {
        this.standbyAcked.delete(id);
        this.standbySent.delete(id);
      }
    }
    this.succession = eligible;
  }

  private record(entry: ReplicaEntry): number {
    const seq = this.state.nextSeq;
    this.state.apply(entry);
    this.log.push(entry);
    return seq;
  }

  private replicate(): void {
    const end = this.state.nextSeq;
    for (const standby of this.succession) {
      const sent = this.standbySent.get(standby);
      if (sent === undefined || sent < this.logBase) {
        // New, or too far behind for the log: the whole state.
        this.sendDown(standby, {
          v: PROTOCOL_VERSION,
          type: 'replica',
          from: end,
          snapshot: true,
          entries: this.state.snapshot(),
        });
      } else if (sent < end) {
        this.sendDown(standby, {
          v: PROTOCOL_VERSION,
          type: 'replica',
          from: sent,
          snapshot: false,
          entries: this.log.slice(sent - this.logBase),
        });
      }
      this.standbySent.set(standby, end);
    }
    // Entries every standby has are no longer needed.
    const lowest = Math.min(end, ...this.succession.map((id) => this.standbyAcked.get(id) ?? this.logBase));
    if (lowest > this.logBase) {
      this.log = this.log.slice(lowest - this.logBase);
      this.logBase = lowest;
    }
  }

  private gate(seq: number, to: string, body: DownBody): void {
    this.gated.push({ seq, to, body, since: this.host.now() });
    this.release();
  }

  /** Sends what the first standby has stored (everything, when there is no standby). */
  private release(): void {
    const [first] = this.succession;
    const stored = first === undefined ? Number.POSITIVE_INFINITY : (this.standbyAcked.get(first) ?? -1);
    let kept = 0;
    for (const item of this.gated) {
      if (item.seq < stored) this.sendDown(item.to, item.body);
      else this.gated[kept++] = item;
    }
    this.gated.length = kept;
  }
}

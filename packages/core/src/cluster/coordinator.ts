// The coordinator role: admits peers and places them in the tree, hands out jobs and leases (disjoint nonce ranges
// sized to the hashrate it measured for each peer, with a per-peer share target), checks and accounts shares, and
// replicates its state to its standbys before it confirms anything a successor must know. What it sends down the
// tree it signs; what comes up it takes only from the peer that signed it (docs/PROTOCOL.md).

import type { CredentialPayload } from '../identity/credential.js';
import { DemoChain } from '../jobs/demo-chain.js';
import type { BlockRecord, Job } from '../jobs/job.js';
import type { Finder, SourceVerdict } from '../jobs/job-source.js';
import type { ClusterMember } from '../stats-contract.js';
import { type Envelopes, STRANGER } from './envelopes.js';
import { LeaseBook, type LeaseHolder, rateOf } from './lease-book.js';
import { ledgerOf } from './ledger.js';
import { placeFor, reachableByAll, routeTo, type TreeView } from './placement.js';
import { accountOf, type JobRecord, type MemberRecord, ReplicatedState } from './replica.js';
import { ReplicationLog } from './replication-log.js';
import { banBody, type CheckedShare, ShareDesk, type ShareSender } from './share-desk.js';
import {
  type BroadcastBody,
  blockToWire,
  type DownBody,
  jobToWire,
  type Lease,
  type LinkPaths,
  type Message,
  type PeerInfo,
  PROTOCOL_VERSION,
  type ReplicaEntry,
  type ShareRejection,
  type UpBody,
} from './wire.js';
import { WorkMeter } from './work-meter.js';

export interface CoordinatorSettings {
  /** A lease holds about this much work. */
  leaseSeconds: number;
  /** Vardiff aims at one share per this many seconds per peer. */
  shareSeconds: number;
  /** The same for xmrig rigs, as pools set it for them; a rig's login may fix its difficulty instead. */
  rigShareSeconds: number;
  /**
   * A rig's lease holds about this much work, within its 2^24-nonce block: each lease takes a block of the job's 256,
   * so a rig's leases are longer than a tab's.
   */
  rigLeaseSeconds: number;
  /** Shares for a job replaced by a new height are still taken this long. */
  staleGraceMs: number;
  /** Verifications in flight before the coordinator starts sampling. */
  verifyCapacity: number;
  /** Invalid shares before a peer is banned. */
  maxStrikes: number;
  /** How long a ban lasts. Keys cost nothing to make, so a ban only stops one key from wasting verifications. */
  banMs: number;
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
  /** Members the cluster holds; a joiner beyond them is told the cluster is full. */
  maxMembers: number;
  /** A peer's own hashrate figure counts for at most this much until the coordinator has measured it. */
  maxClaimedHashrate: number;
  /** How long the coordinator measures a peer's accepted work before that measure sizes its leases. */
  measureSeconds: number;
  /** No lease covers more than this fraction of a job's nonces. */
  maxLeaseShareOfJob: number;
  /** Leases one job hands out; past them, the job asks for fresh work, so its records stay bounded. */
  maxLeasesPerJob: number;
  /** Shares of one peer being verified at once; more wait for its resend. */
  maxPendingPerPeer: number;
  /** Contributors the ledger keeps; past them, the one with the least credited work is forgotten. */
  maxAccounts: number;
}

export const DEFAULT_COORDINATOR_SETTINGS: CoordinatorSettings = {
  leaseSeconds: 30,
  shareSeconds: 15,
  rigShareSeconds: 30,
  rigLeaseSeconds: 300,
  staleGraceMs: 2000,
  verifyCapacity: 4,
  maxStrikes: 3,
  banMs: 24 * 3_600_000,
  coordinatorLinks: 64,
  joinSlots: 8,
  standbys: 2,
  heartbeatMs: 2000,
  memberTimeoutMs: 35_000,
  defaultHashrate: 10,
  maxMembers: 5000,
  maxClaimedHashrate: 1000,
  measureSeconds: 60,
  maxLeaseShareOfJob: 1 / 64,
  maxLeasesPerJob: 20_000,
  maxPendingPerPeer: 4,
  maxAccounts: 10_000,
};

/** What the coordinator reads of the peer that hosts it. */
export interface CoordinatorContext {
  readonly selfId: string;
  /** Signs what the coordinator sends down and opens what comes up. */
  readonly envelopes: Envelopes;
  now(): number;
  random(): number;
  /** The peers linked below the host peer, who receive its broadcasts. */
  children(): Iterable<string>;
  /** The external source's job with an extra nonce of its own, for a rig; undefined where it cannot make one. */
  variantOf(job: Job): Job | undefined;
}

/** What the coordinator wants done: the peer that hosts it drains these after each call and carries them out. */
export type CoordinatorAction =
  /** To a peer the host peer has a direct link with. */
  | { kind: 'send'; to: string; message: Message }
  /** A down body addressed to the host peer itself. */
  | { kind: 'deliver'; body: DownBody }
  | { kind: 'verify'; ticket: number; seedHash: Uint8Array; blob: Uint8Array; nonce: number }
  /**
   * A verified candidate for the external source, and who found it: a hash that meets the job's difficulty, which
   * is a block for a daemon and a share for a pool.
   */
  | { kind: 'submitCandidate'; job: Job; nonce: number; hash: Uint8Array; finder: Finder }
  /** The current external job's nonces ran out: its source should make fresh work. */
  | { kind: 'wantJob'; job: Job }
  /**
   * For the durable store: the entries recorded in this term since the last persist, ending before `upTo`. What waits
   * on them goes out once the store says it wrote them (`handleStored`), unless a standby stored them first.
   */
  | { kind: 'persist'; term: number; upTo: number; entries: ReplicaEntry[] }
  /** A new standby: the replicated state goes to it, in messages larger than most. */
  | { kind: 'allowLargeMessages'; peer: string }
  /** This coordinator handed the cluster to `successor`: the host peer steps down under it. */
  | { kind: 'handedOver'; successor: string }
  | { kind: 'notice'; notice: CoordinatorNotice };

/** Input the coordinator dropped, by what it defends against; counted by the host. */
export type Refusal =
  | 'bad-signature'
  | 'wrong-term'
  | 'replayed'
  | 'not-a-member'
  | 'cluster-full'
  | 'verifications-busy'
  | 'unfinished-work';

export type CoordinatorNotice =
  | { kind: 'share'; peer: string; accepted: boolean; reason?: ShareRejection; verified: boolean }
  | { kind: 'block'; block: BlockRecord }
  | { kind: 'job'; job: Job }
  | { kind: 'lease'; peer: string; lease: Lease }
  | { kind: 'banned'; peer: string }
  | { kind: 'refused'; peer: string; refusal: Refusal };

/** One member as the coordinator sees it: a ClusterMember, with its credited work as a bigint. */
export interface MemberView extends Omit<ClusterMember, 'creditedWork'> {
  creditedWork: bigint;
}

/** A member as the coordinator sees it: what its lease book and share desk keep, and where it hangs. */
interface Member extends LeaseHolder, ShareSender {
  /** The coordinator's id for its own children. */
  parent: string;
  /** Attached and heard from over the tree, so routes to it work. */
  confirmed: boolean;
  lastSeen: number;
  /** The highest up-message number taken from it in this term. */
  lastN: number;
  /** The links it opened, as its last status said. */
  links?: LinkPaths;
}

type UpMessage = Extract<Message, { type: 'up' }>;
type BroadcastMessage = Extract<Message, { type: 'broadcast' }>;

/** A standby that leaves confirmations waiting this long is passed over for a while. */
const STANDBY_ACK_TIMEOUT_MS = 3000;
const SLOW_STANDBY_PENALTY_MS = 60_000;
const RETEMPLATE_MIN_MS = 5000;
export class Coordinator {
  readonly state: ReplicatedState;
  private actions: CoordinatorAction[] = [];
  private readonly members = new Map<string, Member>();
  /** Members dropped lately, in case they are still in the tree and report again; the oldest go first. */
  private readonly recentlyLeft = new Map<string, MemberRecord>();
  private readonly chain: DemoChain | undefined;
  private readonly startedAt: number;
  private currentJobId: string | undefined;
  private succession: string[] = [];
  private readonly replication: ReplicationLog;
  /** Standbys that kept confirmations waiting, and until when they are passed over. */
  private readonly slowStandbys = new Map<string, number>();
  /** Members that joiners could not open a link to, since one last could; placement avoids them. */
  private readonly linkFailures = new Map<string, number>();
  private readonly leases: LeaseBook;
  private readonly shares: ShareDesk;
  private lastHeartbeat = Number.NEGATIVE_INFINITY;
  /** No member falls silent before this time (members heard from since may make it later). */
  private silenceCheckAt = Number.POSITIVE_INFINITY;
  private lastRetemplateAt = Number.NEGATIVE_INFINITY;
  private handingOver = false;
  private jobBroadcast: { jobId: string; message: BroadcastMessage } | undefined;
  /** The last heartbeat, signed: welcomes carry it for a re-joining relay's subtree. */
  private heartbeatBroadcast: BroadcastMessage | undefined;

  constructor(
    private readonly context: CoordinatorContext,
    readonly term: number,
    readonly settings: CoordinatorSettings,
    options: { state?: ReplicatedState; demo: boolean; selfInfo: PeerInfo; durable: boolean },
  ) {
    this.state = options.state ?? new ReplicatedState();
    this.replication = new ReplicationLog(this.state, options.durable);
    this.startedAt = context.now();
    this.members.set(context.selfId, this.newMember(options.selfInfo, context.selfId, true));
    this.chain = options.demo ? new DemoChain({ tail: this.state.blocks }) : undefined;
    const parts = {
      selfId: context.selfId,
      term,
      settings,
      state: this.state,
      replication: this.replication,
      now: () => context.now(),
      push: (action: CoordinatorAction) => this.push(action),
      gateDown: (seq: number, to: string, body: DownBody) => this.gateDown(seq, to, body),
    };
    this.leases = new LeaseBook({
      ...parts,
      externalSource: this.chain === undefined,
      variantOf: (job) => (this.chain === undefined ? context.variantOf(job) : this.demoVariant(job)),
    });
    this.shares = new ShareDesk({
      ...parts,
      members: this.members,
      random: () => context.random(),
      sendDown: (peer, body) => this.sendDown(peer, body),
      currentJob: () => this.currentJob,
      foundCandidate: (job, share) => this.foundCandidate(job, share),
    });
  }

  /** The actions wanted since the last call. */
  drain(): CoordinatorAction[] {
    const taken = this.actions;
    this.actions = [];
    return taken;
  }

  private push(action: CoordinatorAction): void {
    this.actions.push(action);
  }

  private send(to: string, message: Message): void {
    this.push({ kind: 'send', to, message });
  }

  private notice(notice: CoordinatorNotice): void {
    this.push({ kind: 'notice', notice });
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
    // The store is made to hold this term's ledger whole: a predecessor's, replicated here, may be newer than it.
    if (this.replication.durable) {
      const entries: ReplicaEntry[] = [{ e: 'clearAccounts' }, ...ledgerOf(this.state)];
      this.push({ kind: 'persist', term: this.term, upTo: this.state.nextSeq, entries });
    }
    if (this.chain !== undefined) this.newDemoJob();
    else {
      const latest = this.state.latestJob();
      if (latest !== undefined) this.currentJobId = latest.id;
    }
    this.heartbeat();
  }

  /** An external source's new job. */
  setJob(job: Job): void {
    this.replication.record({ e: 'job', job: jobToWire(job) });
    this.announceJob(job);
  }

  /** Every peer the coordinator has placed, itself included. */
  memberIds(): string[] {
    return [...this.members.keys()];
  }

  get memberCount(): number {
    return this.members.size;
  }

  /** The members' hashrates as the coordinator measured them (see rateOf). */
  clusterHashrate(): number {
    const now = this.context.now();
    let sum = 0;
    for (const [id, member] of this.members) {
      if (member.info.mines && !this.state.isBanned(id, now)) sum += rateOf(member, this.settings, now);
    }
    return sum;
  }

  totals() {
    const links: LinkPaths = { direct: 0, stun: 0, turn: 0, failed: 0 };
    for (const member of this.members.values()) {
      if (member.links === undefined) continue;
      for (const path of ['direct', 'stun', 'turn', 'failed'] as const) links[path] += member.links[path];
    }
    return {
      peers: this.members.size,
      hashrate: this.clusterHashrate(),
      sharesAccepted: this.state.sharesAccepted,
      sharesRejected: this.state.sharesRejected,
      blocksFound: this.state.blocksFound,
      links,
    };
  }

  /**
   * A peer on a direct link asks to be placed. `gateway` is the credential its hello showed, if any; `unreachable`
   * the members it could not open a link to while joining, which it is placed away from and which count against
   * them as relays. The welcome goes out once the first standby knows the member, so a successor never ignores a
   * peer this coordinator placed.
   */
  admit(info: PeerInfo, orphan: boolean, gateway: CredentialPayload | null, unreachable: readonly string[] = []): void {
    const id = info.id;
    for (const peer of unreachable) {
      if (!this.members.has(peer) || peer === this.context.selfId) continue;
      this.linkFailures.set(peer, (this.linkFailures.get(peer) ?? 0) + 1);
    }
    if (this.state.isBanned(id, this.context.now())) {
      // Over the direct link the joiner asked on: a route of no hops.
      this.send(id, {
        ...this.context.envelopes.down(this.term, id, [id], banBody(this.settings.maxStrikes)),
        route: [],
      });
      return;
    }
    const previous = this.members.get(id);
    const known = previous !== undefined || this.state.members.has(id);
    if (!known && this.state.members.size >= this.settings.maxMembers) {
      this.send(id, { v: PROTOCOL_VERSION, type: 'redirect', coordinator: null, term: this.term, full: true });
      this.notice({ kind: 'refused', peer: id, refusal: 'cluster-full' });
      return;
    }
    const parent = placeFor(
      this.treeView(),
      id,
      info,
      orphan && previous !== undefined,
      new Set(unreachable),
      this.linkFailures,
    );
    this.members.set(id, { ...(previous ?? this.newMember(info, parent, false)), info, parent, confirmed: false });
    const since = this.state.members.get(id)?.since ?? this.context.now();
    const seq = this.replication.record({ e: 'member', peer: id, parent, gateway: gateway !== null, since });
    const welcome: Message = {
      v: PROTOCOL_VERSION,
      type: 'welcome',
      term: this.term,
      parent,
      succession: this.succession,
      heartbeat: this.heartbeatBroadcast?.signed ?? null,
      job: this.currentJobBroadcast()?.signed ?? null,
      blocks: this.state.blocks.slice(-16).map(blockToWire),
      placement: parent === this.context.selfId ? null : this.context.envelopes.placement(this.term, id, parent),
    };
    this.gate(seq, () => this.send(id, welcome));
  }

  /** What `id` last reported about itself (its hashrate included), if the coordinator knows the peer. */
  memberInfo(id: string): PeerInfo | undefined {
    return this.members.get(id)?.info;
  }

  /** Every member it placed, itself included: who it is, where it hangs, what it is credited with, its standby rank. */
  memberViews(): MemberView[] {
    return [...this.members].map(([id, { info, parent }]) => {
      const account = this.state.accounts.get(accountOf(id, info));
      const rank = this.succession.indexOf(id);
      return {
        id,
        name: info.name,
        role: info.role,
        engine: info.engine,
        ...(info.rig === undefined ? {} : { agent: info.rig.agent }),
        mode: info.mode,
        hashrate: info.hashrate,
        sharesAccepted: account?.accepted ?? 0,
        creditedWork: account?.work ?? 0n,
        parent: id === this.context.selfId ? null : parent,
        standbyRank: rank < 0 ? null : rank,
      };
    });
  }

  /** Where the coordinator placed `id`, if it knows the peer. */
  parentOf(id: string): string | undefined {
    return this.members.get(id)?.parent;
  }

  /** An up message that reached the coordinator: taken only as its origin signed it, once, in this term. */
  handleUpMessage(message: UpMessage): void {
    // Members, and those a status may bring back; anyone else is refused before their signature is checked.
    let claimed = '';
    const known = (origin: string) => {
      claimed = origin;
      return this.members.has(origin) || this.state.members.has(origin) || this.recentlyLeft.has(origin);
    };
    const opened = this.context.envelopes.openUp(message, known);
    if (!opened.ok) {
      const refusal = opened.error === STRANGER ? 'not-a-member' : 'bad-signature';
      this.notice({ kind: 'refused', peer: claimed, refusal });
      return;
    }
    const { origin, term, n, body } = opened.value;
    if (term !== this.term) {
      this.notice({ kind: 'refused', peer: origin, refusal: 'wrong-term' });
      return;
    }
    let member = this.members.get(origin);
    if (member === undefined && body.type === 'status') member = this.readmit(origin, body);
    if (member === undefined) {
      this.notice({ kind: 'refused', peer: origin, refusal: 'not-a-member' });
      return;
    }
    if (n <= member.lastN) {
      this.notice({ kind: 'refused', peer: origin, refusal: 'replayed' });
      return;
    }
    member.lastN = n;
    this.handleUp(origin, body);
  }

  /**
   * A status from a peer this coordinator has no record of: a member a predecessor admitted, reporting to this
   * term, or one dropped here a while ago (silent for too long) that is still in the tree. Strangers are not taken:
   * they join over a direct link like everyone else.
   */
  private readmit(origin: string, status: Extract<UpBody, { type: 'status' }>): Member | undefined {
    if (status.info.id !== origin || this.state.isBanned(origin, this.context.now())) return undefined;
    const parent = status.parent;
    const replicated = this.state.members.get(origin);
    if (replicated === undefined) {
      const dropped = this.recentlyLeft.get(origin);
      // Back where it says it is, if that parent is a member here.
      if (dropped === undefined || (parent !== this.context.selfId && this.members.get(parent)?.confirmed !== true)) {
        return undefined;
      }
      // A full cluster takes nobody back this way: it joins again like anyone else.
      if (this.state.members.size >= this.settings.maxMembers) return undefined;
      this.recentlyLeft.delete(origin);
      this.replication.record({ e: 'member', peer: origin, parent, gateway: dropped.gateway, since: dropped.since });
    }
    const member = this.newMember(status.info, parent === origin ? (replicated?.parent ?? parent) : parent, false);
    this.members.set(origin, member);
    return member;
  }

  /** An up body from `origin`: the host peer's own, or one handleUpMessage opened. */
  handleUp(origin: string, body: UpBody): void {
    const member = this.members.get(origin);
    if (member === undefined) return;
    const now = this.context.now();
    switch (body.type) {
      case 'status': {
        if (body.info.id !== origin) return;
        const first = !member.confirmed;
        Object.assign(member, { info: body.info, confirmed: true, lastSeen: now });
        if (body.links !== undefined) member.links = body.links;
        // A joiner reached its parent: the joiners before it that could not are no reason to avoid it.
        if (first) this.linkFailures.delete(body.parent);
        this.moveUnder(origin, member, body.parent);
        if (this.retemplateForHashrate()) return; // the new job brings everyone a lease
        if (first && body.info.mines) this.issueLease(origin);
        return;
      }
      case 'needWork': {
        member.lastSeen = now;
        member.info = { ...member.info, hashrate: body.hashrate };
        this.leases.askedForWork(origin, member, this.currentJobRecord());
        return;
      }
      case 'share':
        member.lastSeen = now;
        this.shares.take(origin, body);
        return;
      case 'gone':
        // Only the parent knows that a link to its child went down.
        if (this.members.get(body.peer)?.parent === origin) this.drop(body.peer);
        return;
      case 'replicaAck':
        if (!this.succession.includes(origin)) return;
        this.replication.acknowledged(origin, body.seq, body.resend);
        this.release();
        return;
    }
  }

  /**
   * Where a member says it hangs now (signed by it): routes to it follow. It moves only under a member this
   * coordinator knows, and the move is replicated, so a successor routes the same way.
   */
  private moveUnder(id: string, member: Member, parent: string): void {
    if (id === parent || member.parent === parent || id === this.context.selfId) return;
    if (parent !== this.context.selfId && this.members.get(parent)?.confirmed !== true) return;
    member.parent = parent;
    const record = this.state.members.get(id);
    if (record !== undefined)
      this.replication.record({ e: 'member', peer: id, parent, gateway: record.gateway, since: record.since });
  }

  /** A member is gone: its link to the coordinator or to its parent went down, or it went silent. */
  drop(peer: string): void {
    if (peer === this.context.selfId) return;
    this.members.delete(peer);
    this.linkFailures.delete(peer);
    const record = this.state.members.get(peer);
    if (record === undefined) return;
    this.replication.record({ e: 'left', peer });
    this.recentlyLeft.delete(peer);
    this.recentlyLeft.set(peer, record);
    if (this.recentlyLeft.size > this.settings.maxMembers) {
      this.recentlyLeft.delete(this.recentlyLeft.keys().next().value as string);
    }
  }

  /** The durable store wrote every entry of `term` before `upTo`; a write for an earlier term says nothing here. */
  handleStored(term: number, upTo: number): void {
    if (term === this.term) this.replication.storedDurably(upTo);
  }

  handleVerified(ticket: number, hash: Uint8Array): void {
    this.shares.handleVerified(ticket, hash);
  }

  /** A verified candidate goes to the external source, or onto the demo chain. */
  private foundCandidate(job: Job, share: CheckedShare): void {
    const finder = { id: share.peer, name: this.members.get(share.peer)?.info.name ?? '' };
    if (this.chain === undefined) {
      this.push({ kind: 'submitCandidate', job, nonce: share.nonce, hash: share.hash, finder });
      return;
    }
    const outcome = this.chain.submit(job, share.nonce, share.hash, finder);
    if (!outcome.accepted) return;
    this.handleBlockResult(outcome.block);
    this.newDemoJob();
  }

  /** The operator's stop: every browser peer below stops mining until its own Start click. */
  stopEveryTab(): void {
    this.broadcast({ v: PROTOCOL_VERSION, type: 'stopMining', issuedAt: this.context.now() });
  }

  /** The operator's new lesson: the leaderboard starts from zero; blocks found and the cluster's totals stay. */
  clearAccounts(): void {
    this.replication.record({ e: 'clearAccounts' });
  }

  /** An external source's answer to submitCandidate: kept in the ledger, and an accepted block goes out. */
  handleSourceVerdict(job: Job, nonce: number, finder: Finder, verdict: SourceVerdict): void {
    if (job.source === 'demo') return;
    this.replication.record({
      e: 'verdict',
      source: job.source,
      height: job.height,
      nonce,
      finderId: finder.id,
      finderName: finder.name,
      accepted: verdict.accepted,
      ...(verdict.accepted ? {} : { reason: verdict.reason.slice(0, 300) }),
      at: this.context.now(),
    });
    if (verdict.accepted) this.handleBlockResult(verdict.block);
  }

  /** A block the demo chain or an external source accepted. */
  private handleBlockResult(block: BlockRecord | null): void {
    if (block === null) return;
    this.replication.record({ e: 'block', block: blockToWire(block) });
    this.broadcast({ v: PROTOCOL_VERSION, type: 'block', block: blockToWire(block) });
    this.notice({ kind: 'block', block });
  }

  /**
   * When the coordinator next has something to do on its own, or null when nothing is due until an event: a member
   * falls silent, a standby keeps a confirmation waiting too long, a slow standby may serve again, a heartbeat, a
   * demo template that is overdue or used up. The checks are strict (`>`): those fall due one ms past their time.
   */
  nextDeadline(): number | null {
    let earliest = Math.min(this.lastHeartbeat + this.settings.heartbeatMs, this.silenceCheckAt);
    const due = (at: number) => {
      if (at < earliest) earliest = at;
    };
    const oldest = this.replication.oldestHeldSince();
    if (oldest !== undefined && this.succession.length > 0) due(oldest + STANDBY_ACK_TIMEOUT_MS + 1);
    for (const until of this.slowStandbys.values()) due(until);
    const patience = this.replication.nextDeadline(this.succession);
    if (patience !== undefined) due(patience);
    const job = this.currentJob;
    if (this.chain !== undefined && job !== undefined) {
      due(this.leases.ranOut(job.id) ? this.context.now() : job.createdAt + 2 * this.chain.targetSeconds * 1000 + 1);
    }
    return earliest;
  }

  /** Does what is due by now (see nextDeadline), then flushes. */
  handleTimeout(): void {
    const now = this.context.now();
    if (now >= this.silenceCheckAt) {
      this.silenceCheckAt = Number.POSITIVE_INFINITY;
      for (const [id, member] of this.members) {
        if (id === this.context.selfId) continue;
        if (now - member.lastSeen > this.settings.memberTimeoutMs) this.drop(id);
        else this.silenceCheckAt = Math.min(this.silenceCheckAt, this.silentAt(member));
      }
    }
    const oldest = this.replication.oldestHeldSince();
    const [first] = this.succession;
    if (oldest !== undefined && first !== undefined && now - oldest > STANDBY_ACK_TIMEOUT_MS) {
      this.slowStandbys.set(first, now + SLOW_STANDBY_PENALTY_MS);
    }
    if (now - this.lastHeartbeat >= this.settings.heartbeatMs) {
      this.heartbeat();
      this.forgetSilentMembers(now);
    }
    const job = this.currentJob;
    if (this.chain !== undefined && job !== undefined) {
      // A demo chain whose difficulty outgrew a shrinking cluster eases it with a fresh template; one whose nonces
      // ran out makes a fresh one too.
      const overdue = now - job.createdAt > 2 * this.chain.targetSeconds * 1000;
      if (overdue || this.leases.ranOut(job.id)) this.newDemoJob();
    }
    this.flush();
  }

  /**
   * Reviews the standbys, sends them what was recorded since the last call, lets out what the first standby has
   * stored, and hands over when that is due. The host calls it after every event, so a welcome, a lease or a share
   * answer waits only for the standby's round trip.
   */
  flush(): void {
    this.updateSuccession();
    this.replication.replicate(this.succession, this.context.now(), (standby, body) => this.sendDown(standby, body));
    const entries = this.replication.takeUnwritten();
    if (entries.length > 0) this.push({ kind: 'persist', term: this.term, upTo: this.state.nextSeq, entries });
    this.release();
    this.maybeHandOver();
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
    const now = this.context.now();
    if (now - this.lastRetemplateAt < RETEMPLATE_MIN_MS) return false;
    const aimed = this.chain.nextDifficulty(now, this.clusterHashrate());
    if (aimed <= job.difficulty * 4n && aimed * 4n >= job.difficulty) return false;
    this.lastRetemplateAt = now;
    this.newDemoJob();
    return true;
  }

  private newDemoJob(): void {
    if (this.chain === undefined) return;
    const extraNonce = new Uint8Array(8).map(() => Math.floor(this.context.random() * 256));
    const job = this.chain.template(extraNonce, this.context.now(), this.clusterHashrate());
    this.replication.record({ e: 'job', job: jobToWire(job) });
    this.announceJob(job);
  }

  /** A demo job for one rig: the same block to be, with an extra nonce of its own. */
  private demoVariant(job: Job): Job | undefined {
    if (this.chain === undefined || job.source !== 'demo') return undefined;
    const extraNonce = new Uint8Array(8).map(() => Math.floor(this.context.random() * 256));
    return this.chain.variant(job, extraNonce);
  }

  private announceJob(job: Job): void {
    this.currentJobId = job.id;
    const message = this.currentJobBroadcast();
    if (message !== undefined) for (const child of this.context.children()) this.send(child, message);
    this.notice({ kind: 'job', job });
    for (const [id, member] of this.members) if (member.confirmed && member.info.mines) this.issueLease(id);
  }

  /** The current job as broadcast, signed once: welcomes carry it too. */
  private currentJobBroadcast(): BroadcastMessage | undefined {
    const job = this.currentJob;
    if (job === undefined) return undefined;
    if (this.jobBroadcast?.jobId !== job.id) {
      const body: BroadcastBody = { v: PROTOCOL_VERSION, type: 'job', job: jobToWire(job) };
      this.jobBroadcast = { jobId: job.id, message: this.context.envelopes.broadcast(this.term, body) };
    }
    return this.jobBroadcast.message;
  }

  private currentJobRecord(): JobRecord | undefined {
    return this.currentJobId === undefined ? undefined : this.state.jobs.get(this.currentJobId);
  }

  private issueLease(peer: string): void {
    const member = this.members.get(peer);
    if (member !== undefined) this.leases.issue(peer, member, this.currentJobRecord());
  }

  // ---- tree ----

  /** When a member not heard from again counts as gone. */
  private silentAt(member: Member): number {
    return member.lastSeen + this.settings.memberTimeoutMs + 1;
  }

  private newMember(info: PeerInfo, parent: string, confirmed: boolean): Member {
    const member: Member = {
      info,
      parent,
      confirmed,
      lastSeen: this.context.now(),
      strikes: 0,
      verifiedValid: 0,
      lastLeaseAt: Number.NEGATIVE_INFINITY,
      lastLeaseCount: 0,
      meter: new WorkMeter(this.settings.measureSeconds * 1000),
      leased: null,
      variant: undefined,
      verifying: 0,
      lastN: -1,
    };
    this.silenceCheckAt = Math.min(this.silenceCheckAt, this.silentAt(member));
    return member;
  }

  /** Members a predecessor admitted that never reported to this term are gone. */
  private forgetSilentMembers(now: number): void {
    if (now - this.startedAt < this.settings.memberTimeoutMs) return;
    for (const peer of [...this.state.members.keys()]) if (!this.members.has(peer)) this.drop(peer);
  }

  /** The route from the coordinator to `id` (see placement.ts). */
  routeTo(id: string): string[] | undefined {
    return routeTo(this.treeView(), id);
  }

  private treeView(): TreeView {
    return {
      selfId: this.context.selfId,
      members: this.members,
      state: this.state,
      // Rigs it hosts are linked inside its own process and take no slot.
      selfLinks: () => [...this.context.children()].filter((id) => this.members.get(id)?.info.rig === undefined).length,
      now: () => this.context.now(),
      settings: this.settings,
    };
  }

  /** Sends a body down the tree to one peer, signed for it. */
  sendDown(peer: string, body: DownBody): void {
    if (peer === this.context.selfId) {
      this.push({ kind: 'deliver', body });
      return;
    }
    const route = this.routeTo(peer);
    const [first] = route ?? [];
    if (route === undefined || first === undefined) return;
    this.send(first, this.context.envelopes.down(this.term, peer, route, body));
  }

  broadcast(body: BroadcastBody): void {
    const message = this.context.envelopes.broadcast(this.term, body);
    for (const child of this.context.children()) this.send(child, message);
  }

  private heartbeat(): void {
    const { credential } = this.context.envelopes.keys;
    this.lastHeartbeat = this.context.now();
    if (credential === null) return; // only a gateway coordinates; see ClusterPeer.takeOver
    const body: BroadcastBody = {
      v: PROTOCOL_VERSION,
      type: 'heartbeat',
      succession: this.succession,
      totals: this.totals(),
      credential,
    };
    this.heartbeatBroadcast = this.context.envelopes.broadcast(this.term, body);
    for (const child of this.context.children()) this.send(child, this.heartbeatBroadcast);
  }

  // ---- replication and handover ----

  /**
   * Standbys are the gateways the coordinator admitted, ranked by what it observed: a job source of their own
   * first (a gateway's own figure, which its credential vouches for), then the longest in the cluster, then the most
   * work credited.
   */
  private updateSuccession(): void {
    const now = this.context.now();
    for (const [id, until] of this.slowStandbys) if (until <= now) this.slowStandbys.delete(id);
    const work = (id: string) => this.state.accounts.get(accountOf(id, this.members.get(id)?.info))?.work ?? 0n;
    const eligible = [...this.state.gateways]
      .flatMap((id) => {
        const member = this.members.get(id);
        const eligibleNow =
          member?.confirmed === true &&
          id !== this.context.selfId &&
          !this.state.isBanned(id, now) &&
          !this.slowStandbys.has(id);
        return eligibleNow ? [{ id, member, since: this.state.members.get(id)?.since ?? now }] : [];
      })
      .sort(
        (a, b) =>
          Number(b.member.info.jobSource) - Number(a.member.info.jobSource) ||
          // Every joiner must reach the coordinator: a gateway behind a router would strand those behind others.
          Number(reachableByAll(b.member.info)) - Number(reachableByAll(a.member.info)) ||
          a.since - b.since ||
          (work(b.id) > work(a.id) ? 1 : work(b.id) < work(a.id) ? -1 : 0) ||
          (a.id < b.id ? -1 : 1),
      )
      .slice(0, this.settings.standbys)
      .map(({ id }) => id);
    for (const id of this.succession) {
      if (!eligible.includes(id)) this.replication.forget(id);
    }
    for (const id of eligible) if (!this.succession.includes(id)) this.push({ kind: 'allowLargeMessages', peer: id });
    this.succession = eligible;
  }

  /**
   * A coordinator without a job source of its own (a host carrying on what it inherited) hands the cluster to its
   * first standby once that one has a source and has stored everything: the server's gateway, back after a restart.
   */
  private maybeHandOver(): void {
    const [first] = this.succession;
    const self = this.members.get(this.context.selfId);
    if (this.handingOver || first === undefined || self === undefined || self.info.jobSource) return;
    if (this.members.get(first)?.info.jobSource !== true) return;
    if (!this.replication.storedAll(first)) return;
    this.handingOver = true;
    this.sendDown(first, { v: PROTOCOL_VERSION, type: 'handover' });
    this.push({ kind: 'handedOver', successor: first });
  }

  private gateDown(seq: number, to: string, body: DownBody): void {
    this.gate(seq, () => this.sendDown(to, body));
  }

  private gate(seq: number, release: () => void): void {
    this.replication.hold(seq, this.context.now(), release);
    this.release();
  }

  /** Sends what the first standby has stored (everything, when there is no standby). */
  private release(): void {
    this.replication.release(this.succession[0]);
  }
}

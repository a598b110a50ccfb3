// One cluster peer, sans-IO: feed it events (links, messages, mining progress, verification results, ticks) and
// drain the actions it wants done (connect, send, mine, verify). The apps wire it to PeerJS, timers and engines;
// the simulation wires it to an in-memory network.
//
// Peers form a tree under the coordinator. A joining peer asks any peer who coordinates, joins the coordinator,
// and attaches where the coordinator places it. Shares and status travel up the tree, leases and answers travel
// down a route, jobs and heartbeats flood down every branch. When the coordinator goes silent, its first standby
// takes over with the replicated state, and orphaned peers re-join it.
import { bytesToHex, sameBytes } from '../hex.js';
import type { BlockRecord, Job } from '../jobs/job.js';
import type { Finder } from '../jobs/job-source.js';
import { meetsDifficulty } from '../target.js';
import {
  Coordinator,
  type CoordinatorNotice,
  type CoordinatorSettings,
  DEFAULT_COORDINATOR_SETTINGS,
} from './coordinator.js';
import { ReplicatedState } from './replica.js';
import {
  type BroadcastBody,
  blockFromWire,
  type ClusterTotals,
  type DownBody,
  decodeMessage,
  jobFromWire,
  jobToWire,
  type Lease,
  type Message,
  type PeerInfo,
  PROTOCOL_VERSION,
  type ShareRejection,
  type UpBody,
} from './wire.js';

export interface PeerSettings extends CoordinatorSettings {
  /** The host calls tick() this often. */
  tickMs: number;
  /** A link that is neither parent nor child is closed after this long. */
  transientLinkMs: number;
  /** Waiting this long for a join step, the peer tries elsewhere. */
  joinStepTimeoutMs: number;
  /** No heartbeat for this long: the coordinator is taken for gone. */
  coordinatorTimeoutMs: number;
  /** The k-th standby waits k times this long before taking over, so the first one wins. */
  successorStepMs: number;
  statusMs: number;
  /** Ask for the next lease when this much work is left. */
  renewSeconds: number;
  /** How often a coordinator looks for a rival coordinator in the room. */
  probeMs: number;
}

export const DEFAULT_PEER_SETTINGS: PeerSettings = {
  ...DEFAULT_COORDINATOR_SETTINGS,
  tickMs: 250,
  transientLinkMs: 5000,
  joinStepTimeoutMs: 4000,
  coordinatorTimeoutMs: 6000,
  successorStepMs: 4000,
  statusMs: 10_000,
  renewSeconds: 10,
  probeMs: 15_000,
};

export type JobSourceMode = 'demo' | 'external' | 'none';

export interface ClusterPeerOptions {
  info: PeerInfo;
  now(): number;
  random(): number;
  /**
   * demo: this peer runs the demo chain when it coordinates (a gateway starts one; any other peer carries on the one
   * it inherits); external: jobs come from `job` events; none: it never coordinates a source of its own.
   */
  source: JobSourceMode;
  settings?: Partial<PeerSettings>;
}

export type PeerAction =
  | { kind: 'connect'; peer: string }
  | { kind: 'disconnect'; peer: string }
  | { kind: 'send'; to: string; message: Message }
  | { kind: 'discover' }
  /** Mine this lease now, replacing whatever is being mined. */
  | { kind: 'mine'; job: Job; lease: Lease; target: bigint }
  | { kind: 'idle' }
  | { kind: 'verify'; ticket: number; seedHash: Uint8Array; blob: Uint8Array; nonce: number }
  | { kind: 'submitBlock'; job: Job; nonce: number; hash: Uint8Array; finder: Finder }
  | { kind: 'notice'; notice: PeerNotice };

export type PeerNotice =
  | { kind: 'coordinator'; id: string; term: number; self: boolean }
  | { kind: 'job'; job: Job }
  | { kind: 'block'; block: BlockRecord }
  | { kind: 'shareResult'; jobId: string; nonce: number; accepted: boolean; reason?: ShareRejection }
  /** This peer's engine found a share that meets the job's own difficulty: a block (or pool share) candidate. */
  | { kind: 'candidate'; job: Job; nonce: number }
  | { kind: 'banned'; reason: string }
  | { kind: 'badMessage'; from: string; error: string }
  | { kind: 'coordinatorEvent'; event: CoordinatorNotice };

export type PeerEvent =
  | { kind: 'discovered'; peers: readonly string[] }
  | { kind: 'linkUp'; peer: string }
  | { kind: 'linkDown'; peer: string }
  | { kind: 'linkFailed'; peer: string }
  | { kind: 'message'; from: string; data: unknown }
  /** Mining progress on a lease: nonces lease.start .. lease.start + hashes - 1 are done. */
  | { kind: 'progress'; leaseId: string; hashes: number; shares: readonly { nonce: number; hash: Uint8Array }[] }
  | { kind: 'verified'; ticket: number; hash: Uint8Array }
  | { kind: 'blockResult'; block: BlockRecord | null }
  | { kind: 'job'; job: Job }
  | { kind: 'tick' };

type Phase = 'discovering' | 'joining' | 'member' | 'coordinator' | 'banned';

interface Work {
  lease: Lease;
  job: Job;
  hashes: number;
}

type ShareBody = Extract<UpBody, { type: 'share' }>;

const KEPT_JOBS = 16;
const UNANSWERED_SHARE_MS = 15_000;
const MAX_BAD_MESSAGES = 5;
const HASHRATE_SMOOTHING = 0.3;
/** How soon a peer with nothing to mine asks again for work. */
const IDLE_REPEAT_MS = 2000;

export class ClusterPeer {
  readonly settings: PeerSettings;
  readonly id: string;
  private info: PeerInfo;
  private phase: Phase = 'discovering';
  private actions: PeerAction[] = [];
  private readonly links = new Map<string, { since: number; info?: PeerInfo }>();
  private readonly connecting = new Map<string, number>();
  private readonly children = new Set<string>();
  private parent: string | null = null;
  private coordinatorId: string | null = null;
  private term = 0;
  private succession: string[] = [];
  private lastHeard = 0;
  private lostSince: number | null = null;
  /** Whom we asked to place us, and the parent it named. */
  private joinTarget: string | null = null;
  private joinStepAt = 0;
  private pendingParent: string | null = null;
  private orphan = false;
  private readonly unreachable = new Set<string>();
  /** When each peer last answered a join request: a standby that answers is alive and will take over. */
  private readonly answeredAt = new Map<string, number>();
  private retryJoinAt: number | null = null;
  /** No new join step before this time. */
  private backoffUntil = 0;
  /** A coordinator named by a full peer, tried next. */
  private coordinatorHint: string | null = null;
  /** A peer that claims to coordinate a later term than this peer knows: joined, never competed with. */
  private newerCoordinator: string | null = null;
  private discovered: string[] = [];
  private discoverAt = 0;
  private discovering = false;
  private coordinator: Coordinator | undefined;
  private replica: ReplicatedState | undefined;
  private readonly jobs = new Map<string, Job>();
  private latestJobId: string | undefined;
  private readonly recentBlocks: BlockRecord[] = [];
  private totalsSeen: ClusterTotals = { peers: 0, hashrate: 0, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 };
  private current: Work | undefined;
  private queued: Work[] = [];
  /** Leases replaced before they were done, whose last batch may still report shares. */
  private replaced: Work[] = [];
  private needWorkAt: number | null = null;
  private nextShareSeq = 1;
  private readonly unacked = new Map<number, { body: ShareBody; sentAt: number }>();
  private lastProgressAt: number | null = null;
  private lastStatusAt = Number.NEGATIVE_INFINITY;
  private lastProbeAt = 0;
  private readonly badMessages = new Map<string, number>();

  constructor(private readonly options: ClusterPeerOptions) {
    this.settings = { ...DEFAULT_PEER_SETTINGS, ...options.settings };
    this.info = { ...options.info };
    this.id = options.info.id;
  }

  /** The actions wanted since the last call. */
  drain(): PeerAction[] {
    const taken = this.actions;
    this.actions = [];
    return taken;
  }

  get role(): Phase {
    return this.phase;
  }

  get currentTerm(): number {
    return this.term;
  }

  get linkCount(): number {
    return this.links.size;
  }

  get latestJob(): Job | undefined {
    return this.latestJobId === undefined ? undefined : this.jobs.get(this.latestJobId);
  }

  get miningLease(): { lease: Lease; job: Job } | undefined {
    return this.current;
  }

  /** Shares sent and not yet answered: sent again after a coordinator change. */
  get unconfirmedShares(): { jobId: string; nonce: number }[] {
    return [...this.unacked.values()].map(({ body }) => ({ jobId: body.jobId, nonce: body.nonce }));
  }

  /** The coordinator's view when this peer coordinates, else the totals of its last heartbeat. */
  get clusterTotals(): ClusterTotals {
    return this.coordinator?.totals() ?? this.totalsSeen;
  }

  get coordinatorState(): Coordinator | undefined {
    return this.coordinator;
  }

  /** Starts joining; call once, after wiring. */
  start(): void {
    this.discover();
  }

  handle(event: PeerEvent): void {
    if (this.phase === 'banned' && event.kind !== 'tick') return;
    switch (event.kind) {
      case 'discovered':
        this.discovering = false;
        this.discovered = event.peers.filter((peer) => peer !== this.id);
        this.continueJoining(true);
        return;
      case 'linkUp': {
        const outgoing = this.connecting.delete(event.peer);
        this.links.set(event.peer, { since: this.now() });
        if (!outgoing && this.links.size > this.maxLinks()) {
          // Full: say whom to ask instead, and close at once.
          this.send(event.peer, {
            v: PROTOCOL_VERSION,
            type: 'redirect',
            coordinator: this.liveCoordinator(),
            term: this.term,
            full: true,
          });
          this.disconnect(event.peer);
          return;
        }
        this.send(event.peer, {
          v: PROTOCOL_VERSION,
          type: 'hello',
          info: this.info,
          coordinator: this.coordinatorId,
          term: this.term,
        });
        return;
      }
      case 'linkDown':
        this.lostLink(event.peer);
        return;
      case 'linkFailed':
        this.connecting.delete(event.peer);
        this.unreachable.add(event.peer);
        if (this.joinTarget === event.peer || this.pendingParent === event.peer) this.abandonJoinStep();
        return;
      case 'message':
        this.receive(event.from, event.data);
        return;
      case 'progress':
        this.progress(event.leaseId, event.hashes, event.shares);
        return;
      case 'verified':
        this.coordinator?.handleVerified(event.ticket, event.hash);
        return;
      case 'blockResult':
        this.coordinator?.handleBlockResult(event.block);
        return;
      case 'job':
        this.coordinator?.setJob(event.job);
        return;
      case 'tick':
        this.tick();
        return;
    }
  }

  // ---- links and messages ----

  private now(): number {
    return this.options.now();
  }

  private push(action: PeerAction): void {
    this.actions.push(action);
  }

  private notice(notice: PeerNotice): void {
    this.push({ kind: 'notice', notice });
  }

  private send(to: string, message: Message): void {
    this.push({ kind: 'send', to, message });
  }

  private maxLinks(): number {
    return this.phase === 'coordinator'
      ? Math.min(this.info.maxLinks, this.settings.coordinatorLinks)
      : this.info.maxLinks;
  }

  private connect(peer: string): void {
    if (this.links.has(peer) || this.connecting.has(peer) || peer === this.id) return;
    if (this.links.size + this.connecting.size >= this.maxLinks()) return; // tried again on a later tick
    this.connecting.set(peer, this.now());
    this.push({ kind: 'connect', peer });
  }

  private disconnect(peer: string): void {
    if (!this.links.has(peer)) return;
    this.links.delete(peer);
    this.push({ kind: 'disconnect', peer });
    this.lostLink(peer);
  }

  private lostLink(peer: string): void {
    this.links.delete(peer);
    this.badMessages.delete(peer);
    this.connecting.delete(peer);
    if (this.children.delete(peer)) {
      if (this.coordinator !== undefined) this.coordinator.drop(peer);
      else this.sendUp({ v: PROTOCOL_VERSION, type: 'gone', peer });
    }
    if (peer === this.parent) {
      this.parent = null;
      if (this.phase === 'member') {
        this.orphan = true;
        this.phase = 'joining';
        // The coordinator itself was the parent: it is gone until proven otherwise.
        if (peer === this.coordinatorId && this.lostSince === null) this.lostSince = this.now();
        this.joinTarget = null;
        this.continueJoining();
      }
    }
    if (peer === this.joinTarget || peer === this.pendingParent) this.abandonJoinStep();
  }

  private receive(from: string, data: unknown): void {
    const decoded = decodeMessage(data);
    if (!decoded.ok) {
      this.notice({ kind: 'badMessage', from, error: decoded.error });
      // A peer that keeps sending malformed messages is cut off; its own neighbours re-place its subtree.
      const strikes = (this.badMessages.get(from) ?? 0) + 1;
      this.badMessages.set(from, strikes);
      if (strikes >= MAX_BAD_MESSAGES) this.disconnect(from);
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'hello':
        this.onHello(from, message);
        return;
      case 'join':
        this.onJoin(from, message.orphan);
        return;
      case 'welcome':
        this.onWelcome(from, message);
        return;
      case 'redirect':
        this.onRedirect(from, message.coordinator, message.term, message.full);
        return;
      case 'attach':
        if (this.phase === 'member' || this.phase === 'coordinator') this.children.add(from);
        return;
      case 'detach':
        if (this.children.delete(from)) this.coordinator?.drop(from);
        return;
      case 'up':
        this.onUp(from, message);
        return;
      case 'down':
        this.onDown(from, message);
        return;
      case 'broadcast':
        this.onBroadcast(from, message.term, message.body);
        return;
    }
  }

  private onHello(from: string, hello: Extract<Message, { type: 'hello' }>): void {
    if (hello.info.id !== from) return;
    const link = this.links.get(from);
    if (link !== undefined) link.info = hello.info;
    if (this.phase === 'coordinator') {
      if (hello.coordinator !== null && hello.coordinator !== this.id && this.outranks(hello.coordinator, hello.term)) {
        this.stepDown(hello.coordinator);
      }
      return;
    }
    // A coordinator of a later term exists: join it rather than compete with it.
    if (hello.coordinator !== null && hello.coordinator !== this.id && hello.term > this.term) {
      this.newerCoordinator = hello.coordinator;
    }
    if (this.phase === 'joining' && from === this.pendingParent) this.attachTo(from);
    else if (this.phase === 'joining' && (from === this.joinTarget || from === this.newerCoordinator)) {
      this.joinTarget = from;
      this.onJoinAnswer(from, hello.coordinator, hello.term);
    }
  }

  /** Whether a rival coordinator's claim beats this peer's own term. */
  private outranks(rival: string, rivalTerm: number): boolean {
    if (rivalTerm !== this.term) return rivalTerm > this.term;
    return rival < this.id;
  }

  private onJoin(from: string, orphan: boolean): void {
    const info = this.links.get(from)?.info;
    if (info === undefined) return;
    if (this.coordinator === undefined) {
      this.send(from, {
        v: PROTOCOL_VERSION,
        type: 'redirect',
        coordinator: this.liveCoordinator(),
        term: this.term,
        full: false,
      });
      return;
    }
    this.coordinator.admit(info, orphan);
    if (this.coordinator.parentOf(from) === this.id) this.children.add(from);
  }

  /** The coordinator as far as this peer knows, unless it has gone silent. */
  private liveCoordinator(): string | null {
    return this.lostSince === null ? this.coordinatorId : null;
  }

  private onJoinAnswer(from: string, claimed: string | null, claimedTerm: number): void {
    this.answeredAt.set(from, this.now());
    this.retryJoinAt = null;
    if (claimed === from && claimedTerm >= this.term) {
      this.send(from, { v: PROTOCOL_VERSION, type: 'join', orphan: this.orphan });
      this.joinStepAt = this.now();
      return;
    }
    const lostCoordinator = this.lostSince !== null ? this.coordinatorId : null;
    if (claimed !== null && claimed !== this.id && claimed !== from && claimed !== lostCoordinator) {
      this.dropTransient(from);
      this.joinTarget = claimed;
      this.joinStepAt = this.now();
      if (this.links.has(claimed)) this.onJoinAnswer(claimed, claimed, claimedTerm);
      else this.connect(claimed);
      return;
    }
    // It knows no live coordinator (yet): a standby about to take over says so too. Ask it again shortly, and wait
    // for a standby beyond the join-step timeout; two peers joining at once that asked each other give up.
    if (this.succession.includes(from)) this.joinStepAt = this.now();
    this.retryJoinAt = this.now() + 1000;
  }

  private onRedirect(from: string, claimed: string | null, claimedTerm: number, full: boolean): void {
    if (this.phase !== 'joining' || from !== this.joinTarget) return;
    if (!full) {
      this.onJoinAnswer(from, claimed, claimedTerm);
      return;
    }
    this.answeredAt.set(from, this.now());
    const lostCoordinator = this.lostSince !== null ? this.coordinatorId : null;
    if (claimed !== null && claimed !== from && claimed !== this.id && claimed !== lostCoordinator) {
      this.coordinatorHint = claimed;
    }
    if (claimed === from && claimedTerm > this.term) this.newerCoordinator = from;
    // A full peer, coordinator or not, is asked again after a pause spread over joiners, so they do not return
    // together.
    this.joinTarget = null;
    this.backoffUntil = this.now() + 1000 + this.options.random() * 2000;
  }

  private onWelcome(from: string, welcome: Extract<Message, { type: 'welcome' }>): void {
    if (this.phase !== 'joining' || from !== this.joinTarget) return;
    this.adoptCoordinator(from, welcome.term, welcome.succession);
    for (const block of welcome.blocks) this.rememberBlock(blockFromWire(block));
    if (welcome.job !== null) this.rememberJob(jobFromWire(welcome.job));
    if (welcome.parent === from) {
      this.becomeMember(from);
      return;
    }
    this.pendingParent = welcome.parent;
    this.joinStepAt = this.now();
    // The coordinator's join slot is free again at once; if the parent cannot be reached, joining starts over.
    this.joinTarget = null;
    this.dropTransient(from);
    if (this.links.get(welcome.parent)?.info !== undefined) this.attachTo(welcome.parent);
    else this.connect(welcome.parent);
  }

  private attachTo(parent: string): void {
    this.send(parent, { v: PROTOCOL_VERSION, type: 'attach' });
    const via = this.joinTarget;
    this.becomeMember(parent);
    if (via !== null && via !== parent) this.dropTransient(via);
  }

  private becomeMember(parent: string): void {
    this.parent = parent;
    this.phase = 'member';
    this.joinTarget = null;
    this.pendingParent = null;
    const rejoined = this.orphan;
    this.orphan = false;
    this.unreachable.clear();
    this.sendStatus();
    this.resendUnconfirmed();
    // A subtree cut off with this peer missed the jobs made meanwhile; the welcome brought the current one.
    const job = this.latestJob;
    if (rejoined && job !== undefined) {
      this.passDown(this.term, { v: PROTOCOL_VERSION, type: 'job', job: jobToWire(job) });
    }
  }

  private adoptCoordinator(id: string, term: number, succession: readonly string[]): void {
    const changed = id !== this.coordinatorId || term !== this.term;
    this.newerCoordinator = null;
    this.coordinatorId = id;
    this.term = term;
    this.succession = [...succession];
    this.lastHeard = this.now();
    this.lostSince = null;
    if (changed) this.notice({ kind: 'coordinator', id, term, self: id === this.id });
  }

  private abandonJoinStep(): void {
    if (this.phase !== 'joining' && this.phase !== 'discovering') return;
    this.joinTarget = null;
    this.pendingParent = null;
    this.continueJoining();
  }

  /** Closes a link that serves no purpose in the tree. */
  private dropTransient(peer: string): void {
    if (peer === this.parent || this.children.has(peer) || peer === this.pendingParent) return;
    if (peer === this.joinTarget) return;
    this.disconnect(peer);
  }

  // ---- joining ----

  private discover(): void {
    this.discoverAt = this.now();
    this.discovering = true;
    this.push({ kind: 'discover' });
  }

  /** Takes the next join step: a standby when the coordinator was lost, else any peer the room lists. */
  private continueJoining(freshDiscovery = false): void {
    if (this.phase !== 'joining' && this.phase !== 'discovering') return;
    if (this.joinTarget !== null || this.pendingParent !== null || this.now() < this.backoffUntil) return;
    const hint = this.coordinatorHint;
    this.coordinatorHint = null;
    const candidates = [
      ...(this.newerCoordinator === null ? [] : [this.newerCoordinator]),
      ...(hint === null ? [] : [hint]),
      ...(this.lostSince === null && this.coordinatorId !== null ? [this.coordinatorId] : []),
      ...this.succession,
    ].filter((peer) => peer !== this.id && !this.unreachable.has(peer));
    const known = candidates[0];
    if (known !== undefined) {
      this.askToJoin(known);
      return;
    }
    const others = this.discovered.filter((peer) => !this.unreachable.has(peer));
    if (others.length > 0) {
      this.askToJoin(others[Math.floor(this.options.random() * others.length)] as string);
      return;
    }
    if (freshDiscovery && this.discovered.length === 0 && this.info.role === 'gateway') {
      // Nobody else is here, and this peer has the jobs: it starts the cluster.
      this.takeOver();
      return;
    }
    // A discovery that never answered (signaling down) is given up after a while.
    const waited = this.now() - this.discoverAt;
    if ((!this.discovering || waited > 10_000) && waited > 2000) {
      this.unreachable.clear();
      this.discover();
    }
  }

  private askToJoin(peer: string): void {
    this.phase = this.phase === 'member' ? 'member' : 'joining';
    this.joinTarget = peer;
    this.joinStepAt = this.now();
    const link = this.links.get(peer);
    if (link?.info !== undefined) {
      // Already linked: ask directly.
      this.send(peer, { v: PROTOCOL_VERSION, type: 'join', orphan: this.orphan });
    } else {
      this.connect(peer);
    }
  }

  // ---- tree traffic ----

  private sendUp(body: UpBody): void {
    if (this.coordinator !== undefined) {
      this.coordinator.handleUp(this.id, [], body);
      return;
    }
    if (this.parent === null) return; // resent once a parent is back (shares), or superseded (status)
    this.send(this.parent, { v: PROTOCOL_VERSION, type: 'up', origin: this.id, path: [], body });
  }

  private onUp(from: string, message: Extract<Message, { type: 'up' }>): void {
    // Only children pass traffic up, and each hop names itself: a peer cannot pose as another one's relay.
    if (!this.children.has(from)) return;
    const lastHop = message.path.at(-1) ?? message.origin;
    if (lastHop !== from) return;
    if (this.coordinator !== undefined) {
      this.coordinator.handleUp(message.origin, message.path, message.body);
      return;
    }
    if (this.parent === null) return;
    this.send(this.parent, { ...message, path: [...message.path, this.id] });
  }

  private onDown(from: string, message: Extract<Message, { type: 'down' }>): void {
    if (from !== this.parent && from !== this.joinTarget) return;
    const [me, next, ...rest] = message.route;
    if (me !== this.id && message.route.length > 0) return;
    if (next === undefined) {
      this.handleDown(message.body);
      return;
    }
    if (this.children.has(next)) this.send(next, { ...message, route: [next, ...rest] });
  }

  private onBroadcast(from: string, term: number, body: BroadcastBody): void {
    if (from !== this.parent || term < this.term) return;
    if (body.type === 'heartbeat') {
      const newTerm = term > this.term || body.coordinator !== this.coordinatorId;
      this.adoptCoordinator(body.coordinator, term, body.succession);
      this.totalsSeen = body.totals;
      if (newTerm) {
        this.sendStatus();
        this.resendUnconfirmed();
      }
    } else if (body.type === 'job') {
      this.rememberJob(jobFromWire(body.job));
    } else {
      this.rememberBlock(blockFromWire(body.block));
    }
    this.passDown(term, body);
  }

  /** Sends a broadcast on to every child. */
  private passDown(term: number, body: BroadcastBody): void {
    for (const child of this.children) this.send(child, { v: PROTOCOL_VERSION, type: 'broadcast', term, body });
  }

  private handleDown(body: DownBody): void {
    switch (body.type) {
      case 'lease':
        this.rememberJob(jobFromWire(body.job));
        this.takeLease(body.lease);
        return;
      case 'shareResult': {
        const share = this.unacked.get(body.seq)?.body;
        if (share === undefined) return;
        this.unacked.delete(body.seq);
        const result = {
          kind: 'shareResult',
          jobId: share.jobId,
          nonce: share.nonce,
          accepted: body.accepted,
        } as const;
        this.notice(body.reason === undefined ? result : { ...result, reason: body.reason });
        return;
      }
      case 'replica':
        this.storeReplica(body.from, body.snapshot, body.entries);
        return;
      case 'banned':
        this.phase = 'banned';
        this.current = undefined;
        this.queued = [];
        this.push({ kind: 'idle' });
        this.notice({ kind: 'banned', reason: body.reason });
        for (const peer of [...this.links.keys()]) this.disconnect(peer);
        return;
    }
  }

  private storeReplica(from: number, snapshot: boolean, entries: Extract<DownBody, { type: 'replica' }>['entries']) {
    if (snapshot) {
      this.replica = new ReplicatedState();
      for (const entry of entries) this.replica.apply(entry);
      this.replica.nextSeq = from;
    } else if (this.replica !== undefined && from === this.replica.nextSeq) {
      for (const entry of entries) this.replica.apply(entry);
    } else {
      this.sendUp({ v: PROTOCOL_VERSION, type: 'replicaAck', seq: this.replica?.nextSeq ?? 0, resend: true });
      return;
    }
    this.sendUp({ v: PROTOCOL_VERSION, type: 'replicaAck', seq: this.replica.nextSeq, resend: false });
  }

  private sendStatus(): void {
    this.lastStatusAt = this.now();
    this.sendUp({ v: PROTOCOL_VERSION, type: 'status', info: this.info, children: this.children.size });
  }

  /** Sends again the shares without an answer (all of them, or those waiting longer than `olderThanMs`). */
  private resendUnconfirmed(olderThanMs = 0): void {
    const now = this.now();
    for (const share of this.unacked.values()) {
      if (now - share.sentAt < olderThanMs) continue;
      share.sentAt = now;
      this.sendUp(share.body);
    }
  }

  /** Keeps a job heard of by broadcast, welcome or lease; one notice per job, however often it is heard. */
  private rememberJob(job: Job): void {
    if (this.jobs.has(job.id)) return;
    this.jobs.set(job.id, job);
    if (this.jobs.size > KEPT_JOBS) {
      const [oldest] = this.jobs.keys();
      if (oldest !== undefined) this.jobs.delete(oldest);
    }
    const latest = this.latestJob;
    if (latest === undefined || job.createdAt >= latest.createdAt) this.latestJobId = job.id;
    this.notice({ kind: 'job', job });
  }

  private rememberBlock(block: BlockRecord): void {
    if (this.recentBlocks.some((known) => known.height === block.height && sameBytes(known.id, block.id))) return;
    this.recentBlocks.push(block);
    if (this.recentBlocks.length > 64) this.recentBlocks.shift();
    this.notice({ kind: 'block', block });
  }

  // ---- mining ----

  private takeLease(lease: Lease): void {
    const job = this.jobs.get(lease.jobId);
    if (job === undefined || !this.info.mines) return;
    this.needWorkAt = null;
    const work: Work = { lease, job, hashes: 0 };
    const latest = lease.jobId === this.latestJobId;
    if (this.current === undefined || (latest && this.current.job.id !== this.latestJobId)) {
      // A lease on the newest job replaces older work at once; queued leases of older jobs are dropped.
      this.queued = this.queued.filter((queued) => queued.job.id === this.latestJobId);
      this.startWork(work);
    } else {
      this.queued.push(work);
    }
  }

  private startWork(work: Work): void {
    if (this.current !== undefined) this.replaced = [this.current, ...this.replaced].slice(0, 4);
    this.current = work;
    this.lastProgressAt = this.now();
    this.push({ kind: 'mine', job: work.job, lease: work.lease, target: BigInt(work.lease.target) });
  }

  private progress(leaseId: string, hashes: number, shares: readonly { nonce: number; hash: Uint8Array }[]): void {
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
      this.unacked.set(body.seq, { body, sentAt: this.now() });
      this.sendUp(body);
      if (meetsDifficulty(share.hash, work.job.difficulty))
        this.notice({ kind: 'candidate', job: work.job, nonce: share.nonce });
    }
    if (work !== this.current) return;
    const now = this.now();
    const done = hashes - work.hashes;
    if (this.lastProgressAt !== null && now > this.lastProgressAt && done > 0) {
      const rate = (1000 * done) / (now - this.lastProgressAt);
      this.info.hashrate =
        this.info.hashrate === 0 ? rate : this.info.hashrate * (1 - HASHRATE_SMOOTHING) + rate * HASHRATE_SMOOTHING;
    }
    this.lastProgressAt = now;
    work.hashes = hashes;
    const left = work.lease.count - hashes;
    if (left <= 0) {
      const next = this.queued.shift();
      if (next !== undefined) this.startWork(next);
      else {
        this.current = undefined;
        this.push({ kind: 'idle' });
      }
    }
    this.maybeAskForWork();
  }

  private maybeAskForWork(): void {
    if (!this.info.mines || this.queued.length > 0) return;
    const left = this.current === undefined ? 0 : this.current.lease.count - this.current.hashes;
    if (left > this.info.hashrate * this.settings.renewSeconds && this.current !== undefined) return;
    const now = this.now();
    // An unanswered request is repeated: soon when there is nothing left to mine, else after renewSeconds.
    const repeatMs = this.current === undefined ? IDLE_REPEAT_MS : this.settings.renewSeconds * 1000;
    if (this.needWorkAt !== null && now - this.needWorkAt < repeatMs) return;
    if (this.phase !== 'member' && this.phase !== 'coordinator') return;
    this.needWorkAt = now;
    this.sendUp({ v: PROTOCOL_VERSION, type: 'needWork', hashrate: this.info.hashrate });
  }

  // ---- time ----

  private tick(): void {
    const now = this.now();
    if (this.phase === 'banned') return;
    if (this.phase === 'coordinator') {
      this.coordinator?.tick();
      this.succession = [...(this.coordinator?.successors ?? [])];
      if (now - this.lastProbeAt > this.settings.probeMs) this.probeForRivals();
    } else if (this.phase === 'member') {
      this.watchCoordinator(now);
      if (now - this.lastStatusAt > this.settings.statusMs) {
        this.sendStatus();
        // An answer lost on a route that changed: the coordinator answers a repeat without counting it twice.
        this.resendUnconfirmed(UNANSWERED_SHARE_MS);
      }
    } else {
      this.watchCoordinator(now);
      if (this.retryJoinAt !== null && now >= this.retryJoinAt && this.joinTarget !== null) {
        this.retryJoinAt = null;
        this.send(this.joinTarget, { v: PROTOCOL_VERSION, type: 'join', orphan: this.orphan });
      }
      if (now - this.joinStepAt > this.settings.joinStepTimeoutMs && (this.joinTarget ?? this.pendingParent) !== null) {
        const stuck = this.pendingParent ?? this.joinTarget;
        if (stuck !== null) this.unreachable.add(stuck);
        if (stuck !== null) this.dropTransient(stuck);
        this.joinTarget = null;
        this.pendingParent = null;
      }
      this.continueJoining();
    }
    this.maybeAskForWork();
    for (const [peer, link] of this.links) {
      const needed =
        peer === this.parent || this.children.has(peer) || peer === this.joinTarget || peer === this.pendingParent;
      if (!needed && now - link.since > this.settings.transientLinkMs) this.disconnect(peer);
    }
  }

  /** Notices a silent coordinator, and takes over when this peer is the standby whose turn it is. */
  private watchCoordinator(now: number): void {
    if (this.coordinatorId === null) return;
    if (this.lostSince === null && now - this.lastHeard > this.settings.coordinatorTimeoutMs) this.lostSince = now;
    if (this.lostSince === null) return;
    const rank = this.succession.indexOf(this.id);
    if (this.newerCoordinator !== null) return;
    if (rank < 0 || this.replica === undefined || now - this.lostSince < rank * this.settings.successorStepMs) return;
    // A better-placed standby that still answers will take over; two coordinators would split the ledger.
    const betterAlive = this.succession
      .slice(0, rank)
      .some((peer) => now - (this.answeredAt.get(peer) ?? Number.NEGATIVE_INFINITY) < this.settings.successorStepMs);
    if (!betterAlive) this.takeOver();
  }

  private takeOver(): void {
    const term = this.term + 1;
    if (this.parent !== null) {
      this.send(this.parent, { v: PROTOCOL_VERSION, type: 'detach' });
      const oldParent = this.parent;
      this.parent = null;
      this.disconnect(oldParent);
    }
    const lastJob = this.replica === undefined ? undefined : [...this.replica.jobs.values()].at(-1)?.job;
    const demo = this.options.source === 'demo' && (lastJob === undefined || lastJob.source === 'demo');
    this.phase = 'coordinator';
    this.joinTarget = null;
    this.pendingParent = null;
    this.orphan = false;
    const host = {
      selfId: this.id,
      now: () => this.now(),
      random: () => this.options.random(),
      send: (to: string, message: Message) => this.send(to, message),
      children: () => this.children,
      deliverToSelf: (body: DownBody) => this.handleDown(body),
      verify: (ticket: number, seedHash: Uint8Array, blob: Uint8Array, nonce: number) =>
        this.push({ kind: 'verify', ticket, seedHash, blob, nonce }),
      submitBlock: (job: Job, nonce: number, hash: Uint8Array, finder: Finder) =>
        this.push({ kind: 'submitBlock', job, nonce, hash, finder }),
      notice: (event: CoordinatorNotice) => {
        if (event.kind === 'job') this.rememberJob(event.job);
        else if (event.kind === 'block') this.rememberBlock(event.block);
        this.notice({ kind: 'coordinatorEvent', event });
      },
    };
    const state = this.replica;
    this.replica = undefined;
    this.coordinator = new Coordinator(host, term, this.settings, {
      ...(state === undefined ? {} : { state }),
      demo,
      selfInfo: this.info,
    });
    this.adoptCoordinator(this.id, term, []);
    this.coordinator.start();
    this.sendStatus();
    this.resendUnconfirmed();
  }

  private stepDown(rival: string): void {
    this.coordinator = undefined;
    this.phase = 'joining';
    this.coordinatorId = rival;
    this.lostSince = null;
    this.askToJoin(rival);
  }

  /** A coordinator links to a peer outside its tree now and then: a rival coordinator answers with its claim. */
  private probeForRivals(): void {
    this.lastProbeAt = this.now();
    const outsiders = this.discovered.filter(
      (peer) => this.coordinator?.parentOf(peer) === undefined && !this.links.has(peer),
    );
    const pick = outsiders[Math.floor(this.options.random() * outsiders.length)];
    if (pick !== undefined) this.connect(pick);
    this.discover();
  }
}

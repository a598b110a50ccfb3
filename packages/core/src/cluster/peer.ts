// One cluster peer, sans-IO: feed it events (links, messages, mining progress, verification results, timeouts) and
// drain the actions it wants done (connect, send, mine, verify). It has no timer of its own: after each event its
// driver asks nextDeadline() when to hand it a timeout. The apps wire it to PeerJS, one timer and engines; the
// simulation wires it to an in-memory network.
//
// Peers form a tree under the coordinator. A joining peer asks a gateway who coordinates, joins the coordinator,
// and attaches where the coordinator places it. Shares and status travel up the tree, leases and answers travel
// down a route, jobs and heartbeats flood down every branch. When the coordinator goes silent, its first standby
// takes over with the replicated state, and orphaned peers re-join it.
//
// Nothing a link says counts before its signed hello passed; only gateways with the cluster's credential
// coordinate; what travels through relays is signed by whoever it speaks for (envelopes.ts, docs/PROTOCOL.md).

import { sameBytes } from '../hex.js';
import type { CredentialPayload } from '../identity/credential.js';
import type { BlockRecord, Job } from '../jobs/job.js';
import type { Finder, SourceVerdict } from '../jobs/job-source.js';
import {
  Coordinator,
  type CoordinatorAction,
  type CoordinatorNotice,
  type CoordinatorSettings,
  DEFAULT_COORDINATOR_SETTINGS,
  type MemberView,
} from './coordinator.js';
import { type ClusterKeys, Envelopes } from './envelopes.js';
import { LeaseWork } from './lease-work.js';
import { ledgerOf, type StoredLedger } from './ledger.js';
import { ReplicatedState } from './replica.js';
import { coordinatorSilent, outranks, type SuccessionView, successionDeadline, takeOverDue } from './succession.js';
import { TreeRouting } from './tree-routing.js';
import {
  type BroadcastBody,
  blockFromWire,
  type ClusterTotals,
  type CoordinatorClaim,
  type DownBody,
  decodeMessage,
  jobFromWire,
  type Lease,
  type LinkPath,
  type LinkPaths,
  type Message,
  type PeerInfo,
  PROTOCOL_VERSION,
  type ShareRejection,
  type UpBody,
} from './wire.js';

export interface PeerSettings extends CoordinatorSettings {
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
  /** A peer whose hello failed, or that claimed what it could not prove, is refused this long. */
  penaltyMs: number;
}

export const DEFAULT_PEER_SETTINGS: PeerSettings = {
  ...DEFAULT_COORDINATOR_SETTINGS,
  transientLinkMs: 5000,
  joinStepTimeoutMs: 4000,
  coordinatorTimeoutMs: 6000,
  successorStepMs: 4000,
  statusMs: 10_000,
  renewSeconds: 10,
  probeMs: 15_000,
  penaltyMs: 60_000,
};

export type JobSourceMode = 'demo' | 'external' | 'none';

export interface ClusterPeerOptions {
  /** Who this peer is; `info.id` is `keys.identity.id`, and `info.role` is gateway exactly when it has a credential. */
  info: PeerInfo;
  keys: ClusterKeys;
  now(): number;
  random(): number;
  /**
   * demo: this gateway runs the demo chain when it coordinates (it starts one when alone, or carries on the one it
   * inherits); external: jobs come from `job` events; none: it carries on only what it inherits.
   */
  source: JobSourceMode;
  settings?: Partial<PeerSettings>;
  /**
   * A gateway with a durable store: what the store kept. Coordinating with no replicated state, the peer starts from
   * it, and its coordinator asks for every ledger entry to be persisted and answers shares once it is.
   */
  ledger?: StoredLedger;
  /**
   * An external source's job with an extra nonce of its own, for a rig that mines alone on it (JobSource.variant);
   * absent where the source cannot make one, and then rigs mine blocks of the cluster's job.
   */
  variantOf?: (job: Job) => Job | undefined;
}

export type PeerAction =
  | { kind: 'connect'; peer: string }
  | { kind: 'disconnect'; peer: string }
  | { kind: 'discover' }
  /** Mine this lease now, replacing whatever is being mined. */
  | { kind: 'mine'; job: Job; lease: Lease; target: bigint }
  | { kind: 'idle' }
  /**
   * Sends, and what the coordinator this peer hosts asks of the shell: verify a share, submit a candidate, ask the
   * source for fresh work, allow large messages on a link (the coordinator's, to a standby, which carries the
   * replicated state).
   */
  | Extract<
      CoordinatorAction,
      { kind: 'send' | 'verify' | 'submitCandidate' | 'wantJob' | 'allowLargeMessages' | 'persist' }
    >
  | { kind: 'notice'; notice: PeerNotice };

export type PeerNotice =
  | { kind: 'coordinator'; id: string; term: number; self: boolean }
  | { kind: 'job'; job: Job }
  | { kind: 'block'; block: BlockRecord }
  | { kind: 'shareResult'; jobId: string; nonce: number; accepted: boolean; reason?: ShareRejection }
  /** This peer's engine found a share that meets the job's own difficulty: a block (or pool share) candidate. */
  | { kind: 'candidate'; job: Job; nonce: number }
  | { kind: 'banned'; reason: string }
  /** The operator stopped every tab; once per stop, however often it is heard. */
  | { kind: 'stopMining' }
  | { kind: 'badMessage'; from: string; error: string }
  /** A peer's hello failed, or it claimed what it could not prove: its link is closed and it is refused a while. */
  | { kind: 'penalized'; peer: string; reason: string }
  /** A join step was given up: the link to `peer` failed, or nothing came back in time. */
  | { kind: 'joinStepFailed'; peer: string; placed: boolean; cause: 'linkFailed' | 'timedOut' }
  | { kind: 'coordinatorEvent'; event: CoordinatorNotice };

export type PeerEvent =
  | { kind: 'discovered'; peers: readonly string[] }
  | { kind: 'linkUp'; peer: string }
  | { kind: 'linkDown'; peer: string }
  | { kind: 'linkFailed'; peer: string }
  /** The way a link's packets took, once ICE chose (after linkUp). */
  | { kind: 'linkPath'; peer: string; path: LinkPath }
  | { kind: 'message'; from: string; data: unknown }
  /** Mining progress on a lease: nonces lease.start .. lease.start + hashes - 1 are done. */
  | { kind: 'progress'; leaseId: string; hashes: number; shares: readonly { nonce: number; hash: Uint8Array }[] }
  /**
   * Whether this peer's engine computes dataset items (light) or reads them (full) changed: a full-mode engine that
   * fell back to light mode, or one that hashes in light mode while it rebuilds its dataset for a new seed.
   */
  | { kind: 'mode'; mode: PeerInfo['mode'] }
  | { kind: 'verified'; ticket: number; hash: Uint8Array }
  /** The external source's answer to a candidate this peer's coordinator submitted. */
  | { kind: 'sourceVerdict'; job: Job; nonce: number; finder: Finder; verdict: SourceVerdict }
  /** The durable store wrote what a persist action of `term` asked for, every entry before `upTo`. */
  | { kind: 'stored'; term: number; upTo: number }
  | { kind: 'job'; job: Job }
  /** The time nextDeadline() named has come: the peer does what is due. */
  | { kind: 'timeout' }
  /** What the operator asks of the cluster, through the coordinator this peer hosts; ignored by any other peer. */
  | { kind: 'operator'; command: OperatorCommand };

export type OperatorCommand = 'stopEveryTab' | 'clearAccounts';

type Phase = 'discovering' | 'joining' | 'member' | 'coordinator' | 'banned';

type Placement = Extract<Message, { type: 'attach' }>['placement'];

/** The join step in progress, with what it needs; at most one at a time. */
type JoinStep =
  /** Asked `target` (a gateway, or the coordinator) to place this peer; asks again at `retryAt` when told to wait. */
  | { kind: 'asking'; target: string; since: number; retryAt: number | null }
  /** Placed under `parent`: shows it the coordinator's placement once linked. */
  | { kind: 'attaching'; parent: string; placement: Placement | null; since: number };

type BroadcastMessage = Extract<Message, { type: 'broadcast' }>;

interface Link {
  since: number;
  /** Set once its hello passed: nothing else it says counts before. */
  info?: PeerInfo;
  /** Its gateway credential, when its hello showed a valid one. */
  gateway: CredentialPayload | null;
  /** Whom it said coordinates, in its hello, if it is a gateway. */
  claim?: CoordinatorClaim | null;
}

/** A snapshot of the coordinator's state arriving in parts. */
interface SnapshotInProgress {
  state: ReplicatedState;
  from: number;
  parts: number;
  next: number;
}

const KEPT_JOBS = 16;
const UNANSWERED_SHARE_MS = 15_000;
const MAX_BAD_MESSAGES = 5;
/** Peers remembered as penalised; the oldest is forgotten first. */
const MAX_PENALIZED = 1024;
/** How often a coordinator without members looks for a rival coordinator. */
const ALONE_PROBE_MS = 3000;

export class ClusterPeer {
  readonly settings: PeerSettings;
  readonly id: string;
  private info: PeerInfo;
  private readonly envelopes: Envelopes;
  private currentPhase: Phase = 'discovering';
  private actions: PeerAction[] = [];
  private readonly links = new Map<string, Link>();
  /** Peers refused until the time given. */
  private readonly penalized = new Map<string, number>();
  private readonly connecting = new Map<string, number>();
  private readonly tree: TreeRouting;
  private coordinatorId: string | null = null;
  private term = 0;
  private succession: string[] = [];
  private lastHeard = 0;
  private lostSince: number | null = null;
  private joinStep: JoinStep | null = null;
  /** The newest job as the coordinator broadcast it (or sent it with the welcome): a child that attaches, or the
   * subtree of a relay that re-joins, may have missed it. */
  private jobBroadcast: BroadcastMessage | null = null;
  /** The welcome's heartbeat, for a re-joining relay's subtree. */
  private welcomeHeartbeat: BroadcastMessage | null = null;
  private orphan = false;
  private readonly unreachable = new Set<string>();
  /** Links this peer opened whose path is not known yet, and the count of every path so far. */
  private readonly opened = new Set<string>();
  private readonly linkPaths: LinkPaths = { direct: 0, stun: 0, turn: 0, failed: 0 };
  /** When each peer last answered a join request: a standby that answers is alive and will take over. */
  private readonly answeredAt = new Map<string, number>();
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
  /** With a durable store: its ledger, or this peer's own when it last stepped down as coordinator. */
  private storedLedger: StoredLedger | undefined;
  /** While this peer coordinates a term it began without a predecessor's replica: the last term it knew before. */
  private restoredFrom: number | undefined;
  private snapshotInProgress: SnapshotInProgress | undefined;
  /** The standby this coordinator handed the cluster to; it steps down once the event that handed over is done. */
  private handedOverTo: string | null = null;
  private readonly jobs = new Map<string, Job>();
  private latestJobId: string | undefined;
  private readonly recentBlocks: BlockRecord[] = [];
  /** The operator's last stop this peer passed on, by term and the coordinator's clock: a repeat is dropped. */
  private lastStop = { term: -1, issuedAt: -1 };
  private totalsSeen: ClusterTotals = { peers: 0, hashrate: 0, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 };
  private readonly work: LeaseWork;
  private lastStatusAt = Number.NEGATIVE_INFINITY;
  private lastProbeAt = 0;
  private readonly badMessages = new Map<string, number>();
  /** Links this peer has allowed large messages on. */
  private readonly largeLinks = new Set<string>();

  constructor(private readonly options: ClusterPeerOptions) {
    this.settings = { ...DEFAULT_PEER_SETTINGS, ...options.settings };
    this.info = { ...options.info };
    this.id = options.info.id;
    if (this.id !== options.keys.identity.id) throw new RangeError("A peer's id is its key's id.");
    if ((options.info.role === 'gateway') !== (options.keys.credential !== null)) {
      throw new RangeError('A peer is a gateway exactly when it has a gateway credential.');
    }
    this.envelopes = new Envelopes(options.keys, options.now);
    this.storedLedger = options.ledger;
    this.tree = new TreeRouting({
      selfId: this.id,
      envelopes: this.envelopes,
      term: () => this.term,
      coordinator: () => this.coordinator,
      send: (to, message) => this.send(to, message),
      badMessage: (from, error) => this.badMessage(from, error),
    });
    this.work = new LeaseWork({
      info: this.info,
      renewSeconds: this.settings.renewSeconds,
      now: () => this.now(),
      push: (action) => this.push(action),
      sendUp: (body) => this.sendUp(body),
      placed: () => this.currentPhase === 'member' || this.currentPhase === 'coordinator',
      term: () => this.term,
    });
  }

  /** The actions wanted since the last call. */
  drain(): PeerAction[] {
    const taken = this.actions;
    this.actions = [];
    return taken;
  }

  /** Where this peer is: finding the room, joining, a member, coordinating, or banned. */
  get phase(): Phase {
    return this.currentPhase;
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
    return this.work.mining;
  }

  /** Shares sent and not yet answered: sent again after a coordinator change. */
  get unconfirmedShares(): { jobId: string; nonce: number }[] {
    return this.work.unconfirmedShares;
  }

  /** The coordinator's view when this peer coordinates, else the totals of its last heartbeat. */
  get clusterTotals(): ClusterTotals {
    return this.coordinator?.totals() ?? this.totalsSeen;
  }

  get coordinatorState(): Coordinator | undefined {
    return this.coordinator;
  }

  /** Every member of the cluster while this peer coordinates; else null (only the coordinator knows them). */
  memberViews(): MemberView[] | null {
    return this.coordinator?.memberViews() ?? null;
  }

  /** Starts joining; call once, after wiring. */
  start(): void {
    this.discover();
  }

  handle(event: PeerEvent): void {
    if (this.currentPhase === 'banned') return;
    this.dispatch(event);
    this.afterEvent();
  }

  /**
   * When the peer next has something to do on its own (a heartbeat, a status, a timeout, a retry, a probe), or null
   * when it waits for events only. Its driver hands it a timeout at that time, and asks again after every event.
   */
  nextDeadline(): number | null {
    if (this.currentPhase === 'banned') return null;
    const now = this.now();
    let earliest = Number.POSITIVE_INFINITY;
    const due = (at: number | null) => {
      if (at !== null && at < earliest) earliest = at;
    };
    // Most checks are strict (`>`): those fall due one ms past their time.
    if (this.currentPhase === 'coordinator') {
      due(this.coordinator?.nextDeadline() ?? null);
      due(this.lastProbeAt + this.probeIntervalMs() + 1);
    } else {
      due(successionDeadline(this.successionView()));
      if (this.currentPhase === 'member') due(this.lastStatusAt + this.settings.statusMs + 1);
      else due(this.joinDeadline(now));
    }
    due(this.work.requestDeadline(now));
    for (const [peer, link] of this.links) {
      if (!this.linkNeeded(peer)) due(link.since + this.settings.transientLinkMs + 1);
    }
    return earliest === Number.POSITIVE_INFINITY ? null : earliest;
  }

  /** The coordinator's records go to its standbys; a handover it made takes effect. */
  private afterEvent(): void {
    const coordinator = this.coordinator;
    if (coordinator === undefined) return;
    // What it asks for may bring more (a share of this peer's own answered here): until it has nothing left.
    for (;;) {
      coordinator.flush();
      const actions = coordinator.drain();
      if (actions.length === 0) break;
      for (const action of actions) this.performForCoordinator(action);
    }
    this.succession = [...coordinator.successors];
    const successor = this.handedOverTo;
    this.handedOverTo = null;
    if (successor !== null) this.stepDown(successor);
  }

  /** Carries out what the coordinator this peer hosts asked for: its own part here, the rest by the driver. */
  private performForCoordinator(action: CoordinatorAction): void {
    switch (action.kind) {
      case 'deliver':
        this.handleDown(action.body);
        return;
      case 'allowLargeMessages':
        this.allowLargeMessages(action.peer);
        return;
      case 'handedOver':
        this.handedOverTo = action.successor;
        return;
      case 'notice': {
        const event = action.notice;
        if (event.kind === 'job') this.rememberJob(event.job);
        else if (event.kind === 'block') this.rememberBlock(event.block);
        this.notice({ kind: 'coordinatorEvent', event });
        return;
      }
      default:
        this.push(action);
    }
  }

  private dispatch(event: PeerEvent): void {
    switch (event.kind) {
      case 'discovered':
        this.discovering = false;
        this.discovered = event.peers.filter((peer) => peer !== this.id);
        this.continueJoining(true);
        return;
      case 'linkUp': {
        const outgoing = this.connecting.delete(event.peer);
        if (outgoing) this.opened.add(event.peer);
        if ((this.penalized.get(event.peer) ?? 0) > this.now()) {
          this.push({ kind: 'disconnect', peer: event.peer });
          return;
        }
        this.links.set(event.peer, { since: this.now(), gateway: null });
        this.send(event.peer, this.envelopes.hello(event.peer, this.info, this.coordinatorClaim()));
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
        }
        return;
      }
      case 'linkDown':
        this.opened.delete(event.peer);
        this.lostLink(event.peer);
        return;
      case 'linkPath':
        // Counted by the peer that opened the link, so that the cluster's sum counts each once.
        if (this.opened.delete(event.peer)) this.linkPaths[event.path]++;
        return;
      case 'linkFailed':
        if (this.connecting.delete(event.peer)) this.linkPaths.failed++;
        this.unreachable.add(event.peer);
        if (this.joinStepPeer() === event.peer) {
          this.noticeJoinStepFailed(event.peer, 'linkFailed');
          this.abandonJoinStep();
        }
        return;
      case 'message':
        this.receive(event.from, event.data);
        return;
      case 'progress':
        this.work.progress(event.leaseId, event.hashes, event.shares);
        return;
      case 'mode':
        if (this.info.mode === event.mode) return;
        // In place: the lease work shares this object.
        this.info.mode = event.mode;
        // The coordinator (this peer's own, too) hears of it now rather than at the next status.
        if (this.currentPhase === 'member' || this.currentPhase === 'coordinator') this.sendStatus();
        return;
      case 'verified':
        this.coordinator?.handleVerified(event.ticket, event.hash);
        return;
      case 'sourceVerdict':
        this.coordinator?.handleSourceVerdict(event.job, event.nonce, event.finder, event.verdict);
        return;
      case 'stored':
        this.coordinator?.handleStored(event.term, event.upTo);
        return;
      case 'job':
        this.coordinator?.setJob(event.job);
        return;
      case 'timeout':
        this.timeout();
        return;
      case 'operator':
        if (event.command === 'stopEveryTab') this.coordinator?.stopEveryTab();
        else this.coordinator?.clearAccounts();
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
    return this.currentPhase === 'coordinator'
      ? Math.min(this.info.maxLinks, this.settings.coordinatorLinks)
      : this.info.maxLinks;
  }

  private connect(peer: string): void {
    if (this.links.has(peer) || this.connecting.has(peer) || peer === this.id) return;
    if (this.links.size + this.connecting.size >= this.maxLinks()) return; // the join step times out and tries again
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
    this.largeLinks.delete(peer);
    this.badMessages.delete(peer);
    this.connecting.delete(peer);
    if (this.tree.removeChild(peer)) {
      if (this.coordinator !== undefined) this.coordinator.drop(peer);
      else this.sendUp({ v: PROTOCOL_VERSION, type: 'gone', peer });
    }
    if (peer === this.tree.parent) {
      this.tree.leaveParent();
      if (this.currentPhase === 'member') {
        this.orphan = true;
        this.currentPhase = 'joining';
        // The coordinator itself was the parent: it is gone until proven otherwise.
        if (peer === this.coordinatorId && this.lostSince === null) this.lostSince = this.now();
        this.joinStep = null;
        this.continueJoining();
      }
    }
    if (peer === this.joinStepPeer()) this.abandonJoinStep();
  }

  private receive(from: string, data: unknown): void {
    const link = this.links.get(from);
    if (link === undefined) return;
    const decoded = decodeMessage(data);
    if (!decoded.ok) {
      this.badMessage(from, decoded.error);
      return;
    }
    const message = decoded.message;
    if (message.type !== 'hello' && link.info === undefined) {
      this.badMessage(from, `${message.type} before a hello`);
      return;
    }
    switch (message.type) {
      case 'hello':
        this.onHello(from, message);
        return;
      case 'join':
        this.onJoin(from, message.orphan, message.unreachable ?? []);
        return;
      case 'welcome':
        this.onWelcome(from, message);
        return;
      case 'redirect':
        this.onRedirect(from, message.coordinator, message.term, message.full);
        return;
      case 'attach':
        this.onAttach(from, message.placement);
        return;
      case 'detach':
        if (this.tree.removeChild(from)) this.coordinator?.drop(from);
        return;
      case 'up':
        this.tree.relayUp(from, message);
        return;
      case 'down':
        this.onDown(from, message);
        return;
      case 'broadcast':
        this.onBroadcast(from, message);
        return;
    }
  }

  /** A peer that keeps sending what it should not is cut off; its own neighbours re-place its subtree. */
  private badMessage(from: string, error: string): void {
    this.notice({ kind: 'badMessage', from, error });
    const strikes = (this.badMessages.get(from) ?? 0) + 1;
    this.badMessages.set(from, strikes);
    if (strikes >= MAX_BAD_MESSAGES) this.disconnect(from);
  }

  /** Closes the link to a peer that lied about itself, and refuses it for a while. */
  private penalize(peer: string, reason: string): void {
    this.notice({ kind: 'penalized', peer, reason });
    this.penalized.delete(peer);
    this.penalized.set(peer, this.now() + this.settings.penaltyMs);
    if (this.penalized.size > MAX_PENALIZED) this.penalized.delete(this.penalized.keys().next().value as string);
    this.disconnect(peer);
  }

  private isGateway(peer: string): boolean {
    return (this.links.get(peer)?.gateway ?? null) !== null;
  }

  private onHello(from: string, message: Extract<Message, { type: 'hello' }>): void {
    const link = this.links.get(from);
    if (link === undefined) return;
    const opened = this.envelopes.openHello(from, message);
    if (!opened.ok) {
      this.penalize(from, opened.error);
      return;
    }
    const { hello, gateway } = opened.value;
    link.info = hello.info;
    link.gateway = gateway;
    // Only a gateway's word on who coordinates counts: anyone else could name anyone.
    const claim = gateway === null ? null : hello.coordinator;
    link.claim = claim;
    if (this.currentPhase === 'coordinator') {
      const own = this.coordinatorClaim();
      if (claim === null || claim.id === this.id || own === null || !outranks(claim, own)) return;
      if (claim.id === from) this.stepDown(from);
      // A gateway follows a coordinator that outranks this one: link to it, and its own hello decides.
      else this.connect(claim.id);
      return;
    }
    // A coordinator of a later term exists: join it rather than compete with it.
    if (claim !== null && claim.id !== this.id && claim.term > this.term) this.newerCoordinator = claim.id;
    if (this.currentPhase === 'joining' && from === this.placedUnder()) this.attachTo(from);
    else if (this.currentPhase === 'joining' && (from === this.askedPeer() || from === this.newerCoordinator)) {
      if (from !== this.askedPeer()) this.joinStep = { kind: 'asking', target: from, since: this.now(), retryAt: null };
      if (gateway === null) {
        // Only gateways know the way in.
        this.unreachable.add(from);
        this.abandonJoinStep();
        return;
      }
      this.onJoinAnswer(from, claim?.id ?? null, claim?.term ?? 0);
    }
  }

  /** A join request, naming the peers this one could not reach while joining (the latest, as many as fit). */
  private joinRequest(): Message {
    const unreachable = [...this.unreachable].slice(-8);
    return {
      v: PROTOCOL_VERSION,
      type: 'join',
      orphan: this.orphan,
      ...(unreachable.length > 0 ? { unreachable } : {}),
    };
  }

  private onJoin(from: string, orphan: boolean, unreachable: readonly string[]): void {
    const link = this.links.get(from);
    const info = link?.info;
    if (link === undefined || info === undefined) return;
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
    this.coordinator.admit(info, orphan, link.gateway, unreachable);
    if (this.coordinator.parentOf(from) === this.id) this.tree.addChild(from);
  }

  /** Whom this peer takes for coordinator, as its hellos say: none while it has gone silent, so that a name always
   * means alive. */
  private coordinatorClaim(): CoordinatorClaim | null {
    const live = this.liveCoordinator();
    if (live === null) return null;
    const claim = { id: live, term: this.term };
    return this.restoredFrom === undefined ? claim : { ...claim, restoredFrom: this.restoredFrom };
  }

  /** The coordinator as far as this peer knows, unless it has gone silent. */
  private liveCoordinator(): string | null {
    return this.lostSince === null ? this.coordinatorId : null;
  }

  /** `from`, the peer this one asks, answered with whom it takes for coordinator. */
  private onJoinAnswer(from: string, claimed: string | null, claimedTerm: number): void {
    const now = this.now();
    this.answeredAt.set(from, now);
    if (claimed === from && claimedTerm >= this.term) {
      this.send(from, this.joinRequest());
      this.joinStep = { kind: 'asking', target: from, since: now, retryAt: null };
      return;
    }
    // A gateway that still names the coordinator this peer took for lost, a whole timeout later, has heard from it:
    // only the way to it was lost (a stalled relay, a failed link).
    if (
      claimed !== null &&
      claimed === this.coordinatorId &&
      this.lostSince !== null &&
      this.now() - this.lostSince >= this.settings.coordinatorTimeoutMs
    ) {
      this.lostSince = null;
    }
    const lostCoordinator = this.lostSince !== null ? this.coordinatorId : null;
    if (claimed !== null && claimed !== this.id && claimed !== from && claimed !== lostCoordinator) {
      // The link to the peer that showed the way is not needed any more: its slot is free for the coordinator.
      this.joinStep = { kind: 'asking', target: claimed, since: now, retryAt: null };
      this.dropTransient(from);
      if (this.links.has(claimed)) this.onJoinAnswer(claimed, claimed, claimedTerm);
      else this.connect(claimed);
      return;
    }
    // It knows no live coordinator (yet): a standby about to take over says so too. Ask it again shortly, and wait
    // for a standby beyond the join-step timeout; two peers joining at once that asked each other give up.
    const since = this.succession.includes(from) ? now : (this.joinStep?.since ?? now);
    this.joinStep = { kind: 'asking', target: from, since, retryAt: now + 1000 };
  }

  private onRedirect(from: string, claimed: string | null, claimedTerm: number, full: boolean): void {
    if (this.currentPhase !== 'joining' || from !== this.askedPeer()) return;
    if (!full) {
      if (this.isGateway(from)) this.onJoinAnswer(from, claimed, claimedTerm);
      return;
    }
    this.answeredAt.set(from, this.now());
    if (from === this.coordinatorId && claimedTerm === this.term) {
      // The coordinator answered, if only to say it is full: it is alive, and a standby must not take over.
      this.lastHeard = this.now();
      this.lostSince = null;
    }
    const lostCoordinator = this.lostSince !== null ? this.coordinatorId : null;
    const named = this.isGateway(from) ? claimed : null;
    if (named !== null && named !== from && named !== this.id && named !== lostCoordinator) {
      this.coordinatorHint = named;
    }
    if (named === from && claimedTerm > this.term) this.newerCoordinator = from;
    // A full peer, coordinator or not, is asked again after a pause spread over joiners, so they do not return
    // together.
    this.joinStep = null;
    this.backoffUntil = this.now() + 1000 + this.options.random() * 2000;
  }

  private onWelcome(from: string, welcome: Extract<Message, { type: 'welcome' }>): void {
    if (this.currentPhase !== 'joining' || from !== this.askedPeer() || !this.isGateway(from)) return;
    if (welcome.parent !== from && welcome.placement === null) return;
    this.adoptCoordinator(from, welcome.term, welcome.succession);
    const claim = this.links.get(from)?.claim;
    if (claim?.id === from && claim.restoredFrom !== undefined) this.work.forgetSharesBefore(welcome.term);
    for (const block of welcome.blocks) this.rememberBlock(blockFromWire(block));
    this.welcomeHeartbeat = this.welcomeBroadcast(from, welcome.heartbeat, 'heartbeat');
    const job = this.welcomeBroadcast(from, welcome.job, 'job');
    if (job !== null) {
      const opened = this.envelopes.openBroadcast(job);
      if (opened.ok && opened.value.body.type === 'job') this.rememberJob(jobFromWire(opened.value.body.job));
      this.jobBroadcast = job;
    }
    if (welcome.parent === from) {
      this.becomeMember(from);
      return;
    }
    // The coordinator's join slot is free again at once; if the parent cannot be reached, joining starts over.
    this.joinStep = { kind: 'attaching', parent: welcome.parent, placement: welcome.placement, since: this.now() };
    this.dropTransient(from);
    if (this.links.get(welcome.parent)?.info !== undefined) this.attachTo(welcome.parent);
    else this.connect(welcome.parent);
  }

  private attachTo(parent: string): void {
    const placement = this.joinStep?.kind === 'attaching' ? this.joinStep.placement : null;
    if (placement === null) return;
    this.send(parent, { v: PROTOCOL_VERSION, type: 'attach', placement });
    this.becomeMember(parent);
  }

  /** Whom this peer asks to place it, if it is asking. */
  private askedPeer(): string | null {
    return this.joinStep?.kind === 'asking' ? this.joinStep.target : null;
  }

  /** The parent this peer was placed under and is attaching to, if it is. */
  private placedUnder(): string | null {
    return this.joinStep?.kind === 'attaching' ? this.joinStep.parent : null;
  }

  /** The peer the join step in progress waits on. */
  private joinStepPeer(): string | null {
    return this.askedPeer() ?? this.placedUnder();
  }

  /** The link carries the replicated state, in messages larger than most. */
  private allowLargeMessages(peer: string): void {
    if (this.largeLinks.has(peer) || !this.links.has(peer)) return;
    this.largeLinks.add(peer);
    this.push({ kind: 'allowLargeMessages', peer });
  }

  /** A broadcast a welcome carries, if `coordinator` signed it and it is of the kind it should be. */
  private welcomeBroadcast(
    coordinator: string,
    signed: Extract<Message, { type: 'welcome' }>['job'],
    kind: BroadcastBody['type'],
  ): BroadcastMessage | null {
    if (signed === null) return null;
    const broadcast: BroadcastMessage = { v: PROTOCOL_VERSION, type: 'broadcast', signed };
    const opened = this.envelopes.openBroadcast(broadcast);
    return opened.ok && opened.value.coordinator === coordinator && opened.value.body.type === kind ? broadcast : null;
  }

  /** A child shows the placement the coordinator signed for it; without one, it is no child of this peer. */
  private onAttach(from: string, signed: Extract<Message, { type: 'attach' }>['placement']): void {
    if ((this.currentPhase !== 'member' && this.currentPhase !== 'coordinator') || this.coordinatorId === null) return;
    const opened = this.envelopes.openPlacement(signed, this.coordinatorId);
    if (!opened.ok) {
      this.badMessage(from, `attach: ${opened.error}`);
      return;
    }
    const { term, peer, parent } = opened.value;
    if (term !== this.term || peer !== from || parent !== this.id) {
      this.badMessage(from, 'attach: the placement is for another term, peer or parent');
      return;
    }
    this.tree.addChild(from);
    // A job made while it was on its way here reached this peer, not it.
    if (this.jobBroadcast !== null) this.send(from, this.jobBroadcast);
  }

  private becomeMember(parent: string): void {
    this.tree.attachUnder(parent);
    this.currentPhase = 'member';
    this.joinStep = null;
    // A standby hears the replicated state from its parent, the coordinator, in messages larger than most.
    if (this.options.keys.credential !== null && parent === this.coordinatorId) this.allowLargeMessages(parent);
    const rejoined = this.orphan;
    this.orphan = false;
    this.unreachable.clear();
    this.sendStatus();
    this.work.resendUnconfirmed();
    // A subtree cut off with this peer missed the coordinator's change and the jobs made meanwhile; the welcome
    // brought the last heartbeat and the current job.
    if (rejoined) {
      for (const broadcast of [this.welcomeHeartbeat, this.jobBroadcast]) {
        if (broadcast !== null) this.tree.toChildren(broadcast);
      }
    }
    this.welcomeHeartbeat = null;
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

  /** Tells the shell that the join step waiting on `peer` is given up, while the step still says what it was. */
  private noticeJoinStepFailed(peer: string, cause: 'linkFailed' | 'timedOut'): void {
    this.notice({ kind: 'joinStepFailed', peer, placed: this.placedUnder() !== null, cause });
  }

  private abandonJoinStep(): void {
    if (this.currentPhase !== 'joining' && this.currentPhase !== 'discovering') return;
    this.joinStep = null;
    this.continueJoining();
  }

  /** Closes a link that serves no purpose in the tree. */
  private dropTransient(peer: string): void {
    if (this.linkNeeded(peer)) return;
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
    if (this.currentPhase !== 'joining' && this.currentPhase !== 'discovering') return;
    if (this.joinStep !== null || this.now() < this.backoffUntil) return;
    const [known] = this.joinCandidates();
    this.coordinatorHint = null;
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
      // Every peer gets another chance, from the fresh list alone: the last one led nowhere, and a peer it names may
      // be gone for good (a restarted server's gateway has a new id).
      this.discovered = [];
      this.unreachable.clear();
      this.discover();
    }
  }

  /** Peers known to coordinate or to stand by, best first: the way in when there are any. */
  private joinCandidates(): string[] {
    return [
      ...(this.newerCoordinator === null ? [] : [this.newerCoordinator]),
      ...(this.coordinatorHint === null ? [] : [this.coordinatorHint]),
      ...(this.lostSince === null && this.coordinatorId !== null ? [this.coordinatorId] : []),
      ...this.succession,
    ].filter((peer) => peer !== this.id && !this.unreachable.has(peer));
  }

  private askToJoin(peer: string): void {
    this.currentPhase = this.currentPhase === 'member' ? 'member' : 'joining';
    this.joinStep = { kind: 'asking', target: peer, since: this.now(), retryAt: null };
    const link = this.links.get(peer);
    if (link?.info !== undefined) {
      // Already linked: ask directly.
      this.send(peer, this.joinRequest());
    } else {
      this.connect(peer);
    }
  }

  // ---- tree traffic ----

  private sendUp(body: UpBody): void {
    this.tree.sendUp(body);
  }

  private onDown(from: string, message: Extract<Message, { type: 'down' }>): void {
    const direct = this.currentPhase === 'joining' && from === this.askedPeer() && this.isGateway(from);
    if (from !== this.tree.parent && !direct) return;
    // A gateway being asked to join may answer with a ban, signed for whatever term it coordinates.
    const signer = direct ? from : this.coordinatorId;
    if (signer === null) return;
    const opened = this.tree.routeDown(from, message, signer);
    if (opened === undefined || (!direct && opened.term !== this.term)) return;
    this.handleDown(opened.body);
  }

  /**
   * Broadcasts come from the parent, signed by the coordinator this peer follows; a heartbeat of a later term
   * introduces a new coordinator with its credential. Each is passed on unchanged.
   */
  private onBroadcast(from: string, message: Extract<Message, { type: 'broadcast' }>): void {
    if (from !== this.tree.parent) return;
    const opened = this.envelopes.openBroadcast(message);
    if (!opened.ok) {
      this.badMessage(from, `broadcast: ${opened.error}`);
      return;
    }
    const { coordinator, term, body } = opened.value;
    if (term < this.term) return;
    const known = coordinator === this.coordinatorId && term === this.term;
    if (!known) {
      // Only a heartbeat that shows the new coordinator's credential changes whom this peer follows.
      if (body.type !== 'heartbeat' || !this.envelopes.credential(coordinator, body.credential).ok) return;
    }
    if (body.type === 'heartbeat') {
      this.adoptCoordinator(coordinator, term, body.succession);
      this.totalsSeen = body.totals;
      if (!known) {
        this.sendStatus();
        this.work.resendUnconfirmed();
      }
    } else if (body.type === 'job') {
      this.rememberJob(jobFromWire(body.job));
      this.jobBroadcast = message;
    } else if (body.type === 'stopMining') {
      const { term: lastTerm, issuedAt: lastIssuedAt } = this.lastStop;
      if (term < lastTerm || (term === lastTerm && body.issuedAt <= lastIssuedAt)) return;
      this.lastStop = { term, issuedAt: body.issuedAt };
      this.notice({ kind: 'stopMining' });
    } else {
      this.rememberBlock(blockFromWire(body.block));
    }
    this.tree.toChildren(message);
  }

  private handleDown(body: DownBody): void {
    switch (body.type) {
      case 'lease':
        this.rememberJob(jobFromWire(body.job));
        this.takeLease(body.lease);
        return;
      case 'shareResult': {
        const share = this.work.answered(body);
        if (share === undefined) return;
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
        this.storeReplica(body);
        return;
      case 'handover':
        // The coordinator has no job source of its own and this gateway has one: it takes over, with the state it
        // replicated, and the old coordinator joins under it.
        if (this.options.keys.credential !== null && this.replica !== undefined) this.takeOver(true);
        return;
      case 'banned':
        this.currentPhase = 'banned';
        this.work.stop();
        this.notice({ kind: 'banned', reason: body.reason });
        for (const peer of [...this.links.keys()]) this.disconnect(peer);
        return;
    }
  }

  /** Stores the coordinator's state: a snapshot in parts (installed once whole), then the log in order. */
  private storeReplica(body: Extract<DownBody, { type: 'replica' }>): void {
    const { from, snapshot, entries } = body;
    if (snapshot !== null) {
      if (snapshot.part === 0) {
        this.snapshotInProgress = { state: new ReplicatedState(), from, parts: snapshot.parts, next: 0 };
      }
      const building = this.snapshotInProgress;
      if (building === undefined || building.from !== from || building.next !== snapshot.part) {
        this.snapshotInProgress = undefined;
        this.askForReplica();
        return;
      }
      for (const entry of entries) building.state.apply(entry);
      building.next++;
      if (building.next < building.parts) return;
      this.snapshotInProgress = undefined;
      this.replica = building.state;
      this.replica.nextSeq = from;
    } else if (this.replica !== undefined && from === this.replica.nextSeq) {
      for (const entry of entries) this.replica.apply(entry);
    } else {
      this.askForReplica();
      return;
    }
    this.sendUp({ v: PROTOCOL_VERSION, type: 'replicaAck', seq: this.replica.nextSeq, resend: false });
  }

  /** A gap, or a fresh standby: everything from what it holds on. */
  private askForReplica(): void {
    this.sendUp({ v: PROTOCOL_VERSION, type: 'replicaAck', seq: this.replica?.nextSeq ?? 0, resend: true });
  }

  private sendStatus(): void {
    this.lastStatusAt = this.now();
    this.sendUp({
      v: PROTOCOL_VERSION,
      type: 'status',
      info: this.info,
      parent: this.tree.parent ?? this.id,
      children: this.tree.children.size,
      links: { ...this.linkPaths },
    });
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
    if (job !== undefined) this.work.take(lease, job, this.latestJobId);
  }

  // ---- time ----

  /** Does what is due by now; nextDeadline says when that is. */
  private timeout(): void {
    const now = this.now();
    if (this.currentPhase === 'coordinator') {
      this.coordinator?.handleTimeout();
      // A coordinator alone (just started, or cut off) looks often: the cluster it belongs to may be out there.
      if (now - this.lastProbeAt > this.probeIntervalMs()) this.probeForRivals();
    } else if (this.currentPhase === 'member') {
      this.watchCoordinator(now);
      if (now - this.lastStatusAt > this.settings.statusMs) {
        this.sendStatus();
        // An answer lost on a route that changed: the coordinator answers a repeat without counting it twice.
        this.work.resendUnconfirmed(UNANSWERED_SHARE_MS);
      }
    } else {
      this.watchCoordinator(now);
      const step = this.joinStep;
      if (step?.kind === 'asking' && step.retryAt !== null && now >= step.retryAt) {
        step.retryAt = null;
        this.send(step.target, this.joinRequest());
      }
      const stuck = this.joinStepPeer();
      if (this.joinStep !== null && stuck !== null && now - this.joinStep.since > this.settings.joinStepTimeoutMs) {
        this.noticeJoinStepFailed(stuck, 'timedOut');
        this.joinStep = null;
        this.unreachable.add(stuck);
        this.dropTransient(stuck);
      }
      this.continueJoining();
    }
    this.work.maybeAskForWork();
    for (const [peer, link] of this.links) {
      if (!this.linkNeeded(peer) && now - link.since > this.settings.transientLinkMs) this.disconnect(peer);
    }
  }

  private linkNeeded(peer: string): boolean {
    return this.tree.isNeighbour(peer) || peer === this.joinStepPeer();
  }

  private probeIntervalMs(): number {
    const alone = (this.coordinator?.memberCount ?? 0) <= 1;
    return alone ? ALONE_PROBE_MS : this.settings.probeMs;
  }

  /** When a joining peer next retries, gives up a step, takes the next one, or discovers again. */
  private joinDeadline(now: number): number | null {
    let earliest: number | null = null;
    const due = (at: number) => {
      if (earliest === null || at < earliest) earliest = at;
    };
    const step = this.joinStep;
    if (step?.kind === 'asking' && step.retryAt !== null) due(step.retryAt);
    if (step !== null) due(step.since + this.settings.joinStepTimeoutMs + 1);
    else if (now < this.backoffUntil) due(this.backoffUntil);
    else if (this.joinCandidates().length > 0 || this.discovered.some((peer) => !this.unreachable.has(peer))) due(now);
    else due(this.discoverAt + (this.discovering ? 10_000 : 2000) + 1);
    return earliest;
  }

  /** What this peer knows of its coordinator and the standbys, for the succession decisions. */
  private successionView(): SuccessionView {
    return {
      selfId: this.id,
      coordinatorId: this.coordinatorId,
      lastHeard: this.lastHeard,
      lostSince: this.lostSince,
      succession: this.succession,
      answeredAt: this.answeredAt,
      newerCoordinator: this.newerCoordinator,
      canTakeOver: this.replica !== undefined && this.options.keys.credential !== null,
      settings: this.settings,
    };
  }

  /** Notices a silent coordinator, and takes over when this peer is the standby whose turn it is. */
  private watchCoordinator(now: number): void {
    if (this.lostSince === null && coordinatorSilent(this.successionView(), now)) {
      this.lostSince = now;
      // A link to a killed process can stay open for a long while: a member under the silent coordinator closes
      // it and joins again, as when the link fails. One under a relay stays: the relay joins again with its subtree.
      const parent = this.tree.parent;
      if (this.currentPhase === 'member' && parent !== null && parent === this.coordinatorId) this.disconnect(parent);
    }
    if (takeOverDue(this.successionView(), now)) this.takeOver();
  }

  /** Begins coordinating, at the next term. After a handover the old coordinator, its parent, stays linked: it
   * joins under this peer at once. */
  private takeOver(handover = false): void {
    if (this.options.keys.credential === null) return; // only gateways coordinate
    // Terms go on rising over a restart: the store keeps the last one.
    const lastKnown = Math.max(this.term, this.storedLedger?.term ?? 0);
    const term = lastKnown + 1;
    this.restoredFrom = this.replica === undefined ? lastKnown : undefined;
    const oldParent = this.tree.leaveParent();
    if (oldParent !== null) {
      this.send(oldParent, { v: PROTOCOL_VERSION, type: 'detach' });
      if (!handover) this.disconnect(oldParent);
    }
    const lastJob = this.replica?.latestJob();
    const demo = this.options.source === 'demo' && (lastJob === undefined || lastJob.source === 'demo');
    this.currentPhase = 'coordinator';
    this.joinStep = null;
    this.orphan = false;
    const context = {
      selfId: this.id,
      envelopes: this.envelopes,
      now: () => this.now(),
      random: () => this.options.random(),
      children: () => this.tree.children,
      variantOf: (job: Job) => this.options.variantOf?.(job),
    };
    // A replicated state is the predecessor's, newer than anything stored.
    const state = this.replica ?? restoredState(this.storedLedger);
    this.replica = undefined;
    this.coordinator = new Coordinator(context, term, this.settings, {
      ...(state === undefined ? {} : { state }),
      demo,
      selfInfo: this.info,
      durable: this.storedLedger !== undefined,
    });
    // What it inherited or restored is this peer's own view of the chain from now on.
    for (const block of this.coordinator.state.blocks) this.rememberBlock(block);
    this.adoptCoordinator(this.id, term, []);
    this.coordinator.start();
    this.sendStatus();
    this.work.resendUnconfirmed();
  }

  /** Stops coordinating and joins `successor`, bringing this peer's subtree along. */
  private stepDown(successor: string): void {
    const state = this.coordinator?.state;
    if (this.storedLedger !== undefined && state !== undefined) {
      this.storedLedger = { term: this.term, entries: ledgerOf(state) };
    }
    this.coordinator = undefined;
    this.restoredFrom = undefined;
    this.currentPhase = 'joining';
    this.orphan = true;
    this.coordinatorId = successor;
    this.lostSince = null;
    this.askToJoin(successor);
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

/** A coordinator's state rebuilt from what a durable store kept, if there is a store. */
function restoredState(ledger: StoredLedger | undefined): ReplicatedState | undefined {
  if (ledger === undefined) return undefined;
  const state = new ReplicatedState();
  for (const entry of ledger.entries) state.apply(entry);
  return state;
}

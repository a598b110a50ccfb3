// A whole cluster in memory: ClusterPeers wired to a simulated network (per-link latency in order, WebRTC-like
// connection set-up, failure detection after a delay), simulated miners that hash every nonce of their leases with
// a cheap stand-in for RandomX, and a verifier that recomputes it. Deterministic for a given seed.

import { ClusterPeer, type PeerAction, type PeerSettings } from '../cluster/peer.js';
import type { Lease, LinkReach, PeerInfo } from '../cluster/wire.js';
import { issueCredential } from '../identity/credential.js';
import { type Identity, identityFromSecret } from '../identity/keys.js';
import type { SignatureScheme } from '../identity/signature-scheme.js';
import type { Job } from '../jobs/job.js';
import { simulatedSignatures } from './sim-signatures.js';
import { EventQueue, fakePow, seededRandom } from './sim-tools.js';

export interface SimOptions {
  seed: number;
  /** Native hosts with gateway credentials, which may coordinate; the first runs the demo chain. */
  hosts: number;
  browsers: number;
  /** Browsers that claim shares they never computed. */
  cheaters: number;
  /** Browsers join evenly over this many seconds. */
  rampSeconds: number;
  /** From churnFrom to churnTo, this share of the peers leaves and as many new ones join. */
  churn: number;
  churnFromSeconds: number;
  churnToSeconds: number;
  /** When the coordinator is killed (no goodbye), or null. */
  killCoordinatorAtSeconds: number | null;
  /** Mining stops here; the run goes on `drainSeconds` for answers in flight. */
  endSeconds: number;
  drainSeconds: number;
  settings?: Partial<PeerSettings>;
  /** Routers between the peers; without it, every link opens. */
  nat?: NatModel;
}

/**
 * Who sits behind a router that blocks links it was not asked for. A link opens when either end has a public
 * address, or when both are behind cone NATs (STUN hole punching); a symmetric NAT, which maps each destination to
 * a port of its own, lets only links to public addresses through. With `turn`, a TURN server relays every link.
 */
export interface NatModel {
  /** The share of browsers behind a NAT, and of hosts but the first (the server's gateway, public). */
  browsersBehindNat: number;
  hostsBehindNat: number;
  /** The share of those NATs that are symmetric. */
  symmetric: number;
  turn: boolean;
}

/** Home and mobile networks: most browsers behind NAT, a quarter of those symmetric (carrier-grade NAT). */
export const INTERNET_NAT: NatModel = { browsersBehindNat: 0.85, hostsBehindNat: 0.25, symmetric: 0.25, turn: false };

/** How long ICE tries before a link that cannot open fails (the mesh gives up a connection after 10 s). */
const LINK_FAIL_MS = 10_000;

/**
 * The scenario of the issue: 12 hosts and 988 browsers (5 of them cheaters) joining over a minute, 20% churn from
 * 90 s to 330 s, the coordinator killed at 200 s, mining until 420 s and 30 s for answers in flight.
 */
export const THOUSAND_PEERS: Omit<SimOptions, 'seed'> = {
  hosts: 12,
  browsers: 988,
  cheaters: 5,
  rampSeconds: 60,
  churn: 0.2,
  churnFromSeconds: 90,
  churnToSeconds: 330,
  killCoordinatorAtSeconds: 200,
  endSeconds: 420,
  drainSeconds: 30,
};

export interface SimReport {
  peersStarted: number;
  peersAlive: number;
  messages: number;
  messagesPerPeerPerMinute: number;
  /** Job creation to arrival, over every job and live peer that received it. */
  jobReachP50Ms: number;
  jobReachP99Ms: number;
  /** The same, leaving out jobs made from the coordinator's loss until FAILOVER_SETTLE_MS after the takeover. */
  jobReachSteadyP99Ms: number;
  jobArrivals: number;
  leases: number;
  overlappingRanges: number;
  sharesAcked: number;
  /**
   * Peers whose credit at the final coordinator is below the shares confirmed to them (a confirmed share lost), or
   * above those plus the ones still awaiting an answer (a share counted twice).
   */
  accountingMismatches: string[];
  /** Live miners not holding a lease on the final coordinator's current job at the end of mining. */
  peersWithoutCurrentJob: number;
  coordinatorChanges: { atMs: number; id: string; term: number }[];
  /** Kill to the new coordinator's takeover, and to every peer that was a member before the kill hearing it. */
  failoverMs: number | null;
  failoverAllPeersMs: number | null;
  blocksFound: number;
  cheatersBanned: number;
  maxBrowserLinks: number;
  maxCoordinatorLinks: number;
  maxTreeDepth: number;
  /** Of the mining seconds of peers that had had work, the share spent without a lease: waiting for work. */
  idleFraction: number;
  /** From a peer's start to its first work (mining steps are 1 s apart), over the peers that got work. */
  firstWorkP50Ms: number;
  firstWorkP99Ms: number;
  /** Live peers, started at least a minute before mining stopped, that never got work. */
  neverMined: number;
  /** Links that could not open through the routers (see NatModel). */
  linksFailed: number;
}

interface Miner {
  lease: Lease;
  job: Job;
  prepared: number;
  targetHigh: number;
  targetLow: number;
  hashes: number;
  carry: number;
}

interface SimNode {
  id: string;
  kind: 'host' | 'browser';
  router: 'public' | 'cone' | 'symmetric';
  peer: ClusterPeer;
  alive: boolean;
  hashrate: number;
  cheater: boolean;
  miner: Miner | undefined;
  links: Set<string>;
  everMined?: boolean;
  startedAt: number;
  /** Shares it was still waiting on when it died. */
  unanswered?: string[];
  /** When it first heard a coordinator: jobs created before that reached it by joining, not by broadcast. */
  memberSince: number | null;
  /** Its one timer: when it fires, and which scheduling is current (the queue cannot cancel an earlier one). */
  timer: { at: number | null; generation: number };
}

const START_MS = 1_795_510_800_000; // 2026-11-24 09:00 UTC
/** How long after a takeover the members of the old tree are still re-joining (measured: 8-13 s). */
const FAILOVER_SETTLE_MS = 20_000;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
const MINING_STEP_MS = 1000;
const HOST_ARRIVAL_SECONDS = 24;

export class SimCluster {
  readonly queue = new EventQueue(START_MS);
  private readonly random: () => number;
  private readonly scheme: SignatureScheme = simulatedSignatures();
  private readonly cluster: Identity;
  private readonly nodes = new Map<string, SimNode>();
  private readonly linkTimes = new Map<string, number>();
  private messages = 0;
  private linksFailed = 0;
  private readonly jobCreated = new Map<string, number>();
  private readonly reach: { createdAt: number; ms: number }[] = [];
  private readonly leases: Lease[] = [];
  private readonly acked = new Map<string, Set<string>>();
  private readonly coordinatorChanges: SimReport['coordinatorChanges'] = [];
  private readonly banned = new Set<string>();
  private nextId = 1;
  private mining = true;
  private maxBrowserLinks = 0;
  private maxCoordinatorLinks = 0;
  private maxTreeDepth = 0;
  private busySteps = 0;
  /** From each peer's start to its first mining step. */
  private readonly firstWork: number[] = [];
  private idleSteps = 0;

  constructor(private readonly options: SimOptions) {
    this.random = seededRandom(options.seed);
    this.cluster = this.newIdentity();
  }

  private newIdentity(): Identity {
    return identityFromSecret(
      this.scheme,
      new Uint8Array(32).map(() => Math.floor(this.random() * 256)),
    );
  }

  static run(options: SimOptions): SimReport {
    return new SimCluster(options).run();
  }

  private run(): SimReport {
    const { options, queue } = this;
    const seconds = (s: number) => START_MS + s * 1000;
    // The first host is the gateway with the demo chain, as `rxmesh serve` embeds one; the others may take over.
    // The hosts arrive over the first HOST_ARRIVAL_SECONDS however many there are (12 hosts: 2 s apart), then the
    // browsers ramp up.
    const hostSpacing = HOST_ARRIVAL_SECONDS / Math.max(options.hosts, 1);
    for (let i = 0; i < options.hosts; i++) {
      queue.at(seconds(i * hostSpacing), () => this.addPeer('host', false, i === 0));
    }
    for (let i = 0; i < options.browsers; i++) {
      const cheater = i < options.cheaters;
      queue.at(seconds(HOST_ARRIVAL_SECONDS + (options.rampSeconds * i) / options.browsers), () =>
        this.addPeer('browser', cheater),
      );
    }
    const churners = Math.round(options.churn * (options.hosts + options.browsers));
    for (let i = 0; i < churners; i++) {
      const span = options.churnToSeconds - options.churnFromSeconds;
      queue.at(seconds(options.churnFromSeconds + this.random() * span), () => this.killRandom());
      queue.at(seconds(options.churnFromSeconds + this.random() * span), () => this.addPeer('browser', false));
    }
    let killedAt: number | null = null;
    if (options.killCoordinatorAtSeconds !== null) {
      queue.at(seconds(options.killCoordinatorAtSeconds), () => {
        const coordinator = [...this.nodes.values()].find((node) => node.alive && node.peer.phase === 'coordinator');
        if (coordinator !== undefined) {
          killedAt = queue.now;
          this.kill(coordinator);
        }
      });
    }
    for (let s = 5; s < options.endSeconds; s += 5) queue.at(seconds(s), () => this.sampleTopology());
    queue.runUntil(seconds(options.endSeconds));

    const coordinator = this.finalCoordinator();
    const peersWithoutCurrentJob = this.countWithoutCurrentJob(coordinator);
    this.mining = false;
    queue.runUntil(seconds(options.endSeconds + options.drainSeconds));
    return this.report(coordinator, peersWithoutCurrentJob, killedAt);
  }

  private finalCoordinator(): SimNode | undefined {
    const coordinators = [...this.nodes.values()].filter((node) => node.alive && node.peer.phase === 'coordinator');
    return coordinators.sort((a, b) => b.peer.currentTerm - a.peer.currentTerm)[0];
  }

  private countWithoutCurrentJob(coordinator: SimNode | undefined): number {
    const current = coordinator?.peer.coordinatorState?.currentJob?.id;
    let missing = 0;
    for (const node of this.nodes.values()) {
      if (!node.alive || node.peer.phase === 'banned' || node === coordinator) continue;
      if (node.peer.miningLease?.job.id !== current) missing++;
    }
    return missing;
  }

  private report(coordinator: SimNode | undefined, peersWithoutCurrentJob: number, killedAt: number | null): SimReport {
    const takeover = killedAt === null ? undefined : this.coordinatorChanges.find((change) => change.atMs > killedAt);
    const settledAt = takeover === undefined ? Number.POSITIVE_INFINITY : takeover.atMs + FAILOVER_SETTLE_MS;
    const inFailover = (createdAt: number) => killedAt !== null && createdAt >= killedAt && createdAt < settledAt;
    const all = this.reach.map((arrival) => arrival.ms);
    const steady = this.reach.filter((arrival) => !inFailover(arrival.createdAt)).map((arrival) => arrival.ms);
    const accounts = coordinator?.peer.coordinatorState?.state.accounts;
    const mismatches: string[] = [];
    for (const node of this.nodes.values()) {
      const confirmed = this.acked.get(node.id) ?? new Set<string>();
      const unanswered = node.unanswered ?? node.peer.unconfirmedShares.map((share) => `${share.jobId}:${share.nonce}`);
      const upper = new Set([...confirmed, ...unanswered]).size;
      const credited = accounts?.get(node.id)?.accepted ?? 0;
      if (credited < confirmed.size || credited > upper) {
        mismatches.push(
          `${node.id}: confirmed ${confirmed.size}, unanswered ${unanswered.length}, credited ${credited}`,
        );
      }
    }
    const minutes = (this.options.endSeconds + this.options.drainSeconds) / 60;
    const alive = [...this.nodes.values()].filter((node) => node.alive);
    return {
      peersStarted: this.nodes.size,
      peersAlive: alive.length,
      messages: this.messages,
      messagesPerPeerPerMinute: this.messages / Math.max(1, alive.length) / minutes,
      jobReachP50Ms: quantile(all, 0.5),
      jobReachP99Ms: quantile(all, 0.99),
      jobReachSteadyP99Ms: quantile(steady, 0.99),
      jobArrivals: all.length,
      leases: this.leases.length,
      overlappingRanges: this.countOverlaps(),
      sharesAcked: [...this.acked.values()].reduce((sum, set) => sum + set.size, 0),
      accountingMismatches: mismatches,
      peersWithoutCurrentJob,
      coordinatorChanges: this.coordinatorChanges.map((change) => ({ ...change, atMs: change.atMs - START_MS })),
      failoverMs: takeover === undefined || killedAt === null ? null : takeover.atMs - killedAt,
      failoverAllPeersMs: killedAt === null ? null : this.failoverAllPeers(killedAt),
      blocksFound: coordinator?.peer.clusterTotals.blocksFound ?? 0,
      cheatersBanned: [...this.banned].filter((id) => this.nodes.get(id)?.cheater).length,
      maxBrowserLinks: this.maxBrowserLinks,
      maxCoordinatorLinks: this.maxCoordinatorLinks,
      maxTreeDepth: this.maxTreeDepth,
      idleFraction: this.idleSteps / Math.max(1, this.idleSteps + this.busySteps),
      firstWorkP50Ms: quantile(this.firstWork, 0.5),
      firstWorkP99Ms: quantile(this.firstWork, 0.99),
      neverMined: alive.filter(
        (node) =>
          !node.everMined &&
          node.peer.phase !== 'banned' &&
          node.startedAt < START_MS + (this.options.endSeconds - 60) * 1000,
      ).length,
      linksFailed: this.linksFailed,
    };
  }

  private readonly heardNewTerm = new Map<string, number>();

  private failoverAllPeers(killedAt: number): number | null {
    const finalTerm = this.finalCoordinator()?.peer.currentTerm;
    let latest = killedAt;
    for (const node of this.nodes.values()) {
      // Peers that joined after the kill heard the new coordinator by joining it.
      if (!node.alive || node.peer.phase === 'banned' || node.memberSince === null || node.memberSince > killedAt)
        continue;
      const heard = this.heardNewTerm.get(`${node.id}:${finalTerm}`);
      if (heard === undefined) return null;
      latest = Math.max(latest, heard);
    }
    return latest - killedAt;
  }

  private countOverlaps(): number {
    const byJob = new Map<string, Lease[]>();
    for (const lease of this.leases) byJob.set(lease.jobId, [...(byJob.get(lease.jobId) ?? []), lease]);
    let overlaps = 0;
    for (const leases of byJob.values()) {
      leases.sort((a, b) => a.start - b.start);
      for (let i = 1; i < leases.length; i++) {
        const previous = leases[i - 1] as Lease;
        if ((leases[i] as Lease).start < previous.start + previous.count) overlaps++;
      }
    }
    return overlaps;
  }

  // ---- peers ----

  private addPeer(kind: SimNode['kind'], cheater: boolean, first = false): void {
    const identity = this.newIdentity();
    const id = identity.id;
    const name = `${kind} ${this.nextId++}`;
    const hashrate = kind === 'host' ? 200 + this.random() * 200 : 5 + this.random() * 25;
    const gateway = kind === 'host';
    const router = this.routerFor(kind, first);
    const credential = gateway
      ? issueCredential(this.scheme, this.cluster, {
          key: id,
          name,
          server: first,
          now: this.queue.now,
          lifetimeMs: 24 * 3600_000,
        })
      : null;
    const info: PeerInfo = {
      id,
      name,
      role: gateway ? 'gateway' : 'worker',
      engine: kind === 'host' ? 'native' : 'wasm',
      mode: kind === 'host' ? 'full' : 'light',
      cores: kind === 'host' ? 8 : 4,
      memoryMb: kind === 'host' ? 16_384 : 4096,
      mines: true,
      hashrate: 0,
      maxLinks: kind === 'host' ? 64 : 8,
      startedAt: this.queue.now,
      jobSource: first,
      ...(this.options.nat === undefined ? {} : { reach: this.reachOf(router) }),
    };
    const peer = new ClusterPeer({
      info,
      keys: { scheme: this.scheme, identity, cluster: this.cluster.id, credential },
      now: () => this.queue.now,
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
      source: kind === 'host' ? 'demo' : 'none',
      ...(this.options.settings === undefined ? {} : { settings: this.options.settings }),
    });
    const node: SimNode = {
      id,
      kind,
      router,
      startedAt: this.queue.now,
      peer,
      alive: true,
      hashrate,
      cheater,
      miner: undefined,
      links: new Set(),
      memberSince: null,
      timer: { at: null, generation: 0 },
    };
    this.nodes.set(id, node);
    peer.start();
    this.flush(node);
    const mine = () => {
      if (!node.alive) return;
      this.mineStep(node);
      this.queue.after(MINING_STEP_MS, mine);
    };
    this.queue.after(this.random() * MINING_STEP_MS, mine);
  }

  private killRandom(): void {
    const candidates = [...this.nodes.values()].filter((node) => node.alive && node.peer.phase !== 'coordinator');
    const victim = candidates[Math.floor(this.random() * candidates.length)];
    if (victim !== undefined) this.kill(victim);
  }

  private routerFor(kind: SimNode['kind'], first: boolean): SimNode['router'] {
    const nat = this.options.nat;
    if (nat === undefined || first) return 'public';
    const behind = kind === 'host' ? nat.hostsBehindNat : nat.browsersBehindNat;
    if (this.random() >= behind) return 'public';
    return this.random() < nat.symmetric ? 'symmetric' : 'cone';
  }

  /** What the peer's ICE candidates say: a symmetric NAT looks like any other to one STUN server. */
  private reachOf(router: SimNode['router']): LinkReach {
    if (router === 'public') return 'public';
    return this.options.nat?.turn ? 'relay' : 'nat';
  }

  private linkOpens(a: SimNode, b: SimNode): boolean {
    if (this.options.nat?.turn || a.router === 'public' || b.router === 'public') return true;
    return a.router === 'cone' && b.router === 'cone';
  }

  /** The peer vanishes; each neighbour notices its link is dead after 1-4 s, as WebRTC does. */
  private kill(node: SimNode): void {
    node.alive = false;
    node.unanswered = node.peer.unconfirmedShares.map((share) => `${share.jobId}:${share.nonce}`);
    for (const other of node.links) {
      this.nodes.get(other)?.links.delete(node.id);
      this.queue.after(1000 + this.random() * 3000, () => this.deliver(other, { kind: 'linkDown', peer: node.id }));
    }
    node.links.clear();
  }

  private deliver(id: string, event: Parameters<ClusterPeer['handle']>[0]): void {
    const node = this.nodes.get(id);
    if (node === undefined || !node.alive) return;
    node.peer.handle(event);
    this.flush(node);
  }

  private flush(node: SimNode): void {
    for (const action of node.peer.drain()) this.perform(node, action);
    this.setTimer(node);
  }

  /** Sets the peer's timer to its next deadline, as a host's driver does after every event. */
  private setTimer(node: SimNode): void {
    const at = node.peer.nextDeadline();
    if (at === node.timer.at) return;
    const generation = ++node.timer.generation;
    node.timer.at = at;
    if (at === null) return;
    this.queue.at(at, () => {
      if (generation !== node.timer.generation) return;
      node.timer.at = null;
      this.deliver(node.id, { kind: 'timeout' });
    });
  }

  private perform(node: SimNode, action: PeerAction): void {
    switch (action.kind) {
      case 'connect': {
        const target = this.nodes.get(action.peer);
        // WebRTC set-up through the signaling server: a few hundred milliseconds.
        const delay = 200 + this.random() * 600;
        this.queue.after(delay, () => {
          if (!node.alive) return;
          if (target === undefined || !target.alive) {
            this.queue.after(3000, () => this.deliver(node.id, { kind: 'linkFailed', peer: action.peer }));
            return;
          }
          if (!this.linkOpens(node, target)) {
            this.linksFailed++;
            this.queue.after(LINK_FAIL_MS, () => this.deliver(node.id, { kind: 'linkFailed', peer: action.peer }));
            return;
          }
          node.links.add(target.id);
          target.links.add(node.id);
          this.deliver(node.id, { kind: 'linkUp', peer: target.id });
          this.deliver(target.id, { kind: 'linkUp', peer: node.id });
        });
        return;
      }
      case 'disconnect': {
        node.links.delete(action.peer);
        const other = this.nodes.get(action.peer);
        if (other?.links.delete(node.id)) {
          // A closing channel still delivers what was sent on it before.
          const lastMessage = this.linkTimes.get(`${node.id}>${action.peer}`) ?? 0;
          this.queue.at(Math.max(this.queue.now + 50, lastMessage + 1), () =>
            this.deliver(action.peer, { kind: 'linkDown', peer: node.id }),
          );
        }
        return;
      }
      case 'send': {
        if (!node.links.has(action.to)) return;
        this.messages++;
        const key = `${node.id}>${action.to}`;
        // Links keep order: a message never overtakes the one before it on the same link.
        const at = Math.max(this.queue.now + this.latency(node.id, action.to), this.linkTimes.get(key) ?? 0);
        this.linkTimes.set(key, at);
        const wire = JSON.stringify(action.message);
        this.queue.at(at, () => this.deliver(action.to, { kind: 'message', from: node.id, data: JSON.parse(wire) }));
        return;
      }
      case 'discover':
        // Signaling lists the room's gateways.
        this.queue.after(50, () => {
          const peers = [...this.nodes.values()]
            .filter((other) => other.alive && other.kind === 'host')
            .map((other) => other.id);
          this.deliver(node.id, { kind: 'discovered', peers });
        });
        return;
      case 'mine': {
        const target = action.target;
        node.miner = {
          lease: action.lease,
          job: action.job,
          prepared: fakePow.prepare(action.job.seedHash, action.job.blob),
          targetHigh: Number(target >> 32n),
          targetLow: Number(target & 0xffff_ffffn),
          hashes: 0,
          carry: 0,
        };
        return;
      }
      case 'idle':
        node.miner = undefined;
        return;
      case 'verify': {
        // Light-mode verification: ~20 ms per hash.
        const hash = fakePow.hash(fakePow.prepare(action.seedHash, action.blob), action.nonce);
        this.queue.after(20, () => this.deliver(node.id, { kind: 'verified', ticket: action.ticket, hash }));
        return;
      }
      case 'submitCandidate':
      case 'wantJob':
      case 'allowLargeMessages':
        return;
      case 'notice':
        this.observe(node, action.notice);
        return;
    }
  }

  private latency(a: string, b: string): number {
    // Fixed per pair, 10-60 ms, from the ids: the same pair always has the same latency.
    let h = 0;
    for (const char of a < b ? a + b : b + a) h = (Math.imul(h, 31) + char.charCodeAt(0)) >>> 0;
    return 10 + (h % 51);
  }

  private observe(node: SimNode, notice: Extract<PeerAction, { kind: 'notice' }>['notice']): void {
    switch (notice.kind) {
      case 'job': {
        const created = this.jobCreated.get(notice.job.id);
        if (created === undefined) this.jobCreated.set(notice.job.id, notice.job.createdAt);
        else if (node.memberSince !== null && node.memberSince < created)
          this.reach.push({ createdAt: created, ms: this.queue.now - created });
        return;
      }
      case 'shareResult':
        if (notice.accepted) {
          const set = this.acked.get(node.id) ?? new Set<string>();
          set.add(`${notice.jobId}:${notice.nonce}`);
          this.acked.set(node.id, set);
        }
        return;
      case 'coordinator':
        this.heardNewTerm.set(`${node.id}:${notice.term}`, this.queue.now);
        node.memberSince ??= this.queue.now;
        if (notice.self) this.coordinatorChanges.push({ atMs: this.queue.now, id: node.id, term: notice.term });
        return;
      case 'coordinatorEvent':
        if (notice.event.kind === 'lease') this.leases.push(notice.event.lease);
        if (notice.event.kind === 'banned') this.banned.add(notice.event.peer);
        return;
      default:
        return;
    }
  }

  // ---- mining ----

  private mineStep(node: SimNode): void {
    const miner = node.miner;
    if (!this.mining) return;
    if (miner === undefined) {
      if (node.everMined && !node.cheater && node.peer.phase !== 'banned') this.idleSteps++;
      return;
    }
    if (!node.everMined) this.firstWork.push(this.queue.now - node.startedAt);
    node.everMined = true;
    if (!node.cheater) this.busySteps++;
    const budget = node.hashrate * (MINING_STEP_MS / 1000) + miner.carry;
    const hashes = Math.min(Math.floor(budget), miner.lease.count - miner.hashes);
    miner.carry = budget - Math.floor(budget);
    const shares: { nonce: number; hash: Uint8Array }[] = [];
    for (let i = 0; i < hashes; i++) {
      const nonce = miner.lease.start + miner.hashes + i;
      const high = fakePow.word(miner.prepared, nonce, 7);
      const meets =
        high < miner.targetHigh ||
        (high === miner.targetHigh && fakePow.word(miner.prepared, nonce, 6) < miner.targetLow);
      if (meets) shares.push({ nonce, hash: fakePow.hash(miner.prepared, nonce) });
    }
    if (node.cheater && this.random() < 0.1) {
      // A claimed share that was never computed: any nonce of the lease, a hash that meets every target.
      const nonce = miner.lease.start + Math.floor(this.random() * miner.lease.count);
      const forged = new Uint8Array(32).map(() => Math.floor(this.random() * 256));
      forged.fill(0, 24);
      shares.push({ nonce, hash: forged });
    }
    miner.hashes += hashes;
    node.peer.handle({ kind: 'progress', leaseId: miner.lease.id, hashes: miner.hashes, shares });
    this.flush(node);
  }

  private sampleTopology(): void {
    for (const node of this.nodes.values()) {
      if (!node.alive) continue;
      if (node.peer.phase === 'coordinator') {
        this.maxCoordinatorLinks = Math.max(this.maxCoordinatorLinks, node.links.size);

        const coordinator = node.peer.coordinatorState;
        for (const id of coordinator?.memberIds() ?? []) {
          this.maxTreeDepth = Math.max(this.maxTreeDepth, coordinator?.routeTo(id)?.length ?? 0);
        }
      } else if (node.kind === 'browser') {
        this.maxBrowserLinks = Math.max(this.maxBrowserLinks, node.links.size);
      }
    }
  }
}

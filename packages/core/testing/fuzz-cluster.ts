// Test support: a small cluster in memory for the fuzz suite. Honest ClusterPeers (a gateway that runs the demo
// chain, optionally a standby gateway, and workers that mine a cheap stand-in for RandomX) and attackers (peers
// running the same code, whose links and traffic the test controls) on a deterministic network: messages arrive in
// order and at once, links open within 250 ms, and time moves only when the test says so.
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { CoordinatorNotice } from '../src/cluster/coordinator.js';
import type { ClusterKeys } from '../src/cluster/envelopes.js';
import {
  ClusterPeer,
  type PeerAction,
  type PeerEvent,
  type PeerNotice,
  type PeerSettings,
} from '../src/cluster/peer.js';
import type { Lease, Message, PeerInfo } from '../src/cluster/wire.js';
import { issueCredential } from '../src/identity/credential.js';
import { type Identity, identityFromSecret } from '../src/identity/keys.js';
import type { SignatureScheme } from '../src/identity/signature-scheme.js';
import type { Signed } from '../src/identity/signed.js';
import type { Job } from '../src/jobs/job.js';
import { fakePow, seededRandom } from '../src/simulation/sim-tools.js';
import type { IssuedLease } from './fuzz-invariants.js';

export const FUZZ_START_MS = Date.UTC(2026, 10, 24, 12);
/** Links asked for open this long after, at the latest. */
const LINK_STEP_MS = 250;
const MINING_STEP_MS = 1000;
/** Deliveries one action may cause; more is a message storm. */
const MAX_DELIVERIES_PER_ACTION = 200_000;

export type NodeRole = 'gateway' | 'standby' | 'worker' | 'attacker';

export interface FuzzNode {
  readonly name: string;
  readonly id: string;
  readonly role: NodeRole;
  readonly peer: ClusterPeer;
  readonly keys: ClusterKeys;
  readonly links: Set<string>;
  /** Started and not killed. */
  alive: boolean;
  /** Hashes per second its miner does (honest peers only). */
  readonly hashrate: number;
  /** The most links it holds, as its info says. */
  readonly maxLinks: number;
  miner: { lease: Lease; job: Job; prepared: number; hashes: number } | undefined;
  /** The coordinator it follows, from its last `coordinator` notice. */
  following: { id: string; term: number } | null;
}

export interface FuzzClusterOptions {
  scheme: SignatureScheme;
  workers: number;
  /** A second gateway, which the coordinator replicates to. */
  standby: boolean;
  attackers: number;
  /** The gateway's link limit: small, so later joiners are placed under other peers. */
  gatewayMaxLinks?: number;
  /**
   * The link limit attackers claim: 1024 offers room for every joiner; 4 makes an attacker the parent of one or two
   * honest peers, with honest peers below those.
   */
  attackerMaxLinks?: number;
  settings?: Partial<PeerSettings>;
  seed?: number;
}

/** A deterministic identity for a name, under any signature scheme. */
export function fuzzIdentity(scheme: SignatureScheme, name: string): Identity {
  return identityFromSecret(scheme, sha256(utf8ToBytes(`rxmesh fuzz identity ${name}`)));
}

/** The credential the fuzz cluster issues to a gateway: public, so attackers may show it too. */
export function fuzzCredential(scheme: SignatureScheme, name: string, server: boolean): Signed {
  return issueCredential(scheme, fuzzIdentity(scheme, 'the cluster'), {
    key: fuzzIdentity(scheme, name).id,
    name,
    server,
    now: FUZZ_START_MS - 60_000,
    lifetimeMs: 7 * 24 * 3600_000,
  });
}

export class FuzzCluster {
  now = FUZZ_START_MS;
  readonly nodes: FuzzNode[] = [];
  readonly cluster: Identity;
  /** Every lease any honest coordinator handed out. */
  readonly leases: IssuedLease[] = [];
  /** What honest peers did that an attacker must never cause: penalising or banning an honest peer. */
  readonly violations: string[] = [];
  /** Bad messages an honest peer blamed on another honest peer: each brings the two closer to cutting their link. */
  readonly blames: string[] = [];
  /** Every message an honest peer sent to an attacker, and every message an attacker's own code sent. */
  readonly seen: { from: string; to: string; message: Message }[] = [];
  /** Attacker traffic: relayed as its code sends it, dropped, or sent twice. */
  readonly attackerModes = new Map<string, 'relay' | 'drop' | 'duplicate'>();
  /** Honest links that failed (not the attackers'): the cluster may then change coordinator. */
  honestLinkFailures = 0;
  private readonly queue: (() => void)[] = [];
  /** Links asked for, which open at the next link step. */
  private connecting: (() => void)[] = [];
  /** Attacker links its own code does not know about, as "attacker>peer". */
  private readonly bare = new Set<string>();
  private readonly byId = new Map<string, FuzzNode>();
  private nextMiningAt = FUZZ_START_MS + MINING_STEP_MS;
  private readonly random: () => number;

  constructor(readonly options: FuzzClusterOptions) {
    this.random = seededRandom(options.seed ?? 1);
    this.cluster = fuzzIdentity(options.scheme, 'the cluster');
    this.addNode('gateway', 'gateway');
    if (options.standby) this.addNode('standby', 'standby');
    for (let i = 0; i < options.workers; i++) this.addNode(`worker ${i}`, 'worker');
    for (let i = 0; i < options.attackers; i++) this.addNode(`attacker ${i}`, 'attacker');
  }

  get honest(): FuzzNode[] {
    return this.nodes.filter((node) => node.role !== 'attacker');
  }

  get attackers(): FuzzNode[] {
    return this.nodes.filter((node) => node.role === 'attacker');
  }

  get gateway(): FuzzNode {
    return this.nodes[0] as FuzzNode;
  }

  node(id: string): FuzzNode | undefined {
    return this.byId.get(id);
  }

  isHonest(id: string): boolean {
    const node = this.byId.get(id);
    return node !== undefined && node.role !== 'attacker';
  }

  private addNode(name: string, role: NodeRole): void {
    const { scheme } = this.options;
    const identity = fuzzIdentity(scheme, name);
    const gateway = role === 'gateway' || role === 'standby';
    const credential = gateway ? fuzzCredential(scheme, name, role === 'gateway') : null;
    const keys: ClusterKeys = { scheme, identity, cluster: this.cluster.id, credential };
    const info: PeerInfo = {
      id: identity.id,
      name,
      role: gateway ? 'gateway' : 'worker',
      engine: gateway ? 'native' : 'wasm',
      mode: gateway ? 'full' : 'light',
      cores: 4,
      memoryMb: 4096,
      mines: true,
      // An attacker claims the largest hashrate, and as many slots for children as the test says.
      hashrate: role === 'attacker' ? 1e9 : 0,
      maxLinks: {
        gateway: this.options.gatewayMaxLinks ?? 12,
        standby: 16,
        worker: 8,
        attacker: this.options.attackerMaxLinks ?? 1024,
      }[role],
      startedAt: this.now,
      jobSource: role === 'gateway',
    };
    const peer = new ClusterPeer({
      info,
      keys,
      now: () => this.now,
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
      source: role === 'attacker' || role === 'worker' ? 'none' : 'demo',
      ...(this.options.settings === undefined ? {} : { settings: this.options.settings }),
    });
    const node: FuzzNode = {
      name,
      id: identity.id,
      role,
      peer,
      keys,
      links: new Set(),
      alive: false,
      hashrate: role === 'attacker' ? 0 : 20 + Math.floor(this.random() * 40),
      maxLinks: info.maxLinks,
      miner: undefined,
      following: null,
    };
    this.nodes.push(node);
    this.byId.set(node.id, node);
    if (role === 'attacker') this.attackerModes.set(node.id, 'relay');
  }

  /** Starts every honest peer, a second apart: the gateway finds itself alone and starts the cluster. */
  start(): void {
    for (const node of this.honest) {
      this.startNode(node);
      this.advance(1000);
    }
  }

  /** Starts one peer: it discovers the gateways and joins. */
  startNode(node: FuzzNode): void {
    if (node.alive) return;
    node.alive = true;
    node.peer.start();
    this.flush(node);
    this.pump();
  }

  // ---- delivery ----

  /** Hands an event to a live peer and carries out what it asks. An exception is the test's failure. */
  deliver(node: FuzzNode, event: PeerEvent): void {
    if (!node.alive) return;
    node.peer.handle(event);
    this.flush(node);
  }

  private enqueue(run: () => void): void {
    this.queue.push(run);
  }

  /** Runs queued deliveries until nothing is in flight. */
  pump(): void {
    let deliveries = 0;
    for (let run = this.queue.shift(); run !== undefined; run = this.queue.shift()) {
      if (++deliveries > MAX_DELIVERIES_PER_ACTION) {
        this.queue.length = 0;
        throw new Error(`message storm: more than ${MAX_DELIVERIES_PER_ACTION} deliveries for one action`);
      }
      run();
    }
  }

  private flush(node: FuzzNode): void {
    for (const action of node.peer.drain()) this.perform(node, action);
  }

  private perform(node: FuzzNode, action: PeerAction): void {
    switch (action.kind) {
      case 'connect': {
        const target = this.byId.get(action.peer);
        if (target === undefined || !target.alive || target === node) {
          this.enqueue(() => this.deliver(node, { kind: 'linkFailed', peer: action.peer }));
          return;
        }
        // Links take a while to open: a peer that retries at once does not spin.
        this.connecting.push(() => this.openLink(node, target));
        return;
      }
      case 'disconnect': {
        const target = this.byId.get(action.peer);
        if (!node.links.delete(action.peer) || target === undefined) return;
        target.links.delete(node.id);
        this.enqueue(() => this.deliver(target, { kind: 'linkDown', peer: node.id }));
        return;
      }
      case 'send':
        this.send(node, action.to, action.message);
        return;
      case 'discover':
        this.enqueue(() =>
          this.deliver(node, {
            kind: 'discovered',
            peers: this.nodes.filter((other) => other.alive && other.keys.credential !== null).map((o) => o.id),
          }),
        );
        return;
      case 'mine':
        node.miner = {
          lease: action.lease,
          job: action.job,
          prepared: fakePow.prepare(action.job.seedHash, action.job.blob),
          hashes: 0,
        };
        return;
      case 'idle':
        node.miner = undefined;
        return;
      case 'verify': {
        const hash = fakePow.hash(fakePow.prepare(action.seedHash, action.blob), action.nonce);
        this.enqueue(() => this.deliver(node, { kind: 'verified', ticket: action.ticket, hash }));
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

  /** Opens a link: the initiator hears linkUp first, as over WebRTC. */
  openLink(from: FuzzNode, to: FuzzNode): void {
    if (!from.alive || !to.alive || from.links.has(to.id)) return;
    from.links.add(to.id);
    to.links.add(from.id);
    this.deliver(from, { kind: 'linkUp', peer: to.id });
    this.deliver(to, { kind: 'linkUp', peer: from.id });
  }

  /**
   * Opens a link from an attacker that its own code does not know about: the attacker speaks on it only through
   * the test, and nothing it receives there is answered.
   */
  openBareLink(attacker: FuzzNode, to: FuzzNode): void {
    // The attacker's own code need not run: nothing on this link reaches it.
    if (attacker.role !== 'attacker' || !to.alive || attacker.links.has(to.id)) return;
    attacker.links.add(to.id);
    to.links.add(attacker.id);
    this.bare.add(`${attacker.id}>${to.id}`);
    this.deliver(to, { kind: 'linkUp', peer: attacker.id });
  }

  /** Closes a link from one side; the other hears linkDown. */
  closeLink(a: FuzzNode, b: FuzzNode): void {
    if (!a.links.delete(b.id)) return;
    b.links.delete(a.id);
    const bare = this.bare.delete(`${a.id}>${b.id}`) || this.bare.delete(`${b.id}>${a.id}`);
    if (!(bare && a.role === 'attacker')) this.deliver(a, { kind: 'linkDown', peer: b.id });
    if (!(bare && b.role === 'attacker')) this.deliver(b, { kind: 'linkDown', peer: a.id });
  }

  private send(from: FuzzNode, to: string, message: Message): void {
    const target = this.byId.get(to);
    if (target === undefined || !from.links.has(to)) return;
    const state = from.peer.coordinatorState?.state;
    if (message.type === 'welcome' && state?.banned.has(message.parent) === true) {
      this.violations.push(`${from.name} placed ${target.name} under ${this.node(message.parent)?.name}, banned`);
    }
    if (from.role === 'attacker') {
      this.remember(from.id, to, message);
      const mode = this.attackerModes.get(from.id) ?? 'relay';
      if (mode === 'drop') return;
      if (mode === 'duplicate') this.transmit(from, target, message);
    }
    if (target.role === 'attacker') {
      this.remember(from.id, to, message);
      // An attacker does not leave when it is banned: it stays and tries on.
      if (message.type === 'down' && message.signed.payload.includes('"type":"banned"')) return;
    }
    this.transmit(from, target, message);
  }

  /** Sends as JSON text, as links do; an attacker's bare link reaches only the test. */
  transmit(from: FuzzNode, to: FuzzNode, data: unknown): void {
    this.transmitText(from, to, JSON.stringify(data));
  }

  /** Sends JSON text as it is: what an attacker wrote by hand. */
  transmitText(from: FuzzNode, to: FuzzNode, text: string): void {
    if (!from.links.has(to.id)) return;
    if (to.role === 'attacker' && this.bare.has(`${to.id}>${from.id}`)) return;
    this.enqueue(() => {
      if (to.links.has(from.id)) this.deliver(to, { kind: 'message', from: from.id, data: JSON.parse(text) });
    });
  }

  private remember(from: string, to: string, message: Message): void {
    this.seen.push({ from, to, message });
    if (this.seen.length > 200) this.seen.shift();
  }

  // ---- observation ----

  private observe(node: FuzzNode, notice: PeerNotice): void {
    const honest = node.role !== 'attacker';
    switch (notice.kind) {
      case 'coordinator':
        node.following = { id: notice.id, term: notice.term };
        return;
      case 'penalized':
        if (honest && this.isHonest(notice.peer)) {
          this.violations.push(`${node.name} penalized ${this.node(notice.peer)?.name}: ${notice.reason}`);
        }
        return;
      case 'banned':
        if (honest) this.violations.push(`${node.name} was banned: ${notice.reason}`);
        return;
      case 'badMessage':
        if (honest && this.isHonest(notice.from)) {
          this.blames.push(`${node.name} blamed ${this.node(notice.from)?.name}: ${notice.error}`);
        }
        return;
      case 'coordinatorEvent':
        if (honest) this.observeCoordinator(node, notice.event);
        return;
      default:
        return;
    }
  }

  private observeCoordinator(node: FuzzNode, event: CoordinatorNotice): void {
    const state = node.peer.coordinatorState?.state;
    if (event.kind === 'banned' && this.isHonest(event.peer)) {
      this.violations.push(`${node.name} banned ${this.node(event.peer)?.name}`);
    }
    if (event.kind !== 'lease' || state === undefined) return;
    const job = state.jobs.get(event.lease.jobId)?.job;
    this.leases.push({
      peer: event.peer,
      lease: event.lease,
      range: job === undefined ? undefined : (job.nonceRange ?? { start: 0, count: 2 ** 32 }),
      creditedWork: state.accounts.get(event.peer)?.work ?? 0n,
      banned: state.banned.has(event.peer),
    });
  }

  // ---- time ----

  /**
   * Lets `ms` pass: every live peer gets a timeout at each deadline it names, links asked for open every 250 ms, and
   * honest miners report their progress every second.
   */
  advance(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      const stepEnd = Math.min(end, this.now + LINK_STEP_MS);
      this.timeoutsUntil(stepEnd);
      this.now = stepEnd;
      const opening = this.connecting;
      this.connecting = [];
      for (const open of opening) {
        open();
        this.pump();
      }
      this.timeoutsUntil(stepEnd);
      while (this.nextMiningAt <= this.now) {
        this.nextMiningAt += MINING_STEP_MS;
        for (const node of this.honest) this.mineStep(node);
      }
    }
  }

  /** Hands out, earliest first, every timeout the live peers want by `end`, moving the clock to each. */
  private timeoutsUntil(end: number): void {
    for (;;) {
      let next: { node: FuzzNode; at: number } | undefined;
      for (const node of this.nodes) {
        const at = node.alive ? node.peer.nextDeadline() : null;
        if (at !== null && at <= end && (next === undefined || at < next.at)) next = { node, at };
      }
      if (next === undefined) return;
      this.now = Math.max(this.now, next.at);
      this.deliver(next.node, { kind: 'timeout' });
      this.pump();
    }
  }

  private mineStep(node: FuzzNode): void {
    const miner = node.miner;
    if (miner === undefined || !node.alive) return;
    const count = Math.min(node.hashrate, miner.lease.count - miner.hashes);
    const target = BigInt(miner.lease.target);
    const shares: { nonce: number; hash: Uint8Array }[] = [];
    for (let i = 0; i < count; i++) {
      const nonce = miner.lease.start + miner.hashes + i;
      if (fakePow.shareValue(miner.prepared, nonce) < target) {
        shares.push({ nonce, hash: fakePow.hash(miner.prepared, nonce) });
      }
    }
    miner.hashes += count;
    this.deliver(node, { kind: 'progress', leaseId: miner.lease.id, hashes: miner.hashes, shares });
    this.pump();
  }

  /** A peer vanishes: its neighbours hear linkDown. */
  kill(node: FuzzNode): void {
    for (const other of [...node.links]) {
      const neighbour = this.byId.get(other);
      if (neighbour !== undefined) this.closeLink(neighbour, node);
    }
    node.alive = false;
    this.pump();
  }
}

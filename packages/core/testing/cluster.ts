// Test support: a few ClusterPeers on an in-memory network, for tests that follow one rule through real peers.
// Links, messages and discovery are delivered in order from one queue; messages cross as JSON, as on a data
// channel; the clock moves only when a test moves it. Everything each peer asked for is kept, so a test can look at
// what was sent, mined, verified or noticed.

import { Envelopes } from '../src/cluster/envelopes.js';
import type { StoredLedger } from '../src/cluster/ledger.js';
import {
  ClusterPeer,
  type JobSourceMode,
  type PeerAction,
  type PeerEvent,
  type PeerNotice,
  type PeerSettings,
} from '../src/cluster/peer.js';
import type { BroadcastPayload, DownPayload, Message, PeerInfo, UpPayload } from '../src/cluster/wire.js';
import { seededRandom } from '../src/simulation/sim-tools.js';
import { idOf, payloadOf, TEST_NOW, testInfo, testKeys } from './keys.js';

export interface TestPeerOptions {
  /** With a gateway credential, and the role that goes with it. */
  gateway?: boolean;
  source?: JobSourceMode;
  info?: Partial<PeerInfo>;
  settings?: Partial<PeerSettings>;
  /** Seed of the peer's random source. */
  seed?: number;
  /** Its random source, instead of a seeded one. */
  random?: () => number;
  /** A durable store that kept this; it writes each persist action at once. */
  ledger?: StoredLedger;
}

export interface Delivery {
  from: string;
  to: string;
  message: Message;
}

type Queued = { to: string; run: (peer: ClusterPeer) => void };

/** Steps that run without the queue going quiet: a test that reaches this has found a message loop. */
const MAX_STEPS = 100_000;

export class TestNet {
  now = TEST_NOW;
  /** The names of the peers discovery lists (the room's gateways). */
  room: string[] = [];
  /** Rewrites a message in flight, or drops it (undefined). */
  intercept: ((delivery: Delivery) => Message | undefined) | undefined;
  /** Every message a peer sent over a link, by names, in order. */
  readonly delivered: Delivery[] = [];
  private readonly peers = new Map<string, ClusterPeer>();
  private readonly names = new Map<string, string>();
  private readonly actions = new Map<string, PeerAction[]>();
  private readonly links = new Set<string>();
  private readonly dead = new Set<string>();
  /** Peers a test plays by hand: they have ids and links, and what is sent to them is only recorded. */
  private readonly manual = new Set<string>();
  private queue: Queued[] = [];

  /** A peer named `name` (its keys and id follow from the name); not started. */
  add(name: string, options: TestPeerOptions = {}): ClusterPeer {
    const gateway = options.gateway ?? false;
    const info = testInfo(name, {
      role: gateway ? 'gateway' : 'worker',
      ...(gateway ? { engine: 'native', mode: 'full', maxLinks: 64, cores: 8 } : {}),
      ...options.info,
    });
    const peer = new ClusterPeer({
      info,
      keys: testKeys(name, { gateway }),
      now: () => this.now,
      random: options.random ?? seededRandom(options.seed ?? this.peers.size + 1),
      source: options.source ?? (gateway ? 'demo' : 'none'),
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      ...(options.ledger === undefined ? {} : { ledger: options.ledger }),
    });
    this.peers.set(name, peer);
    this.names.set(peer.id, name);
    this.actions.set(name, []);
    return peer;
  }

  /** A peer the test plays by hand (see inject): it can be linked to, and what it is sent is only recorded. */
  addManual(name: string): string {
    this.manual.add(name);
    this.names.set(idOf(name), name);
    return idOf(name);
  }

  /** Links `a` to `b` as if `a` had connected; only peers that are not played by hand hear of it. */
  connect(a: string, b: string): void {
    this.links.add(`${a} ${b}`);
    this.links.add(`${b} ${a}`);
    this.enqueue(a, (peer) => peer.handle({ kind: 'linkUp', peer: idOf(b) }));
    this.enqueue(b, (peer) => peer.handle({ kind: 'linkUp', peer: idOf(a) }));
    this.run();
  }

  /** Hands `name` an event, and runs. */
  handle(name: string, event: PeerEvent): void {
    this.enqueue(name, (peer) => peer.handle(event));
    this.run();
  }

  peer(name: string): ClusterPeer {
    const peer = this.peers.get(name);
    if (peer === undefined) throw new Error(`no peer ${name}`);
    return peer;
  }

  /** The name of the peer with this id (or the id itself, for a stranger). */
  nameOf(id: string): string {
    return this.names.get(id) ?? id;
  }

  /** Starts the peers (in the order given) and runs until nothing is left to deliver. */
  start(...names: string[]): void {
    for (const name of names) {
      this.peer(name).start();
      this.flush(name);
      this.run();
    }
  }

  /** Delivers everything queued, in order. */
  run(): void {
    for (let steps = 0; this.queue.length > 0; steps++) {
      if (steps > MAX_STEPS) throw new Error('the network never went quiet');
      const next = this.queue.shift() as Queued;
      if (this.dead.has(next.to) || this.manual.has(next.to)) continue;
      next.run(this.peer(next.to));
      this.flush(next.to);
    }
  }

  /** Moves the clock by `ms`, handing each live peer a timeout at every deadline it names on the way. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let steps = 0; ; steps++) {
      if (steps > MAX_STEPS) throw new Error('the peers never stopped asking for timeouts');
      let next: { name: string; at: number } | undefined;
      for (const name of this.peers.keys()) {
        if (this.dead.has(name) || this.manual.has(name)) continue;
        const at = this.peer(name).nextDeadline();
        if (at !== null && at <= end && (next === undefined || at < next.at)) next = { name, at };
      }
      if (next === undefined) break;
      this.now = Math.max(this.now, next.at);
      this.peer(next.name).handle({ kind: 'timeout' });
      this.flush(next.name);
      this.run();
    }
    this.now = end;
  }

  /**
   * A peer crashes: it never acts again, and its links go down on the other side, unless `linksStayUp` (a WebRTC
   * channel to a killed process can stay open on the other side for a long while).
   */
  kill(name: string, { linksStayUp = false } = {}): void {
    this.dead.add(name);
    if (linksStayUp) return;
    for (const key of [...this.links]) {
      const [a, b] = key.split(' ') as [string, string];
      if (a !== name) continue;
      this.links.delete(key);
      this.links.delete(`${b} ${a}`);
      this.enqueue(b, (peer) => peer.handle({ kind: 'linkDown', peer: idOf(a) }));
    }
    this.run();
  }

  /** The link between `a` and `b` fails: both hear linkDown. */
  cut(a: string, b: string): void {
    if (!this.links.delete(`${a} ${b}`)) return;
    this.links.delete(`${b} ${a}`);
    this.enqueue(a, (peer) => peer.handle({ kind: 'linkDown', peer: idOf(b) }));
    this.enqueue(b, (peer) => peer.handle({ kind: 'linkDown', peer: idOf(a) }));
    this.run();
  }

  linked(a: string, b: string): boolean {
    return this.links.has(`${a} ${b}`);
  }

  /** Delivers `data` to `to` as if `from` sent it over their link (which must be up), and runs. */
  inject(from: string, to: string, data: unknown): void {
    this.enqueue(to, (peer) =>
      peer.handle({ kind: 'message', from: idOf(from), data: JSON.parse(JSON.stringify(data)) }),
    );
    this.run();
  }

  /** Every action `name` asked for so far; `since` skips the first ones. */
  actionsOf(name: string, since = 0): PeerAction[] {
    return (this.actions.get(name) ?? []).slice(since);
  }

  /** How many actions `name` asked for so far: a mark for actionsOf. */
  mark(name: string): number {
    return this.actionsOf(name).length;
  }

  noticesOf(name: string, since = 0): PeerNotice[] {
    return this.actionsOf(name, since).flatMap((action) => (action.kind === 'notice' ? [action.notice] : []));
  }

  /** The refusals the coordinator hosted by `name` noticed. */
  refusalsOf(name: string, since = 0): string[] {
    return this.noticesOf(name, since).flatMap((notice) =>
      notice.kind === 'coordinatorEvent' && notice.event.kind === 'refused' ? [notice.event.refusal] : [],
    );
  }

  /** Messages from `from` to `to` (names) since `since` (an index into `delivered`), of `type` if given. */
  messages(from: string, to: string, type?: Message['type'], since = 0): Message[] {
    return this.delivered
      .slice(since)
      .filter((d) => d.from === from && d.to === to && (type === undefined || d.message.type === type))
      .map((d) => d.message);
  }

  /** The up messages `from` sent to `to`, as their origin signed them. */
  upPayloads(from: string, to: string, since = 0): UpPayload[] {
    return this.messages(from, to, 'up', since).flatMap((m) =>
      m.type === 'up' ? [payloadOf<UpPayload>(m.signed)] : [],
    );
  }

  /** The down messages `from` sent to `to`, as the coordinator signed them. */
  downPayloads(from: string, to: string, since = 0): DownPayload[] {
    return this.messages(from, to, 'down', since).flatMap((m) =>
      m.type === 'down' ? [payloadOf<DownPayload>(m.signed)] : [],
    );
  }

  /** The broadcasts `from` sent to `to`, as their coordinator signed them. */
  broadcastPayloads(from: string, to: string, since = 0): BroadcastPayload[] {
    return this.messages(from, to, 'broadcast', since).flatMap((m) =>
      m.type === 'broadcast' ? [payloadOf<BroadcastPayload>(m.signed)] : [],
    );
  }

  /** Signs as `name` would (its keys follow from its name): for tests that play a peer by hand. */
  envelopes(name: string, gateway = false): Envelopes {
    return new Envelopes(testKeys(name, { gateway }), () => this.now);
  }

  private enqueue(to: string, run: (peer: ClusterPeer) => void): void {
    this.queue.push({ to, run });
  }

  /** Takes the actions `name` asked for and turns those that concern the network into deliveries. */
  private flush(name: string): void {
    const peer = this.peer(name);
    const log = this.actions.get(name) as PeerAction[];
    for (const action of peer.drain()) {
      log.push(action);
      switch (action.kind) {
        case 'connect': {
          const target = this.names.get(action.peer);
          if (target === undefined || this.dead.has(target)) {
            this.enqueue(name, (p) => p.handle({ kind: 'linkFailed', peer: action.peer }));
            break;
          }
          this.links.add(`${name} ${target}`);
          this.links.add(`${target} ${name}`);
          this.enqueue(name, (p) => p.handle({ kind: 'linkUp', peer: action.peer }));
          this.enqueue(target, (p) => p.handle({ kind: 'linkUp', peer: peer.id }));
          break;
        }
        case 'disconnect': {
          const target = this.names.get(action.peer);
          if (target === undefined || !this.links.has(`${name} ${target}`)) break;
          this.links.delete(`${name} ${target}`);
          this.links.delete(`${target} ${name}`);
          this.enqueue(target, (p) => p.handle({ kind: 'linkDown', peer: peer.id }));
          break;
        }
        case 'send': {
          const target = this.names.get(action.to);
          if (target === undefined || !this.links.has(`${name} ${target}`)) break;
          const delivery = { from: name, to: target, message: action.message };
          this.delivered.push(delivery);
          const message = this.intercept === undefined ? action.message : this.intercept(delivery);
          if (message === undefined) break;
          const data: unknown = JSON.parse(JSON.stringify(message));
          this.enqueue(target, (p) => {
            // A link closed while the message was under way loses it.
            if (this.links.has(`${target} ${name}`)) p.handle({ kind: 'message', from: peer.id, data });
          });
          break;
        }
        case 'discover': {
          const peers = this.room.filter((room) => !this.dead.has(room)).map(idOf);
          this.enqueue(name, (p) => p.handle({ kind: 'discovered', peers }));
          break;
        }
        case 'persist':
          this.enqueue(name, (p) => p.handle({ kind: 'stored', term: action.term, upTo: action.upTo }));
          break;
        default:
          break;
      }
    }
  }
}

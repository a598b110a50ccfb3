// Test support: what an attacker in the fuzz cluster (fuzz-cluster.ts) may do, as fast-check arbitraries, and
// how each action is carried out. An attacker holds only its own keys: it can link to anyone, send anything, replay
// or alter what it saw and sign with its own key, but it cannot sign as anyone else or show a credential of its own.
import fc from 'fast-check';
import { type Message, type PeerInfo, PROTOCOL_VERSION, type UpBody, type UpPayload } from '../src/cluster/wire.js';
import { bytesToHex } from '../src/hex.js';
import { type Signed, signJson } from '../src/identity/signed.js';
import type { FuzzCluster, FuzzNode } from './fuzz-cluster.js';
import { infoOf } from './keys.js';
import { type Mutation, mutate, mutation, type WireWorld, wireArbitraries } from './wire-arbitraries.js';

const v = PROTOCOL_VERSION;

type HelloVariant =
  /** A plain hello of its own, with whatever it claims about itself. */
  | 'worker'
  /** Says it is a gateway, without a credential. */
  | 'gatewayWithoutCredential'
  /** Shows the gateway's credential as its own. */
  | 'stolenCredential'
  /** Claims to coordinate a far later term. */
  | 'claimsCoordination'
  /** A hello signed for a link to someone else. */
  | 'forAnotherLink'
  /** Says it is the victim (signed with its own key). */
  | 'asVictim';

type UpBodyChoice =
  | { kind: 'needWork'; hashrate: number }
  | { kind: 'status'; about: 'self' | 'victim'; parent: 'self' | 'victim' | 'gateway'; children: number }
  | { kind: 'gone' }
  | { kind: 'share'; lease: 'own' | 'victim' | 'none'; offset: number; easyHash: boolean; seq: number }
  | { kind: 'replicaAck'; seq: number; resend: boolean }
  | { kind: 'any'; body: UpBody };

/** A change to a signed payload the attacker saw, before it sends it on. */
type PayloadEdit =
  | 'nextN'
  | 'laterTerm'
  | 'hugeTerm'
  | 'originIsVictim'
  | 'toAttacker'
  | 'toVictim'
  | 'attackerCoordinates'
  | 'fromAttacker'
  | 'fullHashrate'
  | 'gatewayRole';

export type AttackAction =
  | { kind: 'wait'; ms: number }
  | { kind: 'link'; attacker: number; target: number; bare: boolean }
  | { kind: 'unlink'; attacker: number; target: number }
  | {
      kind: 'hello';
      attacker: number;
      target: number;
      variant: HelloVariant;
      victim: number;
      claims: Partial<PeerInfo>;
    }
  | { kind: 'join'; attacker: number; target: number; orphan: boolean }
  | { kind: 'attach'; attacker: number; target: number; placement: 'missing' | 'madeUp' | 'seen'; seen: number }
  | {
      kind: 'up';
      attacker: number;
      /** Up messages count only from a child: most go to the attacker's parent. */
      toParent: boolean;
      target: number;
      origin: 'self' | 'victim';
      victim: number;
      term: 'known' | 'later' | 'huge';
      n: 'fresh' | 'repeat' | 'huge';
      body: UpBodyChoice;
    }
  | {
      kind: 'replay';
      attacker: number;
      target: number;
      seen: number;
      victim: number;
      edit: PayloadEdit | null;
      resign: boolean;
      /** For a down message: the route as seen, led through the target, or sent from the target to the victim. */
      reroute: 'keep' | 'throughTarget' | 'targetToVictim' | 'empty';
    }
  | { kind: 'inject'; attacker: number; target: number; message: Message; mutation: Mutation | null }
  | { kind: 'raw'; attacker: number; target: number; value: unknown }
  | { kind: 'mode'; attacker: number; mode: 'relay' | 'drop' | 'duplicate' }
  /** An honest peer's link to its parent fails (no attacker can do this: the network does). */
  | { kind: 'linkFailure'; worker: number };

/** What attackers do: `world` signs with the attackers' keys and names the honest peers' ids. */
export function attackActions(world: WireWorld, { honestLinkFailures = false } = {}): fc.Arbitrary<AttackAction> {
  const wire = wireArbitraries(world);
  const attacker = fc.nat({ max: 7 });
  const target = fc.nat({ max: 15 });
  const victim = fc.nat({ max: 15 });
  const claims: fc.Arbitrary<Partial<PeerInfo>> = fc.record(
    {
      hashrate: fc.constantFrom(0, 1e9),
      maxLinks: fc.constantFrom(2, 1024),
      mines: fc.boolean(),
      jobSource: fc.boolean(),
      cores: fc.constantFrom(1, 4096),
    },
    { requiredKeys: [] },
  );
  const upBody: fc.Arbitrary<UpBodyChoice> = fc.oneof(
    {
      arbitrary: fc.record({ kind: fc.constant('needWork' as const), hashrate: fc.constantFrom(0, 1, 1e9) }),
      weight: 2,
    },
    fc.record({
      kind: fc.constant('status' as const),
      about: fc.constantFrom('self' as const, 'victim' as const),
      parent: fc.constantFrom('self' as const, 'victim' as const, 'gateway' as const),
      children: fc.constantFrom(0, 1024),
    }),
    fc.constant({ kind: 'gone' as const }),
    {
      arbitrary: fc.record({
        kind: fc.constant('share' as const),
        lease: fc.constantFrom('own' as const, 'own' as const, 'victim' as const, 'none' as const),
        offset: fc.nat({ max: 100_000 }),
        easyHash: fc.boolean(),
        seq: fc.oneof(fc.nat({ max: 20 }), fc.constant(1e300)),
      }),
      weight: 4,
    },
    fc.record({
      kind: fc.constant('replicaAck' as const),
      seq: fc.oneof(fc.nat({ max: 100 }), fc.constant(1e300)),
      resend: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('any' as const), body: wire.upBody }),
  );
  const edits: PayloadEdit[] = [
    'nextN',
    'laterTerm',
    'hugeTerm',
    'originIsVictim',
    'toAttacker',
    'toVictim',
    'attackerCoordinates',
    'fromAttacker',
    'fullHashrate',
    'gatewayRole',
  ];
  const actions: fc.Arbitrary<AttackAction>[] = [
    fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(250, 500, 1000, 3000, 7000) }),
    fc.record({ kind: fc.constant('link' as const), attacker, target, bare: fc.boolean() }),
    fc.record({ kind: fc.constant('unlink' as const), attacker, target }),
    fc.record({
      kind: fc.constant('hello' as const),
      attacker,
      target,
      variant: fc.constantFrom<HelloVariant>(
        'worker',
        'gatewayWithoutCredential',
        'stolenCredential',
        'claimsCoordination',
        'forAnotherLink',
        'asVictim',
      ),
      victim,
      claims,
    }),
    fc.record({ kind: fc.constant('join' as const), attacker, target, orphan: fc.boolean() }),
    fc.record({
      kind: fc.constant('attach' as const),
      attacker,
      target,
      placement: fc.constantFrom('missing' as const, 'madeUp' as const, 'seen' as const),
      seen: fc.nat(),
    }),
    fc.record({
      kind: fc.constant('up' as const),
      attacker,
      toParent: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
      target,
      origin: fc.constantFrom('self' as const, 'victim' as const),
      victim,
      // Mostly what the coordinator takes, so the body is what it judges.
      term: fc.constantFrom('known' as const, 'known' as const, 'known' as const, 'later' as const, 'huge' as const),
      n: fc.constantFrom(
        'fresh' as const,
        'fresh' as const,
        'fresh' as const,
        'fresh' as const,
        'repeat' as const,
        'huge' as const,
      ),
      body: upBody,
    }),
    fc.record({
      kind: fc.constant('replay' as const),
      attacker,
      target,
      seen: fc.nat(),
      victim,
      edit: fc.option(fc.constantFrom(...edits), { nil: null }),
      resign: fc.boolean(),
      reroute: fc.constantFrom('keep' as const, 'throughTarget' as const, 'targetToVictim' as const, 'empty' as const),
    }),
    fc.record({
      kind: fc.constant('inject' as const),
      attacker,
      target,
      message: wire.message,
      mutation: fc.option(mutation, { nil: null }),
    }),
    fc.record({ kind: fc.constant('raw' as const), attacker, target, value: fc.jsonValue({ maxDepth: 3 }) }),
    fc.record({
      kind: fc.constant('mode' as const),
      attacker,
      mode: fc.constantFrom('relay' as const, 'drop' as const, 'duplicate' as const),
    }),
  ];
  if (honestLinkFailures) {
    actions.push(fc.record({ kind: fc.constant('linkFailure' as const), worker: fc.nat({ max: 15 }) }));
  }
  // Replays, uplinks and waits are where attacks get interesting: weigh them up.
  return fc.oneof(
    ...actions.map((arbitrary, index) => ({ arbitrary, weight: [3, 1, 1, 2, 1, 1, 4, 4, 1, 1, 1, 1][index] ?? 1 })),
  );
}

/** Carries out attack actions on a cluster; keeps each attacker's own numbering of the up messages it makes. */
export class Attack {
  private readonly upNumbers = new Map<string, number>();

  constructor(private readonly cluster: FuzzCluster) {}

  private pick<T>(items: readonly T[], index: number): T | undefined {
    return items.length === 0 ? undefined : items[index % items.length];
  }

  run(action: AttackAction): void {
    const c = this.cluster;
    if (action.kind === 'wait') {
      c.advance(action.ms);
      return;
    }
    if (action.kind === 'linkFailure') {
      this.failHonestLink(action.worker);
      return;
    }
    const attacker = this.pick(
      c.attackers.filter((node) => node.alive),
      action.attacker,
    );
    if (attacker === undefined) return;
    if (action.kind === 'mode') {
      c.attackerModes.set(attacker.id, action.mode);
      return;
    }
    const parent = this.parentOf(attacker);
    const target =
      action.kind === 'up' && action.toParent && parent !== undefined
        ? parent
        : (this.pick(c.honest, action.target) as FuzzNode);
    switch (action.kind) {
      case 'link':
        if (action.bare) c.openBareLink(attacker, target);
        else c.openLink(attacker, target);
        break;
      case 'unlink':
        c.closeLink(attacker, target);
        break;
      case 'hello':
        this.ensureLink(attacker, target);
        c.transmit(attacker, target, this.hello(attacker, target, action));
        break;
      case 'join':
        this.ensureLink(attacker, target);
        c.transmit(attacker, target, { v, type: 'join', orphan: action.orphan });
        break;
      case 'attach':
        this.ensureLink(attacker, target);
        c.transmit(attacker, target, this.attach(attacker, target, action));
        break;
      case 'up':
        this.ensureLink(attacker, target);
        c.transmit(attacker, target, this.up(attacker, action));
        break;
      case 'replay': {
        const seen = this.pick(c.seen, action.seen);
        if (seen === undefined) break;
        this.ensureLink(attacker, target);
        c.transmit(attacker, target, this.replay(attacker, target, seen.message, action));
        break;
      }
      case 'inject':
        this.ensureLink(attacker, target);
        if (action.mutation === null) c.transmit(attacker, target, action.message);
        else c.transmitText(attacker, target, mutate(action.message, action.mutation).text);
        break;
      case 'raw':
        this.ensureLink(attacker, target);
        c.transmit(attacker, target, action.value);
        break;
    }
    c.pump();
  }

  /** The honest peer the coordinator placed the attacker under, if any. */
  private parentOf(attacker: FuzzNode): FuzzNode | undefined {
    const coordinator = this.cluster.honest.find((node) => node.peer.phase === 'coordinator');
    const parent = this.cluster.node(coordinator?.peer.coordinatorState?.parentOf(attacker.id) ?? '');
    return parent?.role === 'attacker' ? undefined : parent;
  }

  /** Links first, as a real attacker must; its own code then says hello as any peer would. */
  private ensureLink(attacker: FuzzNode, target: FuzzNode): void {
    if (!attacker.links.has(target.id)) this.cluster.openLink(attacker, target);
    this.cluster.pump();
  }

  private victim(index: number): FuzzNode {
    return this.pick(this.cluster.honest, index) as FuzzNode;
  }

  private sign(attacker: FuzzNode, value: unknown): Signed {
    return signJson(attacker.keys.scheme, attacker.keys.identity.secretKey, value);
  }

  private nextUpNumber(attacker: FuzzNode): number {
    // Far above what its own code numbers, so the test's messages are not refused as replays of those.
    const n = (this.upNumbers.get(attacker.id) ?? 1_000_000) + 1;
    this.upNumbers.set(attacker.id, n);
    return n;
  }

  private hello(attacker: FuzzNode, target: FuzzNode, action: Extract<AttackAction, { kind: 'hello' }>): Message {
    const c = this.cluster;
    const victim = this.victim(action.victim);
    const info: PeerInfo = infoOf(attacker.id, {
      name: attacker.name,
      hashrate: 1e9,
      maxLinks: 1024,
      startedAt: c.now,
      ...action.claims,
    });
    let from = attacker.id;
    let to = target.id;
    let credential: Signed | null = null;
    let coordinator: { id: string; term: number } | null = null;
    switch (action.variant) {
      case 'worker':
        break;
      case 'gatewayWithoutCredential':
        info.role = 'gateway';
        break;
      case 'stolenCredential':
        info.role = 'gateway';
        credential = c.gateway.keys.credential;
        break;
      case 'claimsCoordination':
        coordinator = { id: attacker.id, term: 1_000_000 };
        break;
      case 'forAnotherLink':
        to = victim.id;
        break;
      case 'asVictim':
        from = victim.id;
        info.id = victim.id;
        break;
    }
    return { v, type: 'hello', signed: this.sign(attacker, { t: 'hello', from, to, info, coordinator }), credential };
  }

  private attach(attacker: FuzzNode, target: FuzzNode, action: Extract<AttackAction, { kind: 'attach' }>): unknown {
    if (action.placement === 'missing') return { v, type: 'attach' };
    if (action.placement === 'madeUp') {
      const term = target.peer.currentTerm;
      return {
        v,
        type: 'attach',
        placement: this.sign(attacker, { t: 'placement', term, peer: attacker.id, parent: target.id }),
      };
    }
    // A placement the coordinator signed, for whatever peer and parent it named.
    const placements = this.cluster.seen.flatMap(({ message }) =>
      message.type === 'welcome' && message.placement !== null
        ? [message.placement]
        : message.type === 'attach'
          ? [message.placement]
          : [],
    );
    const placement = this.pick(placements, action.seen);
    return placement === undefined ? { v, type: 'attach' } : { v, type: 'attach', placement };
  }

  private up(attacker: FuzzNode, action: Extract<AttackAction, { kind: 'up' }>): Message {
    const victim = this.victim(action.victim);
    const known = attacker.peer.currentTerm;
    const term = action.term === 'known' ? known : action.term === 'later' ? known + 1 : 1e300;
    const last = this.upNumbers.get(attacker.id) ?? 1_000_000;
    const n = action.n === 'fresh' ? this.nextUpNumber(attacker) : action.n === 'repeat' ? last : 1e300;
    const origin = action.origin === 'self' ? attacker.id : victim.id;
    const payload: UpPayload = { t: 'up', origin, term, n, body: this.upBody(attacker, victim, action.body) };
    return { v, type: 'up', signed: this.sign(attacker, payload) };
  }

  private upBody(attacker: FuzzNode, victim: FuzzNode, choice: UpBodyChoice): UpBody {
    const c = this.cluster;
    switch (choice.kind) {
      case 'needWork':
        return { v, type: 'needWork', hashrate: choice.hashrate };
      case 'status': {
        const about = choice.about === 'self' ? attacker : victim;
        const parent = { self: attacker.id, victim: victim.id, gateway: c.gateway.id }[choice.parent];
        const info: PeerInfo = {
          id: about.id,
          name: about.name,
          role: 'gateway',
          engine: 'native',
          mode: 'full',
          cores: 4096,
          memoryMb: 1 << 20,
          mines: true,
          hashrate: 1e9,
          maxLinks: 1024,
          startedAt: 0,
          jobSource: true,
        };
        return { v, type: 'status', info, parent, children: choice.children };
      }
      case 'gone':
        return { v, type: 'gone', peer: victim.id };
      case 'share': {
        const holder = choice.lease === 'own' ? attacker.id : victim.id;
        const issued = [...c.leases].reverse().find((lease) => lease.peer === holder);
        const lease = issued?.lease;
        const hash = new Uint8Array(32).map((_, i) => (i * 37 + choice.offset) & 0xff);
        if (choice.easyHash) hash.fill(0, 24);
        return {
          v,
          type: 'share',
          seq: choice.seq,
          jobId: lease?.jobId ?? 'no such job',
          leaseId: choice.lease === 'none' ? 'no such lease' : (lease?.id ?? ''),
          nonce: lease === undefined ? choice.offset : (lease.start + (choice.offset % lease.count)) >>> 0,
          hash: bytesToHex(hash),
        };
      }
      case 'replicaAck':
        return { v, type: 'replicaAck', seq: choice.seq, resend: choice.resend };
      case 'any':
        return choice.body;
    }
  }

  private replay(
    attacker: FuzzNode,
    target: FuzzNode,
    message: Message,
    action: Extract<AttackAction, { kind: 'replay' }>,
  ): unknown {
    const copy = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
    if (Array.isArray(copy.route)) {
      const route = copy.route as string[];
      copy.route = {
        keep: route,
        throughTarget: [target.id, ...route],
        targetToVictim: [target.id, this.victim(action.victim).id],
        empty: [],
      }[action.reroute];
    }
    if (action.edit === null) return copy;
    // The first signed value the message carries: its own, a welcome's placement or job, an attach's placement.
    const field = ['signed', 'placement', 'job'].find((key) => {
      const value = copy[key];
      return typeof value === 'object' && value !== null && 'payload' in value;
    });
    if (field === undefined) return copy;
    const signed = copy[field] as Signed;
    const payload = JSON.parse(signed.payload) as Record<string, unknown>;
    this.edit(payload, action.edit, attacker, this.victim(action.victim));
    copy[field] = action.resign ? this.sign(attacker, payload) : { payload: JSON.stringify(payload), sig: signed.sig };
    return copy;
  }

  private edit(payload: Record<string, unknown>, edit: PayloadEdit, attacker: FuzzNode, victim: FuzzNode): void {
    const body = payload.body as Record<string, unknown> | undefined;
    const info = (payload.info ?? (body?.info as unknown)) as Record<string, unknown> | undefined;
    switch (edit) {
      case 'nextN':
        if (typeof payload.n === 'number') payload.n += 1;
        return;
      case 'laterTerm':
        if (typeof payload.term === 'number') payload.term += 1;
        return;
      case 'hugeTerm':
        payload.term = 1e300;
        return;
      case 'originIsVictim':
        payload.origin = victim.id;
        return;
      case 'toAttacker':
        payload.to = attacker.id;
        return;
      case 'toVictim':
        payload.to = victim.id;
        return;
      case 'attackerCoordinates':
        if ('coordinator' in payload) {
          payload.coordinator = payload.t === 'hello' ? { id: attacker.id, term: 1_000_000 } : attacker.id;
        }
        return;
      case 'fromAttacker':
        payload.from = attacker.id;
        if (info !== undefined) info.id = attacker.id;
        return;
      case 'fullHashrate':
        if (body?.type === 'needWork') body.hashrate = 1e9;
        if (info !== undefined) info.hashrate = 1e9;
        return;
      case 'gatewayRole':
        if (info !== undefined) info.role = 'gateway';
        return;
    }
  }

  /** The link between an honest worker and the parent its coordinator placed it under goes down. */
  private failHonestLink(index: number): void {
    const c = this.cluster;
    const workers = c.honest.filter((node) => node.role === 'worker');
    const worker = this.pick(workers, index);
    if (worker === undefined) return;
    const coordinator = c.honest.find((node) => node.peer.phase === 'coordinator');
    const parentId = coordinator?.peer.coordinatorState?.parentOf(worker.id);
    const parent = parentId === undefined ? undefined : c.node(parentId);
    if (parent === undefined || parent.role === 'attacker' || !worker.links.has(parent.id)) return;
    c.honestLinkFailures++;
    c.closeLink(parent, worker);
    c.pump();
  }
}

// Test support: fast-check arbitraries that follow the cluster's wire schemas (wire.ts), and mutations of JSON
// values that say whether the result can still be a valid message. The fuzz suite feeds both to the decoder, the
// envelopes and the peers.
import fc from 'fast-check';
import {
  type BroadcastBody,
  type BroadcastPayload,
  type ClusterTotals,
  type DownBody,
  type DownPayload,
  type HelloPayload,
  type Lease,
  type Message,
  type PeerInfo,
  type PlacementPayload,
  PROTOCOL_VERSION,
  type ReplicaEntry,
  SHARE_REJECTIONS,
  type UpBody,
  type UpPayload,
  type WireBlock,
  type WireJob,
} from '../src/cluster/wire.js';
import { bytesToHex } from '../src/hex.js';
import type { Identity } from '../src/identity/keys.js';
import type { SignatureScheme } from '../src/identity/signature-scheme.js';
import { type Signed, signJson } from '../src/identity/signed.js';
import { JOB_SOURCE_KINDS } from '../src/jobs/job.js';

const v = PROTOCOL_VERSION;
const BASE32 = [...'abcdefghijklmnopqrstuvwxyz234567'];
const HEX = [...'0123456789abcdef'];
const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

/** Keys the arbitraries sign with, and the ids they name. */
export interface WireWorld {
  scheme: SignatureScheme;
  /** Keys that sign: their ids appear in messages too. */
  identities: readonly Identity[];
  /** More ids to name in messages, of peers whose keys the signer does not hold. */
  ids?: readonly string[];
  /** Gateway credentials to show in hellos and heartbeats. */
  credentials?: readonly Signed[];
}

/** A value that travels signed, and who signed it: an index into the world's identities, or -1 for a made-up
 * signature. */
export interface SignedBy<T> {
  value: T;
  signer: number;
}

const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const nonceCount = fc.oneof(fc.integer({ min: 1, max: 1 << 20 }), fc.constantFrom(1, 2 ** 24, 2 ** 32));
/** Non-negative integers with no upper bound in the schema: 1e300 is an integer too. */
const seq = fc.oneof(fc.nat({ max: 1000 }), fc.nat(), fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e300));
const time = fc.oneof(
  fc.integer({ min: 0, max: 4_000_000_000_000 }),
  fc.double({ min: 0, max: 1e300, noNaN: true, noDefaultInfinity: true }),
);
const hashrate = fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom(0, 1e9));
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
const decimal = fc.oneof(
  fc.bigInt({ min: 0n, max: 1n << 64n }).map(String),
  fc.string({ unit: fc.constantFrom(...HEX.slice(0, 10)), minLength: 1, maxLength: 80 }),
);
/** At most 40 UTF-16 units, as the schema counts them. */
const name = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const jobId = fc.oneof(fc.string({ minLength: 1, maxLength: 128 }), fc.constantFrom('j1', 'j2'));
const randomPeerId = fc.string({ unit: fc.constantFrom(...BASE32), minLength: 52, maxLength: 52 });
export const randomSignature = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 86, maxLength: 86 });

export function wireArbitraries(world: WireWorld) {
  const knownIds = [...world.identities.map((identity) => identity.id), ...(world.ids ?? [])];
  const peerId = knownIds.length === 0 ? randomPeerId : fc.oneof(fc.constantFrom(...knownIds), randomPeerId);

  const peerInfo: fc.Arbitrary<PeerInfo> = fc
    .record({
      id: peerId,
      name,
      role: fc.constantFrom('gateway', 'worker'),
      engine: fc.constantFrom('wasm', 'native'),
      mode: fc.constantFrom('light', 'full'),
      cores: fc.integer({ min: 1, max: 4096 }),
      memoryMb: fc.oneof(fc.nat({ max: 65_536 }), fc.nat()),
      mines: fc.boolean(),
      hashrate,
      maxLinks: fc.integer({ min: 2, max: 1024 }),
      startedAt: time,
      jobSource: fc.boolean(),
    })
    .chain((info) =>
      fc
        .option(peerId, { nil: undefined })
        .map((contributor) => (contributor === undefined ? info : { ...info, contributor })),
    );

  const wireJob: fc.Arbitrary<WireJob> = fc.record(
    {
      id: jobId,
      source: fc.constantFrom(...JOB_SOURCE_KINDS),
      height: fc.nat(),
      seedHash: hex32,
      nextSeedHash: hex32,
      blob: fc
        .oneof(fc.integer({ min: 43, max: 96 }), fc.constant(512))
        .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }).map(bytesToHex)),
      difficulty: decimal,
      createdAt: time,
      nonceRange: fc.record({ start: uint32, count: nonceCount }),
    },
    { requiredKeys: ['id', 'source', 'height', 'seedHash', 'blob', 'difficulty', 'createdAt'] },
  );

  const wireBlock: fc.Arbitrary<WireBlock> = fc.record({
    height: fc.integer({ min: 1, max: 2 ** 40 }),
    id: hex32,
    prevId: hex32,
    timestamp: fc.nat(),
    difficulty: decimal,
    seedHash: hex32,
    nonce: uint32,
    finderId: peerId,
    finderName: name,
  });

  const lease: fc.Arbitrary<Lease> = fc.record({
    id: fc.string({ minLength: 1, maxLength: 64 }),
    jobId,
    start: uint32,
    count: nonceCount,
    target: decimal,
  });

  const totals: fc.Arbitrary<ClusterTotals> = fc.record({
    peers: fc.nat(),
    hashrate: fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
    sharesAccepted: fc.nat(),
    sharesRejected: fc.nat(),
    blocksFound: fc.nat(),
  });

  const upBody: fc.Arbitrary<UpBody> = fc.oneof(
    fc.record({
      v: fc.constant(v),
      type: fc.constant('share' as const),
      seq,
      jobId,
      leaseId: fc.string({ maxLength: 64 }),
      nonce: uint32,
      hash: hex32,
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('needWork' as const), hashrate }),
    fc.record({
      v: fc.constant(v),
      type: fc.constant('status' as const),
      info: peerInfo,
      parent: peerId,
      children: fc.integer({ min: 0, max: 1024 }),
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('gone' as const), peer: peerId }),
    fc.record({ v: fc.constant(v), type: fc.constant('replicaAck' as const), seq, resend: fc.boolean() }),
  );

  const replicaEntry: fc.Arbitrary<ReplicaEntry> = fc.oneof(
    fc.record({ e: fc.constant('member' as const), peer: peerId, parent: peerId, gateway: fc.boolean(), since: time }),
    fc.record({ e: fc.constant('left' as const), peer: peerId }),
    fc.record({ e: fc.constant('job' as const), job: wireJob }),
    fc.record({ e: fc.constant('lease' as const), peer: peerId, lease, issuedAt: time }),
    fc.record(
      { e: fc.constant('share' as const), peer: peerId, account: peerId, name, jobId, nonce: uint32, work: decimal },
      { requiredKeys: ['e', 'peer', 'name', 'jobId', 'nonce', 'work'] },
    ),
    fc.record(
      { e: fc.constant('reject' as const), peer: peerId, account: peerId, name },
      { requiredKeys: ['e', 'peer', 'name'] },
    ),
    fc.record({ e: fc.constant('ban' as const), peer: peerId, until: time }),
    fc.record({ e: fc.constant('forget' as const), peer: peerId }),
    fc.record({ e: fc.constant('block' as const), block: wireBlock }),
    fc.record(
      {
        e: fc.constant('verdict' as const),
        source: fc.constantFrom('daemon' as const, 'stratum' as const),
        height: fc.nat(),
        nonce: uint32,
        finderId: peerId,
        finderName: name,
        accepted: fc.boolean(),
        reason: fc.string({ maxLength: 300 }),
        at: time,
      },
      { requiredKeys: ['e', 'source', 'height', 'nonce', 'finderId', 'finderName', 'accepted', 'at'] },
    ),
    fc.record({ e: fc.constant('seen' as const), peer: peerId, jobId, nonce: uint32 }),
    fc.record({ e: fc.constant('account' as const), peer: peerId, name, work: decimal, accepted: seq, rejected: seq }),
    fc.record({ e: fc.constant('totals' as const), accepted: seq, rejected: seq, blocks: seq }),
    fc.constant({ e: 'clearAccounts' as const }),
  );

  const downBody: fc.Arbitrary<DownBody> = fc.oneof(
    fc.record({ v: fc.constant(v), type: fc.constant('lease' as const), lease, job: wireJob }),
    fc.record(
      {
        v: fc.constant(v),
        type: fc.constant('shareResult' as const),
        seq,
        accepted: fc.boolean(),
        reason: fc.constantFrom(...SHARE_REJECTIONS),
      },
      { requiredKeys: ['v', 'type', 'seq', 'accepted'] },
    ),
    fc.record({
      v: fc.constant(v),
      type: fc.constant('replica' as const),
      from: seq,
      snapshot: fc.option(fc.record({ part: seq, parts: fc.integer({ min: 1, max: 100_000 }) }), { nil: null }),
      entries: fc.array(replicaEntry, { maxLength: 4 }),
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('banned' as const), reason: fc.string({ maxLength: 200 }) }),
    fc.constant({ v, type: 'handover' as const }),
  );

  const credentials = world.credentials ?? [];
  const credential = credentials.length === 0 ? signedOf(fc.constant({})) : fc.constantFrom(...credentials);

  const broadcastBody: fc.Arbitrary<BroadcastBody> = fc.oneof(
    fc.record({ v: fc.constant(v), type: fc.constant('job' as const), job: wireJob }),
    fc.record({ v: fc.constant(v), type: fc.constant('block' as const), block: wireBlock }),
    fc.record({
      v: fc.constant(v),
      type: fc.constant('heartbeat' as const),
      succession: fc.array(peerId, { maxLength: 8 }),
      totals,
      credential,
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('stopMining' as const), issuedAt: time }),
  );

  const helloPayload: fc.Arbitrary<HelloPayload> = fc.record({
    t: fc.constant('hello' as const),
    from: peerId,
    to: peerId,
    info: peerInfo,
    coordinator: fc.option(fc.record({ id: peerId, term: seq }), { nil: null }),
  });
  const upPayload: fc.Arbitrary<UpPayload> = fc.record({
    t: fc.constant('up' as const),
    origin: peerId,
    term: seq,
    n: seq,
    body: upBody,
  });
  const downPayload: fc.Arbitrary<DownPayload> = fc.record({
    t: fc.constant('down' as const),
    term: seq,
    to: peerId,
    body: downBody,
  });
  const broadcastPayload: fc.Arbitrary<BroadcastPayload> = fc.record({
    t: fc.constant('broadcast' as const),
    coordinator: peerId,
    term: seq,
    body: broadcastBody,
  });
  const placementPayload: fc.Arbitrary<PlacementPayload> = fc.record({
    t: fc.constant('placement' as const),
    term: seq,
    peer: peerId,
    parent: peerId,
  });

  /** A value signed by one of the world's keys (or with a made-up signature), as it travels. */
  function signedOf<T>(payload: fc.Arbitrary<T>): fc.Arbitrary<Signed> {
    const signer = fc.integer({ min: -1, max: world.identities.length - 1 });
    return fc
      .tuple(payload, signer, randomSignature)
      .map(([value, index, madeUp]) => sign(world, { value, signer: index }, madeUp));
  }

  const message: fc.Arbitrary<Message> = fc.oneof(
    fc.record({
      v: fc.constant(v),
      type: fc.constant('hello' as const),
      signed: signedOf(helloPayload),
      credential: fc.option(credential, { nil: null }),
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('join' as const), orphan: fc.boolean() }),
    fc.record({
      v: fc.constant(v),
      type: fc.constant('welcome' as const),
      term: seq,
      parent: peerId,
      succession: fc.array(peerId, { maxLength: 8 }),
      heartbeat: fc.option(signedOf(broadcastPayload), { nil: null }),
      job: fc.option(signedOf(broadcastPayload), { nil: null }),
      blocks: fc.array(wireBlock, { maxLength: 3 }),
      placement: fc.option(signedOf(placementPayload), { nil: null }),
    }),
    fc.record({
      v: fc.constant(v),
      type: fc.constant('redirect' as const),
      coordinator: fc.option(peerId, { nil: null }),
      term: seq,
      full: fc.boolean(),
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('attach' as const), placement: signedOf(placementPayload) }),
    fc.constant({ v, type: 'detach' as const }),
    fc.record({ v: fc.constant(v), type: fc.constant('up' as const), signed: signedOf(upPayload) }),
    fc.record({
      v: fc.constant(v),
      type: fc.constant('down' as const),
      route: fc.array(peerId, { maxLength: 32 }),
      signed: signedOf(downPayload),
    }),
    fc.record({ v: fc.constant(v), type: fc.constant('broadcast' as const), signed: signedOf(broadcastPayload) }),
  );

  return {
    peerId,
    peerInfo,
    wireJob,
    wireBlock,
    lease,
    upBody,
    downBody,
    broadcastBody,
    helloPayload,
    upPayload,
    downPayload,
    broadcastPayload,
    placementPayload,
    message,
    signedOf,
  };
}

/** Signs `value` with the world's key `signer`, or pairs it with `madeUp` when signer is -1. */
export function sign<T>(world: WireWorld, { value, signer }: SignedBy<T>, madeUp: string): Signed {
  const identity = world.identities[signer];
  if (identity === undefined) return { payload: JSON.stringify(value), sig: madeUp };
  return signJson(world.scheme, identity.secretKey, value);
}

// ---- mutations ----

/** Keys the schemas let a value leave out. */
const OPTIONAL_KEYS = new Set(['nextSeedHash', 'nonceRange', 'reason']);
/** Keys that have broken JavaScript object handling before: a decoder must treat them as any unknown key. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

export type Mutation =
  | { kind: 'dropKey'; at: number; pick: number }
  | { kind: 'addKey'; at: number; key: string; value: unknown }
  | { kind: 'retype'; at: number; to: JsonKind }
  | { kind: 'negative'; at: number; value: number }
  | { kind: 'fraction'; at: number }
  | { kind: 'hugeNumber'; at: number; value: number }
  | { kind: 'numberAsText'; at: number; text: string }
  | { kind: 'hugeString'; at: number; length: number }
  | { kind: 'hugeArray'; at: number; length: number }
  | { kind: 'deepNesting'; at: number; depth: number; objects: boolean }
  | { kind: 'editString'; at: number; edit: 'append' | 'truncate' | 'upper' | 'unicode' }
  | { kind: 'version'; value: unknown }
  | { kind: 'messageType'; type: string };

type JsonKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('dropKey' as const), at: fc.nat(), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('addKey' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ minLength: 1, maxLength: 12 })),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ polluted: true })),
  }),
  fc.record({
    kind: fc.constant('retype' as const),
    at: fc.nat(),
    to: fc.constantFrom<JsonKind>('string', 'number', 'boolean', 'array', 'object', 'null'),
  }),
  fc.record({
    kind: fc.constant('negative' as const),
    at: fc.nat(),
    value: fc.constantFrom(-1, -1e-9, -(2 ** 53), -1e308),
  }),
  fc.record({ kind: fc.constant('fraction' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('hugeNumber' as const),
    at: fc.nat(),
    value: fc.constantFrom(2 ** 32, 2 ** 53 + 2, 1e308, Number.MAX_VALUE),
  }),
  fc.record({
    kind: fc.constant('numberAsText' as const),
    at: fc.nat(),
    text: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-0', '0x10', '', '1'),
  }),
  fc.record({ kind: fc.constant('hugeString' as const), at: fc.nat(), length: fc.constantFrom(600_000) }),
  fc.record({ kind: fc.constant('hugeArray' as const), at: fc.nat(), length: fc.constantFrom(1001, 20_000) }),
  fc.record({
    kind: fc.constant('deepNesting' as const),
    at: fc.nat(),
    // As deep as 64 KiB of JSON text, a link's bound, can nest.
    depth: fc.constantFrom(100, 5000, 30_000),
    objects: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('editString' as const),
    at: fc.nat(),
    edit: fc.constantFrom('append', 'truncate', 'upper', 'unicode'),
  }),
  fc.record({ kind: fc.constant('version' as const), value: fc.constantFrom(1, 3, '2', null, 2.5) }),
  fc.record({
    kind: fc.constant('messageType' as const),
    type: fc.constantFrom('hello', 'join', 'welcome', 'redirect', 'attach', 'detach', 'up', 'down', 'broadcast', 'x'),
  }),
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Slot = { parent: Json[] | { [key: string]: Json } | null; key: string | number; value: Json };

function kindOf(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonKind;
}

/** Every node of a JSON value with where it sits, root first (the first 2000). */
function slots(root: Json): Slot[] {
  const found: Slot[] = [{ parent: null, key: '', value: root }];
  for (let i = 0; i < found.length && found.length < 2000; i++) {
    const { value } = found[i] as Slot;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) found.push({ parent: value, key: index, value: item });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) found.push({ parent: value, key, value: item });
    }
  }
  return found;
}

function place(slot: Slot, value: Json): void {
  if (slot.parent === null) return;
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else Object.defineProperty(slot.parent, slot.key, { value, enumerable: true, writable: true, configurable: true });
}

function sample(kind: JsonKind): Json {
  switch (kind) {
    case 'string':
      return 'text';
    case 'number':
      return 7;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    case 'null':
      return null;
  }
}

/** What a mutation did: the new JSON text, and whether no valid message can have that shape. */
export interface Mutated {
  text: string;
  /** True when the mutation broke a rule every message follows; false when the result may still be valid. */
  invalid: boolean;
}

/**
 * Applies `mutation` to a copy of `value` and writes the result as JSON text, as a peer would send it. Keys are
 * set as own properties, so `__proto__` travels as a key and not as a prototype.
 */
export function mutate(value: unknown, mutation: Mutation): Mutated {
  const root = JSON.parse(JSON.stringify(value)) as Json;
  const all = slots(root);
  const pick = <T>(items: readonly T[], at: number): T | undefined => items[at % Math.max(1, items.length)];
  const text = (invalid: boolean): Mutated => ({ text: JSON.stringify(root), invalid });
  switch (mutation.kind) {
    case 'dropKey': {
      const objects = all.filter((slot) => kindOf(slot.value) === 'object' && Object.keys(slot.value ?? {}).length);
      const slot = pick(objects, mutation.at);
      if (slot === undefined) return text(false);
      const record = slot.value as Record<string, Json>;
      const key = pick(Object.keys(record), mutation.pick) as string;
      delete record[key];
      return text(!OPTIONAL_KEYS.has(key));
    }
    case 'addKey': {
      const objects = all.filter((slot) => kindOf(slot.value) === 'object');
      const slot = pick(objects, mutation.at);
      if (slot === undefined) return text(false);
      const record = slot.value as Record<string, Json>;
      const known = Object.hasOwn(record, mutation.key);
      Object.defineProperty(record, mutation.key, {
        value: mutation.value as Json,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return text(!known);
    }
    case 'retype': {
      const slot = pick(all, mutation.at) as Slot;
      const before = kindOf(slot.value);
      if (slot.parent === null) {
        return { text: JSON.stringify(sample(mutation.to)), invalid: mutation.to !== 'object' };
      }
      place(slot, sample(mutation.to));
      return text(mutation.to !== before && mutation.to !== 'null');
    }
    case 'negative':
    case 'fraction':
    case 'hugeNumber':
    case 'numberAsText': {
      const slot = pick(
        all.filter((slot) => typeof slot.value === 'number'),
        mutation.at,
      );
      if (slot === undefined) return text(false);
      const number = slot.value as number;
      if (mutation.kind === 'negative') place(slot, mutation.value);
      else if (mutation.kind === 'fraction') place(slot, number + 0.5);
      else if (mutation.kind === 'hugeNumber') place(slot, mutation.value);
      else place(slot, mutation.text);
      // Every number in the protocol is at least zero, and none may be a string.
      return text(mutation.kind === 'negative' || mutation.kind === 'numberAsText');
    }
    case 'hugeString':
    case 'editString': {
      const slot = pick(
        all.filter((slot) => typeof slot.value === 'string'),
        mutation.at,
      );
      if (slot === undefined) return text(false);
      const string = slot.value as string;
      if (mutation.kind === 'hugeString') {
        // Longer than any string field allows, the largest signed payload included.
        place(slot, 'a'.repeat(mutation.length));
        return text(true);
      }
      const edited = {
        append: `${string}x`,
        truncate: string.slice(0, -1),
        upper: string.toUpperCase(),
        unicode: `${string.slice(0, 3)}\u0000\u{1f600}\ud800`,
      }[mutation.edit];
      place(slot, edited);
      return text(false);
    }
    case 'hugeArray': {
      const slot = pick(
        all.filter((slot) => Array.isArray(slot.value)),
        mutation.at,
      );
      if (slot === undefined) return text(false);
      const array = slot.value as Json[];
      // Copies of a real item where that stays small, so the length is the only fault.
      const first = array[0] ?? 'x';
      const small = typeof first === 'string' ? first.length <= 128 : mutation.length <= 1001;
      const filler = small ? first : 0;
      while (array.length < mutation.length) array.push(filler);
      // Longer than any array the protocol allows (a replica part holds at most 1000 entries).
      return text(true);
    }
    case 'deepNesting': {
      // Written as text: JSON.stringify recurses and would overflow first, while JSON.parse does not.
      const depth = mutation.objects ? Math.min(mutation.depth, 5000) : mutation.depth;
      const nested = mutation.objects
        ? `${'{"deeper":'.repeat(depth)}{}${'}'.repeat(depth)}`
        : `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const slot = pick(all.slice(1), mutation.at);
      if (slot === undefined) return { text: nested, invalid: true };
      const marker = 'rxmesh-fuzz-deep-nesting-marker';
      place(slot, marker);
      // No schema nests this deep, and none has a `deeper` key or an array of arrays.
      return { text: JSON.stringify(root).replace(`"${marker}"`, nested), invalid: true };
    }
    case 'version': {
      if (kindOf(root) === 'object') (root as Record<string, Json>).v = mutation.value as Json;
      return text(kindOf(root) === 'object');
    }
    case 'messageType': {
      if (kindOf(root) !== 'object') return text(true);
      const record = root as Record<string, Json>;
      const same = record.type === mutation.type;
      record.type = mutation.type;
      return text(!same && mutation.type === 'x');
    }
  }
}

// The cluster's wire messages (version 1): their schemas, and the conversion between wire form (hex strings,
// decimal strings for 64- and 256-bit numbers) and the in-memory form. Every message from a peer passes
// decodeMessage() before anything else looks at it.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { bytesToHex, hexToBytes } from '../hex.js';
import { type BlockRecord, JOB_SOURCE_KINDS, type Job } from '../jobs/job.js';

export const PROTOCOL_VERSION = 1;

const PeerId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Decimal = Type.String({ pattern: '^[0-9]{1,80}$' });
const Uint32 = Type.Integer({ minimum: 0, maximum: 0xffff_ffff });
const Time = Type.Number({ minimum: 0 });
const Seq = Type.Integer({ minimum: 0 });
const Name = Type.String({ maxLength: 40 });
const JobId = Type.String({ minLength: 1, maxLength: 128 });
const strict = { additionalProperties: false } as const;

export const ROLES = ['gateway', 'worker', 'auto'] as const;

export const PeerInfoSchema = Type.Object(
  {
    id: PeerId,
    name: Name,
    role: Type.Enum(ROLES),
    engine: Type.Union([Type.Literal('wasm'), Type.Literal('native')]),
    mode: Type.Union([Type.Literal('light'), Type.Literal('full')]),
    cores: Type.Integer({ minimum: 1, maximum: 4096 }),
    memoryMb: Type.Integer({ minimum: 0 }),
    /** Whether this peer hashes; a gateway may only coordinate and verify. */
    mines: Type.Boolean(),
    /** Measured hashes per second. */
    hashrate: Type.Number({ minimum: 0, maximum: 1e9 }),
    /** The most links this peer holds: 8 for a browser. */
    maxLinks: Type.Integer({ minimum: 2, maximum: 1024 }),
    startedAt: Time,
  },
  { additionalProperties: false },
);
export type PeerInfo = Static<typeof PeerInfoSchema>;
export type Role = PeerInfo['role'];

const WireJob = Type.Object(
  {
    id: JobId,
    source: Type.Enum(JOB_SOURCE_KINDS),
    height: Type.Integer({ minimum: 0 }),
    seedHash: Hex32,
    nextSeedHash: Type.Optional(Hex32),
    // At least 43 bytes, so the nonce at offset 39 fits.
    blob: Type.String({ pattern: '^([0-9a-f]{2}){43,512}$' }),
    difficulty: Decimal,
    createdAt: Time,
    nonceRange: Type.Optional(
      Type.Object(
        { start: Uint32, count: Type.Integer({ minimum: 1, maximum: 2 ** 32 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type WireJob = Static<typeof WireJob>;

const WireBlock = Type.Object(
  {
    height: Type.Integer({ minimum: 1 }),
    id: Hex32,
    prevId: Hex32,
    timestamp: Type.Integer({ minimum: 0 }),
    difficulty: Decimal,
    seedHash: Hex32,
    nonce: Uint32,
    finderId: PeerId,
    finderName: Name,
  },
  { additionalProperties: false },
);
export type WireBlock = Static<typeof WireBlock>;

const LeaseSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    jobId: JobId,
    start: Uint32,
    count: Type.Integer({ minimum: 1, maximum: 2 ** 32 }),
    /** 64-bit share target: hash bytes 24..31 as uint64 LE must be below it. */
    target: Decimal,
  },
  { additionalProperties: false },
);
export type Lease = Static<typeof LeaseSchema>;

export const SHARE_REJECTIONS = [
  'unknown-job',
  'stale',
  'duplicate',
  'out-of-range',
  'low-difficulty',
  'invalid',
  'banned',
] as const;
export type ShareRejection = (typeof SHARE_REJECTIONS)[number];

const ClusterTotals = Type.Object(
  {
    peers: Type.Integer({ minimum: 0 }),
    hashrate: Type.Number({ minimum: 0 }),
    sharesAccepted: Type.Integer({ minimum: 0 }),
    sharesRejected: Type.Integer({ minimum: 0 }),
    blocksFound: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ClusterTotals = Static<typeof ClusterTotals>;

const message = <T extends string, P extends Record<string, Type.TSchema>>(type: T, properties: P) =>
  Type.Object(
    { v: Type.Literal(PROTOCOL_VERSION), type: Type.Literal(type), ...properties },
    {
      additionalProperties: false,
    },
  );

// Bodies carried up the tree to the coordinator.
const UpBody = Type.Union([
  message('share', {
    seq: Seq,
    jobId: JobId,
    leaseId: Type.String({ maxLength: 64 }),
    nonce: Uint32,
    hash: Hex32,
  }),
  /** Little work left; `hashrate` (measured) sizes the next lease. */
  message('needWork', { hashrate: Type.Number({ minimum: 0, maximum: 1e9 }) }),
  message('status', { info: PeerInfoSchema, children: Type.Integer({ minimum: 0, maximum: 1024 }) }),
  message('gone', { peer: PeerId }),
  /** Entries below `seq` are stored; `resend` asks for everything from `seq` on (a gap, or a fresh standby). */
  message('replicaAck', { seq: Seq, resend: Type.Boolean() }),
]);
export type UpBody = Static<typeof UpBody>;

// Replicated coordinator state changes; see replica.ts.
const ReplicaEntry = Type.Union([
  Type.Object({ e: Type.Literal('job'), job: WireJob }, { additionalProperties: false }),
  Type.Object({ e: Type.Literal('lease'), peer: PeerId, lease: LeaseSchema, issuedAt: Time }, strict),
  Type.Object(
    { e: Type.Literal('share'), peer: PeerId, name: Name, jobId: JobId, nonce: Uint32, work: Decimal },
    strict,
  ),
  Type.Object({ e: Type.Literal('reject'), peer: PeerId, name: Name }, strict),
  Type.Object({ e: Type.Literal('ban'), peer: PeerId }, strict),
  Type.Object({ e: Type.Literal('block'), block: WireBlock }, strict),
  // Snapshot entries: state that live entries built up, restated whole for a new standby.
  Type.Object({ e: Type.Literal('seen'), peer: PeerId, jobId: JobId, nonce: Uint32 }, strict),
  Type.Object(
    { e: Type.Literal('account'), peer: PeerId, name: Name, work: Decimal, accepted: Seq, rejected: Seq },
    strict,
  ),
  Type.Object({ e: Type.Literal('totals'), accepted: Seq, rejected: Seq, blocks: Seq }, strict),
]);
export type ReplicaEntry = Static<typeof ReplicaEntry>;

// Bodies carried down a route from the coordinator to one peer.
const DownBody = Type.Union([
  /** The job travels with its lease: a peer that was re-joining when the job was broadcast has not seen it. */
  message('lease', { lease: LeaseSchema, job: WireJob }),
  message('shareResult', {
    seq: Seq,
    accepted: Type.Boolean(),
    reason: Type.Optional(Type.Enum(SHARE_REJECTIONS)),
  }),
  message('replica', {
    /** Sequence number of the first entry; a snapshot restarts the log at this number. */
    from: Seq,
    snapshot: Type.Boolean(),
    entries: Type.Array(ReplicaEntry, { maxItems: 100_000 }),
  }),
  message('banned', { reason: Type.String({ maxLength: 200 }) }),
]);
export type DownBody = Static<typeof DownBody>;

// Bodies flooded from the coordinator down every branch.
const BroadcastBody = Type.Union([
  message('job', { job: WireJob }),
  message('block', { block: WireBlock }),
  message('heartbeat', {
    coordinator: PeerId,
    succession: Type.Array(PeerId, { maxItems: 8 }),
    totals: ClusterTotals,
  }),
]);
export type BroadcastBody = Static<typeof BroadcastBody>;

const MessageSchema = Type.Union([
  /** First message on every link, both ways: who I am and whom I take for coordinator. */
  message('hello', { info: PeerInfoSchema, coordinator: Type.Union([PeerId, Type.Null()]), term: Seq }),
  /** To the coordinator over a direct link: place me in the tree. */
  message('join', { orphan: Type.Boolean() }),
  /** The coordinator's answer: attach to `parent` (possibly the coordinator itself). */
  message('welcome', {
    term: Seq,
    parent: PeerId,
    succession: Type.Array(PeerId, { maxItems: 8 }),
    job: Type.Union([WireJob, Type.Null()]),
    blocks: Type.Array(WireBlock, { maxItems: 64 }),
  }),
  /** Not the coordinator (any more, or not yet), or `full` of links: try `coordinator`. */
  message('redirect', { coordinator: Type.Union([PeerId, Type.Null()]), term: Seq, full: Type.Boolean() }),
  message('attach', {}),
  message('detach', {}),
  message('up', { origin: PeerId, path: Type.Array(PeerId, { maxItems: 32 }), body: UpBody }),
  message('down', { route: Type.Array(PeerId, { maxItems: 32 }), body: DownBody }),
  message('broadcast', { term: Seq, body: BroadcastBody }),
]);
export type Message = Static<typeof MessageSchema>;

const validator = Compile(MessageSchema);

export type Decoded = { ok: true; message: Message } | { ok: false; error: string };

/** Validates a message that arrived from a peer (already JSON-parsed). */
export function decodeMessage(data: unknown): Decoded {
  if (validator.Check(data)) return { ok: true, message: data };
  const [first] = validator.Errors(data);
  return {
    ok: false,
    error: first === undefined ? 'invalid message' : `${first.instancePath || '/'} ${first.message}`,
  };
}

export function jobToWire(job: Job): WireJob {
  return {
    id: job.id,
    source: job.source,
    height: job.height,
    seedHash: bytesToHex(job.seedHash),
    blob: bytesToHex(job.blob),
    difficulty: job.difficulty.toString(),
    createdAt: job.createdAt,
    ...(job.nonceRange === undefined ? {} : { nonceRange: { ...job.nonceRange } }),
    ...(job.nextSeedHash === undefined ? {} : { nextSeedHash: bytesToHex(job.nextSeedHash) }),
  };
}

export function jobFromWire(wire: WireJob): Job {
  const { nextSeedHash, ...rest } = wire;
  return {
    ...rest,
    seedHash: hexToBytes(wire.seedHash),
    blob: hexToBytes(wire.blob),
    difficulty: BigInt(wire.difficulty),
    ...(nextSeedHash === undefined ? {} : { nextSeedHash: hexToBytes(nextSeedHash) }),
  };
}

export function blockToWire(block: BlockRecord): WireBlock {
  return {
    ...block,
    id: bytesToHex(block.id),
    prevId: bytesToHex(block.prevId),
    difficulty: block.difficulty.toString(),
    seedHash: bytesToHex(block.seedHash),
  };
}

export function blockFromWire(wire: WireBlock): BlockRecord {
  return {
    ...wire,
    id: hexToBytes(wire.id),
    prevId: hexToBytes(wire.prevId),
    difficulty: BigInt(wire.difficulty),
    seedHash: hexToBytes(wire.seedHash),
  };
}

// The cluster's wire messages (version 2): their schemas, the payloads peers sign (see envelopes.ts and
// docs/PROTOCOL.md), and the conversion between wire form (hex strings, decimal strings for 64- and 256-bit numbers)
// and the in-memory form. Every message from a peer passes decodeMessage() before anything else looks at it, and
// every signed payload passes its own check once its signature holds.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { bytesToHex, hexToBytes } from '../hex.js';
import { CredentialSchema } from '../identity/credential.js';
import { KEY_ID_PATTERN } from '../identity/keys.js';
import { signedSchema } from '../identity/signed.js';
import { type BlockRecord, JOB_SOURCE_KINDS, type Job } from '../jobs/job.js';

// 3: durable-ledger entries (ban expiry, accounts, verdicts) and the restoredFrom of a coordinator claim.
export const PROTOCOL_VERSION = 3;

/** Every peer's id is its Ed25519 public key (identity/keys.ts). */
const PeerId = Type.String({ pattern: KEY_ID_PATTERN });
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Decimal = Type.String({ pattern: '^[0-9]{1,80}$' });
const Uint32 = Type.Integer({ minimum: 0, maximum: 0xffff_ffff });
const Time = Type.Number({ minimum: 0 });
const Seq = Type.Integer({ minimum: 0 });
const Name = Type.String({ maxLength: 40 });
const JobId = Type.String({ minLength: 1, maxLength: 128 });
const strict = { additionalProperties: false } as const;

/**
 * How others reach a peer, by the ICE candidates it gathered: `public`, an address of its own anyone can reach;
 * `relay`, a TURN server relays for it; `nat`, behind a router, reachable where hole punching works; `local`, only
 * addresses of its own network (no STUN answer); `unknown`, not found out.
 */
export const LINK_REACH = ['public', 'relay', 'nat', 'local', 'unknown'] as const;
export type LinkReach = (typeof LINK_REACH)[number];

/** A gateway holds a credential and may coordinate; everyone else is a worker. */
export const ROLES = ['gateway', 'worker'] as const;

/** What hashes for a peer: our WebAssembly engine, librandomx in a host, or an xmrig rig on a gateway's Stratum server. */
export const ENGINES = ['wasm', 'native', 'xmrig'] as const;
export type EngineKind = (typeof ENGINES)[number];

/**
 * An xmrig rig that a gateway's Stratum server speaks for: the gateway runs its peer, on a link inside its own
 * process. The rig's nonce counter covers the low 24 bits of the nonce and keeps the top byte its job gives it, so
 * its leases are whole 2^24-nonce blocks.
 */
const RigInfo = Type.Object(
  {
    /** The gateway that hosts it: it is placed right under it, and it never relays. */
    gateway: PeerId,
    /** The rig's own name for its software, as its login said (`XMRig/6.22.2 …`). */
    agent: Type.String({ maxLength: 128 }),
    /** A share difficulty the rig's login fixed (`+N`); absent leaves it to the coordinator's vardiff. */
    difficulty: Type.Optional(Decimal),
  },
  { additionalProperties: false },
);

export const PeerInfoSchema = Type.Object(
  {
    id: PeerId,
    name: Name,
    role: Type.Enum(ROLES),
    engine: Type.Enum(ENGINES),
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
    /** A gateway with a daemon, a pool or the demo chain of its own, rather than only what it inherits. */
    jobSource: Type.Boolean(),
    /** Whether others can open links to this peer, from the ICE candidates it gathered (see LINK_REACH). */
    reach: Type.Optional(Type.Enum(LINK_REACH)),
    /**
     * Whom the ledger credits: an id the person's page or host keeps across restarts, where the peer id is new each
     * time. Nobody signs it; a peer that names someone else's only gives its work away. Without it, the peer id.
     */
    contributor: Type.Optional(PeerId),
    rig: Type.Optional(RigInfo),
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

/**
 * Links peers opened, by the way their packets took once ICE chose: `direct` between the peers' own addresses,
 * `stun` through an address a router mapped (hole punching), `turn` relayed by a TURN server; and `failed`, links
 * that never opened. Each link is counted by the peer that opened it.
 */
export const LinkPathsSchema = Type.Object(
  {
    direct: Type.Integer({ minimum: 0 }),
    stun: Type.Integer({ minimum: 0 }),
    turn: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type LinkPaths = Static<typeof LinkPathsSchema>;
export type LinkPath = Exclude<keyof LinkPaths, 'failed'>;

const ClusterTotals = Type.Object(
  {
    peers: Type.Integer({ minimum: 0 }),
    hashrate: Type.Number({ minimum: 0 }),
    sharesAccepted: Type.Integer({ minimum: 0 }),
    sharesRejected: Type.Integer({ minimum: 0 }),
    blocksFound: Type.Integer({ minimum: 0 }),
    /** The links the members opened, summed over what each last reported. */
    links: Type.Optional(LinkPathsSchema),
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
  /** Who the origin is now, and its parent: a member the coordinator dropped by mistake is placed back there. */
  message('status', {
    info: PeerInfoSchema,
    parent: PeerId,
    children: Type.Integer({ minimum: 0, maximum: 1024 }),
    /** The links this peer opened since it started. */
    links: Type.Optional(LinkPathsSchema),
  }),
  message('gone', { peer: PeerId }),
  /** Entries below `seq` are stored; `resend` asks for everything from `seq` on (a gap, or a fresh standby). */
  message('replicaAck', { seq: Seq, resend: Type.Boolean() }),
]);
export type UpBody = Static<typeof UpBody>;

// Replicated coordinator state changes; see replica.ts.
const ReplicaEntry = Type.Union([
  /** A peer the coordinator admitted, where it placed it, and since when the cluster has known it. */
  Type.Object(
    { e: Type.Literal('member'), peer: PeerId, parent: PeerId, gateway: Type.Boolean(), since: Time },
    strict,
  ),
  Type.Object({ e: Type.Literal('left'), peer: PeerId }, strict),
  Type.Object(
    {
      e: Type.Literal('job'),
      job: WireJob,
      /** The job this one varies, for a rig that mines alone on it: it replaces no job, and goes with this one. */
      variantOf: Type.Optional(JobId),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      e: Type.Literal('lease'),
      peer: PeerId,
      lease: LeaseSchema,
      issuedAt: Time,
      /**
       * Nonces from the lease's start that it holds, when more than its count: a rig's whole 2^24-nonce block, which
       * its counter runs through whatever the lease's count. No other lease takes them, and shares in them count.
       */
      reserved: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 32 })),
    },
    strict,
  ),
  // `account`: the contributor credited, when it is not the peer itself.
  Type.Object(
    {
      e: Type.Literal('share'),
      peer: PeerId,
      account: Type.Optional(PeerId),
      name: Name,
      jobId: JobId,
      nonce: Uint32,
      work: Decimal,
    },
    strict,
  ),
  Type.Object({ e: Type.Literal('reject'), peer: PeerId, account: Type.Optional(PeerId), name: Name }, strict),
  /** A peer banned until `until`, in the coordinator's clock. */
  Type.Object({ e: Type.Literal('ban'), peer: PeerId, until: Time }, strict),
  /** The ledger is full: this contributor (an account), credited with the least work, is forgotten. */
  Type.Object({ e: Type.Literal('forget'), peer: PeerId }, strict),
  Type.Object({ e: Type.Literal('block'), block: WireBlock }, strict),
  /** An external source's answer to a candidate: a block for a daemon, a share for a pool. Only the store keeps it. */
  Type.Object(
    {
      e: Type.Literal('verdict'),
      source: Type.Union([Type.Literal('daemon'), Type.Literal('stratum')]),
      height: Type.Integer({ minimum: 0 }),
      nonce: Uint32,
      finderId: PeerId,
      finderName: Name,
      accepted: Type.Boolean(),
      reason: Type.Optional(Type.String({ maxLength: 300 })),
      at: Time,
    },
    strict,
  ),
  /** The operator starts a new lesson: every contributor's credited work and share counts go back to zero. */
  Type.Object({ e: Type.Literal('clearAccounts') }, strict),
  // Snapshot entries: state that live entries built up, restated whole for a new standby.
  Type.Object({ e: Type.Literal('seen'), peer: PeerId, jobId: JobId, nonce: Uint32 }, strict),
  Type.Object(
    { e: Type.Literal('account'), peer: PeerId, name: Name, work: Decimal, accepted: Seq, rejected: Seq },
    strict,
  ),
  Type.Object({ e: Type.Literal('totals'), accepted: Seq, rejected: Seq, blocks: Seq }, strict),
]);
export type ReplicaEntry = Static<typeof ReplicaEntry>;

/** Replicated entries per `replica` body, so one message stays well within a link's bound. */
export const REPLICA_ENTRIES_PER_MESSAGE = 1000;

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
    /** A snapshot comes in parts; the standby installs it once the last part arrived. Null for log entries. */
    snapshot: Type.Union([
      Type.Object({ part: Seq, parts: Type.Integer({ minimum: 1, maximum: 100_000 }) }, strict),
      Type.Null(),
    ]),
    entries: Type.Array(ReplicaEntry, { maxItems: REPLICA_ENTRIES_PER_MESSAGE }),
  }),
  message('banned', { reason: Type.String({ maxLength: 200 }) }),
  /** To the first standby, from a coordinator without a job source of its own: take over. */
  message('handover', {}),
]);
export type DownBody = Static<typeof DownBody>;

// Bodies flooded from the coordinator down every branch.
const BroadcastBody = Type.Union([
  message('job', { job: WireJob }),
  message('block', { block: WireBlock }),
  message('heartbeat', {
    succession: Type.Array(PeerId, { maxItems: 8 }),
    totals: ClusterTotals,
    /** The coordinator's own credential: a peer that never linked to it checks it before following it. */
    credential: CredentialSchema,
  }),
  /**
   * The operator stopped every tab: browser peers stop mining, and mine again only after their own Start click.
   * `issuedAt` (the coordinator's clock) tells a repeat of the same stop from a new one.
   */
  message('stopMining', { issuedAt: Time }),
]);
export type BroadcastBody = Static<typeof BroadcastBody>;

// What peers sign. Each payload names its kind in `t`, so a signature made for one purpose never passes for another.

const CoordinatorClaim = Type.Object(
  {
    id: PeerId,
    term: Seq,
    /**
     * Set by a coordinator whose term began without a predecessor's replica (a gateway starting, or restarting from
     * its store): the last term it knew before, which is all its claim is worth against one that carried a cluster on.
     */
    restoredFrom: Type.Optional(Seq),
  },
  strict,
);
export type CoordinatorClaim = Static<typeof CoordinatorClaim>;

export const HelloPayloadSchema = Type.Object(
  {
    t: Type.Literal('hello'),
    from: PeerId,
    /** The peer at the other end of the link: a hello is worth nothing on any other link. */
    to: PeerId,
    info: PeerInfoSchema,
    /** Whom the sender takes for coordinator; counts only when the sender is a gateway. */
    coordinator: Type.Union([CoordinatorClaim, Type.Null()]),
  },
  strict,
);
export type HelloPayload = Static<typeof HelloPayloadSchema>;

export const UpPayloadSchema = Type.Object(
  {
    t: Type.Literal('up'),
    origin: PeerId,
    term: Seq,
    /** Rises with every up message of this origin: the coordinator takes each number once. */
    n: Seq,
    body: UpBody,
  },
  strict,
);
export type UpPayload = Static<typeof UpPayloadSchema>;

export const DownPayloadSchema = Type.Object(
  { t: Type.Literal('down'), term: Seq, to: PeerId, body: DownBody },
  strict,
);
export type DownPayload = Static<typeof DownPayloadSchema>;

export const BroadcastPayloadSchema = Type.Object(
  { t: Type.Literal('broadcast'), coordinator: PeerId, term: Seq, body: BroadcastBody },
  strict,
);
export type BroadcastPayload = Static<typeof BroadcastPayloadSchema>;

export const PlacementPayloadSchema = Type.Object(
  { t: Type.Literal('placement'), term: Seq, peer: PeerId, parent: PeerId },
  strict,
);
export type PlacementPayload = Static<typeof PlacementPayloadSchema>;

// Signed payloads are bounded by what they carry: a hello or an up message is small; a down message may carry a
// part of the replicated state.
const SignedHello = signedSchema(8 * 1024);
const SignedUp = signedSchema(8 * 1024);
const SignedDown = signedSchema(512 * 1024);
const SignedBroadcast = signedSchema(16 * 1024);
const SignedPlacement = signedSchema(1024);

const MessageSchema = Type.Union([
  /** First message on every link, both ways: who I am (signed for this link), and my credential if I have one. */
  message('hello', { signed: SignedHello, credential: Type.Union([CredentialSchema, Type.Null()]) }),
  /** To the coordinator over a direct link: place me in the tree. */
  /** `unreachable`: peers this one could not open a link to while joining, which the coordinator places it away from. */
  message('join', { orphan: Type.Boolean(), unreachable: Type.Optional(Type.Array(PeerId, { maxItems: 8 })) }),
  /** The coordinator's answer: attach to `parent` (possibly the coordinator itself). */
  message('welcome', {
    term: Seq,
    parent: PeerId,
    succession: Type.Array(PeerId, { maxItems: 8 }),
    /**
     * The coordinator's last heartbeat and current job, as it broadcast them: a re-joining relay passes both on to
     * the subtree it brings, which learns the new coordinator from the heartbeat before its job arrives.
     */
    heartbeat: Type.Union([SignedBroadcast, Type.Null()]),
    job: Type.Union([SignedBroadcast, Type.Null()]),
    blocks: Type.Array(WireBlock, { maxItems: 64 }),
    /** Signed for the parent, which takes the joiner only with it; null when the parent is the coordinator. */
    placement: Type.Union([SignedPlacement, Type.Null()]),
  }),
  /** Not the coordinator (any more, or not yet), or `full` of links: try `coordinator`. */
  message('redirect', { coordinator: Type.Union([PeerId, Type.Null()]), term: Seq, full: Type.Boolean() }),
  message('attach', { placement: SignedPlacement }),
  message('detach', {}),
  message('up', { signed: SignedUp }),
  message('down', { route: Type.Array(PeerId, { maxItems: 32 }), signed: SignedDown }),
  message('broadcast', { signed: SignedBroadcast }),
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

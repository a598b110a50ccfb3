// GET /api/stats and GET /api/stats/members: the one statement of their shape. The signaling server answers with
// these schemas (Fastify serializes by them, dropping fields they do not name), the web page checks what it reads
// against them, and every other reader takes their types. Here rather than in the server because the page (which
// must not bundle Fastify) and the server both depend on core.
import Type, { type Static } from 'typebox';
import { ENGINES, LinkPathsSchema } from './cluster/wire.js';

/** Members /api/stats lists unless the server is told otherwise: a classroom's worth, under 40 KB with the longest ids and names. */
export const DEFAULT_MEMBER_LIMIT = 100;
/** The largest page of /api/stats/members (under 200 KB), which operators and tools read, not every tab. */
export const MAX_PAGE_LIMIT = 500;
/** Blocks /api/stats lists, newest first; the gateway keeps this many. */
export const MAX_BLOCKS = 16;

const Count = Type.Integer({ minimum: 0 });
/** A bigint of the core, as a decimal string: real figures exceed 2^53. */
const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });
const PeerIdText = Type.String({ minLength: 1 });

const StatsViewSchema = Type.Union([Type.Literal('coordinator'), Type.Literal('member'), Type.Literal('signaling')]);
/**
 * Whose figures these are. coordinator: the embedded gateway coordinates, and knows every member. member: another
 * peer coordinates; the totals are its last heartbeat's, and `members` is empty. signaling: no gateway reports; only
 * `peers` (the default room's) is known.
 */
export type StatsView = Static<typeof StatsViewSchema>;

export const ClusterJobSchema = Type.Object({
  /** Where the job came from: `demo`, `daemon` or `stratum`. */
  source: Type.String(),
  height: Count,
  /** Block difficulty, at least 1. */
  difficulty: Type.String({ pattern: '^[1-9][0-9]*$' }),
});
export type ClusterJob = Static<typeof ClusterJobSchema>;

/** The gateway's own daemon or pool: what it answers, and what it made of the cluster's candidates. */
export const ClusterSourceSchema = Type.Object({
  kind: Type.Union([Type.Literal('daemon'), Type.Literal('stratum')]),
  /** Without credentials; with several pool URLs, the one in use. */
  url: Type.String(),
  /** Whether the source answers now (the daemon's last call succeeded, or the pool connection is logged in). */
  connected: Type.Boolean(),
  /** Candidates the source accepted and refused: blocks for a daemon, shares for a pool. */
  accepted: Count,
  rejected: Count,
  /** The last problem, as a sentence for the operator; null since the last success. */
  lastError: Type.Union([Type.String(), Type.Null()]),
});
export type ClusterSource = Static<typeof ClusterSourceSchema>;

/** One peer as the coordinator sees it: the classroom's graph and leaderboard. */
export const ClusterMemberSchema = Type.Object({
  id: PeerIdText,
  name: Type.String(),
  /** A gateway holds the cluster's credential and may coordinate; everyone else is a worker. */
  role: Type.Union([Type.Literal('gateway'), Type.Literal('worker')]),
  engine: Type.Enum(ENGINES),
  /** An xmrig rig's software, as its login named it. */
  agent: Type.Optional(Type.String()),
  mode: Type.Union([Type.Literal('light'), Type.Literal('full')]),
  /** Its own measure, in hashes per second (0 until it has one). */
  hashrate: Type.Number({ minimum: 0 }),
  sharesAccepted: Count,
  /** The difficulty of its accepted shares, summed: the hashes it is credited with. */
  creditedWork: Decimal,
  /** Its parent in the tree; null for the coordinator. */
  parent: Type.Union([PeerIdText, Type.Null()]),
  /** 0 for the standby that takes over first; null for peers that are not standbys. */
  standbyRank: Type.Union([Count, Type.Null()]),
});
export type ClusterMember = Static<typeof ClusterMemberSchema>;

export const ClusterBlockSchema = Type.Object({
  height: Count,
  /** The block id, hex. */
  id: Type.String({ pattern: '^[0-9a-f]+$' }),
  finderId: Type.String(),
  finderName: Type.String(),
  /** The block's own timestamp (whole seconds, as its blob records it), in milliseconds. */
  foundAt: Type.Number({ minimum: 0 }),
});
export type ClusterBlock = Static<typeof ClusterBlockSchema>;

/** The cluster's totals and job, common to what the gateway hands the server and what the server answers. */
const clusterFigures = {
  view: StatsViewSchema,
  /** Peers in the cluster. */
  peers: Count,
  /** The cluster's hashrate in hashes per second. */
  hashrate: Type.Number({ minimum: 0 }),
  sharesAccepted: Count,
  sharesRejected: Count,
  blocksFound: Count,
  /** The job being mined, or null before the first one. */
  job: Type.Union([ClusterJobSchema, Type.Null()]),
  /** The coordinator's id, or null when none is known. */
  coordinator: Type.Union([PeerIdText, Type.Null()]),
  /** The links the members opened, by path (direct, through STUN, relayed by TURN) and failed; null unless known. */
  links: Type.Union([LinkPathsSchema, Type.Null()]),
};
/** The embedded gateway's daemon or pool; null with the demo chain or without a gateway. */
const SourceOrNone = Type.Union([ClusterSourceSchema, Type.Null()]);

const ServerSignalingSchema = Type.Object({
  /** WebSockets open on this server. */
  sockets: Count,
  /** Peers registered on this server. */
  peers: Count,
  /** Signaling servers of the cluster heard from, this one included. */
  servers: Count,
});

/** The cluster's figures as the embedded gateway hands them to the server, every member it knows included. */
const ClusterStatsSchema = Type.Object({
  ...clusterFigures,
  members: Type.Array(ClusterMemberSchema),
  /** Recent blocks, newest first. */
  blocks: Type.Array(ClusterBlockSchema),
  source: SourceOrNone,
});
export type ClusterStats = Static<typeof ClusterStatsSchema>;

/**
 * GET /api/stats: the figures with a bounded list of members, so that the answer every tab polls stays small
 * however many peers join. `members` holds the first `memberLimit` of them in member order (the coordinator, then
 * standbys by rank, then the most credited work, ties by id); at most MAX_BLOCKS blocks. The serializer writes the
 * fields in this order and does not enforce the bounds: the server cuts the lists itself.
 */
export function clusterStatsAnswerSchema(memberLimit: number) {
  return Type.Object({
    ...clusterFigures,
    /** The server that answers: what its own signaling holds, where several servers share one cluster. */
    signaling: ServerSignalingSchema,
    /** Every member the coordinator knows, listed or not; 0 unless `view` is coordinator. */
    memberCount: Count,
    members: Type.Array(ClusterMemberSchema, { maxItems: memberLimit }),
    blocks: Type.Array(ClusterBlockSchema, { maxItems: MAX_BLOCKS }),
    source: SourceOrNone,
  });
}
export const ClusterStatsAnswerSchema = clusterStatsAnswerSchema(DEFAULT_MEMBER_LIMIT);
export type ClusterStatsAnswer = Static<typeof ClusterStatsAnswerSchema>;

/** GET /api/stats/members?offset=&limit=: the members in member order from `offset`, at most MAX_PAGE_LIMIT of them. */
export const ClusterMembersPageSchema = Type.Object({
  memberCount: Count,
  offset: Count,
  members: Type.Array(ClusterMemberSchema, { maxItems: MAX_PAGE_LIMIT }),
});
export type ClusterMembersPage = Static<typeof ClusterMembersPageSchema>;

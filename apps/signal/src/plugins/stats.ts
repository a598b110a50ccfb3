// GET /api/stats, the contract the web page, the classroom view and operators read, and GET /api/stats/members,
// every member page by page. The embedded gateway provides the figures (every member's when it coordinates); until
// one does, signaling answers with what it knows: the peers in the default room. Every tab polls /api/stats each
// second, so its size is bounded whatever the number of members: it lists the first `memberLimit` of them.
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { Gauge } from 'prom-client';
import Type, { type Static } from 'typebox';
import {
  type ClusterMember,
  type ClusterMembersPage,
  type ClusterStats,
  type ClusterStatsAnswer,
  DEFAULT_ROOM,
} from '../client.js';
import { METRIC_PREFIX } from './metrics.js';

/** Members /api/stats lists unless told otherwise: a classroom's worth, under 40 KB with the longest ids and names. */
export const DEFAULT_MEMBER_LIMIT = 100;
/** The largest page of /api/stats/members (under 200 KB), which operators and tools read, not every tab. */
export const MAX_PAGE_LIMIT = 500;
/** Blocks /api/stats lists, newest first; the gateway keeps this many. */
export const MAX_BLOCKS = 16;

export interface StatsOptions {
  /** The gateway's figures; undefined while it has none (it is still joining), and signaling answers. */
  clusterStats?: (() => ClusterStats | undefined) | undefined;
  /** How many members /api/stats lists at most (default DEFAULT_MEMBER_LIMIT); the others are counted. */
  memberLimit?: number | undefined;
}

const Count = Type.Integer({ minimum: 0 });
const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });

const ClusterMemberSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('gateway'), Type.Literal('worker')]),
  engine: Type.Union([Type.Literal('wasm'), Type.Literal('native')]),
  mode: Type.Union([Type.Literal('light'), Type.Literal('full')]),
  hashrate: Type.Number({ minimum: 0 }),
  sharesAccepted: Count,
  creditedWork: Decimal,
  parent: Type.Union([Type.String(), Type.Null()]),
  standbyRank: Type.Union([Count, Type.Null()]),
});

const ClusterBlockSchema = Type.Object({
  height: Count,
  id: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  finderId: Type.String(),
  finderName: Type.String(),
  foundAt: Type.Number({ minimum: 0 }),
});

const ClusterSourceSchema = Type.Object({
  kind: Type.Union([Type.Literal('daemon'), Type.Literal('stratum')]),
  url: Type.String(),
  connected: Type.Boolean(),
  accepted: Count,
  rejected: Count,
  lastError: Type.Union([Type.String(), Type.Null()]),
});

function clusterStatsSchema(memberLimit: number) {
  return Type.Object({
    view: Type.Union([Type.Literal('coordinator'), Type.Literal('member'), Type.Literal('signaling')]),
    peers: Count,
    hashrate: Type.Number({ minimum: 0 }),
    sharesAccepted: Count,
    sharesRejected: Count,
    blocksFound: Count,
    job: Type.Union([
      Type.Object({
        source: Type.String(),
        height: Count,
        difficulty: Type.String({ pattern: '^[1-9][0-9]*$' }),
      }),
      Type.Null(),
    ]),
    coordinator: Type.Union([Type.String(), Type.Null()]),
    memberCount: Count,
    members: Type.Array(ClusterMemberSchema, { maxItems: memberLimit }),
    blocks: Type.Array(ClusterBlockSchema, { maxItems: MAX_BLOCKS }),
    source: Type.Union([ClusterSourceSchema, Type.Null()]),
  });
}

const MembersPageSchema = Type.Object({
  memberCount: Count,
  offset: Count,
  members: Type.Array(ClusterMemberSchema, { maxItems: MAX_PAGE_LIMIT }),
});

const MembersQuerySchema = Type.Object({
  offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: MAX_PAGE_LIMIT }),
});

const PAGE_RULE = `offset is a whole number from 0, and limit a whole number from 1 to ${MAX_PAGE_LIMIT}`;

function pageQueryError(errors: FastifySchemaValidationError[]): Error {
  const name = errors[0]?.instancePath.replace(/^\//, '');
  return new Error(`The query ${name ? `parameter ${name} ` : ''}is not valid: ${PAGE_RULE}.`);
}

/**
 * The order both routes list members in, so the first ones are those a page shows: the coordinator, then the
 * standbys by rank (who takes over next), then the most credited work, ties by id so the order holds still.
 */
function orderMembers(members: readonly ClusterMember[], coordinator: string | null): ClusterMember[] {
  const keyed = members.map((member) => ({
    member,
    rank: member.id === coordinator ? -1 : (member.standbyRank ?? Number.POSITIVE_INFINITY),
    // Parsed once per member rather than at each comparison: the sort runs on every request.
    work: BigInt(member.creditedWork),
  }));
  keyed.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
    if (a.work !== b.work) return a.work > b.work ? -1 : 1;
    return a.member.id < b.member.id ? -1 : a.member.id > b.member.id ? 1 : 0;
  });
  return keyed.map(({ member }) => member);
}

export default async function stats(app: FastifyInstance, options: StatsOptions): Promise<void> {
  const memberLimit = options.memberLimit ?? DEFAULT_MEMBER_LIMIT;
  if (!Number.isInteger(memberLimit) || memberLimit < 1) {
    throw new Error(`The stats member limit must be a whole number from 1, not ${memberLimit}.`);
  }
  const signalingOnly = (): ClusterStats => ({
    view: 'signaling',
    peers: app.signaling.roomPeerCount(DEFAULT_ROOM),
    hashrate: 0,
    sharesAccepted: 0,
    sharesRejected: 0,
    blocksFound: 0,
    job: null,
    coordinator: null,
    members: [],
    blocks: [],
    source: null,
  });
  const read = (): ClusterStats => options.clusterStats?.() ?? signalingOnly();
  // The same figures for Prometheus, read when it scrapes.
  const figures: [string, string, (stats: ClusterStats) => number][] = [
    ['cluster_peers', 'Peers in the cluster.', (stats) => stats.peers],
    ['cluster_hashrate', "The cluster's hashrate, in hashes per second.", (stats) => stats.hashrate],
    ['cluster_shares_accepted', 'Shares the coordinator accepted.', (stats) => stats.sharesAccepted],
    ['cluster_shares_rejected', 'Shares the coordinator rejected.', (stats) => stats.sharesRejected],
    ['cluster_blocks_found', 'Blocks the cluster found.', (stats) => stats.blocksFound],
    ['cluster_job_height', 'Height of the job being mined (0 before the first).', (stats) => stats.job?.height ?? 0],
    [
      'source_connected',
      "1 while the gateway's daemon or pool answers, else 0.",
      (stats) => Number(stats.source?.connected ?? 0),
    ],
    [
      'source_accepted',
      'Candidates the daemon (blocks) or pool (shares) accepted.',
      (stats) => stats.source?.accepted ?? 0,
    ],
    ['source_rejected', 'Candidates the daemon or pool refused.', (stats) => stats.source?.rejected ?? 0],
  ];
  for (const [name, help, pick] of figures) {
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [app.metrics],
      collect() {
        this.set(pick(read()));
      },
    });
  }
  app.get(
    '/api/stats',
    { schema: { response: { 200: clusterStatsSchema(memberLimit) } } },
    async (_request, reply): Promise<ClusterStatsAnswer> => {
      reply.header('Cache-Control', 'no-store');
      const stats = read();
      return {
        ...stats,
        memberCount: stats.members.length,
        members: orderMembers(stats.members, stats.coordinator).slice(0, memberLimit),
        blocks: stats.blocks.slice(0, MAX_BLOCKS),
      };
    },
  );
  app.get<{ Querystring: Static<typeof MembersQuerySchema> }>(
    '/api/stats/members',
    {
      schema: { querystring: MembersQuerySchema, response: { 200: MembersPageSchema } },
      schemaErrorFormatter: pageQueryError,
    },
    async (request, reply): Promise<ClusterMembersPage> => {
      reply.header('Cache-Control', 'no-store');
      const { offset, limit } = request.query;
      const { members, coordinator } = read();
      return {
        memberCount: members.length,
        offset,
        members: orderMembers(members, coordinator).slice(offset, offset + limit),
      };
    },
  );
}

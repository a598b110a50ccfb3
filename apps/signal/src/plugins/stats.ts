// GET /api/stats, which the web page, the classroom view and operators read, and GET /api/stats/members, every
// member page by page, both answered in core's stats contract. The embedded gateway provides the figures (every
// member's when it coordinates); until one does, signaling answers with what it knows: the peers in the default
// room. Every tab polls /api/stats each second, so its size is bounded whatever the number of members: it lists the
// first `memberLimit` of them.
import {
  type ClusterMember,
  type ClusterMembersPage,
  ClusterMembersPageSchema,
  type ClusterStats,
  type ClusterStatsAnswer,
  clusterStatsAnswerSchema,
  DEFAULT_MEMBER_LIMIT,
  MAX_BLOCKS,
  MAX_PAGE_LIMIT,
} from '@rxmesh/core';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { Gauge } from 'prom-client';
import Type, { type Static } from 'typebox';
import { DEFAULT_ROOM } from '../client.js';
import { METRIC_PREFIX } from './metrics.js';

// The bounds are the contract's; exported here too for the server's tests and tools.
export { DEFAULT_MEMBER_LIMIT, MAX_BLOCKS, MAX_PAGE_LIMIT };

export interface StatsOptions {
  /** The gateway's figures; undefined while it has none (it is still joining), and signaling answers. */
  clusterStats?: (() => ClusterStats | undefined) | undefined;
  /** How many members /api/stats lists at most (default DEFAULT_MEMBER_LIMIT); the others are counted. */
  memberLimit?: number | undefined;
}

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
    links: null,
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
    { schema: { response: { 200: clusterStatsAnswerSchema(memberLimit) } } },
    async (_request, reply): Promise<ClusterStatsAnswer> => {
      reply.header('Cache-Control', 'no-store');
      const stats = read();
      return {
        ...stats,
        signaling: {
          sockets: app.websocketServer.clients.size,
          peers: app.signaling.peerCount,
          servers: 1 + app.signaling.remoteServers,
        },
        memberCount: stats.members.length,
        members: orderMembers(stats.members, stats.coordinator).slice(0, memberLimit),
        blocks: stats.blocks.slice(0, MAX_BLOCKS),
      };
    },
  );
  app.get<{ Querystring: Static<typeof MembersQuerySchema> }>(
    '/api/stats/members',
    {
      schema: { querystring: MembersQuerySchema, response: { 200: ClusterMembersPageSchema } },
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

// GET /api/stats, which the web page, the classroom view and operators read, and GET /api/stats/members, every
// member page by page, both answered in core's stats contract. The embedded gateway provides the figures (every
// member's when it coordinates); until one does, signaling answers with what it knows: the peers in the default
// room. Every tab polls /api/stats each second, so its size is bounded whatever the number of members: it lists the
// first `memberLimit` of them.
import {
  type ClusterMember,
  type ClusterMembersPage,
  ClusterMembersPageSchema,
  type ClusterSource,
  type ClusterStats,
  type ClusterStatsAnswer,
  clusterStatsAnswerSchema,
  DEFAULT_MEMBER_LIMIT,
  MAX_BLOCKS,
  MAX_PAGE_LIMIT,
} from '@rxmesh/core';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import Type, { type Static } from 'typebox';
import { hasBearerToken } from '../bearer-token.js';
import { DEFAULT_ROOM } from '../client.js';
import { countersReadAtScrape, METRIC_PREFIX } from './metrics.js';

// The bounds are the contract's; exported here too for the server's tests and tools.
export { DEFAULT_MEMBER_LIMIT, MAX_BLOCKS, MAX_PAGE_LIMIT };

export interface StatsOptions {
  /** The gateway's figures; undefined while it has none (it is still joining), and signaling answers. */
  clusterStats?: (() => ClusterStats | undefined) | undefined;
  /** How many members /api/stats lists at most (default DEFAULT_MEMBER_LIMIT); the others are counted. */
  memberLimit?: number | undefined;
  /**
   * The operator's token: with it, the source's URL and last error (which may name the pool or node) are answered
   * only to `Authorization: Bearer <token>`; everyone else sees the kind of source and its figures.
   */
  sourceToken?: string | undefined;
  /** The room whose peers signaling counts while no gateway reports (default DEFAULT_ROOM). */
  room?: string | undefined;
}

/** A source as the public sees it when the operator keeps its address private. */
function withoutAddress(source: ClusterSource): ClusterSource {
  const scheme = source.url.split('://')[0] ?? source.kind;
  return {
    ...source,
    url: `${scheme}://(private)`,
    lastError: source.lastError === null ? null : "The source reported a problem; the operator's log says what.",
  };
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
    peers: app.signaling.roomPeerCount(options.room ?? DEFAULT_ROOM),
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
  registerClusterMetrics(app.metrics, read);
  app.get(
    '/api/stats',
    { schema: { response: { 200: clusterStatsAnswerSchema(memberLimit) } } },
    async (request, reply): Promise<ClusterStatsAnswer> => {
      reply.header('Cache-Control', 'no-store');
      const stats = read();
      const { sourceToken } = options;
      const hidden =
        stats.source !== null &&
        sourceToken !== undefined &&
        !hasBearerToken(request.headers.authorization, sourceToken);
      return {
        ...stats,
        source: hidden && stats.source !== null ? withoutAddress(stats.source) : stats.source,
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

/** The same figures for Prometheus, read when it scrapes: gauges for what is now, counters for running totals. */
function registerClusterMetrics(registry: Registry, read: () => ClusterStats): void {
  const gauges: [string, string, (stats: ClusterStats) => number][] = [
    ['cluster_peers', 'Peers in the cluster.', (stats) => stats.peers],
    ['cluster_hashes_per_second', "The cluster's hashrate.", (stats) => stats.hashrate],
    ['cluster_job_height', 'Height of the job being mined (0 before the first).', (stats) => stats.job?.height ?? 0],
    [
      'source_connected',
      "1 while the gateway's daemon or pool answers, else 0.",
      (stats) => Number(stats.source?.connected ?? 0),
    ],
  ];
  for (const [name, help, pick] of gauges) {
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(pick(read()));
      },
    });
  }
  new Gauge({
    name: `${METRIC_PREFIX}cluster_members`,
    help: 'Members of the cluster by engine (wasm, native, xmrig) and mode (light: items computed; full: read).',
    labelNames: ['engine', 'mode'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, { engine: string; mode: string; count: number }>();
      for (const { engine, mode } of read().members) {
        const entry = counts.get(`${engine} ${mode}`) ?? { engine, mode, count: 0 };
        entry.count++;
        counts.set(`${engine} ${mode}`, entry);
      }
      for (const { engine, mode, count } of counts.values()) this.set({ engine, mode }, count);
    },
  });
  const results = ['accepted', 'rejected'] as const;
  countersReadAtScrape(registry, {
    name: 'cluster_shares_total',
    help: 'Shares the coordinator verified, by result.',
    label: 'result',
    always: results,
    read: () => {
      const stats = read();
      return { accepted: stats.sharesAccepted, rejected: stats.sharesRejected };
    },
  });
  countersReadAtScrape(registry, {
    name: 'source_candidates_total',
    help: 'Candidates sent to the daemon (blocks) or pool (shares), by its answer.',
    label: 'result',
    always: results,
    read: () => {
      const source = read().source;
      return { accepted: source?.accepted ?? 0, rejected: source?.rejected ?? 0 };
    },
  });
  new Counter({
    name: `${METRIC_PREFIX}cluster_blocks_found_total`,
    help: 'Blocks the cluster found.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read().blocksFound);
    },
  });
}

// GET /api/stats, the contract the web page, the classroom view and operators read. The embedded gateway
// provides the figures (every member's when it coordinates); until one does, signaling answers with what it knows:
// the peers in the default room.
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import Type from 'typebox';
import { type ClusterStats, DEFAULT_ROOM } from '../client.js';
import { METRIC_PREFIX } from './metrics.js';

export interface StatsOptions {
  /** The gateway's figures; undefined while it has none (it is still joining), and signaling answers. */
  clusterStats?: (() => ClusterStats | undefined) | undefined;
}

const Count = Type.Integer({ minimum: 0 });
const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });

const ClusterMemberSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('gateway'), Type.Literal('worker'), Type.Literal('auto')]),
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

const ClusterStatsSchema = Type.Object({
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
  members: Type.Array(ClusterMemberSchema),
  blocks: Type.Array(ClusterBlockSchema),
  source: Type.Union([ClusterSourceSchema, Type.Null()]),
});

export default async function stats(app: FastifyInstance, options: StatsOptions): Promise<void> {
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
    { schema: { response: { 200: ClusterStatsSchema } } },
    async (_request, reply): Promise<ClusterStats> => {
      reply.header('Cache-Control', 'no-store');
      return read();
    },
  );
}

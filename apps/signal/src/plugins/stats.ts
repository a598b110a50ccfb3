// GET /api/stats, the contract the web page, the classroom view and operators read. The embedded gateway
// provides the figures; until one does, signaling answers with what it knows: the peers in the default room.
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import Type from 'typebox';
import { DEFAULT_ROOM } from '../signaling/protocol.js';
import { METRIC_PREFIX } from './metrics.js';

export interface ClusterJob {
  /** Where the job came from: `demo`, `daemon` or `stratum`. */
  source: string;
  height: number;
  /** Block difficulty as a decimal string: a bigint in the core, and above 2^53 on real chains. */
  difficulty: string;
}

export interface ClusterStats {
  /** Peers in the cluster. */
  peers: number;
  /** The cluster's hashrate in hashes per second. */
  hashrate: number;
  sharesAccepted: number;
  sharesRejected: number;
  blocksFound: number;
  /** The job being mined, or null before the first one. */
  job: ClusterJob | null;
}

export interface StatsOptions {
  clusterStats?: (() => ClusterStats) | undefined;
}

const Count = Type.Integer({ minimum: 0 });

const ClusterStatsSchema = Type.Object({
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
});

export default async function stats(app: FastifyInstance, options: StatsOptions): Promise<void> {
  const signalingOnly = (): ClusterStats => ({
    peers: app.signaling.roomPeerCount(DEFAULT_ROOM),
    hashrate: 0,
    sharesAccepted: 0,
    sharesRejected: 0,
    blocksFound: 0,
    job: null,
  });
  const read = options.clusterStats ?? signalingOnly;
  // The same figures for Prometheus, read when it scrapes.
  const figures: [string, string, (stats: ClusterStats) => number][] = [
    ['cluster_peers', 'Peers in the cluster.', (stats) => stats.peers],
    ['cluster_hashrate', "The cluster's hashrate, in hashes per second.", (stats) => stats.hashrate],
    ['cluster_shares_accepted', 'Shares the coordinator accepted.', (stats) => stats.sharesAccepted],
    ['cluster_shares_rejected', 'Shares the coordinator rejected.', (stats) => stats.sharesRejected],
    ['cluster_blocks_found', 'Blocks the cluster found.', (stats) => stats.blocksFound],
    ['cluster_job_height', 'Height of the job being mined (0 before the first).', (stats) => stats.job?.height ?? 0],
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

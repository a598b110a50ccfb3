// A host's figures in the shape of xmrig's GET /2/summary, so that the tools that watch xmrig rigs watch rxmesh
// hosts too. The cluster stands where xmrig's pool does. Fields rxmesh has no figure for are left out rather than
// made up: results.best (the best share difficulties), connection.ping and connection.failures, cpu.proc_info.
import { createHash } from 'node:crypto';
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { CpuFacts } from './cpu-facts.js';

/** Seconds and milliseconds of an average time between shares, 0 before the first share. */
function averageTime(uptimeMs: number, shares: number): { avg_time: number; avg_time_ms: number } {
  if (shares === 0) return { avg_time: 0, avg_time_ms: 0 };
  const ms = Math.round(uptimeMs / shares);
  return { avg_time: Math.round(ms / 1000), avg_time_ms: ms };
}

export interface MinerFigures {
  /** Stable across restarts: made from the contributor id the host's work is credited to. */
  contributorId: string;
  workerId: string;
  version: string;
  algo: string;
  paused: boolean;
  uptimeMs: number;
  /** Hashes per second over 10 s, 60 s and 15 min, null until measured that long. */
  hashrates: [number | null, number | null, number | null];
  highest: number;
  sharesGood: number;
  sharesTotal: number;
  hashesTotal: number;
  /** The share difficulty mined for now, 0 without a lease. */
  difficulty: number;
  /** The signaling server this host joined the cluster through. */
  cluster: { url: URL; connectedMs: number };
  /** Memory pages of 2 MiB: how many the engine got, of how many it would use. */
  hugepages: [number, number];
  cpu: CpuFacts;
}

const rounded = (rate: number | null) => (rate === null ? null : Math.round(rate * 100) / 100);

export function minerSummary(figures: MinerFigures): Record<string, unknown> {
  const { cluster, uptimeMs, sharesGood, sharesTotal, hashesTotal, difficulty, algo } = figures;
  const uptime = Math.floor(uptimeMs / 1000);
  const connectedMs = Math.max(0, cluster.connectedMs);
  return {
    id: createHash('sha256').update(figures.contributorId).digest('hex').slice(0, 16),
    worker_id: figures.workerId,
    uptime,
    restricted: true,
    resources: {
      memory: { free: freemem(), total: totalmem(), resident_set_memory: process.memoryUsage().rss },
      load_average: loadavg().map((load) => Math.round(load * 100) / 100),
      hardware_concurrency: availableParallelism(),
    },
    features: ['api', 'http'],
    results: {
      diff_current: difficulty,
      shares_good: sharesGood,
      shares_total: sharesTotal,
      ...averageTime(uptimeMs, sharesGood),
      hashes_total: hashesTotal,
    },
    algo,
    connection: {
      pool: cluster.url.host,
      ip: cluster.url.hostname.replace(/^\[(.*)\]$/, '$1'),
      uptime: Math.floor(connectedMs / 1000),
      uptime_ms: Math.round(connectedMs),
      tls: cluster.url.protocol === 'https:' ? 'https' : null,
      'tls-fingerprint': null,
      algo,
      diff: difficulty,
      accepted: sharesGood,
      rejected: sharesTotal - sharesGood,
      ...averageTime(connectedMs, sharesGood),
      hashes_total: hashesTotal,
    },
    version: figures.version,
    kind: 'miner',
    ua: `rxmesh/${figures.version} (${process.platform} ${figures.cpu.arch}) node/${process.versions.node}`,
    cpu: figures.cpu,
    donate_level: 0,
    paused: figures.paused,
    algorithms: [algo],
    hashrate: { total: figures.hashrates.map(rounded), highest: rounded(figures.highest) },
    hugepages: figures.hugepages,
  };
}

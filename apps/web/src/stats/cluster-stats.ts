// GET /api/stats as the page reads it (apps/signal/src/plugins/stats.ts): checked at the boundary, field by field,
// so one odd entry costs that entry and not the page.

import type {
  ClusterBlock,
  ClusterJob,
  ClusterMember,
  ClusterSource,
  ClusterStats,
  ClusterStatsAnswer,
  StatsView,
} from '@rxmesh/signal/client';

export type { ClusterBlock, ClusterJob, ClusterMember, ClusterSource, ClusterStats, ClusterStatsAnswer, StatsView };

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function decimal(value: unknown): string {
  return typeof value === 'string' && /^[0-9]+$/.test(value) ? value : '0';
}

/** `value` when it is one of `allowed`, else `fallback`. */
function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.find((option) => option === value) ?? fallback;
}

function parseView(value: unknown): StatsView {
  return oneOf(value, ['coordinator', 'member'], 'signaling');
}

function parseJob(value: unknown): ClusterJob | null {
  if (!isObject(value)) return null;
  if (typeof value.source !== 'string' || typeof value.height !== 'number') return null;
  return { source: value.source, height: count(value.height), difficulty: decimal(value.difficulty) };
}

function parseMember(value: unknown): ClusterMember | undefined {
  if (!isObject(value) || typeof value.id !== 'string' || value.id === '') return undefined;
  const rank = value.standbyRank;
  return {
    id: value.id,
    name: text(value.name, value.id.slice(0, 8)),
    // Unknown kinds read as the most common one, a browser: the page shows a peer, not its label.
    role: oneOf(value.role, ['gateway'], 'worker'),
    engine: oneOf(value.engine, ['native'], 'wasm'),
    mode: oneOf(value.mode, ['full'], 'light'),
    hashrate: count(value.hashrate),
    sharesAccepted: count(value.sharesAccepted),
    creditedWork: decimal(value.creditedWork),
    parent: typeof value.parent === 'string' && value.parent !== '' ? value.parent : null,
    standbyRank: typeof rank === 'number' && Number.isInteger(rank) && rank >= 0 ? rank : null,
  };
}

function parseBlock(value: unknown): ClusterBlock | undefined {
  if (!isObject(value) || typeof value.height !== 'number' || typeof value.id !== 'string') return undefined;
  return {
    height: count(value.height),
    id: value.id,
    finderId: text(value.finderId),
    finderName: text(value.finderName, 'unknown'),
    foundAt: count(value.foundAt),
  };
}

function parseSource(value: unknown): ClusterSource | null {
  if (!isObject(value) || (value.kind !== 'daemon' && value.kind !== 'stratum')) return null;
  return {
    kind: value.kind,
    url: text(value.url),
    connected: value.connected === true,
    accepted: count(value.accepted),
    rejected: count(value.rejected),
    lastError: typeof value.lastError === 'string' ? value.lastError : null,
  };
}

function parseList<T>(value: unknown, parse: (item: unknown) => T | undefined): T[] {
  if (!Array.isArray(value)) return [];
  return value.map(parse).filter((item): item is T => item !== undefined);
}

/** Reads an answer of /api/stats; throws a sentence when it is not one. */
export function parseClusterStats(value: unknown): ClusterStatsAnswer {
  if (!isObject(value) || typeof value.peers !== 'number') {
    throw new Error('The server answered /api/stats with something that is not cluster statistics.');
  }
  const members = parseList(value.members, parseMember);
  return {
    view: parseView(value.view),
    peers: count(value.peers),
    hashrate: count(value.hashrate),
    sharesAccepted: count(value.sharesAccepted),
    sharesRejected: count(value.sharesRejected),
    blocksFound: count(value.blocksFound),
    job: parseJob(value.job),
    coordinator: typeof value.coordinator === 'string' && value.coordinator !== '' ? value.coordinator : null,
    // Never fewer than listed: a server without the count listed every member.
    memberCount: Math.max(members.length, count(value.memberCount)),
    members,
    blocks: parseList(value.blocks, parseBlock),
    source: parseSource(value.source),
  };
}

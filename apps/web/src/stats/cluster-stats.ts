// GET /api/stats as the page reads it (apps/signal/src/plugins/stats.ts): checked at the boundary, field by field,
// so one odd entry costs that entry and not the page.

export interface ClusterJob {
  /** `demo`, `daemon` or `stratum`. */
  source: string;
  height: number;
  /** A decimal string: real chains pass 2^53. */
  difficulty: string;
}

export interface ClusterMember {
  id: string;
  name: string;
  role: string;
  engine: string;
  mode: string;
  hashrate: number;
  sharesAccepted: number;
  /** The difficulty of this peer's accepted shares, summed: the hashes it is credited with. A decimal string. */
  creditedWork: string;
  /** The peer it hangs under in the tree; null for the coordinator and for peers still joining. */
  parent: string | null;
  /** 0 for the standby that takes over first if the coordinator goes; null for peers that are not standbys. */
  standbyRank: number | null;
}

export interface FoundBlock {
  height: number;
  id: string;
  finderId: string;
  finderName: string;
  /** Milliseconds since the epoch. */
  foundAt: number;
}

/**
 * Whose figures these are. coordinator: the server's gateway coordinates and knows every member. member: another
 * peer coordinates, and `members` is empty. signaling: no gateway reports; only `peers` is known.
 */
export type StatsView = 'coordinator' | 'member' | 'signaling';

export interface ClusterStats {
  view: StatsView;
  peers: number;
  hashrate: number;
  sharesAccepted: number;
  sharesRejected: number;
  blocksFound: number;
  job: ClusterJob | null;
  coordinator: string | null;
  members: ClusterMember[];
  blocks: FoundBlock[];
}

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

function parseView(value: unknown): StatsView {
  return value === 'coordinator' || value === 'member' ? value : 'signaling';
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
    role: text(value.role, 'worker'),
    engine: text(value.engine),
    mode: text(value.mode),
    hashrate: count(value.hashrate),
    sharesAccepted: count(value.sharesAccepted),
    creditedWork: decimal(value.creditedWork),
    parent: typeof value.parent === 'string' && value.parent !== '' ? value.parent : null,
    standbyRank: typeof rank === 'number' && Number.isInteger(rank) && rank >= 0 ? rank : null,
  };
}

function parseBlock(value: unknown): FoundBlock | undefined {
  if (!isObject(value) || typeof value.height !== 'number' || typeof value.id !== 'string') return undefined;
  return {
    height: count(value.height),
    id: value.id,
    finderId: text(value.finderId),
    finderName: text(value.finderName, 'unknown'),
    foundAt: count(value.foundAt),
  };
}

function parseList<T>(value: unknown, parse: (item: unknown) => T | undefined): T[] {
  if (!Array.isArray(value)) return [];
  return value.map(parse).filter((item): item is T => item !== undefined);
}

/** Reads an answer of /api/stats; throws a sentence when it is not one. */
export function parseClusterStats(value: unknown): ClusterStats {
  if (!isObject(value) || typeof value.peers !== 'number') {
    throw new Error('The server answered /api/stats with something that is not cluster statistics.');
  }
  return {
    view: parseView(value.view),
    peers: count(value.peers),
    hashrate: count(value.hashrate),
    sharesAccepted: count(value.sharesAccepted),
    sharesRejected: count(value.sharesRejected),
    blocksFound: count(value.blocksFound),
    job: parseJob(value.job),
    coordinator: typeof value.coordinator === 'string' && value.coordinator !== '' ? value.coordinator : null,
    members: parseList(value.members, parseMember),
    blocks: parseList(value.blocks, parseBlock),
  };
}

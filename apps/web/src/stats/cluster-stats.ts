// GET /api/stats as the page reads it: checked at the boundary, with the classroom fields (members, blocks,
// coordinator) read as empty where a server does not send them.

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
  /** The difficulty of this peer's accepted shares, summed: its accepted work. */
  creditedWork: number;
  /** The peer it hangs under in the tree; null for the coordinator and for peers still joining. */
  parent: string | null;
  /** 1 for the first standby that takes over if the coordinator goes; null for the rest. */
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

export interface ClusterStats {
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

function parseJob(value: unknown): ClusterJob | null {
  if (!isObject(value)) return null;
  if (typeof value.source !== 'string' || typeof value.height !== 'number') return null;
  const difficulty = typeof value.difficulty === 'string' && /^[0-9]+$/.test(value.difficulty) ? value.difficulty : '0';
  return { source: value.source, height: count(value.height), difficulty };
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
    creditedWork: count(value.creditedWork),
    parent: typeof value.parent === 'string' && value.parent !== '' ? value.parent : null,
    standbyRank: typeof rank === 'number' && Number.isInteger(rank) && rank > 0 ? rank : null,
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

// What a client needs from this server: how a peerjs client reaches it, and the shape of GET /api/stats. A module
// with no server code in it, so that the web page can import it (`@rxmesh/signal/client`) without pulling Fastify
// into the browser.

/** The `path` option to give the peerjs client. */
export const PEERJS_PATH = '/peerjs';

/** The room `rxmesh serve` runs its cluster in; /api/stats counts its peers when no gateway reports. */
export const DEFAULT_ROOM = 'rxmesh';

// ---- GET /api/stats and /api/stats/members (plugins/stats.ts answers them, typed at the edge by its schemas) ----

export interface ClusterJob {
  /** Where the job came from: `demo`, `daemon` or `stratum`. */
  source: string;
  height: number;
  /** Block difficulty as a decimal string: a bigint in the core, and above 2^53 on real chains. */
  difficulty: string;
}

/** The gateway's own daemon or pool: what it answers, and what it made of the cluster's candidates. */
export interface ClusterSource {
  kind: 'daemon' | 'stratum';
  /** Without credentials; with several pool URLs, the one in use. */
  url: string;
  connected: boolean;
  /** Candidates the source accepted and refused: blocks for a daemon, shares for a pool. */
  accepted: number;
  rejected: number;
  /** The last problem, as a sentence; null since the last success. */
  lastError: string | null;
}

/** One peer as the coordinator sees it: the classroom's graph and leaderboard. */
export interface ClusterMember {
  id: string;
  name: string;
  /** A gateway holds the cluster's credential and may coordinate; everyone else is a worker. */
  role: 'gateway' | 'worker';
  engine: 'wasm' | 'native';
  mode: 'light' | 'full';
  /** Its own measure, in hashes per second (0 until it has one). */
  hashrate: number;
  sharesAccepted: number;
  /** The difficulty of its accepted shares, summed: the hashes it is credited with. A decimal string. */
  creditedWork: string;
  /** Its parent in the tree; null for the coordinator. */
  parent: string | null;
  /** 0 for the standby that takes over first; null for peers that are not standbys. */
  standbyRank: number | null;
}

export interface ClusterBlock {
  height: number;
  /** The block id, hex. */
  id: string;
  finderId: string;
  finderName: string;
  /** The block's timestamp, in milliseconds. */
  foundAt: number;
}

/**
 * Whose figures these are. coordinator: the embedded gateway coordinates, and knows every member. member: another
 * peer coordinates; the totals are its last heartbeat's, and `members` is empty. signaling: no gateway reports; only
 * `peers` (the default room's) is known.
 */
export type StatsView = 'coordinator' | 'member' | 'signaling';

/** The cluster's figures as the embedded gateway hands them to the server, every member it knows included. */
export interface ClusterStats {
  view: StatsView;
  /** Peers in the cluster. */
  peers: number;
  /** The cluster's hashrate in hashes per second. */
  hashrate: number;
  sharesAccepted: number;
  sharesRejected: number;
  blocksFound: number;
  /** The job being mined, or null before the first one. */
  job: ClusterJob | null;
  /** The coordinator's id, or null when none is known. */
  coordinator: string | null;
  members: ClusterMember[];
  /** Recent blocks, newest first. */
  blocks: ClusterBlock[];
  /** The embedded gateway's daemon or pool; null with the demo chain or without a gateway. */
  source: ClusterSource | null;
}

/**
 * GET /api/stats: the figures with a bounded list of members, so that the answer every tab polls stays small
 * however many peers join. `members` holds the first of them in member order (the coordinator, then standbys by
 * rank, then the most credited work, ties by id), 100 unless the server is told otherwise; at most 16 blocks.
 */
export interface ClusterStatsAnswer extends ClusterStats {
  /** Every member the coordinator knows, listed or not; 0 unless `view` is coordinator. */
  memberCount: number;
}

/** GET /api/stats/members?offset=&limit=: the members in member order from `offset`, at most 500 of them. */
export interface ClusterMembersPage {
  memberCount: number;
  offset: number;
  members: ClusterMember[];
}

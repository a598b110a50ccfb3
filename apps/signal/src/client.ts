// What a client needs from this server: how a peerjs client reaches it, and the types of GET /api/stats. A module
// with no server code in it, so that the web page can import it (`@rxmesh/signal/client`) without pulling Fastify
// into the browser.

/** The `path` option to give the peerjs client. */
export const PEERJS_PATH = '/peerjs';

/** The room `rxmesh serve` runs its cluster in unless --room names another; /api/cluster says which. */
export const DEFAULT_ROOM = 'rxmesh';

/** Rooms are the PeerJS `key`: short and url-safe, since the client puts it in URLs unescaped. */
export const ROOM_PATTERN = '^[A-Za-z0-9_-]{1,32}$';

// GET /api/stats and /api/stats/members answer core's stats contract (plugins/stats.ts serializes by its schemas).
// GET /api/classroom/join answers core's join contract (plugins/classroom-join.ts serializes by its schema).
export type {
  ClusterBlock,
  ClusterJob,
  ClusterMember,
  ClusterMembersPage,
  ClusterSource,
  ClusterStats,
  ClusterStatsAnswer,
  JoinInfo,
  JoinThreads,
  JoinUrl,
  ServerCertificate,
  StatsView,
} from '@rxmesh/core';

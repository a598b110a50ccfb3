// What a client needs from this server: how a peerjs client reaches it, and the types of GET /api/stats. A module
// with no server code in it, so that the web page can import it (`@rxmesh/signal/client`) without pulling Fastify
// into the browser.

/** The `path` option to give the peerjs client. */
export const PEERJS_PATH = '/peerjs';

/** The room `rxmesh serve` runs its cluster in; /api/stats counts its peers when no gateway reports. */
export const DEFAULT_ROOM = 'rxmesh';

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

export { hasBearerToken } from './bearer-token.js';
export {
  type ClusterBlock,
  type ClusterJob,
  type ClusterMember,
  type ClusterSource,
  type ClusterStats,
  DEFAULT_ROOM,
  PEERJS_PATH,
  ROOM_PATTERN,
  type StatsView,
} from './client.js';
export {
  checkIceOptions,
  DEFAULT_TURN_TTL_SECONDS,
  type IceOptions,
  iceConfigFor,
  turnCredentials,
} from './ice/turn-credentials.js';
export { nodeEd25519 } from './identity/node-ed25519.js';
export { type Interfaces, isLoopback, isWildcard, joinUrls, type Listener, urlHost } from './join-urls.js';
// Brings the plugins' FastifyInstance decorations (app.metrics, app.signaling) to whoever imports the server.
export { countersReadAtScrape, listenMetrics, METRIC_PREFIX, RXMESH_VERSION } from './plugins/metrics.js';
export { CONTENT_SECURITY_POLICY } from './plugins/security-headers.js';
export type { AttachableBus } from './plugins/signaling.js';
export type { TeacherCommandOutcome, TeacherOptions } from './plugins/teacher.js';
export { connectRedis, type RedisLog, RedisUnreachableError, redactedRedisUrl } from './redis/connect-redis.js';
export { RedisBus } from './redis/redis-bus.js';
export {
  buildServer,
  DEFAULT_WEB_ROOT,
  listeningAddresses,
  listenPlainHttp,
  type ServerOptions,
  type TlsCredentials,
} from './server.js';
export { CONNECTION_HEADROOM, DEFAULT_HTTP_LIMITS, type HttpLimits } from './signaling/http-limits.js';
export type { GatewayAnnouncement } from './signaling/hub.js';
export { DEFAULT_LIMITS, type SignalingLimits } from './signaling/limits.js';

export { CONTENT_SECURITY_POLICY } from './plugins/security-headers.js';
export { PEERJS_PATH } from './plugins/signaling.js';
export type { ClusterJob, ClusterStats } from './plugins/stats.js';
export { buildServer, DEFAULT_WEB_ROOT, type ServerOptions } from './server.js';
export { DEFAULT_LIMITS, type SignalingLimits } from './signaling/limits.js';
export { DEFAULT_ROOM } from './signaling/protocol.js';

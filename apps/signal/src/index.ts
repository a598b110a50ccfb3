export { CONTENT_SECURITY_POLICY } from './plugins/security-headers.js';
export { buildServer, DEFAULT_WEB_ROOT, type ServerOptions } from './server.js';

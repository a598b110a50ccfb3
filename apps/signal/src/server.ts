// Assembles the rxmesh HTTP server from its plugins.
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import health from './plugins/health.js';
import securityHeaders from './plugins/security-headers.js';
import webApp from './plugins/web-app.js';

export interface ServerOptions {
  /** The built web app; defaults to apps/web/dist in this repository. */
  webRoot?: string;
  logger?: FastifyServerOptions['logger'];
}

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });
  await app.register(securityHeaders);
  await app.register(health);
  await app.register(webApp, { root: options.webRoot ?? DEFAULT_WEB_ROOT });
  return app;
}

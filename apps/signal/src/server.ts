// Assembles the rxmesh HTTP server from its plugins, with the HTTP limits of signaling/http-limits.ts.

import { fileURLToPath } from 'node:url';
import { publicKeyOfId } from '@rxmesh/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ClusterStats } from './client.js';
import cluster from './plugins/cluster.js';
import health from './plugins/health.js';
import metrics from './plugins/metrics.js';
import securityHeaders from './plugins/security-headers.js';
import signaling from './plugins/signaling.js';
import stats from './plugins/stats.js';
import teacher, { type TeacherOptions } from './plugins/teacher.js';
import webApp from './plugins/web-app.js';
import { type HttpLimits, resolveHttpLimits, timeoutCheckIntervalMs } from './signaling/http-limits.js';
import { resolveLimits, type SignalingLimits } from './signaling/limits.js';
import { HttpMetrics } from './signaling/signaling-metrics.js';

export interface ServerOptions {
  /** The built web app; defaults to apps/web/dist in this repository. */
  webRoot?: string;
  logger?: FastifyServerOptions['logger'];
  /** Overrides of the signaling limits; see DEFAULT_LIMITS. */
  limits?: Partial<SignalingLimits>;
  /** Overrides of the HTTP limits; see DEFAULT_HTTP_LIMITS. */
  http?: Partial<HttpLimits>;
  /**
   * Behind a reverse proxy: which proxies' X-Forwarded-For to believe (Fastify's `trustProxy`), so that
   * maxSocketsPerAddress counts clients, not the proxy. Off by default: a client could name any address.
   */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /**
   * The cluster this server runs: its public key (a key id). /api/cluster serves it, and gateway announcements are
   * checked against it; without it, no gateway is listed.
   */
  cluster?: { key: string };
  /**
   * The cluster's figures for /api/stats, from the embedded gateway; without it, or while it answers undefined,
   * only signaling's peer count.
   */
  clusterStats?: () => ClusterStats | undefined;
  /** The teacher's token and the gateway that carries out the teacher's commands; without them, none are taken. */
  teacher?: TeacherOptions;
}

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits);
  const http = resolveHttpLimits(options.http ?? {}, limits);
  const clusterKey = options.cluster?.key;
  if (clusterKey !== undefined && publicKeyOfId(clusterKey) === undefined) {
    throw new RangeError(`The cluster key "${clusterKey}" is not a key id: 52 characters of a-z and 2-7.`);
  }
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: http.bodyLimitBytes,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: timeoutCheckIntervalMs(http) },
  });
  app.server.maxConnections = http.maxConnections;
  await app.register(securityHeaders);
  await app.register(health);
  await app.register(metrics);
  const httpMetrics = new HttpMetrics(app.metrics);
  app.server.on('drop', () => httpMetrics.connectionRefused());
  // Fastify's own listener answers 408 and closes; this one only counts.
  app.server.on('clientError', (error: Error & { code?: string }) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') httpMetrics.requestTimedOut();
  });
  await app.register(signaling, { limits, clusterKey });
  await app.register(cluster, { key: clusterKey });
  await app.register(stats, { clusterStats: options.clusterStats });
  await app.register(teacher, options.teacher ?? {});
  await app.register(webApp, { root: options.webRoot ?? DEFAULT_WEB_ROOT });
  return app;
}

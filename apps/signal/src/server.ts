// Assembles the rxmesh HTTP server from its plugins, with the HTTP limits of signaling/http-limits.ts: over plain
// http, or over https with a plain-http server beside it that answers the same routes and the same signaling rooms.

import { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { publicKeyOfId, type ServerCertificate } from '@rxmesh/core';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type ClusterStats, DEFAULT_ROOM } from './client.js';
import type { IceOptions } from './ice/turn-credentials.js';
import type { Listener } from './join-urls.js';
import classroomJoin from './plugins/classroom-join.js';
import cluster from './plugins/cluster.js';
import health from './plugins/health.js';
import ice from './plugins/ice.js';
import metrics from './plugins/metrics.js';
import securityHeaders from './plugins/security-headers.js';
import signaling, { type AttachableBus } from './plugins/signaling.js';
import stats from './plugins/stats.js';
import teacher, { type TeacherOptions } from './plugins/teacher.js';
import webApp from './plugins/web-app.js';
import { DebugRequestLogs } from './request-logs.js';
import { type HttpLimits, resolveHttpLimits, timeoutCheckIntervalMs } from './signaling/http-limits.js';
import { resolveLimits, type SignalingLimits } from './signaling/limits.js';
import { HttpMetrics } from './signaling/signaling-metrics.js';

/** A certificate (PEM, the chain after it if any) and its private key (PEM), checked by the caller to belong together. */
export interface TlsCredentials {
  cert: string;
  key: string;
  /** Made by the server itself (`rxmesh serve --tls-self-signed`), which /api/classroom/join says. */
  selfSigned: boolean;
}

export interface ServerOptions {
  /** The built web app; defaults to apps/web/dist in this repository. */
  webRoot?: string;
  /** Where the server logs (a pino logger, the CLI's); requests at debug level. Silent without one. */
  logger?: FastifyBaseLogger;
  /** Overrides of the signaling limits; see DEFAULT_LIMITS. */
  limits?: Partial<SignalingLimits>;
  /** Overrides of the HTTP limits (for each server, with TLS); see DEFAULT_HTTP_LIMITS. */
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
  /** The room the cluster runs in (default DEFAULT_ROOM): /api/cluster tells pages and hosts. */
  room?: string;
  /**
   * What the operator keeps private. `token`: /metrics and the source's address in /api/stats answer only to it as a
   * bearer token. `metrics: 'elsewhere'`: no /metrics here (see listenMetrics). Open by default.
   */
  access?: { token?: string | undefined; metrics?: 'here' | 'elsewhere' };
  /** The teacher's token and the gateway that carries out the teacher's commands; without them, none are taken. */
  teacher?: TeacherOptions;
  /**
   * Serve https: `app.server` is then an https server, and `app.plainHttp` a plain-http one beside it, which the
   * caller listens on.
   */
  tls?: TlsCredentials;
  /** Who runs the cluster, which /api/classroom/join tells the consent page. */
  operator?: string;
  /** The STUN and TURN servers /api/ice hands each peer; none unless given. */
  ice?: IceOptions;
  /** The bus to the other signaling servers of this cluster (RedisBus); the server is alone without it. */
  bus?: AttachableBus;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * With TLS, the plain-http server beside https (see listenPlainHttp): the same routes, WebSockets and limits,
     * for the classroom view on a projector and for whoever types http. Null without TLS.
     */
    plainHttp: HttpServer | null;
  }
}

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const limits = resolveLimits(options.limits);
  const http = resolveHttpLimits(options.http ?? {}, limits);
  const clusterKey = options.cluster?.key;
  if (clusterKey !== undefined && publicKeyOfId(clusterKey) === undefined) {
    throw new RangeError(`The cluster key "${clusterKey}" is not a key id: 52 characters of a-z and 2-7.`);
  }
  const { tls } = options;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    logController: new DebugRequestLogs(),
    trustProxy: options.trustProxy ?? false,
    bodyLimit: http.bodyLimitBytes,
    serverFactory: (handler) => createListener(handler, http, tls),
  });
  const plainHttp = tls === undefined ? null : createListener(app.routing, http, undefined);
  app.decorate('plainHttp', plainHttp);
  if (plainHttp !== null) {
    // @fastify/websocket upgrades on app.server, and Fastify answers client errors there: the plain server hands
    // both over, as Fastify does for the extra servers it opens itself when a host name has several addresses.
    plainHttp.on('upgrade', (...args) => app.server.emit('upgrade', ...args));
    plainHttp.on('clientError', (...args) => app.server.emit('clientError', ...args));
    plainHttp.on('drop', (...args) => app.server.emit('drop', ...args));
    app.addHook('onClose', () => closeServer(plainHttp));
  }
  await app.register(securityHeaders);
  await app.register(health);
  await app.register(metrics, { route: options.access?.metrics ?? 'here', token: options.access?.token });
  const httpMetrics = new HttpMetrics(app.metrics);
  app.server.on('drop', () => httpMetrics.connectionRefused());
  // Fastify's own listener answers 408 and closes; this one only counts.
  app.server.on('clientError', (error: Error & { code?: string }) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') httpMetrics.requestTimedOut();
  });
  await app.register(signaling, { limits, clusterKey, bus: options.bus });
  const room = options.room ?? DEFAULT_ROOM;
  await app.register(cluster, { key: clusterKey, room });
  await app.register(stats, { clusterStats: options.clusterStats, sourceToken: options.access?.token, room });
  await app.register(ice, options.ice ?? { servers: [] });
  await app.register(teacher, options.teacher ?? {});
  await app.register(classroomJoin, {
    operator: options.operator,
    certificate: tls === undefined ? null : certificateInfo(tls),
    listeners: () => listeningAddresses(app),
  });
  await app.register(webApp, { root: options.webRoot ?? DEFAULT_WEB_ROOT });
  return app;
}

/** Starts the plain-http server beside https (`app.plainHttp`), once the app is ready, as app.listen does for https. */
export async function listenPlainHttp(
  app: FastifyInstance,
  where: { host: string; port: number },
): Promise<AddressInfo> {
  const server = app.plainHttp;
  if (server === null) throw new Error('This server has no plain-http server: it was built without TLS.');
  await app.ready();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

function createListener(handler: RequestListener, http: HttpLimits, tls: TlsCredentials | undefined): HttpServer {
  const options = {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionsCheckingInterval: timeoutCheckIntervalMs(http),
  };
  const server =
    tls === undefined
      ? createHttpServer(options, handler)
      : // A client that never finishes its TLS handshake is cut as one that never sends its headers.
        createHttpsServer(
          { ...options, cert: tls.cert, key: tls.key, handshakeTimeout: http.headersTimeoutMs },
          handler,
        );
  server.maxConnections = http.maxConnections;
  return server;
}

function certificateInfo(tls: TlsCredentials): ServerCertificate {
  return { fingerprint256: new X509Certificate(tls.cert).fingerprint256, selfSigned: tls.selfSigned };
}

/** The servers of `app` that listen now, with their schemes and addresses: https first. */
export function listeningAddresses(app: FastifyInstance): Listener[] {
  const servers = [{ scheme: app.server instanceof HttpsServer ? 'https' : 'http', server: app.server } as const];
  if (app.plainHttp !== null) servers.push({ scheme: 'http', server: app.plainHttp });
  return servers.flatMap(({ scheme, server }) => {
    const address = server.address();
    return address === null || typeof address === 'string'
      ? []
      : [{ scheme, address: address.address, port: address.port }];
  });
}

/** Closes a server that may never have listened; connections still open end as their requests do. */
function closeServer(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

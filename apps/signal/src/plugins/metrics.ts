// GET /metrics in the Prometheus text format. Each server has its own registry (several servers can share a
// process, as in tests), decorated as `app.metrics` for the other plugins to register into. rxmesh's own metrics
// are named rxmesh_; Node's default metrics keep their standard names, so that stock dashboards find them.
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { hasBearerToken } from '../bearer-token.js';

export const METRIC_PREFIX = 'rxmesh_';

/** The version `rxmesh_build_info` reports. */
export const RXMESH_VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/**
 * A counter whose values, by label, are read from `read` at each scrape: totals that something else keeps. A label
 * in `always` is exposed at 0 before it is first counted, so that rate() has a start.
 */
export function countersReadAtScrape(
  registry: Registry,
  options: { name: string; help: string; label: string; read: () => object | undefined; always?: readonly string[] },
): void {
  const { name, help, label, read, always = [] } = options;
  new Counter({
    name: `${METRIC_PREFIX}${name}`,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const value of always) this.inc({ [label]: value }, 0);
      for (const [value, count] of Object.entries(read() ?? {}) as [string, number][]) {
        if (count > 0) this.inc({ [label]: value }, count);
      }
    },
  });
}

export interface MetricsOptions {
  /** Where /metrics is served: here (the default), or 'elsewhere' (listenMetrics on an address of its own). */
  route?: 'here' | 'elsewhere';
  /** Answer /metrics only with `Authorization: Bearer <token>`, as Prometheus's scrape `authorization` sends it. */
  token?: string | undefined;
}

/** GET /metrics for `registry` on `app`. */
function metricsRoute(app: FastifyInstance, registry: Registry, token: string | undefined): void {
  app.get('/metrics', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (token !== undefined && !hasBearerToken(request.headers.authorization, token)) {
      return reply.code(401).send({ message: 'Send the operator\'s --stats-token as "Authorization: Bearer TOKEN".' });
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
}

async function metrics(app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: `${METRIC_PREFIX}build_info`,
    help: 'Always 1: the rxmesh version and the Node.js version that runs it, as labels.',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version: RXMESH_VERSION, nodejs: process.version }, 1);
  app.decorate('metrics', registry);
  if (options.route !== 'elsewhere') metricsRoute(app, registry, options.token);
}

/**
 * Serves `registry` as /metrics alone on `host`:`port` (an operator's loopback, say), only to `token` when one is
 * given; resolves once it listens.
 */
export async function listenMetrics(
  registry: Registry,
  where: { host: string; port: number; token?: string | undefined },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  metricsRoute(app, registry, where.token);
  const url = await app.listen({ host: where.host, port: where.port });
  return { url: `${url}/metrics`, close: () => app.close() };
}

export default fp(metrics, { name: 'rxmesh-metrics' });

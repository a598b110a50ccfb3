// GET /metrics in the Prometheus text format. Each server has its own registry (several servers can share a
// process, as in tests), decorated as `app.metrics` for the other plugins to register into.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRIC_PREFIX = 'rxmesh_';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

async function metrics(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  app.decorate('metrics', registry);
  app.get('/metrics', async (_request, reply) => {
    reply.header('Cache-Control', 'no-store').type(registry.contentType);
    return registry.metrics();
  });
}

export default fp(metrics, { name: 'rxmesh-metrics' });

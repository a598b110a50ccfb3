// GET /api/ice: the STUN and TURN servers for a peer of this cluster, with TURN credentials of its own that expire;
// the page asks before it names them on the consent text, and every peer before it opens links.
import { IceConfigSchema } from '@rxmesh/core';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { type IceOptions, iceConfigFor } from '../ice/turn-credentials.js';
import { METRIC_PREFIX } from './metrics.js';

export default async function ice(app: FastifyInstance, options: IceOptions): Promise<void> {
  const minted = new Counter({
    name: `${METRIC_PREFIX}signal_ice_configs_total`,
    help: 'Answers of /api/ice: ICE server lists handed out, each with TURN credentials of its own when it has any.',
    registers: [app.metrics],
  });
  app.get('/api/ice', { schema: { response: { 200: IceConfigSchema } } }, async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    minted.inc();
    return iceConfigFor(options, Date.now());
  });
}

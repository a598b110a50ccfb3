// GET /api/cluster: the cluster this server runs, for browsers and hosts to check gateway credentials against
// the key they got from the server they joined through.
import { KEY_ID_PATTERN } from '@rxmesh/core';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import Type from 'typebox';
import { METRIC_PREFIX } from './metrics.js';

export interface ClusterOptions {
  /** The cluster's public key (a key id); without it, /api/cluster answers 404. */
  key?: string | undefined;
  /** The room the cluster runs in. */
  room: string;
}

const ClusterInfoSchema = Type.Object({
  /** The cluster's public key, a key id: gateway credentials are signed by it. */
  key: Type.String({ pattern: KEY_ID_PATTERN }),
  /** The room the cluster runs in. */
  room: Type.String(),
});

const MessageSchema = Type.Object({ message: Type.String() });

export default async function cluster(app: FastifyInstance, options: ClusterOptions): Promise<void> {
  const { key } = options;
  new Gauge({
    name: `${METRIC_PREFIX}signal_cluster_key_configured`,
    help: '1 when the server has a cluster key (serves /api/cluster and takes gateway announcements), else 0.',
    registers: [app.metrics],
  }).set(key === undefined ? 0 : 1);
  app.get(
    '/api/cluster',
    { schema: { response: { 200: ClusterInfoSchema, 404: MessageSchema } } },
    async (_request, reply) => {
      reply.header('Cache-Control', 'no-store');
      if (key === undefined) {
        return reply.code(404).send({
          message:
            'This server has no cluster key: it relays signaling but runs no cluster. ' +
            'Join through the server that runs yours.',
        });
      }
      return { key, room: options.room };
    },
  );
}

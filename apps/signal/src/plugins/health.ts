import type { FastifyInstance } from 'fastify';

export default async function health(app: FastifyInstance): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        response: { 200: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
}

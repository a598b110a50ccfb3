// A read-only HTTP API in xmrig's shape: GET /2/summary, and its older names /1/summary and /api.json. It listens on
// loopback unless told otherwise, and with an access token answers only requests that carry it as a bearer token,
// as xmrig does. Nothing here changes anything: there is no JSON-RPC and no config endpoint.
import { hasBearerToken } from '@rxmesh/signal';
import Fastify, { type FastifyInstance } from 'fastify';

export interface XmrigApiOptions {
  host: string;
  port: number;
  accessToken?: string | undefined;
  summary: () => Record<string, unknown>;
}

export const SUMMARY_PATHS = ['/2/summary', '/1/summary', '/api.json'] as const;

async function xmrigApi(app: FastifyInstance, options: XmrigApiOptions): Promise<void> {
  const { accessToken, summary } = options;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (accessToken !== undefined && !hasBearerToken(request.headers.authorization, accessToken)) {
      return reply.code(401).send({
        status: 401,
        error: 'Unauthorized',
        message: 'Send the access token given with --http-access-token as "Authorization: Bearer TOKEN".',
      });
    }
  });
  for (const path of SUMMARY_PATHS) app.get(path, async () => summary());
}

/** Starts the API; resolves with its URL once it listens. */
export async function listenXmrigApi(options: XmrigApiOptions): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(xmrigApi, options);
  const address = await app.listen({ host: options.host, port: options.port });
  return { url: address, close: () => app.close() };
}

// GET /api/classroom/join: how other computers reach this server, and what each URL gives a tab, in core's join
// contract. The classroom view shows the URLs (and QR codes) to the class, a page served over plain http points to
// `secureUrl`, and the consent page names the operator. Worked out at each request from the interfaces of the
// moment, since a laptop changes networks while the server runs.
import { networkInterfaces } from 'node:os';
import { type JoinInfo, JoinInfoSchema, type ServerCertificate } from '@rxmesh/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { joinUrls, type Listener, originOf } from '../join-urls.js';

export interface ClassroomJoinOptions {
  /** Who runs the cluster, for the consent page. */
  operator?: string | undefined;
  /** The https page's certificate; null without https. */
  certificate: ServerCertificate | null;
  /** The servers as they listen at the moment of the request. */
  listeners: () => Listener[];
}

const HOST_NAME = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])$/;

/**
 * The host this request reached the server at: the name in its Host header, which is what the contributor typed and
 * what a real certificate names; else the address the connection arrived at.
 */
function requestHost(request: FastifyRequest): string {
  if (HOST_NAME.test(request.hostname)) return request.hostname;
  return (request.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
}

export default async function classroomJoin(app: FastifyInstance, options: ClassroomJoinOptions): Promise<void> {
  app.get('/api/classroom/join', { schema: { response: { 200: JoinInfoSchema } } }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const listeners = options.listeners();
    const https = listeners.find((listener) => listener.scheme === 'https');
    const answer: JoinInfo = {
      operator: options.operator ?? null,
      urls: joinUrls(listeners, networkInterfaces()),
      secureUrl: https === undefined ? null : originOf('https', requestHost(request), https.port),
      certificate: options.certificate,
    };
    return answer;
  });
}

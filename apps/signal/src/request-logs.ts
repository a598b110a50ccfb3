// Fastify logs every request it serves at info level. A signaling server answers a poll of /api/stats from every
// open tab each second, so here requests are logged at debug level (`rxmesh serve --log-level debug`), and only a
// request that failed at info or above.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';

export class DebugRequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

// What the teacher (the operator) may ask of the cluster from the classroom view: POST /api/teacher/stop-every-tab
// and POST /api/teacher/new-lesson. Each needs the teacher's token as a bearer token; the server prints the
// teacher's link with it at start. A stop is only a stop: a tab mines again only after its own Start click.
import type { OperatorCommand } from '@rxmesh/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { hasBearerToken } from '../bearer-token.js';

export interface TeacherOptions {
  /** The secret in the teacher's link; without it, the routes answer 404. */
  token?: string | undefined;
  /**
   * Hands the command to the embedded gateway: 'done', 'not coordinating' when another peer coordinates the
   * cluster, 'no gateway' when this server runs none (yet).
   */
  command?: ((command: OperatorCommand) => TeacherCommandOutcome) | undefined;
}

export type TeacherCommandOutcome = 'done' | 'not coordinating' | 'no gateway';

const MessageSchema = Type.Object({ message: Type.String() });
const responses = { 204: Type.Null(), 401: MessageSchema, 404: MessageSchema, 409: MessageSchema, 503: MessageSchema };

export default async function teacher(app: FastifyInstance, options: TeacherOptions): Promise<void> {
  const { token, command } = options;

  const route = (path: string, operatorCommand: OperatorCommand) =>
    app.post(path, { schema: { response: responses } }, async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('Cache-Control', 'no-store');
      if (token === undefined || command === undefined) {
        return reply.code(404).send({ message: 'This server takes no teacher commands.' });
      }
      if (!hasBearerToken(request.headers.authorization, token)) {
        return reply.code(401).send({
          message: "Only the teacher's link may do this: open the link rxmesh serve printed at start.",
        });
      }
      switch (command(operatorCommand)) {
        case 'done':
          return reply.code(204).send();
        case 'not coordinating':
          return reply.code(409).send({
            message:
              "Another peer coordinates the cluster now, so this server cannot speak for it. Wait for this server's " +
              'gateway to take the cluster back (it does within a minute of a restart), then try again.',
          });
        case 'no gateway':
          return reply.code(503).send({
            message: 'This server runs no gateway yet (it may still be joining): try again in a few seconds.',
          });
      }
    });

  route('/api/teacher/stop-every-tab', 'stopEveryTab');
  route('/api/teacher/new-lesson', 'clearAccounts');
}

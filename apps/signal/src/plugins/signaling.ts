// PeerJS-compatible signaling on @fastify/websocket, at the URLs the stock client builds from
// `new Peer({ host, port, path: '/peerjs', key: room })`:
//   GET  /peerjs/{room}/id        a fresh, unguessable peer id (text)
//   GET  /peerjs/{room}/peers     the room's announced gateways (JSON), not every peer
//   POST /peerjs/{room}/gateways  {id, credential}: a registered peer with the cluster's credential is listed
//   WS   /peerjs/peerjs?key={room}&id=&token=&version=
// Decorates `app.signaling` (the hub) for /api/stats and for an in-process gateway's announcement.
import { randomUUID } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import { type Credential, CredentialSchema, KEY_ID_PATTERN } from '@rxmesh/core';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import Type from 'typebox';
import type { RawData, WebSocket } from 'ws';
import { PEERJS_PATH } from '../client.js';
import { nodeEd25519 } from '../identity/node-ed25519.js';
import type { BusListener } from '../redis/redis-bus.js';
import type { SignalingBus } from '../signaling/bus-events.js';
import { CloseCode, type Session, SignalingHub } from '../signaling/hub.js';
import type { SignalingLimits } from '../signaling/limits.js';
import { PeerIdSchema, ROOM_RULE, RoomSchema } from '../signaling/protocol.js';
import { SignalingMetrics } from '../signaling/signaling-metrics.js';

export interface SignalingOptions {
  limits: SignalingLimits;
  /** The cluster's public key (a key id); without it, gateway announcements are refused. */
  clusterKey?: string | undefined;
  /** The bus to the other signaling servers of this cluster; alone without it. */
  bus?: AttachableBus | undefined;
}

/** A bus that hands its events to the hub once attached (RedisBus). */
export interface AttachableBus extends SignalingBus {
  attach(listener: BusListener): Promise<void>;
}

/** How long an announcement waits for a peer registered on another server to be heard of here. */
const REMOTE_REGISTRATION_WAIT_MS = 2_000;

declare module 'fastify' {
  interface FastifyInstance {
    signaling: SignalingHub;
  }
}

const RoomParams = {
  type: 'object',
  properties: { key: RoomSchema },
  required: ['key'],
} as const;

const AnnouncementSchema = Type.Object(
  { id: Type.String({ pattern: KEY_ID_PATTERN }), credential: CredentialSchema },
  { additionalProperties: false },
);

function roomError(_errors: FastifySchemaValidationError[]): Error {
  return new Error(`The room in the URL is not valid: ${ROOM_RULE}.`);
}

function announcementError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  if (dataVar === 'params') return roomError(errors);
  const [first] = errors;
  const path = first?.instancePath.slice(1).replaceAll('/', '.');
  const where = first === undefined ? '' : ` (${[path, first.message].filter(Boolean).join(' ')})`;
  return new Error(
    'A gateway announcement is JSON {"id": the gateway\'s key id, "credential": {"payload", "sig"} from the ' +
      `cluster's operator}; this one is not${where}.`,
  );
}

async function signaling(app: FastifyInstance, options: SignalingOptions): Promise<void> {
  const { limits } = options;
  const now = () => performance.now();
  await app.register(fastifyWebsocket, {
    options: { maxPayload: limits.maxMessageBytes },
    errorHandler: (error, socket) => onSocketError(error, socket),
    preClose: () => closeAllSockets(),
  });
  const metrics: SignalingMetrics = new SignalingMetrics(app.metrics, {
    socketsOpen: () => app.websocketServer.clients.size,
    addresses: () => hub.connectedAddresses,
    rooms: () => hub.activeRooms,
    peers: () => hub.peerCount,
    queuedMessages: () => hub.queuedMessages,
    negotiations: () => hub.openNegotiations,
    idReservations: () => hub.idReservations,
    gateways: () => hub.announcedGateways,
    remotePeers: () => hub.remotePeerCount,
    remoteServers: () => hub.remoteServers,
  });
  const hub: SignalingHub = new SignalingHub({
    limits,
    metrics,
    now,
    wallClock: Date.now,
    scheme: nodeEd25519(),
    clusterKey: options.clusterKey,
    bus: options.bus,
  });
  app.decorate('signaling', hub);
  await options.bus?.attach(hub);
  const sessions = new WeakMap<WebSocket, Session>();
  let closing = false;

  app.get(`${PEERJS_PATH}/peerjs`, { websocket: true }, (socket, request) => {
    // An upgrade routed just before shutdown began would otherwise hold app.close() open.
    if (closing) {
      socket.close(CloseCode.goingAway, 'the server is shutting down');
      return;
    }
    // request.ip is the client's, behind a proxy too when the server trusts it (ServerOptions.trustProxy).
    const session = hub.connect(socket, request.query as Record<string, unknown>, request.ip);
    if (session === undefined) return;
    sessions.set(socket, session);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      try {
        if (isBinary) hub.receiveBinary(session);
        else hub.receiveText(session, rawText(data));
      } catch (error) {
        // A bug here must cost one socket, not the process.
        app.log.error({ err: error, room: session.room, peer: session.id }, 'signaling frame handler failed');
        socket.close(CloseCode.internalError, 'internal error');
      }
    });
    socket.on('close', () => hub.disconnect(session));
  });

  const noStore = { 'Cache-Control': 'no-store' };
  app.get<{ Params: { key: string } }>(
    `${PEERJS_PATH}/:key/id`,
    { schema: { params: RoomParams }, schemaErrorFormatter: roomError },
    async (_request, reply) => reply.headers(noStore).type('text/plain; charset=utf-8').send(randomUUID()),
  );
  app.get<{ Params: { key: string } }>(
    `${PEERJS_PATH}/:key/peers`,
    {
      schema: { params: RoomParams, response: { 200: { type: 'array', items: PeerIdSchema } } },
      schemaErrorFormatter: roomError,
    },
    async (request, reply) => reply.headers(noStore).send(hub.gatewayIds(request.params.key)),
  );
  app.post<{ Params: { key: string }; Body: { id: string; credential: Credential } }>(
    `${PEERJS_PATH}/:key/gateways`,
    {
      schema: { params: RoomParams, body: AnnouncementSchema },
      schemaErrorFormatter: announcementError,
      // The handler answers schema failures itself, so that they are counted.
      attachValidation: true,
    },
    async (request, reply) => {
      reply.headers(noStore);
      if (request.validationError !== undefined) {
        metrics.announcement('invalid');
        return reply.code(400).send({ message: request.validationError.message });
      }
      const { key: room } = request.params;
      const { id, credential } = request.body;
      let result = hub.announceGateway(room, id, credential);
      // Behind a load balancer, the announcement may arrive before the bus has told this server of the socket.
      for (
        const until = performance.now() + REMOTE_REGISTRATION_WAIT_MS;
        options.bus !== undefined && !result.ok && result.problem === 'not_registered' && performance.now() < until;
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        result = hub.announceGateway(room, id, credential);
      }
      if (result.ok) return reply.code(204).send();
      return reply.code(result.problem === 'not_registered' ? 404 : 403).send({ message: result.message });
    },
  );

  const timeouts = [limits.messageExpiryMs, limits.livenessTimeoutMs, limits.negotiationIdleMs, limits.idReservationMs];
  const sweepEveryMs = Math.max(10, Math.min(...timeouts) / 5);
  const sweeper = setInterval(() => hub.sweep(), sweepEveryMs).unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  function onSocketError(error: Error & { code?: string }, socket: WebSocket): void {
    const session = sessions.get(socket);
    // `ws` has already answered protocol errors with a close (1009 for a frame over maxPayload).
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      if (session !== undefined) hub.receiveOversized(session);
      return;
    }
    if (error.code?.startsWith('WS_ERR_')) return;
    // Mostly connections reset by browsers that went away: routine, so not above debug.
    app.log.debug({ err: error }, 'signaling socket error');
    socket.terminate();
  }

  /** Shutdown: every socket gets 1001, and those that do not finish the close handshake in time are cut. */
  async function closeAllSockets(): Promise<void> {
    closing = true;
    const sockets = [...app.websocketServer.clients];
    if (sockets.length === 0) return;
    for (const socket of sockets) {
      if (sessions.has(socket)) metrics.closedByServer('shutdown');
      socket.close(CloseCode.goingAway, 'the server is shutting down');
    }
    const allClosed = Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => {
      graceTimer = setTimeout(resolve, limits.shutdownGraceMs);
    });
    await Promise.race([allClosed, grace]);
    clearTimeout(graceTimer);
    for (const socket of sockets) socket.terminate();
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export default fp(signaling, { name: 'rxmesh-signaling', dependencies: ['rxmesh-metrics'] });

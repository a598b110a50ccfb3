// What signaling servers that share one cluster tell each other through the bus (Redis pub/sub): who is registered
// where, which of them are gateways, messages for a peer on another server, and that a server is alive. Every event
// names the server `s` it comes from. The schemas are checked where events come in, like frames from sockets.
import Type, { type Static } from 'typebox';
import { PeerIdSchema, RoomSchema } from './protocol.js';

/** A server's id on the bus: random per process, so a restarted server is a new one. */
export const ServerIdSchema = Type.String({ pattern: '^[0-9a-f-]{36}$' });

const strict = { additionalProperties: false } as const;
const Millis = Type.Number({ minimum: 0 });

/** A peer as other servers see it: the token that holds its id is known only by its hash. */
export const RemotePeerSchema = Type.Object(
  {
    room: RoomSchema,
    id: PeerIdSchema,
    tokenHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    provedAt: Type.Union([Millis, Type.Null()]),
    /** When it was announced as a gateway (the wall clock), or null. */
    gatewayAt: Type.Union([Millis, Type.Null()]),
  },
  strict,
);
export type RemotePeer = Static<typeof RemotePeerSchema>;

/** The most peers one `register` event carries: a server that (re)joins the bus sends its peers in such parts. */
export const PEERS_PER_EVENT = 500;

const RelayedTypeSchema = Type.Union([
  Type.Literal('OFFER'),
  Type.Literal('ANSWER'),
  Type.Literal('CANDIDATE'),
  Type.Literal('LEAVE'),
]);

export const BusEventSchema = Type.Union([
  /** A server came onto the bus (started, or Redis came back): the others send it their peers. */
  Type.Object({ k: Type.Literal('hello'), s: ServerIdSchema }, strict),
  /** Sent every few seconds; a server not heard from for serverTimeoutMs is forgotten with its peers. */
  Type.Object({ k: Type.Literal('alive'), s: ServerIdSchema }, strict),
  Type.Object(
    {
      k: Type.Literal('register'),
      s: ServerIdSchema,
      peers: Type.Array(RemotePeerSchema, { maxItems: PEERS_PER_EVENT }),
    },
    strict,
  ),
  /** The peer left: its id stays reserved for its token, as on the server it left. */
  Type.Object(
    {
      k: Type.Literal('unregister'),
      s: ServerIdSchema,
      room: RoomSchema,
      id: PeerIdSchema,
      tokenHash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      provedAt: Type.Union([Millis, Type.Null()]),
    },
    strict,
  ),
  Type.Object(
    { k: Type.Literal('gateway'), s: ServerIdSchema, room: RoomSchema, id: PeerIdSchema, at: Millis },
    strict,
  ),
  /** To the server that holds `dst`: deliver `text` (the frame as the destination reads it). */
  Type.Object(
    {
      k: Type.Literal('relay'),
      s: ServerIdSchema,
      room: RoomSchema,
      src: PeerIdSchema,
      dst: PeerIdSchema,
      type: RelayedTypeSchema,
      connectionId: Type.Optional(Type.String({ maxLength: 128 })),
      text: Type.String({ maxLength: 64 * 1024 }),
    },
    strict,
  ),
  /** To the server that holds `src`: its message for `dst` will not be delivered. */
  Type.Object(
    { k: Type.Literal('expire'), s: ServerIdSchema, room: RoomSchema, src: PeerIdSchema, dst: PeerIdSchema },
    strict,
  ),
]);
export type BusEvent = Static<typeof BusEventSchema>;
export type RelayEvent = Extract<BusEvent, { k: 'relay' }>;

/** What the hub sends through the bus: to every server, or to one. */
export interface SignalingBus {
  /** This server's id on the bus. */
  readonly server: string;
  publish(event: BusEvent): void;
  sendTo(server: string, event: BusEvent): void;
}

// The PeerJS server protocol as the stock `peerjs` client (1.5) speaks it, with schemas for everything a client
// sends. Client → server: the WebSocket query (key, id, token, version) and JSON frames HEARTBEAT, OFFER, ANSWER,
// CANDIDATE and LEAVE. Server → client: OPEN, ID-TAKEN, INVALID-KEY, ERROR, EXPIRE and the relayed frames with
// `src` set by the server.

import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/** The client's own id rule (`util.validateId`), bounded in length. */
const PEER_ID_PATTERN = '^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$';
/** Rooms are the PeerJS `key`: short and url-safe, since the client puts it in URLs unescaped. */
const ROOM_PATTERN = '^[A-Za-z0-9_-]{1,32}$';
const TOKEN_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export const ROOM_RULE = 'a room (the PeerJS key) is 1 to 32 letters, digits, "-" or "_"';
const PEER_ID_RULE =
  'a peer id is 1 to 64 letters and digits, with single spaces, "-" or "_" between them (the peerjs client rule)';
const TOKEN_RULE = 'a token is 1 to 64 letters, digits, "-" or "_"';

export const RoomSchema = Type.String({ pattern: ROOM_PATTERN });
export const PeerIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: PEER_ID_PATTERN });

const isRoom = Compile(RoomSchema);
const isPeerId = Compile(PeerIdSchema);
const isToken = Compile(Type.String({ pattern: TOKEN_PATTERN }));

type ConnectQuery = { room: string; id: string; token: string };

/** The query failed for the room (answer INVALID-KEY) or for the id or token (answer ERROR). */
type QueryProblem = { kind: 'room' | 'credentials'; message: string };

export function parseConnectQuery(query: Record<string, unknown>): ConnectQuery | QueryProblem {
  const { key, id, token } = query;
  if (!isRoom.Check(key)) {
    return { kind: 'room', message: `The room ${describe(key)} is not valid: ${ROOM_RULE}.` };
  }
  if (!isPeerId.Check(id)) {
    return {
      kind: 'credentials',
      message: `The peer id ${describe(id)} is not valid: ${PEER_ID_RULE}. Get one from GET /peerjs/${key}/id.`,
    };
  }
  if (!isToken.Check(token)) {
    return { kind: 'credentials', message: `The token ${describe(token)} is not valid: ${TOKEN_RULE}.` };
  }
  return { room: key, id, token };
}

/** The peerjs client puts the connection's kind and id in every signaling payload and routes by them. */
const SignalPayloadSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('data'), Type.Literal('media')]),
    connectionId: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: true },
);

// A client's `src` is accepted for compatibility and always replaced by the server.
const ClaimedSourceSchema = Type.Optional(Type.String({ maxLength: 64 }));

const HeartbeatSchema = Type.Object({ type: Type.Literal('HEARTBEAT') }, { additionalProperties: false });

const SignalSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('OFFER'), Type.Literal('ANSWER'), Type.Literal('CANDIDATE')]),
    dst: PeerIdSchema,
    payload: SignalPayloadSchema,
    src: ClaimedSourceSchema,
  },
  { additionalProperties: false },
);

/** LEAVE with `dst` is relayed; LEAVE without `dst` means the sender leaves the server. */
const LeaveSchema = Type.Object(
  {
    type: Type.Literal('LEAVE'),
    dst: Type.Optional(PeerIdSchema),
    payload: Type.Optional(Type.Unknown()),
    src: ClaimedSourceSchema,
  },
  { additionalProperties: false },
);

export type ClientFrame = Static<typeof HeartbeatSchema> | Static<typeof SignalSchema> | Static<typeof LeaveSchema>;

export type RelayedType = 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE';

const frameValidators = {
  HEARTBEAT: Compile(HeartbeatSchema),
  OFFER: Compile(SignalSchema),
  ANSWER: Compile(SignalSchema),
  CANDIDATE: Compile(SignalSchema),
  LEAVE: Compile(LeaveSchema),
};
const FRAME_TYPES = Object.keys(frameValidators).join(', ');

export type FrameRejection = { reason: 'malformed_json' | 'schema'; message: string };

/** Parses and validates one text frame; the message of a rejection goes back to the client in an ERROR. */
export function parseClientFrame(text: string): ClientFrame | FrameRejection {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { reason: 'malformed_json', message: 'Frames must be JSON objects; this one is not valid JSON.' };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { reason: 'schema', message: 'Frames must be JSON objects with a "type".' };
  }
  const type = (frame as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(frameValidators, type)) {
    return { reason: 'schema', message: `A frame's "type" must be one of ${FRAME_TYPES}; got ${describe(type)}.` };
  }
  const validator = frameValidators[type as keyof typeof frameValidators];
  if (validator.Check(frame)) return frame as ClientFrame;
  const [first] = validator.Errors(frame);
  const where = first?.instancePath ? `${first.instancePath.slice(1).replaceAll('/', '.')} ` : '';
  return { reason: 'schema', message: `The ${type} frame is not valid: ${where}${first?.message ?? 'bad shape'}.` };
}

// Server → client, as JSON text.

export const OPEN = JSON.stringify({ type: 'OPEN' });

export const ID_TAKEN = JSON.stringify({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });

export function invalidKey(message: string): string {
  return JSON.stringify({ type: 'INVALID-KEY', payload: { msg: message } });
}

export function serverError(message: string): string {
  return JSON.stringify({ type: 'ERROR', payload: { msg: message } });
}

/** Tells `to` that its message for `unreachable` was not delivered (the client reports peer-unavailable). */
export function expire(unreachable: string, to: string): string {
  return JSON.stringify({ type: 'EXPIRE', src: unreachable, dst: to });
}

export function relayed(type: RelayedType, src: string, dst: string, payload: unknown): string {
  return JSON.stringify({ type, src, dst, payload });
}

function describe(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

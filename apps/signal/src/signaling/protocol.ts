// The PeerJS server protocol as the stock `peerjs` client (1.5) speaks it, with schemas for everything a client
// sends. Client → server: the WebSocket query (key, id, token, version) and JSON frames HEARTBEAT, OFFER, ANSWER,
// CANDIDATE and LEAVE. Server → client: OPEN, ID-TAKEN, INVALID-KEY, ERROR, EXPIRE and the relayed frames with
// `src` set by the server.

import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { ROOM_PATTERN } from '../client.js';
import type { SignalingLimits } from './limits.js';

/** The client's own id rule (`util.validateId`), bounded in length. */
const PEER_ID_PATTERN = '^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$';
/** Up to 102 characters: the signaling token of a key id (SIGNALING_TOKEN_PATTERN) is that long. */
const TOKEN_PATTERN = '^[A-Za-z0-9_-]{1,102}$';

export const ROOM_RULE = 'a room (the PeerJS key) is 1 to 32 letters, digits, "-" or "_"';
const PEER_ID_RULE =
  'a peer id is 1 to 64 letters and digits, with single spaces, "-" or "_" between them (the peerjs client rule)';
const TOKEN_RULE = 'a token is 1 to 102 letters, digits, "-" or "_"';

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

// A client's `src` is accepted for compatibility and always replaced by the server.
const ClaimedSourceSchema = Type.Optional(Type.String({ maxLength: 64 }));

const HeartbeatSchema = Type.Object({ type: Type.Literal('HEARTBEAT') }, { additionalProperties: false });

/** The envelope of OFFER, ANSWER and CANDIDATE; the payload is checked by its own schema (payloadSchemas). */
const SignalSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('OFFER'), Type.Literal('ANSWER'), Type.Literal('CANDIDATE')]),
    dst: PeerIdSchema,
    payload: Type.Object({}, { additionalProperties: true }),
    src: ClaimedSourceSchema,
  },
  { additionalProperties: false },
);

/** LEAVE with `dst` is relayed (without its payload, which the client ignores); without `dst` the sender leaves. */
const LeaveSchema = Type.Object(
  {
    type: Type.Literal('LEAVE'),
    dst: Type.Optional(PeerIdSchema),
    payload: Type.Optional(Type.Unknown()),
    src: ClaimedSourceSchema,
  },
  { additionalProperties: false },
);

/**
 * The serializers a stock peerjs `Peer` registers. A data OFFER names one, and the receiving client builds the
 * connection with `new this._serializers[name]`: any other name throws inside the client's message handler.
 */
const PEERJS_SERIALIZATIONS = ['raw', 'json', 'binary', 'binary-utf8', 'default'] as const;

/** What peerjs 1.5 puts in its signaling payloads (its Negotiator), nothing more, every string bounded. */
function payloadSchemas(limits: Pick<SignalingLimits, 'maxMessageBytes'>) {
  const common = {
    // peerjs makes "dc_" or "mc_" and a random base-36 token.
    connectionId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    // peerjs 1.3 and older name the browser; later versions send nothing.
    browser: Type.Optional(Type.String({ maxLength: 64 })),
  };
  const description = (type: 'offer' | 'answer') =>
    Type.Object(
      { type: Type.Literal(type), sdp: Type.String({ maxLength: limits.maxMessageBytes }) },
      { additionalProperties: false },
    );
  const connectionType = Type.Union([Type.Literal('data'), Type.Literal('media')]);
  const nullable = <T extends Type.TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
  return {
    dataOffer: Type.Object(
      {
        ...common,
        type: Type.Literal('data'),
        sdp: description('offer'),
        label: Type.Optional(Type.String({ maxLength: 256 })),
        reliable: Type.Optional(Type.Boolean()),
        serialization: Type.Enum(PEERJS_SERIALIZATIONS),
        metadata: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false },
    ),
    mediaOffer: Type.Object(
      { ...common, type: Type.Literal('media'), sdp: description('offer'), metadata: Type.Optional(Type.Unknown()) },
      { additionalProperties: false },
    ),
    answer: Type.Object(
      { ...common, type: connectionType, sdp: description('answer') },
      { additionalProperties: false },
    ),
    // RTCIceCandidate.toJSON(): browsers send null for what they do not know.
    candidate: Type.Object(
      {
        ...common,
        type: connectionType,
        candidate: Type.Object(
          {
            candidate: Type.String({ maxLength: 1024 }),
            sdpMid: nullable(Type.String({ maxLength: 256 })),
            sdpMLineIndex: nullable(Type.Integer({ minimum: 0, maximum: 65_535 })),
            usernameFragment: nullable(Type.String({ maxLength: 256 })),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  };
}

type PayloadSchemas = ReturnType<typeof payloadSchemas>;
type SignalPayload =
  | Static<PayloadSchemas['dataOffer']>
  | Static<PayloadSchemas['mediaOffer']>
  | Static<PayloadSchemas['answer']>
  | Static<PayloadSchemas['candidate']>;

export type SignalFrame = {
  type: 'OFFER' | 'ANSWER' | 'CANDIDATE';
  dst: string;
  payload: SignalPayload;
};
export type ClientFrame = Static<typeof HeartbeatSchema> | SignalFrame | Static<typeof LeaveSchema>;

export type RelayedType = 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE';

const frameValidators = {
  HEARTBEAT: Compile(HeartbeatSchema),
  OFFER: Compile(SignalSchema),
  ANSWER: Compile(SignalSchema),
  CANDIDATE: Compile(SignalSchema),
  LEAVE: Compile(LeaveSchema),
};
const FRAME_TYPES = Object.keys(frameValidators).join(', ');

export type FrameRejection = { reason: 'malformed_json' | 'schema' | 'payload'; message: string };

/** Parses and validates text frames; the message of a rejection goes back to the client in an ERROR. */
export class FrameParser {
  private readonly payloads: Record<'dataOffer' | 'mediaOffer' | 'answer' | 'candidate', Validator>;

  constructor(private readonly limits: Pick<SignalingLimits, 'maxMessageBytes' | 'maxMetadataChars'>) {
    const schemas = payloadSchemas(limits);
    this.payloads = {
      dataOffer: Compile(schemas.dataOffer),
      mediaOffer: Compile(schemas.mediaOffer),
      answer: Compile(schemas.answer),
      candidate: Compile(schemas.candidate),
    };
  }

  parse(text: string): ClientFrame | FrameRejection {
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
    if (!validator.Check(frame)) {
      return { reason: 'schema', message: `The ${type} frame is not valid: ${firstProblem(validator, frame)}.` };
    }
    if (type === 'HEARTBEAT' || type === 'LEAVE') return frame as ClientFrame;
    const { payload } = frame as { payload: Record<string, unknown> };
    const payloadValidator = this.payloadValidator(type as SignalFrame['type'], payload);
    if (!payloadValidator.Check(payload)) {
      const problem = firstProblem(payloadValidator, payload, 'payload');
      return { reason: 'payload', message: `The ${type} frame is not valid: ${problem}.` };
    }
    const metadataChars = JSON.stringify(payload.metadata ?? null).length;
    if (metadataChars > this.limits.maxMetadataChars) {
      const limit = this.limits.maxMetadataChars;
      const problem = `payload.metadata is ${metadataChars} characters of JSON, over ${limit}`;
      return { reason: 'payload', message: `The ${type} frame is not valid: ${problem}.` };
    }
    return frame as SignalFrame;
  }

  private payloadValidator(type: SignalFrame['type'], payload: Record<string, unknown>): Validator {
    if (type === 'ANSWER') return this.payloads.answer;
    if (type === 'CANDIDATE') return this.payloads.candidate;
    return payload.type === 'media' ? this.payloads.mediaOffer : this.payloads.dataOffer;
  }
}

type Validator = ReturnType<typeof Compile>;

/** The first error of a failed check as words: a path and what it must be. */
function firstProblem(validator: Validator, value: unknown, root?: string): string {
  const errors = [...validator.Errors(value)];
  // Unions report each branch and then "anyOf"; the branches say more.
  const error =
    errors.find((candidate) => candidate.keyword !== 'boolean' && candidate.keyword !== 'anyOf') ?? errors[0];
  if (error === undefined) return 'bad shape';
  const path = [root, ...error.instancePath.split('/').slice(1)].filter(Boolean).join('.');
  const where = path === '' ? '' : `${path} `;
  const params = error.params as { allowedValue?: unknown; allowedValues?: unknown[]; additionalProperties?: string[] };
  if (error.keyword === 'const') return `${where}must be ${JSON.stringify(params.allowedValue)}`;
  if (error.keyword === 'enum') {
    return `${where}must be one of ${(params.allowedValues ?? []).map((value) => JSON.stringify(value)).join(', ')}`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${where}has a field the protocol does not have: ${describe(params.additionalProperties?.[0])}`;
  }
  return `${where}${error.message}`;
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

// What an xmrig rig sends the gateway's Stratum server, and what the server answers: the Monero Stratum dialect of
// xmrig, xmrig-proxy and p2pool, seen from the pool's side. Rigs add fields of their own, so the objects allow extra
// properties; every field the server reads is checked here.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/** The error words miners and their tools know, as pools answer them. */
export const RIG_ERRORS = {
  lowDifficulty: 'Low difficulty share',
  stale: 'Stale share',
  invalidJobId: 'Invalid job id',
  invalidShare: 'Invalid share',
  duplicate: 'Duplicate share',
  unauthenticated: 'Unauthenticated',
  banned: 'Banned',
} as const;
export type RigError = (typeof RIG_ERRORS)[keyof typeof RIG_ERRORS];

/** Request ids are whatever the rig chose: xmrig counts from 1; JSON-RPC allows strings too. */
const RequestId = Type.Union([Type.Integer(), Type.String({ maxLength: 64 }), Type.Null()]);

export const LoginParamsSchema = Type.Object({
  /** The worker name (a wallet address for a pool; here, the name on the leaderboard), with an optional `+N`. */
  login: Type.String({ minLength: 1, maxLength: 256 }),
  pass: Type.Optional(Type.String({ maxLength: 256 })),
  agent: Type.Optional(Type.String({ maxLength: 256 })),
  rigid: Type.Optional(Type.String({ maxLength: 64 })),
  /** The algorithms the rig can mine, as xmrig names them. */
  algo: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
});
export type LoginParams = Static<typeof LoginParamsSchema>;

export const SubmitParamsSchema = Type.Object({
  id: Type.String({ maxLength: 64 }),
  /** The job id the server sent: the cluster's job id (at most 128 characters) and the lease's. */
  job_id: Type.String({ maxLength: 256 }),
  /** The nonce's four bytes as they sit in the blob, in hex. */
  nonce: Type.String({ pattern: '^[0-9a-fA-F]{8}$' }),
  /** The RandomX hash the rig computed, byte 0 first. */
  result: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
  algo: Type.Optional(Type.String({ maxLength: 64 })),
});
export type SubmitParams = Static<typeof SubmitParamsSchema>;

export const KeepaliveParamsSchema = Type.Object({ id: Type.Optional(Type.String({ maxLength: 64 })) });

export const RequestSchema = Type.Object({
  id: RequestId,
  method: Type.String({ maxLength: 64 }),
  params: Type.Optional(Type.Unknown()),
});
export type RigRequest = Static<typeof RequestSchema>;

export const checkRequest = Compile(RequestSchema);
export const checkLoginParams = Compile(LoginParamsSchema);
export const checkSubmitParams = Compile(SubmitParamsSchema);
export const checkKeepaliveParams = Compile(KeepaliveParamsSchema);

/** A job as a rig reads it. */
export interface RigJobParams {
  blob: string;
  job_id: string;
  /** 8 or 16 hex digits, little-endian, as xmrig reads them. */
  target: string;
  height: number;
  seed_hash: string;
  algo: string;
}

export function replyLine(id: RigRequest['id'], result: unknown): string {
  return `${JSON.stringify({ id, jsonrpc: '2.0', error: null, result })}\n`;
}

export function errorLine(id: RigRequest['id'], message: string, code = -1): string {
  return `${JSON.stringify({ id, jsonrpc: '2.0', error: { code, message }, result: null })}\n`;
}

export function jobLine(job: RigJobParams): string {
  return `${JSON.stringify({ jsonrpc: '2.0', method: 'job', params: job })}\n`;
}

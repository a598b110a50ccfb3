// What a Monero Stratum pool sends (the dialect of xmrig, xmrig-proxy and p2pool), as typebox schemas. Pools add
// fields of their own, so objects allow extra properties; every field rxmesh reads is checked here or in
// convertPoolJob before use.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/** Blobs above this are not Monero hashing blobs (they run about 76 bytes); the cluster's wire allows 512. */
export const MAX_BLOB_BYTES = 512;
/** Leaves room in Job.id (at most 128 characters) for the connection and sequence that make it unique. */
export const MAX_POOL_JOB_ID_LENGTH = 96;

export const PoolJobSchema = Type.Object({
  // Lengths are bounded loosely here so that error messages can say more than "too long" in convertPoolJob.
  blob: Type.String({ minLength: 1, maxLength: 2 * MAX_BLOB_BYTES + 2 }),
  job_id: Type.String({ minLength: 1, maxLength: MAX_POOL_JOB_ID_LENGTH }),
  target: Type.String({ maxLength: 64 }),
  seed_hash: Type.Optional(Type.String({ maxLength: 128 })),
  /** The key the chain switches to next: not in xmrig's or p2pool's dialect; some pools pass on monerod's. */
  next_seed_hash: Type.Optional(Type.String({ maxLength: 128 })),
  height: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1 })),
  algo: Type.Optional(Type.String({ maxLength: 64 })),
  /** The session id again; rxmesh uses the login result's. */
  id: Type.Optional(Type.String()),
});
export type PoolJob = Static<typeof PoolJobSchema>;

export const LoginResultSchema = Type.Object({
  /** The session id that every later request carries. */
  id: Type.String({ minLength: 1, maxLength: 256 }),
  /** xmrig and p2pool send the first job here; a pool may instead send it as a `job` notification. */
  job: Type.Optional(PoolJobSchema),
  status: Type.Optional(Type.String()),
  /** e.g. "algo", "nicehash", "keepalive". */
  extensions: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
});
export type LoginResult = Static<typeof LoginResultSchema>;

export const ReplySchema = Type.Object({
  id: Type.Integer({ minimum: 0 }),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({ code: Type.Optional(Type.Number()), message: Type.String({ maxLength: 1024 }) }),
    ]),
  ),
});
export type Reply = Static<typeof ReplySchema>;

export const StatusResultSchema = Type.Object({ status: Type.String({ maxLength: 256 }) });

export const JobNotificationSchema = Type.Object({ method: Type.Literal('job'), params: PoolJobSchema });

const loginResult = Compile(LoginResultSchema);
const reply = Compile(ReplySchema);
const statusResult = Compile(StatusResultSchema);
const jobNotification = Compile(JobNotificationSchema);

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

interface Validator<T> {
  Check(value: unknown): value is T;
  Errors(value: unknown): Iterable<{ instancePath: string; message: string }>;
}

function check<T>(validator: Validator<T>, value: unknown, what: string): Checked<T> {
  if (validator.Check(value)) return { ok: true, value };
  for (const first of validator.Errors(value)) {
    return { ok: false, error: `${what}: ${first.instancePath || 'the message'} ${first.message}` };
  }
  return { ok: false, error: `${what} is malformed` };
}

export const checkLoginResult = (value: unknown) => check(loginResult, value, 'the login result');
export const checkReply = (value: unknown) => check(reply, value, 'the reply');
export const checkStatusResult = (value: unknown) => check(statusResult, value, 'the result');
export const checkJobNotification = (value: unknown) => check(jobNotification, value, 'the job notification');

// monerod's JSON-RPC (POST /json_rpc): the request body and the replies rxmesh reads, each checked against a schema
// before anything uses it. The schemas list only the fields rxmesh reads; monerod adds others from version to version.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const Hex = Type.String({ pattern: '^([0-9a-fA-F]{2})*$' });
const Hash = Type.String({ pattern: '^[0-9a-fA-F]{64}$' });
const Count = Type.Integer({ minimum: 0 });
/** Monero's 128-bit difficulty as `0x…`, next to the 64-bit `difficulty`. */
const WideDifficulty = Type.String({ pattern: '^0x[0-9a-fA-F]{1,32}$' });

export const GetInfoResult = Type.Object({
  status: Type.String(),
  /** The number of blocks in the chain: the height of the next block. */
  height: Count,
  top_block_hash: Hash,
  target_height: Type.Optional(Count),
  synchronized: Type.Optional(Type.Boolean()),
  busy_syncing: Type.Optional(Type.Boolean()),
  offline: Type.Optional(Type.Boolean()),
});
export type GetInfoResult = Static<typeof GetInfoResult>;

export const GetBlockTemplateResult = Type.Object({
  status: Type.String(),
  blocktemplate_blob: Hex,
  blockhashing_blob: Hex,
  difficulty: Count,
  wide_difficulty: Type.Optional(WideDifficulty),
  /** The height of the block this template makes. */
  height: Count,
  prev_hash: Hash,
  reserved_offset: Count,
  seed_hash: Hash,
  /**
   * The key the chain switches to next. monerod 0.18 names it from 64 blocks before the switch (block 2049 on, in
   * regtest, whose first switch is at 2113) and sends '' when none is pending.
   */
  next_seed_hash: Type.Optional(Type.Union([Type.Literal(''), Hash])),
});
export type GetBlockTemplateResult = Static<typeof GetBlockTemplateResult>;

export const GetBlockHeaderResult = Type.Object({
  status: Type.String(),
  block_header: Type.Object({
    hash: Hash,
    height: Count,
    /** True for a block monerod keeps on a side chain only. */
    orphan_status: Type.Boolean(),
  }),
});
export type GetBlockHeaderResult = Static<typeof GetBlockHeaderResult>;

export const SubmitBlockResult = Type.Object({ status: Type.String() });
export type SubmitBlockResult = Static<typeof SubmitBlockResult>;

const ErrorReply = Type.Object({
  error: Type.Object({ code: Type.Integer(), message: Type.String() }),
});
const ResultReply = Type.Object({ result: Type.Unknown() });

const errorValidator = Compile(ErrorReply);
const resultValidator = Compile(ResultReply);

const resultValidators = {
  get_info: Compile(GetInfoResult),
  get_block_template: Compile(GetBlockTemplateResult),
  submit_block: Compile(SubmitBlockResult),
  get_block_header_by_hash: Compile(GetBlockHeaderResult),
};

/** The methods whose replies rxmesh reads. */
export type DaemonMethod = keyof typeof resultValidators;
export interface DaemonResults {
  get_info: GetInfoResult;
  get_block_template: GetBlockTemplateResult;
  submit_block: SubmitBlockResult;
  get_block_header_by_hash: GetBlockHeaderResult;
}

export type RpcReply<T> =
  | { kind: 'result'; result: T }
  /** monerod's own refusal, with its code and words. */
  | { kind: 'error'; code: number; message: string }
  /** The reply is not what the schema says: the problem as a sentence. */
  | { kind: 'malformed'; problem: string };

export function jsonRpcRequest(method: string, params?: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id: '0', method, ...(params === undefined ? {} : { params }) });
}

/** Checks a parsed JSON-RPC reply to `method`: monerod's error, a result that fits the schema, or what is wrong. */
export function decodeRpcReply<M extends DaemonMethod>(method: M, reply: unknown): RpcReply<DaemonResults[M]> {
  if (errorValidator.Check(reply)) return { kind: 'error', code: reply.error.code, message: reply.error.message };
  if (!resultValidator.Check(reply)) return { kind: 'malformed', problem: 'it has neither a result nor an error' };
  const validator = resultValidators[method];
  if (validator.Check(reply.result)) return { kind: 'result', result: reply.result as DaemonResults[M] };
  const [first] = validator.Errors(reply.result);
  const where = first === undefined ? 'the result' : `result${first.instancePath}`;
  return { kind: 'malformed', problem: `${where} ${first?.message ?? 'does not fit the schema'}` };
}

/** The template's difficulty: the 128-bit value when monerod sends it, else the 64-bit one. */
export function templateDifficulty(result: GetBlockTemplateResult): bigint {
  return result.wide_difficulty === undefined ? BigInt(result.difficulty) : BigInt(result.wide_difficulty);
}

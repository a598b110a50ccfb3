// The requests a miner sends a Monero Stratum pool, each one line of JSON-RPC 2.0 ending in a newline.
import type { RandomxVariant } from '../../algorithm.js';
import { bytesToHex } from '../../hex.js';

/** The nonce as the pool reads it: its four bytes as they sit in the blob (uint32 LE), in hex. 0x01020304 → "04030201". */
export function encodeNonce(nonce: number): string {
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffff_ffff)
    throw new RangeError(`A nonce is a uint32, got ${nonce}.`);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, nonce, true);
  return bytesToHex(bytes);
}

/** The hash as 64 hex digits, byte 0 first. */
export function encodeResult(hash: Uint8Array): string {
  if (hash.length !== 32) throw new RangeError(`A RandomX hash has 32 bytes, got ${hash.length}.`);
  return bytesToHex(hash);
}

function line(id: number, method: string, params: Record<string, unknown>): string {
  return `${JSON.stringify({ id, jsonrpc: '2.0', method, params })}\n`;
}

export interface LoginParams {
  /** The wallet address or pool account, as the pool expects it. */
  user: string;
  pass: string;
  agent: string;
  algorithm: RandomxVariant;
  /** The rig's id, which pools that show rigs list it under (xmrig's --rig-id). */
  rigId?: string | undefined;
}

export function loginRequest(id: number, params: LoginParams): string {
  const { user, pass, agent, algorithm, rigId } = params;
  return line(id, 'login', {
    login: user,
    pass,
    agent,
    algo: [algorithm],
    ...(rigId === undefined ? {} : { rigid: rigId }),
  });
}

export interface SubmitParams {
  sessionId: string;
  poolJobId: string;
  nonce: number;
  hash: Uint8Array;
  algorithm: RandomxVariant;
}

export function submitRequest(id: number, params: SubmitParams): string {
  return line(id, 'submit', {
    id: params.sessionId,
    job_id: params.poolJobId,
    nonce: encodeNonce(params.nonce),
    result: encodeResult(params.hash),
    algo: params.algorithm,
  });
}

export function keepaliveRequest(id: number, sessionId: string): string {
  return line(id, 'keepalived', { id: sessionId });
}

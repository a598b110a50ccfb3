// A peer whose id is a key proves it holds the key when it registers with signaling: its PeerJS token is a nonce
// (when it was made, and random bytes) and its signature over the room, the id and that nonce. The server refuses
// a key id without such a token, and a newer token for a key id takes the id over from an older one: the key's
// holder can always get its id back, and nobody else can take it, not even by replaying a token it overheard.
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import { type Identity, publicKeyOfId } from './keys.js';
import type { SignatureScheme } from './signature-scheme.js';

const NONCE_LENGTH = 16;
/** A nonce of 16 base64url characters (6 bytes of milliseconds, 6 random), then the signature's 86. */
export const SIGNALING_TOKEN_PATTERN = '^[A-Za-z0-9_-]{102}$';
const TOKEN = new RegExp(SIGNALING_TOKEN_PATTERN);

function statement(room: string, id: string, nonce: string): Uint8Array {
  return utf8ToBytes(`rxmesh-signal-v1\n${room}\n${id}\n${nonce}`);
}

/** The token to register `identity` in `room`, made at `now` (ms) with 6 random bytes. */
export function signalingToken(
  scheme: SignatureScheme,
  identity: Identity,
  room: string,
  now: number,
  randomBytes: Uint8Array,
): string {
  if (randomBytes.length !== 6) throw new RangeError('A signaling token takes 6 random bytes.');
  const nonceBytes = new Uint8Array(12);
  new DataView(nonceBytes.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(now))) << 16n);
  nonceBytes.set(randomBytes, 6);
  const nonce = base64urlnopad.encode(nonceBytes);
  return nonce + base64urlnopad.encode(scheme.sign(identity.secretKey, statement(room, identity.id, nonce)));
}

/**
 * When `token` was made, if it proves that whoever registers `id` in `room` holds the key `id` names; undefined
 * when it proves nothing.
 */
export function checkSignalingToken(
  scheme: SignatureScheme,
  room: string,
  id: string,
  token: string,
): { madeAt: number } | undefined {
  const publicKey = publicKeyOfId(id);
  if (publicKey === undefined || !TOKEN.test(token)) return undefined;
  const nonce = token.slice(0, NONCE_LENGTH);
  let nonceBytes: Uint8Array;
  let signature: Uint8Array;
  try {
    nonceBytes = base64urlnopad.decode(nonce);
    signature = base64urlnopad.decode(token.slice(NONCE_LENGTH));
  } catch {
    return undefined;
  }
  if (!scheme.verify(publicKey, statement(room, id, nonce), signature)) return undefined;
  return { madeAt: Number(new DataView(nonceBytes.buffer).getBigUint64(0) >> 16n) };
}

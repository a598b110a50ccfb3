// A peer whose id is a key proves it holds the key when it registers with signaling: its PeerJS token is a random
// nonce and its signature over the room, the id and that nonce. The server refuses a key id without such a token,
// so nobody can take an id they cannot sign for, not even one its owner left a moment ago.
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import { type Identity, publicKeyOfId } from './keys.js';
import type { SignatureScheme } from './signature-scheme.js';

const NONCE_LENGTH = 16;
/** A nonce of 16 base64url characters (96 bits), then the signature's 86. */
export const SIGNALING_TOKEN_PATTERN = '^[A-Za-z0-9_-]{102}$';
const TOKEN = new RegExp(SIGNALING_TOKEN_PATTERN);

function statement(room: string, id: string, nonce: string): Uint8Array {
  return utf8ToBytes(`rxmesh-signal-v1\n${room}\n${id}\n${nonce}`);
}

/** The token to register `identity` in `room`; `nonceBytes` are 12 random bytes. */
export function signalingToken(
  scheme: SignatureScheme,
  identity: Identity,
  room: string,
  nonceBytes: Uint8Array,
): string {
  if (nonceBytes.length !== 12) throw new RangeError('A signaling token nonce has 12 bytes.');
  const nonce = base64urlnopad.encode(nonceBytes);
  return nonce + base64urlnopad.encode(scheme.sign(identity.secretKey, statement(room, identity.id, nonce)));
}

/** Whether `token` proves that whoever registers `id` in `room` holds the key `id` names. */
export function checkSignalingToken(scheme: SignatureScheme, room: string, id: string, token: string): boolean {
  const publicKey = publicKeyOfId(id);
  if (publicKey === undefined || !TOKEN.test(token)) return false;
  const nonce = token.slice(0, NONCE_LENGTH);
  let signature: Uint8Array;
  try {
    signature = base64urlnopad.decode(token.slice(NONCE_LENGTH));
  } catch {
    return false;
  }
  return scheme.verify(publicKey, statement(room, id, nonce), signature);
}

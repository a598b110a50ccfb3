// Peer and cluster identities. An id is its own public key, written in lowercase base32 (52 characters), so
// anyone can check a signature by an id without asking for its key, and the id fits the PeerJS id rule.
import { base32nopad } from '@scure/base';
import { KEY_BYTES, type SignatureScheme } from './signature-scheme.js';

/** What an id looks like: an Ed25519 public key in lowercase base32 without padding. */
export const KEY_ID_PATTERN = '^[a-z2-7]{52}$';
const KEY_ID = new RegExp(KEY_ID_PATTERN);

export interface Identity {
  /** The public key as an id. */
  readonly id: string;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function idOfPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== KEY_BYTES) throw new RangeError(`A public key has ${KEY_BYTES} bytes.`);
  return base32nopad.encode(publicKey).toLowerCase();
}

/**
 * A contributor id, which the ledger credits work to: 32 random bytes (the caller draws them from a secure source)
 * written as an id is, so that it fits wherever a peer id does. A page or host makes one once and keeps it.
 */
export function contributorIdOf(random: Uint8Array): string {
  return idOfPublicKey(random);
}

/** The public key an id names, or undefined when the id is not a key. */
export function publicKeyOfId(id: string): Uint8Array | undefined {
  if (!KEY_ID.test(id)) return undefined;
  try {
    return base32nopad.decode(id.toUpperCase());
  } catch {
    return undefined; // 52 characters carry 260 bits: the last 4 must be zero
  }
}

/** The identity of a 32-byte secret key, which the caller draws from a secure random source or reads from disk. */
export function identityFromSecret(scheme: SignatureScheme, secretKey: Uint8Array): Identity {
  if (secretKey.length !== KEY_BYTES) throw new RangeError(`A secret key has ${KEY_BYTES} bytes.`);
  const publicKey = scheme.publicKey(secretKey);
  return { id: idOfPublicKey(publicKey), publicKey, secretKey };
}

// A stand-in for Ed25519 in the simulation, where a thousand peers sign and check every message and a curve
// operation each would make a run take minutes: a signature is a keyed hash (two 32-bit multiply-xor lanes over
// the message, seeded by the secret key) that only the key's holder can make. This registry plays the part of the
// curve's mathematics: it checks a signature against the secret behind a public key, which no simulated peer can
// reach, so forgeries fail here as they do with Ed25519. It is no cryptography, and nothing outside the simulation
// uses it.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, sameBytes } from '../hex.js';
import { KEY_BYTES, SIGNATURE_BYTES, type SignatureScheme } from '../identity/signature-scheme.js';

function keyedHash(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < KEY_BYTES; i += 4) {
    a = Math.imul(a ^ (secretKey[i] ?? 0), 0x01000193);
    b = Math.imul(b ^ (secretKey[i + 1] ?? 0), 0x85ebca6b);
  }
  for (const byte of message) {
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x85ebca6b) ^ (a >>> 13);
  }
  const signature = new Uint8Array(SIGNATURE_BYTES);
  const view = new DataView(signature.buffer);
  for (let i = 0; i < SIGNATURE_BYTES; i += 8) {
    a = Math.imul(a ^ (b >>> 15), 0x2c1b3c6d);
    b = Math.imul(b ^ (a >>> 12), 0x297a2d39);
    view.setUint32(i, a >>> 0);
    view.setUint32(i + 4, b >>> 0);
  }
  return signature;
}

export function simulatedSignatures(): SignatureScheme {
  const secrets = new Map<string, Uint8Array>();
  return {
    publicKey(secretKey) {
      const publicKey = sha256(secretKey);
      secrets.set(bytesToHex(publicKey), secretKey);
      return publicKey;
    },
    sign: keyedHash,
    verify(publicKey, message, signature) {
      const secretKey = publicKey.length === KEY_BYTES ? secrets.get(bytesToHex(publicKey)) : undefined;
      return secretKey !== undefined && sameBytes(keyedHash(secretKey, message), signature);
    },
  };
}

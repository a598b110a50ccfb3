// Ed25519 through Node's OpenSSL: about 40 µs to sign and 110 µs to verify, ten times @noble/curves in V8, which
// matters where every share and every lease passes through one process (see BENCHMARKS.md). Key objects are
// cached, since importing one costs as much as a verification.
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { KEY_BYTES, SIGNATURE_BYTES, type SignatureScheme } from '@rxmesh/core';

// DER prefixes of an Ed25519 key (RFC 8410): SubjectPublicKeyInfo, and PKCS #8 around the 32-byte seed.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const CACHED_KEYS = 4096;

class KeyCache {
  private readonly keys = new Map<string, KeyObject>();

  get(raw: Uint8Array, load: (der: Buffer) => KeyObject, prefix: Buffer): KeyObject {
    const name = Buffer.from(raw).toString('base64');
    let key = this.keys.get(name);
    if (key === undefined) {
      key = load(Buffer.concat([prefix, raw]));
      if (this.keys.size >= CACHED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(name, key);
    }
    return key;
  }
}

export function nodeEd25519(): SignatureScheme {
  const publicKeys = new KeyCache();
  const secretKeys = new KeyCache();
  const loadPublic = (der: Buffer) => createPublicKey({ key: der, format: 'der', type: 'spki' });
  const loadSecret = (der: Buffer) => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return {
    publicKey(secretKey) {
      const spki = createPublicKey(secretKeys.get(secretKey, loadSecret, PKCS8_PREFIX)).export({
        format: 'der',
        type: 'spki',
      });
      return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
    },
    sign: (secretKey, message) =>
      new Uint8Array(sign(null, message, secretKeys.get(secretKey, loadSecret, PKCS8_PREFIX))),
    verify(publicKey, message, signature) {
      if (publicKey.length !== KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
      try {
        return verify(null, message, publicKeys.get(publicKey, loadPublic, SPKI_PREFIX), signature);
      } catch {
        return false; // a point that is not on the curve
      }
    },
  };
}

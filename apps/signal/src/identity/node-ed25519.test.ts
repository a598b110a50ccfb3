import { identityFromSecret, nobleEd25519 } from '@rxmesh/core';
import { describe, expect, it } from 'vitest';
import { nodeEd25519 } from './node-ed25519.js';

describe('Ed25519 through OpenSSL', () => {
  const node = nodeEd25519();
  const secret = new Uint8Array(32).map((_, i) => i * 7 + 1);
  const message = new TextEncoder().encode('a share, a lease, a heartbeat');

  it('derives the same key, and makes and accepts the same signatures, as @noble/curves', () => {
    const ours = identityFromSecret(node, secret);
    expect(ours).toEqual(identityFromSecret(nobleEd25519, secret));
    const signature = node.sign(secret, message);
    expect(signature).toEqual(nobleEd25519.sign(secret, message));
    expect(node.verify(ours.publicKey, message, nobleEd25519.sign(secret, message))).toBe(true);
  });

  it('refuses altered messages, other keys and malformed input without throwing', () => {
    const { publicKey } = identityFromSecret(node, secret);
    const signature = node.sign(secret, message);
    expect(node.verify(publicKey, message.slice(1), signature)).toBe(false);
    expect(node.verify(identityFromSecret(node, new Uint8Array(32)).publicKey, message, signature)).toBe(false);
    expect(node.verify(publicKey, message, signature.slice(1))).toBe(false);
    expect(node.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false);
  });
});

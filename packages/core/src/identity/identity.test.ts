import { describe, expect, it } from 'vitest';
import { checkCredential, issueCredential, readCredential } from './credential.js';
import { identityFromSecret, idOfPublicKey, publicKeyOfId } from './keys.js';
import { checkSignalingToken, signalingToken } from './signaling-token.js';
import { nobleEd25519 } from './signature-scheme.js';
import { openSigned, signJson } from './signed.js';

const seed = (byte: number) => new Uint8Array(32).fill(byte);
const alice = identityFromSecret(nobleEd25519, seed(1));
const bob = identityFromSecret(nobleEd25519, seed(2));
const cluster = identityFromSecret(nobleEd25519, seed(3));
const anything = { Check: (value: unknown): value is unknown => value !== undefined };

describe('ids', () => {
  it('are the public key in 52 lowercase base32 characters, and give the key back', () => {
    expect(alice.id).toMatch(/^[a-z2-7]{52}$/);
    expect(publicKeyOfId(alice.id)).toEqual(alice.publicKey);
    expect(idOfPublicKey(bob.publicKey)).toBe(bob.id);
  });

  it('are refused when they cannot be a key', () => {
    expect(publicKeyOfId('gateway')).toBeUndefined();
    expect(publicKeyOfId(alice.id.toUpperCase())).toBeUndefined();
    // 52 base32 characters hold 260 bits; a last character with low bits set encodes no 32-byte key.
    expect(publicKeyOfId(`${alice.id.slice(0, 51)}7`)).toBeUndefined();
  });
});

describe('signed values', () => {
  it('open only with the signer’s key, and only unchanged', () => {
    const signed = signJson(nobleEd25519, alice.secretKey, { hello: 'world' });
    expect(openSigned(nobleEd25519, alice.publicKey, signed, anything)).toEqual({
      ok: true,
      value: { hello: 'world' },
    });
    expect(openSigned(nobleEd25519, bob.publicKey, signed, anything).ok).toBe(false);
    const altered = { ...signed, payload: signed.payload.replace('world', 'World') };
    expect(openSigned(nobleEd25519, alice.publicKey, altered, anything)).toEqual({
      ok: false,
      error: 'the signature does not match',
    });
  });

  it('refuse a value of the wrong shape even when the signature holds', () => {
    const signed = signJson(nobleEd25519, alice.secretKey, [1, 2]);
    const objects = { Check: (value: unknown): value is object => !Array.isArray(value) };
    expect(openSigned(nobleEd25519, alice.publicKey, signed, objects).ok).toBe(false);
  });
});

describe('credentials', () => {
  const now = 1_800_000_000_000;
  const credential = issueCredential(nobleEd25519, cluster, {
    key: alice.id,
    name: 'rig',
    server: false,
    now,
    lifetimeMs: 60_000,
  });

  it('authorize the key they name, for the cluster that signed them, until they expire', () => {
    expect(checkCredential(nobleEd25519, cluster.id, alice.id, credential, now + 1000)).toMatchObject({
      ok: true,
      payload: { key: alice.id, cluster: cluster.id, name: 'rig', server: false },
    });
    expect(readCredential(credential)?.cluster).toBe(cluster.id);
  });

  it('are refused for another key, another cluster, after expiry, or when forged', () => {
    expect(checkCredential(nobleEd25519, cluster.id, bob.id, credential, now)).toMatchObject({ ok: false });
    expect(checkCredential(nobleEd25519, bob.id, alice.id, credential, now)).toMatchObject({ ok: false });
    expect(checkCredential(nobleEd25519, cluster.id, alice.id, credential, now + 60_000)).toEqual({
      ok: false,
      error: 'the credential has expired',
    });
    const selfIssued = issueCredential(nobleEd25519, alice, {
      key: alice.id,
      name: 'me',
      server: true,
      now,
      lifetimeMs: 60_000,
    });
    expect(checkCredential(nobleEd25519, cluster.id, alice.id, selfIssued, now)).toMatchObject({ ok: false });
  });
});

describe('signaling tokens', () => {
  const now = 1_800_000_000_123;
  it('prove the key for one room and id, and say when they were made', () => {
    const token = signalingToken(nobleEd25519, alice, 'rxmesh', now, new Uint8Array(6).fill(7));
    expect(token).toMatch(/^[A-Za-z0-9_-]{102}$/);
    expect(checkSignalingToken(nobleEd25519, 'rxmesh', alice.id, token)).toEqual({ madeAt: now });
    expect(checkSignalingToken(nobleEd25519, 'other', alice.id, token)).toBeUndefined();
    expect(checkSignalingToken(nobleEd25519, 'rxmesh', bob.id, token)).toBeUndefined();
    expect(checkSignalingToken(nobleEd25519, 'rxmesh', 'gateway', token)).toBeUndefined();
  });

  it('cannot be moved to another time: the time is signed', () => {
    const token = signalingToken(nobleEd25519, alice, 'rxmesh', now, new Uint8Array(6));
    const later = signalingToken(nobleEd25519, alice, 'rxmesh', now + 1, new Uint8Array(6));
    expect(checkSignalingToken(nobleEd25519, 'rxmesh', alice.id, later.slice(0, 16) + token.slice(16))).toBeUndefined();
  });
});

// Test support: deterministic identities, cluster keys and credentials for core's tests, and a way to read what a
// signed message carries without checking it (the code under test checks; a test only looks).
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { ClusterKeys } from '../src/cluster/envelopes.js';
import type { Message, PeerInfo } from '../src/cluster/wire.js';
import { type Credential, issueCredential } from '../src/identity/credential.js';
import { type Identity, identityFromSecret } from '../src/identity/keys.js';
import { nobleEd25519 } from '../src/identity/signature-scheme.js';
import type { Signed } from '../src/identity/signed.js';

export const TEST_NOW = Date.UTC(2026, 10, 24, 12);

const identities = new Map<string, Identity>();

/** The identity a name always gets in tests (made once per name: deriving a key costs a curve multiplication). */
export function testIdentity(name: string): Identity {
  let identity = identities.get(name);
  if (identity === undefined) {
    identity = identityFromSecret(nobleEd25519, sha256(utf8ToBytes(`rxmesh test identity ${name}`)));
    identities.set(name, identity);
  }
  return identity;
}

/** The id a name always gets in tests. */
export const idOf = (name: string): string => testIdentity(name).id;

export const TEST_CLUSTER = testIdentity('the cluster');

/** A gateway credential for `name`, issued by `cluster` (the test cluster unless told) a minute before TEST_NOW. */
export function testCredential(
  name: string,
  { server = false, cluster = TEST_CLUSTER, lifetimeMs = 24 * 3600_000 } = {},
): Credential {
  return issueCredential(nobleEd25519, cluster, {
    key: idOf(name),
    name,
    server,
    now: TEST_NOW - 60_000,
    lifetimeMs,
  });
}

/** A peer's keys in the test cluster; a gateway gets a credential valid for a day from TEST_NOW. */
export function testKeys(name: string, { gateway = false, server = false } = {}): ClusterKeys {
  const identity = testIdentity(name);
  const credential = gateway ? testCredential(name, { server }) : null;
  return { scheme: nobleEd25519, identity, cluster: TEST_CLUSTER.id, credential };
}

/**
 * Strings shaped like ids (52 base32 characters) that are no key anyone holds: for tests that fill tables, where
 * no signature is checked and deriving thousands of keys would only cost time.
 */
export function fakeId(n: number): string {
  let tail = '';
  let rest = n;
  do {
    tail = String.fromCharCode(97 + (rest % 26)) + tail;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return `2${'7'.repeat(51 - tail.length)}${tail}`;
}

export function testInfo(name: string, overrides: Partial<PeerInfo> = {}): PeerInfo {
  return infoOf(idOf(name), { name, ...overrides });
}

/** A browser-like worker's info for a peer whose id is already made. */
export function infoOf(id: string, overrides: Partial<PeerInfo> = {}): PeerInfo {
  return {
    id,
    name: `peer ${id.slice(0, 4)}`,
    role: 'worker',
    engine: 'wasm',
    mode: 'light',
    cores: 4,
    memoryMb: 4096,
    mines: true,
    hashrate: 10,
    maxLinks: 8,
    startedAt: 0,
    jobSource: false,
    ...overrides,
  };
}

/** What a signed value says, unchecked. */
export function payloadOf<T = Record<string, unknown>>(signed: Signed): T {
  return JSON.parse(signed.payload) as T;
}

/** The signed payload of an up, down or broadcast message, or of a hello. */
export function signedPayload(message: Message): Record<string, unknown> | undefined {
  return 'signed' in message ? payloadOf(message.signed) : undefined;
}

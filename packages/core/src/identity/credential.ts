// A gateway credential: the cluster key's statement that one peer key may coordinate the cluster. The server that
// owns the cluster key issues one to its own embedded gateway at start, and the operator issues one to each host
// that may take over (`rxmesh credential`). Peers check it against the cluster key they got from the server they
// joined through.
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Identity, KEY_ID_PATTERN, publicKeyOfId } from './keys.js';
import type { SignatureScheme } from './signature-scheme.js';
import { openSigned, type Signed, signedSchema, signJson } from './signed.js';

const KeyId = Type.String({ pattern: KEY_ID_PATTERN });

const CredentialPayloadSchema = Type.Object(
  {
    t: Type.Literal('credential'),
    /** The cluster key that signed it. */
    cluster: KeyId,
    /** The peer key it authorizes. */
    key: KeyId,
    name: Type.String({ maxLength: 40 }),
    /** The server's own gateway: it takes coordination back from any host that has no job source. */
    server: Type.Boolean(),
    issuedAt: Type.Integer({ minimum: 0 }),
    expiresAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type CredentialPayload = Static<typeof CredentialPayloadSchema>;

export const CredentialSchema = signedSchema(512);
export type Credential = Signed;

const isCredentialPayload = Compile(CredentialPayloadSchema);

/** Clocks of different machines disagree; a credential issued this far in the future is still taken. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface CredentialRequest {
  key: string;
  name: string;
  server: boolean;
  now: number;
  lifetimeMs: number;
}

export function issueCredential(scheme: SignatureScheme, cluster: Identity, request: CredentialRequest): Credential {
  const payload: CredentialPayload = {
    t: 'credential',
    cluster: cluster.id,
    key: request.key,
    name: request.name.slice(0, 40),
    server: request.server,
    issuedAt: Math.floor(request.now),
    expiresAt: Math.floor(request.now + request.lifetimeMs),
  };
  return signJson(scheme, cluster.secretKey, payload);
}

/** What a credential says, without checking it: for a holder reading its own file. */
export function readCredential(credential: Credential): CredentialPayload | undefined {
  try {
    const value: unknown = JSON.parse(credential.payload);
    return isCredentialPayload.Check(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export type CredentialCheck = { ok: true; payload: CredentialPayload } | { ok: false; error: string };

/** Whether `credential` lets `holder` coordinate the cluster whose key is `clusterId`, at `now`. */
export function checkCredential(
  scheme: SignatureScheme,
  clusterId: string,
  holder: string,
  credential: Credential,
  now: number,
): CredentialCheck {
  const clusterKey = publicKeyOfId(clusterId);
  if (clusterKey === undefined) return { ok: false, error: 'the cluster key is not a key' };
  const opened = openSigned(scheme, clusterKey, credential, isCredentialPayload);
  if (!opened.ok) return { ok: false, error: `the credential is not the cluster's: ${opened.error}` };
  const payload = opened.value;
  if (payload.cluster !== clusterId) return { ok: false, error: 'the credential names another cluster' };
  if (payload.key !== holder) return { ok: false, error: 'the credential was issued to another key' };
  if (payload.issuedAt > now + CLOCK_SKEW_MS) return { ok: false, error: 'the credential is not valid yet' };
  if (payload.expiresAt <= now) return { ok: false, error: 'the credential has expired' };
  return { ok: true, payload };
}

// A signed JSON value travels as the exact text that was signed plus its signature, so no two implementations
// need to agree on a canonical form. The receiver checks the signature over the text first, then parses it and
// checks the value against its schema: nothing acts on a signed value before both pass.
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import Type, { type Static } from 'typebox';
import { SIGNATURE_BYTES, type SignatureScheme } from './signature-scheme.js';

/** The signature in base64url: 86 characters. */
const SIGNATURE_PATTERN = '^[A-Za-z0-9_-]{86}$';

export function signedSchema(maxPayloadLength: number) {
  return Type.Object(
    {
      payload: Type.String({ maxLength: maxPayloadLength }),
      sig: Type.String({ pattern: SIGNATURE_PATTERN }),
    },
    { additionalProperties: false },
  );
}

export type Signed = Static<ReturnType<typeof signedSchema>>;

/** What checks a parsed value: a compiled typebox schema satisfies it. */
export interface ValueCheck<T> {
  Check(value: unknown): value is T;
}

export type Opened<T> = { ok: true; value: T } | { ok: false; error: string };

export function signJson(scheme: SignatureScheme, secretKey: Uint8Array, value: unknown): Signed {
  const payload = JSON.stringify(value);
  return { payload, sig: base64urlnopad.encode(scheme.sign(secretKey, utf8ToBytes(payload))) };
}

/** The value of `signed` if `publicKey` signed it and it passes `check`. */
export function openSigned<T>(
  scheme: SignatureScheme,
  publicKey: Uint8Array,
  signed: Signed,
  check: ValueCheck<T>,
): Opened<T> {
  return openSignedBy(scheme, signed, check, () => publicKey);
}

/**
 * The value of `signed` if it passes `check` and the key `signerOf` finds for it signed it: for values that name
 * their own signer. The payload is parsed before the signature is checked; its length is bounded by its schema.
 */
export function openSignedBy<T>(
  scheme: SignatureScheme,
  signed: Signed,
  check: ValueCheck<T>,
  signerOf: (value: T) => Uint8Array | undefined,
): Opened<T> {
  let value: unknown;
  try {
    value = JSON.parse(signed.payload);
  } catch {
    return { ok: false, error: 'the signed payload is not JSON' };
  }
  if (!check.Check(value)) return { ok: false, error: 'the signed payload has the wrong shape' };
  const publicKey = signerOf(value);
  let signature: Uint8Array;
  try {
    signature = base64urlnopad.decode(signed.sig);
  } catch {
    return { ok: false, error: 'the signature is not base64url' };
  }
  if (
    publicKey === undefined ||
    signature.length !== SIGNATURE_BYTES ||
    !scheme.verify(publicKey, utf8ToBytes(signed.payload), signature)
  ) {
    return { ok: false, error: 'the signature does not match' };
  }
  return { ok: true, value };
}

export {
  type Credential,
  type CredentialCheck,
  type CredentialPayload,
  type CredentialRequest,
  CredentialSchema,
  checkCredential,
  issueCredential,
  readCredential,
} from './credential.js';
export {
  contributorIdOf,
  type Identity,
  identityFromSecret,
  idOfPublicKey,
  KEY_ID_PATTERN,
  publicKeyOfId,
} from './keys.js';
export { checkSignalingToken, SIGNALING_TOKEN_PATTERN, signalingToken } from './signaling-token.js';
export { KEY_BYTES, nobleEd25519, SIGNATURE_BYTES, type SignatureScheme } from './signature-scheme.js';
export {
  type Opened,
  openSigned,
  openSignedBy,
  type Signed,
  signedSchema,
  signJson,
  type ValueCheck,
} from './signed.js';

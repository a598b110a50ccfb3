import { loadAddon, type NativeFlags, type NativeLightHasher } from './addon.js';

export {
  type EngineFlags,
  type EngineMode,
  type KeyReady,
  NativeEngineUnavailable,
  type NativeFlags,
  type NativeLightHasher,
} from './addon.js';
export { type EngineOptions, NativeEngine } from './engine.js';

/** The librandomx flags this CPU supports (JIT, hardware AES, Argon2 SSSE3/AVX2). */
export function recommendedFlags(): NativeFlags {
  return loadAddon().recommendedFlags();
}

/** A light-mode librandomx cache and VM for `key`. Building it takes about a second; hashing is synchronous. */
export function createLightHasher(key: Uint8Array): NativeLightHasher {
  return new (loadAddon().LightHasher)(key);
}
export { ShareVerifier, type VerifierOptions, type VerifyResult } from './verifier.js';

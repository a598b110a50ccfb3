// Picks a hashing engine for the CLI: the project's WebAssembly RandomX or native librandomx.
import type { RandomxVariant } from '@rxmesh/core';
import { createLightHasher, NativeEngineUnavailable } from '@rxmesh/native';
import { CliError, NotAvailableYet } from './errors.js';

export const ENGINE_NAMES = ['wasm', 'native'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Hashes inputs under one key until released. */
export interface KeyedHasher {
  hash(input: Uint8Array): Uint8Array;
  release(): void;
}

export function openKeyedHasher(engine: EngineName, variant: RandomxVariant, key: Uint8Array): KeyedHasher {
  if (engine === 'wasm') throw new NotAvailableYet('Hashing with the WebAssembly engine (--impl wasm)');
  if (variant !== 'rx/0') {
    throw new CliError(`Debian's librandomx implements rx/0 only, so --impl native cannot hash ${variant}.`);
  }
  try {
    return createLightHasher(key);
  } catch (error) {
    if (error instanceof NativeEngineUnavailable) throw new CliError(error.message);
    throw error;
  }
}

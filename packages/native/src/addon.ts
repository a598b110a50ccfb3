// The compiled addon: the shapes its C++ classes have, and loading it, with the ways that can fail turned into
// sentences that say what to do.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { KeyReady as CoreKeyReady, MineResult } from '@rxmesh/core';

export interface NativeFlags {
  largePages: boolean;
  hardAes: boolean;
  jit: boolean;
  argon2Ssse3: boolean;
  argon2Avx2: boolean;
}

export interface NativeLightHasher {
  hash(input: Uint8Array): Uint8Array;
  flags(): NativeFlags;
  release(): void;
}

export type EngineMode = 'full' | 'light';

export interface KeyReady extends CoreKeyReady {
  cacheLargePages: boolean;
  datasetLargePages: boolean;
}

export interface EngineFlags extends NativeFlags {
  datasetLargePages: boolean;
}

/** The addon's Engine class, as engine.cc defines it. */
export interface AddonEngine {
  setKey(key: Uint8Array, threads: number, onProgress?: (done: number, total: number) => void): Promise<KeyReady>;
  prepareKey(key: Uint8Array, threads: number, onProgress?: (done: number, total: number) => void): Promise<KeyReady>;
  mine(blob: Uint8Array, firstNonce: number, count: number, target: bigint, threads: number): Promise<MineResult>;
  hash(input: Uint8Array): Promise<Uint8Array>;
  stop(): void;
  flags(): EngineFlags;
  release(): void;
  /** The nice value the mining and dataset threads take (Linux schedules each thread by its own). */
  setThreadNice(nice: number): void;
}

interface NativeAddon {
  recommendedFlags(): NativeFlags;
  LightHasher: new (key: Uint8Array) => NativeLightHasher;
  Engine: new (mode: EngineMode) => AddonEngine;
}

// build/ sits beside src/ and dist/, so this resolves from the sources and from the compiled output.
const addonUrl = new URL('../build/Release/rxmesh_native.node', import.meta.url);

let loaded: NativeAddon | undefined;

export class NativeEngineUnavailable extends Error {
  override readonly name = 'NativeEngineUnavailable';
}

export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (!existsSync(addonUrl)) {
    throw new NativeEngineUnavailable(
      'The native engine is not built. Run `npm run build` (it needs the Debian package librandomx-dev: ' +
        '`apt-get install librandomx-dev`).',
    );
  }
  try {
    loaded = createRequire(import.meta.url)(addonUrl.pathname) as NativeAddon;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new NativeEngineUnavailable(
      detail.includes('librandomx')
        ? `The native engine cannot load librandomx (${detail.replace(/^.*?(librandomx)/, '$1')}). ` +
            'Install it with `apt-get install librandomx0`.'
        : `The native engine could not be loaded: ${detail}. Rebuild it with \`npm run build\`.`,
      { cause: error },
    );
  }
  return loaded;
}

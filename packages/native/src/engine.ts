// The native engine for dataset hosts: librandomx in full mode (2080 MiB dataset) or light mode (256 MiB cache),
// mining on native threads. Every long step runs off the event loop and returns a Promise.
import type { KeyReady as CoreKeyReady, MineRequest, MineResult, MiningEngine } from '@rxmesh/core';
import { loadAddon, type NativeFlags } from './addon.js';

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
  mine(blob: Uint8Array, firstNonce: number, count: number, target: bigint, threads: number): Promise<MineResult>;
  hash(input: Uint8Array): Promise<Uint8Array>;
  stop(): void;
  flags(): EngineFlags;
  release(): void;
}

export interface EngineOptions {
  mode: EngineMode;
  /** Threads for dataset init and mining. */
  threads: number;
}

export class NativeEngine implements MiningEngine {
  private currentKey: Uint8Array | undefined;

  private constructor(
    private readonly engine: AddonEngine,
    readonly mode: EngineMode,
    readonly threads: number,
  ) {}

  static create(options: EngineOptions): NativeEngine {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${options.threads}.`);
    }
    return new NativeEngine(new (loadAddon().Engine)(options.mode), options.mode, options.threads);
  }

  /** The key whose cache (and dataset) the engine holds, or undefined. */
  get key(): Uint8Array | undefined {
    return this.currentKey?.slice();
  }

  /**
   * Builds the cache and, in full mode, the dataset for `key`, after releasing the previous key's: one dataset
   * at a time. `onProgress` reports dataset items done. Refused while mining or hashing.
   */
  async setKey(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady> {
    const pending = this.engine.setKey(key, this.threads, onProgress); // throws when refused: the key stays
    this.currentKey = undefined;
    const ready = await pending;
    this.currentKey = key.slice();
    return ready;
  }

  /** Hashes the range on all threads; stop() cuts it short after the hashes in flight. */
  mine(request: MineRequest): Promise<MineResult> {
    return this.engine.mine(request.blob, request.firstNonce, request.count, request.target, this.threads);
  }

  stop(): void {
    this.engine.stop();
  }

  /** One hash under the current key, off the event loop (full mode when the engine has the dataset). */
  hash(input: Uint8Array): Promise<Uint8Array> {
    return this.engine.hash(input);
  }

  flags(): EngineFlags {
    return this.engine.flags();
  }

  release(): void {
    this.engine.release();
    this.currentKey = undefined;
  }
}

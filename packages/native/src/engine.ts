// The native engine for dataset hosts: librandomx in full mode (2080 MiB dataset) or light mode (256 MiB cache),
// mining on native threads. Every long step runs off the event loop and returns a Promise.
import { freemem } from 'node:os';
import type { MineRequest, MineResult, MiningEngine } from '@rxmesh/core';
import { type AddonEngine, type EngineFlags, type EngineMode, type KeyReady, loadAddon } from './addon.js';

export interface EngineOptions {
  mode: EngineMode;
  /** Threads for dataset init and mining. */
  threads: number;
  /**
   * The nice value of those threads (-20 to 19), so that mining yields the processor to the event loop; by default
   * they run as the process does. A value below the process's needs CAP_SYS_NICE, and is otherwise not taken.
   */
  threadNice?: number;
}

const MIB = 2 ** 20;
/** A second key's memory: librandomx's cache, and in full mode its dataset. */
const KEY_BYTES = { light: 256 * MIB, full: (256 + 2080) * MIB } as const;
/** Left to the rest of the machine when a second key is built beside the first. */
const HEADROOM_BYTES = 512 * MIB;

/** Memory this process may still take: what the system has available, within the cgroup's limit if one is set. */
function availableBytes(): number {
  const systemAvailable = freemem();
  const limit = process.constrainedMemory?.() ?? 0;
  // Node reports no limit as 0, or as a huge number on some kernels.
  if (limit <= 0 || limit >= 2 ** 60) return systemAvailable;
  return Math.min(systemAvailable, limit - process.memoryUsage().rss);
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
    const engine = new (loadAddon().Engine)(options.mode);
    if (options.threadNice !== undefined) engine.setThreadNice(options.threadNice);
    return new NativeEngine(engine, options.mode, options.threads);
  }

  /** The key whose cache (and dataset) the engine holds, or undefined. */
  get key(): Uint8Array | undefined {
    return this.currentKey?.slice();
  }

  /**
   * Switches to `key` when prepareKey(key) built it, freeing the previous key's memory; otherwise builds the cache
   * and, in full mode, the dataset for `key` after releasing the previous key's (and any prepared one): one dataset
   * at a time. `onProgress` reports dataset items done. Refused while mining, hashing or preparing a key.
   */
  async setKey(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady> {
    const pending = this.engine.setKey(key, this.threads, onProgress); // throws when refused: the key stays
    this.currentKey = undefined;
    const ready = await pending;
    this.currentKey = key.slice();
    return ready;
  }

  /**
   * Builds the cache and, in full mode, the dataset for `key` beside the current key's, while mine() and hash()
   * go on under it; setKey(key) then switches. Until then the engine holds two keys: 512 MiB in light mode,
   * 4672 MiB in full mode. Refused (and the caller re-keys in place) when the machine has less than that to spare
   * plus 512 MiB for everything else. The dataset is built on the engine's threads, which share the processor
   * with the mining threads meanwhile.
   */
  async prepareKey(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady> {
    const needed = KEY_BYTES[this.mode] + HEADROOM_BYTES;
    const available = availableBytes();
    if (available < needed) {
      throw new Error(
        `Not enough free memory to build a second ${this.mode === 'full' ? 'dataset' : 'cache'} beside the ` +
          `current one: ${Math.round(needed / MIB)} MiB needed, ${Math.round(available / MIB)} MiB available.`,
      );
    }
    return this.engine.prepareKey(key, this.threads, onProgress);
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

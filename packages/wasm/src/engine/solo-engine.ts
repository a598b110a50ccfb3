// The WebAssembly engine for pages that may not share memory between threads (not cross-origin isolated: plain http
// on a LAN address): the same core, JIT and lanes as WasmEngine, on one worker with a memory of its own, and the
// MiningEngine semantics of WasmEngine. Nothing here touches SharedArrayBuffer, which such pages do not have.
import {
  type KeyReady,
  type MineRequest,
  type MineResult,
  type MiningEngine,
  type RandomxVariant,
  requireRandomxVariant,
} from '@rxmesh/core';
import { proxy } from 'comlink';
import { CHROMIUM_TIERING_BUDGET } from '../jit/program-compiler.js';
import type { ProgressListener } from '../load.js';
import { busyError, requireDuty, requireMineRequest } from './engine-refusals.js';
import type { SoloThread } from './solo-thread.js';
import { ThreadLink, type WorkerStarter } from './thread-link.js';

export interface SoloEngineOptions {
  /** Default rx/0. */
  variant?: string;
  /** How this platform starts the worker: startNodeWorker (`@rxmesh/wasm/node`) or startBrowserWorker. */
  startWorker: WorkerStarter;
  /** V8's wasm tiering budget in the worker (VmOptions.tieringBudget). Default: Chromium's. */
  tieringBudget?: number;
}

const MIB = 2 ** 20;

/**
 * The memory SoloEngine needs to mine: the cache (256 MiB), the core's data and stack, and one VM of 4 lanes (8.4
 * MiB), which also hashes single inputs. What a page checks with missingFeatures({ memoryBytes }) before it starts,
 * and quotes; the engine never holds more, since it builds every key in place.
 */
export function soloEngineMemoryBytes(): number {
  return 266 * MIB;
}

/**
 * Light-mode RandomX in WebAssembly on one worker, which holds the memory, builds each key's cache, mines, and
 * hashes single inputs between the chunks of a batch. It has no prepareKey: a second cache would cost another 256
 * MiB, and the worker could not build it while it mines, so a seed change re-keys in place (MiningDriver stops the
 * batch and calls setKey).
 */
export class SoloEngine implements MiningEngine {
  readonly mode = 'light';
  readonly threads = 1;
  private currentKey: Uint8Array | undefined;
  private memorySize: number;
  private duty = 1;
  private settingKey = false;
  private mining = false;
  private hashesPending = 0;
  private released = false;

  private constructor(
    private readonly worker: ThreadLink<SoloThread>,
    memoryBytes: number,
    readonly variant: RandomxVariant,
  ) {
    this.memorySize = memoryBytes;
  }

  static async create(options: SoloEngineOptions): Promise<SoloEngine> {
    const { variant: variantName = 'rx/0', startWorker, tieringBudget = CHROMIUM_TIERING_BUDGET } = options;
    const variant = requireRandomxVariant(variantName);
    const worker = new ThreadLink<SoloThread>(startWorker('solo', 'WebAssembly mining worker'));
    try {
      const memoryBytes = await worker.call((thread) => thread.open({ variant, tieringBudget }));
      return new SoloEngine(worker, memoryBytes, variant);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /** The key whose cache the engine holds, or undefined. */
  get key(): Uint8Array | undefined {
    return this.currentKey?.slice();
  }

  /** Bytes of the worker's WebAssembly memory: the cache, and the VM once the first key is set. */
  get memoryBytes(): number {
    return this.memorySize;
  }

  /** The share of time the worker hashes, in (0, 1]; 1 (the default) is full speed. */
  get throttle(): number {
    return this.duty;
  }

  /**
   * Sets the share of time the worker hashes: after each chunk it rests (1 - duty) / duty times as long as the
   * chunk took. Takes effect from the next chunk, within a batch too; stop() ends a rest at once.
   */
  setThrottle(duty: number): void {
    requireDuty(duty);
    this.duty = duty;
    if (this.released) return;
    // A worker that died fails the batch or key change in progress, which the caller hears of.
    this.worker.call((thread) => thread.setThrottle(duty)).catch(() => undefined);
  }

  /**
   * Builds `key`'s cache in the worker in place of the current one; `onProgress` reports Argon2 blocks done.
   * Refused while mining or hashing.
   */
  async setKey(key: Uint8Array, onProgress?: ProgressListener): Promise<KeyReady> {
    this.requireUnreleased();
    if (this.settingKey || this.mining || this.hashesPending > 0) throw busyError('setKey');
    this.settingKey = true;
    this.currentKey = undefined;
    try {
      // A function of our own to mark for Comlink, not the caller's.
      const progress = onProgress && proxy((done: number, total: number) => onProgress(done, total));
      const { cacheInitMs, memoryBytes } = await this.worker.call((thread) => thread.setKey(key, progress));
      this.memorySize = memoryBytes;
      this.currentKey = key.slice();
      return { cacheInitMs, datasetInitMs: null };
    } finally {
      this.settingKey = false;
    }
  }

  /** Hashes the range in the worker; stop() cuts it short after the chunk in flight. */
  async mine(request: MineRequest): Promise<MineResult> {
    this.requireKey();
    if (this.mining) throw new Error('This engine is already mining; stop() it or wait for the batch.');
    requireMineRequest(request);
    const { blob, firstNonce, count, target } = request;
    this.mining = true;
    try {
      const { hashes, shares } = await this.worker.call((thread) => thread.mine({ blob, firstNonce, count, target }));
      return { hashes, shares, stoppedEarly: hashes < count };
    } finally {
      this.mining = false;
    }
  }

  /**
   * Ends the running batch after its chunk in flight. The worker reads its messages in order, so a stop() between
   * batches reaches it before the next batch, which runs in full.
   */
  stop(): void {
    if (this.released) return;
    this.worker.call((thread) => thread.stop()).catch(() => undefined);
  }

  /** One hash under the current key, in the worker; while it mines, between two chunks. */
  async hash(input: Uint8Array): Promise<Uint8Array> {
    this.requireKey();
    this.hashesPending++;
    try {
      return await this.worker.call((thread) => thread.hash(input));
    } finally {
      this.hashesPending--;
    }
  }

  /** Ends the worker; the engine cannot be used afterwards. Refused while mining, hashing or building a key. */
  release(): void {
    if (this.released) return;
    if (this.settingKey || this.mining || this.hashesPending > 0) throw busyError('release');
    this.released = true;
    this.currentKey = undefined;
    this.worker.terminate();
  }

  private requireUnreleased(): void {
    if (this.released) throw new Error('This engine was released; create a new one.');
  }

  private requireKey(): void {
    this.requireUnreleased();
    if (this.settingKey) throw new Error('The engine is changing its key; wait for setKey() to settle.');
    if (this.currentKey === undefined) throw new Error('Call setKey(key) first.');
  }
}

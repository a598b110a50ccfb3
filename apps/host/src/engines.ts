// Picks a hashing engine for the CLI: the project's WebAssembly RandomX or native librandomx, or `auto`: native
// when its library loads, WebAssembly (same hashes, slower) when it does not.

import { freemem } from 'node:os';
import { isRandomxVariant, type MiningEngine, type RandomxVariant, sameBytes } from '@rxmesh/core';
import { type EngineMode, NativeEngine, NativeEngineUnavailable } from '@rxmesh/native';
import { fullEngineMemoryBytes, type RandomxVM, RandomxWasm, WasmEngine } from '@rxmesh/wasm';
import { startNodeWorker } from '@rxmesh/wasm/node';
import { CliError } from './errors.js';
import { WASM_TIERING_BUDGET } from './v8-tuning.js';

export const ENGINE_NAMES = ['wasm', 'native'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const ENGINE_CHOICES = ['auto', ...ENGINE_NAMES] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** Hashes inputs under one key at a time. */
export interface KeyedHasher {
  /** Switches to `key`, rebuilding the cache only when it differs from the current one. */
  useKey(key: Uint8Array): Promise<void> | void;
  hash(input: Uint8Array): Uint8Array | Promise<Uint8Array>;
  release(): void;
}

async function openWasmHasher(variant: RandomxVariant): Promise<KeyedHasher> {
  const randomx = await RandomxWasm.create({ variant });
  let vm: RandomxVM | undefined;
  return {
    async useKey(key) {
      if (randomx.key !== undefined && sameBytes(randomx.key, key)) return;
      await randomx.initCache(key);
      if (vm === undefined) vm = await randomx.createVM({ lanes: 1, tieringBudget: WASM_TIERING_BUDGET });
      else await vm.useCache(randomx.compiledCache);
    },
    hash: (input) => {
      if (vm === undefined) throw new Error('useKey() must come before hash().');
      return vm.hash(input);
    },
    release() {},
  };
}

/** The native engine in light mode: the same engine dataset hosts use to verify shares for seeds they lack. */
function openNativeHasher(variant: RandomxVariant): KeyedHasher {
  if (variant !== 'rx/0') {
    throw new CliError(`Debian's librandomx implements rx/0 only, so --impl native cannot hash ${variant}.`);
  }
  const engine = NativeEngine.create({ mode: 'light', threads: 1 });
  return {
    async useKey(key) {
      if (engine.key === undefined || !sameBytes(engine.key, key)) await engine.setKey(key);
    },
    hash: (input) => engine.hash(input),
    release: () => engine.release(),
  };
}

/** What the WebAssembly fallback says after the reason native librandomx did not load. */
export const WASM_HASHING_INSTEAD = 'Hashing with WebAssembly instead (same hashes, slower).';

/**
 * Opens the native engine, or, when librandomx does not load, says why through `warn` (followed by `instead`) and
 * opens the WebAssembly one.
 */
export async function nativeOrWasm<T>(
  openNative: () => T,
  openWasm: () => Promise<T>,
  warn: (message: string) => void,
  instead: string,
): Promise<T> {
  try {
    return openNative();
  } catch (error) {
    if (!(error instanceof NativeEngineUnavailable)) throw error;
    warn(`${error.message} ${instead}`);
    return openWasm();
  }
}

/**
 * Opens the chosen engine. With `auto`, a missing or unloadable native engine is reported through `warn` and
 * WebAssembly hashes instead; an explicit `native` fails with the same sentence.
 */
export async function openKeyedHasher(
  choice: EngineChoice,
  variant: string,
  warn: (message: string) => void,
): Promise<KeyedHasher> {
  if (!isRandomxVariant(variant)) throw new CliError(`Unknown RandomX variant ${JSON.stringify(variant)}.`, 2);
  if (choice === 'wasm' || (choice === 'auto' && variant !== 'rx/0')) return openWasmHasher(variant);
  if (choice === 'native') return openNativeHasher(variant);
  return nativeOrWasm(
    () => openNativeHasher(variant),
    () => openWasmHasher(variant),
    warn,
    WASM_HASHING_INSTEAD,
  );
}

/**
 * The WebAssembly engine on worker_threads, its VMs told this process's tiering budget; hashes that wait for its
 * cache thread go there 4 at a time.
 */
export function createWasmEngine(
  threads: number,
  variant: RandomxVariant = 'rx/0',
  mode: EngineMode = 'light',
): Promise<WasmEngine> {
  return WasmEngine.create({
    threads,
    variant,
    mode,
    startWorker: startNodeWorker,
    tieringBudget: WASM_TIERING_BUDGET,
    hashLanes: 4,
  });
}

/** Memory left to the rest of the machine beside a full-mode WebAssembly engine. */
const FULL_MODE_HEADROOM_BYTES = 512 * 2 ** 20;

/**
 * The mode the WebAssembly engine mines in when librandomx does not load, and the sentence that says so: the asked
 * mode, unless full mode's memory is more than this machine has available.
 */
export function wasmFallback(
  mode: EngineMode,
  threads: number,
  availableBytes: number,
): { mode: EngineMode; instead: string } {
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  if (mode === 'light') return { mode, instead: 'Mining with WebAssembly in light mode instead.' };
  const needed = fullEngineMemoryBytes(threads) + FULL_MODE_HEADROOM_BYTES;
  if (availableBytes < needed) {
    return {
      mode: 'light',
      instead:
        `Mining with WebAssembly in light mode instead: its full mode needs ${mib(needed)} MiB of memory and this ` +
        `machine has ${mib(availableBytes)} MiB available. Free memory, or use --mode light to skip this check.`,
    };
  }
  return {
    mode,
    instead: 'Mining with WebAssembly in full mode instead; its 2080 MiB dataset is built on the mining threads first.',
  };
}

/**
 * The miner of a host peer: native librandomx in the asked mode, or, when the library does not load, the
 * WebAssembly engine in the asked mode where this machine's memory allows (else light), after saying so through
 * `warn`.
 */
export function openMiningEngine(
  mode: EngineMode,
  threads: number,
  warn: (message: string) => void,
  threadNice?: number,
): Promise<MiningEngine> {
  const fallback = wasmFallback(mode, threads, freemem());
  return nativeOrWasm<MiningEngine>(
    () => NativeEngine.create({ mode, threads, ...(threadNice === undefined ? {} : { threadNice }) }),
    () => createWasmEngine(threads, 'rx/0', fallback.mode),
    warn,
    fallback.instead,
  );
}

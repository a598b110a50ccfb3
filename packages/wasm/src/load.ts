// Finds, fetches and compiles the C core, and instantiates it over its memory, in browsers and Node alike. The memory
// is shared between threads where the JavaScript engine allows it, and a worker's own elsewhere.
import type { CoreExports } from './exports.js';
import type { RunPrograms } from './jit/program-runner.js';
import { F64, ModuleWriter, Simd } from './jit/wasm-writer.js';

/** A compiled build of the C core (emsdk-build/builds.mjs). */
export type CoreBuild = 'simd128';

const PAGE_BYTES = 65536;
/**
 * The maximum every module declares for the memory it imports: MAXIMUM_MEMORY_BYTES in emsdk-build/builds.mjs,
 * all that a 32-bit memory addresses. A module accepts any memory whose own maximum is at most this.
 */
export const MAXIMUM_MEMORY_PAGES = 65536;
/** A light-mode memory's maximum: a 256 MiB cache, a second one for the next key, and VMs for many threads. */
export const LIGHT_MEMORY_BYTES = 1024 * 1024 * 1024;
/** A full-mode memory's maximum: the 2080 MiB dataset beside all of that. */
export const FULL_MEMORY_BYTES = MAXIMUM_MEMORY_PAGES * PAGE_BYTES;

function moduleUrl(build: CoreBuild, sharedMemory: boolean): URL {
  const file = sharedMemory ? build : `${build}-unshared`;
  // build/ sits beside src/ and dist/, so this resolves from the sources and from the compiled output.
  return new URL(`../build/rx-${file}.wasm`, import.meta.url);
}

async function readModuleBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === 'file:') {
    // Only Node loads from file: URLs; the variable keeps browser bundlers from resolving a Node module.
    const fsModule = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    try {
      const bytes = await readFile(url);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    } catch (error) {
      throw new Error(
        `The RandomX WebAssembly core is not built (${url.pathname} is missing). Run \`npm run build\` first.`,
        { cause: error },
      );
    }
  }
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`Could not load the RandomX WebAssembly core from ${url}: HTTP ${response.status}.`);
  return response.arrayBuffer();
}

/** Something this JavaScript engine lacks to run RandomX, and a sentence a visitor understands. */
export interface MissingFeature {
  feature: 'webassembly' | 'simd' | 'memory' | 'workers';
  /** What is missing and what to do about it. */
  message: string;
}

/** What to check beyond what the core itself needs. */
export interface FeatureNeeds {
  /** Web Workers, which the engine runs its threads in (browsers). */
  workers?: boolean;
  /**
   * A memory of this size is created and let go, as the engine will need it, of the kind canShareMemory() allows:
   * engineMemoryBytes(threads) for WasmEngine, soloEngineMemoryBytes() for SoloEngine.
   */
  memoryBytes?: number;
}

const NEWER_BROWSER = 'Please use a current version of Chrome, Edge, Firefox or Safari.';

/** The smallest module with a SIMD instruction: f64x2.splat of its argument, then lane 0 of that. */
function simdProbe(): Uint8Array<ArrayBuffer> {
  const module = new ModuleWriter();
  const { body } = module.defineFunction({ params: [F64], results: [F64] }, []);
  body.get(0).simd(Simd.f64x2Splat).simd(Simd.f64x2ExtractLane).byte(0);
  return module.finish();
}

function createsMemory(bytes: number, shared: boolean): boolean {
  try {
    // The maximum of the memory that would hold this much: light mode's, or full mode's past it.
    createMemory(bytes, shared, bytes > LIGHT_MEMORY_BYTES ? FULL_MEMORY_BYTES : LIGHT_MEMORY_BYTES);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether threads may share one WebAssembly memory here, as WasmEngine needs. Browsers allow it only to pages that
 * are cross-origin isolated (https or localhost, with the COOP and COEP headers); elsewhere SharedArrayBuffer does
 * not exist, and mining runs on one worker with a memory of its own (SoloEngine).
 */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === 'function' && typeof WebAssembly === 'object' && createsMemory(PAGE_BYTES, true);
}

/**
 * Says what this JavaScript engine lacks to run the core (and, with `needs`, the engine), or nothing. A page that
 * may not share memory lacks nothing for that: it mines with SoloEngine (canShareMemory() tells which engine).
 */
export function missingFeatures(needs: FeatureNeeds = {}): MissingFeature[] {
  const missing: MissingFeature[] = [];
  if (needs.workers && typeof Worker !== 'function') {
    missing.push({
      feature: 'workers',
      message: `This browser cannot run Web Workers, which mining runs in. ${NEWER_BROWSER}`,
    });
  }
  if (typeof WebAssembly !== 'object') {
    missing.push({
      feature: 'webassembly',
      message: `This browser cannot run WebAssembly, or it is turned off. Turn it on, or use another browser. ${NEWER_BROWSER}`,
    });
    return missing;
  }
  if (!WebAssembly.validate(simdProbe())) {
    missing.push({
      feature: 'simd',
      message: `This browser's WebAssembly has no SIMD (vector) instructions, which this RandomX needs. ${NEWER_BROWSER}`,
    });
  }
  const sharedMemory = canShareMemory();
  if (needs.memoryBytes !== undefined && !createsMemory(needs.memoryBytes, sharedMemory)) {
    missing.push({
      feature: 'memory',
      message:
        `This device could not set aside the ${Math.ceil(needs.memoryBytes / 2 ** 20)} MiB of memory that ` +
        `mining needs. Close other tabs and apps and reload the page, ${sharedMemory ? 'choose fewer threads, ' : ''}` +
        'or use a device with more memory.',
    });
  }
  return missing;
}

/**
 * Compiles the core once, for a shared memory (the module can be posted to workers that share it) or for a memory
 * of one worker's own.
 */
export async function compileCore(
  options: { build?: CoreBuild; sharedMemory: boolean } = { sharedMemory: true },
): Promise<WebAssembly.Module> {
  const { build = 'simd128', sharedMemory } = options;
  const missing = missingFeatures();
  if (missing.length > 0) throw new Error(missing.map((feature) => feature.message).join(' '));
  if (sharedMemory && !canShareMemory()) {
    throw new Error(
      'This page may not share memory between threads (browsers allow it only to cross-origin isolated pages), ' +
        'which WasmEngine needs: mine with SoloEngine here, on one worker with a memory of its own.',
    );
  }
  const bytes = await readModuleBytes(moduleUrl(build, sharedMemory));
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new Error(
      `This JavaScript engine cannot compile the RandomX core: it needs WebAssembly SIMD${sharedMemory ? ', threads' : ''} and bulk memory.`,
      { cause: error },
    );
  }
}

/**
 * A memory for the core, shared between threads or not (the modules that import it say the same), that may grow to
 * `maximumBytes`. A shared memory reserves its maximum up front, so light mode asks for no more than it needs.
 */
export function createMemory(
  initialBytes: number,
  shared: boolean,
  maximumBytes = LIGHT_MEMORY_BYTES,
): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: Math.ceil(initialBytes / PAGE_BYTES),
    maximum: maximumBytes / PAGE_BYTES,
    shared,
  });
}

export type ProgressListener = (done: number, total: number) => void;

export interface CoreInstance {
  readonly exports: CoreExports;
  /** Where cache-init progress goes for this instance; replaceable. */
  onProgress: ProgressListener | undefined;
  /** Compiles and runs the programs of a VM's lanes; set on instances whose VM runs compiled programs. */
  runPrograms: RunPrograms | undefined;
}

/**
 * Instantiates the core over `memory` with its stack ending at `stackTop` (each instance needs its own stack).
 * Asynchronous, because browsers refuse to instantiate large modules synchronously on the main thread.
 */
export async function instantiateCore(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  stackTop: number,
): Promise<CoreInstance> {
  const core: CoreInstance = {
    exports: undefined as unknown as CoreExports,
    onProgress: undefined,
    runPrograms: undefined,
  };
  const runPrograms: RunPrograms = (vms, lanes) => {
    if (core.runPrograms === undefined) throw new Error('This RandomX instance has no program compiler attached.');
    // A pointer arrives as a signed i32: VMs reserved past 2 GiB (after a full-mode dataset) would be negative.
    core.runPrograms(vms >>> 0, lanes);
  };
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      rx_progress: (done: number, total: number) => core.onProgress?.(done, total),
      rx_jit_run_programs: runPrograms,
    },
  });
  const exports = instance.exports as unknown as CoreExports;
  exports.__stack_pointer.value = stackTop;
  (core as { exports: CoreExports }).exports = exports;
  return core;
}

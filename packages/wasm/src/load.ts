// Finds, fetches and compiles the C core, and instantiates it over a shared memory, in browsers and Node alike.
import type { CoreExports } from './exports.js';
import type { RunPrograms } from './jit/program-runner.js';
import { F64, ModuleWriter, Simd } from './jit/wasm-writer.js';

/** A compiled build of the C core (emsdk-build/builds.mjs). */
export type CoreBuild = 'simd128';

const PAGE_BYTES = 65536;
/** Must match MAXIMUM_MEMORY_BYTES in emsdk-build/builds.mjs: a shared memory's maximum is part of its type. */
export const MAXIMUM_MEMORY_PAGES = (1024 * 1024 * 1024) / PAGE_BYTES;

function moduleUrl(build: CoreBuild): URL {
  // build/ sits beside src/ and dist/, so this resolves from the sources and from the compiled output.
  return new URL(`../build/rx-${build}.wasm`, import.meta.url);
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
  feature: 'webassembly' | 'cross-origin-isolation' | 'shared-array-buffer' | 'simd' | 'threads' | 'memory' | 'workers';
  /** What is missing and what to do about it. */
  message: string;
}

/** What to check beyond what the core itself needs. */
export interface FeatureNeeds {
  /** Web Workers, which the engine runs its threads in (browsers). */
  workers?: boolean;
  /** A shared memory of this size is created and let go, as the engine will need it: engineMemoryBytes(threads). */
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

function createsSharedMemory(bytes: number): boolean {
  try {
    createSharedMemory(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Says what this JavaScript engine lacks to run the core (and, with `needs`, the engine), or nothing. */
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
  if (typeof SharedArrayBuffer === 'undefined') {
    // Browsers withhold shared memory from pages that are not cross-origin isolated.
    missing.push(
      globalThis.crossOriginIsolated === false
        ? {
            feature: 'cross-origin-isolation',
            message:
              'This page is not cross-origin isolated, so the browser withholds the shared memory that mining ' +
              'needs. Open the page at its own address rather than inside another site, and reload it; if this ' +
              "stays, tell the cluster's operator: the server must send the Cross-Origin-Opener-Policy and " +
              'Cross-Origin-Embedder-Policy headers.',
          }
        : {
            feature: 'shared-array-buffer',
            message: `This browser has no shared memory (SharedArrayBuffer), which mining needs. ${NEWER_BROWSER}`,
          },
    );
    return missing;
  }
  if (!createsSharedMemory(PAGE_BYTES)) {
    missing.push({
      feature: 'threads',
      message: `This browser's WebAssembly cannot share its memory between threads, which mining needs. ${NEWER_BROWSER}`,
    });
    return missing;
  }
  if (needs.memoryBytes !== undefined && !createsSharedMemory(needs.memoryBytes)) {
    missing.push({
      feature: 'memory',
      message:
        `This device could not set aside the ${Math.ceil(needs.memoryBytes / 2 ** 20)} MiB of memory that ` +
        'mining needs. Close other tabs and apps and reload the page, choose fewer threads, or use a device ' +
        'with more memory.',
    });
  }
  return missing;
}

/** Compiles the core once; the module can be posted to workers. */
export async function compileCore(build: CoreBuild = 'simd128'): Promise<WebAssembly.Module> {
  const missing = missingFeatures();
  if (missing.length > 0) throw new Error(missing.map((feature) => feature.message).join(' '));
  const bytes = await readModuleBytes(moduleUrl(build));
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw new Error(
      'This JavaScript engine cannot compile the RandomX core: it needs WebAssembly SIMD, threads and bulk memory.',
      { cause: error },
    );
  }
}

export function createSharedMemory(initialBytes: number): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: Math.ceil(initialBytes / PAGE_BYTES),
    maximum: MAXIMUM_MEMORY_PAGES,
    shared: true,
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
    core.runPrograms(vms, lanes);
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

// Finds, fetches and compiles the C core, and instantiates it over a shared memory, in browsers and Node alike.
import type { CoreExports } from './exports.js';
import type { RunPrograms } from './jit/program-runner.js';

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

/** Says what this JavaScript engine lacks to run the core, or nothing. */
export function missingFeatures(): string[] {
  const missing: string[] = [];
  if (typeof SharedArrayBuffer === 'undefined') {
    missing.push('SharedArrayBuffer (in browsers the page must be cross-origin isolated)');
  }
  if (typeof WebAssembly !== 'object') missing.push('WebAssembly');
  return missing;
}

/** Compiles the core once; the module can be posted to workers. */
export async function compileCore(build: CoreBuild = 'simd128'): Promise<WebAssembly.Module> {
  const missing = missingFeatures();
  if (missing.length > 0) throw new Error(`This JavaScript engine cannot run RandomX: it lacks ${missing.join(', ')}.`);
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

// Finds, fetches and instantiates the compiled core, in browsers and in Node alike.
import type { CoreExports } from './exports.js';

/** A compiled build of the C core (emsdk-build/builds.mjs). */
export type CoreBuild = 'simd128';

function moduleUrl(build: CoreBuild): URL {
  // build/ sits beside src/ and dist/, so this resolves from the sources and from the compiled output.
  return new URL(`../build/rx-${build}.wasm`, import.meta.url);
}

async function readModuleBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
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

export async function instantiateCore(build: CoreBuild = 'simd128'): Promise<CoreExports> {
  const module = await WebAssembly.compile(await readModuleBytes(moduleUrl(build)));
  const instance = await WebAssembly.instantiate(module, {
    // Views over memory are made fresh for every call, so growth needs no notification.
    env: { emscripten_notify_memory_growth: () => {} },
  });
  const core = instance.exports as unknown as CoreExports;
  core._initialize();
  return core;
}

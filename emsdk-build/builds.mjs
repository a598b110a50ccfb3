// @ts-check
// The WASM builds of packages/wasm: one .wasm file each; the loader picks one by feature detection.

/** @type {{ name: string, description: string, cflags: string[] }[]} */
export const BUILDS = [
  {
    name: 'simd128',
    description: 'baseline: WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+)',
    cflags: ['-msimd128'],
  },
];

/** C functions the TypeScript side calls; keep in step with packages/wasm/src/exports.ts. */
export const EXPORTED_FUNCTIONS = ['rx_blake2b', 'malloc', 'free'];

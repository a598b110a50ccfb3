// @ts-check
// The WebAssembly builds of packages/wasm: one .wasm file each; the loader picks one by feature detection and by
// whether the page may share memory between threads.

/**
 * `sharedMemory`: the module imports a shared memory that several workers use at once (cross-origin isolated
 * pages, Node); without it, a memory of one worker's own (pages that browsers do not isolate).
 * @type {{ name: string, description: string, cflags: string[], sharedMemory: boolean }[]}
 */
export const BUILDS = [
  {
    name: 'simd128',
    description:
      'baseline: WebAssembly SIMD, threads and bulk memory (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+)',
    cflags: ['-msimd128', '-matomics'],
    sharedMemory: true,
  },
  {
    name: 'simd128-unshared',
    description: 'the same core over a memory of its own, for one worker where the page may not share memory',
    cflags: ['-msimd128'],
    sharedMemory: false,
  },
];

/** Flags for every C file. No libc: the module imports its memory, which TypeScript creates and lays out. */
export const COMMON_CFLAGS = [
  '-O3',
  '-std=c11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-mbulk-memory',
  '-mmutable-globals',
  '-ffp-contract=off',
  '-fno-math-errno',
];

/** Each instance of the module gets this much stack; TypeScript places the stacks in the memory. */
export const STACK_BYTES = 256 * 1024;

/**
 * Largest memory the module accepts: all that a 32-bit memory can address, for full mode's 2080 MiB dataset beside
 * the cache. Each memory's own maximum may be lower (light mode creates 1 GiB ones); a module accepts any memory
 * whose maximum is at most its own.
 */
export const MAXIMUM_MEMORY_BYTES = 4 * 1024 * 1024 * 1024;

/** C functions and globals the TypeScript side uses; keep in step with packages/wasm/src/exports.ts. */
export const EXPORTS = [
  '__stack_pointer',
  '__heap_base',
  'rx_api_variant_name',
  'rx_api_cache_memory_bytes',
  'rx_api_scratchpad_bytes',
  'rx_api_cache_struct_bytes',
  'rx_api_vm_struct_bytes',
  'rx_api_share_bytes',
  'rx_api_cache_init',
  'rx_api_vm_init',
  'rx_api_program_iterations',
  'rx_api_cache_accesses',
  'rx_api_dataset_base_bytes',
  'rx_api_dataset_item_count',
  'rx_api_max_lanes',
  'rx_api_hash_begin',
  'rx_api_hash_absorb',
  'rx_api_hash_seal',
  'rx_api_hash_lanes',
  'rx_api_mine',
  'rx_api_dataset_item',
  'rx_api_program_bytes',
  'rx_api_program_struct_bytes',
  'rx_api_scratchpad_level_bytes',
  'rx_api_first_program',
  'rx_api_fp',
  'rx_api_blake2b',
];

// The typed view of what the C core exports (emsdk-build/builds.mjs lists the same names).

export interface CoreExports {
  readonly __stack_pointer: WebAssembly.Global;
  readonly __heap_base: WebAssembly.Global;
  rx_api_variant_name(variant: number): number;
  rx_api_cache_memory_bytes(variant: number): number;
  rx_api_scratchpad_bytes(variant: number): number;
  rx_api_cache_struct_bytes(): number;
  rx_api_vm_struct_bytes(): number;
  rx_api_share_bytes(): number;
  rx_api_cache_init(cache: number, variant: number, memory: number, key: number, keyBytes: number): void;
  rx_api_vm_init(vm: number, cache: number, scratchpads: number, lanes: number, compiled: number): void;
  rx_api_max_lanes(): number;
  rx_api_program_iterations(variant: number): number;
  rx_api_cache_accesses(variant: number): number;
  rx_api_dataset_base_bytes(variant: number): number;
  rx_api_dataset_item_count(variant: number): number;
  rx_api_hash_begin(vm: number): void;
  rx_api_hash_absorb(vm: number, piece: number, pieceBytes: number): void;
  rx_api_hash_seal(vm: number, lane: number): void;
  rx_api_hash_lanes(vm: number, count: number, hashes: number): void;
  rx_api_mine(
    vm: number,
    blob: number,
    blobBytes: number,
    firstNonce: number,
    count: number,
    target: bigint,
    stop: number,
    shares: number,
    maxShares: number,
    shareCount: number,
  ): number;
  rx_api_dataset_item(cache: number, item: number, words: number): void;
  rx_api_program_bytes(variant: number): number;
  rx_api_program_struct_bytes(): number;
  rx_api_scratchpad_level_bytes(variant: number, level: number): number;
  rx_api_first_program(
    variant: number,
    input: number,
    inputBytes: number,
    bytes: number,
    opcodeTypes: number,
    program: number,
  ): void;
  rx_api_fp(operation: number, mode: number, a: number, b: number): number;
  rx_api_blake2b(digest: number, digestBytes: number, input: number, inputBytes: number): number;
}

// The typed view of what the C core exports (emsdk-build/variants.mjs lists the same names).

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(bytes: number): number;
  free(pointer: number): void;
  rx_blake2b(digest: number, digestBytes: number, input: number, inputBytes: number): number;
}

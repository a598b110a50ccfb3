// Hands out regions of the core's memory. Only the owning thread reserves; workers receive addresses.

/** How the error of a memory that cannot grow begins. */
export const OUT_OF_MEMORY = 'Out of memory for RandomX';

export class MemoryHeap {
  private next: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.next = base;
  }

  /** Reserves `bytes` aligned to `alignment`, growing the memory when needed. */
  reserve(bytes: number, alignment = 64): number {
    const start = Math.ceil(this.next / alignment) * alignment;
    const end = start + bytes;
    const missing = end - this.memory.buffer.byteLength;
    if (missing > 0) {
      try {
        this.memory.grow(Math.ceil(missing / 65536));
      } catch (error) {
        throw new Error(
          `${OUT_OF_MEMORY}: needed ${Math.ceil(end / 2 ** 20)} MiB of WebAssembly memory. ` +
            'Use fewer threads, or close other tabs and try again.',
          { cause: error },
        );
      }
    }
    this.next = end;
    return start;
  }
}

/** A fresh view: a memory's buffer object changes whenever it grows. */
export function bytesOf(memory: WebAssembly.Memory, address: number, length: number): Uint8Array {
  return new Uint8Array(memory.buffer, address, length);
}

// The TypeScript API over the WebAssembly core.
import type { CoreExports } from './exports.js';
import { type CoreBuild, instantiateCore } from './load.js';

export class RandomxWasm {
  private constructor(private readonly core: CoreExports) {}

  static async load(build?: CoreBuild): Promise<RandomxWasm> {
    return new RandomxWasm(await instantiateCore(build));
  }

  /** BLAKE2b of `input` with a digest of 1..64 bytes (RFC 7693). */
  blake2b(input: Uint8Array, digestBytes = 64): Uint8Array {
    if (!Number.isInteger(digestBytes) || digestBytes < 1 || digestBytes > 64) {
      throw new RangeError(`A BLAKE2b digest has 1 to 64 bytes, got ${digestBytes}.`);
    }
    const digest = this.core.malloc(digestBytes);
    const data = this.core.malloc(Math.max(input.length, 1));
    try {
      new Uint8Array(this.core.memory.buffer, data, input.length).set(input);
      this.core.rx_blake2b(digest, digestBytes, data, input.length);
      return new Uint8Array(this.core.memory.buffer, digest, digestBytes).slice();
    } finally {
      this.core.free(data);
      this.core.free(digest);
    }
  }
}

// Full mode's dataset items for the program modules (specs.md 4.6.2 step 5 with the dataset in memory): a module whose
// items<K>(destination, itemNumber x K) copies K items of 64 bytes out of the dataset. It has the signature of the
// SuperscalarHash items functions that compute items in light mode, so one program compiler serves both modes.
//
// Light mode advances K chains together so that their cache misses overlap; here an item is one read of 64 bytes,
// and a VM of K lanes still asks for K of them at once, whose misses overlap in the same way.
import { itemsExport, itemsType } from './superscalar-compiler.js';
import { ModuleWriter, Op, Simd } from './wasm-writer.js';

export interface DatasetSource {
  memory: WebAssembly.Memory;
  maximumPages: number;
  /** Whether `memory` is shared between threads: the module imports it as it is. */
  sharedMemory: boolean;
  /** Address of item 0 of the dataset; the last item may end at the top of the 4 GiB address space. */
  dataset: number;
  /** items1 .. items<maxChains> are exported. */
  maxChains: number;
}

/** The module's bytes; it imports env.memory and exports items1 .. items<maxChains>. */
export function compileDatasetReader(source: DatasetSource): Uint8Array<ArrayBuffer> {
  const module = new ModuleWriter();
  module.importMemory('env', 'memory', { maximumPages: source.maximumPages, shared: source.sharedMemory });
  for (let chains = 1; chains <= source.maxChains; chains++) {
    const { body: code } = module.defineFunction(itemsType(chains), [], itemsExport(chains));
    for (let chain = 0; chain < chains; chain++) {
      for (let part = 0; part < 4; part++) {
        code.get(0);
        // Item numbers are below 2^26, so the byte offset fits an i32; the dataset's address is the static offset
        // of the load, added without wrapping.
        code
          .get(1 + chain)
          .op(Op.i32WrapI64)
          .i32(6)
          .op(Op.i32Shl);
        code.simdMemory(Simd.v128Load, source.dataset + 16 * part, 4);
        code.simdMemory(Simd.v128Store, 64 * chain + 16 * part, 4);
      }
    }
  }
  return module.finish();
}

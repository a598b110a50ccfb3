// A bare instance of the C core for tests of single exported functions.
import type { CoreExports } from '../src/exports.js';
import { compileCore, createMemory, instantiateCore } from '../src/load.js';

const MEMORY_BYTES = 4 * 2 ** 20;
/** The stack occupies the top megabyte; tests use addresses from SCRATCH upwards. */
export const SCRATCH = 1 * 2 ** 20;

export async function bareCore(): Promise<{ exports: CoreExports; memory: WebAssembly.Memory }> {
  const memory = createMemory(MEMORY_BYTES, true);
  const { exports } = await instantiateCore(await compileCore(), memory, MEMORY_BYTES);
  return { exports, memory };
}

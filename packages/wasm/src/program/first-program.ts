// The first program of a hash, straight from the C core (rx_api_first_program): generated and decoded by the code
// the hash runs, in an instance of the core of its own that holds no cache, so a page's main thread can afford it.
// Its memory is never shared, so it works on pages that may not share memory too.
import { bytesOf, MemoryHeap } from '../heap.js';
import { type CoreInstance, compileCore, createMemory, instantiateCore } from '../load.js';
import { variantIndex } from '../randomx-wasm.js';

/** Inputs longer than this are refused; hashing blobs are about 76 bytes. */
export const MAX_INPUT_BYTES = 64 * 1024;
/** Room for the module's data and the linker's 256 KiB stack (STACK_BYTES in emsdk-build/builds.mjs). */
const INITIAL_MEMORY_BYTES = 512 * 1024;

export interface FirstProgram {
  /** rx_program, the decoded program that the VM and the program compiler read (jit/layout.ts PROGRAM). */
  readonly program: DataView;
  /** The 128 + 8 * size bytes of AesGenerator4R output that programmed the VM: configuration, then instructions. */
  readonly bytes: Uint8Array;
  /** The variant's opcode table: opcode -> Instruction (jit/program-compiler.ts) before the no-op forms. */
  readonly opcodeTypes: Uint8Array;
  /** Scratchpad L1, L2 and L3 sizes in bytes, which the memory operands' masks select. */
  readonly scratchpadLevelBytes: readonly [number, number, number];
  /** The WebAssembly memory the core instance behind this call holds, in bytes. */
  readonly coreMemoryBytes: number;
}

interface ProgramCore {
  readonly core: CoreInstance;
  readonly memory: WebAssembly.Memory;
  readonly input: number;
  readonly bytes: number;
  readonly opcodeTypes: number;
  readonly program: number;
  readonly programStructBytes: number;
}

let programCore: Promise<ProgramCore> | undefined;

async function createProgramCore(): Promise<ProgramCore> {
  const module = await compileCore({ sharedMemory: false });
  const memory = createMemory(INITIAL_MEMORY_BYTES, false);
  const core = await instantiateCore(module, memory, 0);
  const heapBase = core.exports.__heap_base.value as number;
  // This memory holds one instance, so it runs on the linker's own stack, which ends at __heap_base.
  core.exports.__stack_pointer.value = heapBase;
  const heap = new MemoryHeap(memory, heapBase);
  const programStructBytes = core.exports.rx_api_program_struct_bytes();
  let programBytes = 0;
  for (let variant = 0; core.exports.rx_api_variant_name(variant) !== 0; variant++) {
    programBytes = Math.max(programBytes, core.exports.rx_api_program_bytes(variant));
  }
  return {
    core,
    memory,
    programStructBytes,
    input: heap.reserve(MAX_INPUT_BYTES),
    bytes: heap.reserve(programBytes),
    opcodeTypes: heap.reserve(256),
    program: heap.reserve(programStructBytes),
  };
}

function sharedProgramCore(): Promise<ProgramCore> {
  programCore ??= createProgramCore().catch((error: unknown) => {
    programCore = undefined; // a later call may try again
    throw error;
  });
  return programCore;
}

/** The first program a hash of `input` under `variant` runs; the results are copies, the caller may keep them. */
export async function firstProgram(input: Uint8Array, variant: string): Promise<FirstProgram> {
  if (input.length > MAX_INPUT_BYTES) {
    throw new RangeError(`Programs are shown for inputs of at most ${MAX_INPUT_BYTES} bytes, got ${input.length}.`);
  }
  const { core, memory, ...at } = await sharedProgramCore();
  const { exports } = core;
  const variantId = variantIndex(core, memory, variant);
  bytesOf(memory, at.input, input.length).set(input);
  exports.rx_api_first_program(variantId, at.input, input.length, at.bytes, at.opcodeTypes, at.program);
  const level = (number: number) => exports.rx_api_scratchpad_level_bytes(variantId, number);
  return {
    program: new DataView(bytesOf(memory, at.program, at.programStructBytes).slice().buffer),
    bytes: bytesOf(memory, at.bytes, exports.rx_api_program_bytes(variantId)).slice(),
    opcodeTypes: bytesOf(memory, at.opcodeTypes, 256).slice(),
    scratchpadLevelBytes: [level(1), level(2), level(3)],
    coreMemoryBytes: memory.buffer.byteLength,
  };
}

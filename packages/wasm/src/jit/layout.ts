// Byte offsets of the C structs the compilers read in the core's memory (wasm32). packages/wasm/c/wasm_api.c
// asserts the same numbers at compile time, so the two cannot drift apart.

export const CACHE = { programs: 8 } as const;

export const SUPERSCALAR_PROGRAM = { size: 0, addressRegister: 4, code: 8, bytes: 8200 } as const;
export const SUPERSCALAR_INSTRUCTION = { opcode: 0, dst: 1, src: 2, shift: 3, imm32: 4, reciprocal: 8, bytes: 16 };

export const PROGRAM = {
  a: 0,
  ma: 64,
  mx: 68,
  readRegisters: 72,
  datasetOffset: 80,
  eMask: 88,
  size: 104,
  code: 112,
} as const;

export const INSTRUCTION = {
  type: 0,
  dst: 1,
  src: 2,
  shift: 3,
  srcIsImm: 4,
  mask: 8,
  imm: 16,
  conditionMask: 24,
  target: 32,
  bytes: 40,
} as const;

/** rx_vm: one lane of a VM, as rx_jit_run_programs receives it. `scratchpad` holds a pointer. */
export const LANE = { scratchpad: 8, registers: 16, rounding: 272, program: 544 } as const;

export const REGISTER_FILE = { r: 0, f: 64, e: 128, a: 192 } as const;

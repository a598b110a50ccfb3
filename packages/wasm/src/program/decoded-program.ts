// Reads a decoded program (rx_program in packages/wasm/c/vm.h) at the offsets the program compiler reads
// (jit/layout.ts), wherever it lies: a copy from rx_api_first_program, or a VM lane in the shared memory.
import { INSTRUCTION, PROGRAM } from '../jit/layout.js';
import type { Instruction } from '../jit/program-compiler.js';

/** rx_decoded_instruction: one instruction with its operands resolved by the C decoder. */
export interface DecodedInstruction {
  /** What the VM runs: NOP for the no-op forms of IMUL_RCP and ISWAP_R. */
  readonly type: Instruction;
  readonly dst: number;
  readonly src: number;
  /** IADD_RS: the shift of src; CBRANCH: the lowest condition bit. */
  readonly shift: number;
  /** Integer forms whose src == dst use the immediate (memory operands: an L3 address from it alone). */
  readonly srcIsImm: boolean;
  /** Scratchpad address mask of a memory operand or store. */
  readonly mask: number;
  /** Sign-extended imm32; IMUL_RCP: the reciprocal; CBRANCH: cimm; rotations and CFROUND: the count. */
  readonly imm: bigint;
  /** CBRANCH: the bits of dst that must be zero for the jump. */
  readonly conditionMask: bigint;
  /** CBRANCH: the instruction the jump continues at. */
  readonly target: number;
}

export interface DecodedProgram {
  /** a0-a3, each [low, high] (specs.md 4.5.2). */
  readonly a: readonly (readonly [number, number])[];
  readonly ma: number;
  readonly mx: number;
  /** readReg0-readReg3 as register numbers (specs.md 4.5.4). */
  readonly readRegisters: readonly number[];
  /** In bytes (specs.md 4.5.5). */
  readonly datasetOffset: bigint;
  /** The group E masks of the low and high halves (specs.md 4.5.6): OR-ed into every E value. */
  readonly eMask: readonly [bigint, bigint];
  readonly instructions: readonly DecodedInstruction[];
}

function readInstruction(view: DataView, at: number): DecodedInstruction {
  return {
    type: view.getUint8(at + INSTRUCTION.type) as Instruction,
    dst: view.getUint8(at + INSTRUCTION.dst),
    src: view.getUint8(at + INSTRUCTION.src),
    shift: view.getUint8(at + INSTRUCTION.shift),
    srcIsImm: view.getUint8(at + INSTRUCTION.srcIsImm) !== 0,
    mask: view.getUint32(at + INSTRUCTION.mask, true),
    imm: view.getBigUint64(at + INSTRUCTION.imm, true),
    conditionMask: view.getBigUint64(at + INSTRUCTION.conditionMask, true),
    target: view.getInt32(at + INSTRUCTION.target, true),
  };
}

/** The program whose rx_program struct starts at byte `address` of `view`. */
export function readDecodedProgram(view: DataView, address = 0): DecodedProgram {
  const size = view.getUint32(address + PROGRAM.size, true);
  const double = (offset: number) => view.getFloat64(address + PROGRAM.a + offset, true);
  return {
    a: [0, 1, 2, 3].map((i) => [double(16 * i), double(16 * i + 8)] as const),
    ma: view.getUint32(address + PROGRAM.ma, true),
    mx: view.getUint32(address + PROGRAM.mx, true),
    readRegisters: [0, 1, 2, 3].map((i) => view.getUint8(address + PROGRAM.readRegisters + i)),
    datasetOffset: view.getBigUint64(address + PROGRAM.datasetOffset, true),
    eMask: [view.getBigUint64(address + PROGRAM.eMask, true), view.getBigUint64(address + PROGRAM.eMask + 8, true)],
    instructions: Array.from({ length: size }, (_, index) =>
      readInstruction(view, address + PROGRAM.code + index * INSTRUCTION.bytes),
    ),
  };
}

// "Inside RandomX": the first program a hash runs, as readable instructions (notation in instruction-text.ts).
// The program comes from the C core, generated and decoded by the code the hash runs; the first program depends on
// the input alone (specs.md chapter 2: Hash512 of the input through AesGenerator1R, then AesGenerator4R), so this
// needs no cache and runs in a page's main thread.
import { type RandomxVariant, requireRandomxVariant } from '@rxmesh/core';
import { Instruction } from '../jit/program-compiler.js';
import { readDecodedProgram } from './decoded-program.js';
import { firstProgram } from './first-program.js';
import {
  INSTRUCTION_GROUPS,
  InstructionFormatter,
  type InstructionGroup,
  instructionGroup,
} from './instruction-text.js';

export type { InstructionGroup };

export interface ProgramInstruction {
  /** 0 .. program size - 1, the number a CBRANCH jumps to. */
  readonly index: number;
  /** The instruction its opcode selects (specs.md chapter 5), e.g. IADD_RS; the no-op forms keep their name. */
  readonly name: string;
  readonly group: InstructionGroup;
  /** The instruction in the notation of instruction-text.ts, e.g. `r3 += r5 << 2`. */
  readonly text: string;
  /** CBRANCH only: the instruction a taken jump continues at. */
  readonly branchTarget?: number;
}

/** The program's configuration (specs.md 4.5), from the 128 bytes that precede its instructions. */
export interface ProgramConfiguration {
  /** a0-a3, the program's float constants, each [low, high]. */
  readonly a: readonly (readonly [number, number])[];
  /** The first dataset read and prefetch addresses. */
  readonly ma: number;
  readonly mx: number;
  /**
   * The registers chosen to address memory: the scratchpad lines each iteration reads and writes come from
   * scratchpad[0] ^ scratchpad[1], the next dataset item from dataset[0] ^ dataset[1].
   */
  readonly addressRegisters: {
    readonly scratchpad: readonly [string, string];
    readonly dataset: readonly [string, string];
  };
  /** Where in the dataset this program's window starts, in bytes. */
  readonly datasetOffset: number;
  /** The group E masks (low half, high half) as 16 hex digits: exponent and fraction bits set in every E value. */
  readonly eMasks: readonly [string, string];
}

export interface ProgramDescription {
  readonly variant: RandomxVariant;
  readonly configuration: ProgramConfiguration;
  readonly instructions: readonly ProgramInstruction[];
  readonly groupCounts: Readonly<Record<InstructionGroup, number>>;
}

export interface DescribeOptions {
  /** Default rx/0. */
  variant?: string;
}

const maskHex = (mask: bigint) => mask.toString(16).padStart(16, '0');

/** The first program a RandomX hash of `input` (at most 64 KiB) runs, as readable instructions. */
export async function describeProgram(input: Uint8Array, options: DescribeOptions = {}): Promise<ProgramDescription> {
  const variant = requireRandomxVariant(options.variant ?? 'rx/0');
  const first = await firstProgram(input, variant);
  const program = readDecodedProgram(first.program);
  const formatter = new InstructionFormatter(first.scratchpadLevelBytes);
  const words = new DataView(first.bytes.buffer, first.bytes.byteOffset + 128);
  const groupCounts = Object.fromEntries(INSTRUCTION_GROUPS.map((group) => [group, 0])) as Record<
    InstructionGroup,
    number
  >;
  const instructions = program.instructions.map((decoded, index): ProgramInstruction => {
    const generated = first.opcodeTypes[words.getUint8(8 * index)] as Instruction;
    if (generated === Instruction.NOP) throw new Error(`Opcode ${words.getUint8(8 * index)} selects no instruction.`);
    const group = instructionGroup(generated);
    groupCounts[group]++;
    const text = formatter.format(decoded, { generated, imm32: words.getUint32(8 * index + 4, true) });
    const instruction = { index, name: Instruction[generated], group, text };
    return decoded.type === Instruction.CBRANCH ? { ...instruction, branchTarget: decoded.target } : instruction;
  });
  const [read0, read1, read2, read3] = program.readRegisters.map((register) => `r${register}`) as [
    string,
    string,
    string,
    string,
  ];
  return {
    variant,
    configuration: {
      a: program.a,
      ma: program.ma,
      mx: program.mx,
      addressRegisters: { scratchpad: [read0, read1], dataset: [read2, read3] },
      datasetOffset: Number(program.datasetOffset),
      eMasks: [maskHex(program.eMask[0]), maskHex(program.eMask[1])],
    },
    instructions,
    groupCounts,
  };
}

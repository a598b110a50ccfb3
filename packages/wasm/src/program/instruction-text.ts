// One RandomX instruction as a line of text (specs.md chapter 5), from its decoded form: what the VM runs.
//
// Notation:
//   r0-r7        integer registers (64 bits); f0-f3, e0-e3, a0-a3 float registers (pairs of doubles)
//   op=          compound assignment: `r3 += r5 << 2`, `e2 *= a1`, `r1 ^= 0xffffffffffff1234`
//   >>> and <<<  rotate right and left; a register as the count is taken modulo 64
//   [Ln + r6 + 0x1a2b]
//                8 bytes of scratchpad level n at (r6 + 0x1a2b), masked into the first n-level bytes and 8-byte
//                aligned (L1 16 KiB, L2 256 KiB, L3 the whole scratchpad for rx/0). `[L3 0x1a2b8]` is a constant
//                address, printed already masked. A float instruction reads the 8 bytes as two int32 converted to
//                doubles (FDIV_M: then with the program's E masks).
//   mulh, smulh  the high 64 bits of the 128-bit product, unsigned and signed
//   IMUL_RCP     `r2 *= 0x83126e978d4fdf3b (2**73 / 0x3e8)`: the constant the VM multiplies by, then how it is made
//                (rounded down, the largest power of 2 that keeps it below 2**64)
//   FSWAP_R      `f1 = (f1.hi, f1.lo)`: the halves trade places
//   FSCAL_R      `f3 ^= 0x80f0000000000000`: negates both halves and scales them by 2**x, x odd in -15..15
//   CBRANCH      `r4 += 0x3f00; if (r4 & 0xff00) == 0 goto 17`: the jump continues at instruction 17
//   CFROUND      `fprc = (r2 >>> 13) & 3`: the rounding mode of the float instructions that follow
//   ISTORE       `[L2 + r1 - 0x10] = r7`
//   nop (...)    the no-op forms: IMUL_RCP by 0 or a power of 2, ISWAP_R of a register with itself
// Constants are hexadecimal, signed where they are added, subtracted or multiplied, and as 64-bit patterns where
// they are XOR-ed or masked; shift and rotation counts and instruction numbers are decimal.
import { Instruction } from '../jit/program-compiler.js';
import type { DecodedInstruction } from './decoded-program.js';

/** The groups of specs.md table 5.1.1; `memory` is its "store" group (ISTORE). */
export type InstructionGroup = 'integer' | 'float' | 'control' | 'memory';

export const INSTRUCTION_GROUPS: readonly InstructionGroup[] = ['integer', 'float', 'control', 'memory'];

/** The group of an instruction as its opcode selects it (never NOP). */
export function instructionGroup(type: Instruction): InstructionGroup {
  if (type <= Instruction.ISWAP_R) return 'integer';
  if (type <= Instruction.FSQRT_R) return 'float';
  if (type === Instruction.ISTORE) return 'memory';
  return 'control';
}

/** What the text needs besides the decoded instruction. */
export interface InstructionSource {
  /** The instruction its opcode selects, before the decoder turns the no-op forms into NOP. */
  readonly generated: Instruction;
  /** The instruction word's imm32 as an unsigned number (IMUL_RCP's divisor). */
  readonly imm32: number;
}

const FSCAL_MASK = 0x80f0000000000000n;

const signedHex = (value: bigint): string => {
  const signed = BigInt.asIntN(64, value);
  return signed < 0n ? `-0x${(-signed).toString(16)}` : `0x${signed.toString(16)}`;
};
const bitsHex = (value: bigint): string => `0x${BigInt.asUintN(64, value).toString(16)}`;
/** ` + 0x10`, ` - 0x10`, or nothing for 0: a signed term after an operand. */
const plusTerm = (value: bigint): string => {
  const signed = BigInt.asIntN(64, value);
  if (signed === 0n) return '';
  return signed < 0n ? ` - 0x${(-signed).toString(16)}` : ` + 0x${signed.toString(16)}`;
};

const register = (index: number) => `r${index}`;
const floatRegister = (group: 'f' | 'e' | 'a', index: number) => `${group}${index}`;

export class InstructionFormatter {
  private readonly levelMasks: readonly number[];

  /** `scratchpadLevelBytes`: the variant's L1, L2 and L3 sizes. */
  constructor(scratchpadLevelBytes: readonly [number, number, number]) {
    this.levelMasks = scratchpadLevelBytes.map((bytes) => (bytes - 1) & ~7);
  }

  private level(mask: number): string {
    const level = this.levelMasks.indexOf(mask);
    if (level < 0)
      throw new Error(`Unknown scratchpad mask 0x${mask.toString(16)}: the C core and this view disagree.`);
    return `L${level + 1}`;
  }

  /** A memory operand or store address: `[L1 + r6 + 0x1a2b]`, or `[L3 0x1a2b8]` for a constant address. */
  private memory(instruction: DecodedInstruction, addressRegister: number): string {
    const level = this.level(instruction.mask);
    if (instruction.srcIsImm) {
      return `[${level} 0x${(Number(BigInt.asUintN(32, instruction.imm)) & instruction.mask).toString(16)}]`;
    }
    return `[${level} + ${register(addressRegister)}${plusTerm(instruction.imm)}]`;
  }

  /** An integer source: the register, or the immediate when src == dst. */
  private source(instruction: DecodedInstruction, asBits = false): string {
    if (!instruction.srcIsImm) return register(instruction.src);
    return asBits ? bitsHex(instruction.imm) : signedHex(instruction.imm);
  }

  /** The instruction as one line of the notation above. */
  format(instruction: DecodedInstruction, { generated, imm32 }: InstructionSource): string {
    const { dst, src, imm } = instruction;
    const rd = register(dst);
    switch (instruction.type) {
      case Instruction.IADD_RS: {
        const shifted = instruction.shift === 0 ? register(src) : `${register(src)} << ${instruction.shift}`;
        if (imm === 0n) return `${rd} += ${shifted}`;
        return `${rd} += ${instruction.shift === 0 ? shifted : `(${shifted})`}${plusTerm(imm)}`;
      }
      case Instruction.IADD_M:
        return `${rd} += ${this.memory(instruction, src)}`;
      case Instruction.ISUB_R:
        return `${rd} -= ${this.source(instruction)}`;
      case Instruction.ISUB_M:
        return `${rd} -= ${this.memory(instruction, src)}`;
      case Instruction.IMUL_R:
        return `${rd} *= ${this.source(instruction)}`;
      case Instruction.IMUL_M:
        return `${rd} *= ${this.memory(instruction, src)}`;
      case Instruction.IMULH_R:
        return `${rd} = mulh(${rd}, ${register(src)})`;
      case Instruction.IMULH_M:
        return `${rd} = mulh(${rd}, ${this.memory(instruction, src)})`;
      case Instruction.ISMULH_R:
        return `${rd} = smulh(${rd}, ${register(src)})`;
      case Instruction.ISMULH_M:
        return `${rd} = smulh(${rd}, ${this.memory(instruction, src)})`;
      case Instruction.IMUL_RCP:
        return `${rd} *= ${bitsHex(imm)} (2**${63 + imm32.toString(2).length} / 0x${imm32.toString(16)})`;
      case Instruction.INEG_R:
        return `${rd} = -${rd}`;
      case Instruction.IXOR_R:
        return `${rd} ^= ${this.source(instruction, true)}`;
      case Instruction.IXOR_M:
        return `${rd} ^= ${this.memory(instruction, src)}`;
      case Instruction.IROR_R:
        return `${rd} >>>= ${instruction.srcIsImm ? imm : register(src)}`;
      case Instruction.IROL_R:
        return `${rd} <<<= ${instruction.srcIsImm ? imm : register(src)}`;
      case Instruction.ISWAP_R:
        return `${rd} <-> ${register(src)}`;
      case Instruction.FSWAP_R: {
        const name = dst < 4 ? floatRegister('f', dst) : floatRegister('e', dst - 4);
        return `${name} = (${name}.hi, ${name}.lo)`;
      }
      case Instruction.FADD_R:
        return `${floatRegister('f', dst)} += ${floatRegister('a', src)}`;
      case Instruction.FADD_M:
        return `${floatRegister('f', dst)} += ${this.memory(instruction, src)}`;
      case Instruction.FSUB_R:
        return `${floatRegister('f', dst)} -= ${floatRegister('a', src)}`;
      case Instruction.FSUB_M:
        return `${floatRegister('f', dst)} -= ${this.memory(instruction, src)}`;
      case Instruction.FSCAL_R:
        return `${floatRegister('f', dst)} ^= ${bitsHex(FSCAL_MASK)}`;
      case Instruction.FMUL_R:
        return `${floatRegister('e', dst)} *= ${floatRegister('a', src)}`;
      case Instruction.FDIV_M:
        return `${floatRegister('e', dst)} /= ${this.memory(instruction, src)}`;
      case Instruction.FSQRT_R:
        return `${floatRegister('e', dst)} = sqrt(${floatRegister('e', dst)})`;
      case Instruction.CBRANCH:
        return (
          `${rd} += ${signedHex(imm)}; ` +
          `if (${rd} & ${bitsHex(instruction.conditionMask)}) == 0 goto ${instruction.target}`
        );
      case Instruction.CFROUND:
        return imm === 0n ? `fprc = ${register(src)} & 3` : `fprc = (${register(src)} >>> ${imm}) & 3`;
      case Instruction.ISTORE:
        return `${this.memory(instruction, dst)} = ${register(src)}`;
      case Instruction.NOP:
        if (generated === Instruction.ISWAP_R) return `nop (${rd} <-> ${rd})`;
        if (generated === Instruction.IMUL_RCP) {
          return imm32 === 0 ? 'nop (divisor 0)' : `nop (divisor 0x${imm32.toString(16)} is a power of 2)`;
        }
        break;
    }
    throw new Error(`No text for ${Instruction[instruction.type]} from ${Instruction[generated]}.`);
  }
}

// The notation of instruction-text.ts, case by case: every instruction type, and the forms that differ (src == dst,
// each scratchpad level, constant addresses, r5 in IADD_RS, negative constants, FSWAP_R on F and E, the no-ops).
import { describe, expect, it } from 'vitest';
import { Instruction } from '../jit/program-compiler.js';
import type { DecodedInstruction } from './decoded-program.js';
import { InstructionFormatter, instructionGroup } from './instruction-text.js';

const LEVEL_BYTES = [16 * 1024, 256 * 1024, 2 * 1024 * 1024] as const; // rx/0
const [L1, L2, L3] = LEVEL_BYTES.map((bytes) => (bytes - 1) & ~7) as [number, number, number];
const formatter = new InstructionFormatter(LEVEL_BYTES);

/** A decoded instruction as the C decoder leaves it (unused fields zero), imm given as a signed number. */
function decoded(type: Instruction, fields: Partial<Omit<DecodedInstruction, 'imm'>> & { imm?: bigint } = {}) {
  const { imm = 0n, ...rest } = fields;
  return {
    type,
    dst: 0,
    src: 0,
    shift: 0,
    srcIsImm: false,
    mask: 0,
    conditionMask: 0n,
    target: 0,
    ...rest,
    imm: BigInt.asUintN(64, imm),
  };
}

/** The IMUL_RCP reciprocal from its definition (specs.md 5.2.6): 2**x / divisor with the largest x below 2**64. */
function reciprocal(divisor: bigint): { value: bigint; exponent: number } {
  let exponent = 0;
  while (2n ** BigInt(exponent + 1) / divisor < 2n ** 64n) exponent++;
  return { value: 2n ** BigInt(exponent) / divisor, exponent };
}

const rcp1000 = reciprocal(1000n);

interface Case {
  readonly name: string;
  readonly instruction: DecodedInstruction;
  readonly generated?: Instruction;
  readonly imm32?: number;
  readonly text: string;
}

const cases: Case[] = [
  { name: 'IADD_RS', instruction: decoded(Instruction.IADD_RS, { dst: 3, src: 5, shift: 2 }), text: 'r3 += r5 << 2' },
  { name: 'IADD_RS without shift', instruction: decoded(Instruction.IADD_RS, { dst: 0, src: 7 }), text: 'r0 += r7' },
  {
    name: 'IADD_RS src == dst',
    instruction: decoded(Instruction.IADD_RS, { dst: 4, src: 4, shift: 3 }),
    text: 'r4 += r4 << 3',
  },
  {
    name: 'IADD_RS into r5, with its immediate',
    instruction: decoded(Instruction.IADD_RS, { dst: 5, src: 2, shift: 1, imm: 0x7fn }),
    text: 'r5 += (r2 << 1) + 0x7f',
  },
  {
    name: 'IADD_RS into r5, negative immediate, no shift',
    instruction: decoded(Instruction.IADD_RS, { dst: 5, src: 1, imm: -0x10n }),
    text: 'r5 += r1 - 0x10',
  },
  {
    name: 'IADD_M from L1',
    instruction: decoded(Instruction.IADD_M, { dst: 1, src: 6, mask: L1, imm: 0x1a2bn }),
    text: 'r1 += [L1 + r6 + 0x1a2b]',
  },
  {
    name: 'ISUB_R',
    instruction: decoded(Instruction.ISUB_R, { dst: 2, src: 3 }),
    text: 'r2 -= r3',
  },
  {
    name: 'ISUB_R src == dst takes the signed immediate',
    instruction: decoded(Instruction.ISUB_R, { dst: 2, src: 2, srcIsImm: true, imm: -5n }),
    text: 'r2 -= -0x5',
  },
  {
    name: 'ISUB_M src == dst: a constant L3 address, masked',
    instruction: decoded(Instruction.ISUB_M, { dst: 0, src: 0, srcIsImm: true, mask: L3, imm: -0x10n }),
    text: 'r0 -= [L3 0x1ffff0]',
  },
  {
    name: 'IMUL_R',
    instruction: decoded(Instruction.IMUL_R, { dst: 6, src: 1 }),
    text: 'r6 *= r1',
  },
  {
    name: 'IMUL_R src == dst',
    instruction: decoded(Instruction.IMUL_R, { dst: 6, src: 6, srcIsImm: true, imm: 0x12345n }),
    text: 'r6 *= 0x12345',
  },
  {
    name: 'IMUL_M from L2, zero displacement',
    instruction: decoded(Instruction.IMUL_M, { dst: 7, src: 2, mask: L2 }),
    text: 'r7 *= [L2 + r2]',
  },
  {
    name: 'IMULH_R squaring (src == dst)',
    instruction: decoded(Instruction.IMULH_R, { dst: 4, src: 4 }),
    text: 'r4 = mulh(r4, r4)',
  },
  {
    name: 'IMULH_M',
    instruction: decoded(Instruction.IMULH_M, { dst: 4, src: 1, mask: L2, imm: 0x40n }),
    text: 'r4 = mulh(r4, [L2 + r1 + 0x40])',
  },
  {
    name: 'ISMULH_R',
    instruction: decoded(Instruction.ISMULH_R, { dst: 3, src: 7 }),
    text: 'r3 = smulh(r3, r7)',
  },
  {
    name: 'ISMULH_M',
    instruction: decoded(Instruction.ISMULH_M, { dst: 2, src: 3, mask: L1, imm: 0x8n }),
    text: 'r2 = smulh(r2, [L1 + r3 + 0x8])',
  },
  {
    name: 'IMUL_RCP shows the reciprocal and how it is made',
    instruction: decoded(Instruction.IMUL_RCP, { dst: 2, imm: rcp1000.value }),
    imm32: 1000,
    text: `r2 *= 0x${rcp1000.value.toString(16)} (2**${rcp1000.exponent} / 0x3e8)`,
  },
  {
    name: 'IMUL_RCP by a power of 2 is a no-op',
    instruction: decoded(Instruction.NOP, { dst: 2, imm: 0x40n }),
    generated: Instruction.IMUL_RCP,
    imm32: 0x40,
    text: 'nop (divisor 0x40 is a power of 2)',
  },
  {
    name: 'IMUL_RCP by 0 is a no-op',
    instruction: decoded(Instruction.NOP, { dst: 2 }),
    generated: Instruction.IMUL_RCP,
    imm32: 0,
    text: 'nop (divisor 0)',
  },
  { name: 'INEG_R', instruction: decoded(Instruction.INEG_R, { dst: 7 }), text: 'r7 = -r7' },
  { name: 'IXOR_R', instruction: decoded(Instruction.IXOR_R, { dst: 1, src: 5 }), text: 'r1 ^= r5' },
  {
    name: 'IXOR_R src == dst: the immediate as a 64-bit pattern',
    instruction: decoded(Instruction.IXOR_R, { dst: 1, src: 1, srcIsImm: true, imm: -2n }),
    text: 'r1 ^= 0xfffffffffffffffe',
  },
  {
    name: 'IXOR_M',
    instruction: decoded(Instruction.IXOR_M, { dst: 5, src: 6, mask: L2, imm: -8n }),
    text: 'r5 ^= [L2 + r6 - 0x8]',
  },
  { name: 'IROR_R', instruction: decoded(Instruction.IROR_R, { dst: 1, src: 2 }), text: 'r1 >>>= r2' },
  {
    name: 'IROR_R src == dst',
    instruction: decoded(Instruction.IROR_R, { dst: 1, src: 1, srcIsImm: true, imm: 13n }),
    text: 'r1 >>>= 13',
  },
  { name: 'IROL_R', instruction: decoded(Instruction.IROL_R, { dst: 0, src: 6 }), text: 'r0 <<<= r6' },
  {
    name: 'IROL_R src == dst',
    instruction: decoded(Instruction.IROL_R, { dst: 0, src: 0, srcIsImm: true, imm: 63n }),
    text: 'r0 <<<= 63',
  },
  { name: 'ISWAP_R', instruction: decoded(Instruction.ISWAP_R, { dst: 1, src: 2 }), text: 'r1 <-> r2' },
  {
    name: 'ISWAP_R of a register with itself is a no-op',
    instruction: decoded(Instruction.NOP, { dst: 3, src: 3 }),
    generated: Instruction.ISWAP_R,
    text: 'nop (r3 <-> r3)',
  },
  { name: 'FSWAP_R on F', instruction: decoded(Instruction.FSWAP_R, { dst: 1 }), text: 'f1 = (f1.hi, f1.lo)' },
  { name: 'FSWAP_R on E', instruction: decoded(Instruction.FSWAP_R, { dst: 6 }), text: 'e2 = (e2.hi, e2.lo)' },
  { name: 'FADD_R', instruction: decoded(Instruction.FADD_R, { dst: 2, src: 1 }), text: 'f2 += a1' },
  {
    name: 'FADD_M',
    instruction: decoded(Instruction.FADD_M, { dst: 2, src: 3, mask: L1, imm: 0x10n }),
    text: 'f2 += [L1 + r3 + 0x10]',
  },
  { name: 'FSUB_R', instruction: decoded(Instruction.FSUB_R, { dst: 0, src: 3 }), text: 'f0 -= a3' },
  {
    name: 'FSUB_M',
    instruction: decoded(Instruction.FSUB_M, { dst: 3, src: 0, mask: L2, imm: -0x20n }),
    text: 'f3 -= [L2 + r0 - 0x20]',
  },
  { name: 'FSCAL_R', instruction: decoded(Instruction.FSCAL_R, { dst: 3 }), text: 'f3 ^= 0x80f0000000000000' },
  { name: 'FMUL_R', instruction: decoded(Instruction.FMUL_R, { dst: 2, src: 1 }), text: 'e2 *= a1' },
  {
    name: 'FDIV_M',
    instruction: decoded(Instruction.FDIV_M, { dst: 1, src: 0, mask: L1, imm: 0x8n }),
    text: 'e1 /= [L1 + r0 + 0x8]',
  },
  { name: 'FSQRT_R', instruction: decoded(Instruction.FSQRT_R, { dst: 3 }), text: 'e3 = sqrt(e3)' },
  {
    name: 'CBRANCH',
    instruction: decoded(Instruction.CBRANCH, { dst: 4, imm: 0x3f00n, conditionMask: 0xff00n, target: 17 }),
    text: 'r4 += 0x3f00; if (r4 & 0xff00) == 0 goto 17',
  },
  {
    name: 'CBRANCH with a negative constant, back to the start',
    instruction: decoded(Instruction.CBRANCH, { dst: 0, imm: -0x7fff00ffn, conditionMask: 0x7f800000n }),
    text: 'r0 += -0x7fff00ff; if (r0 & 0x7f800000) == 0 goto 0',
  },
  {
    name: 'CFROUND',
    instruction: decoded(Instruction.CFROUND, { src: 2, imm: 13n }),
    text: 'fprc = (r2 >>> 13) & 3',
  },
  { name: 'CFROUND without rotation', instruction: decoded(Instruction.CFROUND, { src: 5 }), text: 'fprc = r5 & 3' },
  {
    name: 'ISTORE to L2',
    instruction: decoded(Instruction.ISTORE, { dst: 1, src: 7, mask: L2, imm: -0x10n }),
    text: '[L2 + r1 - 0x10] = r7',
  },
  {
    name: 'ISTORE to L3 (mod.cond >= 14)',
    instruction: decoded(Instruction.ISTORE, { dst: 6, src: 6, mask: L3, imm: 0x123456n }),
    text: '[L3 + r6 + 0x123456] = r6',
  },
];

describe('instruction text', () => {
  it.each(cases)('$name: $text', ({ instruction, generated, imm32, text }) => {
    expect(formatter.format(instruction, { generated: generated ?? instruction.type, imm32: imm32 ?? 0 })).toBe(text);
  });

  it('covers every instruction type, the no-op form included', () => {
    const covered = new Set(cases.map(({ instruction }) => instruction.type));
    const types = Object.values(Instruction).filter((value): value is Instruction => typeof value === 'number');
    expect(types.filter((type) => !covered.has(type)).map((type) => Instruction[type])).toEqual([]);
  });

  it('groups instructions as specs.md table 5.1.1 does', () => {
    const named = (group: string) =>
      Object.values(Instruction)
        .filter((value): value is Instruction => typeof value === 'number' && value !== Instruction.NOP)
        .filter((type) => instructionGroup(type) === group)
        .map((type) => Instruction[type]);
    expect(named('integer')).toHaveLength(17);
    expect(named('float')).toHaveLength(9);
    expect(named('control').sort()).toEqual(['CBRANCH', 'CFROUND']);
    expect(named('memory')).toEqual(['ISTORE']);
  });

  it('refuses a scratchpad mask of no level, rather than guess', () => {
    const stray = decoded(Instruction.IADD_M, { dst: 1, src: 2, mask: 0xff8 });
    expect(() => formatter.format(stray, { generated: Instruction.IADD_M, imm32: 0 })).toThrow(
      /Unknown scratchpad mask/,
    );
  });
});

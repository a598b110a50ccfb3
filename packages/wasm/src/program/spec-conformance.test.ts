// The programs describeProgram shows, against tevador/RandomX doc/specs.md (commit 4f8f7f6) over 2000 inputs: the
// instruction frequencies of tables 5.2.1-5.5.1 and the groups of table 5.1.1, and, read from each raw instruction
// word, the registers (5.1.2), scratchpad levels (5.1.4), IMUL_RCP reciprocals (5.2.6), no-op forms and CBRANCH
// constants and targets (5.4.2) that the text must show.
import { benchmarkBlob, withNonce } from '@rxmesh/core';
import { describe, expect, it } from 'vitest';
import { describeProgram, type ProgramDescription } from './describe-program.js';
import { firstProgram } from './first-program.js';

/** specs.md tables 5.2.1, 5.3.1, 5.4.1 and 5.5.1: opcodes out of 256 per instruction. */
const SPEC_FREQUENCY: Record<string, number> = {
  IADD_RS: 16,
  IADD_M: 7,
  ISUB_R: 16,
  ISUB_M: 7,
  IMUL_R: 16,
  IMUL_M: 4,
  IMULH_R: 4,
  IMULH_M: 1,
  ISMULH_R: 4,
  ISMULH_M: 1,
  IMUL_RCP: 8,
  INEG_R: 2,
  IXOR_R: 15,
  IXOR_M: 5,
  IROR_R: 8,
  IROL_R: 2,
  ISWAP_R: 4,
  FSWAP_R: 4,
  FADD_R: 16,
  FADD_M: 5,
  FSUB_R: 16,
  FSUB_M: 5,
  FSCAL_R: 6,
  FMUL_R: 32,
  FDIV_M: 4,
  FSQRT_R: 6,
  CFROUND: 1,
  CBRANCH: 25,
  ISTORE: 16,
};
/** specs.md table 5.1.1: opcodes per group ("store" is this API's `memory`). */
const SPEC_GROUP_OPCODES = { integer: 120, float: 94, control: 26, memory: 16 };
const INTEGER_INSTRUCTIONS = Object.keys(SPEC_FREQUENCY).slice(0, 17);
/** specs.md tables 1.2.1 and 4.2.1: the 8-byte aligned mask of rx/0's 2 MiB scratchpad. */
const L3_MASK = (2097152 - 1) & ~7;
const JUMP_OFFSET = 8;
const JUMP_BITS = 8;

const PROGRAMS = 2000;
const INSTRUCTIONS = 256;

/**
 * Each opcode is a byte of AesGenerator4R output, so an instruction with f opcodes appears Binomial(n, f/256)
 * times in n instructions: this is the standard deviation of that count.
 */
function deviation(samples: number, opcodes: number): number {
  const p = opcodes / 256;
  return Math.sqrt(samples * p * (1 - p));
}
/**
 * 5 standard deviations: a correct table fails one of the 29 checks with probability about 29 x 5.7e-7 (the inputs
 * are fixed, so the outcome does not vary from run to run).
 */
const bound = (samples: number, opcodes: number) => 5 * deviation(samples, opcodes);

const parseSignedHex = (text: string): bigint => (text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text));

/** specs.md 5.2.6, from the definition: the largest 2**x / divisor below 2**64. */
function reciprocal(divisor: number): bigint {
  let exponent = 0n;
  while (2n ** (exponent + 1n) / BigInt(divisor) < 2n ** 64n) exponent++;
  return 2n ** exponent / BigInt(divisor);
}

const isZeroOrPowerOfTwo = (value: number) => (value & (value - 1)) === 0;

/** What the raw words of one program say its text must show; returns each disagreement as a sentence. */
function disagreements(description: ProgramDescription, bytes: Uint8Array): string[] {
  const found: string[] = [];
  const words = new DataView(bytes.buffer, bytes.byteOffset + 128);
  const lastModified = Array<number>(8).fill(-1);
  for (const { index, name, text, branchTarget } of description.instructions) {
    const at = 8 * index;
    const dst = words.getUint8(at + 1) % 8;
    const src = words.getUint8(at + 2) % 8;
    const mod = words.getUint8(at + 3);
    const imm32 = words.getUint32(at + 4, true);
    const check = (holds: boolean, what: string) => {
      if (!holds) found.push(`instruction ${index} (${name} \`${text}\`): ${what}`);
    };
    const level = mod % 4 === 0 ? 'L2' : 'L1';

    const isNop = (name === 'IMUL_RCP' && isZeroOrPowerOfTwo(imm32)) || (name === 'ISWAP_R' && src === dst);
    check(text.startsWith('nop') === isNop, isNop ? 'is a no-op' : 'is no no-op');
    if (INTEGER_INSTRUCTIONS.includes(name) && !isNop) {
      check(text.startsWith(`r${dst} `), `writes r${dst}`);
      lastModified[dst] = index;
      if (name === 'ISWAP_R') lastModified[src] = index;
    }
    if (/^F(ADD|SUB)_R$|^FMUL_R$/.test(name)) check(text.endsWith(` a${src % 4}`), `reads a${src % 4}`);
    if (/^F(ADD|SUB|SCAL)_/.test(name)) check(text.startsWith(`f${dst % 4} `), `writes f${dst % 4}`);
    if (/^F(MUL|DIV|SQRT)_/.test(name)) check(text.startsWith(`e${dst % 4} `), `writes e${dst % 4}`);
    if (name === 'FSWAP_R') check(text.startsWith(dst < 4 ? `f${dst} ` : `e${dst - 4} `), `swaps register ${dst}`);

    if (/^I.*_M$/.test(name)) {
      const operand = src === dst ? `[L3 0x${(imm32 & L3_MASK).toString(16)}]` : `[${level} + r${src}`;
      check(text.includes(operand), `reads ${operand}`);
    }
    if (/^F.*_M$/.test(name)) check(text.includes(`[${level} + r${src}`), `reads [${level} + r${src} ...]`);
    if (name === 'ISTORE') {
      const storeLevel = mod >> 4 >= 14 ? 'L3' : level;
      const store = new RegExp(`^\\[${storeLevel} \\+ r${dst}( [+-] 0x[0-9a-f]+)?\\] = r${src}$`);
      check(store.test(text), `stores r${src} to [${storeLevel} + r${dst} ...]`);
    }
    if (name === 'IMUL_RCP' && !isNop) {
      const value = BigInt(/\*= (0x[0-9a-f]+) /.exec(text)?.[1] ?? '-1');
      check(value === reciprocal(imm32), `multiplies by 0x${reciprocal(imm32).toString(16)}`);
    }
    if (name === 'CBRANCH') {
      const b = BigInt((mod >> 4) + JUMP_OFFSET);
      const cimm = BigInt.asIntN(64, (BigInt.asIntN(32, BigInt(imm32)) | (1n << b)) & ~(1n << (b - 1n)));
      check(parseSignedHex(/^r\d \+= (-?0x[0-9a-f]+);/.exec(text)?.[1] ?? '0') === cimm, `adds ${cimm}`);
      const mask = `0x${(((1n << BigInt(JUMP_BITS)) - 1n) << b).toString(16)}`;
      check(text.includes(`r${dst} & ${mask}) == 0`), `tests r${dst} & ${mask}`);
      const target = (lastModified[dst] ?? -1) + 1;
      check(text.endsWith(` goto ${target}`) && branchTarget === target, `jumps to ${target}`);
      lastModified.fill(index);
    } else {
      check(branchTarget === undefined, 'has no branch target');
    }
  }
  return found;
}

describe('rx/0 programs as specs.md describes them', () => {
  it(`${PROGRAMS} programs: frequencies, groups, and what each raw word says`, { timeout: 120_000 }, async () => {
    const blob = benchmarkBlob();
    const counts = new Map<string, number>();
    const groupCounts = { integer: 0, float: 0, control: 0, memory: 0 };
    const problems: string[] = [];
    for (let nonce = 0; nonce < PROGRAMS; nonce++) {
      const input = withNonce(blob, nonce);
      const description = await describeProgram(input);
      problems.push(...disagreements(description, (await firstProgram(input, 'rx/0')).bytes));
      for (const { name } of description.instructions) counts.set(name, (counts.get(name) ?? 0) + 1);
      for (const group of Object.keys(groupCounts) as (keyof typeof groupCounts)[]) {
        groupCounts[group] += description.groupCounts[group];
      }
    }

    expect(problems.slice(0, 20)).toEqual([]);

    const samples = PROGRAMS * INSTRUCTIONS;
    expect([...counts.keys()].sort()).toEqual(Object.keys(SPEC_FREQUENCY).sort());
    for (const [name, opcodes] of Object.entries(SPEC_FREQUENCY)) {
      // One opcode too many or too few moves the mean by samples / 256, past the bound by 2 more deviations.
      expect(samples / 256).toBeGreaterThan(bound(samples, opcodes) + 2 * deviation(samples, opcodes));
      const expected = (samples * opcodes) / 256;
      expect(
        Math.abs((counts.get(name) ?? 0) - expected),
        `${name}: ${counts.get(name)}, expected ≈${expected}`,
      ).toBeLessThan(bound(samples, opcodes));
    }
    for (const [group, opcodes] of Object.entries(SPEC_GROUP_OPCODES)) {
      const expected = (samples * opcodes) / 256;
      const count = groupCounts[group as keyof typeof groupCounts];
      expect(Math.abs(count - expected), `${group}: ${count}, expected ≈${expected}`).toBeLessThan(
        bound(samples, opcodes),
      );
    }
  });
});

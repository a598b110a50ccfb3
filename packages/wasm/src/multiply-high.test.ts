// IMULH and ISMULH as the compilers emit them, against BigInt arithmetic on edge and random operands.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emitMultiplyHigh, MULTIPLY_HIGH_SCRATCH } from './jit/multiply-high.js';
import { type FunctionType, I64, ModuleWriter } from './jit/wasm-writer.js';

type MultiplyHigh = (a: bigint, b: bigint) => bigint;

function compiled(): { unsigned: MultiplyHigh; signed: MultiplyHigh } {
  const module = new ModuleWriter();
  for (const signed of [false, true]) {
    const type: FunctionType = { params: [I64, I64], results: [I64] };
    const { body } = module.defineFunction(type, [...MULTIPLY_HIGH_SCRATCH], signed ? 'signed' : 'unsigned');
    emitMultiplyHigh(body, 0, 1, 2, signed);
  }
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(module.finish()));
  return exports as unknown as { unsigned: MultiplyHigh; signed: MultiplyHigh };
}

const EDGES = [0n, 1n, 2n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];

describe('exact high halves of 64 x 64-bit products', () => {
  const { unsigned, signed } = compiled();
  const random = () => randomBytes(8).readBigUInt64LE();
  const pairs: [bigint, bigint][] = [
    ...EDGES.flatMap((a) => EDGES.map((b) => [a, b] as [bigint, bigint])),
    ...Array.from({ length: 20_000 }, () => [random(), random()] as [bigint, bigint]),
  ];

  it('unsigned (IMULH), as a uint64', () => {
    const wrong = pairs.filter(([a, b]) => BigInt.asUintN(64, unsigned(a, b)) !== (a * b) >> 64n);
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it('signed (ISMULH), as an int64', () => {
    const wrong = pairs.filter(([a, b]) => signed(a, b) !== (BigInt.asIntN(64, a) * BigInt.asIntN(64, b)) >> 64n);
    expect(wrong.slice(0, 3)).toEqual([]);
  });
});

// Exact directed rounding for the VM's f64x2 operations, as a small module of branch-free functions that every
// compiled program calls (fadd, fmul, fdiv, fsqrt). Compiled once, they reach the optimizing tier quickly,
// while each program's own code stays small enough to compile in a fraction of a millisecond. Each operation computes
// the round-to-nearest result R and the sign of its error (exact - R) with error-free transformations (TwoSum;
// Dekker's product, or a proven-fused multiply-add), then moves R by one ulp in its bit pattern when the current
// CFROUND mode rounds the other way. Operands are scaled into [1, 4) first, so that the transformations neither
// overflow nor lose bits; an overflow to infinity from finite operands counts as error of the opposite sign,
// which steps back to the largest finite double where the mode asks for it. The C core (packages/wasm/c/
// fp_round.c) implements the same rules and is checked against fesetround; the tests check this against it.
import { type CodeWriter, type FunctionType, ModuleWriter, Op, Simd, V128, type ValueType } from './wasm-writer.js';

/** How many v128 scratch locals the operations need. */
export const FLOAT_SCRATCH_LOCALS = 15;

export interface FloatLocals {
  /** Mode masks: all ones in both lanes when the mode is round down / up / toward zero. */
  down: number;
  up: number;
  toZero: number;
  /** FLOAT_SCRATCH_LOCALS v128 scratch locals. */
  scratch: number[];
}

const EXPONENT = 0x7ff0000000000000n;
const NOT_EXPONENT = ~EXPONENT & 0xffffffffffffffffn;
const FRACTION = 0x000fffffffffffffn;
const ONE = 0x3ff0000000000000n;
const LOWEST_EXPONENT_BIT = 1n << 52n;
const SIGN = 1n << 63n;
const VELTKAMP = 134217729; // 2^27 + 1: splits a double into two 26-bit halves

const doubleBits = (value: number): bigint => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true);
};

function splat(code: CodeWriter, bits: bigint): void {
  code.v128(bits, bits);
}

function scratch(locals: FloatLocals, count: number): number[] {
  if (count > locals.scratch.length) throw new Error('Not enough v128 scratch locals.');
  return locals.scratch.slice(0, count);
}

/** Sets the three mode masks from the i32 local `mode` (0 nearest, 1 down, 2 up, 3 toward zero). */
export function emitModeMasks(code: CodeWriter, mode: number, locals: Omit<FloatLocals, 'scratch'>): void {
  for (const [value, mask] of [
    [1, locals.down],
    [2, locals.up],
    [3, locals.toZero],
  ] as const) {
    code.i64(0n).get(mode).i32(value).op(Op.i32Eq).op(Op.i64ExtendI32U).op(Op.i64Sub);
    code.simd(Simd.i64x2Splat).set(mask);
  }
}

/** Leaves R moved by one ulp where the mode and the sign of the error say so. Uses scratch 0-3. */
function emitDirection(code: CodeWriter, rounded: number, error: number, locals: FloatLocals): void {
  const [negative, upward, move, plus] = scratch(locals, 4) as [number, number, number, number];
  code.get(rounded).i32(63).simd(Simd.i64x2ShrS).set(negative);
  // Toward -inf: error < 0 and (round down, or toward zero from a positive result).
  code.get(error).v128(0n, 0n).simd(Simd.f64x2Lt);
  code.get(locals.down).get(locals.toZero).get(negative).simd(Simd.v128AndNot).simd(Simd.v128Or);
  code.simd(Simd.v128And);
  // Toward +inf: error > 0 and (round up, or toward zero from a negative result).
  code.get(error).v128(0n, 0n).simd(Simd.f64x2Gt);
  code.get(locals.up).get(locals.toZero).get(negative).simd(Simd.v128And).simd(Simd.v128Or);
  code.simd(Simd.v128And).tee(upward);
  code.simd(Simd.v128Or).tee(move);
  // The bit pattern steps by -1 (toward zero) or +1 (away from zero): +1 toward -inf from a negative result or
  // toward +inf from a positive one. delta = move - 2 * plus, with masks as -1.
  code.get(move).get(negative).get(upward).simd(Simd.v128Xor).simd(Simd.v128And).tee(plus);
  code.get(plus).simd(Simd.i64x2Add).simd(Simd.i64x2Sub);
  code.get(rounded).simd(Simd.i64x2Add);
}

/** Mask of lanes whose exponent is all ones (infinite here: nothing is NaN). */
function emitIsInfinite(code: CodeWriter, value: number): void {
  code.get(value);
  splat(code, EXPONENT);
  code.simd(Simd.v128And);
  splat(code, EXPONENT);
  code.simd(Simd.i64x2Eq);
}

/** Leaves `value` scaled into [1, 2) with its sign. */
function emitNormalized(code: CodeWriter, value: number): void {
  code.get(value);
  splat(code, NOT_EXPONENT);
  code.simd(Simd.v128And);
  splat(code, ONE);
  code.simd(Simd.v128Or);
}

function emitSplit(code: CodeWriter, value: number, high: number, low: number): void {
  code.get(value);
  splat(code, doubleBits(VELTKAMP));
  code.simd(Simd.f64x2Mul).tee(low); // low holds the scaled value for a moment
  code.get(low).get(value).simd(Simd.f64x2Sub).simd(Simd.f64x2Sub).set(high);
  code.get(value).get(high).simd(Simd.f64x2Sub).set(low);
}

/** Leaves x*y - product exactly (Dekker), from the halves of x and y; y's halves may be constants. */
function emitProductError(
  code: CodeWriter,
  xHigh: number,
  xLow: number,
  yHigh: () => void,
  yLow: () => void,
  product: number,
): void {
  code.get(xHigh);
  yHigh();
  code.simd(Simd.f64x2Mul).get(product).simd(Simd.f64x2Sub);
  code.get(xHigh);
  yLow();
  code.simd(Simd.f64x2Mul).simd(Simd.f64x2Add);
  code.get(xLow);
  yHigh();
  code.simd(Simd.f64x2Mul).simd(Simd.f64x2Add);
  code.get(xLow);
  yLow();
  code.simd(Simd.f64x2Mul).simd(Simd.f64x2Add);
}

/** a - x*y exactly when x*y is within a factor of two of a. Uses scratch 10-14. */
function emitResidual(code: CodeWriter, a: number, x: number, y: number, locals: FloatLocals, fused: boolean): void {
  const [product, xHigh, xLow, yHigh, yLow] = scratch(locals, 15).slice(10) as [number, number, number, number, number];
  if (fused) {
    code.get(x).simd(Simd.f64x2Neg).get(y).get(a).simd(Simd.f64x2RelaxedMadd);
    return;
  }
  code.get(x).get(y).simd(Simd.f64x2Mul).set(product);
  emitSplit(code, x, xHigh, xLow);
  if (x === y) {
    code.get(xHigh).set(yHigh).get(xLow).set(yLow);
  } else {
    emitSplit(code, y, yHigh, yLow);
  }
  code.get(a).get(product).simd(Simd.f64x2Sub);
  emitProductError(
    code,
    xHigh,
    xLow,
    () => code.get(yHigh),
    () => code.get(yLow),
    product,
  );
  code.simd(Simd.f64x2Sub);
}

/**
 * Leaves the error sign source for an operation that may overflow: -R where R overflowed from a finite
 * operand, 0 where the operand was already infinite, else the scaled error on the stack.
 */
function emitOverflowAwareError(code: CodeWriter, rounded: number, operand: number, error: number): void {
  code.get(rounded).simd(Simd.f64x2Neg);
  emitIsInfinite(code, operand);
  code.simd(Simd.v128AndNot);
  code.get(error);
  emitIsInfinite(code, rounded);
  code.simd(Simd.v128Bitselect);
}

/** dst = dst + (the f64x2 on the stack), rounded in the current mode. Uses scratch 0-7. */
function emitAdd(code: CodeWriter, dst: number, locals: FloatLocals): void {
  const [operand, sum, virtualB, error] = locals.scratch.slice(4, 8) as [number, number, number, number];
  code.set(operand);
  code.get(dst).get(operand).simd(Simd.f64x2Add).set(sum);
  // TwoSum (Knuth): error = (dst - (sum - virtualB)) + (operand - virtualB), virtualB = sum - dst.
  code.get(sum).get(dst).simd(Simd.f64x2Sub).set(virtualB);
  code.get(dst).get(sum).get(virtualB).simd(Simd.f64x2Sub).simd(Simd.f64x2Sub);
  code.get(operand).get(virtualB).simd(Simd.f64x2Sub).simd(Simd.f64x2Add).set(error);
  emitDirection(code, sum, error, locals);
  // An exact zero sum is -0 when rounding down unless both operands are +0 (IEEE 754 6.3).
  code.get(sum).v128(0n, 0n).simd(Simd.f64x2Eq).get(locals.down).simd(Simd.v128And);
  code.get(dst).get(operand).simd(Simd.v128Or).simd(Simd.v128And);
  splat(code, SIGN);
  code.simd(Simd.v128And).simd(Simd.v128Or).set(dst);
}

/** dst = dst * (the f64x2 in local `factor`), rounded in the current mode. */
function emitMul(code: CodeWriter, dst: number, factor: number, locals: FloatLocals, fused: boolean): void {
  const [product, scaled, scaledFactor, scaledProduct, error] = locals.scratch.slice(4, 9) as [
    number,
    number,
    number,
    number,
    number,
  ];
  code.get(dst).get(factor).simd(Simd.f64x2Mul).set(product);
  emitNormalized(code, dst);
  code.set(scaled);
  emitNormalized(code, factor);
  code.set(scaledFactor);
  code.get(scaled).get(scaledFactor).simd(Simd.f64x2Mul).set(scaledProduct);
  // x*y - product = -(product - x*y), the residual of the product against itself.
  emitResidual(code, scaledProduct, scaled, scaledFactor, locals, fused);
  code.simd(Simd.f64x2Neg).set(error);
  emitOverflowAwareError(code, product, dst, error);
  code.set(error);
  emitDirection(code, product, error, locals);
  code.set(dst);
}

/** dst = dst / (the f64x2 on the stack), rounded in the current mode. */
function emitDiv(code: CodeWriter, dst: number, locals: FloatLocals, fused: boolean): void {
  const [divisor, quotient, scaledDividend, scaledDivisor, scaledQuotient] = locals.scratch.slice(4, 9) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const error = locals.scratch[9] as number;
  code.set(divisor);
  code.get(dst).get(divisor).simd(Simd.f64x2Div).set(quotient);
  emitNormalized(code, dst);
  code.set(scaledDividend);
  emitNormalized(code, divisor);
  code.set(scaledDivisor);
  code.get(scaledDividend).get(scaledDivisor).simd(Simd.f64x2Div).set(scaledQuotient);
  // exact - quotient = (dividend - quotient * divisor) / divisor: the residual's sign, flipped by the divisor's.
  emitResidual(code, scaledDividend, scaledQuotient, scaledDivisor, locals, fused);
  code.get(divisor);
  splat(code, SIGN);
  code.simd(Simd.v128And).simd(Simd.v128Xor).set(error);
  emitOverflowAwareError(code, quotient, dst, error);
  code.set(error);
  emitDirection(code, quotient, error, locals);
  code.set(dst);
}

/** dst = sqrt(dst) for positive dst, rounded in the current mode. */
function emitSqrt(code: CodeWriter, dst: number, locals: FloatLocals, fused: boolean): void {
  const [root, scaled, scaledRoot, error] = locals.scratch.slice(4, 8) as [number, number, number, number];
  code.get(dst).simd(Simd.f64x2Sqrt).set(root);
  // Scale by an even power of two, so that the root scales exactly: into [1, 4).
  code.get(dst);
  splat(code, FRACTION);
  code.simd(Simd.v128And);
  splat(code, LOWEST_EXPONENT_BIT);
  code.get(dst).simd(Simd.v128AndNot);
  splat(code, ONE);
  code.simd(Simd.i64x2Add).simd(Simd.v128Or).set(scaled);
  code.get(scaled).simd(Simd.f64x2Sqrt).set(scaledRoot);
  emitResidual(code, scaled, scaledRoot, scaledRoot, locals, fused);
  emitIsInfinite(code, dst);
  code.simd(Simd.v128AndNot).set(error);
  emitDirection(code, root, error, locals);
  code.set(dst);
}

/** The runtime's functions, in export order: name and number of f64x2 operands before the three mode masks. */
export const FLOAT_OPERATIONS = [
  { name: 'fadd', operands: 2 },
  { name: 'fmul', operands: 2 },
  { name: 'fdiv', operands: 2 },
  { name: 'fsqrt', operands: 1 },
] as const;

export type FloatOperation = (typeof FLOAT_OPERATIONS)[number]['name'];

export function floatOperationType(operands: number): FunctionType {
  return { params: Array<ValueType>(operands + 3).fill(V128), results: [V128] };
}

/**
 * The float runtime module: each function takes its operands, then the down, up and toward-zero masks, and
 * returns the result. FSUB is fadd of the negated operand. `fused` selects relaxed_madd for the exact product
 * errors, which is allowed only where relaxedMaddIsFused() holds.
 */
export function compileFloatRuntime(fused: boolean): Uint8Array<ArrayBuffer> {
  const module = new ModuleWriter();
  for (const { name, operands } of FLOAT_OPERATIONS) {
    const locals: FloatLocals = {
      down: operands,
      up: operands + 1,
      toZero: operands + 2,
      scratch: Array.from({ length: FLOAT_SCRATCH_LOCALS }, (_, i) => operands + 3 + i),
    };
    const { body } = module.defineFunction(
      floatOperationType(operands),
      Array<ValueType>(FLOAT_SCRATCH_LOCALS).fill(V128),
      name,
    );
    if (name === 'fadd') {
      body.get(1);
      emitAdd(body, 0, locals);
    } else if (name === 'fmul') {
      emitMul(body, 0, 1, locals, fused);
    } else if (name === 'fdiv') {
      body.get(1);
      emitDiv(body, 0, locals, fused);
    } else {
      emitSqrt(body, 0, locals, fused);
    }
    body.get(0);
  }
  return module.finish();
}

// The high 64 bits of a 64 x 64-bit product, which WebAssembly has no instruction for: schoolbook multiplication
// on 32-bit halves. With a = a1 * 2^32 + a0 and b = b1 * 2^32 + b0 (a0, b0 unsigned; a1, b1 unsigned or, for the
// signed product, signed), a * b = a1 b1 2^64 + (a1 b0 + a0 b1) 2^32 + a0 b0, and the two middle sums below stay
// within 64 bits, so the high half is a1 b1 + (middle >> 32) + (second middle >> 32) with shifts of the same
// signedness as the halves.
import { type CodeWriter, I64, Op } from './wasm-writer.js';

/** i64 locals the sequence needs as scratch, reserved once per function. */
export const MULTIPLY_HIGH_SCRATCH = [I64, I64, I64, I64, I64] as const;

const LOW_HALF = 0xffffffffn;

/**
 * Leaves the high half of `a` * `b` (locals) on the stack, unsigned or signed. `scratch` is the first of
 * MULTIPLY_HIGH_SCRATCH.length consecutive i64 locals; `a` and `b` may be the same local and are not changed.
 */
export function emitMultiplyHigh(code: CodeWriter, a: number, b: number, scratch: number, signed: boolean): void {
  const [aLow, aHigh, bLow, bHigh, middle] = [0, 1, 2, 3, 4].map((i) => scratch + i) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const shiftHigh = signed ? Op.i64ShrS : Op.i64ShrU;
  code.get(a).i64(LOW_HALF).op(Op.i64And).set(aLow);
  code.get(a).i64(32n).op(shiftHigh).set(aHigh);
  code.get(b).i64(LOW_HALF).op(Op.i64And).set(bLow);
  code.get(b).i64(32n).op(shiftHigh).set(bHigh);
  // middle = a1 b0 + (a0 b0 >> 32)
  code.get(aHigh).get(bLow).op(Op.i64Mul);
  code.get(aLow).get(bLow).op(Op.i64Mul).i64(32n).op(Op.i64ShrU).op(Op.i64Add).set(middle);
  // high = a1 b1 + (middle >> 32) + ((a0 b1 + low half of middle) >> 32)
  code.get(aHigh).get(bHigh).op(Op.i64Mul);
  code.get(middle).i64(32n).op(shiftHigh).op(Op.i64Add);
  code.get(aLow).get(bHigh).op(Op.i64Mul).get(middle).i64(LOW_HALF).op(Op.i64And).op(Op.i64Add);
  code.i64(32n).op(shiftHigh).op(Op.i64Add);
}

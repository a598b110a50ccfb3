// The high 64 bits of a 64 x 64-bit product, which WebAssembly has no instruction for: schoolbook multiplication
// on 32-bit halves, with the carries kept exact, plus the signed correction.
import { type CodeWriter, I64, Op } from './wasm-writer.js';

/** i64 locals the sequence needs as scratch, reserved once per function. */
export const MULTIPLY_HIGH_SCRATCH = [I64, I64, I64, I64, I64, I64, I64] as const;

const LOW_HALF = 0xffffffffn;

/**
 * Leaves the high half of `a` * `b` (locals) on the stack, unsigned or signed. `scratch` is the first of
 * MULTIPLY_HIGH_SCRATCH.length consecutive i64 locals; `a` and `b` may be the same local and are not changed.
 */
export function emitMultiplyHigh(code: CodeWriter, a: number, b: number, scratch: number, signed: boolean): void {
  const [aLow, aHigh, bLow, bHigh, cross, x, y] = [0, 1, 2, 3, 4, 5, 6].map((i) => scratch + i) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  code.get(a).i64(LOW_HALF).op(Op.i64And).set(aLow);
  code.get(a).i64(32n).op(Op.i64ShrU).set(aHigh);
  code.get(b).i64(LOW_HALF).op(Op.i64And).set(bLow);
  code.get(b).i64(32n).op(Op.i64ShrU).set(bHigh);
  // cross = aHigh*bLow + (aLow*bLow >> 32): cannot overflow.
  code.get(aHigh).get(bLow).op(Op.i64Mul);
  code.get(aLow).get(bLow).op(Op.i64Mul).i64(32n).op(Op.i64ShrU).op(Op.i64Add).set(cross);
  // y = aLow*bHigh + low half of cross: cannot overflow either.
  code.get(aLow).get(bHigh).op(Op.i64Mul).get(cross).i64(LOW_HALF).op(Op.i64And).op(Op.i64Add).set(y);
  code.get(aHigh).get(bHigh).op(Op.i64Mul);
  code.get(cross).i64(32n).op(Op.i64ShrU).op(Op.i64Add);
  code.get(y).i64(32n).op(Op.i64ShrU).op(Op.i64Add);
  if (!signed) return;
  // As signed numbers a = a_u - 2^64 [a < 0], so the high half loses b when a < 0 and a when b < 0.
  code.set(x);
  code.get(x);
  code.get(a).i64(63n).op(Op.i64ShrS).get(b).op(Op.i64And).op(Op.i64Sub);
  code.get(b).i64(63n).op(Op.i64ShrS).get(a).op(Op.i64And).op(Op.i64Sub);
}

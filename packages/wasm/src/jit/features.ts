// Feature detection for the program compiler's fast paths.
import { F64, ModuleWriter, Simd } from './wasm-writer.js';

/**
 * True when f64x2.relaxed_madd compiles here and computes a*b + c with a single rounding. Relaxed SIMD lets an
 * engine fuse or not, so the probe checks a case whose fused and unfused results differ, many times over, so
 * that it runs in the optimizing tier too. Exact directed rounding may use it only when this holds.
 */
export function relaxedMaddIsFused(): boolean {
  const module = new ModuleWriter();
  const { body } = module.defineFunction({ params: [F64, F64, F64], results: [F64] }, [], 'madd');
  body.get(0).simd(Simd.f64x2Splat).get(1).simd(Simd.f64x2Splat).get(2).simd(Simd.f64x2Splat);
  body.simd(Simd.f64x2RelaxedMadd).simd(Simd.f64x2ExtractLane).byte(0);
  let madd: (a: number, b: number, c: number) => number;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(module.finish()));
    madd = instance.exports.madd as typeof madd;
  } catch {
    return false;
  }
  // (1 + 2^-30)^2 - (1 + 2^-29) is 2^-60 exactly; rounding the product first gives 0.
  const a = 1 + 2 ** -30;
  const c = -(1 + 2 ** -29);
  for (let i = 0; i < 20_000; i++) if (madd(a, a, c) !== 2 ** -60) return false;
  return true;
}

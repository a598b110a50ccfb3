// Scalar entry points to the float runtime for tests: JavaScript cannot pass v128 values, so this wrapper module
// splats (a, b), builds the mode masks and calls the runtime; each export is (mode, a, b) -> f64 of lane 0.
import {
  compileFloatRuntime,
  emitModeMasks,
  FLOAT_OPERATIONS,
  floatOperationType,
} from '../src/jit/directed-rounding.js';
import { F64, I32, ModuleWriter, Op, Simd, V128 } from '../src/jit/wasm-writer.js';

export type ScalarFloatOperation = (mode: number, a: number, b: number) => number;

export async function floatRuntimeProbe(fused: boolean): Promise<Record<string, ScalarFloatOperation>> {
  const runtime = await WebAssembly.instantiate(await WebAssembly.compile(compileFloatRuntime(fused)));
  const wrapper = new ModuleWriter();
  for (const { name, operands } of FLOAT_OPERATIONS) wrapper.importFunction('env', name, floatOperationType(operands));
  for (const [index, { name, operands }] of FLOAT_OPERATIONS.entries()) {
    const { body } = wrapper.defineFunction({ params: [I32, F64, F64], results: [F64] }, [V128, V128, V128], name);
    const masks = { down: 3, up: 4, toZero: 5 };
    emitModeMasks(body, 0, masks);
    body.get(1).simd(Simd.f64x2Splat);
    if (operands === 2) body.get(2).simd(Simd.f64x2Splat);
    body.get(masks.down).get(masks.up).get(masks.toZero).op(Op.call).u32(index);
    body.simd(Simd.f64x2ExtractLane).byte(0);
  }
  const { exports } = await WebAssembly.instantiate(await WebAssembly.compile(wrapper.finish()), {
    env: runtime.exports,
  });
  return exports as unknown as Record<string, ScalarFloatOperation>;
}

/** One reference result: operation (0 add, 1 sub, 2 mul, 3 div, 4 sqrt), mode, and bits as 16-digit hex. */
export interface FloatCase {
  operation: number;
  mode: number;
  a: string;
  b: string;
  expected: string;
}

export type FloatImplementation = (operation: number, mode: number, a: number, b: number) => number;

/** The probe as one function of (operation, mode, a, b), FSUB being fadd of -b as in compiled programs. */
export function scalarFloatImplementation(probe: Record<string, ScalarFloatOperation>): FloatImplementation {
  const call = (name: string) => probe[name] as ScalarFloatOperation;
  return (operation, mode, a, b) =>
    [
      () => call('fadd')(mode, a, b),
      () => call('fadd')(mode, a, -b),
      () => call('fmul')(mode, a, b),
      () => call('fdiv')(mode, a, b),
      () => call('fsqrt')(mode, a, b),
    ][operation]?.() ?? Number.NaN;
}

const doubleFromHex = (hex: string) => new Float64Array(new BigUint64Array([BigInt(`0x${hex}`)]).buffer)[0] as number;
const bitsOf = (value: number) => new BigUint64Array(new Float64Array([value]).buffer)[0] as bigint;

/** The cases whose result differs from the reference in any bit. */
export function mismatchingCases(compute: FloatImplementation, cases: FloatCase[]): FloatCase[] {
  return cases.filter(
    ({ operation, mode, a, b, expected }) =>
      bitsOf(compute(operation, mode, doubleFromHex(a), doubleFromHex(b))) !== BigInt(`0x${expected}`),
  );
}

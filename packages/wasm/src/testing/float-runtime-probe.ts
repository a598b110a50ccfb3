// Scalar entry points to the float runtime for tests: JavaScript cannot pass v128 values, so this wrapper module
// splats (a, b), builds the mode masks and calls the runtime; each export is (mode, a, b) -> f64 of lane 0.
import { compileFloatRuntime, emitModeMasks, FLOAT_OPERATIONS, floatOperationType } from '../jit/directed-rounding.js';
import { F64, I32, ModuleWriter, Op, Simd, V128 } from '../jit/wasm-writer.js';

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

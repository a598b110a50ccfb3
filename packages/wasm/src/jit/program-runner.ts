// The run-time compiler as the C core sees it: rx_jit_run_program compiles each program it is given and runs it
// on one VM, whose dataset items come from the key's compiled SuperscalarHash module.
import { compileFloatRuntime } from './directed-rounding.js';
import { compileProgram, type VmGeometry } from './program-compiler.js';

/** The float runtime, compiled once per thread and build: VMs and key changes only instantiate it. */
const floatRuntimes = new Map<boolean, Promise<WebAssembly.Module>>();

function floatRuntime(fused: boolean): Promise<WebAssembly.Module> {
  let compiled = floatRuntimes.get(fused);
  if (compiled === undefined) {
    compiled = WebAssembly.compile(compileFloatRuntime(fused));
    floatRuntimes.set(fused, compiled);
  }
  return compiled;
}

export type RunProgram = (program: number, registers: number, rounding: number) => number;

/** Compiles and runs the programs of one VM in the calling thread. */
export async function createProgramRunner(
  superscalar: WebAssembly.Module,
  geometry: Omit<VmGeometry, 'registerFile'>,
  fusedMultiplyAdd: boolean,
): Promise<RunProgram> {
  const { memory } = geometry;
  const items = await WebAssembly.instantiate(superscalar, { env: { memory } });
  const floats = await WebAssembly.instantiate(await floatRuntime(fusedMultiplyAdd));
  const imports = { env: { memory, item: items.exports.item as WebAssembly.ExportValue, ...floats.exports } };
  return (program, registers, rounding) => {
    const bytes = compileProgram({ ...geometry, registerFile: registers }, program);
    // Synchronous compilation: fine in workers, where mining runs; browsers refuse it for big modules on the
    // main thread, where createVM({ compiled: false }) selects the interpreter instead.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    return (instance.exports.run as (mode: number) => number)(rounding);
  };
}

// The run-time compiler as the C core sees it: rx_jit_run_programs compiles the programs of a VM's lanes into one
// module and runs it; their dataset items come from the key's compiled SuperscalarHash module.
import { compileFloatRuntime } from './directed-rounding.js';
import { LANE } from './layout.js';
import { compilePrograms, type Lane, type VmGeometry } from './program-compiler.js';
import { itemsExport } from './superscalar-compiler.js';

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

/** `vms` is the address of `lanes` pointers to rx_vm. */
export type RunPrograms = (vms: number, lanes: number) => void;

/** Compiles and runs the programs of one VM's lanes in the calling thread. */
export async function createProgramRunner(
  superscalar: WebAssembly.Module,
  geometry: VmGeometry,
  fusedMultiplyAdd: boolean,
): Promise<RunPrograms> {
  const { memory } = geometry;
  const items = await WebAssembly.instantiate(superscalar, { env: { memory } });
  const floats = await WebAssembly.instantiate(await floatRuntime(fusedMultiplyAdd));
  return (vms, laneCount) => {
    const view = new DataView(memory.buffer);
    const lanes = Array.from({ length: laneCount }, (_, index): Lane => {
      const vm = view.getUint32(vms + 4 * index, true);
      return {
        program: vm + LANE.program,
        scratchpad: view.getUint32(vm + LANE.scratchpad, true),
        registers: vm + LANE.registers,
        rounding: vm + LANE.rounding,
      };
    });
    const itemsFunction = items.exports[itemsExport(laneCount)] as WebAssembly.ExportValue;
    const imports = { env: { memory, items: itemsFunction, ...floats.exports } };
    // Synchronous compilation: fine in workers, where mining runs; browsers refuse it for big modules on the
    // main thread, where createVM({ compiled: false }) selects the interpreter instead.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(compilePrograms(geometry, lanes)), imports);
    (instance.exports.run as () => void)();
  };
}

// The VM's float operations against this machine's FPU in all four rounding modes: the C core's (used by the
// interpreter) and the float runtime's that compiled programs call (baseline, and fused where available).
import { beforeAll, describe, expect, it } from 'vitest';
import { floatReferenceCases } from '../ctest/run.mjs';
import { bareCore } from '../testing/bare-core.js';
import {
  type FloatCase,
  type FloatImplementation,
  floatRuntimeProbe,
  mismatchingCases,
  scalarFloatImplementation,
} from '../testing/float-runtime-probe.js';
import type { CoreExports } from './exports.js';
import { relaxedMaddIsFused } from './jit/features.js';

const OPERATIONS = ['add', 'sub', 'mul', 'div', 'sqrt'];
const MODES = ['nearest', 'down', 'up', 'toward zero'];
const PAIRS_PER_OPERATION = 4000;

describe('VM float operations in WebAssembly, all rounding modes', () => {
  let cases: FloatCase[];
  let core: CoreExports;
  const implementations = new Map<string, FloatImplementation>();

  beforeAll(async () => {
    cases = floatReferenceCases(PAIRS_PER_OPERATION);
    core = (await bareCore()).exports;
    implementations.set('C core', (operation, mode, a, b) => core.rx_api_fp(operation, mode, a, b));
    implementations.set('float runtime', scalarFloatImplementation(await floatRuntimeProbe(false)));
    if (relaxedMaddIsFused()) {
      implementations.set('float runtime, fused', scalarFloatImplementation(await floatRuntimeProbe(true)));
    }
  });

  it('has reference results for every operation and mode', () => {
    expect(cases).toHaveLength(OPERATIONS.length * MODES.length * PAIRS_PER_OPERATION);
    const nearest = new Map(cases.filter((c) => c.mode === 0).map((c) => [`${c.operation}:${c.a}:${c.b}`, c.expected]));
    const directedDiffersFromNearest = cases.filter(
      (c) => c.mode !== 0 && c.expected !== nearest.get(`${c.operation}:${c.a}:${c.b}`),
    );
    // Guards against a reference generator that ignored fesetround.
    expect(directedDiffersFromNearest.length).toBeGreaterThan(1000);
  });

  for (const [operation, name] of OPERATIONS.entries()) {
    for (const [mode, modeName] of MODES.entries()) {
      it(`${name}, rounding ${modeName}, matches bit for bit`, () => {
        expect([...implementations.keys()]).toContain('float runtime');
        for (const [implementation, compute] of implementations) {
          const selected = cases.filter((c) => c.operation === operation && c.mode === mode);
          const mismatches = mismatchingCases(compute, selected);
          expect(mismatches.slice(0, 3), implementation).toEqual([]);
        }
      });
    }
  }
});

// The VM's float operations against this machine's FPU in all four rounding modes: the C core's (used by the
// interpreter) and the float runtime's that compiled programs call (baseline, and fused where available).
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTool } from '../ctest/run.mjs';
import type { CoreExports } from './exports.js';
import { relaxedMaddIsFused } from './jit/features.js';
import { bareCore } from './testing/bare-core.js';
import { floatRuntimeProbe, type ScalarFloatOperation } from './testing/float-runtime-probe.js';

const OPERATIONS = ['add', 'sub', 'mul', 'div', 'sqrt'];
const MODES = ['nearest', 'down', 'up', 'toward zero'];
const PAIRS_PER_OPERATION = 4000;

interface Case {
  operation: number;
  mode: number;
  a: bigint;
  b: bigint;
  expected: bigint;
}

const toDouble = (bits: bigint) => new Float64Array(new BigUint64Array([bits]).buffer)[0] as number;
const toBits = (value: number) => new BigUint64Array(new Float64Array([value]).buffer)[0] as bigint;

type Implementation = (operation: number, mode: number, a: number, b: number) => number;

function runtimeImplementation(probe: Record<string, ScalarFloatOperation>): Implementation {
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

describe('VM float operations in WebAssembly, all rounding modes', () => {
  let cases: Case[];
  let core: CoreExports;
  const implementations = new Map<string, Implementation>();

  beforeAll(async () => {
    const tool = buildTool('fp_reference', ['-frounding-math']);
    const output = spawnSync(tool, [String(PAIRS_PER_OPERATION)], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    cases = output.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [operation, mode, a, b, expected] = line.split(' ');
        return {
          operation: Number(operation),
          mode: Number(mode),
          a: BigInt(`0x${a}`),
          b: BigInt(`0x${b}`),
          expected: BigInt(`0x${expected}`),
        };
      });
    core = (await bareCore()).exports;
    implementations.set('C core', (operation, mode, a, b) => core.rx_api_fp(operation, mode, a, b));
    implementations.set('float runtime', runtimeImplementation(await floatRuntimeProbe(false)));
    if (relaxedMaddIsFused()) {
      implementations.set('float runtime, fused', runtimeImplementation(await floatRuntimeProbe(true)));
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
          const mismatches = cases
            .filter((c) => c.operation === operation && c.mode === mode)
            .filter((c) => toBits(compute(operation, mode, toDouble(c.a), toDouble(c.b))) !== c.expected);
          expect(mismatches.slice(0, 3), implementation).toEqual([]);
        }
      });
    }
  }
});

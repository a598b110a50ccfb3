// describeProgram shows the program the VM runs: while a compiled VM hashes an input, the decoded program that the
// program compiler reads from the shared memory for the first program is the one describeProgram decoded. And it is
// cheap enough for a page's main thread.
import { randomBytes } from 'node:crypto';
import { benchmarkBlob, withNonce } from '@rxmesh/core';
import { describe, expect, it } from 'vitest';
import { INSTRUCTION, LANE, PROGRAM } from '../jit/layout.js';
import { instantiateCore } from '../load.js';
import { programRunnerFor, RandomxWasm } from '../randomx-wasm.js';
import { readDecodedProgram } from './decoded-program.js';
import { describeProgram } from './describe-program.js';
import { firstProgram, MAX_INPUT_BYTES } from './first-program.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A copy of the decoded program (rx_program) at `address`, as far as its last instruction. */
function copyProgram(memory: WebAssembly.Memory, address: number): Uint8Array {
  const size = new DataView(memory.buffer).getUint32(address + PROGRAM.size, true);
  return new Uint8Array(memory.buffer, address, PROGRAM.code + size * INSTRUCTION.bytes).slice();
}

/**
 * Hashes `input` on a compiled one-lane VM and returns the hash and every program the program compiler was handed,
 * copied from the VM's lane as the compiler found it.
 */
async function hashRecordingPrograms(randomx: RandomxWasm, input: Uint8Array) {
  const handle = randomx.reserveVm({ lanes: 1 });
  const { memory } = handle;
  const core = await instantiateCore(handle.module, memory, handle.stackTop);
  const run = await programRunnerFor(handle, handle.superscalar);
  const programs: Uint8Array[] = [];
  core.runPrograms = (vms, lanes) => {
    const lane = new DataView(memory.buffer).getUint32(vms, true);
    programs.push(copyProgram(memory, lane + LANE.program));
    run(vms, lanes);
  };
  const { exports } = core;
  exports.rx_api_hash_begin(handle.vm);
  new Uint8Array(memory.buffer, handle.io, input.length).set(input);
  exports.rx_api_hash_absorb(handle.vm, handle.io, input.length);
  exports.rx_api_hash_seal(handle.vm, 0);
  exports.rx_api_hash_lanes(handle.vm, 1, handle.io);
  return { hash: new Uint8Array(memory.buffer, handle.io, 32).slice(), programs };
}

describe.each(['rx/0', 'rx/wow'])('%s: describeProgram', (variant) => {
  it('decodes the first program exactly as the compiled VM runs it', { timeout: 300_000 }, async () => {
    const randomx = await RandomxWasm.create({ variant });
    await randomx.initCache(randomBytes(32));
    const interpreter = await randomx.createVM({ compiled: false, lanes: 1 });
    for (const input of [randomBytes(76), randomBytes(1), randomBytes(300)]) {
      const { hash, programs } = await hashRecordingPrograms(randomx, input);
      // The recording VM computed the real hash (the interpreter is checked against librandomx elsewhere).
      expect(hex(hash)).toBe(hex(interpreter.hash(input)));

      const first = await firstProgram(input, variant);
      const shown = new Uint8Array(first.program.buffer, 0, programs[0]?.length);
      const [compiledFirst, compiledSecond] = programs.map((bytes) => readDecodedProgram(new DataView(bytes.buffer)));
      expect(readDecodedProgram(first.program)).toEqual(compiledFirst);
      // Byte for byte over the instructions (the decoder clears each one, padding included).
      expect(hex(shown.subarray(PROGRAM.code))).toBe(hex((programs[0] as Uint8Array).subarray(PROGRAM.code)));
      // The comparison can tell programs apart: the second program is another one.
      expect(readDecodedProgram(first.program)).not.toEqual(compiledSecond);

      const description = await describeProgram(input, { variant });
      expect(description.instructions).toHaveLength(compiledFirst?.instructions.length ?? -1);
      expect(description.configuration.eMasks).toEqual(
        compiledFirst?.eMask.map((mask) => mask.toString(16).padStart(16, '0')),
      );
      expect(description.configuration.addressRegisters).toEqual({
        scratchpad: compiledFirst?.readRegisters.slice(0, 2).map((register) => `r${register}`),
        dataset: compiledFirst?.readRegisters.slice(2).map((register) => `r${register}`),
      });
    }
  });

  it('is fast and small enough for a page', async () => {
    const blob = benchmarkBlob();
    await describeProgram(blob, { variant }); // compiles the core once
    const calls = 100;
    const start = performance.now();
    for (let nonce = 0; nonce < calls; nonce++) await describeProgram(withNonce(blob, nonce), { variant });
    const perCallMs = (performance.now() - start) / calls;
    const first = await firstProgram(blob, variant);
    const copiedBytes = first.program.byteLength + first.bytes.length + first.opcodeTypes.length;
    const describedBytes = JSON.stringify(await describeProgram(blob, { variant })).length;
    console.info(
      `describeProgram ${variant}: ${perCallMs.toFixed(2)} ms per call; one core instance of ` +
        `${first.coreMemoryBytes / 1024} KiB of WebAssembly memory (no cache) for all calls; per call ` +
        `${(copiedBytes / 1024).toFixed(1)} KiB copied out of it and a description of ` +
        `${(describedBytes / 1024).toFixed(1)} KiB as JSON`,
    );
    // A page can afford this within one frame, and the memory is a rounding error beside a 256 MiB cache.
    expect(perCallMs).toBeLessThan(16);
    expect(first.coreMemoryBytes).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('describeProgram refuses what it cannot show, in sentences', () => {
  it('an unknown variant', async () => {
    await expect(describeProgram(new Uint8Array(76), { variant: 'rx/2' })).rejects.toThrow(
      /Unknown RandomX variant "rx\/2"; use one of rx\/0, rx\/wow/,
    );
  });

  it('an input over 64 KiB', async () => {
    await expect(describeProgram(new Uint8Array(MAX_INPUT_BYTES + 1))).rejects.toThrow(/at most 65536 bytes/);
  });

  it('but takes an empty input', async () => {
    expect((await describeProgram(new Uint8Array(0))).instructions).toHaveLength(256);
  });
});

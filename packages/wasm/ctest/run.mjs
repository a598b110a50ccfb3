// @ts-check
// Builds and runs the native C tests of packages/wasm/c with gcc; librandomx (Debian's librandomx-dev) is the
// oracle where a test compares against it. Usage: node packages/wasm/ctest/run.mjs [test-name ...]
// Each test prints "ok - ..." / "not ok - ..." lines and ends with "N passed, M failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishedVectors } from '../../../fixtures/randomx-vectors.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const core = join(here, '../c');
const outputDir = join(here, '../build/ctest');

const CFLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off', `-I${core}`];

/** Every C file of the core but the WebAssembly-only ones (entry points and the libc stand-ins). */
function coreSources() {
  return readdirSync(core)
    .filter((file) => file.endsWith('.c') && !file.startsWith('wasm_'))
    .map((file) => join(core, file));
}

/** @type {Record<string, { extraFlags?: string[], stdin?: () => string, args?: string[] }>} */
export const TESTS = {
  fp_round: { extraFlags: ['-frounding-math'] },
  aes: { extraFlags: ['-maes', '-msse4.1'] },
  argon2d: {},
  superscalar: {},
  hash: { stdin: publishedVectorLines, args: ['4', '4'] },
};

/** "<variant> <key> <input> <hash>" lines from the repository's copy of the published vectors. */
function publishedVectorLines() {
  return ['rx/0', 'rx/wow']
    .flatMap((variant) =>
      publishedVectors(variant).map((v) => `${variant} ${v.key || '-'} ${v.input || '-'} ${v.hash}`),
    )
    .join('\n');
}

/**
 * Compiles a stand-alone C tool from this folder (no core sources) and returns its path.
 * @param {string} name file name without .c
 * @param {string[]} [extraFlags]
 */
export function buildTool(name, extraFlags = []) {
  mkdirSync(outputDir, { recursive: true });
  const binary = join(outputDir, name);
  const compile = spawnSync('gcc', [...CFLAGS, ...extraFlags, join(here, `${name}.c`), '-lm', '-o', binary], {
    encoding: 'utf8',
  });
  if (compile.status !== 0) throw new Error(`gcc failed for ctest/${name}.c:\n${compile.stderr}`);
  return binary;
}

/**
 * Reference results of the VM's float operations under fesetround (fp_reference.c): `pairsPerOperation` operand
 * pairs for each operation, each in all four modes. Bits are 16-digit hex, so the cases can go to a browser.
 * @param {number} pairsPerOperation
 * @returns {{ operation: number, mode: number, a: string, b: string, expected: string }[]}
 */
export function floatReferenceCases(pairsPerOperation) {
  const tool = buildTool('fp_reference', ['-frounding-math']);
  const output = spawnSync(tool, [String(pairsPerOperation)], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (output.status !== 0) throw new Error(`ctest/fp_reference failed:\n${output.stderr}`);
  return output.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [operation, mode, a = '', b = '', expected = ''] = line.split(' ');
      return { operation: Number(operation), mode: Number(mode), a, b, expected };
    });
}

/**
 * @param {string} name
 * @returns {{ status: number | null, output: string }}
 */
export function runCTest(name) {
  const test = TESTS[name];
  if (!test) throw new Error(`No C test named ${name}; known: ${Object.keys(TESTS).join(', ')}`);
  mkdirSync(outputDir, { recursive: true });
  const binary = join(outputDir, `${name}_test`);
  const sources = coreSources();
  const compile = spawnSync(
    'gcc',
    [...CFLAGS, ...(test.extraFlags ?? []), ...sources, join(here, `${name}_test.c`), '-lrandomx', '-lm', '-o', binary],
    { encoding: 'utf8' },
  );
  if (compile.status !== 0) return { status: compile.status, output: compile.stderr };
  const result = spawnSync(binary, test.args ?? [], { encoding: 'utf8', input: test.stdin?.() ?? '' });
  return { status: result.status, output: result.stdout + result.stderr };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const name of process.argv.length > 2 ? process.argv.slice(2) : Object.keys(TESTS)) {
    const { status, output } = runCTest(name);
    process.stdout.write(`# ${name}\n${output}`);
    failed ||= status !== 0;
  }
  process.exit(failed ? 1 : 0);
}

// @ts-check
// Compiles packages/wasm/c with Debian's emscripten and links one module per build with the wasm-ld that
// emscripten itself uses. Usage: node emsdk-build/build.mjs
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration, info } from '../scripts/lib/log.mjs';
import { capture, run } from '../scripts/lib/run.mjs';
import { BUILDS, COMMON_CFLAGS, EXPORTS, MAXIMUM_MEMORY_BYTES, STACK_BYTES } from './builds.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(repoRoot, 'packages/wasm/c');
const outputDir = join(repoRoot, 'packages/wasm/build');

// Debian's emcc runs its JS tools with this machine's Node, which needs Debian's node modules on the path.
const env = { ...process.env, NODE_PATH: [process.env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(':') };

/** @param {string} key */
function emscriptenConfig(key) {
  const value = capture('em-config', [key]);
  if (value === null) throw new Error(`em-config ${key} failed: is the Debian package emscripten installed?`);
  return value.trim();
}

const llvmRoot = emscriptenConfig('LLVM_ROOT');
const llvmVersion = emscriptenConfig('LLVM_ADD_VERSION');
const wasmLd = join(llvmRoot, llvmVersion ? `wasm-ld-${llvmVersion}` : 'wasm-ld');
/**
 * 128-bit multiplication helpers (__multi3); a shared-memory module needs them built with atomics.
 * @param {boolean} sharedMemory
 */
const compilerRt = (sharedMemory) =>
  join(emscriptenConfig('CACHE'), `sysroot/lib/wasm32-emscripten/libcompiler_rt${sharedMemory ? '-mt' : ''}.a`);

const sources = (await readdir(sourceDir)).filter((name) => name.endsWith('.c')).sort();

for (const [index, build] of BUILDS.entries()) {
  const objectDir = join(outputDir, `obj-${build.name}`);
  const output = join(outputDir, `rx-${build.name}.wasm`);
  await mkdir(objectDir, { recursive: true });
  const begin = Date.now();
  info(`build [${index + 1}/${BUILDS.length}] ${build.name}: compiling ${sources.length} C files`);
  const objects = [];
  for (const [fileIndex, source] of sources.entries()) {
    const object = join(objectDir, source.replace(/\.c$/, '.o'));
    process.stdout.write(`  emcc [${fileIndex + 1}/${sources.length}] ${source}\n`);
    await run('emcc', [...COMMON_CFLAGS, ...build.cflags, '-c', join(sourceDir, source), '-o', object], { env });
    objects.push(object);
  }
  info(`build ${build.name}: linking ${output}`);
  await run(wasmLd, [
    ...objects,
    compilerRt(build.sharedMemory),
    '-o',
    output,
    '--no-entry',
    '--import-memory',
    ...(build.sharedMemory ? ['--shared-memory'] : []),
    `--max-memory=${MAXIMUM_MEMORY_BYTES}`,
    '-z',
    `stack-size=${STACK_BYTES}`,
    '--strip-debug',
    ...EXPORTS.map((name) => `--export=${name}`),
  ]);
  const { size } = await stat(output);
  info(`build ${build.name}: ${(size / 1024).toFixed(1)} KiB in ${formatDuration(Date.now() - begin)}`);
}

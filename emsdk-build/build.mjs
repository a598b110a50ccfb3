// @ts-check
// Compiles packages/wasm/c into one .wasm per build with Debian's emscripten.
// Usage: node emsdk-build/build.mjs
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration, info } from '../scripts/lib/log.mjs';
import { run } from '../scripts/lib/run.mjs';
import { BUILDS, EXPORTED_FUNCTIONS } from './builds.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(repoRoot, 'packages/wasm/c');
const outputDir = join(repoRoot, 'packages/wasm/build');

// Debian's emcc runs its JS tools with this machine's Node, which needs Debian's node modules on the path.
const env = { ...process.env, NODE_PATH: [process.env.NODE_PATH, '/usr/share/nodejs'].filter(Boolean).join(':') };

const sources = (await readdir(sourceDir)).filter((name) => name.endsWith('.c')).map((name) => join(sourceDir, name));
await mkdir(outputDir, { recursive: true });

for (const [index, build] of BUILDS.entries()) {
  const output = join(outputDir, `rx-${build.name}.wasm`);
  const begin = Date.now();
  info(`emcc [${index + 1}/${BUILDS.length}] ${build.name}: ${sources.length} C files → ${output}`);
  await run(
    'emcc',
    [
      '-O3',
      '-std=c11',
      '-Wall',
      '-Wextra',
      '-Werror',
      ...build.cflags,
      ...sources,
      '-o',
      output,
      '--no-entry',
      '-sSTANDALONE_WASM=1',
      '-sFILESYSTEM=0',
      '-sALLOW_MEMORY_GROWTH=1',
      `-sEXPORTED_FUNCTIONS=${EXPORTED_FUNCTIONS.map((name) => `_${name}`).join(',')}`,
    ],
    { env },
  );
  const { size } = await stat(output);
  info(`emcc ${build.name}: ${(size / 1024).toFixed(1)} KiB in ${formatDuration(Date.now() - begin)}`);
}

// @ts-check
// Set-up shared by `npm start`, `npm test` and `npm run build`: system packages, npm dependencies, then every
// build. Each step is skipped when the inputs it read last time it succeeded are unchanged.
// Usage: node scripts/bootstrap.mjs [--for=start|test]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireSupportedNode } from '../apps/host/bin/node-version.js';
import { fingerprint, stampStore } from './lib/fingerprint.mjs';
import { info, step } from './lib/log.mjs';
import { run } from './lib/run.mjs';
import { debianVersion, ensureSystemPackages } from './lib/system-packages.mjs';

requireSupportedNode();

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const purpose = process.argv.includes('--for=test') ? 'test' : 'start';
const stamps = stampStore(repoRoot);
const bin = (/** @type {string} */ name) => join(repoRoot, 'node_modules/.bin', name);
/** @type {string[]} */
const workspaces = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).workspaces;

/**
 * Runs `work` unless the fingerprint of `inputs` matches the last success and every output exists.
 * @param {string} name
 * @param {{ inputs: string[], extra?: string[], outputs: string[] }} files
 * @param {() => Promise<void>} work
 */
async function cachedStep(name, files, work) {
  const current = fingerprint(repoRoot, files.inputs, files.extra);
  const outputsExist = files.outputs.every((output) => existsSync(join(repoRoot, output)));
  if (outputsExist && (await stamps.matches(name, current))) {
    info(`${name}: up to date, skipped`);
    return;
  }
  await step(name, work);
  await stamps.save(name, current);
}

/** Node's own headers, so node-gyp builds offline instead of downloading them. */
function nodeHeadersDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include/node/node_api.h')) ? prefix : undefined;
}

await step('system packages', () => ensureSystemPackages(purpose));

await cachedStep(
  'npm dependencies',
  {
    inputs: ['package-lock.json', 'package.json', ...workspaces.map((workspace) => `${workspace}/package.json`)],
    extra: [process.version],
    outputs: ['node_modules/.package-lock.json'],
  },
  () => run('npm', [existsSync(join(repoRoot, 'package-lock.json')) ? 'ci' : 'install'], { cwd: repoRoot }),
);

await cachedStep(
  'WebAssembly core (emsdk-build)',
  {
    inputs: ['packages/wasm/c', 'emsdk-build/build.mjs', 'emsdk-build/builds.mjs'],
    extra: [debianVersion('emscripten')],
    outputs: ['packages/wasm/build'],
  },
  () => run(process.execPath, [join(repoRoot, 'emsdk-build/build.mjs')]),
);

await cachedStep(
  'native addon (node-gyp, librandomx)',
  {
    inputs: ['packages/native/addon', 'packages/native/binding.gyp'],
    extra: [process.version, debianVersion('librandomx-dev')],
    outputs: ['packages/native/build/Release/rxmesh_native.node'],
  },
  () => {
    const headers = nodeHeadersDir();
    return run(bin('node-gyp'), ['rebuild', ...(headers ? [`--nodedir=${headers}`] : [])], {
      cwd: join(repoRoot, 'packages/native'),
    });
  },
);

// tsc -b keeps its own incremental state, so it is cheap when nothing changed.
await step('TypeScript (tsc -b)', () => run(bin('tsc'), ['-b'], { cwd: repoRoot }));

await cachedStep(
  'web app (vite build)',
  {
    inputs: [
      'apps/web',
      'packages/core/src',
      'packages/mesh/src',
      'packages/wasm/src',
      'packages/wasm/build',
      'package-lock.json',
    ],
    outputs: ['apps/web/dist/index.html'],
  },
  () => run(bin('vite'), ['build'], { cwd: join(repoRoot, 'apps/web') }),
);

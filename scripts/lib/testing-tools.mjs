// @ts-check
// The test tools (apps/host/testing: a regtest monerod, the hostile-peer toolkit; apps/signal/testing/redis.ts) are not
// part of any package's build; benchmarks that run them compile them here first, into .rxmesh/testing-tools.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './bench-harness.mjs';
import { info } from './log.mjs';
import { run } from './run.mjs';

let built = false;

/**
 * Compiles the test tools (once per process) and answers the import URL of one of their modules.
 * @param {string} module a path under apps/, as .js: host/testing/monerod.js, signal/testing/redis.js
 */
export async function testingTool(module) {
  if (!built) {
    info('compiling the host test tools (apps/host/testing) …');
    await run(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', join(repoRoot, 'apps/host/testing')]);
    built = true;
  }
  return pathToFileURL(join(repoRoot, '.rxmesh/testing-tools', module)).href;
}

// The engine's threads in Node: worker_threads that keep the process alive only while the engine waits on them.
// This is the `@rxmesh/wasm/node` entry, apart from the main one, so that browser bundles never meet node: modules.
/// <reference path="./comlink-node-adapter.d.ts" />
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { NodeWorkerData } from './node-worker.js';
import type { WorkerStarter } from './thread-link.js';

/**
 * Options for a worker started from the TypeScript sources (vitest runs them; Node 20 cannot): source-hooks.mjs,
 * in place of the inherited flags, which Worker refuses when they hold V8 options (those apply to every thread
 * anyway). Compiled, this module sits beside compiled scripts and the worker inherits the flags as they are.
 */
function sourceOptions(): { execArgv?: string[] } {
  if (!import.meta.url.endsWith('.ts')) return {};
  const hooks = new URL('./source-hooks.mjs', import.meta.url).href;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;
  return { execArgv: ['--import', `data:text/javascript,${encodeURIComponent(register)}`] };
}

export const startNodeWorker: WorkerStarter = (role, name) => {
  const workerData: NodeWorkerData = { role };
  const worker = new Worker(new URL('./node-worker.js', import.meta.url), { workerData, ...sourceOptions() });
  let terminating = false;
  const failure = new Promise<never>((_, reject) => {
    worker.on('error', (error) => reject(new Error(`The ${name} failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!terminating) reject(new Error(`The ${name} stopped unexpectedly (exit code ${code}).`));
    });
  });
  return {
    endpoint: nodeEndpoint(worker),
    failure,
    keepAlive: (keep) => (keep ? worker.ref() : worker.unref()),
    terminate() {
      terminating = true;
      void worker.terminate();
    },
  };
};

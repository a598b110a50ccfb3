// The engine's threads in Node: worker_threads that keep the process alive only while the engine waits on them.
// This is the `@rxmesh/wasm/node` entry, apart from the main one, so that browser bundles never meet node: modules.
/// <reference path="./comlink-node-adapter.d.ts" />
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { NodeWorkerData } from './node-worker.js';
import type { WorkerStarter } from './thread-link.js';

/** Node flags that run the TypeScript sources (Node 20 cannot strip types): register source-hooks.mjs first. */
export function sourceHooksFlags(): string[] {
  const hooks = new URL('./source-hooks.mjs', import.meta.url).href;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(hooks)});`;
  return ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
}

/**
 * Options for a worker started from the TypeScript sources, as vitest runs them: the hooks, in place of the
 * inherited flags, which Worker refuses when they hold V8 options (those apply to every thread anyway). Compiled,
 * this module sits beside compiled scripts and the worker inherits the flags as they are.
 */
function sourceOptions(): { execArgv?: string[] } {
  return import.meta.url.endsWith('.ts') ? { execArgv: sourceHooksFlags() } : {};
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

// The engine's threads in browsers: module Web Workers. Each script is named by a literal
// `new Worker(new URL('./x.ts', import.meta.url), { type: 'module' })`, which bundlers (Vite) follow and bundle,
// so this starter is for apps built from the sources (the `@rxmesh/source` condition), not for dist/.
import type { ThreadRole, WorkerStarter } from './thread-link.js';

function startScript(role: ThreadRole): Worker {
  if (role === 'cache') return new Worker(new URL('./browser-cache-worker.ts', import.meta.url), { type: 'module' });
  if (role === 'solo') return new Worker(new URL('./browser-solo-worker.ts', import.meta.url), { type: 'module' });
  return new Worker(new URL('./browser-mining-worker.ts', import.meta.url), { type: 'module' });
}

export const startBrowserWorker: WorkerStarter = (role, name) => {
  const worker = startScript(role);
  const failure = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      // A script that fails to load raises a plain Event, without a message.
      const reason = event instanceof ErrorEvent ? event.message : 'its script did not load';
      reject(new Error(`The ${name} failed: ${reason}`));
    });
  });
  return { endpoint: worker, failure, keepAlive: () => undefined, terminate: () => worker.terminate() };
};

// A thread of the engine in Node: serves the API of the role its starter names, over worker_threads' port.
/// <reference path="./comlink-node-adapter.d.ts" />
import { parentPort, workerData } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { exposeCacheThread } from './cache-thread.js';
import { exposeMiningThread } from './mining-thread.js';
import { exposeSoloThread } from './solo-thread.js';
import type { ThreadRole } from './thread-link.js';

export interface NodeWorkerData {
  role: ThreadRole;
}

if (parentPort === null) throw new Error('This module runs as a worker thread of the WebAssembly engine.');
const exposers = { cache: exposeCacheThread, mining: exposeMiningThread, solo: exposeSoloThread };
exposers[(workerData as NodeWorkerData).role](nodeEndpoint(parentPort));

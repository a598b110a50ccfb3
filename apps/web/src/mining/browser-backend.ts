// A mining session in this tab: the WebAssembly engine on Web Workers (@rxmesh/wasm) as the miner of a mesh node
// (@rxmesh/core) that joins the cluster of the page's own server over peerjs. Threads that share one memory where
// the browser isolates the page; one worker with a memory of its own where it does not (mining-mode.ts).
import type { MiningEngine } from '@rxmesh/core';
import { type Log, MeshNode, type MeshSnapshot } from '@rxmesh/mesh';
import { missingFeatures, SoloEngine, startBrowserWorker, WasmEngine } from '@rxmesh/wasm';
import type { PageJoin } from '../mesh/page-join.js';
import { type MiningMode, miningMemoryBytes, miningThreads, pageMiningMode } from './mining-mode.js';
import type { MiningBackend, MiningSession, SessionFigures, StartOptions } from './session.js';

/** WasmEngine or SoloEngine: both take a throttle. */
type BrowserEngine = MiningEngine & { setThrottle(duty: number): void };

/** The most links a browser peer holds (the cluster protocol's figure for browsers). */
const BROWSER_MAX_LINKS = 8;
const STATUS_SECONDS = 30;

/** Mesh messages go to the console, where a curious contributor can read them. */
const consoleLog: Log = {
  info: (message, fields) => console.info(`rxmesh: ${message}`, fields ?? ''),
  warn: (message, fields) => console.warn(`rxmesh: ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`rxmesh: ${message}`, fields ?? ''),
};

export function figuresOf(snapshot: MeshSnapshot): SessionFigures {
  const key = snapshot.keyInit;
  return {
    hashrate: snapshot.hashrate,
    hashes: snapshot.totalHashes,
    sharesAccepted: snapshot.sharesAccepted,
    sharesRejected: snapshot.sharesRejected,
    stoppedByOperator: snapshot.operatorStops > 0,
    // A key built ahead of a seed change does not hold mining up: the page shows no progress for it.
    keyProgress: key !== null && key.finishedAt === null && !key.ahead ? { done: key.done, total: key.total } : null,
    joined: snapshot.coordinator !== null,
  };
}

class MeshSession implements MiningSession {
  private readonly listeners = new Set<() => void>();
  private last: MeshSnapshot;

  constructor(
    private readonly node: MeshNode,
    private readonly engine: BrowserEngine,
  ) {
    this.last = node.snapshot();
    node.subscribe((snapshot) => {
      this.last = snapshot;
      for (const listener of this.listeners) listener();
    });
  }

  figures(): SessionFigures {
    return figuresOf(this.last);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pause(): void {
    this.node.pause();
  }

  resume(): void {
    this.node.resume();
  }

  setDuty(duty: number): void {
    this.engine.setThrottle(duty);
  }

  /** Cuts every worker's batch at once, leaves the mesh once the batch has settled, then ends the workers. */
  async stop(): Promise<void> {
    this.engine.stop();
    try {
      await this.node.stop();
    } finally {
      this.engine.release();
      this.last = { ...this.node.snapshot(), hashrate: 0 };
    }
  }
}

/** The engine for `mode`: `threads` that share one memory, or the one worker of a page that may not share it. */
function createEngine(mode: MiningMode, threads: number): Promise<BrowserEngine> {
  return mode.sharedMemory
    ? WasmEngine.create({ threads, startWorker: startBrowserWorker })
    : SoloEngine.create({ startWorker: startBrowserWorker });
}

/** `join` registers this tab with the page's signaling server, with a fresh key (apps/web/src/mesh/page-join.ts). */
export function createBrowserBackend(join: () => Promise<PageJoin>): MiningBackend {
  return {
    missingFeatures: () => missingFeatures({ workers: true }).map(({ message }) => message),

    async start({ name, threads: chosenThreads, duty }: StartOptions): Promise<MiningSession> {
      const mode = pageMiningMode();
      const threads = miningThreads(mode, chosenThreads);
      // The memory check reserves what mining needs (one cache and the VMs) once and lets it go: done on Start, not
      // on page load. Room for the second cache is not required: without it the engine re-keys in place.
      const memoryBytes = miningMemoryBytes(mode, threads).steady;
      const missing = missingFeatures({ workers: true, memoryBytes });
      if (missing.length > 0) throw new Error(missing.map(({ message }) => message).join(' '));
      const engine = await createEngine(mode, threads);
      try {
        engine.setThrottle(duty);
        const { transport, keys, reach, contributor } = await join();
        const node = MeshNode.start({
          transport,
          keys,
          info: {
            name: name === '' ? `Browser ${transport.id.slice(0, 4)}` : name,
            engine: 'wasm',
            mode: 'light',
            cores: navigator.hardwareConcurrency || 1,
            memoryMb: Math.ceil(memoryBytes / 2 ** 20),
            mines: true,
            maxLinks: BROWSER_MAX_LINKS,
            jobSource: false,
            reach,
            contributor,
          },
          source: 'none',
          engine,
          log: consoleLog,
          statusSeconds: STATUS_SECONDS,
        });
        return new MeshSession(node, engine);
      } catch (error) {
        engine.release();
        throw error;
      }
    },
  };
}

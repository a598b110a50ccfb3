// A mining session in this tab: the WebAssembly engine on Web Workers (@rxmesh/wasm) as the miner of a mesh node
// (@rxmesh/core) that joins the cluster of the page's own server over peerjs. Threads that share one memory where
// the browser isolates the page; one worker with a memory of its own where it does not (mining-mode.ts). Full mode,
// when the contributor turned it on, holds the key's dataset in the shared memory.
import type { MiningEngine } from '@rxmesh/core';
import { type Log, MeshNode, type MeshSnapshot } from '@rxmesh/mesh';
import { fullEngineMemoryBytes, missingFeatures, SoloEngine, startBrowserWorker, WasmEngine } from '@rxmesh/wasm';
import type { PageJoin } from '../mesh/page-join.js';
import { type MiningMode, miningMemoryBytes, miningThreads, pageMiningMode } from './mining-mode.js';
import type { MiningBackend, MiningSession, SessionFigures, StartOptions } from './session.js';

/** WasmEngine or SoloEngine: both take a throttle; WasmEngine also says how full mode fares. */
type BrowserEngine = MiningEngine & {
  setThrottle(duty: number): void;
  readonly fullModeLost?: string | undefined;
  readonly datasetRebuild?: { done: number; total: number } | undefined;
};

/** How full mode fares in a session: reading the dataset, rebuilding it for a new seed, or why it could not. */
export type FullModeState = Pick<SessionFigures, 'readsDataset' | 'fullModeLost' | 'datasetRebuild'>;

const LIGHT_ONLY: FullModeState = { readsDataset: false, fullModeLost: null, datasetRebuild: null };

/** The most links a browser peer holds (the cluster protocol's figure for browsers). */
const BROWSER_MAX_LINKS = 8;
const STATUS_SECONDS = 30;

/** Mesh messages go to the console, where a curious contributor can read them. */
const consoleLog: Log = {
  info: (message, fields) => console.info(`rxmesh: ${message}`, fields ?? ''),
  warn: (message, fields) => console.warn(`rxmesh: ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`rxmesh: ${message}`, fields ?? ''),
};

export function figuresOf(snapshot: MeshSnapshot, fullMode: FullModeState = LIGHT_ONLY): SessionFigures {
  const key = snapshot.keyInit;
  return {
    hashrate: snapshot.hashrate,
    hashes: snapshot.totalHashes,
    sharesAccepted: snapshot.sharesAccepted,
    sharesRejected: snapshot.sharesRejected,
    stoppedByOperator: snapshot.operatorStops > 0,
    // A key built ahead of a seed change does not hold mining up: the page shows no progress for it.
    keyProgress:
      key !== null && key.finishedAt === null && !key.ahead
        ? { done: key.done, total: key.total, mode: key.mode }
        : null,
    joined: snapshot.coordinator !== null,
    ...fullMode,
  };
}

class MeshSession implements MiningSession {
  private readonly listeners = new Set<() => void>();
  private last: MeshSnapshot;

  constructor(
    private readonly node: MeshNode,
    private engine: BrowserEngine | undefined,
    /** Why a session asked for full mode started in light mode. */
    private readonly startedLight: string | null,
  ) {
    this.last = node.snapshot();
    node.subscribe((snapshot) => {
      this.last = snapshot;
      for (const listener of this.listeners) listener();
    });
  }

  figures(): SessionFigures {
    const engine = this.engine;
    return figuresOf(this.last, {
      readsDataset: engine?.readsDataset ?? false,
      fullModeLost: engine?.fullModeLost ?? this.startedLight,
      datasetRebuild: engine?.datasetRebuild ?? null,
    });
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
    this.engine?.setThrottle(duty);
  }

  /**
   * Cuts every worker's batch at once, leaves the mesh once the batch has settled, then ends the workers and lets go
   * of the engine, whose memory (in full mode, gigabytes) the browser takes back once nothing refers to it.
   */
  async stop(): Promise<void> {
    const engine = this.engine;
    engine?.stop();
    try {
      await this.node.stop();
    } finally {
      engine?.release();
      this.engine = undefined;
      this.last = { ...this.node.snapshot(), hashrate: 0 };
    }
  }
}

/**
 * The engine for `mode`: `threads` that share one memory (in full mode with room for the dataset), or the one worker
 * of a page that may not share it.
 */
function createEngine(mode: MiningMode, threads: number, fullMode: boolean): Promise<BrowserEngine> {
  return mode.sharedMemory
    ? WasmEngine.create({ threads, mode: fullMode ? 'full' : 'light', startWorker: startBrowserWorker })
    : SoloEngine.create({ startWorker: startBrowserWorker });
}

/** Why full mode cannot work on this page with `threads` threads, or null: sets its memory aside once to find out. */
function fullModeProblem(mode: MiningMode, threads: number): string | null {
  if (!mode.sharedMemory) return 'Full mode needs threads that share memory, which this page cannot have.';
  const missing = missingFeatures({ workers: true, memoryBytes: fullEngineMemoryBytes(threads) });
  return missing.length === 0 ? null : missing.map(({ message }) => message).join(' ');
}

/** `join` registers this tab with the page's signaling server, with a fresh key (apps/web/src/mesh/page-join.ts). */
export function createBrowserBackend(join: () => Promise<PageJoin>): MiningBackend {
  return {
    missingFeatures: () => missingFeatures({ workers: true }).map(({ message }) => message),

    fullModeProblem: (threads) => fullModeProblem(pageMiningMode(), threads),

    async start({ name, threads: chosenThreads, duty, fullMode: fullModeAsked }: StartOptions): Promise<MiningSession> {
      const mode = pageMiningMode();
      const threads = miningThreads(mode, chosenThreads);
      // Full mode's memory is tried again at Start: other tabs may have taken it since the contributor chose it.
      const problem = fullModeAsked ? fullModeProblem(mode, threads) : null;
      const fullMode = fullModeAsked && problem === null;
      // The memory check reserves what mining needs (one cache and the VMs) once and lets it go: done on Start, not
      // on page load. Room for the second cache is not required: without it the engine re-keys in place.
      const memoryBytes = miningMemoryBytes(mode, threads, fullMode).steady;
      const missing = missingFeatures({ workers: true, memoryBytes });
      if (missing.length > 0) throw new Error(missing.map(({ message }) => message).join(' '));
      const engine = await createEngine(mode, threads, fullMode);
      try {
        engine.setThrottle(duty);
        const { transport, keys, reach, contributor } = await join();
        const node = MeshNode.start({
          transport,
          keys,
          info: {
            name: name === '' ? `Browser ${transport.id.slice(0, 4)}` : name,
            engine: 'wasm',
            mode: fullMode ? 'full' : 'light',
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
        return new MeshSession(
          node,
          engine,
          problem === null ? null : `${problem} Mining in light mode instead, at the usual speed.`,
        );
      } catch (error) {
        engine.release();
        throw error;
      }
    },
  };
}

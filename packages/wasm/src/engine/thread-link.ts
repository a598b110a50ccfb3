// The engine's side of its threads: what a platform's worker starter hands over, and Comlink calls on top of it
// that fail when the thread dies and, in Node, keep the process alive only while one is open.
import { type Endpoint, type Remote, wrap } from 'comlink';

/**
 * WasmEngine's two kinds of thread, the one that owns the memory and its cache and the mining ones, and the one
 * worker of SoloEngine.
 */
export type ThreadRole = 'cache' | 'mining' | 'solo';

/** A thread as the platform started it. */
export interface StartedThread {
  /** Where Comlink talks to the thread. */
  readonly endpoint: Endpoint;
  /** Rejects, with a sentence that names the thread, when it fails or exits without being asked to. */
  readonly failure: Promise<never>;
  /** Whether the thread keeps the process alive (Node); browsers have no such notion. */
  keepAlive(keep: boolean): void;
  terminate(): void;
}

/**
 * Starts the script of `role` on one platform: startNodeWorker (`@rxmesh/wasm/node`, worker_threads) or
 * startBrowserWorker (Web Workers). `name` describes the thread in error messages.
 */
export type WorkerStarter = (role: ThreadRole, name: string) => StartedThread;

export class ThreadLink<Api> {
  private readonly remote: Remote<Api>;
  private openCalls = 0;

  constructor(private readonly thread: StartedThread) {
    this.remote = wrap<Api>(thread.endpoint);
    // Seen by whichever call is open when the thread dies; with none open, there is nobody to tell yet.
    thread.failure.catch(() => undefined);
    thread.keepAlive(false);
  }

  /** Runs `request` on the thread's API; rejects if the thread dies first. */
  async call<Answer>(request: (remote: Remote<Api>) => Promise<Answer>): Promise<Answer> {
    if (this.openCalls++ === 0) this.thread.keepAlive(true);
    try {
      return await Promise.race([request(this.remote), this.thread.failure]);
    } finally {
      if (--this.openCalls === 0) this.thread.keepAlive(false);
    }
  }

  terminate(): void {
    this.thread.terminate();
  }
}

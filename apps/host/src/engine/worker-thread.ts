// Requests and replies between the engine and its worker threads, both ends. A thread answers its requests one at
// a time and in order, so a queue of open requests pairs each reply with its request.
import { parentPort, Worker } from 'node:worker_threads';
import type { ProgressListener } from '@rxmesh/wasm';

/** A thread's requests by name: what each one takes and what it answers. */
export type Calls = Record<string, { takes: unknown; answers: unknown }>;

/** What the engine posts to a thread. */
interface Call {
  name: string;
  takes: unknown;
}

/** What a worker thread posts: the answer to its oldest open request, that request's failure, or its progress. */
type Envelope<Reply> = { reply: Reply } | { failure: unknown } | { progress: [done: number, total: number] };

interface OpenRequest<Reply> {
  resolve(reply: Reply): void;
  reject(error: unknown): void;
  onProgress: ProgressListener | undefined;
}

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

/** The engine's end: a worker thread that keeps the process alive only while a request is open. */
export class WorkerThread<C extends Calls> {
  private readonly open: OpenRequest<unknown>[] = [];
  private failure: Error | undefined;
  private terminating = false;

  private constructor(
    private readonly worker: Worker,
    name: string,
  ) {
    worker.on('message', (envelope: Envelope<unknown>) => this.receive(envelope));
    worker.on('error', (error) => this.fail(new Error(`The ${name} failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.terminating) this.fail(new Error(`The ${name} stopped unexpectedly (exit code ${code}).`));
    });
  }

  /**
   * Starts `script` and waits until it calls announceReady(), whose value comes back as `ready`. `name` describes
   * the thread in error messages.
   */
  static async start<C extends Calls, Ready = undefined>(
    script: URL,
    workerData: unknown,
    name: string,
  ): Promise<{ thread: WorkerThread<C>; ready: Ready }> {
    const thread = new WorkerThread<C>(new Worker(script, { workerData, ...sourceOptions() }), name);
    try {
      const ready = await new Promise<unknown>((resolve, reject) =>
        thread.open.push({ resolve, reject, onProgress: undefined }),
      );
      thread.settled();
      return { thread, ready: ready as Ready };
    } catch (error) {
      await thread.terminate();
      throw error;
    }
  }

  /** Asks the thread to run `name`; the promise settles with its answer. */
  request<Name extends keyof C & string>(
    name: Name,
    takes: C[Name]['takes'],
    onProgress?: ProgressListener,
  ): Promise<C[Name]['answers']> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.open.length === 0) this.worker.ref();
    const answer = new Promise<unknown>((resolve, reject) => this.open.push({ resolve, reject, onProgress }));
    this.worker.postMessage({ name, takes } satisfies Call);
    return answer.finally(() => this.settled()) as Promise<C[Name]['answers']>;
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    await this.worker.terminate();
  }

  private settled(): void {
    if (this.open.length === 0) this.worker.unref();
  }

  private receive(envelope: Envelope<unknown>): void {
    if ('progress' in envelope) {
      this.open[0]?.onProgress?.(...envelope.progress);
      return;
    }
    const request = this.open.shift();
    if (request === undefined) return;
    if ('reply' in envelope) request.resolve(envelope.reply);
    else request.reject(envelope.failure);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.open.splice(0)) request.reject(this.failure);
  }
}

function enginePort() {
  if (parentPort === null) throw new Error('This module runs as a worker thread of the WebAssembly engine.');
  return parentPort;
}

/** The worker's end, once it can take requests: answers WorkerThread.start with `ready`. */
export function announceReady(ready?: unknown): void {
  enginePort().postMessage({ reply: ready } satisfies Envelope<unknown>);
}

/** How a thread runs each of its requests. */
export type Handlers<C extends Calls> = {
  [Name in keyof C]: (
    takes: C[Name]['takes'],
    onProgress: ProgressListener,
  ) => C[Name]['answers'] | Promise<C[Name]['answers']>;
};

/** The worker's end: runs each request with its handler, one at a time and in order. */
export function answerRequests<C extends Calls>(handlers: Handlers<C>): void {
  const port = enginePort();
  const reportProgress: ProgressListener = (done, total) =>
    port.postMessage({ progress: [done, total] } satisfies Envelope<unknown>);
  let previous = Promise.resolve();
  port.on('message', ({ name, takes }: Call) => {
    previous = previous.then(async () => {
      try {
        const handler = handlers[name as keyof C];
        port.postMessage({ reply: await handler(takes, reportProgress) } satisfies Envelope<unknown>);
      } catch (failure) {
        port.postMessage({ failure } satisfies Envelope<unknown>);
      }
    });
  });
}

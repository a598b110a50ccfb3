// Test doubles for the page's collaborators: a mining session whose figures a test sets, Web Locks of one browser
// profile, and a BroadcastChannel bus between tabs. Only tests import this.
import type { MiningBackend, MiningSession, SessionFigures, StartOptions } from '../src/mining/session.js';
import { NO_FIGURES } from '../src/mining/session.js';
import type { LockApi, TabChannel } from '../src/tabs/tab-leader.js';

/** A session whose figures the test sets; it records what the page asks of it. */
export class ScriptedSession implements MiningSession {
  current: SessionFigures = { ...NO_FIGURES };
  calls: string[] = [];
  private readonly listeners = new Set<() => void>();
  private finishStop: (() => void) | undefined;
  holdStop = false;

  figures(): SessionFigures {
    return this.current;
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(patch: Partial<SessionFigures>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }
  pause(): void {
    this.calls.push('pause');
  }
  resume(): void {
    this.calls.push('resume');
  }
  setDuty(duty: number): void {
    this.calls.push(`duty ${duty}`);
  }
  stop(): Promise<void> {
    this.calls.push('stop');
    // As the real session: once stopped, it reads no dataset.
    this.current = { ...this.current, readsDataset: false };
    if (!this.holdStop) return Promise.resolve();
    return new Promise((resolve) => {
      this.finishStop = resolve;
    });
  }
  releaseStop(): void {
    this.finishStop?.();
  }
}

export class ScriptedBackend implements MiningBackend {
  missing: string[] = [];
  sessions: ScriptedSession[] = [];
  starts: StartOptions[] = [];
  failWith: Error | undefined;
  private pending: (() => void) | undefined;
  holdStart = false;

  missingFeatures(): string[] {
    return this.missing;
  }
  /** What fullModeProblem() answers; null: full mode works here. */
  fullModeRefusal: string | null = null;
  fullModeChecks: number[] = [];
  fullModeProblem(threads: number): string | null {
    this.fullModeChecks.push(threads);
    return this.fullModeRefusal;
  }
  async start(options: StartOptions): Promise<MiningSession> {
    this.starts.push(options);
    if (this.failWith !== undefined) throw this.failWith;
    if (this.holdStart) await new Promise<void>((resolve) => (this.pending = resolve));
    const session = new ScriptedSession();
    this.sessions.push(session);
    return session;
  }
  finishStart(): void {
    this.pending?.();
  }
}

/** Web Locks of one browser profile, shared by the tabs a test opens. */
export function profileLocks(): LockApi {
  const held = new Set<string>();
  return {
    async request(name, _options, callback) {
      if (held.has(name)) return callback(null);
      held.add(name);
      try {
        await callback({ name });
      } finally {
        held.delete(name);
      }
    },
    async query() {
      return { held: [...held].map((name) => ({ name })) };
    },
  };
}

/** Delivers synchronously between the channels of one bus, never to the sender. */
export function channelBus(): () => TabChannel {
  const channels = new Set<{ deliver: (data: unknown) => void }>();
  return () => {
    const listeners = new Set<(event: MessageEvent) => void>();
    const self = {
      deliver: (data: unknown) => {
        for (const listener of listeners) listener({ data } as MessageEvent);
      },
    };
    channels.add(self);
    return {
      postMessage: (data) => {
        if (!channels.has(self)) throw new DOMException('channel closed', 'InvalidStateError');
        for (const channel of channels) if (channel !== self) channel.deliver(data);
      },
      addEventListener: (_type, listener) => listeners.add(listener),
      removeEventListener: (_type, listener) => listeners.delete(listener),
      close: () => channels.delete(self),
    };
  };
}

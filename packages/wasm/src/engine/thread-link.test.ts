// The engine's side of a thread, over an in-memory channel: calls keep the thread alive only while open, and a
// thread that dies fails the open call and every later one.
import { expose } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedThread, ThreadLink } from './thread-link.js';

interface TestApi {
  echo(value: string): string;
  never(): Promise<void>;
  refuse(): void;
}

const api: TestApi = {
  echo: (value) => value,
  never: () => new Promise(() => undefined),
  refuse() {
    throw new Error('Call setKey(key) first.');
  },
};

const channels: MessagePort[] = [];

/** A thread served on one end of a MessageChannel, whose death the test decides. */
function fakeThread() {
  const { port1, port2 } = new MessageChannel();
  channels.push(port1, port2);
  expose(api, port2);
  let die: (error: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    die = reject;
  });
  const keptAlive: boolean[] = [];
  const thread: StartedThread = {
    endpoint: port1,
    failure,
    keepAlive: (keep) => keptAlive.push(keep),
    terminate: () => port1.close(),
  };
  return { thread, die, keptAlive };
}

describe('ThreadLink', () => {
  afterEach(() => {
    for (const port of channels.splice(0)) port.close();
  });

  it('keeps the thread alive from the first open call to the last one settled, not before or after', async () => {
    const { thread, keptAlive } = fakeThread();
    const link = new ThreadLink<TestApi>(thread);
    expect(keptAlive).toEqual([false]);
    const answers = Promise.all([link.call((remote) => remote.echo('a')), link.call((remote) => remote.echo('b'))]);
    expect(keptAlive).toEqual([false, true]);
    expect(await answers).toEqual(['a', 'b']);
    expect(keptAlive).toEqual([false, true, false]);
  });

  it("passes on the thread's refusals as errors with their sentence", async () => {
    const link = new ThreadLink<TestApi>(fakeThread().thread);
    await expect(link.call((remote) => remote.refuse())).rejects.toThrow('Call setKey(key) first.');
  });

  it('fails the open call and every later one when the thread dies', async () => {
    const { thread, die, keptAlive } = fakeThread();
    const link = new ThreadLink<TestApi>(thread);
    const open = link.call((remote) => remote.never());
    die(new Error('The test thread stopped unexpectedly (exit code 1).'));
    await expect(open).rejects.toThrow('The test thread stopped unexpectedly (exit code 1).');
    await expect(link.call((remote) => remote.echo('late'))).rejects.toThrow(/stopped unexpectedly/);
    expect(keptAlive.at(-1)).toBe(false);
  });
});

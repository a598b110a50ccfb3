// A link over a stand-in for peerjs's raw DataConnection: when it says open and close, which sends fail (and close
// it), and what is counted. node-peer.test.ts in apps/host runs the same links over real WebRTC.
import { describe, expect, it } from 'vitest';
import { encodeMessage, MAX_LINK_MESSAGE_BYTES } from './link-codec.js';
import { type PeerjsConnection, PeerjsLink } from './peerjs-link.js';
import type { LinkCounter } from './transport.js';

type Handler = (...args: never[]) => void;

class FakeChannel {
  readyState = 'open';
  bufferedAmount = 0;
  refuse: Error | undefined;
  readonly sent: string[] = [];

  send(data: string): void {
    if (this.refuse !== undefined) throw this.refuse;
    this.sent.push(data);
  }
}

/** What peerjs does: 'close' only for a connection that had opened, said from inside close(). */
class FakeConnection implements PeerjsConnection {
  readonly peer = 'remote';
  open = false;
  dataChannel: FakeChannel | null = new FakeChannel();
  private readonly handlers = new Map<string, Handler[]>();

  on(event: string, handler: Handler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  emit(event: 'open' | 'data' | 'close', value?: unknown): void {
    if (event === 'open') this.open = true;
    for (const handler of this.handlers.get(event) ?? []) (handler as (value?: unknown) => void)(value);
  }

  close(): void {
    this.dataChannel = null;
    if (!this.open) return;
    this.open = false;
    this.emit('close');
  }
}

function setUp() {
  const connection = new FakeConnection();
  const reports: { counter: LinkCounter; what: string }[] = [];
  const link = new PeerjsLink(connection, (counter, _peer, what) => reports.push({ counter, what }));
  const heard: string[] = [];
  link.on('open', () => heard.push('open'));
  link.on('message', (message) => heard.push(`message ${JSON.stringify(message)}`));
  link.on('close', () => heard.push('close'));
  return { connection, link, reports, heard };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PeerjsLink', () => {
  it('opens on the first frame if peerjs has not said open yet, and says so once', async () => {
    const { connection, heard } = setUp();
    connection.emit('data', '{"hello":1}');
    connection.emit('open');
    expect(heard).toEqual(['open', 'message {"hello":1}']);
  });

  it("says 'close' once, after the call that closed it, and only if it had opened", async () => {
    const { connection, link, heard } = setUp();
    link.close();
    await tick();
    expect(heard).toEqual([]);
    expect(connection.dataChannel).toBeNull();

    const second = setUp();
    second.connection.emit('open');
    second.link.close();
    expect(second.heard).toEqual(['open']);
    await tick();
    second.connection.emit('close');
    second.link.close();
    await tick();
    expect(second.heard).toEqual(['open', 'close']);
  });

  it('sends through the channel itself, and a failed send is counted and closes the link', async () => {
    const refused = (prepare: (channel: FakeChannel, link: PeerjsLink) => void, message: unknown = { n: 1 }) => {
      const { connection, link, reports, heard } = setUp();
      connection.emit('open');
      const channel = connection.dataChannel;
      if (channel === null) throw new Error('The fake connection has no channel.');
      prepare(channel, link);
      expect(link.send(message)).toBe(false);
      return { reports, heard };
    };
    const { connection, link } = setUp();
    connection.emit('open');
    expect(link.send({ n: 1 })).toBe(true);
    expect(connection.dataChannel?.sent).toEqual(['{"n":1}']);

    const cases = [
      refused(() => {}, 'x'.repeat(MAX_LINK_MESSAGE_BYTES)),
      refused((channel) => {
        channel.bufferedAmount = (4096 + 64) * 1024;
      }),
      refused((channel) => {
        channel.refuse = new Error('send queue is full');
      }),
      refused((channel) => {
        channel.readyState = 'closing';
      }),
    ];
    expect(cases.map(({ reports }) => reports.map(({ what }) => what))).toEqual([
      [
        'Closed the link to remote: a message was not sent, as it has 12582914 bytes, more than the 12582912 a link carries',
      ],
      [
        'Closed the link to remote: a message was not sent, as 4259840 bytes queued before it are still unsent (the ' +
          'other side does not read)',
      ],
      ['Closed the link to remote: a message was not sent, as the data channel refused it (send queue is full)'],
      ['A message to remote was not sent: the link is not open'],
    ]);
    const counters = cases.flatMap(({ reports }) => reports.map(({ counter }) => counter));
    expect(counters).toEqual(['sendFailures', 'sendFailures', 'sendFailures', 'sendFailures']);
    await tick();
    expect(cases.map(({ heard }) => heard)).toEqual([
      ['open', 'close'],
      ['open', 'close'],
      ['open', 'close'],
      ['open'], // the channel was closing already; peerjs says 'close' when it is done
    ]);
  });

  it('lets up to 4 MiB more wait unsent besides the largest message it has sent', () => {
    const { connection, link, reports } = setUp();
    connection.emit('open');
    const channel = connection.dataChannel;
    if (channel === null) throw new Error('The fake connection has no channel.');
    const large = 'x'.repeat(1_000_000);
    expect(link.send(large)).toBe(true);
    const encoded = encodeMessage(large, MAX_LINK_MESSAGE_BYTES);
    expect(channel.sent).toEqual(encoded.ok ? encoded.frames : []);
    // The large message still unsent, and almost 4 MiB besides: the next one may wait too; more may not.
    channel.bufferedAmount = 4 * 1024 * 1024 + 900_000;
    expect(link.send({ lease: 1 })).toBe(true);
    channel.bufferedAmount = 4 * 1024 * 1024 + 1_100_000;
    expect(link.send({ lease: 2 })).toBe(false);
    expect(reports.map(({ counter }) => counter)).toEqual(['sendFailures']);
  });

  it('takes a bound for what it receives from 1 byte to 12 MiB', () => {
    const { link } = setUp();
    link.maxMessageBytes = 1024 * 1024;
    expect(() => {
      link.maxMessageBytes = MAX_LINK_MESSAGE_BYTES + 1;
    }).toThrow(RangeError);
    expect(link.maxMessageBytes).toBe(1024 * 1024);
  });

  it('counts a refused frame or a listener that throws, and closes the link', async () => {
    const { connection, link, reports, heard } = setUp();
    connection.emit('open');
    link.on('message', (message) => {
      if (message === 'boom') throw new Error('a listener bug');
    });
    connection.emit('data', '"boom"');
    connection.emit('data', '"after"');
    await tick();
    expect(reports).toEqual([
      { counter: 'callbackErrors', what: 'A message listener of the link to remote failed: a listener bug' },
    ]);
    expect(heard).toEqual(['open', 'message "boom"', 'close']);

    const second = setUp();
    second.connection.emit('open');
    second.connection.emit('data', new Uint8Array([1]));
    await tick();
    expect(second.reports).toEqual([
      { counter: 'badFrames', what: 'Closed the link to remote, which sent a binary frame' },
    ]);
    expect(second.heard).toEqual(['open', 'close']);
  });
});

// monerod's ZeroMQ publisher (`--zmq-pub tcp://…`) as a feed of new chain tips: core's ZmtpSubscriber speaks the
// protocol, this class owns the socket and reconnects. The daemon source keeps polling as well, so a feed that is
// down costs only speed.
import net from 'node:net';
import { type Backoff, backoffDelay, CHAIN_MAIN_TOPIC, formatDelay, ZmtpSubscriber } from '@rxmesh/core';
import type { Log } from '@rxmesh/mesh';

export interface DaemonTipFeedOptions {
  host: string;
  port: number;
  log: Log;
  /** Called for every new main-chain tip monerod publishes. */
  onTip: () => void;
  /**
   * The wait after a failure, doubling per failure in a row up to `maxMs`, less a random part of up to half (see
   * core's backoffDelay). Default 1 s to 30 s.
   */
  backoff?: Backoff;
  /** Random numbers in [0, 1) for the backoff's jitter. Default Math.random. */
  random?: () => number;
}

const TOPIC_PREFIX = `${CHAIN_MAIN_TOPIC}:`;

export class DaemonTipFeed {
  private socket: net.Socket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failuresInARow = 0;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly random: () => number;

  constructor(private readonly options: DaemonTipFeedOptions) {
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
    this.random = options.random ?? Math.random;
  }

  get address(): string {
    return `tcp://${this.options.host}:${this.options.port}`;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  private connect(): void {
    if (this.stopped) return;
    const subscriber = new ZmtpSubscriber([CHAIN_MAIN_TOPIC]);
    const socket = net.connect(this.options.port, this.options.host);
    this.socket = socket;
    let failure: string | undefined;
    socket.on('connect', () => socket.write(subscriber.open()));
    socket.on('data', (chunk: Buffer) => {
      for (const out of subscriber.receive(chunk)) {
        if (out.kind === 'send') socket.write(out.bytes);
        else if (out.kind === 'subscribed') this.subscribed();
        else if (out.kind === 'failed') {
          failure = out.reason;
          socket.destroy();
        } else if (
          Buffer.from(out.parts[0] ?? [])
            .toString('latin1')
            .startsWith(TOPIC_PREFIX)
        ) {
          this.options.onTip();
        }
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure ??= error.code === 'ECONNREFUSED' ? 'nothing listens there' : error.message;
    });
    socket.on('close', () => {
      if (this.stopped || this.socket !== socket) return;
      this.retry(failure ?? 'monerod closed the connection');
    });
  }

  private subscribed(): void {
    const again = this.failuresInARow > 0;
    this.failuresInARow = 0;
    this.options.log.info(`${again ? 'again ' : ''}hearing new blocks from monerod over ZMQ at ${this.address}`, {
      event: 'zmqSubscribed',
    });
  }

  private retry(reason: string): void {
    this.failuresInARow++;
    const delay = backoffDelay(this.backoff, this.failuresInARow, this.random());
    this.options.log.warn(
      `monerod's ZMQ feed at ${this.address}: ${reason}. New blocks are still found by polling; ` +
        `trying ZMQ again in ${formatDelay(delay)}. Check that monerod runs with --zmq-pub ${this.address}.`,
      { event: 'zmqFailed', failures: this.failuresInARow },
    );
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

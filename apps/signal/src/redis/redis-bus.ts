// The bus between the signaling servers of one cluster, on Redis pub/sub (ioredis): one channel every server hears,
// and one per server for messages to its peers. Two connections, as Redis wants: a subscriber cannot publish. Events
// are checked against their schemas as they come in. While Redis is away each server serves its own sockets, and
// when it is back the server says hello again, so that the others learn its peers and it learns theirs.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Compile } from 'typebox/compile';
import { type BusEvent, BusEventSchema, type SignalingBus } from '../signaling/bus-events.js';
import { connectRedis, type RedisLog } from './connect-redis.js';

const isBusEvent = Compile(BusEventSchema);

/** What the bus hands events to: the signaling hub. */
export interface BusListener {
  receiveBusEvent(event: BusEvent): void;
  joinBus(): void;
}

export class RedisBus implements SignalingBus {
  readonly server = randomUUID();
  private readonly everyone: string;
  private listener: BusListener | undefined;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly log: RedisLog,
  ) {
    this.everyone = `${prefix}all`;
  }

  /** Connects to `url`; `namespace` keeps clusters that share one Redis apart (the cluster key). */
  static async open(url: string, namespace: string, log: RedisLog): Promise<RedisBus> {
    const uses = 'signaling is shared with the other servers again';
    const publisher = await connectRedis(url, log, uses);
    const subscriber = await connectRedis(url, log, uses).catch((error: unknown) => {
      publisher.disconnect();
      throw error;
    });
    return new RedisBus(publisher, subscriber, `rxmesh:signal:${namespace}:`, log);
  }

  /** Hands every event to `listener` from now on, and joins the bus (again whenever Redis comes back). */
  async attach(listener: BusListener): Promise<void> {
    this.listener = listener;
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    const joinWhenBothReady = () => {
      if (this.publisher.status === 'ready' && this.subscriber.status === 'ready') listener.joinBus();
    };
    this.publisher.on('ready', joinWhenBothReady);
    this.subscriber.on('ready', joinWhenBothReady);
    await this.subscriber.subscribe(this.everyone, this.channelOf(this.server));
    listener.joinBus();
  }

  publish(event: BusEvent): void {
    this.send(this.everyone, event);
  }

  sendTo(server: string, event: BusEvent): void {
    this.send(this.channelOf(server), event);
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  private channelOf(server: string): string {
    return `${this.prefix}to:${server}`;
  }

  private send(channel: string, event: BusEvent): void {
    // While Redis is away this fails at once; the connection logs the outage, and a hello follows its return.
    this.publisher.publish(channel, JSON.stringify(event)).catch(() => {});
  }

  private receive(text: string): void {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      event = undefined;
    }
    if (!isBusEvent.Check(event)) {
      this.log.error(`Dropped an event on the signaling bus that is not valid: ${text.slice(0, 200)}`, {
        event: 'badBusEvent',
      });
      return;
    }
    this.listener?.receiveBusEvent(event);
  }
}

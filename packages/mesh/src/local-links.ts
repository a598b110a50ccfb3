// Links between peers in one process: a gateway and the xmrig rigs its Stratum server speaks for, each rig a cluster
// peer of its own. A LocalSwitch hands out MeshTransports whose links are pairs of in-memory ends; the gateway's
// own transport takes them beside its peerjs links (withLocalLinks). Messages cross as JSON text, as on a data
// channel, so neither end shares an object with the other; delivery is always later than the send, in order.

import { platform } from './platform.js';
import type { LinkCounters, MeshConnection, MeshTransport } from './transport.js';
import { zeroLinkCounters } from './transport.js';

type Listener = (...args: never[]) => void;

/** One end of an in-memory link. */
class LocalEnd implements MeshConnection {
  /** Not enforced: both ends run in the same process, under the same operator. */
  maxMessageBytes = 64 * 1024;
  other: LocalEnd | undefined;
  private readonly listeners = new Map<string, Listener[]>();
  private state: 'opening' | 'open' | 'closed' = 'opening';

  constructor(readonly peer: string) {}

  on(event: 'open' | 'close' | 'message' | 'error', listener: Listener): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
  }

  send(message: unknown): boolean {
    const other = this.other;
    if (this.state !== 'open' || other === undefined) return false;
    const text = JSON.stringify(message);
    platform.queueMicrotask(() => other.receive(text));
    return true;
  }

  close(): void {
    if (this.state === 'closed') return;
    this.ended();
    const other = this.other;
    if (other !== undefined) platform.queueMicrotask(() => other.ended());
  }

  path(): Promise<null> {
    return Promise.resolve(null);
  }

  opened(): void {
    if (this.state !== 'opening') return;
    this.state = 'open';
    this.emit('open');
  }

  private receive(text: string): void {
    if (this.state === 'open') this.emit('message', JSON.parse(text));
  }

  private ended(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (wasOpen) platform.queueMicrotask(() => this.emit('close'));
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...values: unknown[]) => void)(...args);
  }
}

/** Where in-process peers find each other by id. */
export class LocalSwitch {
  private readonly accepting = new Map<string, (connection: MeshConnection) => void>();

  /** Whether `id` takes links here. */
  has(id: string): boolean {
    return this.accepting.has(id);
  }

  /** Links to `id` are handed to `accept` until the returned function is called. */
  listen(id: string, accept: (connection: MeshConnection) => void): () => void {
    this.accepting.set(id, accept);
    return () => {
      if (this.accepting.get(id) === accept) this.accepting.delete(id);
    };
  }

  /** A link from `from` to `to`, or undefined when `to` is not here. Both ends open on a later turn. */
  connect(from: string, to: string): MeshConnection | undefined {
    const accept = this.accepting.get(to);
    if (accept === undefined) return undefined;
    const near = new LocalEnd(to);
    const far = new LocalEnd(from);
    near.other = far;
    far.other = near;
    accept(far);
    platform.queueMicrotask(() => {
      far.opened();
      near.opened();
    });
    return near;
  }

  /**
   * The transport of a peer that lives only here, such as a rig's: it finds `neighbours()` when it looks for peers,
   * and links only to peers on this switch.
   */
  transport(id: string, neighbours: () => string[]): MeshTransport {
    const listeners: ((connection: MeshConnection) => void)[] = [];
    const connections = new Set<MeshConnection>();
    const track = (connection: MeshConnection) => {
      connections.add(connection);
      connection.on('close', () => connections.delete(connection));
    };
    const unlisten = this.listen(id, (connection) => {
      track(connection);
      for (const listener of listeners) listener(connection);
    });
    return {
      id,
      disconnected: false,
      on: ((event: string, listener: (connection: MeshConnection) => void) => {
        if (event === 'connection') listeners.push(listener);
      }) as MeshTransport['on'],
      connect: (peer) => {
        const connection = this.connect(id, peer);
        if (connection !== undefined) track(connection);
        return connection;
      },
      reconnect: () => {},
      listAllPeers: (callback) =>
        platform.queueMicrotask(() => callback(neighbours().filter((peer) => this.has(peer)))),
      linkCounters: (): LinkCounters => zeroLinkCounters(),
      destroy: () => {
        unlisten();
        for (const connection of connections) connection.close();
      },
    };
  }
}

/** `transport` with the links of `localSwitch` beside its own: peers on the switch are reached through it. */
export function withLocalLinks(transport: MeshTransport, localSwitch: LocalSwitch): MeshTransport {
  const listeners: ((connection: MeshConnection) => void)[] = [];
  const unlisten = localSwitch.listen(transport.id, (connection) => {
    for (const listener of listeners) listener(connection);
  });
  return {
    get id() {
      return transport.id;
    },
    get disconnected() {
      return transport.disconnected;
    },
    get server() {
      return transport.server;
    },
    on: ((event: 'connection' | 'error' | 'problem', listener: never) => {
      if (event === 'connection') listeners.push(listener);
      (transport.on as (event: string, listener: Listener) => void)(event, listener);
    }) as MeshTransport['on'],
    connect: (peer) => (localSwitch.has(peer) ? localSwitch.connect(transport.id, peer) : transport.connect(peer)),
    reconnect: () => transport.reconnect(),
    listAllPeers: (callback) => transport.listAllPeers(callback),
    linkCounters: () => transport.linkCounters(),
    destroy: () => {
      unlisten();
      transport.destroy();
    },
  };
}

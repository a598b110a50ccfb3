// The cluster peer's links on peerjs: data connections and the signaling registration become the peer's link
// events (linkUp, linkDown, linkFailed, message, discovered), and its link actions (connect, disconnect, send,
// discover, allowLargeMessages) become calls on them.
import { type Backoff, backoffDelay, formatDelay, type PeerEvent } from '@rxmesh/core';
import type { Log } from './log.js';
import { platform } from './platform.js';
import type { MeshConnection, MeshTransport } from './transport.js';

/** The bound of a link that carries replicated state: a replica body, signed and framed, is well within it. */
const LARGE_MESSAGE_BYTES = 2 * 1024 * 1024;
/**
 * Retries of a lost signaling server: from 1 s doubling to 30 s, less up to half at random, so that the thousands of
 * peers a restarted server dropped at once do not all come back in the same instant.
 */
const SIGNALING_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };
/** A connection that does not open in this time is given up. */
const CONNECT_TIMEOUT_MS = 10_000;

export class LinkAdapter {
  private readonly connections = new Map<string, MeshConnection>();
  /** Reconnects tried since signaling was lost, and when the next one is due. */
  private reconnects = 0;
  private reconnectAt: number | null = null;
  /**
   * A discovery asked while signaling was down, made as soon as it is back: the peer would otherwise wait out its
   * own bound on a discovery that never answers.
   */
  private discoveryWaiting = false;

  constructor(
    private readonly transport: MeshTransport,
    private readonly log: Log,
    /** Where the link events go: the cluster peer. */
    private readonly deliver: (event: PeerEvent) => void,
  ) {
    transport.on('connection', (connection) => this.adopt(connection));
    transport.on('error', (error) => {
      // peerjs names the peer it could not reach only in the message.
      const unreachable = /Could not connect to peer (\S+)/.exec(error.message)?.[1];
      if (unreachable !== undefined) this.deliver({ kind: 'linkFailed', peer: unreachable });
      else log.warn(`signaling: ${error.message}`);
    });
    transport.on('problem', (problem) =>
      log.warn(problem.message, { event: 'linkProblem', counter: problem.counter, peer: problem.peer }),
    );
  }

  connect(peer: string): void {
    const connection = this.transport.disconnected ? undefined : this.transport.connect(peer);
    if (connection === undefined) platform.queueMicrotask(() => this.deliver({ kind: 'linkFailed', peer }));
    else this.adopt(connection);
  }

  disconnect(peer: string): void {
    this.connections.get(peer)?.close();
    this.connections.delete(peer);
  }

  send(to: string, message: unknown): void {
    // A send that fails is counted and logged, and closes the link: the cluster hears linkDown and retries.
    this.connections.get(to)?.send(message);
  }

  discover(): void {
    if (this.transport.disconnected) {
      this.discoveryWaiting = true;
      this.transport.reconnect(); // the server may be back; data channels never left
    } else this.listPeers();
  }

  private listPeers(): void {
    this.discoveryWaiting = false;
    this.transport.listAllPeers((ids) => this.deliver({ kind: 'discovered', peers: ids }));
  }

  /** Raises the bound of what `peer` may send here, for replicated state from a trusted peer. */
  allowLargeMessages(peer: string): void {
    const connection = this.connections.get(peer);
    if (connection !== undefined) connection.maxMessageBytes = LARGE_MESSAGE_BYTES;
  }

  /**
   * Links outlive the signaling server, but new ones need it: while it is down, this peer tries it again after 1 s,
   * doubling to 30 s, so that it is back (and a gateway listed again) soon after the server is.
   */
  reconnectSignaling(): void {
    if (!this.transport.disconnected) {
      this.reconnects = 0;
      this.reconnectAt = null;
      if (this.discoveryWaiting) this.listPeers();
      return;
    }
    const now = platform.performance.now();
    const wait = () => backoffDelay(SIGNALING_BACKOFF, this.reconnects + 1, Math.random());
    this.reconnectAt ??= now + wait();
    if (now < this.reconnectAt) return;
    this.reconnects++;
    const next = wait();
    this.reconnectAt = now + next;
    this.transport.reconnect();
    const where = this.transport.server?.origin ?? 'the server';
    this.log.info(`signaling: reconnecting to ${where}; if it does not answer, again in ${formatDelay(next)}`, {
      event: 'signalingReconnect',
      attempt: this.reconnects,
    });
  }

  /** Closes every link and the signaling registration. */
  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.transport.destroy();
  }

  /** Tracks one data connection: the first to open per peer is the link, a crossing second one is closed. */
  private adopt(connection: MeshConnection): void {
    const other = connection.peer;
    let opened = false;
    const timeout = platform.setTimeout(() => {
      if (opened) return;
      connection.close();
      this.deliver({ kind: 'linkFailed', peer: other });
    }, CONNECT_TIMEOUT_MS);
    connection.on('open', () => {
      opened = true;
      platform.clearTimeout(timeout);
      if (this.connections.has(other)) {
        connection.close();
        return;
      }
      this.connections.set(other, connection);
      this.deliver({ kind: 'linkUp', peer: other });
      // ICE has chosen its pair by now; its candidates' types say the path.
      void connection.path().then((path) => {
        if (path !== null && this.connections.get(other) === connection)
          this.deliver({ kind: 'linkPath', peer: other, path });
      });
    });
    connection.on('message', (data) => {
      if (this.connections.get(other) === connection) this.deliver({ kind: 'message', from: other, data });
    });
    connection.on('close', () => {
      platform.clearTimeout(timeout);
      if (this.connections.get(other) !== connection) return;
      this.connections.delete(other);
      this.deliver({ kind: 'linkDown', peer: other });
    });
    connection.on('error', () => {
      if (!opened) {
        platform.clearTimeout(timeout);
        this.deliver({ kind: 'linkFailed', peer: other });
      }
    });
  }
}

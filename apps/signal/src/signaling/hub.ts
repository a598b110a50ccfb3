// The PeerJS signaling state: rooms of registered peers, relay between peers of one room, messages queued for
// peers not connected (yet), limits and liveness. No I/O of its own: sockets and the clock are handed in.
import type { SignalingLimits } from './limits.js';
import {
  type ClientFrame,
  expire,
  ID_TAKEN,
  invalidKey,
  OPEN,
  parseClientFrame,
  parseConnectQuery,
  type RelayedType,
  relayed,
  serverError,
} from './protocol.js';
import type { RejectReason, SignalingMetrics } from './signaling-metrics.js';
import { TokenBucket } from './token-bucket.js';

/** The part of a `ws` WebSocket the hub uses. */
export interface PeerSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  close(code: number, reason: string): void;
}

const OPEN_STATE = 1;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

/** A destination that has this much unsent data is not reading; messages for it are dropped (EXPIRE). */
const SLOW_READER_BYTES = 1024 * 1024;

export interface Session {
  readonly socket: PeerSocket;
  readonly room: string;
  readonly id: string;
  readonly token: string;
  lastFrameAt: number;
  readonly rate: TokenBucket;
  badFrames: number;
}

interface QueuedMessage {
  readonly type: RelayedType;
  readonly src: string;
  readonly text: string;
  readonly expiresAt: number;
}

interface Room {
  readonly peers: Map<string, Session>;
  /** Messages by destination id, oldest first. */
  readonly queues: Map<string, QueuedMessage[]>;
}

export class SignalingHub {
  private readonly rooms = new Map<string, Room>();
  private registered = 0;
  private queued = 0;

  constructor(
    private readonly limits: SignalingLimits,
    private readonly metrics: SignalingMetrics,
    private readonly now: () => number,
  ) {}

  get peerCount(): number {
    return this.registered;
  }

  get queuedMessages(): number {
    return this.queued;
  }

  get activeRooms(): number {
    let count = 0;
    for (const room of this.rooms.values()) if (room.peers.size > 0) count++;
    return count;
  }

  roomPeerIds(room: string): string[] {
    return [...(this.rooms.get(room)?.peers.keys() ?? [])];
  }

  roomPeerCount(room: string): number {
    return this.rooms.get(room)?.peers.size ?? 0;
  }

  /**
   * A new WebSocket with its query. Answers OPEN (then delivers what was queued for the peer) and returns the
   * session, or answers why not, closes the socket and returns undefined.
   */
  connect(socket: PeerSocket, query: Record<string, unknown>): Session | undefined {
    const parsed = parseConnectQuery(query);
    if ('kind' in parsed) {
      const invalidRoom = parsed.kind === 'room';
      this.metrics.refused(invalidRoom ? 'invalid_room' : 'invalid_credentials');
      socket.send(invalidRoom ? invalidKey(parsed.message) : serverError(parsed.message));
      socket.close(CloseCode.policyViolation, invalidRoom ? 'invalid room' : 'invalid id or token');
      return undefined;
    }
    const room = this.rooms.get(parsed.room);
    const holder = room?.peers.get(parsed.id);
    if (holder !== undefined && holder.token !== parsed.token) {
      this.metrics.refused('id_taken');
      socket.send(ID_TAKEN);
      socket.close(CloseCode.policyViolation, 'ID is taken');
      return undefined;
    }
    if (holder === undefined && this.registered >= this.limits.maxPeers) {
      return this.refuseFull(socket, 'server_full', `The server is full (${this.limits.maxPeers} peers); try later.`);
    }
    if (holder === undefined && (room?.peers.size ?? 0) >= this.limits.maxPeersPerRoom) {
      const message = `The room "${parsed.room}" is full (${this.limits.maxPeersPerRoom} peers); try later or join another.`;
      return this.refuseFull(socket, 'room_full', message);
    }
    const session: Session = {
      socket,
      room: parsed.room,
      id: parsed.id,
      token: parsed.token,
      lastFrameAt: this.now(),
      rate: new TokenBucket(this.limits.messageBurst, this.limits.messagesPerSecond, this.now),
      badFrames: 0,
    };
    const target = room ?? this.createRoom(parsed.room);
    target.peers.set(session.id, session);
    if (holder === undefined) {
      this.registered++;
    } else {
      // Re-attach: the same id and token from a new socket (a reconnecting client whose old socket lingers).
      this.metrics.closedByServer('replaced');
      holder.socket.close(CloseCode.normal, 'replaced by a newer connection with the same id and token');
    }
    socket.send(OPEN);
    this.deliverQueued(target, session);
    return session;
  }

  receiveText(session: Session, text: string): void {
    if (!this.accept(session)) return;
    const frame = parseClientFrame(text);
    if ('reason' in frame) {
      this.reject(session, frame.reason, frame.message);
      return;
    }
    this.handle(session, frame);
  }

  receiveBinary(session: Session): void {
    if (!this.accept(session)) return;
    this.reject(session, 'binary', 'Frames must be JSON text; binary frames are not part of the protocol.');
  }

  /** A frame too big for the socket, which `ws` closes with 1009 itself. */
  receiveOversized(session: Session): void {
    session.lastFrameAt = this.now();
    this.metrics.rejected('oversized');
  }

  /** The socket closed. Its peer is unregistered unless a newer socket took its id over. */
  disconnect(session: Session): void {
    this.unregister(session);
  }

  /** Expires queued messages and closes sockets that went silent; call it often relative to both timeouts. */
  sweep(): void {
    const now = this.now();
    for (const [name, room] of this.rooms) {
      for (const session of room.peers.values()) {
        if (now - session.lastFrameAt < this.limits.livenessTimeoutMs) continue;
        this.metrics.closedByServer('idle');
        this.unregister(session);
        session.socket.close(
          CloseCode.policyViolation,
          `no frame for ${this.limits.livenessTimeoutMs} ms; clients must send HEARTBEAT`,
        );
      }
      for (const [destination, queue] of room.queues) this.expireQueue(room, destination, queue, now);
      this.dropIfEmpty(name, room);
    }
  }

  private accept(session: Session): boolean {
    session.lastFrameAt = this.now();
    // Frames after LEAVE, or from a socket replaced by a re-attach, belong to no peer.
    if (this.rooms.get(session.room)?.peers.get(session.id) !== session) return false;
    if (session.rate.take()) return true;
    const { messageBurst, messagesPerSecond } = this.limits;
    this.reject(
      session,
      'rate_limited',
      `Too many frames: at most ${messageBurst} at once and ${messagesPerSecond} per second. This one was dropped.`,
    );
    return false;
  }

  private reject(session: Session, reason: RejectReason, message: string): void {
    this.metrics.rejected(reason);
    session.badFrames++;
    if (session.badFrames < this.limits.maxBadFrames) {
      session.socket.send(serverError(message));
      return;
    }
    session.socket.send(serverError(`${message} Closing: ${session.badFrames} refused frames.`));
    this.metrics.closedByServer('bad_frames');
    this.unregister(session);
    session.socket.close(CloseCode.policyViolation, `${session.badFrames} refused frames`);
  }

  private handle(session: Session, frame: ClientFrame): void {
    switch (frame.type) {
      case 'HEARTBEAT':
        return;
      case 'LEAVE':
        if (frame.dst === undefined) {
          this.metrics.closedByServer('left');
          this.unregister(session);
          session.socket.close(CloseCode.normal, 'left');
          return;
        }
        this.relay(session, 'LEAVE', frame.dst, frame.payload);
        return;
      default:
        this.relay(session, frame.type, frame.dst, frame.payload);
    }
  }

  private relay(sender: Session, type: RelayedType, dst: string, payload: unknown): void {
    const room = this.rooms.get(sender.room);
    if (room === undefined) return;
    const text = relayed(type, sender.id, dst, payload);
    const destination = room.peers.get(dst);
    if (destination !== undefined && destination.socket.readyState === OPEN_STATE) {
      if (destination.socket.bufferedAmount > SLOW_READER_BYTES) {
        this.metrics.expired('slow_reader');
        sender.socket.send(expire(dst, sender.id));
        return;
      }
      destination.socket.send(text);
      this.metrics.relayed(type);
      return;
    }
    // Nobody to tell that a peer left.
    if (type === 'LEAVE') return;
    const queue = room.queues.get(dst) ?? [];
    if (this.queued >= this.limits.maxQueuedMessages || queue.length >= this.limits.maxQueuedPerPeer) {
      this.metrics.expired('queue_full');
      sender.socket.send(expire(dst, sender.id));
      return;
    }
    queue.push({ type, src: sender.id, text, expiresAt: this.now() + this.limits.messageExpiryMs });
    room.queues.set(dst, queue);
    this.queued++;
  }

  private deliverQueued(room: Room, session: Session): void {
    const queue = room.queues.get(session.id);
    if (queue === undefined) return;
    room.queues.delete(session.id);
    this.queued -= queue.length;
    for (const message of queue) {
      session.socket.send(message.text);
      this.metrics.relayed(message.type);
    }
  }

  private expireQueue(room: Room, destination: string, queue: QueuedMessage[], now: number): void {
    // Every message waits equally long, so the queue is in expiry order.
    let expired = 0;
    while (expired < queue.length && (queue[expired]?.expiresAt ?? Number.POSITIVE_INFINITY) <= now) expired++;
    if (expired === 0) return;
    const senders = new Set(queue.splice(0, expired).map((message) => message.src));
    this.queued -= expired;
    this.metrics.expired('timeout', expired);
    if (queue.length === 0) room.queues.delete(destination);
    for (const src of senders) {
      const sender = room.peers.get(src);
      if (sender?.socket.readyState === OPEN_STATE) sender.socket.send(expire(destination, src));
    }
  }

  private refuseFull(socket: PeerSocket, reason: 'server_full' | 'room_full', message: string): undefined {
    this.metrics.refused(reason);
    socket.send(serverError(message));
    socket.close(CloseCode.tryAgainLater, reason === 'server_full' ? 'server full' : 'room full');
    return undefined;
  }

  private createRoom(name: string): Room {
    const room: Room = { peers: new Map(), queues: new Map() };
    this.rooms.set(name, room);
    return room;
  }

  private unregister(session: Session): void {
    const room = this.rooms.get(session.room);
    if (room === undefined || room.peers.get(session.id) !== session) return;
    room.peers.delete(session.id);
    this.registered--;
    this.dropIfEmpty(session.room, room);
  }

  private dropIfEmpty(name: string, room: Room): void {
    if (room.peers.size === 0 && room.queues.size === 0) this.rooms.delete(name);
  }
}

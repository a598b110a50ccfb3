// The PeerJS signaling state: rooms of registered peers, relay between peers of one room, the negotiations in
// flight, messages queued for peers not connected (yet), reserved ids, announced gateways, limits and liveness.
// With a bus, the peers of other servers of the same cluster too: ids are held, rooms counted, gateways listed and
// messages relayed across servers, and a peer may re-attach on any of them.
// No I/O of its own: sockets, the bus and the clocks are handed in.
import { createHash } from 'node:crypto';
import {
  type Credential,
  checkCredential,
  checkSignalingToken,
  KEY_ID_PATTERN,
  type SignatureScheme,
} from '@rxmesh/core';
import { addressGroup } from './address.js';
import { type BusEvent, PEERS_PER_EVENT, type RelayEvent, type RemotePeer, type SignalingBus } from './bus-events.js';
import type { SignalingLimits } from './limits.js';
import { Negotiations } from './negotiations.js';
import {
  type ClientFrame,
  expire,
  FrameParser,
  ID_TAKEN,
  invalidKey,
  OPEN,
  parseConnectQuery,
  type RelayedType,
  relayed,
  type SignalFrame,
  serverError,
} from './protocol.js';
import { peerKey, RemoteRegistry } from './remote-registry.js';
import type { ExpireReason, RefuseReason, RejectReason, SignalingMetrics } from './signaling-metrics.js';
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

const KEY_ID = new RegExp(KEY_ID_PATTERN);

/** How often a server on a bus says it is alive, and how long the others wait before forgetting it and its peers. */
export const ALIVE_EVERY_MS = 1_000;
export const SERVER_TIMEOUT_MS = 5_000;

export interface HubOptions {
  limits: SignalingLimits;
  metrics: SignalingMetrics;
  /** A monotonic clock in ms, for rates and timeouts. */
  now: () => number;
  /** The wall clock in ms (Date.now), for credential lifetimes. */
  wallClock: () => number;
  /** Verifies key ids' signaling tokens and gateway credentials. */
  scheme: SignatureScheme;
  /** The cluster's public key (a key id); without it, no gateway can announce itself. */
  clusterKey?: string | undefined;
  /** The other signaling servers of this cluster; alone without it. */
  bus?: SignalingBus | undefined;
}

export interface Session {
  readonly socket: PeerSocket;
  readonly room: string;
  readonly id: string;
  /** The token that holds the id, hashed: other servers and reservations know it only so. */
  readonly tokenHash: string;
  /** For a key id, when its token was made: a newer token of the same key takes the id over. */
  readonly provedAt: number | null;
  /** What the socket counts under for maxSocketsPerAddress. */
  readonly address: string;
  lastFrameAt: number;
  /** Frames this socket sends. */
  readonly rate: TokenBucket;
  /** Messages relayed to this peer, from everyone. */
  readonly inbound: TokenBucket;
  badFrames: number;
}

interface QueuedMessage {
  readonly type: RelayedType;
  readonly src: string;
  readonly connectionId: string | undefined;
  readonly text: string;
  readonly expiresAt: number;
}

interface Room {
  readonly peers: Map<string, Session>;
  /** Messages by destination id, oldest first. */
  readonly queues: Map<string, QueuedMessage[]>;
  /** Registered peers that announced themselves as gateways, with when (the wall clock). */
  readonly gateways: Map<string, number>;
}

interface Reservation {
  readonly tokenHash: string;
  readonly provedAt: number | null;
  readonly until: number;
}

export type GatewayAnnouncement =
  | { ok: true }
  | { ok: false; problem: 'no_cluster' | 'not_registered' | 'credential'; message: string };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class SignalingHub {
  private readonly limits: SignalingLimits;
  private readonly metrics: SignalingMetrics;
  private readonly now: () => number;
  private readonly options: HubOptions;
  private readonly parser: FrameParser;
  private readonly negotiations: Negotiations;
  private readonly rooms = new Map<string, Room>();
  private readonly socketsByAddress = new Map<string, number>();
  /** Messages queued, by sender (peerKey). */
  private readonly queuedBySender = new Map<string, number>();
  /** Freed ids by peerKey, oldest first. */
  private readonly reservations = new Map<string, Reservation>();
  private readonly remote: RemoteRegistry;
  private registered = 0;
  private queued = 0;
  private announced = 0;
  private lastAlive = Number.NEGATIVE_INFINITY;

  constructor(options: HubOptions) {
    this.options = options;
    this.limits = options.limits;
    this.metrics = options.metrics;
    this.now = options.now;
    this.parser = new FrameParser(options.limits);
    this.negotiations = new Negotiations(options.limits, options.now);
    this.remote = new RemoteRegistry(options.now, SERVER_TIMEOUT_MS);
  }

  /** Peers registered on this server. */
  get peerCount(): number {
    return this.registered;
  }

  /** Peers registered on the other servers of the bus. */
  get remotePeerCount(): number {
    return this.remote.peerCount;
  }

  /** The other servers of the bus heard from lately. */
  get remoteServers(): number {
    return this.remote.serverCount;
  }

  get queuedMessages(): number {
    return this.queued;
  }

  get activeRooms(): number {
    let count = 0;
    for (const room of this.rooms.values()) if (room.peers.size > 0) count++;
    return count;
  }

  get openNegotiations(): number {
    return this.negotiations.size;
  }

  get idReservations(): number {
    return this.reservations.size;
  }

  get announcedGateways(): number {
    return this.announced;
  }

  /** Addresses (IPv4 addresses and IPv6 /64s) with at least one open socket. */
  get connectedAddresses(): number {
    return this.socketsByAddress.size;
  }

  /** Peers registered in `room`, on this server and the others of the bus. */
  roomPeerCount(room: string): number {
    return (this.rooms.get(room)?.peers.size ?? 0) + this.remote.roomCount(room);
  }

  /** The room's announced gateways on every server, oldest announcement first, at most maxListedGateways. */
  gatewayIds(room: string): string[] {
    const local = [...(this.rooms.get(room)?.gateways ?? [])].map(([id, at]) => ({ id, at }));
    return [...local, ...this.remote.gateways(room)]
      .sort((a, b) => a.at - b.at)
      .slice(0, this.limits.maxListedGateways)
      .map(({ id }) => id);
  }

  /**
   * Lists `id` among the room's gateways until its peer leaves, if it is registered in `room` now and `credential`
   * lets it coordinate the cluster whose key this server holds.
   */
  announceGateway(roomName: string, id: string, credential: Credential): GatewayAnnouncement {
    const result = this.checkAnnouncement(roomName, id, credential);
    this.metrics.announcement(result.ok ? 'accepted' : result.problem);
    if (!result.ok) return result;
    const room = this.rooms.get(roomName);
    const at = this.options.wallClock();
    if (room?.peers.has(id) === true) {
      if (room.gateways.has(id)) return result;
      room.gateways.set(id, at);
      this.announced++;
    } else {
      // Its socket is on another server: the announcement is passed on, and listed once it is heard back.
      this.remote.markGateway(roomName, id, at);
    }
    this.options.bus?.publish({ k: 'gateway', s: this.options.bus.server, room: roomName, id, at });
    return result;
  }

  /**
   * A new WebSocket with its query and the client's IP address. Answers OPEN (then delivers what was queued for the
   * peer) and returns the session, or answers why not, closes the socket and returns undefined.
   */
  connect(socket: PeerSocket, query: Record<string, unknown>, ip: string): Session | undefined {
    const address = addressGroup(ip);
    const socketsAtAddress = this.socketsByAddress.get(address) ?? 0;
    if (socketsAtAddress >= this.limits.maxSocketsPerAddress) {
      const message =
        `Too many connections from your address (${this.limits.maxSocketsPerAddress}); ` +
        'close other tabs or peers, or try later.';
      return this.refuse(socket, 'address_full', serverError(message), CloseCode.tryAgainLater, 'address full');
    }
    const parsed = parseConnectQuery(query);
    if ('kind' in parsed) {
      if (parsed.kind === 'room') {
        return this.refuse(
          socket,
          'invalid_room',
          invalidKey(parsed.message),
          CloseCode.policyViolation,
          'invalid room',
        );
      }
      const reason = 'invalid id or token';
      return this.refuse(socket, 'invalid_credentials', serverError(parsed.message), CloseCode.policyViolation, reason);
    }
    const proof = KEY_ID.test(parsed.id)
      ? checkSignalingToken(this.options.scheme, parsed.room, parsed.id, parsed.token)
      : null;
    if (proof === undefined) {
      const message =
        `The peer id ${parsed.id} is a public key, so its token must prove the key for room "${parsed.room}" ` +
        '(a signaling token signed by that key); this one does not. Sign a token with the key, or use another id.';
      const closeReason = 'the token does not prove the key id';
      return this.refuse(socket, 'invalid_key_token', serverError(message), CloseCode.policyViolation, closeReason);
    }
    const provedAt = proof?.madeAt ?? null;
    const tokenHash = hashToken(parsed.token);
    const room = this.rooms.get(parsed.room);
    const holder = room?.peers.get(parsed.id);
    const remoteHolder = this.remote.get(parsed.room, parsed.id);
    const key = peerKey(parsed.room, parsed.id);
    // Only the key's holder can make a newer token for a key id: it takes the id back from an older registration.
    // The same token on another socket, here or on another server, is the peer re-attaching.
    const taken = (held: { tokenHash: string; provedAt: number | null }) =>
      held.tokenHash !== tokenHash && !(provedAt !== null && held.provedAt !== null && provedAt > held.provedAt);
    if ((holder !== undefined && taken(holder)) || (remoteHolder !== undefined && taken(remoteHolder))) {
      return this.refuse(socket, 'id_taken', ID_TAKEN, CloseCode.policyViolation, 'ID is taken');
    }
    const reservation = this.reservations.get(key);
    if (holder === undefined && remoteHolder === undefined && reservation !== undefined && taken(reservation)) {
      return this.refuse(socket, 'id_reserved', ID_TAKEN, CloseCode.policyViolation, 'ID is taken');
    }
    if (holder === undefined && this.registered >= this.limits.maxPeers) {
      const message = `The server is full (${this.limits.maxPeers} peers); try later.`;
      return this.refuse(socket, 'server_full', serverError(message), CloseCode.tryAgainLater, 'server full');
    }
    if (
      holder === undefined &&
      remoteHolder === undefined &&
      this.roomPeerCount(parsed.room) >= this.limits.maxPeersPerRoom
    ) {
      const full = `The room "${parsed.room}" is full (${this.limits.maxPeersPerRoom} peers)`;
      const message = `${full}; try later or join another.`;
      return this.refuse(socket, 'room_full', serverError(message), CloseCode.tryAgainLater, 'room full');
    }
    const session: Session = {
      socket,
      room: parsed.room,
      id: parsed.id,
      tokenHash,
      provedAt,
      address,
      lastFrameAt: this.now(),
      rate: new TokenBucket(this.limits.messageBurst, this.limits.messagesPerSecond, this.now),
      inbound: new TokenBucket(
        this.limits.messagesPerDestinationBurst,
        this.limits.messagesPerDestinationPerSecond,
        this.now,
      ),
      badFrames: 0,
    };
    this.socketsByAddress.set(address, socketsAtAddress + 1);
    this.reservations.delete(key);
    this.remote.deleteAnywhere(parsed.room, parsed.id);
    const target = room ?? this.createRoom(parsed.room);
    target.peers.set(session.id, session);
    if (holder === undefined) {
      this.registered++;
    } else {
      // Re-attach: the same id and token from a new socket (a reconnecting client whose old socket lingers), or a
      // newer token of the same key (its holder restarted). On another server, the old socket goes when it hears.
      this.metrics.closedByServer('replaced');
      holder.socket.close(CloseCode.normal, 'replaced by a newer connection of the same peer');
    }
    socket.send(OPEN);
    this.deliverQueued(target, session);
    this.publishPeers([session]);
    return session;
  }

  /** This server came onto the bus (at start, or when the bus came back): it asks for the others' peers and tells its own. */
  joinBus(): void {
    const { bus } = this.options;
    if (bus === undefined) return;
    bus.publish({ k: 'hello', s: bus.server });
    this.publishPeers([...this.rooms.values()].flatMap((room) => [...room.peers.values()]));
  }

  /** An event from another server, as the bus delivered it (schema-checked). */
  receiveBusEvent(event: BusEvent): void {
    const { bus } = this.options;
    if (bus === undefined || event.s === bus.server) return;
    this.remote.heard(event.s);
    switch (event.k) {
      case 'hello':
        // It (re)started: what it held before is gone, and it needs to hear this server's peers.
        this.remote.forget(event.s);
        this.remote.heard(event.s);
        bus.publish({ k: 'alive', s: bus.server });
        this.publishPeers([...this.rooms.values()].flatMap((room) => [...room.peers.values()]));
        return;
      case 'alive':
        return;
      case 'register':
        for (const peer of event.peers) this.registeredElsewhere(event.s, peer);
        return;
      case 'unregister': {
        this.remote.delete(event.s, event.room, event.id);
        if (this.rooms.get(event.room)?.peers.has(event.id) !== true) {
          this.reserve(event.room, event.id, { tokenHash: event.tokenHash, provedAt: event.provedAt });
        }
        return;
      }
      case 'gateway': {
        const room = this.rooms.get(event.room);
        if (room?.peers.has(event.id) === true && !room.gateways.has(event.id)) {
          room.gateways.set(event.id, event.at);
          this.announced++;
        } else {
          this.remote.markGateway(event.room, event.id, event.at);
        }
        return;
      }
      case 'relay':
        this.deliverRelayed(event);
        return;
      case 'expire': {
        const sender = this.rooms.get(event.room)?.peers.get(event.src);
        if (sender?.socket.readyState === OPEN_STATE) sender.socket.send(expire(event.dst, event.src));
        return;
      }
    }
  }

  receiveText(session: Session, text: string): void {
    if (!this.accept(session)) return;
    const frame = this.parser.parse(text);
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
    const sockets = (this.socketsByAddress.get(session.address) ?? 0) - 1;
    if (sockets <= 0) this.socketsByAddress.delete(session.address);
    else this.socketsByAddress.set(session.address, sockets);
  }

  /**
   * Expires queued messages, negotiations and reservations, closes sockets that went silent, forgets servers of the
   * bus that did, and says this one is alive; call it often relative to every timeout.
   */
  sweep(): void {
    const now = this.now();
    const { bus } = this.options;
    if (bus !== undefined) {
      this.remote.sweep();
      if (now - this.lastAlive >= ALIVE_EVERY_MS) {
        this.lastAlive = now;
        bus.publish({ k: 'alive', s: bus.server });
      }
    }
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
      for (const [destination, queue] of room.queues) this.expireQueue(name, room, destination, queue, now);
      this.dropIfEmpty(name, room);
    }
    this.negotiations.sweep();
    // Every reservation lasts equally long, so the map is in expiry order.
    for (const [key, reservation] of this.reservations) {
      if (reservation.until > now) break;
      this.reservations.delete(key);
    }
  }

  private checkAnnouncement(roomName: string, id: string, credential: Credential): GatewayAnnouncement {
    const { clusterKey } = this.options;
    if (clusterKey === undefined) {
      const message =
        'This server has no cluster key, so it lists no gateways; announce to the server that runs the cluster.';
      return { ok: false, problem: 'no_cluster', message };
    }
    if (this.rooms.get(roomName)?.peers.has(id) !== true && this.remote.get(roomName, id) === undefined) {
      const absent = `The peer ${id} is not connected to room "${roomName}"`;
      const message = `${absent}; open its signaling socket, then announce it.`;
      return { ok: false, problem: 'not_registered', message };
    }
    const check = checkCredential(this.options.scheme, clusterKey, id, credential, this.options.wallClock());
    if (!check.ok) {
      const message =
        `The credential does not let ${id} coordinate this cluster (${check.error}); ` +
        "ask the cluster's operator for one.";
      return { ok: false, problem: 'credential', message };
    }
    return { ok: true };
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
        this.relay(session, 'LEAVE', frame.dst, undefined, undefined);
        return;
      default:
        this.relaySignal(session, frame);
    }
  }

  /**
   * An OFFER opens a negotiation within the limits (else EXPIRE); ANSWER and CANDIDATE go through only for an open
   * one. The others are dropped without an ERROR: the stock client sends candidates after it closed a connection.
   */
  private relaySignal(sender: Session, frame: SignalFrame): void {
    const { room, id } = sender;
    const { connectionId } = frame.payload;
    if (frame.type === 'OFFER') {
      const refusal = this.negotiations.refusalOfOffer(room, id, frame.dst, connectionId);
      if (refusal !== undefined) {
        this.expireNow(sender, frame.dst, refusal);
        return;
      }
      if (this.relay(sender, 'OFFER', frame.dst, frame.payload, connectionId)) {
        this.negotiations.offered(room, id, frame.dst, connectionId);
      }
      return;
    }
    const known =
      frame.type === 'ANSWER'
        ? this.negotiations.answered(room, id, frame.dst, connectionId)
        : this.negotiations.candidate(room, id, frame.dst, connectionId);
    if (!known) {
      this.metrics.strayDropped();
      return;
    }
    this.relay(sender, frame.type, frame.dst, frame.payload, connectionId);
  }

  /**
   * Delivers, passes to the destination's server, or queues one message; false (the sender told with EXPIRE, or a
   * LEAVE dropped) when none.
   */
  private relay(
    sender: Session,
    type: RelayedType,
    dst: string,
    payload: unknown,
    connectionId: string | undefined,
  ): boolean {
    const room = this.rooms.get(sender.room);
    if (room === undefined) return false;
    const text = relayed(type, sender.id, dst, payload);
    const destination = room.peers.get(dst);
    if (destination !== undefined && destination.socket.readyState === OPEN_STATE) {
      const refusal = this.deliveryRefusal(destination);
      if (refusal !== undefined) return this.expireNow(sender, dst, refusal);
      destination.socket.send(text);
      this.metrics.relayed(type);
      return true;
    }
    const elsewhere = this.remote.get(sender.room, dst);
    if (elsewhere !== undefined) {
      this.forward(elsewhere.server, { room: sender.room, src: sender.id, dst, type, text, connectionId });
      return true;
    }
    // Nobody to tell that a peer left.
    if (type === 'LEAVE') return false;
    const queue = room.queues.get(dst) ?? [];
    const senderKey = peerKey(sender.room, sender.id);
    const fromSender = this.queuedBySender.get(senderKey) ?? 0;
    if (
      fromSender >= this.limits.maxQueuedPerSender ||
      countFrom(queue, sender.id) >= this.limits.maxQueuedPerSenderPerPeer
    ) {
      return this.expireNow(sender, dst, 'sender_queue_share');
    }
    if (this.queued >= this.limits.maxQueuedMessages || queue.length >= this.limits.maxQueuedPerPeer) {
      return this.expireNow(sender, dst, 'queue_full');
    }
    queue.push({ type, src: sender.id, connectionId, text, expiresAt: this.now() + this.limits.messageExpiryMs });
    room.queues.set(dst, queue);
    this.queued++;
    this.queuedBySender.set(senderKey, fromSender + 1);
    return true;
  }

  /** Why `destination` takes no more now: it is not reading, or gets more than its share. */
  private deliveryRefusal(destination: Session): ExpireReason | undefined {
    if (destination.socket.bufferedAmount > SLOW_READER_BYTES) return 'slow_reader';
    if (!destination.inbound.take()) return 'destination_rate';
    return undefined;
  }

  /** Passes a message to the server of the bus that holds its destination. */
  private forward(
    server: string,
    message: Omit<RelayEvent, 'k' | 's' | 'connectionId'> & { connectionId: string | undefined },
  ): void {
    const { bus } = this.options;
    if (bus === undefined) return;
    const { connectionId, ...rest } = message;
    bus.sendTo(server, { k: 'relay', s: bus.server, ...rest, ...(connectionId === undefined ? {} : { connectionId }) });
    this.metrics.forwarded(message.type);
  }

  /**
   * A message another server passed on for a peer of this one. The negotiation it belongs to is recorded here too,
   * so that this peer's answer and candidates are known; a destination that left or takes no more gets the sender
   * told EXPIRE through its server.
   */
  private deliverRelayed(event: RelayEvent): void {
    const { room: roomName, src, dst, type, connectionId } = event;
    const destination = this.rooms.get(roomName)?.peers.get(dst);
    if (destination === undefined || destination.socket.readyState !== OPEN_STATE) {
      if (type !== 'LEAVE') this.expireElsewhere(event.s, roomName, src, dst, 'left');
      return;
    }
    if (connectionId !== undefined) {
      if (type === 'OFFER') this.negotiations.offered(roomName, src, dst, connectionId);
      const known =
        type === 'ANSWER'
          ? this.negotiations.answered(roomName, src, dst, connectionId)
          : type === 'CANDIDATE'
            ? this.negotiations.candidate(roomName, src, dst, connectionId)
            : true;
      if (!known) {
        this.metrics.strayDropped();
        return;
      }
    }
    const refusal = this.deliveryRefusal(destination);
    if (refusal !== undefined) {
      this.expireElsewhere(event.s, roomName, src, dst, refusal);
      return;
    }
    destination.socket.send(event.text);
    this.metrics.relayed(type);
  }

  /** Tells `src`, a peer of another server, that its message for `dst` will not be delivered. */
  private expireElsewhere(server: string, room: string, src: string, dst: string, reason: ExpireReason): void {
    const { bus } = this.options;
    if (bus === undefined) return;
    this.metrics.expired(reason);
    bus.sendTo(server, { k: 'expire', s: bus.server, room, src, dst });
  }

  /** `peer` registered on another server: a stale socket of it here goes, and what was queued for it follows it. */
  private registeredElsewhere(server: string, peer: RemotePeer): void {
    const room = this.rooms.get(peer.room);
    const stale = room?.peers.get(peer.id);
    if (stale !== undefined) {
      this.metrics.closedByServer('replaced');
      this.unregister(stale, false);
      stale.socket.close(CloseCode.normal, 'replaced by a newer connection of the same peer');
    }
    this.reservations.delete(peerKey(peer.room, peer.id));
    this.remote.set(server, peer);
    const queue = room?.queues.get(peer.id);
    if (room === undefined || queue === undefined) return;
    room.queues.delete(peer.id);
    this.dequeued(peer.room, queue);
    for (const { type, src, text, connectionId } of queue) {
      this.forward(server, { room: peer.room, src, dst: peer.id, type, text, connectionId });
    }
    this.dropIfEmpty(peer.room, room);
  }

  /** Tells the bus that these peers are registered here, in parts of PEERS_PER_EVENT. */
  private publishPeers(sessions: Session[]): void {
    const { bus } = this.options;
    if (bus === undefined) return;
    const peers = sessions.map((session) => ({
      room: session.room,
      id: session.id,
      tokenHash: session.tokenHash,
      provedAt: session.provedAt,
      gatewayAt: this.rooms.get(session.room)?.gateways.get(session.id) ?? null,
    }));
    for (let start = 0; start < peers.length; start += PEERS_PER_EVENT) {
      bus.publish({ k: 'register', s: bus.server, peers: peers.slice(start, start + PEERS_PER_EVENT) });
    }
  }

  /** Tells the sender at once that its message for `dst` will not be delivered. */
  private expireNow(sender: Session, dst: string, reason: ExpireReason): false {
    this.metrics.expired(reason);
    sender.socket.send(expire(dst, sender.id));
    return false;
  }

  private deliverQueued(room: Room, session: Session): void {
    const queue = room.queues.get(session.id);
    if (queue === undefined) return;
    room.queues.delete(session.id);
    this.dequeued(session.room, queue);
    for (const message of queue) {
      session.socket.send(message.text);
      this.metrics.relayed(message.type);
    }
  }

  private expireQueue(roomName: string, room: Room, destination: string, queue: QueuedMessage[], now: number): void {
    // Every message waits equally long, so the queue is in expiry order.
    const senders = new Set<string>();
    for (const message of queue) {
      if (message.expiresAt > now) break;
      senders.add(message.src);
    }
    if (senders.size === 0) return;
    // A sender told EXPIRE has given up on this destination, so what it queued after the expired message
    // (the candidates of the same offer) goes with it: one EXPIRE, and nothing stale delivered later.
    const messages = queue.filter((message) => senders.has(message.src));
    const kept = queue.filter((message) => !senders.has(message.src));
    queue.splice(0, queue.length, ...kept);
    this.dequeued(roomName, messages);
    this.metrics.expired('timeout', messages.length);
    if (queue.length === 0) room.queues.delete(destination);
    for (const src of senders) {
      const sender = room.peers.get(src);
      if (sender?.socket.readyState === OPEN_STATE) sender.socket.send(expire(destination, src));
      const elsewhere = sender === undefined ? this.remote.get(roomName, src) : undefined;
      if (elsewhere !== undefined)
        this.options.bus?.sendTo(elsewhere.server, {
          k: 'expire',
          s: this.options.bus.server,
          room: roomName,
          src,
          dst: destination,
        });
    }
  }

  /** Messages that left the queues of `roomName`, delivered or expired. */
  private dequeued(roomName: string, messages: QueuedMessage[]): void {
    this.queued -= messages.length;
    for (const message of messages) {
      const key = peerKey(roomName, message.src);
      const count = (this.queuedBySender.get(key) ?? 0) - 1;
      if (count <= 0) this.queuedBySender.delete(key);
      else this.queuedBySender.set(key, count);
    }
  }

  private refuse(
    socket: PeerSocket,
    reason: RefuseReason,
    answer: string,
    code: number,
    closeReason: string,
  ): undefined {
    this.metrics.refused(reason);
    socket.send(answer);
    socket.close(code, closeReason);
    return undefined;
  }

  private createRoom(name: string): Room {
    const room: Room = { peers: new Map(), queues: new Map(), gateways: new Map() };
    this.rooms.set(name, room);
    return room;
  }

  /**
   * The peer leaves its room: no longer listed, and its id reserved for its token for idReservationMs, here and on
   * the other servers of the bus; unless it `left` for a newer socket on another server, which holds the id now.
   */
  private unregister(session: Session, left = true): void {
    const room = this.rooms.get(session.room);
    if (room === undefined || room.peers.get(session.id) !== session) return;
    room.peers.delete(session.id);
    this.registered--;
    if (room.gateways.delete(session.id)) this.announced--;
    if (left) {
      this.reserve(session.room, session.id, session);
      const { bus } = this.options;
      const { room: roomName, id, tokenHash, provedAt } = session;
      bus?.publish({ k: 'unregister', s: bus.server, room: roomName, id, tokenHash, provedAt });
    }
    this.dropIfEmpty(session.room, room);
  }

  private reserve(room: string, id: string, holder: { tokenHash: string; provedAt: number | null }): void {
    const key = peerKey(room, id);
    this.reservations.delete(key);
    const until = this.now() + this.limits.idReservationMs;
    this.reservations.set(key, { tokenHash: holder.tokenHash, provedAt: holder.provedAt, until });
    if (this.reservations.size > this.limits.maxIdReservations) {
      this.reservations.delete(this.reservations.keys().next().value as string);
    }
  }

  private dropIfEmpty(name: string, room: Room): void {
    if (room.peers.size === 0 && room.queues.size === 0) this.rooms.delete(name);
  }
}

function countFrom(queue: QueuedMessage[], src: string): number {
  let count = 0;
  for (const message of queue) if (message.src === src) count++;
  return count;
}

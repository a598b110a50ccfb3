// The signaling server's Prometheus metrics. Rooms are named by clients, so no metric is labelled by room: that
// would let anyone create series without bound.
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../plugins/metrics.js';
import type { OfferRefusal } from './negotiations.js';
import type { RelayedType } from './protocol.js';

export type RejectReason = 'malformed_json' | 'schema' | 'payload' | 'binary' | 'oversized' | 'rate_limited';
export type RefuseReason =
  | 'address_full'
  | 'invalid_room'
  | 'invalid_credentials'
  | 'invalid_key_token'
  | 'id_taken'
  | 'id_reserved'
  | 'server_full'
  | 'room_full';
export type ServerCloseReason = 'idle' | 'bad_frames' | 'replaced' | 'left' | 'shutdown';
export type ExpireReason =
  | 'timeout'
  | 'queue_full'
  | 'sender_queue_share'
  | 'slow_reader'
  | 'destination_rate'
  | 'left'
  | OfferRefusal;
export type AnnouncementOutcome = 'accepted' | 'invalid' | 'no_cluster' | 'not_registered' | 'credential';

export interface SignalingGauges {
  socketsOpen(): number;
  addresses(): number;
  rooms(): number;
  peers(): number;
  queuedMessages(): number;
  negotiations(): number;
  idReservations(): number;
  gateways(): number;
  remotePeers(): number;
  remoteServers(): number;
}

export class SignalingMetrics {
  private readonly relayedFrames: Counter<'type'>;
  private readonly forwardedFrames: Counter<'type'>;
  private readonly rejectedFrames: Counter<'reason'>;
  private readonly refusedConnections: Counter<'reason'>;
  private readonly closedSockets: Counter<'reason'>;
  private readonly expiredMessages: Counter<'reason'>;
  private readonly strayFrames: Counter;
  private readonly announcements: Counter<'outcome'>;

  constructor(registry: Registry, gauges: SignalingGauges) {
    const registers = [registry];
    const gauge = (suffix: string, help: string, read: () => number) =>
      new Gauge({
        name: name(suffix),
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('sockets_open', 'WebSocket connections open on the PeerJS endpoint.', gauges.socketsOpen);
    gauge('addresses', 'Client addresses (IPv4, or IPv6 /64) with at least one open socket.', gauges.addresses);
    gauge('rooms', 'Rooms (clusters) with at least one peer.', gauges.rooms);
    gauge('peers', 'Peers registered across all rooms.', gauges.peers);
    gauge('queued_messages', 'Messages waiting for a destination that is not connected (yet).', gauges.queuedMessages);
    gauge(
      'negotiations',
      'Negotiations open (an OFFER relayed, idle less than negotiationIdleMs).',
      gauges.negotiations,
    );
    gauge('id_reservations', 'Freed ids reserved for the token that held them.', gauges.idReservations);
    gauge('gateways', 'Announced gateways listed across all rooms.', gauges.gateways);
    gauge('remote_peers', 'Peers registered on the other signaling servers of the bus.', gauges.remotePeers);
    gauge('remote_servers', 'Other signaling servers of the bus heard from lately.', gauges.remoteServers);
    this.relayedFrames = new Counter({
      name: name('frames_relayed_total'),
      help: 'Frames delivered to their destination peer, by type.',
      labelNames: ['type'],
      registers,
    });
    this.forwardedFrames = new Counter({
      name: name('frames_forwarded_total'),
      help: 'Frames passed to the signaling server that holds their destination, by type.',
      labelNames: ['type'],
      registers,
    });
    this.rejectedFrames = new Counter({
      name: name('frames_rejected_total'),
      help: 'Frames refused (answered with ERROR or a close), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.refusedConnections = new Counter({
      name: name('connections_refused_total'),
      help: 'WebSocket connections refused before OPEN, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.closedSockets = new Counter({
      name: name('sockets_closed_by_server_total'),
      help: 'Registered sockets the server closed, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.expiredMessages = new Counter({
      name: name('messages_expired_total'),
      help: 'Messages never delivered (the sender got EXPIRE), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.strayFrames = new Counter({
      name: name('stray_frames_dropped_total'),
      help: 'ANSWER and CANDIDATE frames dropped because they belong to no open negotiation.',
      registers,
    });
    this.announcements = new Counter({
      name: name('gateway_announcements_total'),
      help: 'Gateway announcements (POST /peerjs/{room}/gateways), by outcome.',
      labelNames: ['outcome'],
      registers,
    });
  }

  relayed(type: RelayedType): void {
    this.relayedFrames.inc({ type });
  }

  forwarded(type: RelayedType): void {
    this.forwardedFrames.inc({ type });
  }

  rejected(reason: RejectReason): void {
    this.rejectedFrames.inc({ reason });
  }

  refused(reason: RefuseReason): void {
    this.refusedConnections.inc({ reason });
  }

  closedByServer(reason: ServerCloseReason): void {
    this.closedSockets.inc({ reason });
  }

  expired(reason: ExpireReason, count = 1): void {
    this.expiredMessages.inc({ reason }, count);
  }

  strayDropped(): void {
    this.strayFrames.inc();
  }

  announcement(outcome: AnnouncementOutcome): void {
    this.announcements.inc({ outcome });
  }
}

/** The HTTP server's own refusals: connections over maxConnections, requests over a timeout. */
export class HttpMetrics {
  private readonly refusedConnections: Counter;
  private readonly timedOutRequests: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.refusedConnections = new Counter({
      name: name('http_connections_refused_total'),
      help: 'TCP connections closed as they were accepted, because maxConnections were open.',
      registers,
    });
    this.timedOutRequests = new Counter({
      name: name('http_requests_timed_out_total'),
      help: 'Connections closed with 408 because the headers or the whole request took too long.',
      registers,
    });
  }

  connectionRefused(): void {
    this.refusedConnections.inc();
  }

  requestTimedOut(): void {
    this.timedOutRequests.inc();
  }
}

function name(suffix: string): string {
  return `${METRIC_PREFIX}signal_${suffix}`;
}

// The signaling server's Prometheus metrics. Rooms are named by clients, so no metric is labelled by room: that
// would let anyone create series without bound.
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../plugins/metrics.js';
import type { RelayedType } from './protocol.js';

export type RejectReason = 'malformed_json' | 'schema' | 'binary' | 'oversized' | 'rate_limited';
export type RefuseReason = 'invalid_room' | 'invalid_credentials' | 'id_taken' | 'server_full' | 'room_full';
export type ServerCloseReason = 'idle' | 'bad_frames' | 'replaced' | 'left' | 'shutdown';
export type ExpireReason = 'timeout' | 'queue_full' | 'slow_reader';

export interface SignalingGauges {
  socketsOpen(): number;
  rooms(): number;
  peers(): number;
  queuedMessages(): number;
}

export class SignalingMetrics {
  private readonly relayedFrames: Counter<'type'>;
  private readonly rejectedFrames: Counter<'reason'>;
  private readonly refusedConnections: Counter<'reason'>;
  private readonly closedSockets: Counter<'reason'>;
  private readonly expiredMessages: Counter<'reason'>;

  constructor(registry: Registry, gauges: SignalingGauges) {
    const name = (suffix: string) => `${METRIC_PREFIX}signal_${suffix}`;
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
    gauge('rooms', 'Rooms (clusters) with at least one peer.', gauges.rooms);
    gauge('peers', 'Peers registered across all rooms.', gauges.peers);
    gauge('queued_messages', 'Messages waiting for a destination that is not connected (yet).', gauges.queuedMessages);
    this.relayedFrames = new Counter({
      name: name('frames_relayed_total'),
      help: 'Frames delivered to their destination peer, by type.',
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
  }

  relayed(type: RelayedType): void {
    this.relayedFrames.inc({ type });
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
}

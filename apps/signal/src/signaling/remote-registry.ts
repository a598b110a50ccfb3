// The peers registered on the other signaling servers of the bus, as their events told this one, and when each server
// was last heard from. A server that goes silent is forgotten with its peers, which reconnect elsewhere.
// No I/O: the clock is handed in.
import type { RemotePeer } from './bus-events.js';

// Rooms and ids cannot hold a newline, so joined with one they name a single peer.
export const peerKey = (room: string, id: string) => `${room}\n${id}`;

export interface RemoteEntry extends RemotePeer {
  readonly server: string;
}

interface ServerRecord {
  lastHeard: number;
  readonly peers: Set<string>;
}

export class RemoteRegistry {
  private readonly entries = new Map<string, RemoteEntry>();
  private readonly servers = new Map<string, ServerRecord>();
  private readonly perRoom = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly serverTimeoutMs: number,
  ) {}

  get peerCount(): number {
    return this.entries.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  get(room: string, id: string): RemoteEntry | undefined {
    return this.entries.get(peerKey(room, id));
  }

  roomCount(room: string): number {
    return this.perRoom.get(room) ?? 0;
  }

  /** The room's gateways on other servers, with when each was announced. */
  gateways(room: string): { id: string; at: number }[] {
    const found: { id: string; at: number }[] = [];
    for (const entry of this.entries.values()) {
      if (entry.room === room && entry.gatewayAt !== null) found.push({ id: entry.id, at: entry.gatewayAt });
    }
    return found;
  }

  /** `server` spoke: it is alive. */
  heard(server: string): void {
    const record = this.servers.get(server);
    if (record === undefined) this.servers.set(server, { lastHeard: this.now(), peers: new Set() });
    else record.lastHeard = this.now();
  }

  /** `server` holds `peer` now (a registration there moves it from wherever it was). */
  set(server: string, peer: RemotePeer): void {
    const key = peerKey(peer.room, peer.id);
    this.remove(key);
    this.heard(server);
    this.entries.set(key, { ...peer, server });
    this.servers.get(server)?.peers.add(key);
    this.perRoom.set(peer.room, this.roomCount(peer.room) + 1);
  }

  /** The peer left `server`; a registration elsewhere since then stays. */
  delete(server: string, room: string, id: string): void {
    const key = peerKey(room, id);
    if (this.entries.get(key)?.server === server) this.remove(key);
  }

  /** The peer registered on this server: it is no longer another's. */
  deleteAnywhere(room: string, id: string): void {
    this.remove(peerKey(room, id));
  }

  markGateway(room: string, id: string, at: number): void {
    const entry = this.entries.get(peerKey(room, id));
    if (entry !== undefined && entry.gatewayAt === null)
      this.entries.set(peerKey(room, id), { ...entry, gatewayAt: at });
  }

  /** Forgets `server` and every peer it held (it restarted, or went silent). */
  forget(server: string): void {
    const record = this.servers.get(server);
    if (record === undefined) return;
    for (const key of [...record.peers]) this.remove(key);
    this.servers.delete(server);
  }

  /** Forgets the servers silent for serverTimeoutMs; answers how many. */
  sweep(): number {
    const cutoff = this.now() - this.serverTimeoutMs;
    let forgotten = 0;
    for (const [server, record] of this.servers) {
      if (record.lastHeard > cutoff) continue;
      this.forget(server);
      forgotten++;
    }
    return forgotten;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.servers.get(entry.server)?.peers.delete(key);
    const count = this.roomCount(entry.room) - 1;
    if (count <= 0) this.perRoom.delete(entry.room);
    else this.perRoom.set(entry.room, count);
  }
}

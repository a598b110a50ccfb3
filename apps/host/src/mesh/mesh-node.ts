// A cluster peer on the real network: the sans-IO ClusterPeer wired to PeerJS data channels (through the
// signaling server), a timer, a miner and a share hasher.
import {
  ClusterPeer,
  type ClusterTotals,
  type Job,
  type JobSourceMode,
  type MiningEngine,
  type PeerAction,
  type PeerEvent,
  type PeerInfo,
  type PeerNotice,
} from '@rxmesh/core';
import type { Log } from '../log.js';
import { MiningDriver } from './mining-driver.js';
import { createNodePeer, type DataConnection, type Peer } from './node-peer.js';
import type { ShareHasher } from './share-hasher.js';

export interface MeshNodeOptions {
  signalUrl: URL;
  room: string;
  /** Who this peer is; id, start time and hashrate are filled in. */
  info: Omit<PeerInfo, 'id' | 'startedAt' | 'hashrate'>;
  source: JobSourceMode;
  /** Absent for a peer that only coordinates. */
  engine?: MiningEngine;
  hasher: ShareHasher;
  log: Log;
  /** How often to log this peer's rate and the cluster's figures. */
  statusSeconds: number;
}

/** A connection that does not open in this time is given up. */
const CONNECT_TIMEOUT_MS = 10_000;

export class MeshNode {
  private readonly connections = new Map<string, DataConnection>();
  private readonly timer: NodeJS.Timeout;
  private readonly statusTimer: NodeJS.Timeout;
  private lastStatus = { at: performance.now(), hashes: 0 };
  private readonly miner: MiningDriver | undefined;
  private stopped = false;

  private constructor(
    private readonly peer: Peer,
    readonly cluster: ClusterPeer,
    private readonly options: MeshNodeOptions,
  ) {
    const engine = options.engine;
    this.miner =
      engine === undefined
        ? undefined
        : new MiningDriver(
            engine,
            (progress) => this.handle({ kind: 'progress', ...progress }),
            (message) => options.log.info(message),
          );
    peer.on('connection', (connection) => this.adopt(connection));
    peer.on('error', (error) => {
      // peerjs names the peer it could not reach only in the message.
      const unreachable = /Could not connect to peer (\S+)/.exec(error.message)?.[1];
      if (unreachable !== undefined) this.handle({ kind: 'linkFailed', peer: unreachable });
      else options.log.warn(`signaling: ${error.message}`);
    });
    this.timer = setInterval(() => this.handle({ kind: 'tick' }), cluster.settings.tickMs);
    this.statusTimer = setInterval(() => this.logStatus(), options.statusSeconds * 1000);
    cluster.start();
    this.flush();
  }

  static async start(options: MeshNodeOptions): Promise<MeshNode> {
    const peer = await createNodePeer({ signalUrl: options.signalUrl.toString(), room: options.room });
    const cluster = new ClusterPeer({
      info: { ...options.info, id: peer.id, startedAt: Date.now(), hashrate: 0 },
      now: () => Date.now(),
      random: () => Math.random(),
      source: options.source,
    });
    options.log.info(`joined room "${options.room}" as ${peer.id}`, { peer: peer.id });
    return new MeshNode(peer, cluster, options);
  }

  get id(): string {
    return this.cluster.id;
  }

  /** The cluster's figures: this peer's own when it coordinates, else the last heartbeat's. */
  get totals(): ClusterTotals {
    return this.cluster.clusterTotals;
  }

  get job(): Job | undefined {
    return this.cluster.latestJob;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.statusTimer);
    this.miner?.release();
    for (const connection of this.connections.values()) connection.close();
    this.peer.destroy();
    await this.options.hasher.close();
  }

  private handle(event: PeerEvent): void {
    if (this.stopped) return;
    this.cluster.handle(event);
    this.flush();
  }

  private flush(): void {
    for (const action of this.cluster.drain()) this.perform(action);
  }

  private perform(action: PeerAction): void {
    switch (action.kind) {
      case 'connect': {
        // peerjs returns nothing while it is cut off from the signaling server.
        const connection = this.peer.disconnected
          ? undefined
          : this.peer.connect(action.peer, { reliable: true, serialization: 'json' });
        if (connection === undefined) queueMicrotask(() => this.handle({ kind: 'linkFailed', peer: action.peer }));
        else this.adopt(connection);
        return;
      }
      case 'disconnect':
        this.connections.get(action.peer)?.close();
        this.connections.delete(action.peer);
        return;
      case 'send':
        this.connections.get(action.to)?.send(action.message);
        return;
      case 'discover':
        if (this.peer.disconnected)
          this.peer.reconnect(); // the server may be back; data channels never left
        else this.peer.listAllPeers((ids) => this.handle({ kind: 'discovered', peers: ids }));
        return;
      case 'mine':
        this.miner?.mine(action.job, action.lease, action.target);
        return;
      case 'idle':
        this.miner?.idle();
        return;
      case 'verify':
        this.options.hasher.hash(action.seedHash, action.blob, action.nonce).then(
          (hash) => this.handle({ kind: 'verified', ticket: action.ticket, hash }),
          (error: unknown) => this.options.log.error(`share verification failed: ${(error as Error).message}`),
        );
        return;
      case 'submitBlock':
        this.options.log.warn('This cluster has no source to submit blocks to.');
        return;
      case 'notice':
        this.report(action.notice);
        return;
    }
  }

  /** Tracks one data connection: the first to open per peer is the link, a crossing second one is closed. */
  private adopt(connection: DataConnection): void {
    const other = connection.peer;
    let opened = false;
    const timeout = setTimeout(() => {
      if (opened) return;
      connection.close();
      this.handle({ kind: 'linkFailed', peer: other });
    }, CONNECT_TIMEOUT_MS);
    connection.on('open', () => {
      opened = true;
      clearTimeout(timeout);
      if (this.connections.has(other)) {
        connection.close();
        return;
      }
      this.connections.set(other, connection);
      this.handle({ kind: 'linkUp', peer: other });
    });
    connection.on('data', (data) => {
      if (this.connections.get(other) === connection) this.handle({ kind: 'message', from: other, data });
    });
    connection.on('close', () => {
      clearTimeout(timeout);
      if (this.connections.get(other) !== connection) return;
      this.connections.delete(other);
      this.handle({ kind: 'linkDown', peer: other });
    });
    connection.on('error', () => {
      if (!opened) {
        clearTimeout(timeout);
        this.handle({ kind: 'linkFailed', peer: other });
      }
    });
  }

  /** One line per status interval: this peer's own rate over it, and the cluster's figures. */
  private logStatus(): void {
    const now = performance.now();
    const hashes = this.miner?.totalHashes ?? 0;
    const miningMs = this.miner?.miningMs ?? 0;
    const rate = (1000 * (hashes - this.lastStatus.hashes)) / (now - this.lastStatus.at);
    this.lastStatus = { at: now, hashes };
    const totals = this.totals;
    const own = this.miner === undefined ? '' : `hashing at ${rate.toFixed(1)} H/s; `;
    this.options.log.info(
      `${own}cluster: ${totals.peers} peers, ${totals.hashrate.toFixed(1)} H/s, ${totals.sharesAccepted} shares ` +
        `accepted, ${totals.sharesRejected} rejected, ${totals.blocksFound} blocks`,
      {
        event: 'status',
        ownHashrate: rate,
        hashes,
        miningMs,
        peers: totals.peers,
        clusterHashrate: totals.hashrate,
        sharesAccepted: totals.sharesAccepted,
        sharesRejected: totals.sharesRejected,
        blocksFound: totals.blocksFound,
      },
    );
  }

  private report(notice: PeerNotice): void {
    const { log } = this.options;
    switch (notice.kind) {
      case 'coordinator':
        if (notice.self)
          log.info(`coordinating the cluster (term ${notice.term})`, {
            event: 'coordinator',
            self: true,
            term: notice.term,
          });
        else
          log.info(`coordinator is ${notice.id} (term ${notice.term})`, {
            event: 'coordinator',
            self: false,
            term: notice.term,
            coordinator: notice.id,
          });
        return;
      case 'block':
        log.info(`block ${notice.block.height} found by ${notice.block.finderName || notice.block.finderId}`, {
          event: 'block',
          height: notice.block.height,
          finder: notice.block.finderId,
        });
        return;
      case 'shareResult':
        log.info(notice.accepted ? 'share accepted' : `share rejected: ${notice.reason ?? 'no reason given'}`, {
          event: 'share',
          accepted: notice.accepted,
          reason: notice.reason ?? null,
        });
        return;
      case 'banned':
        log.error(notice.reason, { event: 'banned' });
        return;
      case 'badMessage':
        log.warn(`ignored a malformed message from ${notice.from}: ${notice.error}`, { event: 'badMessage' });
        return;
      case 'job':
        log.info(`new job at height ${notice.job.height} (difficulty ${notice.job.difficulty})`, {
          event: 'job',
          height: notice.job.height,
          difficulty: notice.job.difficulty.toString(),
        });
        return;
      case 'coordinatorEvent':
        if (notice.event.kind === 'banned') log.warn(`banned ${notice.event.peer} for invalid shares`);
        return;
    }
  }
}

// A cluster peer on the real network: the sans-IO ClusterPeer wired to peerjs data channels (through the signaling
// server), timers, a miner and a share hasher. The same class runs in `rxmesh host`/`rxmesh serve` (Node) and in a
// browser tab; each brings its own peerjs Peer (MeshTransport), engine and hasher. User interfaces watch it
// through snapshot() and subscribe().
import {
  bytesToHex,
  type ClusterKeys,
  ClusterPeer,
  type ClusterTotals,
  type Job,
  type JobSource,
  type JobSourceKind,
  type JobSourceMode,
  type MiningEngine,
  type PeerAction,
  type PeerEvent,
  type PeerInfo,
  type PeerNotice,
  type Role,
  type ShareRejection,
  type SourceStatus,
} from '@rxmesh/core';
import type { Log } from './log.js';
import { type KeyInit, MiningDriver } from './mining-driver.js';
import { platform, type TimerHandle } from './platform.js';
import type { LinkCounters, MeshConnection, MeshTransport } from './transport.js';

/** Recomputes a share's RandomX hash for the coordinator. */
export interface ShareHasher {
  hash(seedHash: Uint8Array, blob: Uint8Array, nonce: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface MeshNodeOptions {
  /** This peer's peerjs Peer, registered with the signaling server (the server has said OPEN) as `keys.identity.id`. */
  transport: MeshTransport;
  /** What this peer signs with and checks others against; a gateway's credential makes its role `gateway`. */
  keys: ClusterKeys;
  /** Who this peer is; id, role, start time and hashrate are filled in. */
  info: Omit<PeerInfo, 'id' | 'role' | 'startedAt' | 'hashrate'>;
  source: JobSourceMode;
  /**
   * A daemon or pool (with source 'external'): its jobs go to the cluster while this peer coordinates, and the
   * candidates its coordinator verifies go back to it. The node starts and stops it.
   */
  jobSource?: JobSource;
  /** Absent for a peer that only coordinates. */
  engine?: MiningEngine;
  /** Needed by peers that may coordinate (gateway, auto); a worker never verifies shares. */
  hasher?: ShareHasher;
  log: Log;
  /** How often to log this peer's rate and the cluster's figures. */
  statusSeconds: number;
}

export type MeshRole = ClusterPeer['role'];

export interface JobView {
  source: JobSourceKind;
  height: number;
  /** A decimal string: real chains exceed 2^53. */
  difficulty: string;
  seedHash: string;
}

export interface BlockView {
  height: number;
  /** The block id, hex. */
  id: string;
  finderId: string;
  finderName: string;
  /** The block's own timestamp (whole seconds, as its blob records it), in milliseconds. */
  foundAt: number;
}

export interface KeyInitView {
  mode: 'light' | 'full';
  seedHash: string;
  done: number;
  total: number;
  /** Wall-clock milliseconds. */
  startedAt: number;
  /** Null while the cache (light) or dataset (full) is being built. */
  finishedAt: number | null;
  /** The next seed's key, built ahead of the change while mining goes on. */
  ahead: boolean;
}

/** What a user interface shows about this peer and its cluster. */
export interface MeshSnapshot {
  id: string;
  role: MeshRole;
  /** The coordinator this peer follows (itself when it coordinates), or null before it knows one. */
  coordinator: { id: string; term: number } | null;
  paused: boolean;
  /** Whether the engine is hashing a batch right now. */
  mining: boolean;
  /** This peer's hashes per second over the last 10 s of its engine's work; 0 at once when paused. */
  hashrate: number;
  totalHashes: number;
  sharesAccepted: number;
  sharesRejected: number;
  lastRejectReason: ShareRejection | null;
  /** The key being built, or the last one built; null before the first. */
  keyInit: KeyInitView | null;
  /** The coordinator's figures: this peer's own when it coordinates, else the last heartbeat's. */
  totals: ClusterTotals;
  /** The newest job, or null before the first. */
  job: JobView | null;
  /** Recent blocks, newest first. */
  blocks: BlockView[];
  /** This peer's own daemon or pool, or null when it has none. */
  source: SourceStatus | null;
}

/** One peer in the coordinator's view, for the classroom. */
export interface MemberView {
  id: string;
  name: string;
  role: Role;
  engine: PeerInfo['engine'];
  mode: PeerInfo['mode'];
  hashrate: number;
  sharesAccepted: number;
  /** The accepted shares' difficulty summed: the hashes this peer is credited with. */
  creditedWork: bigint;
  /** Its parent in the tree; null for the coordinator. */
  parent: string | null;
  /** 0 for the first standby, which takes over first; null for peers that are not standbys. */
  standbyRank: number | null;
}

/** The bound of a link that carries replicated state: a replica body, signed and framed, is well within it. */
const LARGE_MESSAGE_BYTES = 2 * 1024 * 1024;
/** Retries of a lost signaling server: the first after this long, doubling to the last. */
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_LAST_MS = 30_000;
/** A connection that does not open in this time is given up. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Listeners hear of changes at most this often, so a UI can render each one. */
const NOTIFY_MS = 250;
const KEPT_BLOCKS = 16;

export class MeshNode {
  private readonly connections = new Map<string, MeshConnection>();
  private readonly timer: TimerHandle;
  private readonly statusTimer: TimerHandle;
  private lastStatus = { at: platform.performance.now(), hashes: 0 };
  private readonly miner: MiningDriver | undefined;
  private readonly cluster: ClusterPeer;
  private readonly transport: MeshTransport;
  private stopped = false;
  private readonly refused: Record<string, number> = {};
  private reconnectDelayMs = RECONNECT_FIRST_MS;
  private reconnectAt: number | null = null;
  private paused = false;
  private coordinator: { id: string; term: number } | null = null;
  private sharesAccepted = 0;
  private sharesRejected = 0;
  private lastRejectReason: ShareRejection | null = null;
  private keyInit: KeyInit | undefined;
  /** The last 20% step of key init that was logged. */
  private keyLoggedPercent = 0;
  private blocks: BlockView[] = [];
  /** The job of the last lease handed to the engine, to log each new job once. */
  private minedJobId: string | undefined;
  private readonly listeners = new Set<(snapshot: MeshSnapshot) => void>();
  private notifyTimer: TimerHandle | undefined;
  private lastNotifiedAt = Number.NEGATIVE_INFINITY;
  private lastNotified = '';

  private constructor(private readonly options: MeshNodeOptions) {
    const { transport, engine, log } = options;
    this.transport = transport;
    const role = options.keys.credential === null ? 'worker' : 'gateway';
    this.cluster = new ClusterPeer({
      info: { ...options.info, id: transport.id, role, startedAt: Date.now(), hashrate: 0 },
      keys: options.keys,
      now: () => Date.now(),
      random: () => Math.random(),
      source: options.source,
    });
    this.miner =
      engine === undefined
        ? undefined
        : new MiningDriver(engine, {
            progress: (progress) => this.handle({ kind: 'progress', ...progress }),
            key: (init) => this.keyChanged(init),
            failed: (error) => log.error(`mining stopped: ${error.message}`),
          });
    transport.on('connection', (connection) => this.adopt(connection));
    transport.on('error', (error) => {
      // peerjs names the peer it could not reach only in the message.
      const unreachable = /Could not connect to peer (\S+)/.exec(error.message)?.[1];
      if (unreachable !== undefined) this.handle({ kind: 'linkFailed', peer: unreachable });
      else log.warn(`signaling: ${error.message}`);
    });
    transport.on('problem', (problem) =>
      log.warn(problem.message, { event: 'linkProblem', counter: problem.counter, peer: problem.peer }),
    );
    this.timer = platform.setInterval(() => {
      this.reconnectSignaling();
      this.handle({ kind: 'tick' });
    }, this.cluster.settings.tickMs);
    this.statusTimer = platform.setInterval(() => this.logStatus(), options.statusSeconds * 1000);
  }

  /** Joins the cluster of the room `options.transport` is registered in. */
  static start(options: MeshNodeOptions): MeshNode {
    const node = new MeshNode(options);
    node.cluster.start();
    node.flush();
    // Every job goes to the cluster; only a coordinating peer acts on it.
    options.jobSource?.start((job) => node.handle({ kind: 'job', job }));
    return node;
  }

  get id(): string {
    return this.cluster.id;
  }

  /** What the guard of this peer's signaling and links has counted: input refused, links closed, sends failed. */
  linkCounters(): LinkCounters {
    return this.transport.linkCounters();
  }

  /**
   * What the cluster protocol refused here, by reason: messages that failed their schema or came out of turn
   * (badMessage), peers penalised for a hello that failed or a claim they could not prove, and what the coordinator
   * dropped (a forged or replayed up message, a stranger's status, a full cluster, unfinished work, busy verifiers).
   */
  refusals(): Readonly<Record<string, number>> {
    return { ...this.refused };
  }

  snapshot(): MeshSnapshot {
    const job = this.cluster.latestJob;
    const init = this.keyInit;
    return {
      id: this.id,
      role: this.cluster.role,
      coordinator: this.coordinator,
      paused: this.paused,
      mining: this.miner?.mining ?? false,
      hashrate: this.paused ? 0 : Math.round(10 * (this.miner?.hashrate() ?? 0)) / 10,
      totalHashes: this.miner?.totalHashes ?? 0,
      sharesAccepted: this.sharesAccepted,
      sharesRejected: this.sharesRejected,
      lastRejectReason: this.lastRejectReason,
      keyInit:
        init === undefined
          ? null
          : {
              mode: init.mode,
              seedHash: bytesToHex(init.seedHash),
              done: init.done,
              total: init.total,
              startedAt: init.startedAt,
              finishedAt: init.finishedAt,
              ahead: init.ahead,
            },
      totals: this.cluster.clusterTotals,
      job:
        job === undefined
          ? null
          : {
              source: job.source,
              height: job.height,
              difficulty: job.difficulty.toString(),
              seedHash: bytesToHex(job.seedHash),
            },
      blocks: [...this.blocks],
      source: this.options.jobSource?.status() ?? null,
    };
  }

  /**
   * Calls `listener` at once with the current snapshot, then after every change worth showing, at most every
   * 250 ms. Returns the function that unsubscribes it. Nothing is called after stop().
   */
  subscribe(listener: (snapshot: MeshSnapshot) => void): () => void {
    const snapshot = this.snapshot();
    // With no one else listening, nobody misses a change if the next notification skips this same snapshot.
    if (this.listeners.size === 0) this.lastNotified = JSON.stringify(snapshot);
    this.listeners.add(listener);
    listener(snapshot);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Every member the coordinator knows, when this peer coordinates; else null (only the coordinator knows them). */
  members(): MemberView[] | null {
    const coordinator = this.cluster.coordinatorState;
    if (coordinator === undefined) return null;
    const standbys = coordinator.successors;
    const members: MemberView[] = [];
    for (const id of coordinator.memberIds()) {
      const info = coordinator.memberInfo(id);
      if (info === undefined) continue;
      const account = coordinator.state.accounts.get(id);
      const parent = coordinator.parentOf(id);
      const rank = standbys.indexOf(id);
      members.push({
        id,
        name: info.name,
        role: info.role,
        engine: info.engine,
        mode: info.mode,
        hashrate: info.hashrate,
        sharesAccepted: account?.accepted ?? 0,
        creditedWork: account?.work ?? 0n,
        parent: parent === undefined || id === this.id ? null : parent,
        standbyRank: rank < 0 ? null : rank,
      });
    }
    return members;
  }

  /** Stops hashing at once (the engine's batch is cut short) and stays in the cluster, relaying and answering. */
  pause(): void {
    if (this.paused || this.stopped) return;
    this.paused = true;
    this.miner?.pause();
    this.changed();
  }

  /** Mines again whatever lease the cluster gave this peer meanwhile. */
  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.miner?.resume();
    this.changed();
  }

  /**
   * Leaves the cluster: stops mining, closes every link and the signaling registration, and closes the hasher.
   * Resolves once the engine has settled its batch (or the key it was building), so the caller may release it.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    platform.clearInterval(this.timer);
    platform.clearInterval(this.statusTimer);
    if (this.notifyTimer !== undefined) platform.clearTimeout(this.notifyTimer);
    this.listeners.clear();
    const minerSettled = this.miner?.release();
    const sourceStopped = this.options.jobSource?.stop();
    for (const connection of this.connections.values()) connection.close();
    this.transport.destroy();
    await minerSettled;
    await sourceStopped;
    await this.options.hasher?.close();
  }

  private handle(event: PeerEvent): void {
    if (this.stopped) return;
    this.cluster.handle(event);
    this.flush();
  }

  private flush(): void {
    for (const action of this.cluster.drain()) this.perform(action);
    this.changed();
  }

  private perform(action: PeerAction): void {
    const { log, hasher } = this.options;
    switch (action.kind) {
      case 'connect': {
        const connection = this.transport.disconnected ? undefined : this.transport.connect(action.peer);
        if (connection === undefined)
          platform.queueMicrotask(() => this.handle({ kind: 'linkFailed', peer: action.peer }));
        else this.adopt(connection);
        return;
      }
      case 'disconnect':
        this.connections.get(action.peer)?.close();
        this.connections.delete(action.peer);
        return;
      case 'send':
        // A send that fails is counted and logged, and closes the link: the cluster hears linkDown and retries.
        this.connections.get(action.to)?.send(action.message);
        return;
      case 'discover':
        if (this.transport.disconnected)
          this.transport.reconnect(); // the server may be back; data channels never left
        else this.transport.listAllPeers((ids) => this.handle({ kind: 'discovered', peers: ids }));
        return;
      case 'mine':
        if (action.job.id !== this.minedJobId) {
          this.minedJobId = action.job.id;
          log.info(`mining the job at height ${action.job.height}`, {
            event: 'mining',
            height: action.job.height,
            jobId: action.job.id,
          });
        }
        this.miner?.mine(action.job, action.lease, action.target);
        return;
      case 'idle':
        this.miner?.idle();
        return;
      case 'verify':
        if (hasher === undefined) {
          log.error('This peer was asked to verify a share but has no share hasher.');
          return;
        }
        hasher.hash(action.seedHash, action.blob, action.nonce).then(
          (hash) => this.handle({ kind: 'verified', ticket: action.ticket, hash }),
          (error: unknown) => log.error(`share verification failed: ${(error as Error).message}`),
        );
        return;
      case 'submitBlock':
        this.submitToSource(action);
        return;
      case 'wantJob':
        this.askForFreshJob(action.job);
        return;
      case 'allowLargeMessages': {
        const connection = this.connections.get(action.peer);
        if (connection !== undefined) connection.maxMessageBytes = LARGE_MESSAGE_BYTES;
        return;
      }
      case 'notice':
        this.observe(action.notice);
        this.report(action.notice);
        return;
    }
  }

  /** Hands a verified candidate to this peer's source, and its verdict back to the coordinator. */
  private submitToSource(candidate: Extract<PeerAction, { kind: 'submitBlock' }>): void {
    const { log, jobSource } = this.options;
    if (jobSource === undefined) {
      log.warn(
        `A ${candidate.job.source} candidate was found, but this coordinator has no source to submit it to: ` +
          'give the gateway peers --source.',
      );
      return;
    }
    const { job, nonce, hash, finder } = candidate;
    const submittedAt = platform.performance.now();
    jobSource.submit(job, nonce, hash, finder).then((verdict) => {
      const what = jobSource.kind === 'daemon' ? `block at height ${job.height}` : 'pool share';
      const by = finder.name || finder.id;
      const fields = { height: job.height, nonce, submitMs: Math.round(platform.performance.now() - submittedAt) };
      if (verdict.accepted) {
        log.info(`${jobSource.kind} accepted the ${what} found by ${by}`, {
          event: 'sourceAccepted',
          ...fields,
          finder: finder.id,
        });
        this.handle({ kind: 'blockResult', block: verdict.block });
      } else {
        log.warn(`${jobSource.kind} refused the ${what} found by ${by}: ${verdict.reason}`, {
          event: 'sourceRejected',
          ...fields,
          reason: verdict.reason,
        });
      }
      this.changed();
    });
  }

  /**
   * Links outlive the signaling server, but new ones need it: while it is down, this peer tries it again after 1 s,
   * doubling to 30 s, so that it is back (and a gateway listed again) soon after the server is.
   */
  private reconnectSignaling(): void {
    if (!this.transport.disconnected) {
      this.reconnectDelayMs = RECONNECT_FIRST_MS;
      this.reconnectAt = null;
      return;
    }
    const now = platform.performance.now();
    this.reconnectAt ??= now + this.reconnectDelayMs;
    if (now < this.reconnectAt) return;
    this.reconnectDelayMs = Math.min(RECONNECT_LAST_MS, 2 * this.reconnectDelayMs);
    this.reconnectAt = now + this.reconnectDelayMs;
    this.transport.reconnect();
  }

  /** The cluster mined every nonce of the source's job: a daemon makes a fresh template; a pool's next job comes
   * when the pool sends it. */
  private askForFreshJob(job: Job): void {
    const { jobSource, log } = this.options;
    if (jobSource?.refresh !== undefined) {
      log.info(`the job at height ${job.height} has no nonces left; asking the ${jobSource.kind} for fresh work`);
      jobSource.refresh();
    } else {
      log.warn(`the job at height ${job.height} has no nonces left; the cluster waits for the source's next job`);
    }
  }

  /** Tracks one data connection: the first to open per peer is the link, a crossing second one is closed. */
  private adopt(connection: MeshConnection): void {
    const other = connection.peer;
    let opened = false;
    const timeout = platform.setTimeout(() => {
      if (opened) return;
      connection.close();
      this.handle({ kind: 'linkFailed', peer: other });
    }, CONNECT_TIMEOUT_MS);
    connection.on('open', () => {
      opened = true;
      platform.clearTimeout(timeout);
      if (this.connections.has(other)) {
        connection.close();
        return;
      }
      this.connections.set(other, connection);
      this.handle({ kind: 'linkUp', peer: other });
    });
    connection.on('message', (data) => {
      if (this.connections.get(other) === connection) this.handle({ kind: 'message', from: other, data });
    });
    connection.on('close', () => {
      platform.clearTimeout(timeout);
      if (this.connections.get(other) !== connection) return;
      this.connections.delete(other);
      this.handle({ kind: 'linkDown', peer: other });
    });
    connection.on('error', () => {
      if (!opened) {
        platform.clearTimeout(timeout);
        this.handle({ kind: 'linkFailed', peer: other });
      }
    });
  }

  // ---- what user interfaces see ----

  /** Keeps what the snapshot shows from the peer's notices. */
  private observe(notice: PeerNotice): void {
    const refusal =
      notice.kind === 'badMessage' || notice.kind === 'penalized'
        ? notice.kind
        : notice.kind === 'coordinatorEvent' && notice.event.kind === 'refused'
          ? notice.event.refusal
          : undefined;
    if (refusal !== undefined) this.refused[refusal] = (this.refused[refusal] ?? 0) + 1;
    switch (notice.kind) {
      case 'coordinator': {
        this.coordinator = { id: notice.id, term: notice.term };
        // A peer that takes over brings its own source's newest job rather than mining its predecessor's.
        const job = notice.self ? this.options.jobSource?.latestJob : undefined;
        if (job !== undefined) platform.queueMicrotask(() => this.handle({ kind: 'job', job }));
        return;
      }
      case 'shareResult':
        if (notice.accepted) this.sharesAccepted++;
        else {
          this.sharesRejected++;
          this.lastRejectReason = notice.reason ?? null;
        }
        return;
      case 'block': {
        const { block } = notice;
        this.blocks = [
          {
            height: block.height,
            id: bytesToHex(block.id),
            finderId: block.finderId,
            finderName: block.finderName,
            foundAt: block.timestamp * 1000,
          },
          ...this.blocks,
        ]
          .sort((a, b) => b.height - a.height)
          .slice(0, KEPT_BLOCKS);
        return;
      }
      default:
        return;
    }
  }

  private keyChanged(init: KeyInit): void {
    const { log } = this.options;
    const fresh = this.keyInit === undefined || this.keyInit.startedAt !== init.startedAt;
    this.keyInit = init;
    if (fresh) this.keyLoggedPercent = 0;
    if (fresh && init.ahead) log.info('preparing the next RandomX key while mining goes on');
    if (init.finishedAt !== null) {
      const seconds = ((init.finishedAt - init.startedAt) / 1000).toFixed(1);
      const dataset = init.datasetInitMs === null ? '' : `, dataset ${(init.datasetInitMs / 1000).toFixed(1)} s`;
      log.info(`${init.ahead ? 'next' : 'new'} RandomX key ready in ${seconds} s${dataset}`);
    } else {
      const percent = Math.floor((100 * init.done) / init.total);
      if (percent >= this.keyLoggedPercent + 20) {
        this.keyLoggedPercent = percent - (percent % 20);
        log.info(`${init.mode === 'full' ? 'dataset' : 'cache'} init ${percent}%`);
      }
    }
    this.changed();
  }

  /** Schedules a notification, at most one per NOTIFY_MS; it goes out only if the snapshot differs. */
  private changed(): void {
    if (this.listeners.size === 0 || this.notifyTimer !== undefined || this.stopped) return;
    const wait = Math.max(0, this.lastNotifiedAt + NOTIFY_MS - platform.performance.now());
    this.notifyTimer = platform.setTimeout(() => this.notify(), wait);
  }

  private notify(): void {
    this.notifyTimer = undefined;
    const snapshot = this.snapshot();
    const serialized = JSON.stringify(snapshot);
    if (serialized === this.lastNotified) return;
    this.lastNotified = serialized;
    this.lastNotifiedAt = platform.performance.now();
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch (error) {
        this.options.log.error(`a mesh listener failed: ${(error as Error).message}`);
      }
    }
  }

  // ---- log ----

  /** One line per status interval: this peer's own rate over it, and the cluster's figures. */
  private logStatus(): void {
    const now = platform.performance.now();
    const hashes = this.miner?.totalHashes ?? 0;
    const miningMs = this.miner?.miningMs ?? 0;
    const rate = (1000 * (hashes - this.lastStatus.hashes)) / (now - this.lastStatus.at);
    this.lastStatus = { at: now, hashes };
    const totals = this.cluster.clusterTotals;
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
      case 'candidate':
        log.info(`found a candidate for the ${notice.job.source} job at height ${notice.job.height}`, {
          event: 'candidate',
          height: notice.job.height,
          nonce: notice.nonce,
        });
        return;
      case 'badMessage':
        log.warn(`ignored a message from ${notice.from}: ${notice.error}`, { event: 'badMessage' });
        return;
      case 'penalized':
        log.warn(`refused ${notice.peer} for a while: ${notice.reason}`, { event: 'penalized' });
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

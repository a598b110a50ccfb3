// A cluster peer on the real network: the sans-IO ClusterPeer wired to peerjs data channels (through the signaling
// server), timers, a miner and a share hasher. The same class runs in `rxmesh host`/`rxmesh serve` (Node) and in a
// browser tab; each brings its own peerjs Peer (MeshTransport), engine and hasher. User interfaces watch it
// through snapshot() and subscribe(). It assembles the parts that do the work: the LinkAdapter (links), the
// EffectRunner (the peer's actions), the MeshObserver (what user interfaces see) and the NodeLogger (its log lines).
import {
  type ClusterKeys,
  ClusterPeer,
  difficultyForTarget,
  type JobSource,
  type JobSourceMode,
  type MiningEngine,
  type OperatorCommand,
  type PeerInfo,
  type PeerSettings,
} from '@rxmesh/core';
import { type DurableLedger, EffectRunner, type ShareHasher } from './effect-runner.js';
import { LONGEST_WINDOW_MS } from './hashrate-meter.js';
import type { LeaseMiner, LeaseMinerFactory } from './lease-miner.js';
import { LinkAdapter } from './link-adapter.js';
import type { Log } from './log.js';
import { type MemberView, MeshObserver, type MeshSnapshot } from './mesh-observer.js';
import { MiningDriver, type Progress } from './mining-driver.js';
import { NodeLogger } from './node-logger.js';
import type { LinkCounters, MeshTransport } from './transport.js';

export type { DurableLedger, ShareHasher } from './effect-runner.js';
export type { BlockView, JobView, KeyInitView, MemberView, MeshRole, MeshSnapshot } from './mesh-observer.js';

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
  /** In place of an engine: a miner that hands its leases on (an xmrig rig's, on the gateway's Stratum server). */
  leaseMiner?: LeaseMinerFactory;
  /** Needed by peers that may coordinate (gateway, auto); a worker never verifies shares. */
  hasher?: ShareHasher;
  /** A gateway's durable ledger: its coordinator starts from it, and answers shares once they are written to it. */
  ledger?: DurableLedger;
  log: Log;
  /** How often to log this peer's rate and the cluster's figures. */
  statusSeconds: number;
  /** The cluster peer's settings where they differ from the defaults (the share interval while it coordinates). */
  settings?: Partial<PeerSettings> | undefined;
}

/** Whether `engine` computes dataset items (light) or reads them (full) right now. */
function hashingMode(engine: MiningEngine): PeerInfo['mode'] {
  if (engine.readsDataset === undefined) return engine.mode;
  return engine.readsDataset ? 'full' : 'light';
}

export class MeshNode {
  private readonly cluster: ClusterPeer;
  private readonly miner: LeaseMiner | undefined;
  private readonly observer: MeshObserver;
  private readonly logger: NodeLogger;
  private readonly runner: EffectRunner;
  private paused = false;

  private constructor(private readonly options: MeshNodeOptions) {
    const { transport, engine, leaseMiner, jobSource, hasher, log } = options;
    const role = options.keys.credential === null ? 'worker' : 'gateway';
    const cluster = new ClusterPeer({
      info: { ...options.info, id: transport.id, role, startedAt: Date.now(), hashrate: 0 },
      keys: options.keys,
      now: () => Date.now(),
      random: () => Math.random(),
      source: options.source,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      ...(options.ledger === undefined ? {} : { ledger: options.ledger.stored }),
      // A rig mines alone on a variant of the source's job where the source can make one (a daemon's template).
      variantOf: (job) => jobSource?.variant?.(job),
    });
    let hashing = options.info.mode;
    const progress = (progress: Progress) => {
      this.runner.handle({ kind: 'progress', ...progress });
      // What the cluster shows of this peer, and the log, follow how its engine hashes now.
      const mode = engine === undefined ? hashing : hashingMode(engine);
      if (mode === hashing) return;
      hashing = mode;
      this.logger.hashingModeChanged(mode);
      this.runner.handle({ kind: 'mode', mode });
    };
    const miner =
      leaseMiner?.(progress) ??
      (engine === undefined
        ? undefined
        : new MiningDriver(engine, {
            progress,
            key: (init) => {
              this.logger.keyChanged(init);
              this.observer.keyChanged(init);
            },
            failed: (error) => log.error(`mining stopped: ${error.message}`),
          }));
    this.cluster = cluster;
    this.miner = miner;
    this.observer = new MeshObserver({ cluster, miner, jobSource, log, paused: () => this.paused });
    this.logger = new NodeLogger(log, cluster, miner, options.statusSeconds);
    const links = new LinkAdapter(transport, log, (event) => this.runner.handle(event));
    this.runner = new EffectRunner({
      cluster,
      links,
      miner,
      hasher,
      jobSource,
      ledger: options.ledger,
      observer: this.observer,
      logger: this.logger,
      log,
    });
  }

  /** Joins the cluster of the room `options.transport` is registered in. */
  static start(options: MeshNodeOptions): MeshNode {
    const node = new MeshNode(options);
    node.runner.start();
    return node;
  }

  get id(): string {
    return this.cluster.id;
  }

  /** What the guard of this peer's signaling and links has counted: input refused, links closed, sends failed. */
  linkCounters(): LinkCounters {
    return this.options.transport.linkCounters();
  }

  /**
   * What the cluster protocol refused here, by reason: messages that failed their schema or came out of turn
   * (badMessage), peers penalised for a hello that failed or a claim they could not prove, and what the coordinator
   * dropped (a forged or replayed up message, a stranger's status, a full cluster, unfinished work, busy verifiers).
   */
  refusals(): Readonly<Record<string, number>> {
    return this.observer.refusals();
  }

  snapshot(): MeshSnapshot {
    return this.observer.snapshot();
  }

  /**
   * This peer's hashrate over the last 10 s, 60 s and 15 min of its engine's batches, as xmrig's API reports it: a
   * window is null until the peer has mined that long (since it started, or since it was last paused).
   */
  hashrates(): [number | null, number | null, number | null] {
    const meter = this.miner?.meter;
    if (meter === undefined || this.paused) return [null, null, null];
    return [meter.rateOver(10_000), meter.rateOver(60_000), meter.rateOver(LONGEST_WINDOW_MS)];
  }

  /** The difficulty of the shares this peer mines for now, or null without a lease. */
  shareDifficulty(): number | null {
    const target = this.miner?.shareTarget;
    return target === undefined ? null : Number(difficultyForTarget(target));
  }

  /**
   * Calls `listener` at once with the current snapshot, then after every change worth showing, at most every
   * 250 ms. Returns the function that unsubscribes it. Nothing is called after stop().
   */
  subscribe(listener: (snapshot: MeshSnapshot) => void): () => void {
    return this.observer.subscribe(listener);
  }

  /** Every member the coordinator knows, when this peer coordinates; else null (only the coordinator knows them). */
  members(): MemberView[] | null {
    return this.observer.members();
  }

  /**
   * Carries out what the operator asks of the cluster (stop every tab, clear the leaderboard) while this peer
   * coordinates; answers false when it does not, since only the coordinator speaks for the cluster.
   */
  operator(command: OperatorCommand): boolean {
    if (this.runner.stopped || this.cluster.phase !== 'coordinator') return false;
    this.runner.handle({ kind: 'operator', command });
    return true;
  }

  /** Stops hashing at once (the engine's batch is cut short) and stays in the cluster, relaying and answering. */
  pause(): void {
    if (this.paused || this.runner.stopped) return;
    this.paused = true;
    this.miner?.pause();
    this.observer.changed();
  }

  /** Mines again whatever lease the cluster gave this peer meanwhile. */
  resume(): void {
    if (!this.paused || this.runner.stopped) return;
    this.paused = false;
    this.miner?.resume();
    this.observer.changed();
  }

  /**
   * Leaves the cluster: stops mining, closes every link and the signaling registration, and closes the hasher.
   * Resolves once the engine has settled its batch (or the key it was building), so the caller may release it.
   */
  async stop(): Promise<void> {
    if (this.runner.stopped) return;
    this.logger.stop();
    this.observer.close();
    await this.runner.stop();
  }
}

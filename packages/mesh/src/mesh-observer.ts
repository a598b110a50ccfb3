// What user interfaces watch of a mesh node: the snapshot of this peer and its cluster, the listeners told of its
// changes (at most every 250 ms, and only when it differs), the coordinator's view of its members for the
// classroom, and what the cluster protocol refused here. It keeps what the peer's notices tell and reads the rest
// from the peer, the miner and the job source when asked.
import {
  bytesToHex,
  type ClusterBlock,
  type ClusterJob,
  type ClusterPeer,
  type ClusterTotals,
  type JobSource,
  type JobSourceKind,
  type MemberView,
  type PeerNotice,
  type ShareRejection,
  type SourceStatus,
} from '@rxmesh/core';
import type { LeaseMiner } from './lease-miner.js';
import type { Log } from './log.js';
import type { KeyInit } from './mining-driver.js';
import { platform, type TimerHandle } from './platform.js';

export type MeshRole = ClusterPeer['phase'];

/** The job as /api/stats shows it, with its source's kind and its seed. */
export interface JobView extends ClusterJob {
  source: JobSourceKind;
  seedHash: string;
}

export type BlockView = ClusterBlock;

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
  /** How often the operator stopped every tab since this peer started: a browser tab stops mining when it rises. */
  operatorStops: number;
}

/** One peer in the coordinator's view, for the classroom. */
export type { MemberView } from '@rxmesh/core';

/** What the observer reads when asked. */
export interface ObservedParts {
  cluster: ClusterPeer;
  miner: LeaseMiner | undefined;
  jobSource: JobSource | undefined;
  /** Where a listener that throws is reported. */
  log: Log;
  /** Whether mining is paused. */
  paused(): boolean;
}

/** Listeners hear of changes at most this often, so a UI can render each one. */
const NOTIFY_MS = 250;
const KEPT_BLOCKS = 16;

export class MeshObserver {
  private readonly refused: Record<string, number> = {};
  private coordinator: { id: string; term: number } | null = null;
  private sharesAccepted = 0;
  private operatorStops = 0;
  private sharesRejected = 0;
  private lastRejectReason: ShareRejection | null = null;
  private keyInit: KeyInit | undefined;
  private blocks: BlockView[] = [];
  private readonly listeners = new Set<(snapshot: MeshSnapshot) => void>();
  private notifyTimer: TimerHandle | undefined;
  private lastNotifiedAt = Number.NEGATIVE_INFINITY;
  private lastNotified = '';
  private closed = false;

  constructor(private readonly parts: ObservedParts) {}

  snapshot(): MeshSnapshot {
    const { cluster, miner, jobSource } = this.parts;
    const paused = this.parts.paused();
    const job = cluster.latestJob;
    const init = this.keyInit;
    return {
      id: cluster.id,
      role: cluster.phase,
      coordinator: this.coordinator,
      paused,
      mining: miner?.mining ?? false,
      hashrate: paused ? 0 : Math.round(10 * (miner?.hashrate() ?? 0)) / 10,
      totalHashes: miner?.meter.totalHashes ?? 0,
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
      totals: cluster.clusterTotals,
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
      source: jobSource?.status() ?? null,
      operatorStops: this.operatorStops,
    };
  }

  /** See MeshNode.subscribe. */
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
    return this.parts.cluster.memberViews();
  }

  /** See MeshNode.refusals. */
  refusals(): Readonly<Record<string, number>> {
    return { ...this.refused };
  }

  /** Keeps what the snapshot shows from the peer's notices. */
  observe(notice: PeerNotice): void {
    const refusal =
      notice.kind === 'badMessage' || notice.kind === 'penalized'
        ? notice.kind
        : notice.kind === 'coordinatorEvent' && notice.event.kind === 'refused'
          ? notice.event.refusal
          : undefined;
    if (refusal !== undefined) this.refused[refusal] = (this.refused[refusal] ?? 0) + 1;
    switch (notice.kind) {
      case 'coordinator':
        this.coordinator = { id: notice.id, term: notice.term };
        return;
      case 'stopMining':
        this.operatorStops++;
        return;
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

  /** The key being built advanced, or is ready. */
  keyChanged(init: KeyInit): void {
    this.keyInit = init;
    this.changed();
  }

  /** Schedules a notification, at most one per NOTIFY_MS; it goes out only if the snapshot differs. */
  changed(): void {
    if (this.listeners.size === 0 || this.notifyTimer !== undefined || this.closed) return;
    const wait = Math.max(0, this.lastNotifiedAt + NOTIFY_MS - platform.performance.now());
    this.notifyTimer = platform.setTimeout(() => this.notify(), wait);
  }

  /** Nothing is called from now on. */
  close(): void {
    this.closed = true;
    if (this.notifyTimer !== undefined) platform.clearTimeout(this.notifyTimer);
    this.listeners.clear();
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
        this.parts.log.error(`a mesh listener failed: ${(error as Error).message}`);
      }
    }
  }
}

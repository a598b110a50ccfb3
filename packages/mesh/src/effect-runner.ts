// Runs the sans-IO ClusterPeer: hands it events (from the links, the miner, the hasher, the job source and its
// clock), then drains the actions it wants done and carries them out: link actions through the LinkAdapter,
// mining through the LeaseMiner (a MiningDriver, or a rig's), shares to the hasher, candidates to the job source, ledger entries to the durable
// store, notices to the observer and the log.
import {
  type ClusterPeer,
  foldLedger,
  isEmptyLedgerBatch,
  type Job,
  type JobSource,
  type LedgerBatch,
  type PeerAction,
  type PeerEvent,
  type StoredLedger,
} from '@rxmesh/core';
import type { LeaseMiner } from './lease-miner.js';
import type { LinkAdapter } from './link-adapter.js';
import type { Log } from './log.js';
import type { MeshObserver } from './mesh-observer.js';
import type { NodeLogger } from './node-logger.js';
import { platform, type TimerHandle } from './platform.js';

/** How often a lost signaling server is retried. */
const SIGNALING_RETRY_MS = 250;
/** How long a failed ledger write waits before it is tried again. */
const LEDGER_RETRY_MS = 1000;

/** Recomputes a share's RandomX hash for the coordinator. */
export interface ShareHasher {
  hash(seedHash: Uint8Array, blob: Uint8Array, nonce: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A gateway's durable store of the ledger (credit, shares, blocks, bans), through which it survives a restart. */
export interface DurableLedger {
  /** What the store held when it opened. */
  readonly stored: StoredLedger;
  /** Writes one batch, in full or not at all; batches come one at a time, in order. */
  write(batch: LedgerBatch): Promise<void>;
  /** Where it lives, for log lines: a file, or a Redis server. */
  readonly where: string;
}

/** What the runner carries the peer's actions out on. */
export interface EffectParts {
  cluster: ClusterPeer;
  links: LinkAdapter;
  miner: LeaseMiner | undefined;
  hasher: ShareHasher | undefined;
  jobSource: JobSource | undefined;
  ledger: DurableLedger | undefined;
  observer: MeshObserver;
  logger: NodeLogger;
  log: Log;
}

export class EffectRunner {
  private readonly clock: TimerHandle;
  /** The one timer at the peer's next deadline, and that deadline. */
  private deadline: { at: number; timer: TimerHandle } | undefined;
  private halted = false;
  /** The ledger writes in order: each starts once the one before has been written. */
  private ledgerWrites: Promise<void> = Promise.resolve();

  constructor(private readonly parts: EffectParts) {
    this.clock = this.startClock();
  }

  get stopped(): boolean {
    return this.halted;
  }

  /** Joins the cluster, and hands the peer every job the source announces (it acts on them only while it coordinates). */
  start(): void {
    this.parts.cluster.start();
    this.flush();
    this.parts.jobSource?.start((job) => this.handle({ kind: 'job', job }));
  }

  handle(event: PeerEvent): void {
    if (this.stopped) return;
    this.parts.cluster.handle(event);
    this.flush();
  }

  /**
   * Ignores every event from now on, stops the clock, the miner and the source, and closes every link and the
   * hasher. Resolves once the engine has settled its batch (or the key it was building).
   */
  async stop(): Promise<void> {
    const { miner, jobSource, links, hasher } = this.parts;
    this.halted = true;
    this.stopClock();
    const minerSettled = miner?.release();
    const sourceStopped = jobSource?.stop();
    links.close();
    await minerSettled;
    await sourceStopped;
    await hasher?.close();
  }

  /** Retries a lost signaling server. */
  private startClock(): TimerHandle {
    return platform.setInterval(() => this.parts.links.reconnectSignaling(), SIGNALING_RETRY_MS);
  }

  private stopClock(): void {
    platform.clearInterval(this.clock);
    if (this.deadline !== undefined) platform.clearTimeout(this.deadline.timer);
    this.deadline = undefined;
  }

  private flush(): void {
    for (const action of this.parts.cluster.drain()) this.perform(action);
    this.parts.observer.changed();
    this.setDeadline();
  }

  /** The peer has no clock of its own: one timer hands it a timeout at the deadline it names after each event. */
  private setDeadline(): void {
    const at = this.parts.cluster.nextDeadline();
    if (this.stopped || at === this.deadline?.at) return;
    if (this.deadline !== undefined) platform.clearTimeout(this.deadline.timer);
    this.deadline = undefined;
    if (at === null) return;
    const timer = platform.setTimeout(
      () => {
        this.deadline = undefined;
        this.handle({ kind: 'timeout' });
      },
      Math.max(0, at - Date.now()),
    );
    this.deadline = { at, timer };
  }

  private perform(action: PeerAction): void {
    const { links, miner, log, hasher, observer, logger } = this.parts;
    switch (action.kind) {
      case 'connect':
        links.connect(action.peer);
        return;
      case 'disconnect':
        links.disconnect(action.peer);
        return;
      case 'send':
        links.send(action.to, action.message);
        return;
      case 'discover':
        links.discover();
        return;
      case 'allowLargeMessages':
        links.allowLargeMessages(action.peer);
        return;
      case 'mine':
        logger.mining(action.job, action.lease);
        miner?.mine(action.job, action.lease, action.target);
        return;
      case 'idle':
        miner?.idle();
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
      case 'submitCandidate':
        this.submitToSource(action);
        return;
      case 'wantJob':
        this.askForFreshJob(action.job);
        return;
      case 'persist':
        this.persist(action);
        return;
      case 'notice':
        observer.observe(action.notice);
        logger.report(action.notice);
        miner?.notice?.(action.notice);
        if (action.notice.kind === 'coordinator' && action.notice.self) this.bringOwnJob();
        return;
    }
  }

  /**
   * Writes what the coordinator recorded to the durable store, then tells it, so that what waited on the write goes
   * out. A write that fails is tried again until it succeeds or the peer stops: the answers wait meanwhile.
   */
  private persist({ term, upTo, entries }: Extract<PeerAction, { kind: 'persist' }>): void {
    const { ledger, log } = this.parts;
    if (ledger === undefined) {
      log.error('This coordinator was asked to persist its ledger but has no durable store.');
      return;
    }
    const batch = foldLedger(entries, term);
    const write = async () => {
      for (let attempt = 1; !isEmptyLedgerBatch(batch) && !this.stopped; attempt++) {
        try {
          await ledger.write(batch);
          break;
        } catch (error) {
          log.error(
            `Could not write the ledger to ${ledger.where} (attempt ${attempt}): ${(error as Error).message}. ` +
              `Shares wait for their answers meanwhile; trying again in ${LEDGER_RETRY_MS / 1000} s.`,
            { event: 'ledgerWriteFailed' },
          );
          await new Promise<void>((resolve) => platform.setTimeout(() => resolve(), LEDGER_RETRY_MS));
        }
      }
      this.handle({ kind: 'stored', term, upTo });
    };
    this.ledgerWrites = this.ledgerWrites.then(write);
  }

  /** A peer that takes over brings its own source's newest job rather than mining its predecessor's. */
  private bringOwnJob(): void {
    const job = this.parts.jobSource?.latestJob;
    if (job !== undefined) platform.queueMicrotask(() => this.handle({ kind: 'job', job }));
  }

  /** Hands a verified candidate to this peer's source, and its verdict back to the coordinator. */
  private submitToSource(candidate: Extract<PeerAction, { kind: 'submitCandidate' }>): void {
    const { log, jobSource, observer } = this.parts;
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
      } else {
        log.warn(`${jobSource.kind} refused the ${what} found by ${by}: ${verdict.reason}`, {
          event: 'sourceRejected',
          ...fields,
          reason: verdict.reason,
        });
      }
      this.handle({ kind: 'sourceVerdict', job, nonce, finder, verdict });
      observer.changed();
    });
  }

  /** The cluster mined every nonce of the source's job: a daemon makes a fresh template; a pool's next job comes
   * when the pool sends it. */
  private askForFreshJob(job: Job): void {
    const { jobSource, log } = this.parts;
    if (jobSource?.refresh !== undefined) {
      log.info(`the job at height ${job.height} has no nonces left; asking the ${jobSource.kind} for fresh work`);
      jobSource.refresh();
    } else {
      log.warn(`the job at height ${job.height} has no nonces left; the cluster waits for the source's next job`);
    }
  }
}

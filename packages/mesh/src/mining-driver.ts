// Mines the lease the cluster peer asks for on a MiningEngine: hashes the range in batches of about two seconds so
// progress and shares flow back steadily, and drops the current batch at once when newer work arrives or mining is
// paused. A job with a new seed needs a new key, which the engine can build in a spare slot (prepareKey) while it
// mines: ahead of the change when the job names the next seed (Job.nextSeedHash), so the switch is immediate;
// otherwise at the change, the previous work going on under the old key until the new key is ready.

import { type Job, type KeyReady, type Lease, type MiningEngine, type Share, sameBytes } from '@rxmesh/core';
import { HashrateMeter } from './hashrate-meter.js';
import type { LeaseMiner } from './lease-miner.js';
import { platform } from './platform.js';

export interface Progress {
  leaseId: string;
  /** Nonces lease.start .. lease.start + hashes - 1 are done. */
  hashes: number;
  shares: Share[];
}

/** A key being built (finishedAt null) or the last one built. */
export interface KeyInit {
  seedHash: Uint8Array;
  /** light builds a 256 MiB cache, full a 2080 MiB dataset (after the cache); done/total count the slow step. */
  mode: 'light' | 'full';
  done: number;
  total: number;
  /** Wall-clock milliseconds (Date.now()). */
  startedAt: number;
  finishedAt: number | null;
  /** Null in light mode or before the key is ready. */
  datasetInitMs: number | null;
  /** Built ahead of the seed change, from the job's nextSeedHash, while mining under the current key goes on. */
  ahead: boolean;
}

export interface MiningDriverEvents {
  /** A batch ended (also one cut short). */
  progress(progress: Progress): void;
  /** A key started building, advanced, or became ready. */
  key(init: KeyInit): void;
  /** The engine failed (a key it could not build, a batch it could not mine); mining stops until new work. */
  failed(error: Error): void;
}

interface Work {
  job: Job;
  lease: Lease;
  target: bigint;
  hashes: number;
}

/** A key the engine builds in its spare slot (prepareKey) while mining goes on. */
interface KeyBuild {
  seedHash: Uint8Array;
  state: 'building' | 'ready' | 'failed';
  /** Resolves (never rejects) once the build has settled. */
  settled: Promise<void>;
}

const BATCH_SECONDS = 2;
/** A refused key change is tried this often, this far apart: a verification takes milliseconds. */
const KEY_CHANGE_ATTEMPTS = 20;
const KEY_CHANGE_RETRY_MS = 50;
export class MiningDriver implements LeaseMiner {
  /** What the cluster peer asked to mine last. */
  private work: Work | undefined;
  /** The work before `work`, under the engine's key, mined while the key for `work` builds. */
  private previous: Work | undefined;
  /** The work of the running batch. */
  private batchWork: Work | undefined;
  private keyBuild: KeyBuild | undefined;
  /** The last next-seed hint a build was started for: each hint is prepared once, and not retried if it fails. */
  private lastHint: Uint8Array | undefined;
  private running = false;
  /** Settles when the loop that mines has exited. */
  private loopDone: Promise<void> = Promise.resolve();
  private paused = false;
  private released = false;
  private batchRunning = false;
  /** What the engine hashed, and how fast. */
  readonly meter = new HashrateMeter();

  constructor(
    private readonly engine: MiningEngine,
    private readonly events: MiningDriverEvents,
  ) {}

  /** Whether the engine is hashing a batch right now. */
  get mining(): boolean {
    return this.batchRunning;
  }

  /**
   * Hashes per second over the last 10 s of the engine's work. While a batch runs, the window ends where the last
   * batch did (its hashes are not known before it ends), so the figure holds steady from batch to batch.
   */
  hashrate(now = platform.performance.now()): number {
    return this.meter.rate(this.batchRunning ? undefined : now);
  }

  get shareTarget(): bigint | undefined {
    return this.work?.target;
  }

  /**
   * Mines `lease` from its start, replacing whatever was being mined. When its seed needs a new key and the engine
   * can build one alongside mining, the work under the current key goes on until the new key is ready.
   */
  mine(job: Job, lease: Lease, target: bigint): void {
    const current = this.work;
    this.work = { job, lease, target, hashes: 0 };
    const build =
      this.keyBuild !== undefined && sameBytes(this.keyBuild.seedHash, job.seedHash) ? this.keyBuild : undefined;
    // With the key prepared (a switch) or its preparation failed (a re-key in place), the old work stops at once.
    if (this.holdsKey(job.seedHash) || build?.state === 'ready' || build?.state === 'failed') {
      this.previous = undefined;
    } else if (current !== undefined && this.engine.prepareKey !== undefined && this.minable(current)) {
      this.previous = current;
    }
    // A batch of the work kept as previous goes on; any other stops at once for the new work.
    if (this.previous === undefined || this.batchWork !== this.previous) this.engine.stop();
    this.kick();
  }

  idle(): void {
    this.work = undefined;
    this.previous = undefined;
    this.engine.stop();
  }

  /** Stops hashing at once and keeps the work, which resume() picks up where it stopped. */
  pause(): void {
    this.paused = true;
    this.meter.pause();
    this.engine.stop();
  }

  resume(): void {
    this.paused = false;
    this.meter.resume();
    this.kick();
  }

  /** Stops for good; resolves once the engine has settled its batch and keys, so it can be released. */
  async release(): Promise<void> {
    this.released = true;
    this.idle();
    await Promise.all([this.loopDone, this.keyBuild?.settled]);
  }

  private kick(): void {
    if (this.running) return; // the running loop picks up the new work after its batch
    this.running = true;
    this.loopDone = this.run();
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const work = this.work;
        if (work === undefined || this.released || this.paused) return;
        if (this.holdsKey(work.job.seedHash)) {
          this.previous = undefined;
          this.prepareHint(work.job);
          if (work.hashes < work.lease.count) await this.mineBatch(work);
          else if (this.work === work) this.work = undefined;
          continue;
        }
        const build = this.keyBuild;
        if (build?.state === 'building') {
          // Also when it builds a seed that newer work no longer wants: a build cannot be cut short.
          const previous = this.previous;
          if (previous !== undefined && this.minable(previous)) await this.mineBatch(previous);
          else await build.settled;
          continue;
        }
        if (build?.state === 'ready' && sameBytes(build.seedHash, work.job.seedHash)) {
          this.keyBuild = undefined;
          await this.setKeyWhenFree(work.job.seedHash); // the prepared key: a switch, no build
          continue;
        }
        const failedBefore = build?.state === 'failed' && sameBytes(build.seedHash, work.job.seedHash);
        if (!failedBefore && this.previous !== undefined && this.minable(this.previous)) {
          this.prepare(work.job.seedHash);
          continue;
        }
        // Nothing under the old key to mine meanwhile, or no room for two keys: stop and re-key in place.
        this.previous = undefined;
        this.keyBuild = undefined;
        await this.rekey(work.job.seedHash);
      }
    } catch (error) {
      this.work = undefined;
      this.previous = undefined;
      this.events.failed(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.running = false;
    }
  }

  private async mineBatch(work: Work): Promise<void> {
    const left = work.lease.count - work.hashes;
    // About BATCH_SECONDS at the rate measured as of the last batch's end.
    const batch = Math.min(left, Math.max(this.engine.threads * 4, Math.round(this.meter.rate() * BATCH_SECONDS)));
    const begin = platform.performance.now();
    this.batchRunning = true;
    this.batchWork = work;
    const result = await this.engine
      .mine({ blob: work.job.blob, firstNonce: work.lease.start + work.hashes, count: batch, target: work.target })
      .finally(() => {
        this.batchRunning = false;
        this.batchWork = undefined;
      });
    this.meter.record(begin, platform.performance.now(), result.hashes);
    work.hashes += result.hashes;
    this.events.progress({ leaseId: work.lease.id, hashes: work.hashes, shares: result.shares });
  }

  /** Whether the engine's key is `seedHash`. */
  private holdsKey(seedHash: Uint8Array): boolean {
    const key = this.engine.key;
    return key !== undefined && sameBytes(key, seedHash);
  }

  /** Work under the engine's key with nonces left. */
  private minable(work: Work): boolean {
    return work.hashes < work.lease.count && this.holdsKey(work.job.seedHash);
  }

  /** Starts building the seed `job` says comes next, unless it is the engine's key, was tried, or a build runs. */
  private prepareHint(job: Job): void {
    const hint = job.nextSeedHash;
    if (hint === undefined || this.engine.prepareKey === undefined || this.keyBuild?.state === 'building') return;
    if (this.holdsKey(hint) || (this.lastHint !== undefined && sameBytes(this.lastHint, hint))) return;
    this.lastHint = hint;
    this.prepare(hint, true);
  }

  /**
   * Starts building `seedHash` in the engine's spare slot. When the work waits for it, the batch under the old key
   * ends as soon as it is ready, or has failed (then the loop re-keys in place).
   */
  private prepare(seedHash: Uint8Array, ahead = false): void {
    const prepareKey = this.engine.prepareKey?.bind(this.engine);
    if (prepareKey === undefined) throw new Error('This engine cannot build a key alongside mining.');
    const init = this.keyStarted(seedHash, ahead);
    const build: KeyBuild = { seedHash, state: 'building', settled: Promise.resolve() };
    const building = (async () => prepareKey(seedHash, (done, total) => this.keyProgress(init, done, total)))();
    build.settled = building.then(
      (ready) => {
        build.state = 'ready';
        this.keyFinished(init, ready);
        const work = this.work;
        if (work !== undefined && sameBytes(work.job.seedHash, seedHash)) this.engine.stop();
      },
      () => {
        // No room for a second key, most likely: the loop stops and re-keys in place instead. A hint's build that
        // fails leaves the work under the current key be; the seed change re-keys in place.
        build.state = 'failed';
        const work = this.work;
        if (work !== undefined && !this.holdsKey(work.job.seedHash)) this.engine.stop();
      },
    );
    this.keyBuild = build;
  }

  private async rekey(seedHash: Uint8Array): Promise<void> {
    const init = this.keyStarted(seedHash);
    const ready = await this.setKeyWhenFree(seedHash, (done, total) => this.keyProgress(init, done, total));
    this.keyFinished(init, ready);
  }

  /**
   * An engine refuses a key change while it hashes, and a gateway's share verifier hashes on the gateway's own
   * engine (full mode): a refusal is tried again for a while rather than ending mining until new work comes.
   */
  private async setKeyWhenFree(seedHash: Uint8Array, onProgress?: (done: number, total: number) => void) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.engine.setKey(seedHash, onProgress);
      } catch (error) {
        if (attempt >= KEY_CHANGE_ATTEMPTS || this.released) throw error;
        await new Promise<void>((resolve) => platform.setTimeout(() => resolve(), KEY_CHANGE_RETRY_MS));
      }
    }
  }

  private keyStarted(seedHash: Uint8Array, ahead = false): KeyInit {
    const init: KeyInit = {
      seedHash,
      mode: this.engine.mode,
      done: 0,
      total: 1,
      startedAt: Date.now(),
      finishedAt: null,
      datasetInitMs: null,
      ahead,
    };
    this.events.key({ ...init });
    return init;
  }

  private keyProgress(init: KeyInit, done: number, total: number): void {
    init.done = done;
    init.total = total;
    this.events.key({ ...init });
  }

  private keyFinished(init: KeyInit, ready: KeyReady): void {
    init.done = init.total;
    init.finishedAt = Date.now();
    init.datasetInitMs = ready.datasetInitMs;
    this.events.key({ ...init });
  }
}

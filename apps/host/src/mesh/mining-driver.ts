// Mines the lease the cluster peer asks for on a MiningEngine: re-keys when the job's seed changes, hashes the
// range in batches of about two seconds so progress and shares flow back steadily, and drops the current batch
// at once when newer work arrives.
import type { Job, Lease, MiningEngine, Share } from '@rxmesh/core';
import { sameBytes } from '@rxmesh/core';

export interface Progress {
  leaseId: string;
  /** Nonces lease.start .. lease.start + hashes - 1 are done. */
  hashes: number;
  shares: Share[];
}

interface Work {
  job: Job;
  lease: Lease;
  target: bigint;
  hashes: number;
}

const BATCH_SECONDS = 2;

export class MiningDriver {
  private work: Work | undefined;
  private running = false;
  private rate = 0;
  private released = false;
  /** Every nonce hashed since the start, for the hashrate log. */
  totalHashes = 0;
  /** Milliseconds spent inside the engine's mine() since the start: the rest of the time it had no work. */
  miningMs = 0;

  constructor(
    private readonly engine: MiningEngine,
    private readonly onProgress: (progress: Progress) => void,
    private readonly onKeyProgress: (message: string) => void,
  ) {}

  /** Mines `lease` from its start, replacing whatever was being mined. */
  mine(job: Job, lease: Lease, target: bigint): void {
    this.work = { job, lease, target, hashes: 0 };
    this.engine.stop();
    void this.run();
  }

  idle(): void {
    this.work = undefined;
    this.engine.stop();
  }

  release(): void {
    this.released = true;
    this.idle();
  }

  private async run(): Promise<void> {
    if (this.running) return; // the running loop picks up the new work after its batch
    this.running = true;
    try {
      for (;;) {
        const work = this.work;
        if (work === undefined || this.released) return;
        const key = this.engine.key;
        if (key === undefined || !sameBytes(key, work.job.seedHash)) {
          await this.rekey(work.job.seedHash);
          continue;
        }
        const left = work.lease.count - work.hashes;
        if (left <= 0) {
          if (this.work === work) this.work = undefined;
          continue;
        }
        const batch = Math.min(left, Math.max(this.engine.threads * 4, Math.round(this.rate * BATCH_SECONDS)));
        const begin = performance.now();
        const result = await this.engine.mine({
          blob: work.job.blob,
          firstNonce: work.lease.start + work.hashes,
          count: batch,
          target: work.target,
        });
        const milliseconds = performance.now() - begin;
        this.miningMs += milliseconds;
        const seconds = milliseconds / 1000;
        if (result.hashes > 0 && seconds > 0) this.rate = result.hashes / seconds;
        work.hashes += result.hashes;
        this.totalHashes += result.hashes;
        this.onProgress({ leaseId: work.lease.id, hashes: work.hashes, shares: result.shares });
      }
    } finally {
      this.running = false;
    }
  }

  private async rekey(seedHash: Uint8Array): Promise<void> {
    let reported = -1;
    const began = performance.now();
    const ready = await this.engine.setKey(seedHash, (done, total) => {
      const percent = Math.floor((100 * done) / total);
      if (percent >= reported + 20) {
        reported = percent;
        this.onKeyProgress(`${this.engine.mode === 'full' ? 'dataset' : 'cache'} init ${percent}%`);
      }
    });
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    const dataset = ready.datasetInitMs === null ? '' : `, dataset ${(ready.datasetInitMs / 1000).toFixed(1)} s`;
    this.onKeyProgress(`new RandomX key ready in ${seconds} s${dataset}`);
  }
}

// The lines a mesh node writes about itself: one per notice worth telling (coordinator, job, block, share answer,
// candidate, refusals), per new job mined and per key step, and every `statusSeconds` a status line with this
// peer's rate and the cluster's figures, which `bench:cluster` reads.
import type { ClusterPeer, Job, Lease, PeerNotice } from '@rxmesh/core';
import type { LeaseMiner } from './lease-miner.js';
import type { Log } from './log.js';
import type { KeyInit } from './mining-driver.js';
import { platform, type TimerHandle } from './platform.js';

export class NodeLogger {
  private readonly statusTimer: TimerHandle;
  /** When the key last logged started building, to tell its steps from a new key's. */
  private keyStartedAt: number | undefined;
  /** The last 20% step of key init that was logged. */
  private keyLoggedPercent = 0;
  /** The job of the last lease handed to the engine, to log each new job once. */

  constructor(
    private readonly log: Log,
    private readonly cluster: ClusterPeer,
    private readonly miner: LeaseMiner | undefined,
    statusSeconds: number,
  ) {
    this.statusTimer = platform.setInterval(() => this.logStatus(), statusSeconds * 1000);
  }

  stop(): void {
    platform.clearInterval(this.statusTimer);
  }

  /** The engine is handed `lease` of `job`: each lease is logged, as miners log each job, with its nonces. */
  mining(job: Job, lease: Lease): void {
    const end = lease.start + lease.count - 1;
    this.log.info(`mining nonces ${lease.start}–${end} of the job at height ${job.height}`, {
      event: 'mining',
      height: job.height,
      jobId: job.id,
      leaseStart: lease.start,
      leaseCount: lease.count,
    });
  }

  /** The engine began to read its dataset (full) or to compute items from the cache (light). */
  hashingModeChanged(mode: 'light' | 'full'): void {
    this.log.info(
      mode === 'full'
        ? 'hashing in full mode: dataset items are read from the built dataset'
        : 'hashing in light mode: dataset items are computed from the cache until a dataset is built for the key',
      { event: 'mode', mode },
    );
  }

  /** A key started building (logged when built ahead), reached another 20%, or is ready. */
  keyChanged(init: KeyInit): void {
    const { log } = this;
    const fresh = this.keyStartedAt !== init.startedAt;
    this.keyStartedAt = init.startedAt;
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
  }

  report(notice: PeerNotice): void {
    const { log } = this;
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
          jobId: notice.jobId,
          nonce: notice.nonce,
        });
        return;
      case 'banned':
        log.error(notice.reason, { event: 'banned' });
        return;
      case 'stopMining':
        log.info('the operator stopped every browser tab; hosts mine on', { event: 'stopMining' });
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
      case 'joinStepFailed': {
        const why = notice.cause === 'linkFailed' ? 'the link failed' : 'no answer in time';
        log.warn(
          notice.placed
            ? `could not link to ${notice.peer}, the parent the coordinator chose (${why}); asking for another parent`
            : `could not reach ${notice.peer} to join (${why}); trying another way in`,
          { event: 'joinStepFailed', peer: notice.peer, placed: notice.placed, cause: notice.cause },
        );
        return;
      }
      case 'coordinatorEvent':
        if (notice.event.kind === 'banned') log.warn(`banned ${notice.event.peer} for invalid shares`);
        return;
    }
  }

  /** One line per status interval: this peer's own rate (the one its snapshot shows), and the cluster's figures. */
  private logStatus(): void {
    const rate = this.miner?.hashrate() ?? 0;
    const hashes = this.miner?.meter.totalHashes ?? 0;
    const miningMs = this.miner?.meter.miningMs ?? 0;
    const totals = this.cluster.clusterTotals;
    const own = this.miner === undefined ? '' : `hashing at ${rate.toFixed(1)} H/s; `;
    this.log.info(
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
}

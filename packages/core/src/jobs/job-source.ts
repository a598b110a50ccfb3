// A job source outside the cluster: a monerod daemon (solo mining) or a Stratum pool. A gateway peer runs one; the
// peer feeds each job to the cluster while it coordinates, and hands back the candidates its coordinator verified.
import type { ClusterSource } from '../stats-contract.js';
import type { BlockRecord, Job } from './job.js';

/** Who found a candidate, for the block record a daemon's acceptance makes. */
export interface Finder {
  id: string;
  name: string;
}

/** The source's answer to one candidate. */
export type SourceVerdict =
  /** A daemon's accepted block carries its record; a pool's accepted share carries null (it is not a block). */
  | { accepted: true; block: BlockRecord | null }
  /** `reason` is the source's own words (or why the candidate never reached it), as one sentence. */
  | { accepted: false; reason: string };

/** What an operator sees about the source: in logs, `/api/stats` and `/metrics`. */
export type SourceStatus = ClusterSource;

export interface JobSource {
  readonly kind: 'daemon' | 'stratum';
  /**
   * Begins fetching jobs and keeps doing so (reconnecting, retrying with backoff) until stop(). `onJob` hears every
   * new job, the first one included; the jobs of one source have distinct ids.
   */
  start(onJob: (job: Job) => void): void;
  /** The newest job, for a peer that begins coordinating; undefined before the first one. */
  readonly latestJob: Job | undefined;
  /**
   * Sends a candidate: `hash` is the verified RandomX hash of `job.blob` with `nonce`, and meets `job.difficulty`.
   * What that makes depends on the source: a block for a daemon (submit_block), a share for a pool (Stratum's
   * submit), hence the one name for both. Resolves with the source's verdict and never rejects; a job this source did
   * not make is refused with a reason.
   */
  submit(job: Job, nonce: number, hash: Uint8Array, finder: Finder): Promise<SourceVerdict>;
  status(): SourceStatus;
  /**
   * `job` with an extra nonce of its own: the same block to be, with a hashing blob of its own, for an xmrig rig that
   * mines alone on it. Absent where the source cannot make one (a pool's blob is the pool's); undefined for a job
   * the source no longer knows. Synchronous: the source holds the template.
   */
  variant?(job: Job): Job | undefined;
  /**
   * Makes fresh work now, because the cluster mined every nonce of the latest job: a daemon asks for a new template
   * (a new extra nonce). Absent where the source cannot (a pool sends jobs when it likes).
   */
  refresh?(): void;
  /** Ends every connection and timer; no job is announced afterwards. */
  stop(): Promise<void>;
}

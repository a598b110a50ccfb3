// The coordinator's lease book: hands each peer a disjoint range of the current job's nonces, sized to the hashrate
// the coordinator measured for it, with a share target of its own; bounds a peer's unfinished work; and asks for
// fresh work when a job's nonces (or lease records) run out.

import type { Job } from '../jobs/job.js';
import { targetForDifficulty } from '../target.js';
import type { CoordinatorAction, CoordinatorSettings } from './coordinator.js';
import type { JobRecord, ReplicatedState } from './replica.js';
import type { ReplicationLog } from './replication-log.js';
import { type DownBody, jobToWire, type Lease, type PeerInfo, PROTOCOL_VERSION } from './wire.js';
import type { WorkMeter } from './work-meter.js';

/** A member as the lease book sees it. */
export interface LeaseHolder {
  info: PeerInfo;
  /** When it was last given a lease, to hold back a peer that asks for work faster than it could do it. */
  lastLeaseAt: number;
  /** Nonces in that lease. */
  lastLeaseCount: number;
  /** The work of its accepted shares: the hashrate that sizes its leases. */
  meter: WorkMeter;
  /** Nonces leased to it on one job, and since when: its unfinished work stays bounded. */
  leased: { jobId: string; nonces: number; since: number } | null;
  /** A rig's own variant of the current job, which it mines alone: the id of its record. */
  variant: string | undefined;
}

/** What the lease book reads of the coordinator. */
export interface LeaseBookContext {
  readonly term: number;
  readonly settings: CoordinatorSettings;
  readonly state: ReplicatedState;
  readonly replication: ReplicationLog;
  /** A demo chain makes its own fresh work; an external source is asked for it. */
  readonly externalSource: boolean;
  /** `job` with an extra nonce of its own, for a rig (the demo chain, a daemon); undefined where none can be made. */
  variantOf(job: Job): Job | undefined;
  now(): number;
  push(action: CoordinatorAction): void;
  /** Sends `body` down to `to` once the first standby stored entry `seq`. */
  gateDown(seq: number, to: string, body: DownBody): void;
}

/** The smallest lease, so a slow or paused peer still gets a little work. */
const MIN_LEASE = 64;
/** The nonces an xmrig rig counts through for one job: the low 24 bits, the top byte fixed by the job. */
export const RIG_NONCE_BLOCK = 2 ** 24;

/**
 * The hashrate that sizes a peer's leases and share target. A peer's own figure counts up to the larger of
 * maxClaimedHashrate and twice what the coordinator measured from its accepted shares: a newcomer gets a bounded
 * hint, and nobody gets more than its shares show (two, because a minute of shares is a noisy measure).
 */
export function rateOf(member: LeaseHolder, settings: CoordinatorSettings, now: number): number {
  const claimed = member.info.hashrate > 0 ? member.info.hashrate : settings.defaultHashrate;
  const measured = member.meter.rate(now) ?? 0;
  return Math.min(claimed, Math.max(settings.maxClaimedHashrate, 2 * measured));
}

/**
 * Where `member`'s next lease of `record`'s job lies, sized for `rate`; undefined when the job has no room left for
 * it. A tab or host takes the next nonces; a rig starts a 2^24-nonce block of its own, since its counter always
 * starts at the block's first nonce.
 */
function leaseShape(
  info: PeerInfo,
  record: JobRecord,
  rate: number,
  settings: CoordinatorSettings,
): { start: number; count: number } | undefined {
  const range = record.job.nonceRange ?? { start: 0, count: 2 ** 32 };
  const end = range.start + range.count;
  if (info.rig !== undefined) {
    const start = Math.ceil(record.cursor / RIG_NONCE_BLOCK) * RIG_NONCE_BLOCK;
    if (start + RIG_NONCE_BLOCK > end) return undefined;
    return {
      start,
      count: Math.min(RIG_NONCE_BLOCK, Math.max(MIN_LEASE, Math.round(rate * settings.rigLeaseSeconds))),
    };
  }
  const left = end - record.cursor;
  if (left <= 0) return undefined;
  const largest = Math.max(MIN_LEASE, Math.floor(range.count * settings.maxLeaseShareOfJob));
  return {
    start: record.cursor,
    count: Math.min(left, largest, Math.max(MIN_LEASE, Math.round(rate * settings.leaseSeconds))),
  };
}

export class LeaseBook {
  private nextLease = 1;
  /** The job whose nonces ran out, until fresh work replaces it. */
  private exhaustedJobId: string | undefined;

  constructor(private readonly context: LeaseBookContext) {}

  /** Whether `jobId`'s nonces (or lease records) ran out. */
  ranOut(jobId: string): boolean {
    return this.exhaustedJobId === jobId;
  }

  /**
   * A peer asks once it has little work left; one that asks again within a sixth of its last lease, at the rate it
   * is measured at, is ignored. A lease sized before its rate was known may last far less than planned.
   */
  askedForWork(peer: string, member: LeaseHolder, record: JobRecord | undefined): void {
    const now = this.context.now();
    const lastLeaseMs = (1000 * member.lastLeaseCount) / Math.max(1, rateOf(member, this.context.settings, now));
    if (now - member.lastLeaseAt >= lastLeaseMs / 6) this.issue(peer, member, record);
  }

  issue(peer: string, member: LeaseHolder, current: JobRecord | undefined): void {
    const { settings, state } = this.context;
    const now = this.context.now();
    if (current === undefined || state.isBanned(peer, now)) return;
    const rate = rateOf(member, settings, now);
    const record = (member.info.rig === undefined ? undefined : this.variantFor(member, current, rate)) ?? current;
    const shape = leaseShape(member.info, record, rate, settings);
    if (shape === undefined || record.leases >= settings.maxLeasesPerJob) {
      this.exhausted(record);
      return;
    }
    const { start, count } = shape;
    if (member.leased?.jobId !== record.job.id) member.leased = { jobId: record.job.id, nonces: 0, since: now };
    // Unfinished work on this job: at most two leases' worth, whatever the peer asks.
    const done = (rate * (now - member.leased.since)) / 1000;
    if (member.leased.nonces - done > 2 * count) {
      this.context.push({ kind: 'notice', notice: { kind: 'refused', peer, refusal: 'unfinished-work' } });
      return;
    }
    member.leased.nonces += count;
    member.meter.start(now);
    const fixed = member.info.rig?.difficulty;
    const shareSeconds = member.info.rig === undefined ? settings.shareSeconds : settings.rigShareSeconds;
    let shareDifficulty = fixed === undefined ? BigInt(Math.max(1, Math.round(rate * shareSeconds))) : BigInt(fixed);
    if (shareDifficulty > record.job.difficulty) shareDifficulty = record.job.difficulty;
    const lease: Lease = {
      id: `${this.context.term}.${this.nextLease++}`,
      jobId: record.job.id,
      start,
      count,
      target: targetForDifficulty(shareDifficulty).toString(),
    };
    member.lastLeaseAt = now;
    member.lastLeaseCount = count;
    const reserved = member.info.rig === undefined ? {} : { reserved: RIG_NONCE_BLOCK };
    const seq = this.context.replication.record({ e: 'lease', peer, lease, issuedAt: now, ...reserved });
    this.context.push({ kind: 'notice', notice: { kind: 'lease', peer, lease } });
    this.context.gateDown(seq, peer, { v: PROTOCOL_VERSION, type: 'lease', lease, job: jobToWire(record.job) });
  }

  /**
   * The rig's own variant of `current`, with a block left for it: the one it has, or a new one the source makes (and
   * the replicated log records); undefined where the source makes none, and the rig mines blocks of `current`.
   */
  private variantFor(member: LeaseHolder, current: JobRecord, rate: number): JobRecord | undefined {
    const { state, settings } = this.context;
    const held = member.variant === undefined ? undefined : state.jobs.get(member.variant);
    const usable = (record: JobRecord | undefined) =>
      record?.variantOf === current.job.id &&
      leaseShape(member.info, record, rate, settings) !== undefined &&
      record.leases < settings.maxLeasesPerJob;
    if (usable(held)) return held;
    const variant = this.context.variantOf(current.job);
    if (variant === undefined) return undefined;
    this.context.replication.record({ e: 'job', job: jobToWire(variant), variantOf: current.job.id });
    member.variant = variant.id;
    const made = state.jobs.get(variant.id);
    return usable(made) ? made : undefined;
  }

  /** The job has no nonces (or lease records) left: fresh work comes at the next timeout, never from here. */
  private exhausted(record: JobRecord): void {
    if (this.exhaustedJobId === record.job.id) return;
    this.exhaustedJobId = record.job.id;
    if (this.context.externalSource) this.context.push({ kind: 'wantJob', job: record.job });
  }
}

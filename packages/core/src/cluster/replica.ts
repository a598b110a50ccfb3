// The coordinator's durable state, kept as a log of entries: the coordinator applies each entry it makes, and
// its standbys apply the same entries in the same order. A standby that takes over therefore knows every job,
// every lease handed out, every share accepted and every member admitted, so no range is handed out twice, no
// share counts twice, and no stranger passes for a member.
import { DEMO_EPOCH_BLOCKS } from '../jobs/demo-chain.js';
import type { BlockRecord, Job } from '../jobs/job.js';
import { ledgerOf } from './ledger.js';
import { blockFromWire, jobFromWire, jobToWire, type Lease, type ReplicaEntry } from './wire.js';

/** Jobs (with their leases and shares) kept for late shares; older ones are forgotten. */
const KEPT_JOBS = 16;
/** Rigs' variants of them kept: a classroom lab's rigs, a few jobs back. */
const KEPT_VARIANTS = 256;
/** Blocks kept for the classroom view and for a successor's demo chain. */
const KEPT_BLOCKS = 64;
/** Bans kept; a key is free to make, so the oldest bans go first. */
const KEPT_BANS = 10_000;

export interface JobRecord {
  job: Job;
  /** The next nonce no lease has covered. */
  cursor: number;
  /** Leases handed out on it. */
  leases: number;
  /** When a newer job replaced it, else null. */
  supersededAt: number | null;
  /** Accepted nonces, and who found each. */
  shares: Map<number, string>;
  /** The job this one varies with an extra nonce of its own, for one rig; null for the cluster's jobs. */
  variantOf: string | null;
}

export interface LeaseRecord {
  peer: string;
  lease: Lease;
  issuedAt: number;
  /** Nonces from the lease's start it holds (see the `lease` entry); its count unless more. */
  reserved: number;
}

export interface PeerAccount {
  name: string;
  /** Sum of the difficulty of accepted shares: the hashes this peer is credited with. */
  work: bigint;
  accepted: number;
  rejected: number;
}

/** A peer the coordinator admitted: where it placed it, and what the cluster has seen of it. */
export interface MemberRecord {
  parent: string;
  /** It showed a gateway credential, so it may be a standby. */
  gateway: boolean;
  /** When the cluster first admitted it, in the coordinator's clock: its uptime ranks standbys. */
  since: number;
}

/** The ledger account a peer's work is credited to: its contributor id, or the peer id when it names none. */
export function accountOf(peer: string, info: { contributor?: string } | undefined): string {
  return info?.contributor ?? peer;
}

export class ReplicatedState {
  readonly jobs = new Map<string, JobRecord>();
  readonly members = new Map<string, MemberRecord>();
  /** The members that showed a gateway credential: the few that may stand by, without a walk over every member. */
  readonly gateways = new Set<string>();
  readonly leases = new Map<string, LeaseRecord>();
  readonly accounts = new Map<string, PeerAccount>();
  /** Banned peers, and until when (the coordinator's clock). */
  readonly banned = new Map<string, number>();
  readonly blocks: BlockRecord[] = [];
  sharesAccepted = 0;
  sharesRejected = 0;
  blocksFound = 0;
  /** The sequence number the next entry gets. */
  nextSeq = 0;

  apply(entry: ReplicaEntry): void {
    this.nextSeq++;
    switch (entry.e) {
      case 'member':
        this.members.set(entry.peer, { parent: entry.parent, gateway: entry.gateway, since: entry.since });
        if (entry.gateway) this.gateways.add(entry.peer);
        else this.gateways.delete(entry.peer);
        return;
      case 'left':
        this.members.delete(entry.peer);
        this.gateways.delete(entry.peer);
        return;
      case 'job': {
        const job = jobFromWire(entry.job);
        const variantOf = entry.variantOf ?? null;
        // A new job replaces every earlier one (their rigs' variants too), also at the same height: a pool's replaced
        // job is stale there. A variant replaces nothing.
        if (variantOf === null) for (const record of this.jobs.values()) record.supersededAt ??= job.createdAt;
        this.jobs.set(job.id, {
          job,
          cursor: job.nonceRange?.start ?? 0,
          leases: 0,
          supersededAt: null,
          shares: new Map(),
          variantOf,
        });
        this.forgetOldJobs();
        return;
      }
      case 'lease': {
        const record = this.jobs.get(entry.lease.jobId);
        if (record === undefined) return;
        const reserved = Math.max(entry.lease.count, entry.reserved ?? 0);
        record.cursor = Math.max(record.cursor, entry.lease.start + reserved);
        record.leases++;
        this.leases.set(entry.lease.id, { peer: entry.peer, lease: entry.lease, issuedAt: entry.issuedAt, reserved });
        return;
      }
      case 'share': {
        this.jobs.get(entry.jobId)?.shares.set(entry.nonce, entry.peer);
        const account = this.account(entry.account ?? entry.peer, entry.name);
        account.work += BigInt(entry.work);
        account.accepted++;
        this.sharesAccepted++;
        return;
      }
      case 'reject':
        this.account(entry.account ?? entry.peer, entry.name).rejected++;
        this.sharesRejected++;
        return;
      case 'ban':
        this.banned.delete(entry.peer);
        this.banned.set(entry.peer, entry.until);
        if (this.banned.size > KEPT_BANS) this.banned.delete(this.banned.keys().next().value as string);
        return;
      case 'forget':
        this.accounts.delete(entry.peer);
        return;
      case 'clearAccounts':
        this.accounts.clear();
        return;
      case 'block':
        this.blocks.push(blockFromWire(entry.block));
        this.blocksFound++;
        this.forgetOldBlocks();
        return;
      case 'seen':
        this.jobs.get(entry.jobId)?.shares.set(entry.nonce, entry.peer);
        return;
      case 'account':
        this.accounts.set(entry.peer, {
          name: entry.name,
          work: BigInt(entry.work),
          accepted: entry.accepted,
          rejected: entry.rejected,
        });
        return;
      case 'verdict':
        return; // the durable store keeps the source's verdicts; the cluster needs only the blocks
      case 'totals':
        this.sharesAccepted = entry.accepted;
        this.sharesRejected = entry.rejected;
        this.blocksFound = entry.blocks;
        return;
    }
  }

  /** Entries that rebuild this state from nothing, for a new standby. */
  snapshot(): ReplicaEntry[] {
    const entries: ReplicaEntry[] = [];
    for (const [peer, { parent, gateway, since }] of this.members)
      entries.push({ e: 'member', peer, parent, gateway, since });
    for (const { job, shares, variantOf } of this.jobs.values()) {
      entries.push({ e: 'job', job: jobToWire(job), ...(variantOf === null ? {} : { variantOf }) });
      for (const [nonce, peer] of shares) entries.push({ e: 'seen', peer, jobId: job.id, nonce });
    }
    for (const { peer, lease, issuedAt, reserved } of this.leases.values()) {
      entries.push({ e: 'lease', peer, lease, issuedAt, ...(reserved > lease.count ? { reserved } : {}) });
    }
    entries.push(...ledgerOf(this));
    return entries;
  }

  isBanned(peer: string, now: number): boolean {
    return (this.banned.get(peer) ?? Number.NEGATIVE_INFINITY) > now;
  }

  private account(peer: string, name: string): PeerAccount {
    let account = this.accounts.get(peer);
    if (account === undefined) {
      account = { name, work: 0n, accepted: 0, rejected: 0 };
      this.accounts.set(peer, account);
    }
    account.name = name;
    return account;
  }

  /** Keeps the newest blocks and the demo chain's two newest epoch blocks, whose ids are keys. */
  private forgetOldBlocks(): void {
    if (this.blocks.length <= KEPT_BLOCKS) return;
    const newest = this.blocks.slice(-KEPT_BLOCKS);
    const keyBlocks = this.blocks
      .slice(0, -KEPT_BLOCKS)
      .filter((block) => block.height % DEMO_EPOCH_BLOCKS === 0)
      .slice(-2);
    this.blocks.splice(0, this.blocks.length, ...keyBlocks, ...newest);
  }

  /** The newest of the cluster's jobs (not a rig's variant), which a new coordinator carries on with. */
  latestJob(): Job | undefined {
    let latest: Job | undefined;
    for (const record of this.jobs.values()) if (record.variantOf === null) latest = record.job;
    return latest;
  }

  /** Keeps the newest KEPT_JOBS of the cluster's jobs, with their variants, and at most KEPT_VARIANTS variants. */
  private forgetOldJobs(): void {
    const main = [...this.jobs.values()].filter((record) => record.variantOf === null);
    const gone = new Set(main.slice(0, Math.max(0, main.length - KEPT_JOBS)).map((record) => record.job.id));
    let variants = 0;
    for (const record of [...this.jobs.values()].reverse()) {
      if (record.variantOf !== null && (gone.has(record.variantOf) || ++variants > KEPT_VARIANTS)) {
        gone.add(record.job.id);
      }
    }
    if (gone.size === 0) return;
    for (const id of gone) this.jobs.delete(id);
    for (const [leaseId, record] of this.leases) if (gone.has(record.lease.jobId)) this.leases.delete(leaseId);
  }
}

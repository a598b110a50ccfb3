// Test support: the invariants the fuzz suite holds the cluster to, each returning what it found wrong (empty when
// all holds), so a property can report every broken rule at once.
import type { Coordinator, CoordinatorSettings } from '../src/cluster/coordinator.js';
import type { Lease } from '../src/cluster/wire.js';
import type { FuzzCluster } from './fuzz-cluster.js';

/** The smallest lease the coordinator hands out (coordinator.ts). */
const MIN_LEASE = 64;
/** Jobs a coordinator keeps (replica.ts). */
const KEPT_JOBS = 16;
/** Blocks it keeps: the newest 64 and two epoch keys (replica.ts). */
const KEPT_BLOCKS = 66;
const KEPT_BANS = 10_000;

export interface IssuedLease {
  peer: string;
  lease: Lease;
  /** The job's nonces as the coordinator knew the job; undefined when it had already forgotten it. */
  range: { start: number; count: number } | undefined;
  /** The work credited to the peer then: the coordinator's measure of its hashrate cannot exceed what it shows. */
  creditedWork: bigint;
  /** Whether the peer was banned then. */
  banned: boolean;
}

/** Leases never overlap on a job, stay within its nonces, and are no larger than the settings allow. */
export function leaseViolations(leases: readonly IssuedLease[], settings: CoordinatorSettings): string[] {
  const found: string[] = [];
  const byJob = new Map<string, Lease[]>();
  for (const { peer, lease, range, creditedWork, banned } of leases) {
    const name = `lease ${lease.id} (${lease.start}+${lease.count} on ${lease.jobId}) to ${peer.slice(0, 8)}`;
    if (!Number.isInteger(lease.start) || !Number.isInteger(lease.count) || lease.count < 1) {
      found.push(`${name} is no range`);
    }
    if (lease.start < 0 || lease.start + lease.count > 2 ** 32) found.push(`${name} leaves the 32-bit nonces`);
    if (range !== undefined) {
      if (lease.start < range.start || lease.start + lease.count > range.start + range.count) {
        found.push(`${name} leaves the job's nonces ${range.start}+${range.count}`);
      }
      const largest = Math.max(MIN_LEASE, Math.floor(range.count * settings.maxLeaseShareOfJob));
      if (lease.count > largest) found.push(`${name} exceeds ${largest}, the largest share of its job`);
    }
    // The hashrate sizing a lease is at most the larger of maxClaimedHashrate and twice the measured rate, and the
    // measured rate at most the credited work over one measuring window.
    const measured = Number(creditedWork) / settings.measureSeconds;
    const rate = Math.max(settings.maxClaimedHashrate, 2 * measured);
    const sized = Math.max(MIN_LEASE, Math.round(rate * settings.leaseSeconds));
    if (lease.count > sized) found.push(`${name} exceeds ${sized}, what a rate of at most ${rate}/s earns`);
    if (BigInt(lease.target) <= 0n) found.push(`${name} has a target no hash meets`);
    if (banned) found.push(`${name} went to a banned peer`);
    byJob.set(lease.jobId, [...(byJob.get(lease.jobId) ?? []), lease]);
  }
  for (const [jobId, onJob] of byJob) {
    const sorted = [...onJob].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const before = sorted[i - 1] as Lease;
      const after = sorted[i] as Lease;
      if (after.start < before.start + before.count) {
        found.push(`leases ${before.id} and ${after.id} overlap on job ${jobId}`);
      }
    }
  }
  return found;
}

const isCount = (value: number) => Number.isSafeInteger(value) && value >= 0;

/** A coordinator's counters are whole and never negative, and everything it keeps stays within its bounds. */
export function stateViolations(coordinator: Coordinator, settings: CoordinatorSettings, selfId: string): string[] {
  const found: string[] = [];
  const { state } = coordinator;
  const { links, ...totals } = coordinator.totals();
  for (const [name, value] of [
    ...Object.entries(totals),
    ...Object.entries(links).map(([path, count]) => [`links.${path}`, count] as const),
  ]) {
    if (name === 'hashrate' ? !(Number.isFinite(value) && value >= 0) : !isCount(value)) {
      found.push(`totals.${name} is ${value}`);
    }
  }
  for (const [peer, account] of state.accounts) {
    if (!isCount(account.accepted) || !isCount(account.rejected) || account.work < 0n) {
      found.push(`the account of ${peer.slice(0, 8)} reads ${account.accepted}/${account.rejected}/${account.work}`);
    }
  }
  const bounds: [string, number, number][] = [
    ['admitted members', state.members.size, settings.maxMembers],
    ['members', coordinator.memberIds().length, settings.maxMembers + 1],
    ['jobs', state.jobs.size, KEPT_JOBS],
    ['accounts', state.accounts.size, settings.maxAccounts],
    ['bans', state.banned.size, KEPT_BANS],
    ['blocks', state.blocks.length, KEPT_BLOCKS],
    ['leases', state.leases.size, KEPT_JOBS * settings.maxLeasesPerJob],
  ];
  for (const [name, size, bound] of bounds) if (size > bound) found.push(`${size} ${name}, above ${bound}`);
  for (const record of state.jobs.values()) {
    if (record.leases > settings.maxLeasesPerJob) {
      found.push(`job ${record.job.id} has ${record.leases} leases, above ${settings.maxLeasesPerJob}`);
    }
    for (const peer of record.shares.values()) if (typeof peer !== 'string') found.push('a share without finder');
  }
  if (state.banned.has(selfId)) found.push('the coordinator banned itself');
  return found;
}

/**
 * Whether the honest peers agree on one coordinator: a gateway of theirs, which counts every one of them as a
 * member it can reach. Returns what is still wrong.
 */
export function convergenceProblems(cluster: FuzzCluster): string[] {
  const found: string[] = [];
  const honest = cluster.honest.filter((node) => node.alive);
  const coordinators = honest.filter((node) => node.peer.phase === 'coordinator');
  if (coordinators.length !== 1) {
    found.push(`${coordinators.length} coordinators: ${coordinators.map((node) => node.name).join(', ')}`);
  }
  const [leader] = coordinators;
  const state = leader?.peer.coordinatorState;
  if (leader === undefined || state === undefined) return found;
  if (leader.keys.credential === null) found.push(`${leader.name} coordinates without a credential`);
  for (const node of honest) {
    if (node === leader) continue;
    const following = node.following;
    if (node.peer.phase !== 'member') found.push(`${node.name} is ${node.peer.phase}`);
    if (following?.id !== leader.id || following.term !== leader.peer.currentTerm) {
      found.push(`${node.name} follows ${cluster.node(following?.id ?? '')?.name ?? 'nobody'} in ${following?.term}`);
    }
    if (!state.memberIds().includes(node.id)) found.push(`${node.name} is no member of ${leader.name}`);
    else if (state.routeTo(node.id) === undefined) found.push(`${leader.name} has no route to ${node.name}`);
  }
  return found;
}

// Fuzzing the coordinator directly: admissions, statuses, requests for work, shares of every kind (valid, out of
// range, duplicates, repeats, stale, low difficulty, forged), verifications, replica acknowledgements, timeouts and
// jumps in time, on the demo chain and on an external source whose jobs may hold a single nonce. No exception escapes,
// leases never overlap and stay within bounds, a share counts at most once, counters stay whole and state bounded,
// and neither an honest member nor the coordinator itself is ever struck or banned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CoordinatorRig,
  type CoordinatorStep,
  coordinatorSteps,
  HONEST_MEMBERS,
} from '../../testing/fuzz-coordinator.js';
import { leaseViolations, stateViolations } from '../../testing/fuzz-invariants.js';
import { fuzzCheck, fuzzTimeoutMs } from '../../testing/fuzz-settings.js';
import { simulatedSignatures } from '../simulation/sim-signatures.js';
import { type CoordinatorSettings, DEFAULT_COORDINATOR_SETTINGS } from './coordinator.js';

/** Small bounds, so a run reaches them: few members and accounts, few leases per job, little verification. */
const SETTINGS: CoordinatorSettings = {
  ...DEFAULT_COORDINATOR_SETTINGS,
  maxMembers: 5,
  maxAccounts: 8,
  maxLeasesPerJob: 30,
  verifyCapacity: 2,
  maxPendingPerPeer: 2,
};

const scheme = simulatedSignatures();

/** Every rule a run must keep, checked after each step. */
function problems(rig: CoordinatorRig, totalsBefore: ReturnType<CoordinatorRig['coordinator']['totals']>): string[] {
  const c = rig.coordinator;
  const found = [
    ...rig.violations,
    ...stateViolations(c, SETTINGS, rig.self.id),
    ...leaseViolations(rig.leases, SETTINGS),
  ];
  const totals = c.totals();
  for (const key of ['sharesAccepted', 'sharesRejected', 'blocksFound'] as const) {
    if (totals[key] < totalsBefore[key]) found.push(`${key} fell from ${totalsBefore[key]} to ${totals[key]}`);
  }
  // A share counts once: no member is credited with more shares than the distinct nonces it sent.
  const acceptedNotices = rig.notices.filter((notice) => notice.kind === 'share' && notice.accepted).length;
  if (totals.sharesAccepted !== acceptedNotices) {
    found.push(`${totals.sharesAccepted} shares counted, ${acceptedNotices} accepted`);
  }
  const distinct = [...rig.sent.values()].reduce((sum, sent) => sum + sent.size, 0);
  if (totals.sharesAccepted > distinct) found.push(`${totals.sharesAccepted} shares counted of ${distinct} sent`);
  for (const [peer, account] of c.state.accounts) {
    const sent = rig.sent.get(peer)?.size ?? 0;
    if (account.accepted > sent) found.push(`${peer.slice(0, 8)} credited ${account.accepted} of ${sent} shares`);
  }
  for (const member of c.memberIds()) {
    if (rig.isHonest(member) && c.state.banned.has(member)) found.push('an honest member is banned');
  }
  return found;
}

function run(steps: readonly CoordinatorStep[], demo: boolean): CoordinatorRig {
  const rig = new CoordinatorRig(scheme, SETTINGS, demo);
  for (const step of steps) {
    const before = rig.coordinator.totals();
    rig.run(step);
    const found = problems(rig, before);
    if (found.length > 0) throw new Error(`after ${JSON.stringify(step)}:\n${found.join('\n')}`);
  }
  return rig;
}

const runs = fc.array(coordinatorSteps, { maxLength: 120, size: 'max' });

describe('the coordinator (fuzzed)', () => {
  it('hands out leases and counts shares soundly on the demo chain', () => {
    // The rig's members admitted and working, so a failure here is the coordinator's.
    const rig = run(
      [
        { kind: 'admit', peer: 0, orphan: false, gateway: false, hashrate: 10, maxLinks: 8, mines: true },
        { kind: 'status', peer: 0, parent: 8, hashrate: 10 },
        { kind: 'share', peer: 0, share: 'valid', lease: 0, offset: 3, seq: 1 },
        { kind: 'verify', count: 8 },
        { kind: 'share', peer: 0, share: 'repeat', lease: 0, offset: 0, seq: 1 },
      ],
      true,
    );
    expect(rig.leases.filter((issued) => issued.peer === rig.members[0]?.id)).not.toHaveLength(0);
    expect(rig.coordinator.totals().sharesAccepted).toBe(1);
  });

  it(
    'keeps its invariants whatever members send, on the demo chain',
    () => {
      fuzzCheck(
        'coordinator, demo chain',
        fc.property(runs, (steps) => {
          run(steps, true);
        }),
        300,
      );
    },
    fuzzTimeoutMs(30_000),
  );

  it(
    'keeps its invariants on an external source whose jobs run out of nonces, never asking twice for one job',
    () => {
      fuzzCheck(
        'coordinator, external source',
        fc.property(runs, (steps) => {
          const rig = run(steps, false);
          // Every job it asked fresh work for had run out of nonces or lease records.
          for (const jobId of rig.wantedJobs) {
            const record = rig.coordinator.state.jobs.get(jobId);
            if (record === undefined) continue;
            const range = record.job.nonceRange ?? { start: 0, count: 2 ** 32 };
            const exhausted = record.cursor >= range.start + range.count || record.leases >= SETTINGS.maxLeasesPerJob;
            expect(exhausted).toBe(true);
          }
        }),
        300,
      );
    },
    fuzzTimeoutMs(30_000),
  );

  // A counterexample the fuzz found, shrunk and kept as it failed: it fails until the bug is fixed.
  it('places no joiner under a peer it banned', () => {
    // A cheater offering many slots is struck three times and banned, but stays a confirmed member, and placeFor()
    // (coordinator.ts) still picks it as the parent of the next joiner: a known cheater relays for an honest peer.
    // Found by 'keeps its invariants on an external source…':
    // fc.assert(property, { seed: 12, path: '129:2:2:0:0:4:9:11:14:15:17:21:21:21:25:31:31:31:34:34:34:39:39:39:40:36:34:33:32:36:36:36:36:37:34:33:33' }).
    const cheater = HONEST_MEMBERS + 1;
    const rig = run(
      [
        { kind: 'admit', peer: cheater, orphan: false, gateway: false, hashrate: 0, maxLinks: 1024, mines: true },
        { kind: 'status', peer: cheater, parent: 0, hashrate: 0 },
        { kind: 'share', peer: cheater, share: 'outOfRange', lease: 0, offset: 0, seq: 0 },
        { kind: 'share', peer: cheater, share: 'lowDifficulty', lease: 0, offset: 0, seq: 0 },
        { kind: 'share', peer: cheater, share: 'othersLease', lease: 0, offset: 0, seq: 0 },
      ],
      false,
    );
    const banned = rig.members[cheater]?.id ?? '';
    expect(rig.coordinator.state.banned.has(banned)).toBe(true);
    rig.run({ kind: 'admit', peer: 0, orphan: false, gateway: false, hashrate: 0, maxLinks: 2, mines: false });
    expect(rig.coordinator.parentOf(rig.members[0]?.id ?? '')).not.toBe(banned);
  });
});

import { describe, expect, it } from 'vitest';
import { INTERNET_NAT, SimCluster, type SimOptions, THOUSAND_PEERS } from './cluster-sim.js';

describe('the cluster protocol in simulation', () => {
  // 450 simulated seconds of 1000 signed peers: about 25 s of one core alone, twice that beside other work.
  it('1000 peers, 20% churn and the coordinator killed: no range handed out twice, no share lost or counted twice', {
    timeout: 120_000,
  }, () => {
    const report = SimCluster.run({ seed: 20261124, ...THOUSAND_PEERS });
    console.info(`simulation, 1000 peers: ${JSON.stringify(report)}`);
    expect(report.peersStarted).toBe(1000 + 200);
    expect(report.leases).toBeGreaterThan(10_000);
    expect(report.overlappingRanges).toBe(0);
    expect(report.sharesAcked).toBeGreaterThan(10_000);
    expect(report.accountingMismatches).toEqual([]);
    expect(report.peersWithoutCurrentJob).toBe(0);
    // One coordinator at the start and exactly one successor: no split.
    expect(report.coordinatorChanges.map((change) => change.term)).toEqual([1, 2]);
    expect(report.failoverMs).not.toBeNull();
    expect(report.failoverMs).toBeLessThanOrEqual(10_000);
    expect(report.failoverAllPeersMs).not.toBeNull();
    expect(report.cheatersBanned).toBe(5);
    expect(report.blocksFound).toBeGreaterThan(5);
    expect(report.maxBrowserLinks).toBeLessThanOrEqual(8);
    expect(report.maxCoordinatorLinks).toBeLessThanOrEqual(64);
    expect(report.jobReachP99Ms).toBeLessThan(5000);
    // Away from the failover, a job crosses the tree (depth <= 5, 10-60 ms a hop) well within a second.
    expect(report.jobReachSteadyP99Ms).toBeLessThan(500);
    // Leases are renewed before they run out: miners wait for work only around failover and re-joining.
    expect(report.idleFraction).toBeLessThan(0.02);
  });

  // About 4 s. Seed 5 is one where the first standby by age sits behind a router, which the symmetric ones cannot
  // reach.
  it('306 peers, most behind routers, 20% churn and the coordinator killed: every live peer gets work', () => {
    const report = SimCluster.run({
      ...THOUSAND_PEERS,
      seed: 5,
      hosts: 6,
      browsers: 300,
      cheaters: 1,
      rampSeconds: 20,
      churnFromSeconds: 40,
      churnToSeconds: 120,
      killCoordinatorAtSeconds: 80,
      endSeconds: 180,
      drainSeconds: 20,
      nat: INTERNET_NAT,
    });
    expect(report.linksFailed).toBeGreaterThan(0);
    expect(report.coordinatorChanges.map((change) => change.term)).toEqual([1, 2]);
    expect(report.failoverAllPeersMs).not.toBeNull();
    expect(report.neverMined).toBe(0);
    expect(report.peersWithoutCurrentJob).toBe(0);
    expect(report.idleFraction).toBeLessThan(0.01);
    expect(report.overlappingRanges).toBe(0);
    expect(report.accountingMismatches).toEqual([]);
  });

  it('is deterministic by seed', () => {
    const small: SimOptions = {
      ...THOUSAND_PEERS,
      seed: 20261124,
      hosts: 3,
      browsers: 40,
      cheaters: 1,
      rampSeconds: 10,
      churnFromSeconds: 30,
      churnToSeconds: 90,
      killCoordinatorAtSeconds: 60,
      endSeconds: 120,
      drainSeconds: 20,
    };
    const first = SimCluster.run(small);
    expect(SimCluster.run(small)).toEqual(first);
    expect(SimCluster.run({ ...small, seed: small.seed + 1 }).messages).not.toBe(first.messages);
    expect(first.overlappingRanges).toBe(0);
    expect(first.accountingMismatches).toEqual([]);
  });
});

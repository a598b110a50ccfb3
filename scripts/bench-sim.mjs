// @ts-check
// The cluster protocol in simulated time: job-reach latency, messages per peer per minute, failover time, time
// without work, over several seeds. Run after `npm run build`:
//   node scripts/bench-sim.mjs [--seeds N] [--peers N] [--nat] [--turn]
// --peers scales the 1000-peer scenario (hosts stay 1.2% of the peers); --nat puts most peers behind routers
// (INTERNET_NAT), --turn adds a TURN server that relays for everyone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTERNET_NAT, SimCluster, THOUSAND_PEERS } from '@rxmesh/core';
import { repoRoot } from './lib/bench-harness.mjs';

const flag = (/** @type {string} */ name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : undefined;
};
const seeds = flag('--seeds') ?? 3;
const peers = flag('--peers') ?? 1000;
const nat = process.argv.includes('--nat') || process.argv.includes('--turn');
const hosts = Math.max(2, Math.round((THOUSAND_PEERS.hosts * peers) / 1000));
const scenario = {
  ...THOUSAND_PEERS,
  hosts,
  browsers: peers - hosts,
  ...(nat ? { nat: { ...INTERNET_NAT, turn: process.argv.includes('--turn') } } : {}),
};
const reports = [];
for (let seed = 1; seed <= seeds; seed++) {
  const began = performance.now();
  const report = SimCluster.run({ seed, ...scenario });

  const wallSeconds = (performance.now() - began) / 1000;
  reports.push({ seed, peers, nat: scenario.nat ?? null, wallSeconds, ...report });
  console.log(
    `seed ${seed}: job reach p50 ${report.jobReachP50Ms.toFixed(0)} ms, p99 ${report.jobReachP99Ms.toFixed(0)} ms (outside failover ` +
      `${report.jobReachSteadyP99Ms.toFixed(0)} ms); ` +
      `${report.messagesPerPeerPerMinute.toFixed(1)} messages/peer/min; failover ${report.failoverMs?.toFixed(0)} ms ` +
      `(all earlier members ${report.failoverAllPeersMs?.toFixed(0)} ms); overlaps ${report.overlappingRanges}, ` +
      `accounting mismatches ${report.accountingMismatches.length}; idle ${(report.idleFraction * 100).toFixed(2)}%, ` +
      `first work p50 ${report.firstWorkP50Ms.toFixed(0)} ms p99 ${report.firstWorkP99Ms.toFixed(0)} ms, never mined ` +
      `${report.neverMined}, links failed ${report.linksFailed}; depth ${report.maxTreeDepth}, links: browser ` +
      `${report.maxBrowserLinks}, coordinator ${report.maxCoordinatorLinks}; ${wallSeconds.toFixed(1)} s of wall time`,
  );
}
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(join(repoRoot, 'test-results/bench-sim.json'), `${JSON.stringify(reports, null, 2)}\n`);

// @ts-check
// The cluster protocol at 1000 peers, in simulated time: job-reach latency, messages per peer per minute,
// failover time, over several seeds. Run after `npm run build`: node scripts/bench-sim.mjs [--seeds N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimCluster, THOUSAND_PEERS } from '@rxmesh/core';
import { repoRoot } from './lib/bench-harness.mjs';

const seedsFlag = process.argv.indexOf('--seeds');
const seeds = seedsFlag > 0 ? Number(process.argv[seedsFlag + 1]) : 3;
const reports = [];
for (let seed = 1; seed <= seeds; seed++) {
  const began = performance.now();
  const report = SimCluster.run({ seed, ...THOUSAND_PEERS });

  const wallSeconds = (performance.now() - began) / 1000;
  reports.push({ seed, wallSeconds, ...report });
  console.log(
    `seed ${seed}: job reach p50 ${report.jobReachP50Ms.toFixed(0)} ms, p99 ${report.jobReachP99Ms.toFixed(0)} ms (outside failover ` +
      `${report.jobReachSteadyP99Ms.toFixed(0)} ms); ` +
      `${report.messagesPerPeerPerMinute.toFixed(1)} messages/peer/min; failover ${report.failoverMs?.toFixed(0)} ms ` +
      `(all earlier members ${report.failoverAllPeersMs?.toFixed(0)} ms); overlaps ${report.overlappingRanges}, ` +
      `accounting mismatches ${report.accountingMismatches.length}; depth ${report.maxTreeDepth}, links: browser ` +
      `${report.maxBrowserLinks}, coordinator ${report.maxCoordinatorLinks}; ${wallSeconds.toFixed(1)} s of wall time`,
  );
}
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(join(repoRoot, 'test-results/bench-sim.json'), `${JSON.stringify(reports, null, 2)}\n`);

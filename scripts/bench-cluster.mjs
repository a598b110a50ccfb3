// @ts-check
// Cluster efficiency: the hashrate of two `rxmesh host` peers mining together in one cluster, against the sum of
// each one mining alone in a cluster of its own. Two `rxmesh serve` processes (A and B) run throughout. Phases
// alternate: "apart" (alpha in A, beta in B, at the same time) and "together" (both in A). Both phases run the
// same processes on the same cores, so the ratio measures what sharing a cluster costs, not the competition for
// this machine's 2 cores. Each host's rate comes from its own status lines (hashes done by its mining engine,
// every 5 s), after a warm-up line. The median of the rounds' ratios is the figure: this machine is shared and
// noisy, and alternating the order of the phases cancels slow drift.
// Run after `npm run build`: node scripts/bench-cluster.mjs [--mode light|full] [--threads N] [--intervals K]
//   [--rounds R]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, repoRoot, startRxmesh } from './lib/bench-harness.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'light' },
    threads: { type: 'string', default: '1' },
    intervals: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '5' },
  },
});
const { mode, threads } = values;
const intervals = Number(values.intervals);
const rounds = Number(values.rounds);
const STATUS_SECONDS = 5;

/** A host's status lines: hashes done by its engine and its mining time, every STATUS_SECONDS. */
const statusOf = (/** @type {{ lines: import('./lib/bench-harness.mjs').LogLine[] }} */ host) =>
  host.lines.filter((line) => line.event === 'status');

/** @param {() => boolean} done */
async function until(done) {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 500));
}

/**
 * Between the first status line after the warm-up one and the last of `intervals` more: hashes per second, and
 * the share of the time the engine was mining (the rest it waited for work or re-keyed).
 * @param {import('./lib/bench-harness.mjs').LogLine[]} status
 */
function measure(status) {
  const first = status[1];
  const last = status[1 + intervals];
  if (first === undefined || last === undefined) throw new Error('not enough status lines');
  const elapsedMs = last.time - first.time;
  return {
    rate: (1000 * (last.hashes - first.hashes)) / elapsedMs,
    busy: (last.miningMs - first.miningMs) / elapsedMs,
  };
}

/** Starts `rxmesh serve` on a free loopback port and resolves with its URL. */
async function startServe() {
  const serve = startRxmesh(['serve', '--port', '0', '--bind', '127.0.0.1']);
  await until(() => /serving http:/.test(serve.stdout()));
  return { serve, url: /serving (http:\S+)/.exec(serve.stdout())?.[1] ?? '' };
}
const clusterA = await startServe();
const clusterB = await startServe();

/** @param {{ name: string, url: string }[]} placements */
async function phase(placements) {
  const hosts = placements.map(({ name, url }) =>
    startRxmesh([
      'host',
      ...['--signal', url, '--threads', threads, '--mode', mode, '--name', name],
      ...['--status-seconds', String(STATUS_SECONDS)],
    ]),
  );
  await until(() => hosts.every((host) => statusOf(host).length >= intervals + 2));
  const measured = hosts.map((host) => measure(statusOf(host)));
  for (const host of hosts) host.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { rates: measured.map((host) => host.rate), busy: measured.map((host) => host.busy) };
}

const apart = () =>
  phase([
    { name: 'alpha', url: clusterA.url },
    { name: 'beta', url: clusterB.url },
  ]);
const together = () =>
  phase([
    { name: 'alpha', url: clusterA.url },
    { name: 'beta', url: clusterA.url },
  ]);
const sum = (/** @type {number[]} */ rates) => rates.reduce((total, rate) => total + rate, 0);

console.log(
  `${mode} mode, ${threads} thread(s) per host, ${intervals} intervals of ${STATUS_SECONDS} s per phase, ` +
    `${rounds} rounds of "apart" (each host in a cluster of its own) and "together", order alternating`,
);
const results = [];
for (let round = 1; round <= rounds; round++) {
  const apartFirst = round % 2 === 1;
  const first = apartFirst ? await apart() : await together();
  const second = apartFirst ? await together() : await apart();
  const [apartPhase, togetherPhase] = apartFirst ? [first, second] : [second, first];
  const efficiency = sum(togetherPhase.rates) / sum(apartPhase.rates);
  results.push({ apart: apartPhase, together: togetherPhase, efficiency });
  const show = (/** @type {number[]} */ rates) => rates.map((rate) => rate.toFixed(2)).join(' + ');
  const busy = (/** @type {number[]} */ shares) => shares.map((share) => `${(100 * share).toFixed(1)}%`).join(', ');
  console.log(
    `round ${round}: apart ${show(apartPhase.rates)} H/s (mining ${busy(apartPhase.busy)} of the time), ` +
      `together ${show(togetherPhase.rates)} H/s (mining ${busy(togetherPhase.busy)}): ${efficiency.toFixed(3)}x`,
  );
}
for (const { serve } of [clusterA, clusterB]) serve.child.kill('SIGTERM');
const efficiency = median(results.map((result) => result.efficiency));
console.log(`efficiency, median of ${rounds} rounds: ${efficiency.toFixed(3)}x`);
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'test-results/bench-cluster.json'),
  `${JSON.stringify({ mode, threads: Number(threads), results, median: efficiency }, null, 2)}\n`,
);

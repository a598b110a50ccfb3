// @ts-check
// Cluster efficiency: the hashrate of two `rxmesh host` peers mining together in one cluster, against the sum of
// each one mining alone in it. One `rxmesh serve` runs throughout (so the demo chain is past its young, fast
// first blocks after the first phase), and each phase starts the hosts as separate processes on loopback,
// and reads each host's own rate from its status lines (hashes done by its mining engine, every 5 s). Rounds of
// the three phases repeat, and the median of the rounds' ratios is the figure: this machine is shared and noisy.
// Both hosts share this machine's cores, so a host "alone" mines while a plain `rxmesh bench` of the same engine
// loads the machine as the other host would: the ratio then measures the cluster, not the competition for cores
// (--unloaded measures without that load).
// Run after `npm run build`: node scripts/bench-cluster.mjs [--mode light|full] [--threads N] [--intervals K]
//   [--rounds R]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/bench-harness.mjs';

/** @param {string} name @param {string} fallback */
const flag = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const mode = flag('mode', 'light');
const threads = flag('threads', '1');
const intervals = Number(flag('intervals', '6'));
const rounds = Number(flag('rounds', '5'));
const STATUS_SECONDS = 5;
const loaded = !process.argv.includes('--unloaded');
const bin = join(repoRoot, 'apps/host/bin/rxmesh.js');

/** @param {string[]} args */
function start(args) {
  const child = spawn(process.execPath, [bin, ...args, '--log-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {{ time: number, hashes: number }[]} */
  const status = [];
  let stdout = '';
  let pending = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      if (entry.event === 'status') status.push({ time: Date.parse(entry.time), hashes: entry.hashes });
    }
  });
  return { child, status, stdout: () => stdout };
}

/** @param {() => boolean} done */
async function until(done) {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Hashes per second between the first status line after the warm-up one and the last of `intervals` more. */
function rateOf(/** @type {{ time: number, hashes: number }[]} */ status) {
  const first = status[1];
  const last = status[1 + intervals];
  if (first === undefined || last === undefined) throw new Error('not enough status lines');
  return (1000 * (last.hashes - first.hashes)) / (last.time - first.time);
}

const serve = start(['serve', '--port', '0', '--bind', '127.0.0.1']);
await until(() => /serving http:/.test(serve.stdout()));
const url = /serving (http:\S+)/.exec(serve.stdout())?.[1] ?? '';

/** @param {string[]} names @param {boolean} withLoad */
async function phase(names, withLoad) {
  const load = withLoad
    ? spawn(
        process.execPath,
        [bin, 'bench', '--impl', 'native', '--mode', mode, '--threads', threads, '--seconds', '3600'],
        {
          stdio: 'ignore',
        },
      )
    : undefined;
  const hosts = names.map((name) =>
    start([
      'host',
      ...['--signal', url, '--threads', threads, '--mode', mode, '--name', name],
      ...['--status-seconds', String(STATUS_SECONDS)],
    ]),
  );
  await until(() => hosts.every((host) => host.status.length >= intervals + 2));
  const rates = hosts.map((host) => rateOf(host.status));
  for (const host of hosts) host.child.kill('SIGTERM');
  load?.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return rates;
}

console.log(
  `${mode} mode, ${threads} thread(s) per host, ${intervals} intervals of ${STATUS_SECONDS} s per phase, ` +
    `${rounds} rounds, ` +
    (loaded ? 'each host alone beside a plain bench of the same engine' : 'each host alone on an idle machine'),
);
const results = [];
for (let round = 1; round <= rounds; round++) {
  const [alphaAlone = 0] = await phase(['alpha'], loaded);
  const [betaAlone = 0] = await phase(['beta'], loaded);
  const together = await phase(['alpha', 'beta'], false);
  const sumTogether = together.reduce((sum, rate) => sum + rate, 0);
  const efficiency = sumTogether / (alphaAlone + betaAlone);
  results.push({ alphaAlone, betaAlone, together, efficiency });
  console.log(
    `round ${round}: alone ${alphaAlone.toFixed(2)} + ${betaAlone.toFixed(2)} H/s, together ` +
      `${together.map((rate) => rate.toFixed(2)).join(' + ')} H/s: ${efficiency.toFixed(3)}x`,
  );
}
serve.child.kill('SIGTERM');
const ratios = results.map((result) => result.efficiency).sort((a, b) => a - b);
const middle = Math.floor(ratios.length / 2);
const median = ratios.length % 2 === 1 ? ratios[middle] : ((ratios[middle - 1] ?? 0) + (ratios[middle] ?? 0)) / 2;
console.log(`efficiency, median of ${rounds} rounds: ${median?.toFixed(3)}x`);
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'test-results/bench-cluster.json'),
  `${JSON.stringify({ mode, threads: Number(threads), loaded, results, median }, null, 2)}\n`,
);

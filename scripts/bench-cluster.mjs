// @ts-check
// Cluster efficiency: the hashrate of two `rxmesh host` peers mining together in one cluster, against the sum of
// each one mining alone in it. Every phase runs `rxmesh serve` and the hosts as separate processes on loopback,
// and reads each host's own rate from its 30-second status lines (hashes done, by its mining engine).
// Run after `npm run build`: node scripts/bench-cluster.mjs [--mode light|full] [--threads N] [--intervals K]
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
const intervals = Number(flag('intervals', '3'));
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

/** @param {string[]} names */
async function phase(names) {
  const serve = start(['serve', '--port', '0', '--bind', '127.0.0.1']);
  await until(() => /serving http:/.test(serve.stdout()));
  const url = /serving (http:\S+)/.exec(serve.stdout())?.[1] ?? '';
  const hosts = names.map((name) =>
    start(['host', '--signal', url, '--threads', threads, '--mode', mode, '--name', name]),
  );
  await until(() => hosts.every((host) => host.status.length >= intervals + 2));
  const rates = hosts.map((host) => rateOf(host.status));
  for (const child of [...hosts.map((host) => host.child), serve.child]) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return rates;
}

console.log(`${mode} mode, ${threads} thread(s) per host, ${intervals} intervals of 30 s per phase`);
const [alphaAlone] = await phase(['alpha']);
console.log(`alpha alone: ${alphaAlone?.toFixed(2)} H/s`);
const [betaAlone] = await phase(['beta']);
console.log(`beta alone: ${betaAlone?.toFixed(2)} H/s`);
const together = await phase(['alpha', 'beta']);
const sumAlone = (alphaAlone ?? 0) + (betaAlone ?? 0);
const sumTogether = together.reduce((sum, rate) => sum + rate, 0);
console.log(`together: ${together.map((rate) => rate.toFixed(2)).join(' + ')} = ${sumTogether.toFixed(2)} H/s`);
console.log(`efficiency: ${(sumTogether / sumAlone).toFixed(3)}x of the sum alone (${sumAlone.toFixed(2)} H/s)`);
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'test-results/bench-cluster.json'),
  `${JSON.stringify({ mode, threads: Number(threads), alphaAlone, betaAlone, together, efficiency: sumTogether / sumAlone }, null, 2)}\n`,
);

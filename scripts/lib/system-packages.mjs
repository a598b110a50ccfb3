// @ts-check
// The Debian packages rxmesh needs, and their installation through apt where this process may use it.

import { fail, info } from './log.mjs';
import { capture, run } from './run.mjs';

/** @typedef {'start' | 'test'} Purpose */

/** @type {{ name: string, why: string, neededFor: Purpose[] }[]} */
export const SYSTEM_PACKAGES = [
  { name: 'emscripten', why: 'compiles the RandomX core to WebAssembly', neededFor: ['start', 'test'] },
  { name: 'librandomx-dev', why: 'the native engine and the reference oracle', neededFor: ['start', 'test'] },
  { name: 'chromium', why: 'the browser tests', neededFor: ['test'] },
  { name: 'firefox-esr', why: 'the browser tests in Firefox', neededFor: ['test'] },
  { name: 'monero', why: 'a regtest monerod for the job-source tests', neededFor: ['test'] },
  { name: 'coturn', why: 'a TURN server for the tests of peers behind NAT', neededFor: ['test'] },
  { name: 'nftables', why: 'the NAT routers of the tests of peers behind NAT', neededFor: ['test'] },
  {
    name: 'redis-server',
    why: 'a Redis server for the tests of the ledger and signaling kept in Redis',
    neededFor: ['test'],
  },
  { name: 'nginx', why: 'the load balancer in front of several servers in the tests', neededFor: ['test'] },
  {
    name: 'prometheus',
    why: 'a Prometheus that scrapes rxmesh serve in the tests of the dashboard',
    neededFor: ['test'],
  },
  { name: 'systemd', why: 'systemd-analyze, which checks the service units in the tests', neededFor: ['test'] },
];

/**
 * @param {string} name
 * @param {string} field
 */
function dpkgField(name, field) {
  return capture('dpkg-query', ['-W', `-f=\${${field}}`, name]);
}

/** @param {string} name */
function isInstalled(name) {
  return dpkgField(name, 'Status')?.includes('install ok installed') ?? false;
}

/** The installed version of a Debian package, or 'absent'; part of build fingerprints. */
export function debianVersion(/** @type {string} */ name) {
  return dpkgField(name, 'Version') ?? 'absent';
}

/**
 * Installs whatever the purpose needs and is missing. Without apt rights it stops with the command to run.
 * @param {Purpose} purpose
 */
export async function ensureSystemPackages(purpose) {
  const wanted = SYSTEM_PACKAGES.filter((p) => p.neededFor.includes(purpose));
  if (capture('dpkg-query', ['--version']) === null) {
    fail(
      'rxmesh needs these Debian packages, and this machine has no dpkg to check them:\n' +
        wanted.map((p) => `  ${p.name.padEnd(16)} ${p.why}`).join('\n') +
        '\nInstall their equivalents, or run rxmesh on Debian 12 or newer.',
    );
  }
  const missing = wanted.filter((p) => !isInstalled(p.name));
  if (missing.length === 0) {
    info(`system packages present: ${wanted.map((p) => p.name).join(', ')}`);
    return;
  }
  const names = missing.map((p) => p.name);
  const command = `apt-get update && apt-get install -y --no-install-recommends ${names.join(' ')}`;
  if (process.getuid?.() !== 0) {
    fail(
      `These Debian packages are missing: ${names.join(', ')}.\n` +
        'This script may not use apt (it is not running as root). Run this, then run npm again:\n\n' +
        `  sudo sh -c '${command}'`,
    );
  }
  info(`installing with apt: ${names.join(', ')} (a few minutes on a fresh machine)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...names], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stillMissing = names.filter((name) => !isInstalled(name));
  if (stillMissing.length > 0) fail(`apt finished but these packages are still missing: ${stillMissing.join(', ')}.`);
}

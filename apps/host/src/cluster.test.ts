// End to end on loopback: `rxmesh serve` (signaling, web app, embedded gateway on the demo chain) with two
// `rxmesh host` peers, as separate processes over real PeerJS and WebRTC data channels. With a pool, a real
// Prometheus scrapes the server, and the Grafana dashboard's queries are asked of it.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes, meetsShareTarget, parseStratumTarget, withNonce } from '@rxmesh/core';
import { createLightHasher } from '@rxmesh/native';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../testing/hostile.js';
import { type Prometheus, startPrometheus } from '../testing/prometheus.js';
import { RXMESH_BIN as bin } from '../testing/rxmesh-cli.js';
import {
  acceptedShares,
  clusterStatsAt,
  explained,
  type LogLine,
  lightHostArgs,
  peerIdOf,
  servingUrl,
  startRxmesh,
} from '../testing/rxmesh-process.js';
import { ScriptedPool } from '../testing/scripted-pool.js';

const children: ChildProcess[] = [];
const pools: ScriptedPool[] = [];
const prometheuses: Prometheus[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-cluster-'));
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const pool of pools) await pool.close();
  for (const prometheus of prometheuses) await prometheus.stop();
  rmSync(scratch, { recursive: true, force: true });
});

let dirs = 0;
const newDir = () => mkdtempSync(join(scratch, `${dirs++}-`));

const start = (args: string[]) => startRxmesh(args, children);
const accepted = acceptedShares;
const peerId = peerIdOf;

/**
 * `rxmesh serve` with a data directory of its own (`dataDir` to restart one), and what its hosts need: each host
 * pins the cluster key in a directory of its own, and `credential()` issues a gateway credential with the server's
 * cluster key, as an operator does with `rxmesh credential`.
 */
async function serve(args: string[] = [], dataDir = newDir()) {
  const server = start(['serve', '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, ...args]);
  const url = await until('the serve URL', 20_000, () => servingUrl(server));
  const credential = (name: string) => {
    const file = join(newDir(), 'host.cred');
    execFileSync(process.execPath, [bin, 'credential', '--data-dir', dataDir, '--name', name, '--out', file], {
      stdio: 'ignore',
    });
    return ['--credential', file];
  };
  return {
    server,
    url,
    dataDir,
    credential,
    host: (name: string, ...extra: string[]) => start(lightHostArgs(url, name, newDir(), ...extra)),
  };
}

/**
 * What the gateways of the demo-chain tests are told: a share every 2 s per miner instead of 15, so that a light
 * host's first accepted share comes in seconds. Every gateway gets it, since a host that takes over coordinates.
 */
const SHARES_EVERY_2_S = ['--share-seconds', '2'];

const tookOver = (lines: LogLine[]) =>
  lines.find((line) => line.event === 'coordinator' && line.self === true && (line.term ?? 0) >= 2);

describe('a cluster of rxmesh processes on loopback', () => {
  it('rxmesh serve and two gateway hosts get accepted shares on the demo chain, /api/stats lists them, and after a restart the server takes coordination back from the host that carried on', {
    // Above the sum of the steps' own bounds, so that a slow step names itself.
    timeout: 300_000,
  }, async () => {
    const { server, url, host, credential, dataDir } = await serve(SHARES_EVERY_2_S);
    const alpha = host('alpha', ...credential('alpha'), ...SHARES_EVERY_2_S);
    const beta = host('beta', ...credential('beta'), ...SHARES_EVERY_2_S);
    const stats = await until(
      'accepted shares from both hosts in /api/stats',
      90_000,
      async () => {
        const body = await clusterStatsAt(url);
        return body.peers === 3 && accepted(alpha.lines) > 0 && accepted(beta.lines) > 0 ? body : undefined;
      },
      250,
    );
    expect(stats.job?.source).toBe('demo');
    expect(stats.sharesAccepted).toBeGreaterThanOrEqual(2);

    // The embedded gateway coordinates, so it lists every member: the hosts hang right under it as its standbys,
    // each credited with the work of its accepted shares.
    const [gatewayId, alphaId, betaId] = [peerId(server.lines), peerId(alpha.lines), peerId(beta.lines)];
    expect(stats.view).toBe('coordinator');
    expect(stats.coordinator).toBe(gatewayId);
    const members = new Map(stats.members.map((member) => [member.id, member]));
    expect([...members.keys()].sort()).toEqual([gatewayId, alphaId, betaId].sort());
    expect(members.get(gatewayId ?? '')).toMatchObject({ name: 'gateway', role: 'gateway', parent: null });
    for (const [id, name] of [
      [alphaId, 'alpha'],
      [betaId, 'beta'],
    ]) {
      const member = members.get(id ?? '');
      expect(member).toMatchObject({ name, role: 'gateway', mode: 'light', parent: gatewayId });
      expect(member?.sharesAccepted).toBeGreaterThan(0);
      expect(BigInt(member?.creditedWork ?? '0')).toBeGreaterThan(0n);
    }
    const ranks = [members.get(alphaId ?? '')?.standbyRank, members.get(betaId ?? '')?.standbyRank];
    expect(ranks.sort()).toEqual([0, 1]);

    // The server goes down: a host carries the cluster on (it has no source of its own, so it mines what it
    // inherited). The server comes back on the same port with the same cluster key, and its gateway takes over again.
    server.child.kill('SIGKILL');
    const [successor] = await until('a host to take over', 30_000, () =>
      tookOver(alpha.lines) ? [alpha] : tookOver(beta.lines) ? [beta] : undefined,
    );
    const port = new URL(url).port;
    const restarted = start([
      'serve',
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      ...SHARES_EVERY_2_S,
    ]);
    // It may start a cluster of its own before it finds the host's; either way it ends up coordinating the one
    // cluster, at a later term than the host's.
    const hostTerm = tookOver(successor.lines)?.term ?? 0;
    const back = await until('the restarted server to coordinate', 60_000, () =>
      restarted.lines.find((line) => line.event === 'coordinator' && line.self === true && (line.term ?? 0) > hostTerm),
    );
    const after = Date.parse(back.time);
    const restartedId = peerId(restarted.lines);
    await until('both hosts to follow the server and get shares accepted', 60_000, () =>
      [alpha, beta].every(
        (h) =>
          h.lines.some((line) => line.event === 'coordinator' && line.self === false && line.term === back.term) &&
          accepted(h.lines, after) > 0,
      )
        ? true
        : undefined,
    );
    const final = await clusterStatsAt(url);
    expect(final).toMatchObject({ view: 'coordinator', coordinator: restartedId });
    for (const child of [alpha.child, beta.child, restarted.child]) child.kill('SIGTERM');
  });

  it('with a Stratum pool: forwards only shares that meet the pool target, encoded as the pool checks them, and re-keys for a new seed', {
    // Above the sum of the steps' own bounds, so that a slow step names itself.
    timeout: 300_000,
  }, async () => {
    const pool = await ScriptedPool.start();
    pools.push(pool);
    // A Monero-shaped 76-byte blob and a target of difficulty 100, the least the gateway takes (8 hex digits: the
    // top 32 bits, LE).
    const blob = `1010${'ab'.repeat(35)}00000000${'cd'.repeat(32)}01`;
    const target = Math.floor(2 ** 32 / 100)
      .toString(16)
      .padStart(8, '0')
      .match(/../g)
      ?.reverse()
      .join('');
    const seedHash = 'ee'.repeat(32);
    pool.job = { blob, job_id: 'job-1', target, seed_hash: seedHash, height: 3_000_000, algo: 'rx/0' };
    // In a room of its own: the host, given no --room, joins the one /api/cluster names.
    const { url, host } = await serve([
      '--source',
      `stratum+tcp://127.0.0.1:${pool.port}`,
      '--user',
      'wallet-7',
      '--room',
      'lab-12',
    ]);
    const prometheus = await startPrometheus([new URL(url).host]);
    prometheuses.push(prometheus);
    const login = await pool.nextMessage('login', 1, 20_000);
    expect(login.message.params).toMatchObject({
      login: 'wallet-7',
      pass: 'x',
      agent: expect.stringMatching(/^rxmesh/),
    });
    expect(login.message.params.algo).toContain('rx/0');
    const alpha = host('alpha', '--http-port', '0');
    await pool.until('three shares', () => pool.messages('submit').length >= 3, 90_000);

    // The pool moves to a new RandomX key: the host and the gateway's verifier re-key, and shares follow the new key.
    const nextSeedHash = 'dd'.repeat(32);
    const submittedBefore = pool.messages('submit').length;
    pool.pushJob({ blob, job_id: 'job-2', target, seed_hash: nextSeedHash, height: 3_000_001, algo: 'rx/0' });
    await pool.until(
      'two shares of the new job',
      () => pool.messages('submit').filter(({ message }) => message.params.job_id === 'job-2').length >= 2,
      90_000,
    );
    expect(alpha.lines.filter((line) => /new RandomX key ready/.test(line.msg)).length).toBeGreaterThanOrEqual(2);

    for (const [jobId, seed] of [
      ['job-1', seedHash],
      ['job-2', nextSeedHash],
    ] as const) {
      const hasher = createLightHasher(hexToBytes(seed));
      try {
        for (const { message } of pool.messages('submit').filter((entry) => entry.message.params.job_id === jobId)) {
          const { id, nonce, result } = message.params;
          expect(id).toBe('session-1');
          expect(nonce).toMatch(/^[0-9a-f]{8}$/);
          const hash = hasher.hash(
            withNonce(hexToBytes(blob), new DataView(hexToBytes(nonce).buffer).getUint32(0, true)),
          );
          expect(result).toBe(bytesToHex(hash));
          expect(meetsShareTarget(hash, parseStratumTarget(target ?? ''))).toBe(true);
        }
      } finally {
        hasher.release();
      }
    }
    expect(submittedBefore).toBeGreaterThanOrEqual(3);
    const stats = await clusterStatsAt(url);
    expect(stats.job).toMatchObject({ source: 'stratum', height: 3_000_001 });
    expect(stats.source).toMatchObject({ kind: 'stratum', connected: true, rejected: 0 });
    expect(stats.source?.accepted).toBeGreaterThanOrEqual(5);
    // Every pool share is a cluster share too (at this hashrate the cluster's share target is the pool's; the
    // coordinator tests show easier cluster shares staying inside).
    expect(stats.sharesAccepted).toBeGreaterThanOrEqual(pool.messages('submit').length);

    // The host's xmrig-style API, on loopback, as tools that watch xmrig rigs read it.
    const apiUrl = alpha.lines.map((line) => /xmrig-style HTTP API at (\S+)$/.exec(line.msg)?.[1]).find(Boolean);
    expect(apiUrl, alpha.lines.map((line) => line.msg).join('\n')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/2\/summary$/);
    const summary = await (await fetch(apiUrl as string)).json();
    expect(summary).toMatchObject({ kind: 'miner', worker_id: 'alpha', algo: 'rx/0', paused: false });
    expect(summary.hashrate.total[0]).toBeGreaterThan(0);
    expect(summary.results.shares_good).toBeGreaterThanOrEqual(3);
    expect(summary.results.hashes_total).toBeGreaterThan(0);
    expect(summary.connection.pool).toBe(new URL(url).host);

    // Every query of the shipped Grafana dashboard returns data from Prometheus, as Grafana would ask it.
    expect(await prometheus.targetsUp(), prometheus.output()).toBe(true);
    const dashboard = JSON.parse(readFileSync(new URL('../../../deploy/grafana/rxmesh.json', import.meta.url), 'utf8'));
    const expressions: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) =>
      panel.targets.map((target) => target.expr.replaceAll('$__rate_interval', '1m')),
    );
    expect(expressions.length).toBeGreaterThanOrEqual(10);
    for (const expression of expressions) {
      expect(await prometheus.query(expression), expression).not.toHaveLength(0);
    }
    // Scraped each second: Prometheus reaches the count /api/stats gave above.
    await until('Prometheus to hold the accepted shares /api/stats counted', 10_000, async () => {
      const [shares] = await prometheus.query('max(rxmesh_cluster_shares_total{result="accepted"})');
      return Number(shares?.value[1]) >= stats.sharesAccepted ? true : undefined;
    });
  });

  it('when the coordinating host is killed, another host takes over within 10 s and shares keep being accepted', {
    // Above the sum of the steps' own bounds, so that a slow step names itself.
    timeout: 300_000,
  }, async () => {
    const { host, credential } = await serve(['--no-gateway']);
    const gateway = host('gateway', '--source', 'demo', ...credential('gateway'), ...SHARES_EVERY_2_S);
    await until('the gateway to coordinate', 30_000, () =>
      gateway.lines.some((line) => line.event === 'coordinator' && line.self) ? true : undefined,
    );
    const alpha = host('alpha', ...credential('alpha'), ...SHARES_EVERY_2_S);
    const beta = host('beta', ...credential('beta'), ...SHARES_EVERY_2_S);
    await until('accepted shares from both hosts', 90_000, () =>
      accepted(alpha.lines) > 0 && accepted(beta.lines) > 0 ? true : undefined,
    );
    const killedAt = Date.now();
    gateway.child.kill('SIGKILL');
    const [successor, other] = await until('a host to take over', 30_000, () =>
      tookOver(alpha.lines) ? [alpha, beta] : tookOver(beta.lines) ? [beta, alpha] : undefined,
    );
    const since = Date.parse(tookOver(successor.lines)?.time ?? '');
    expect(since - killedAt).toBeLessThan(10_000);
    expect(tookOver(other.lines)).toBeUndefined();
    // The other host re-joins the new coordinator through signaling, and both get shares accepted again.
    await explained(
      until('accepted shares from both hosts after the takeover', 90_000, () =>
        accepted(alpha.lines, since) > 0 && accepted(beta.lines, since) > 0 ? true : undefined,
      ),
      { alpha, beta },
    );
  });
});

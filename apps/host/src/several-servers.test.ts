// Two `rxmesh serve --redis` behind Debian's nginx (WebSocket upgrade, no stickiness) on one real redis-server, on
// loopback: a light host and a Chromium tab connect through nginx, another host is given both servers' URLs, they land
// on both servers and form one cluster with both servers' gateways. The server whose gateway coordinates is killed
// with SIGKILL: the other server's gateway coordinates within 10 s, the miners carry on through it (the host with two
// URLs reconnects to the other), and every share a miner saw acknowledged is in the ledger in Redis.
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import { DEFAULT_COORDINATOR_SETTINGS } from '@rxmesh/core';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs';
import { type RedisServer, startRedis } from '../../signal/testing/redis.js';
import { mineUntilAccepted, tabAccepted } from '../testing/browser-tab.js';
import { until } from '../testing/hostile.js';
import { type Nginx, startNginx } from '../testing/nginx.js';
import {
  acceptedShares,
  clusterStatsAt,
  contributorIn,
  explained,
  lightHostArgs,
  peerIdOf,
  type RxmeshProcess,
  servingUrl,
  startRxmesh,
  stepClock,
  stopRxmesh,
} from '../testing/rxmesh-process.js';

const children: ChildProcess[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-servers-'));
let browser: Browser | undefined;
let redis: RedisServer | undefined;
let nginx: Nginx | undefined;
afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGKILL');
  await nginx?.stop();
  await redis?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

// Every wait below is bounded, so that a slow step names itself instead of running into the test's own timeout.
const step = stepClock();

const tookOver = (server: RxmeshProcess, after: number) =>
  server.lines.find((line) => line.event === 'coordinator' && line.self === true && Date.parse(line.time) >= after);

it('behind nginx, two servers on one Redis form one cluster of hosts and a tab; when the coordinating server dies the other coordinates within 10 s and no acknowledged share is lost', {
  // Above the sum of the steps' own bounds.
  timeout: 420_000,
}, async () => {
  redis = await startRedis();
  const redisUrl = redis.url;
  const serve = (dataDir: string) =>
    startRxmesh(
      [
        'serve',
        '--port',
        '0',
        '--bind',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--redis',
        redisUrl,
        '--share-seconds',
        '2',
      ],
      children,
    );
  // The servers of one cluster share its key: the operator copies it to each.
  const [dirA, dirB] = [join(scratch, 'a'), join(scratch, 'b')];
  const a = serve(dirA);
  const urlA = await until('the first serve URL', 20_000, () => servingUrl(a));
  mkdirSync(dirB);
  copyFileSync(join(dirA, 'cluster.key'), join(dirB, 'cluster.key'));
  const b = serve(dirB);
  const urlB = await until('the second serve URL', 20_000, () => servingUrl(b));
  const servers = [
    { process: a, url: urlA },
    { process: b, url: urlB },
  ];
  nginx = await startNginx(servers.map(({ url }) => Number(new URL(url).port)));
  step('two servers and nginx answer');
  const gateways = await until('both gateways in one cluster', 30_000, async () => {
    const seen = await Promise.all(servers.map(({ url }) => clusterStatsAt(url)));
    const coordinating = seen.find((view) => view.view === 'coordinator' && view.memberCount === 2);
    return coordinating === undefined ? undefined : seen;
  });
  expect(gateways.every((view) => view.signaling.servers === 2)).toBe(true);
  const coordinator = gateways.find((view) => view.view === 'coordinator')?.coordinator;
  const victim = servers.find(({ process }) => peerIdOf(process.lines) === coordinator);
  const survivor = servers.find((server) => server !== victim);
  if (victim === undefined || survivor === undefined) throw new Error('no server holds the coordinator');
  step('the gateways form one cluster');

  const hostDirs = { alpha: join(scratch, 'alpha'), beta: join(scratch, 'beta') };
  // alpha signals through the coordinating server first, and knows the other.
  const alphaArgs = lightHostArgs(victim.url, 'alpha', hostDirs.alpha, '--signal', survivor.url);
  const alpha = startRxmesh(alphaArgs, children);
  const beta = startRxmesh(lightHostArgs(nginx.url, 'beta', hostDirs.beta), children);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  const page = await browser.newPage();
  await page.goto(nginx.url);
  const logOf = (server: RxmeshProcess) => ({
    stderr: () => server.lines.map((line) => JSON.stringify(line)).join('\n'),
  });
  await mineUntilAccepted(page, 1, logOf(a));
  step('the tab has a share accepted');
  const before = await explained(
    until(
      'shares accepted from both hosts, with miners registered on both servers',
      90_000,
      async () => {
        const seen = await Promise.all(servers.map(({ url }) => clusterStatsAt(url)));
        // Each server holds its own gateway's socket, and at least one miner's.
        const landed = seen.every((view) => view.signaling.peers >= 2);
        return landed && acceptedShares(alpha.lines) > 0 && acceptedShares(beta.lines) > 0 ? seen : undefined;
      },
      250,
    ),
    { alpha, beta, a, b },
  );
  step('both hosts have shares accepted');
  const coordinating = before.find((view) => view.view === 'coordinator');
  expect(coordinating).toMatchObject({ coordinator, memberCount: 5 });
  expect(alpha.lines.some((line) => line.msg.includes(`on ${victim.url} as`))).toBe(true);

  const killedAt = Date.now();
  victim.process.child.kill('SIGKILL');
  const takeover = await explained(
    until('the other server to coordinate', 20_000, () => tookOver(survivor.process, killedAt)),
    { survivor: survivor.process },
  );
  const failoverMs = Date.parse(takeover.time) - killedAt;
  step(`the other server coordinates, ${failoverMs} ms after the kill`);
  expect(failoverMs).toBeLessThan(10_000);

  // The miners whose signaling was on the dead server come back through nginx to the other, and mine on.
  const tabBefore = await tabAccepted(page);
  const takenAt = Date.parse(takeover.time);
  await explained(
    until(
      'the hosts and the tab to get shares accepted by the new coordinator',
      90_000,
      async () =>
        acceptedShares(alpha.lines, takenAt) > 0 &&
        acceptedShares(beta.lines, takenAt) > 0 &&
        (await tabAccepted(page)) > tabBefore
          ? true
          : undefined,
      250,
    ),
    { alpha, beta, survivor: survivor.process },
  );
  step('the hosts and the tab have shares accepted by the new coordinator');
  expect(alpha.lines.some((line) => /signaling/i.test(line.msg) && line.msg.includes(survivor.url))).toBe(true);
  const after = await clusterStatsAt(nginx.url);
  expect(after).toMatchObject({ view: 'coordinator', signaling: { servers: 1 } });

  await page.getByTestId('stop').click();
  const acknowledged = {
    alpha: acceptedShares(alpha.lines),
    beta: acceptedShares(beta.lines),
    tab: await tabAccepted(page),
  };
  for (const miner of [alpha, beta]) miner.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await stopRxmesh('the surviving server', survivor.process);
  step('the miners and the surviving server have stopped');

  const reader = new Redis(redisUrl);
  try {
    const accounts = new Map(
      Object.entries(await reader.hgetall('rxmesh:ledger:accounts')).map(([id, text]) => [
        id,
        JSON.parse(text) as { name: string; accepted: number },
      ]),
    );
    const tabAccounts = [...accounts.values()].filter((account) => account.name.startsWith('Browser '));
    expect(tabAccounts).toHaveLength(1);
    const inLedger = {
      alpha: accounts.get(contributorIn(hostDirs.alpha))?.accepted ?? 0,
      beta: accounts.get(contributorIn(hostDirs.beta))?.accepted ?? 0,
      tab: tabAccounts[0]?.accepted ?? 0,
    };
    for (const miner of ['alpha', 'beta', 'tab'] as const) {
      expect(inLedger[miner], miner).toBeGreaterThanOrEqual(acknowledged[miner]);
      expect(inLedger[miner], miner).toBeLessThanOrEqual(
        acknowledged[miner] + DEFAULT_COORDINATOR_SETTINGS.maxPendingPerPeer,
      );
    }
  } finally {
    reader.disconnect();
  }
});

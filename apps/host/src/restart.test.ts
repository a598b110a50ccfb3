// The ledger through trouble, on loopback. A restart of `rxmesh serve` under a mining cluster: two worker hosts (no
// gateway credential, so nobody carries the cluster on while the server is down) and a tab in Debian's Chromium mine
// on the demo chain; the server is killed with SIGKILL and started again on the same data directory: everything the
// cluster knew comes back from its SQLite ledger, the miners re-join by themselves, and no share a miner saw
// acknowledged is missing from it. And a real redis-server holding the ledger, stopped and started under a cluster.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import { DEFAULT_COORDINATOR_SETTINGS } from '@rxmesh/core';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs';
import { startRedis } from '../../signal/testing/redis.js';
import { mineUntilAccepted, tabAccepted } from '../testing/browser-tab.js';
import { until } from '../testing/hostile.js';
import {
  acceptedShares,
  clusterStatsAt,
  contributorIn,
  explained,
  lightHostArgs,
  type RxmeshProcess,
  servingUrl,
  startRxmesh,
  stepClock,
  stopRxmesh,
} from '../testing/rxmesh-process.js';
import { LEDGER_FILE } from './ledger/sqlite-ledger.js';

const children: ChildProcess[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-restart-'));
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

const dataDir = join(scratch, 'server');
/** A share every 2 s per miner instead of 15, so that each miner's shares come in seconds. */
const serveArgs = (port: string) => [
  'serve',
  '--port',
  port,
  '--bind',
  '127.0.0.1',
  '--data-dir',
  dataDir,
  '--share-seconds',
  '2',
];

const serverLog = (server: RxmeshProcess) => ({
  stderr: () =>
    server.lines
      .slice(-8)
      .map((line) => JSON.stringify(line))
      .join('\n'),
});

it('after a SIGKILL and a start on the same data directory the ledger is back, the hosts and the tab re-join by themselves, and every share they saw acknowledged is in it', {
  // Every wait is bounded, and this is above the sum of their bounds: a slow step names itself.
  timeout: 550_000,
}, async () => {
  const step = stepClock();
  const first = startRxmesh(serveArgs('0'), children);
  const url = await until('the serve URL', 20_000, () => servingUrl(first));
  const hostDirs = { alpha: join(scratch, 'alpha'), beta: join(scratch, 'beta') };
  const host = (name: keyof typeof hostDirs) => startRxmesh(lightHostArgs(url, name, hostDirs[name]), children);
  const alpha = host('alpha');
  const beta = host('beta');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  const page = await browser.newPage();
  await page.goto(url);
  await mineUntilAccepted(page, 1, serverLog(first));
  step('the tab has a share accepted');
  const before = await explained(
    until(
      'accepted shares from both hosts, and a block',
      // A block is a lottery with a mean of 30 s on the demo chain: a 90 s bound would fail about one run in 20
      // (e^-3) with nothing wrong; 240 s, about one in 3000.
      240_000,
      async () => {
        const seen = await clusterStatsAt(url);
        return acceptedShares(alpha.lines) > 0 && acceptedShares(beta.lines) > 0 && seen.blocksFound > 0
          ? seen
          : undefined;
      },
      250,
    ),
    { alpha, beta, server: first },
  );

  step('both hosts have shares accepted, and a block is found');
  first.child.kill('SIGKILL');
  const server = startRxmesh(serveArgs(new URL(url).port), children);
  await until('the restarted server to listen', 20_000, () =>
    /serving /.test(server.stdout.join('')) ? true : undefined,
  );
  const opened = server.lines.find((line) => /^the ledger in /.test(line.msg));
  expect(opened?.msg).toMatch(new RegExp(`${before.blocksFound} blocks`));

  // The leaderboard, the credit and the blocks are back once the server's gateway coordinates again.
  const restored = await until(
    'the restarted gateway to coordinate',
    30_000,
    async () => {
      const seen = await clusterStatsAt(url);
      return seen.view === 'coordinator' ? seen : undefined;
    },
    250,
  );
  step('the restarted gateway coordinates');
  expect(restored.blocksFound).toBe(before.blocksFound);
  expect(restored.sharesAccepted).toBeGreaterThanOrEqual(before.sharesAccepted);
  expect(restored.blocks.map((block) => block.id)).toEqual(before.blocks.map((block) => block.id));
  // From here on only the restarted server answers: the old one's answers still on their way have arrived.
  const coordinatingAgainAt = Date.now();
  const tabBefore = await tabAccepted(page);

  // Nobody is told to re-join: the hosts and the tab do, and get shares accepted again.
  await explained(
    until(
      'the hosts and the tab to get shares accepted by the restarted server',
      90_000,
      async () =>
        acceptedShares(alpha.lines, coordinatingAgainAt) > 0 &&
        acceptedShares(beta.lines, coordinatingAgainAt) > 0 &&
        (await tabAccepted(page)) > tabBefore
          ? true
          : undefined,
      250,
    ),
    { alpha, beta, server },
  );
  step('the hosts and the tab have shares accepted by the restarted server');
  const after = await clusterStatsAt(url);
  const byName = new Map(after.members.map((member) => [member.name, member]));
  for (const name of ['alpha', 'beta']) {
    const earlier = before.members.find((member) => member.name === name);
    // Credit and counts carry on from before the restart.
    expect(byName.get(name)?.sharesAccepted).toBeGreaterThan(earlier?.sharesAccepted ?? 0);
    expect(BigInt(byName.get(name)?.creditedWork ?? '0')).toBeGreaterThan(BigInt(earlier?.creditedWork ?? '0'));
  }

  // Mining stops, the answers in flight arrive, and the server stops cleanly: then the ledger file is read.
  await page.getByTestId('stop').click();
  const acknowledged = {
    alpha: acceptedShares(alpha.lines),
    beta: acceptedShares(beta.lines),
    tab: await tabAccepted(page),
  };
  for (const miner of [alpha, beta]) miner.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await stopRxmesh('the restarted server', server);
  step('the miners and the server have stopped');

  const db = new Database(join(dataDir, LEDGER_FILE), { readonly: true });
  try {
    const account = db.prepare<[string], { name: string; accepted: number }>('SELECT * FROM accounts WHERE id = ?');
    const tabAccount = db
      .prepare<[], { accepted: number }>("SELECT accepted FROM accounts WHERE name LIKE 'Browser %'")
      .all();
    expect(tabAccount).toHaveLength(1);
    const inLedger = {
      alpha: account.get(contributorIn(hostDirs.alpha))?.accepted ?? 0,
      beta: account.get(contributorIn(hostDirs.beta))?.accepted ?? 0,
      tab: tabAccount[0]?.accepted ?? 0,
    };
    // Nothing acknowledged is lost. A share whose answer the kill cut off may be credited unacknowledged: at most as
    // many as a miner may have waiting on answers.
    for (const miner of ['alpha', 'beta', 'tab'] as const) {
      expect(inLedger[miner], miner).toBeGreaterThanOrEqual(acknowledged[miner]);
      expect(inLedger[miner], miner).toBeLessThanOrEqual(
        acknowledged[miner] + DEFAULT_COORDINATOR_SETTINGS.maxPendingPerPeer,
      );
    }
    const blocks = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM blocks').get()?.n ?? 0;
    expect(blocks).toBeGreaterThanOrEqual(after.blocksFound);
  } finally {
    db.close();
  }
});

it('with the ledger in Redis, a Redis stopped and started under the running cluster costs no crash and no acknowledged share', {
  // Above the sum of the steps' own bounds.
  timeout: 200_000,
}, async () => {
  const redis = await startRedis({ persist: true });
  try {
    const server = startRxmesh(
      [
        'serve',
        '--port',
        '0',
        '--bind',
        '127.0.0.1',
        '--data-dir',
        join(scratch, 'redis-server'),
        '--share-seconds',
        '2',
        '--redis',
        redis.url,
      ],
      children,
    );
    const url = await until('the serve URL', 20_000, () => servingUrl(server));
    const miner = startRxmesh(lightHostArgs(url, 'gamma', join(scratch, 'gamma')), children);
    await explained(
      until('an accepted share', 60_000, () => (acceptedShares(miner.lines) > 0 ? true : undefined), 250),
      { miner, server },
    );

    await redis.stop();
    const stoppedAt = Date.now();
    // The server goes on serving its own sockets, and says when it tries Redis again.
    await until('the server to say when it tries Redis again', 10_000, () =>
      server.lines.some((line) => line.event === 'redisRetry') ? true : undefined,
    );
    expect((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).ok).toBe(true);
    expect((await clusterStatsAt(url)).view).toBe('coordinator');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await redis.start();
    const backAt = Date.now();
    await explained(
      until('shares accepted once Redis is back', 60_000, () =>
        acceptedShares(miner.lines, backAt) > 0 ? true : undefined,
      ),
      { miner, server },
    );
    // Shares found while Redis was away were accepted once it came back, not before: nothing was acknowledged that
    // the ledger had not stored. (Refusals need no record first, and go out at once.)
    const answeredWhileAway = miner.lines.filter((line) => {
      const at = Date.parse(line.time);
      return line.event === 'share' && line.accepted === true && at > stoppedAt + 500 && at < backAt;
    });
    expect(answeredWhileAway).toEqual([]);
    expect(server.child.exitCode).toBeNull();

    miner.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const acknowledged = acceptedShares(miner.lines);
    const contributor = contributorIn(join(scratch, 'gamma'));
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const account = JSON.parse((await client.hget('rxmesh:ledger:accounts', contributor)) ?? '{}') as {
        accepted?: number;
      };
      expect(account.accepted ?? 0).toBeGreaterThanOrEqual(acknowledged);
    } finally {
      client.disconnect();
    }
    server.child.kill('SIGTERM');
  } finally {
    await redis.remove();
  }
});

// @ts-check
// Durable ledger writes per second against the gateway's share-verification rate, measured in the same run. A
// coordinator writes one batch per event, so the worst case is one share per batch: that is what is timed, for the
// SQLite file (`rxmesh serve`'s default) and for a real redis-server on loopback (`--redis`). The verification rate
// is librandomx light mode on one thread (what a light gateway's ShareVerifier computes per share), and the ledger
// should keep at least 10x ahead of it. Run after `npm run build`:
//   node scripts/bench-ledger.mjs [--seconds N]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldLedger } from '@rxmesh/core';
import { repoRoot, verificationsPerSecond } from './lib/bench-harness.mjs';
import { testingTool } from './lib/testing-tools.mjs';

const at = process.argv.indexOf('--seconds');
const seconds = at > 0 ? Number(process.argv[at + 1]) : 3;
const peer = 'a'.repeat(52);

/** Batches of one share each, written one after another for `seconds`; answers writes per second. */
async function writesPerSecond(/** @type {{ write(batch: any): Promise<void> }} */ ledger) {
  let nonce = 0;
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    const share = { e: 'share', peer, account: peer, name: 'bench', jobId: 'j', nonce: nonce++, work: '1000' };
    await ledger.write(foldLedger([/** @type {any} */ (share)], 1));
  }
  return nonce / ((performance.now() - began) / 1000);
}

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-bench-ledger-'));
const silent = { info() {}, warn() {}, error() {} };
try {
  const { SqliteLedger } = await import(join(repoRoot, 'apps/host/dist/ledger/sqlite-ledger.js'));
  const { RedisLedger } = await import(join(repoRoot, 'apps/host/dist/ledger/redis-ledger.js'));
  /** @type {typeof import('../apps/signal/testing/redis.js')} */
  const { startRedis } = await import(await testingTool('signal/testing/redis.js'));

  const verifications = await verificationsPerSecond('native', seconds);
  const sqlite = SqliteLedger.open(join(scratch, 'ledger.sqlite'));
  const sqliteRate = await writesPerSecond(sqlite);
  await sqlite.close();
  const redis = await startRedis({ persist: true });
  let redisRate = 0;
  try {
    const ledger = await RedisLedger.open(redis.url, silent);
    redisRate = await writesPerSecond(ledger);
    await ledger.close();
  } finally {
    await redis.remove();
  }
  const report = {
    seconds,
    verificationsPerSecond: verifications,
    sqlite: { writesPerSecond: sqliteRate, headroom: sqliteRate / verifications },
    redis: { writesPerSecond: redisRate, headroom: redisRate / verifications },
  };
  console.log(`share verification (librandomx light, 1 thread): ${verifications.toFixed(0)}/s`);
  /** @type {[string, { writesPerSecond: number, headroom: number }][]} */
  const stores = [
    ['SQLite (WAL, synchronous=NORMAL)', report.sqlite],
    ['Redis (appendonly, MULTI/EXEC)', report.redis],
  ];
  for (const [name, { writesPerSecond: rate, headroom }] of stores) {
    console.log(`${name}: ${rate.toFixed(0)} one-share batches/s, ${headroom.toFixed(1)}x the verification rate`);
  }
  const out = join(repoRoot, 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'bench-ledger.json'), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

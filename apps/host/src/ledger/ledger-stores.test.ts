// The durable ledger's two stores, on a real SQLite file and a real redis-server: what a store writes comes back
// after a reopen as the replicated state holds it. The SQLite file migrates forward and, when it cannot be read, stops
// the start with a sentence and is left untouched; Redis that goes away fails writes at once, says when it is tried
// again, and takes them again when it is back.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldLedger, type ReplicaEntry } from '@rxmesh/core';
import type { DurableLedger } from '@rxmesh/mesh';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerOf } from '../../../../packages/core/src/cluster/ledger.js';
import { ReplicatedState } from '../../../../packages/core/src/cluster/replica.js';
import { fakeId } from '../../../../packages/core/testing/keys.js';
import { type RedisServer, startRedis } from '../../../signal/testing/redis.js';
import { until } from '../../testing/hostile.js';
import { recordingLog } from '../../testing/recording-log.js';
import { CliError } from '../errors.js';
import { RedisLedger } from './redis-ledger.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { LEDGER_MIGRATIONS } from './sqlite-schema.js';

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-ledger-'));
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ persist: true });
});
afterAll(async () => {
  await redis?.remove();
  rmSync(scratch, { recursive: true, force: true });
});
let files = 0;
const newPath = () => join(scratch, `ledger-${files++}.sqlite`);

const block = (height: number, finder = fakeId(1)): ReplicaEntry => ({
  e: 'block',
  block: {
    height,
    id: height.toString(16).padStart(64, 'a'),
    prevId: '0'.repeat(64),
    timestamp: 1_700_000_000 + height,
    difficulty: '340282366920938463463374607431768211456',
    seedHash: '1'.repeat(64),
    nonce: height * 7,
    finderId: finder,
    finderName: 'ada',
  },
});

/**
 * A store that can be opened again on the same data, `now` deciding which bans still hold; `verdicts` reads the
 * source's verdicts as the store keeps them (nothing reads them back into the cluster).
 */
interface StoreKind {
  name: string;
  place(): string;
  open(place: string, now: number): Promise<DurableLedger & { close(): Promise<void> }>;
  verdicts(place: string): Promise<unknown[]>;
}

const stores: StoreKind[] = [
  {
    name: 'SQLite',
    place: newPath,
    open: async (path, now) => SqliteLedger.open(path, now),
    verdicts: async (path) => {
      const db = new Database(path, { readonly: true });
      try {
        return db
          .prepare<[], Record<string, unknown>>('SELECT * FROM verdicts ORDER BY rowid')
          .all()
          .map((row) => ({
            at: row.at,
            source: row.source,
            height: row.height,
            nonce: row.nonce,
            finderId: row.finder_id,
            finderName: row.finder_name,
            accepted: row.accepted === 1,
            ...(row.reason === null ? {} : { reason: row.reason }),
          }));
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'Redis',
    place: () => `rxmesh-test-${files++}:`,
    open: (prefix, now) => RedisLedger.open(redis.url, recordingLog(), { prefix, now }),
    verdicts: async (prefix) => {
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      try {
        return (await client.lrange(`${prefix}verdicts`, 0, -1)).map((text) => JSON.parse(text) as unknown);
      } finally {
        client.disconnect();
      }
    },
  },
];

const refused: ReplicaEntry = {
  e: 'verdict',
  source: 'daemon',
  height: 7,
  nonce: 9,
  finderId: fakeId(1),
  finderName: 'ada',
  accepted: false,
  reason: 'monerod said: block not accepted',
  at: 1_000,
};
const acceptedShare: ReplicaEntry = { ...refused, source: 'stratum', accepted: true, at: 2_000 };
delete (acceptedShare as { reason?: string }).reason;

describe.each(stores)('the $name ledger', (kind) => {
  it('gives back after a reopen what its batches wrote, as the replicated state holds it', async () => {
    const place = kind.place();
    const batches: ReplicaEntry[][] = [
      [
        {
          e: 'share',
          peer: fakeId(1),
          account: fakeId(9),
          name: 'ada',
          jobId: 'j',
          nonce: 1,
          work: '99999999999999999999',
        },
        { e: 'share', peer: fakeId(1), account: fakeId(9), name: 'ada', jobId: 'j', nonce: 2, work: '1' },
        { e: 'reject', peer: fakeId(2), name: 'bob' },
      ],
      [block(1), { e: 'ban', peer: fakeId(2), until: 9_000 }, { e: 'ban', peer: fakeId(3), until: 1_000 }, refused],
      [
        { e: 'forget', peer: fakeId(2) },
        { e: 'share', peer: fakeId(4), name: 'cy', jobId: 'j', nonce: 3, work: '5' },
      ],
      [{ e: 'clearAccounts' }, { e: 'share', peer: fakeId(5), name: 'di', jobId: 'k', nonce: 4, work: '6' }, block(2)],
      [{ e: 'share', peer: fakeId(5), name: 'dee', jobId: 'k', nonce: 5, work: '7' }, acceptedShare],
    ];
    const state = new ReplicatedState();
    const ledger = await kind.open(place, 0);
    expect(ledger.stored).toEqual({ term: 0, entries: [{ e: 'totals', accepted: 0, rejected: 0, blocks: 0 }] });
    for (const [term, entries] of batches.entries()) {
      for (const entry of entries) state.apply(entry);
      await ledger.write(foldLedger(entries, term + 3));
    }
    await ledger.close();

    // At time 5,000 the ban until 1,000 has run out; the one until 9,000 holds.
    const reopened = await kind.open(place, 5_000);
    expect(reopened.stored.term).toBe(7);
    const restored = new ReplicatedState();
    for (const entry of reopened.stored.entries) restored.apply(entry);
    expect(restored.accounts).toEqual(state.accounts);
    expect(restored.accounts.get(fakeId(5))).toEqual({ name: 'dee', work: 13n, accepted: 2, rejected: 0 });
    expect(restored.blocks).toEqual(state.blocks);
    expect([restored.sharesAccepted, restored.sharesRejected, restored.blocksFound]).toEqual([5, 1, 2]);
    expect([...restored.banned]).toEqual([[fakeId(2), 9_000]]);
    // Restating a whole ledger (as a coordinator does when its term starts) leaves the same ledger.
    await reopened.write(foldLedger([{ e: 'clearAccounts' }, ...ledgerOf(state)], 8));
    await reopened.close();
    const again = await kind.open(place, 5_000);
    const rebuilt = new ReplicatedState();
    for (const entry of again.stored.entries) rebuilt.apply(entry);
    expect(rebuilt.accounts).toEqual(state.accounts);
    expect(rebuilt.blocks).toEqual(state.blocks);
    expect(rebuilt.blocksFound).toBe(2);
    await again.close();
    // Every verdict of the source, in order, with the refusal's reason.
    const { e: _refused, ...refusedRecord } = refused as Extract<ReplicaEntry, { e: 'verdict' }>;
    const { e: _accepted, ...acceptedRecord } = acceptedShare as Extract<ReplicaEntry, { e: 'verdict' }>;
    expect(await kind.verdicts(place)).toEqual([refusedRecord, acceptedRecord]);
  });
});

describe('the SQLite ledger', () => {
  it('migrates a file of an older schema forward, and refuses one written by a later release', async () => {
    const older = newPath();
    const db = new Database(older);
    db.exec(LEDGER_MIGRATIONS[0] ?? '');
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO accounts VALUES ('x', 'ada', '12', 1, 0)").run();
    db.close();
    const ledger = SqliteLedger.open(older);
    expect(ledger.stored.entries).toContainEqual({
      e: 'account',
      peer: 'x',
      name: 'ada',
      work: '12',
      accepted: 1,
      rejected: 0,
    });
    await ledger.close();
    // The later migrations ran: the file is at the newest version, with the verdicts table they add.
    const migrated = new Database(older, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(LEDGER_MIGRATIONS.length);
    expect(migrated.prepare('SELECT count(*) AS n FROM verdicts').get()).toEqual({ n: 0 });
    migrated.close();

    const newer = newPath();
    const later = new Database(newer);
    later.pragma(`user_version = ${LEDGER_MIGRATIONS.length + 1}`);
    later.close();
    expect(() => SqliteLedger.open(newer)).toThrow(/newer than this rxmesh knows.*written by a later release/);
  });

  it('stops with a sentence that names a file it cannot read, and leaves the file as it was', () => {
    const path = newPath();
    const garbage = randomBytes(8192);
    writeFileSync(path, garbage);
    let thrown: unknown;
    try {
      SqliteLedger.open(path);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as Error).message).toContain(path);
    expect((thrown as Error).message).toMatch(/cannot be read.*restore it from a backup, or move it aside/);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });
});

describe('the Redis ledger', () => {
  it('fails writes at once while Redis is away, says when it tries again, and writes again once it is back', async () => {
    const log = recordingLog();
    const prefix = `rxmesh-test-${files++}:`;
    const ledger = await RedisLedger.open(redis.url, log, { prefix });
    const share = (nonce: number): ReplicaEntry => ({
      e: 'share',
      peer: fakeId(1),
      name: 'ada',
      jobId: 'j',
      nonce,
      work: '10',
    });
    await ledger.write(foldLedger([share(1)], 1));
    await redis.stop();
    const failedAt = Date.now();
    await expect(ledger.write(foldLedger([share(2)], 1))).rejects.toThrow();
    expect(Date.now() - failedAt).toBeLessThan(1_000);
    await until(
      'the retry to be logged',
      10_000,
      () => log.lines.some((line) => /is unreachable \(.*\); trying again in \d+ ms\./.test(line.message)) || undefined,
    );
    await redis.start();
    await until(
      'Redis to be back',
      10_000,
      () => log.lines.some((line) => /is back; the ledger is written there again/.test(line.message)) || undefined,
    );
    await ledger.write(foldLedger([share(2)], 1));
    await ledger.close();
    const reopened = await RedisLedger.open(redis.url, recordingLog(), { prefix });
    expect(reopened.stored.entries).toContainEqual({
      e: 'account',
      peer: fakeId(1),
      name: 'ada',
      work: '20',
      accepted: 2,
      rejected: 0,
    });
    await reopened.close();
  }, 30_000);

  it('stops the start with a sentence when nothing answers at the URL', async () => {
    const closed = await startRedis();
    const { url } = closed;
    await closed.remove();
    const log = recordingLog();
    await expect(RedisLedger.open(url, log)).rejects.toThrow(
      new RegExp(`Could not reach Redis at ${url}/? \\(.*\\): start it, or check the URL given to --redis\\.`),
    );
  }, 20_000);

  it('refuses a ledger whose layout a later release wrote', async () => {
    const prefix = `rxmesh-test-${files++}:`;
    const first = await RedisLedger.open(redis.url, recordingLog(), { prefix });
    await first.close();
    const { Redis } = await import('ioredis');
    const raw = new Redis(redis.url);
    await raw.hset(`${prefix}meta`, 'schema', 99);
    raw.disconnect();
    await expect(RedisLedger.open(redis.url, recordingLog(), { prefix })).rejects.toThrow(
      /layout version 99, newer than this rxmesh knows/,
    );
  });
});

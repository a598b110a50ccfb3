// The durable ledger in Redis (ioredis), for `rxmesh serve --redis URL`: every server's gateway reads and writes the
// same one, so whichever coordinates carries it on. A batch is one MULTI/EXEC transaction, under WATCH of the
// accounts it adds to: work outgrows 64-bit integers, so it is read, added in JavaScript and written back, and a
// write that raced another is tried again. While Redis is away, writes fail at once (the coordinator's answers wait
// and the runner retries); the client reconnects with backoff and says when it will try next.
import {
  changedAccount,
  type LedgerBatch,
  type StoredAccount,
  type StoredLedger,
  storedLedgerOf,
  type WireBlock,
} from '@rxmesh/core';
import type { DurableLedger, Log } from '@rxmesh/mesh';
import { connectRedis, RedisUnreachableError, redactedRedisUrl } from '@rxmesh/signal';
import type { Redis } from 'ioredis';
import { CliError } from '../errors.js';

/** The layout of the keys below; a later layout migrates forward from this number. */
const SCHEMA_VERSION = 1;
/** Attempts at a batch whose accounts another writer changed meanwhile. */
const WATCH_ATTEMPTS = 8;

const keys = (prefix: string) => ({
  meta: `${prefix}meta`,
  accounts: `${prefix}accounts`,
  totals: `${prefix}totals`,
  blocks: `${prefix}blocks`,
  bans: `${prefix}bans`,
  verdicts: `${prefix}verdicts`,
});

export class RedisLedger implements DurableLedger {
  private constructor(
    private readonly redis: Redis,
    private readonly names: ReturnType<typeof keys>,
    readonly where: string,
    readonly stored: StoredLedger,
  ) {}

  /** Connects to `url`, checks the layout version and reads the ledger; a sentence if Redis cannot be reached. */
  static async open(url: string, log: Log, options: { prefix?: string; now?: number } = {}): Promise<RedisLedger> {
    const where = `Redis at ${redactedRedisUrl(url)}`;
    const redis = await connectRedis(url, log, 'the ledger is written there again').catch((error: unknown) => {
      throw error instanceof RedisUnreachableError ? new CliError(error.message) : error;
    });
    try {
      const names = keys(options.prefix ?? 'rxmesh:ledger:');
      await checkVersion(redis, names, where);
      return new RedisLedger(redis, names, where, await read(redis, names, options.now ?? Date.now()));
    } catch (error) {
      redis.disconnect();
      if (error instanceof CliError) throw error;
      throw new CliError(
        `Could not read the ledger in ${where} (${(error as Error).message}): check the URL given to --redis.`,
      );
    }
  }

  async write(batch: LedgerBatch): Promise<void> {
    const { redis, names } = this;
    for (let attempt = 1; attempt <= WATCH_ATTEMPTS; attempt++) {
      const changed = [...batch.accounts.keys()];
      if (changed.length > 0) await redis.watch(names.accounts);
      const old = changed.length > 0 ? await redis.hmget(names.accounts, ...changed) : [];
      const multi = redis.multi();
      multi.hset(names.meta, 'term', String(batch.term));
      if (batch.clearAccounts) multi.del(names.accounts);
      if (batch.forget.size > 0) multi.hdel(names.accounts, ...batch.forget);
      changed.forEach((id, index) => {
        const change = batch.accounts.get(id);
        if (change === undefined) return;
        const known = batch.clearAccounts || batch.forget.has(id) ? undefined : parseAccount(old[index]);
        multi.hset(names.accounts, id, JSON.stringify(changedAccount(known, change)));
      });
      const { totals } = batch;
      for (const field of ['accepted', 'rejected', 'blocks'] as const) {
        if (totals.absolute) multi.hset(names.totals, field, totals[field]);
        else if (totals[field] !== 0) multi.hincrby(names.totals, field, totals[field]);
      }
      for (const block of batch.blocks) multi.hsetnx(names.blocks, block.id, JSON.stringify(block));
      if (batch.verdicts.length > 0) {
        multi.rpush(names.verdicts, ...batch.verdicts.map((verdict) => JSON.stringify(verdict)));
      }
      for (const [peer, until] of batch.bans) multi.hset(names.bans, peer, until);
      // EXEC answers null when a watched key changed: read again and redo.
      if ((await multi.exec()) !== null) return;
    }
    throw new Error(`the accounts kept changing under this write ${WATCH_ATTEMPTS} times over`);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

async function checkVersion(redis: Redis, names: ReturnType<typeof keys>, where: string): Promise<void> {
  const version = Number((await redis.hget(names.meta, 'schema')) ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new CliError(
      `The ledger in ${where} has layout version ${version}, newer than this rxmesh knows (${SCHEMA_VERSION}): it ` +
        'was written by a later release. Run that release, or a newer one.',
    );
  }
  if (version < SCHEMA_VERSION) await redis.hset(names.meta, 'schema', SCHEMA_VERSION);
}

function parseAccount(text: string | null | undefined): StoredAccount | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as StoredAccount);
}

/** The ledger as entries; bans that ran out are left behind. */
async function read(redis: Redis, names: ReturnType<typeof keys>, now: number): Promise<StoredLedger> {
  const [meta, accounts, totals, blocks, bans] = await Promise.all([
    redis.hgetall(names.meta),
    redis.hgetall(names.accounts),
    redis.hgetall(names.totals),
    redis.hgetall(names.blocks),
    redis.hgetall(names.bans),
  ]);
  return storedLedgerOf(
    {
      term: Number(meta.term ?? 0),
      blocks: Object.values(blocks).map((text) => JSON.parse(text) as WireBlock),
      bans: Object.entries(bans).map(([peer, until]) => [peer, Number(until)] as const),
      accounts: Object.entries(accounts).map(([peer, text]) => [peer, JSON.parse(text) as StoredAccount] as const),
      totals: Object.fromEntries(Object.entries(totals).map(([key, value]) => [key, Number(value)])),
    },
    now,
  );
}

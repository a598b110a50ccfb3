// The durable ledger in an SQLite file of the data directory (better-sqlite3): the embedded default of `rxmesh serve`.
// Each batch is one transaction. The journal is a write-ahead log with synchronous=NORMAL: a write is on disk once
// the process has handed it to the kernel, so a killed server loses nothing it acknowledged; a power cut may lose
// the last transactions.
import { changedAccount, type LedgerBatch, type StoredAccount, type StoredLedger, storedLedgerOf } from '@rxmesh/core';
import type { DurableLedger } from '@rxmesh/mesh';
import Database from 'better-sqlite3';
import { CliError } from '../errors.js';
import { LEDGER_MIGRATIONS } from './sqlite-schema.js';

/** The ledger's file in the data directory. */
export const LEDGER_FILE = 'ledger.sqlite';

interface AccountRow extends StoredAccount {
  id: string;
}

interface BlockRow {
  id: string;
  height: number;
  prev_id: string;
  timestamp: number;
  difficulty: string;
  seed_hash: string;
  nonce: number;
  finder_id: string;
  finder_name: string;
}

export class SqliteLedger implements DurableLedger {
  private readonly writeBatch: (batch: LedgerBatch) => void;

  private constructor(
    private readonly db: Database.Database,
    readonly where: string,
    readonly stored: StoredLedger,
  ) {
    const term = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('term', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const clearAccounts = db.prepare('DELETE FROM accounts');
    const forget = db.prepare('DELETE FROM accounts WHERE id = ?');
    const findAccount = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?');
    const putAccount = db.prepare(
      'INSERT INTO accounts (id, name, work, accepted, rejected) VALUES (@id, @name, @work, @accepted, @rejected) ' +
        'ON CONFLICT (id) DO UPDATE SET name = excluded.name, work = excluded.work, accepted = excluded.accepted, ' +
        'rejected = excluded.rejected',
    );
    const upsertTotal = 'INSERT INTO totals (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value =';
    const setTotal = db.prepare(`${upsertTotal} excluded.value`);
    const addTotal = db.prepare(`${upsertTotal} value + excluded.value`);
    const addBlock = db.prepare(
      'INSERT OR IGNORE INTO blocks (id, height, prev_id, timestamp, difficulty, seed_hash, nonce, finder_id, ' +
        'finder_name) VALUES (@id, @height, @prevId, @timestamp, @difficulty, @seedHash, @nonce, @finderId, @finderName)',
    );
    const addVerdict = db.prepare(
      'INSERT INTO verdicts (at, source, height, nonce, finder_id, finder_name, accepted, reason) ' +
        'VALUES (@at, @source, @height, @nonce, @finderId, @finderName, @accepted, @reason)',
    );
    const ban = db.prepare(
      'INSERT INTO bans (peer, until) VALUES (?, ?) ON CONFLICT (peer) DO UPDATE SET until = excluded.until',
    );
    this.writeBatch = db.transaction((batch: LedgerBatch) => {
      term.run(String(batch.term));
      if (batch.clearAccounts) clearAccounts.run();
      for (const id of batch.forget) forget.run(id);
      for (const [id, change] of batch.accounts) {
        putAccount.run({ id, ...changedAccount(change.absolute ? undefined : findAccount.get(id), change) });
      }
      const { totals } = batch;
      const total = totals.absolute ? setTotal : addTotal;
      total.run('accepted', totals.accepted);
      total.run('rejected', totals.rejected);
      total.run('blocks', totals.blocks);
      for (const block of batch.blocks) addBlock.run(block);
      for (const verdict of batch.verdicts) {
        addVerdict.run({ ...verdict, accepted: verdict.accepted ? 1 : 0, reason: verdict.reason ?? null });
      }
      for (const [peer, until] of batch.bans) ban.run(peer, until);
    });
  }

  /**
   * Opens (or makes) the ledger at `path`, migrates it forward and reads it. A file that is not a readable ledger
   * stops the start with a sentence that names it; it is never replaced.
   */
  static open(path: string, now = Date.now()): SqliteLedger {
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`its integrity check says: ${String(check)}`);
      migrate(db, path);
      return new SqliteLedger(db, path, read(db, now));
    } catch (error) {
      db?.close();
      if (error instanceof CliError) throw error;
      throw new CliError(
        `The ledger ${path} cannot be read (${(error as Error).message}). rxmesh leaves it as it is: restore it from ` +
          'a backup, or move it aside to start a new ledger, then start again.',
      );
    }
  }

  async write(batch: LedgerBatch): Promise<void> {
    this.writeBatch(batch);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Brings the file to the newest schema, one version at a time, each in its own transaction. */
function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > LEDGER_MIGRATIONS.length) {
    throw new CliError(
      `The ledger ${path} has schema version ${version}, newer than this rxmesh knows (${LEDGER_MIGRATIONS.length}): ` +
        'it was written by a later release. Run that release, or a newer one.',
    );
  }
  for (const [index, statements] of LEDGER_MIGRATIONS.entries()) {
    if (index < version) continue;
    db.transaction(() => {
      db.exec(statements);
      db.pragma(`user_version = ${index + 1}`);
    })();
  }
}

/** The ledger as entries; bans that ran out are left behind. */
function read(db: Database.Database, now: number): StoredLedger {
  const blocks = db.prepare<[], BlockRow>('SELECT * FROM blocks ORDER BY height, rowid').all();
  const totals = db.prepare<[], { key: string; value: number }>('SELECT key, value FROM totals').all();
  const term = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'term'").get();
  return storedLedgerOf(
    {
      term: Number(term?.value ?? 0),
      blocks: blocks.map((row) => ({
        id: row.id,
        height: row.height,
        prevId: row.prev_id,
        timestamp: row.timestamp,
        difficulty: row.difficulty,
        seedHash: row.seed_hash,
        nonce: row.nonce,
        finderId: row.finder_id,
        finderName: row.finder_name,
      })),
      bans: db
        .prepare<[number], { peer: string; until: number }>('SELECT * FROM bans WHERE until > ? ORDER BY rowid')
        .all(now)
        .map(({ peer, until }) => [peer, until] as const),
      accounts: db
        .prepare<[], AccountRow>('SELECT * FROM accounts')
        .all()
        .map(({ id, ...account }) => [id, account] as const),
      totals: Object.fromEntries(totals.map(({ key, value }) => [key, value])),
    },
    now,
  );
}

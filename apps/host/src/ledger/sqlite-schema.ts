// The SQLite ledger's schema, as the migrations that build it: migration N takes a file from user_version N to N + 1.
// A released migration is never edited; a change to the schema is a new one at the end.

export const LEDGER_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  -- Credited work per contributor id (a decimal string: it outgrows 64 bits), and its share counts.
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    work TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL
  );
  -- The cluster's shares accepted and refused, and blocks found, over its whole life.
  CREATE TABLE totals (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  -- Blocks the source accepted, with their finders.
  CREATE TABLE blocks (
    id TEXT PRIMARY KEY,
    height INTEGER NOT NULL,
    prev_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    difficulty TEXT NOT NULL,
    seed_hash TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    finder_id TEXT NOT NULL,
    finder_name TEXT NOT NULL
  );
  CREATE TABLE bans (peer TEXT PRIMARY KEY, until INTEGER NOT NULL);
  `,
  `
  -- Every candidate an external source answered (a block for monerod, a share for a pool), in order.
  CREATE TABLE verdicts (
    at INTEGER NOT NULL,
    source TEXT NOT NULL,
    height INTEGER NOT NULL,
    nonce INTEGER NOT NULL,
    finder_id TEXT NOT NULL,
    finder_name TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    reason TEXT
  );
  `,
];

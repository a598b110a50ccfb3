// The durable part of the coordinator's replicated state: what contributors are credited with, the cluster's share
// and block counts, the blocks found, the external source's verdicts and the bans. A gateway with a store writes it as the coordinator records it,
// folded into one batch per event, and a coordinator that starts with nothing replicated starts from what the store
// kept. Jobs, leases and members are not in it: they are worth nothing after a restart.
import type { ReplicatedState } from './replica.js';
import { blockToWire, type ReplicaEntry, type WireBlock } from './wire.js';

/** What the store holds, restated as entries that rebuild it in a ReplicatedState. */
export type LedgerEntry = Extract<ReplicaEntry, { e: 'block' | 'ban' | 'account' | 'totals' }>;

/** What a gateway's store kept: the latest term a coordinator wrote under, and the ledger. */
export interface StoredLedger {
  term: number;
  entries: LedgerEntry[];
}

export interface AccountChange {
  name: string;
  work: bigint;
  accepted: number;
  rejected: number;
  /** The values replace the stored ones; otherwise they are added to them (a missing account starts at zero). */
  absolute: boolean;
}

/** An external source's answer to a candidate, as the store keeps it. */
export type SourceVerdictRecord = Omit<Extract<ReplicaEntry, { e: 'verdict' }>, 'e'>;

export interface TotalsChange {
  accepted: number;
  rejected: number;
  blocks: number;
  absolute: boolean;
}

/**
 * The ledger changes of a run of entries, applied by a store in this order: clear every account, delete the
 * forgotten ones, write the account changes, then the totals, the blocks (once each, by id), the verdicts and the
 * bans.
 */
export interface LedgerBatch {
  term: number;
  clearAccounts: boolean;
  forget: Set<string>;
  accounts: Map<string, AccountChange>;
  totals: TotalsChange;
  blocks: WireBlock[];
  /** Appended: a store keeps every verdict, in order. */
  verdicts: SourceVerdictRecord[];
  bans: Map<string, number>;
}

/** A contributor's record as a store keeps it; work as a decimal string, since it outgrows 64-bit integers. */
export interface StoredAccount {
  name: string;
  work: string;
  accepted: number;
  rejected: number;
}

/** What a store keeps for an account after `change`, given what it kept before (nothing, for a new one). */
export function changedAccount(old: StoredAccount | undefined, change: AccountChange): StoredAccount {
  const base = change.absolute ? undefined : old;
  return {
    name: change.name,
    work: ((base === undefined ? 0n : BigInt(base.work)) + change.work).toString(),
    accepted: (base?.accepted ?? 0) + change.accepted,
    rejected: (base?.rejected ?? 0) + change.rejected,
  };
}

/** What a store read back, before it is restated as entries. */
export interface LedgerRecords {
  term: number;
  blocks: WireBlock[];
  bans: Iterable<readonly [string, number]>;
  accounts: Iterable<readonly [string, StoredAccount]>;
  /** A count the store has not kept yet is 0. */
  totals: Partial<Record<'accepted' | 'rejected' | 'blocks', number>>;
}

/** A store's records as a StoredLedger: blocks by height, the bans still in force at `now`, accounts, totals. */
export function storedLedgerOf(records: LedgerRecords, now: number): StoredLedger {
  const entries: LedgerEntry[] = [];
  for (const block of [...records.blocks].sort((a, b) => a.height - b.height)) entries.push({ e: 'block', block });
  for (const [peer, until] of records.bans) if (until > now) entries.push({ e: 'ban', peer, until });
  for (const [peer, account] of records.accounts) entries.push({ e: 'account', peer, ...account });
  const { accepted = 0, rejected = 0, blocks = 0 } = records.totals;
  entries.push({ e: 'totals', accepted, rejected, blocks });
  return { term: records.term, entries };
}

/** The ledger of `state`, as the entries a store would give back for it. */
export function ledgerOf(state: ReplicatedState): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const block of state.blocks) entries.push({ e: 'block', block: blockToWire(block) });
  for (const [peer, until] of state.banned) entries.push({ e: 'ban', peer, until });
  for (const [peer, { name, work, accepted, rejected }] of state.accounts) {
    entries.push({ e: 'account', peer, name, work: work.toString(), accepted, rejected });
  }
  entries.push({
    e: 'totals',
    accepted: state.sharesAccepted,
    rejected: state.sharesRejected,
    blocks: state.blocksFound,
  });
  return entries;
}

/** Folds entries, in the order recorded, into the one batch that leaves a store as applying each would. */
export function foldLedger(entries: readonly ReplicaEntry[], term: number): LedgerBatch {
  const batch: LedgerBatch = {
    term,
    clearAccounts: false,
    forget: new Set(),
    accounts: new Map(),
    totals: { accepted: 0, rejected: 0, blocks: 0, absolute: false },
    blocks: [],
    verdicts: [],
    bans: new Map(),
  };
  const change = (account: string, name: string): AccountChange => {
    let found = batch.accounts.get(account);
    if (found === undefined) {
      // One forgotten or cleared earlier in the batch is gone before the changes are written: it starts from zero.
      found = { name, work: 0n, accepted: 0, rejected: 0, absolute: false };
      batch.accounts.set(account, found);
    }
    found.name = name;
    return found;
  };
  for (const entry of entries) {
    switch (entry.e) {
      case 'share': {
        const account = change(entry.account ?? entry.peer, entry.name);
        account.work += BigInt(entry.work);
        account.accepted++;
        batch.totals.accepted++;
        break;
      }
      case 'reject':
        change(entry.account ?? entry.peer, entry.name).rejected++;
        batch.totals.rejected++;
        break;
      case 'account':
        batch.accounts.set(entry.peer, {
          name: entry.name,
          work: BigInt(entry.work),
          accepted: entry.accepted,
          rejected: entry.rejected,
          absolute: true,
        });
        break;
      case 'forget':
        batch.accounts.delete(entry.peer);
        batch.forget.add(entry.peer);
        break;
      case 'clearAccounts':
        batch.clearAccounts = true;
        batch.accounts.clear();
        batch.forget.clear();
        break;
      case 'totals':
        batch.totals = { accepted: entry.accepted, rejected: entry.rejected, blocks: entry.blocks, absolute: true };
        break;
      case 'block':
        batch.blocks.push(entry.block);
        batch.totals.blocks++;
        break;
      case 'ban':
        batch.bans.set(entry.peer, entry.until);
        break;
      case 'verdict': {
        const { e: _, ...verdict } = entry;
        batch.verdicts.push(verdict);
        break;
      }
      default:
        break; // members, jobs and leases are not kept
    }
  }
  return batch;
}

/** Whether applying the batch would change nothing (the events of a run that recorded no ledger entry). */
export function isEmptyLedgerBatch(batch: LedgerBatch): boolean {
  const { totals } = batch;
  return (
    !batch.clearAccounts &&
    batch.forget.size === 0 &&
    batch.accounts.size === 0 &&
    !totals.absolute &&
    totals.accepted === 0 &&
    totals.rejected === 0 &&
    totals.blocks === 0 &&
    batch.blocks.length === 0 &&
    batch.verdicts.length === 0 &&
    batch.bans.size === 0
  );
}

/** One line on what a store kept, for the log of a gateway that opens it. */
export function describeStoredLedger({ term, entries }: StoredLedger): string {
  const count = (kind: LedgerEntry['e']) => entries.filter((entry) => entry.e === kind).length;
  const totals = entries.find((entry) => entry.e === 'totals');
  const accepted = totals?.e === 'totals' ? totals.accepted : 0;
  if (term === 0 && count('account') === 0 && accepted === 0) return 'new and empty';
  return (
    `${count('account')} contributors, ${accepted} shares accepted, ${count('block')} blocks, ${count('ban')} bans ` +
    `in force; the last coordinator's term was ${term}`
  );
}

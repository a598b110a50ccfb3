import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeId } from '../../testing/keys.js';
import { foldLedger, isEmptyLedgerBatch, type LedgerBatch, ledgerOf } from './ledger.js';
import { ReplicatedState } from './replica.js';
import type { ReplicaEntry } from './wire.js';

/** A store as the batch's contract describes it, over plain maps. */
class MapStore {
  readonly accounts = new Map<string, { name: string; work: bigint; accepted: number; rejected: number }>();
  totals = { accepted: 0, rejected: 0, blocks: 0 };
  readonly blocks = new Map<string, number>();
  readonly bans = new Map<string, number>();
  term = 0;

  apply(batch: LedgerBatch): void {
    this.term = batch.term;
    if (batch.clearAccounts) this.accounts.clear();
    for (const account of batch.forget) this.accounts.delete(account);
    for (const [account, change] of batch.accounts) {
      const old = change.absolute ? undefined : this.accounts.get(account);
      this.accounts.set(account, {
        name: change.name,
        work: (old?.work ?? 0n) + change.work,
        accepted: (old?.accepted ?? 0) + change.accepted,
        rejected: (old?.rejected ?? 0) + change.rejected,
      });
    }
    const { totals } = batch;
    const base = totals.absolute ? { accepted: 0, rejected: 0, blocks: 0 } : this.totals;
    this.totals = {
      accepted: base.accepted + totals.accepted,
      rejected: base.rejected + totals.rejected,
      blocks: base.blocks + totals.blocks,
    };
    for (const block of batch.blocks) this.blocks.set(block.id, block.height);
    for (const [peer, until] of batch.bans) this.bans.set(peer, until);
  }
}

const block = (height: number): ReplicaEntry => ({
  e: 'block',
  block: {
    height,
    id: height.toString(16).padStart(64, '0'),
    prevId: '0'.repeat(64),
    timestamp: height,
    difficulty: '100',
    seedHash: '0'.repeat(64),
    nonce: height,
    finderId: fakeId(1),
    finderName: 'a',
  },
});

const peers = [1, 2, 3, 4].map(fakeId);
const peer = fc.constantFrom(...peers);
const name = fc.constantFrom('ada', 'bob', '');
const ledgerEntry: fc.Arbitrary<ReplicaEntry> = fc.oneof(
  fc.record({
    e: fc.constant('share' as const),
    peer,
    name,
    jobId: fc.constant('j'),
    nonce: fc.nat(),
    work: fc.constantFrom('1', '150', '99999999999999999999'),
  }),
  fc.record({
    e: fc.constant('share' as const),
    peer,
    account: peer,
    name,
    jobId: fc.constant('j'),
    nonce: fc.nat(),
    work: fc.constant('7'),
  }),
  fc.record({ e: fc.constant('reject' as const), peer, name }),
  fc.record({ e: fc.constant('reject' as const), peer, account: peer, name }),
  fc.record({ e: fc.constant('forget' as const), peer }),
  fc.constant({ e: 'clearAccounts' as const }),
  fc.record({
    e: fc.constant('account' as const),
    peer,
    name,
    work: fc.constantFrom('0', '12'),
    accepted: fc.nat(5),
    rejected: fc.nat(5),
  }),
  fc.record({ e: fc.constant('totals' as const), accepted: fc.nat(9), rejected: fc.nat(9), blocks: fc.nat(9) }),
  fc.integer({ min: 1, max: 40 }).map(block),
  fc.record({ e: fc.constant('ban' as const), peer, until: fc.nat() }),
  fc.record({ e: fc.constant('member' as const), peer, parent: peer, gateway: fc.boolean(), since: fc.nat() }),
);

describe('the durable ledger', () => {
  it('stores, batch by batch, what applying the same entries one by one leaves in the replicated state', () => {
    fc.assert(
      fc.property(fc.array(fc.array(ledgerEntry, { maxLength: 10 }), { maxLength: 6 }), (batches) => {
        const state = new ReplicatedState();
        const store = new MapStore();
        for (const [term, entries] of batches.entries()) {
          for (const entry of entries) state.apply(entry);
          store.apply(foldLedger(entries, term));
        }
        const expected = new MapStore();
        expected.apply(foldLedger(ledgerOf(state), batches.length - 1));
        expect(store.accounts).toEqual(expected.accounts);
        expect(store.totals).toEqual(expected.totals);
        expect(store.bans).toEqual(expected.bans);
        expect(store.blocks).toEqual(expected.blocks);
      }),
    );
  });

  it('rebuilds the ledger of a state from what it stored', () => {
    const state = new ReplicatedState();
    const entries: ReplicaEntry[] = [
      { e: 'share', peer: fakeId(1), account: fakeId(9), name: 'ada', jobId: 'j', nonce: 1, work: '150' },
      { e: 'reject', peer: fakeId(2), name: 'bob' },
      { e: 'ban', peer: fakeId(2), until: 5000 },
      block(3),
    ];
    for (const entry of entries) state.apply(entry);
    const copy = new ReplicatedState();
    for (const entry of ledgerOf(state)) copy.apply(entry);
    expect(copy.accounts).toEqual(state.accounts);
    expect(copy.banned).toEqual(state.banned);
    expect(copy.blocks).toEqual(state.blocks);
    expect([copy.sharesAccepted, copy.sharesRejected, copy.blocksFound]).toEqual([1, 1, 1]);
    expect(copy.isBanned(fakeId(2), 4999)).toBe(true);
    expect(copy.isBanned(fakeId(2), 5000)).toBe(false);
  });

  it('has nothing to write for entries outside the ledger', () => {
    const member: ReplicaEntry = { e: 'member', peer: fakeId(1), parent: fakeId(2), gateway: false, since: 0 };
    expect(isEmptyLedgerBatch(foldLedger([member, { e: 'left', peer: fakeId(1) }], 1))).toBe(true);
    expect(isEmptyLedgerBatch(foldLedger([member, { e: 'clearAccounts' }], 1))).toBe(false);
  });
});

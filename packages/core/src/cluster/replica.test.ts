import { describe, expect, it } from 'vitest';
import { fakeId, idOf, TEST_NOW } from '../../testing/keys.js';
import { DemoChain } from '../jobs/demo-chain.js';
import type { Job } from '../jobs/job.js';
import { ReplicatedState } from './replica.js';
import { blockToWire, jobToWire, type ReplicaEntry } from './wire.js';

const member = (name: string, parent = 'gw', since = TEST_NOW): ReplicaEntry => ({
  e: 'member',
  peer: idOf(name),
  parent: idOf(parent),
  gateway: name.startsWith('g'),
  since,
});

function lease(peer: string, job: Job, start: number, count: number, n: number): ReplicaEntry {
  return {
    e: 'lease',
    peer: idOf(peer),
    lease: { id: `1.${n}`, jobId: job.id, start, count, target: '1000' },
    issuedAt: TEST_NOW,
  };
}

/** A state with something of every kind in it. */
function busyState(): ReplicatedState {
  const state = new ReplicatedState();
  const chain = new DemoChain();
  const first = chain.template(new Uint8Array(8).fill(1), TEST_NOW, 10);
  const outcome = chain.submit(first, 5, new Uint8Array(32), { id: idOf('w'), name: 'w' });
  if (!outcome.accepted) throw new Error(outcome.reason);
  const second = chain.template(new Uint8Array(8).fill(2), TEST_NOW + 1000, 10);
  const entries: ReplicaEntry[] = [
    member('gateway'),
    member('w', 'gateway', TEST_NOW + 10),
    member('gone'),
    { e: 'left', peer: idOf('gone') },
    { e: 'job', job: jobToWire(first) },
    lease('w', first, 0, 300, 1),
    lease('gateway', first, 300, 3000, 2),
    { e: 'share', peer: idOf('w'), name: 'w', jobId: first.id, nonce: 5, work: '150' },
    { e: 'share', peer: idOf('gateway'), name: 'gateway', jobId: first.id, nonce: 400, work: '1500' },
    { e: 'reject', peer: idOf('cheat'), name: 'cheat' },
    { e: 'ban', peer: idOf('cheat'), until: 1e15 },
    { e: 'block', block: blockToWire(outcome.block) },
    { e: 'job', job: jobToWire(second) },
    lease('w', second, 0, 300, 3),
    { e: 'share', peer: idOf('old'), name: 'old', jobId: second.id, nonce: 1, work: '1' },
    { e: 'forget', peer: idOf('old') },
  ];
  for (const entry of entries) state.apply(entry);
  return state;
}

describe('the replicated state', () => {
  it('keeps the members admitted, and forgets those that left', () => {
    const state = busyState();
    expect([...state.members.keys()]).toEqual([idOf('gateway'), idOf('w')]);
    expect(state.members.get(idOf('w'))).toEqual({ parent: idOf('gateway'), gateway: false, since: TEST_NOW + 10 });
    expect(state.members.get(idOf('gateway'))?.gateway).toBe(true);
    state.apply(member('w', 'gw', TEST_NOW + 99)); // placed again elsewhere
    expect(state.members.get(idOf('w'))?.parent).toBe(idOf('gw'));
  });

  it('forgets an account on a forget entry, and credits the rest', () => {
    const state = busyState();
    expect(state.accounts.has(idOf('old'))).toBe(false);
    expect(state.accounts.get(idOf('w'))).toEqual({ name: 'w', work: 150n, accepted: 1, rejected: 0 });
    expect(state.accounts.get(idOf('cheat'))).toEqual({ name: 'cheat', work: 0n, accepted: 0, rejected: 1 });
    // Totals count what was forgotten too.
    expect([state.sharesAccepted, state.sharesRejected, state.blocksFound]).toEqual([3, 1, 1]);
  });

  it('counts the leases of each job and moves its cursor past them', () => {
    const state = busyState();
    const [first, second] = [...state.jobs.values()];
    expect([first?.leases, first?.cursor]).toEqual([2, 3300]);
    expect([second?.leases, second?.cursor]).toEqual([1, 300]);
    expect(first?.supersededAt).toBe(second?.job.createdAt);
    expect(second?.supersededAt).toBeNull();
  });

  it('rebuilds itself from its snapshot, members included', () => {
    const state = busyState();
    const copy = new ReplicatedState();
    for (const entry of state.snapshot()) copy.apply(entry);
    expect(copy.members).toEqual(state.members);
    expect(copy.jobs).toEqual(state.jobs);
    expect(copy.leases).toEqual(state.leases);
    expect(copy.accounts).toEqual(state.accounts);
    expect(copy.banned).toEqual(state.banned);
    expect(copy.blocks).toEqual(state.blocks);
    expect([copy.sharesAccepted, copy.sharesRejected, copy.blocksFound]).toEqual([
      state.sharesAccepted,
      state.sharesRejected,
      state.blocksFound,
    ]);
    // A snapshot of the copy says the same.
    expect(copy.snapshot()).toEqual(state.snapshot());
  });

  it('keeps at most 10 000 bans, forgetting the oldest first', () => {
    const state = new ReplicatedState();
    for (let i = 0; i < 10_005; i++) state.apply({ e: 'ban', peer: fakeId(i), until: 1e15 });
    expect(state.banned.size).toBe(10_000);
    expect(state.banned.has(fakeId(4))).toBe(false);
    expect(state.banned.has(fakeId(5))).toBe(true);
    expect(state.banned.has(fakeId(10_004))).toBe(true);
    expect(state.nextSeq).toBe(10_005);
  });

  it('keeps the 16 newest jobs, and only the leases on them', () => {
    const state = new ReplicatedState();
    const chain = new DemoChain();
    const jobs = Array.from({ length: 17 }, (_, i) => chain.template(new Uint8Array(8).fill(i), TEST_NOW + i, 10));
    for (const [i, job] of jobs.entries()) {
      state.apply({ e: 'job', job: jobToWire(job) });
      state.apply(lease('w', job, 0, 100, i));
    }
    expect(state.jobs.size).toBe(16);
    expect(state.jobs.has(jobs[0]?.id ?? '')).toBe(false);
    expect(state.leases.size).toBe(16);
    expect(state.leases.has('1.0')).toBe(false);
    // A lease on a forgotten job is not kept.
    state.apply(lease('w', jobs[0] as Job, 100, 100, 99));
    expect(state.leases.has('1.99')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../hex.js';
import type { Job } from '../jobs/job.js';
import { seededRandom } from '../simulation/sim-tools.js';
import { targetForDifficulty } from '../target.js';
import {
  Coordinator,
  type CoordinatorHost,
  type CoordinatorNotice,
  type CoordinatorSettings,
  DEFAULT_COORDINATOR_SETTINGS,
} from './coordinator.js';
import { type DownBody, type Lease, type Message, type PeerInfo, PROTOCOL_VERSION } from './wire.js';

const v = PROTOCOL_VERSION;

function peerInfo(id: string, overrides: Partial<PeerInfo> = {}): PeerInfo {
  return {
    id,
    name: `name of ${id}`,
    role: 'worker',
    engine: 'wasm',
    mode: 'light',
    cores: 4,
    memoryMb: 4096,
    mines: true,
    hashrate: 10,
    maxLinks: 8,
    startedAt: 0,
    ...overrides,
  };
}

/** A hash that meets any share target (bytes 24..31 are zero), with `tag` in its first byte. */
function easyHash(tag: number): Uint8Array {
  const hash = new Uint8Array(32).fill(0xee);
  hash.fill(0, 24);
  hash[0] = tag;
  return hash;
}

/** A hash whose bytes 24..31 read `top64`: a share for targets above it, and no block unless it is tiny. */
function hashWithTop(top64: bigint): Uint8Array {
  const hash = new Uint8Array(32).fill(0x11);
  new DataView(hash.buffer).setBigUint64(24, top64, true);
  return hash;
}

/** A coordinator (on the demo chain unless told otherwise), with a gateway that does not mine, and a recording host. */
function harness(settings: Partial<CoordinatorSettings> = {}, { demo = true } = {}) {
  let now = Date.UTC(2026, 10, 24, 12);
  const sent: { to: string; message: Message }[] = [];
  const verifications: { ticket: number; nonce: number }[] = [];
  const notices: CoordinatorNotice[] = [];
  const submitted: { job: Job; nonce: number }[] = [];
  const children = new Set<string>();
  const host: CoordinatorHost = {
    selfId: 'gw',
    now: () => now,
    random: seededRandom(7),
    send: (to, message) => sent.push({ to, message }),
    children: () => children,
    deliverToSelf: () => {},
    verify: (ticket, _seed, _blob, nonce) => verifications.push({ ticket, nonce }),
    submitBlock: (job, nonce) => submitted.push({ job, nonce }),
    notice: (notice) => notices.push(notice),
  };
  const coordinator = new Coordinator(
    host,
    1,
    { ...DEFAULT_COORDINATOR_SETTINGS, ...settings },
    {
      demo,
      selfInfo: peerInfo('gw', { role: 'gateway', mines: false, engine: 'native', maxLinks: 64, hashrate: 0 }),
    },
  );
  coordinator.start();

  const downTo = (id: string): DownBody[] =>
    sent.flatMap(({ message }) => (message.type === 'down' && message.route.at(-1) === id ? [message.body] : []));
  const leasesOf = (id: string): Lease[] => downTo(id).flatMap((body) => (body.type === 'lease' ? [body.lease] : []));
  const resultsOf = (id: string) => downTo(id).flatMap((body) => (body.type === 'shareResult' ? [body] : []));

  return {
    coordinator,
    sent,
    verifications,
    notices,
    submitted,
    leasesOf,
    resultsOf,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    /** A peer joins right under the coordinator and reports its status. */
    join(id: string, overrides: Partial<PeerInfo> = {}) {
      const info = peerInfo(id, overrides);
      coordinator.admit(info, false);
      children.add(id);
      coordinator.handleUp(id, [], { v, type: 'status', info, children: 0 });
    },
    share(id: string, lease: Lease, nonce: number, hash: Uint8Array, seq = nonce) {
      coordinator.handleUp(id, [], {
        v,
        type: 'share',
        seq,
        jobId: lease.jobId,
        leaseId: lease.id,
        nonce,
        hash: bytesToHex(hash),
      });
    },
    /** Answers every verification asked so far with `hashFor(nonce)`. */
    verifyAll(hashFor: (nonce: number) => Uint8Array) {
      for (const { ticket, nonce } of verifications.splice(0)) coordinator.handleVerified(ticket, hashFor(nonce));
    },
  };
}

const MAX_UINT64 = (1n << 64n) - 1n;

describe('the coordinator', () => {
  it('leases each worker a disjoint range of about 30 s of its hashrate, with a target for one share per 15 s', () => {
    const h = harness();
    h.join('slow', { hashrate: 10 });
    h.advance(5000); // a young chain re-templates for the new hashrate at most every 5 s
    h.join('fast', { hashrate: 100 });
    // The young demo chain re-templates as the cluster's hashrate grows: take the leases on the current job.
    const current = (lease: Lease) => lease.jobId === h.coordinator.currentJob?.id;
    const slow = h.leasesOf('slow').find(current);
    const fast = h.leasesOf('fast').find(current);
    if (slow === undefined || fast === undefined) throw new Error('no lease');
    expect(slow.count).toBe(300);
    expect(fast.count).toBe(3000);
    expect(BigInt(slow.target)).toBe(MAX_UINT64 / 150n);
    expect(BigInt(fast.target)).toBe(MAX_UINT64 / 1500n);
    h.advance(6000);
    h.coordinator.handleUp('slow', [], { v, type: 'needWork', hashrate: 10 });
    const ranges = [...h.leasesOf('slow'), ...h.leasesOf('fast')]
      .filter(current)
      .map((lease) => [lease.start, lease.start + lease.count] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(ranges).toHaveLength(3);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBeGreaterThanOrEqual(ranges[i - 1]?.[1] ?? 0);
  });

  it('gives a lease for every request for work on the same job, sized to the reported rate, but not in bursts', () => {
    const h = harness();
    h.join('w', { hashrate: 10 });
    const job = h.coordinator.currentJob?.id;
    const onJob = () => h.leasesOf('w').filter((lease) => lease.jobId === job);
    const before = onJob().length;
    for (let i = 0; i < 5; i++) {
      h.advance(6000);
      h.coordinator.handleUp('w', [], { v, type: 'needWork', hashrate: 40 });
      h.coordinator.handleUp('w', [], { v, type: 'needWork', hashrate: 40 }); // a repeat at once is ignored
    }
    const leases = onJob().slice(before);
    expect(h.coordinator.currentJob?.id).toBe(job);
    expect(leases.map((lease) => lease.count)).toEqual([1200, 1200, 1200, 1200, 1200]);
  });

  it('answers at once a peer whose first lease was sized before its rate was known', () => {
    const h = harness();
    h.join('w', { hashrate: 0 });
    const [first] = h.leasesOf('w');
    expect(first?.count).toBe(300); // 30 s at the default 10 H/s
    // At 40 H/s that lease lasts 7.5 s: a request 3 s in is answered, not held back as a burst.
    h.advance(3000);
    h.coordinator.handleUp('w', [], { v, type: 'needWork', hashrate: 40 });
    expect(h.leasesOf('w').map((lease) => lease.count)).toEqual([300, 1200]);
  });

  it('re-templates a young chain for a changed hashrate at most once per 5 s, even while it eases a long wait', () => {
    const h = harness();
    h.join('w', { hashrate: 10 });
    const [lease] = h.leasesOf('w');
    if (lease === undefined) throw new Error('no lease');
    h.share('w', lease, lease.start, new Uint8Array(32)); // one block: the chain is still young
    h.verifyAll(() => new Uint8Array(32));
    h.advance(300_000); // the tip waits long, so every new template is eased
    const jobs = () => h.notices.filter((notice) => notice.kind === 'job').length;
    const before = jobs();
    for (let i = 0; i < 50; i++) h.join(`p${i}`, { hashrate: 10 + i });
    expect(jobs() - before).toBeLessThanOrEqual(1);
    h.advance(5000);
    h.join('late', { hashrate: 5000 });
    expect(jobs() - before).toBeLessThanOrEqual(2);
  });

  it('accepts a verified share once, answers a repeat without counting it, and refuses what does not fit', () => {
    const h = harness();
    h.join('a');
    h.join('b');
    const [leaseA] = h.leasesOf('a');
    const [leaseB] = h.leasesOf('b');
    if (leaseA === undefined || leaseB === undefined) throw new Error('no lease');
    const nonce = leaseA.start + 5;
    h.share('a', leaseA, nonce, easyHash(1), 1);
    h.verifyAll(() => easyHash(1));
    h.share('a', leaseA, nonce, easyHash(1), 2); // the same share again: answered, not counted
    h.share('b', leaseB, nonce, easyHash(1), 3); // in a's range, not b's
    h.share('b', { ...leaseB, jobId: 'no-such-job' }, leaseB.start, easyHash(1), 4);
    const hard = new Uint8Array(32).fill(0xff);
    h.share('b', leaseB, leaseB.start + 1, hard, 5); // above b's share target
    expect(h.resultsOf('a').map((r) => [r.seq, r.accepted])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(h.resultsOf('b').map((r) => [r.seq, r.reason])).toEqual([
      [3, 'out-of-range'],
      [4, 'unknown-job'],
      [5, 'low-difficulty'],
    ]);
    expect(h.coordinator.state.accounts.get('a')).toMatchObject({ accepted: 1, rejected: 0 });
    expect(h.coordinator.state.accounts.get('a')?.work).toBe(MAX_UINT64 / (MAX_UINT64 / 150n + 1n));
    expect(h.coordinator.totals()).toMatchObject({ sharesAccepted: 1, sharesRejected: 3 });
  });

  it('bans a peer after three shares whose recomputed hash differs, and then refuses it outright', () => {
    const h = harness();
    h.join('cheat');
    const [lease] = h.leasesOf('cheat');
    if (lease === undefined) throw new Error('no lease');
    for (let i = 0; i < 3; i++) h.share('cheat', lease, lease.start + i, easyHash(9));
    h.verifyAll(() => easyHash(8));
    h.share('cheat', lease, lease.start + 10, easyHash(9));
    expect(h.resultsOf('cheat').map((r) => r.reason)).toEqual(['invalid', 'invalid', 'invalid', 'banned']);
    expect(h.notices).toContainEqual({ kind: 'banned', peer: 'cheat' });
    expect(downToBanned(h.sent)).toBe(true);
    expect(h.verifications).toHaveLength(0); // a banned peer costs no verification
  });

  it('past its verification capacity, samples by trust but always verifies block candidates', () => {
    const h = harness({ verifyCapacity: 1 });
    h.join('w', { hashrate: 1000 });
    const [lease] = h.leasesOf('w');
    if (lease === undefined) throw new Error('no lease');
    // Share difficulty 15 000, block difficulty 30 000: this hash is a share and no block.
    expect(h.coordinator.currentJob?.difficulty).toBe(30_000n);
    const share = hashWithTop(MAX_UINT64 / 20_000n);
    // Build trust: 100 shares, each verified while there is capacity.
    for (let i = 0; i < 100; i++) {
      h.share('w', lease, lease.start + i, share);
      h.verifyAll(() => share);
    }
    // Now one verification stays in flight, and 200 more shares arrive.
    h.share('w', lease, lease.start + 100, share);
    const before = h.verifications.length;
    for (let i = 101; i < 301; i++) h.share('w', lease, lease.start + i, share);
    const sampled = h.verifications.length - before;
    // Trust 100/120 leaves a 1 in 6 chance of a check.
    expect(sampled).toBeGreaterThan(10);
    expect(sampled).toBeLessThan(70);
    expect(h.coordinator.state.accounts.get('w')?.accepted).toBe(100 + 200 - sampled);
    // A hash that wins a block is checked even now (it waits for a free verifier).
    const winning = new Uint8Array(32);
    h.share('w', lease, lease.start + 400, winning);
    expect(h.verifications.some(({ nonce }) => nonce === lease.start + 400)).toBe(false);
    h.verifyAll(() => share);
    h.verifyAll((nonce) => (nonce === lease.start + 400 ? winning : share));
    expect(h.notices.some((notice) => notice.kind === 'block')).toBe(true);
  });

  it("leases only inside an external job's nonce range, and hands a verified candidate to the source", () => {
    const h = harness({}, { demo: false });
    const blob = new Uint8Array(76);
    blob[42] = 0x5a; // a nicehash pool's fixed nonce byte
    const job: Job = {
      id: 'pool-1',
      source: 'stratum',
      height: 10,
      seedHash: new Uint8Array(32),
      blob,
      difficulty: 1000n,
      createdAt: 0,
      nonceRange: { start: 0x5a00_0000, count: 2 ** 24 },
    };
    h.coordinator.setJob(job);
    h.join('fast', { hashrate: 2 ** 20 }); // a lease of 30 s at this rate is larger than the range
    h.join('late', { hashrate: 10 });
    const [fast] = h.leasesOf('fast');
    expect(fast).toMatchObject({ jobId: 'pool-1', start: 0x5a00_0000, count: 2 ** 24 });
    expect(h.leasesOf('late')).toEqual([]); // nothing is left in the range
    if (fast === undefined) throw new Error('no lease');
    const nonce = 0x5a00_0010;
    h.share('fast', fast, nonce, easyHash(0));
    h.verifyAll(() => easyHash(0));
    expect(h.submitted).toEqual([{ job: expect.objectContaining({ id: 'pool-1' }), nonce }]);

    // The pool replaces the job at the same height: a candidate for the old one still goes to the source within the
    // grace period, and is stale after it.
    h.coordinator.setJob({ ...job, id: 'pool-2', createdAt: h.now() });
    h.share('fast', fast, nonce + 1, easyHash(1));
    h.verifyAll(() => easyHash(1));
    expect(h.submitted.map((candidate) => candidate.nonce)).toEqual([nonce, nonce + 1]);
    h.advance(DEFAULT_COORDINATOR_SETTINGS.staleGraceMs + 1);
    h.share('fast', fast, nonce + 2, easyHash(2));
    expect(h.resultsOf('fast').at(-1)).toMatchObject({ accepted: false, reason: 'stale' });
  });

  it("credits a share that meets the cluster's target but not the source's difficulty, and keeps it inside", () => {
    const h = harness({}, { demo: false });
    h.coordinator.setJob({
      id: 'pool-1',
      source: 'stratum',
      height: 10,
      seedHash: new Uint8Array(32),
      blob: new Uint8Array(76),
      difficulty: 1000n,
      createdAt: h.now(),
    });
    h.join('w', { hashrate: 10 }); // shares of difficulty 150
    const [lease] = h.leasesOf('w');
    if (lease === undefined) throw new Error('no lease');
    const clusterShare = hashWithTop((1n << 64n) / 500n); // about difficulty 500
    h.share('w', lease, lease.start, clusterShare);
    h.verifyAll(() => clusterShare);
    h.share('w', lease, lease.start + 1, easyHash(1));
    h.verifyAll(() => easyHash(1));
    expect(h.resultsOf('w').map((result) => result.accepted)).toEqual([true, true]);
    expect(h.submitted.map((candidate) => candidate.nonce)).toEqual([lease.start + 1]);
  });

  it('credits a candidate for a height the chain has passed, within the grace period, but does not submit it', () => {
    const h = harness({}, { demo: false });
    const job: Job = {
      id: 'daemon-10',
      source: 'daemon',
      height: 10,
      seedHash: new Uint8Array(32),
      blob: new Uint8Array(76),
      difficulty: 1000n,
      createdAt: h.now(),
    };
    h.coordinator.setJob(job);
    h.join('w');
    const [lease] = h.leasesOf('w');
    if (lease === undefined) throw new Error('no lease');
    h.coordinator.setJob({ ...job, id: 'daemon-11', height: 11 });
    h.share('w', lease, lease.start, easyHash(0));
    h.verifyAll(() => easyHash(0));
    expect(h.resultsOf('w')).toEqual([expect.objectContaining({ accepted: true })]);
    expect(h.submitted).toEqual([]);
  });

  it('calls shares for a replaced height stale once the grace period is over', () => {
    const h = harness();
    h.join('w');
    const [lease] = h.leasesOf('w');
    if (lease === undefined) throw new Error('no lease');
    h.share('w', lease, lease.start, new Uint8Array(32)); // wins a block: a new height replaces the job
    h.verifyAll(() => new Uint8Array(32));
    h.share('w', lease, lease.start + 1, easyHash(3));
    h.advance(DEFAULT_COORDINATOR_SETTINGS.staleGraceMs + 1);
    h.share('w', lease, lease.start + 2, easyHash(3));
    h.verifyAll(() => easyHash(3));
    const bySeq = h.resultsOf('w').sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((r) => r.reason ?? 'accepted')).toEqual(['accepted', 'accepted', 'stale']);
  });

  it('holds leases and answers until the first standby has stored them', () => {
    const h = harness();
    h.join('standby', { role: 'auto', engine: 'native', maxLinks: 64 });
    h.coordinator.tick(); // chooses the standby and sends it the state
    expect(h.coordinator.successors).toEqual(['standby']);
    const replica = h.sent.find(({ message }) => message.type === 'down' && message.body.type === 'replica');
    expect(replica?.to).toBe('standby');
    h.join('w');
    expect(h.leasesOf('w')).toHaveLength(0);
    const stored = h.coordinator.state.nextSeq;
    h.coordinator.handleUp('standby', [], { v, type: 'replicaAck', seq: stored, resend: false });
    expect(h.leasesOf('w')).toHaveLength(1);
    expect(targetForDifficulty(150n).toString()).toBe(h.leasesOf('w')[0]?.target);
  });
});

function downToBanned(sent: { message: Message }[]): boolean {
  return sent.some(({ message }) => message.type === 'down' && message.body.type === 'banned');
}

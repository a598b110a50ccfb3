import { describe, expect, it } from 'vitest';
import { fakeId, idOf, payloadOf, TEST_NOW, testCredential, testInfo, testKeys } from '../../testing/keys.js';
import { bytesToHex } from '../hex.js';
import { readCredential } from '../identity/credential.js';
import type { BlockRecord, Job } from '../jobs/job.js';
import { seededRandom } from '../simulation/sim-tools.js';
import { targetForDifficulty } from '../target.js';
import {
  Coordinator,
  type CoordinatorAction,
  type CoordinatorContext,
  type CoordinatorNotice,
  type CoordinatorSettings,
  DEFAULT_COORDINATOR_SETTINGS,
} from './coordinator.js';
import { Envelopes } from './envelopes.js';
import { maxLinksFor } from './placement.js';
import { ReplicatedState } from './replica.js';
import { REPLICA_PATIENCE_MS } from './replication-log.js';
import {
  blockToWire,
  type DownBody,
  type DownPayload,
  decodeMessage,
  jobToWire,
  type Lease,
  type Message,
  type PeerInfo,
  PROTOCOL_VERSION,
  REPLICA_ENTRIES_PER_MESSAGE,
  type ReplicaEntry,
  type UpBody,
} from './wire.js';

const v = PROTOCOL_VERSION;
const GW = idOf('gw');
const MAX_UINT64 = (1n << 64n) - 1n;

/** A hash that meets any share target (bytes 24..31 are zero), with `tag` in its first byte; a block candidate. */
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

/** A share of difficulty up to 20 000 that is no block below a difficulty of 20 000. */
const SHARE = hashWithTop(MAX_UINT64 / 20_000n);

/** An external job (a daemon's), made at `createdAt`. */
function externalJob(id: string, createdAt: number, overrides: Partial<Job> = {}): Job {
  return {
    id,
    source: 'daemon',
    height: 10,
    seedHash: new Uint8Array(32),
    blob: new Uint8Array(76),
    difficulty: 10n ** 12n,
    createdAt,
    ...overrides,
  };
}

interface HarnessOptions {
  demo?: boolean;
  /** A durable store writes the ledger; the harness records what it is asked to persist. */
  durable?: boolean;
  state?: ReplicatedState;
  self?: Partial<PeerInfo>;
  /** The external source makes rigs' variants, as a daemon does: the job with the variant's number in its blob. */
  variants?: boolean;
}

/**
 * A coordinator `gw` of term 1 (on the demo chain unless told otherwise; a gateway that does not mine unless
 * told), with a host that records everything it is asked to do.
 */
function harness(settings: Partial<CoordinatorSettings> = {}, options: HarnessOptions = {}) {
  let now = TEST_NOW;
  const sent: { to: string; message: Message }[] = [];
  const toSelf: DownBody[] = [];
  const verifications: { ticket: number; nonce: number }[] = [];
  const notices: CoordinatorNotice[] = [];
  const submitted: { job: Job; nonce: number }[] = [];
  const wanted: Job[] = [];
  const handedOver: string[] = [];
  const persists: Extract<CoordinatorAction, { kind: 'persist' }>[] = [];
  const children = new Set<string>();
  let made = 0;
  const context: CoordinatorContext = {
    selfId: GW,
    envelopes: new Envelopes(testKeys('gw', { gateway: true }), () => now),
    now: () => now,
    random: seededRandom(7),
    children: () => children,
    variantOf: (job) => {
      if (options.variants !== true) return undefined;
      made++;
      const blob = job.blob.slice();
      blob[0] = made;
      return { ...job, id: `${job.id}-v${made}`, blob };
    },
  };
  const selfInfo = testInfo('gw', {
    role: 'gateway',
    mines: false,
    engine: 'native',
    maxLinks: 64,
    hashrate: 0,
    ...options.self,
  });
  const coordinator = new Coordinator(
    context,
    1,
    { ...DEFAULT_COORDINATOR_SETTINGS, ...settings },
    {
      demo: options.demo ?? true,
      selfInfo,
      durable: options.durable ?? false,
      ...(options.state === undefined ? {} : { state: options.state }),
    },
  );
  coordinator.start();
  const envelopes = new Map<string, Envelopes>();
  const numbers = new Map<string, number>();
  const envelopesOf = (name: string) => {
    let found = envelopes.get(name);
    if (found === undefined) {
      found = new Envelopes(testKeys(name), () => now);
      envelopes.set(name, found);
    }
    return found;
  };

  /** Sorts what the coordinator asked for since the last look into what the tests read. */
  const collect = () => {
    for (const action of coordinator.drain()) {
      switch (action.kind) {
        case 'send':
          sent.push({ to: action.to, message: action.message });
          break;
        case 'deliver':
          toSelf.push(action.body);
          break;
        case 'verify':
          verifications.push({ ticket: action.ticket, nonce: action.nonce });
          break;
        case 'submitCandidate':
          submitted.push({ job: action.job, nonce: action.nonce });
          break;
        case 'wantJob':
          wanted.push(action.job);
          break;
        case 'handedOver':
          handedOver.push(action.successor);
          break;
        case 'persist':
          persists.push(action);
          break;
        case 'notice':
          notices.push(action.notice);
          break;
        case 'allowLargeMessages':
          break;
      }
    }
  };
  const downs = () =>
    h.sent.flatMap(({ message }) => (message.type === 'down' ? [payloadOf<DownPayload>(message.signed)] : []));
  const downTo = (name: string): DownBody[] =>
    downs().flatMap((payload) => (payload.to === idOf(name) ? [payload.body] : []));
  const leasesOf = (name: string): Lease[] =>
    downTo(name).flatMap((body) => (body.type === 'lease' ? [body.lease] : []));
  const resultsOf = (name: string) => downTo(name).flatMap((body) => (body.type === 'shareResult' ? [body] : []));
  const refusals = () => h.notices.flatMap((notice) => (notice.kind === 'refused' ? [notice] : []));

  const h = {
    coordinator,
    get sent() {
      collect();
      return sent;
    },
    get toSelf() {
      collect();
      return toSelf;
    },
    get verifications() {
      collect();
      return verifications;
    },
    get notices() {
      collect();
      return notices;
    },
    get submitted() {
      collect();
      return submitted;
    },
    get wanted() {
      collect();
      return wanted;
    },
    get handedOver() {
      collect();
      return handedOver;
    },
    /** What the coordinator asked the durable store to write, after a flush as the host peer makes after each event. */
    get persists() {
      coordinator.flush();
      collect();
      return persists;
    },
    children,
    downTo,
    leasesOf,
    resultsOf,
    refusals,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    /** What was sent to `name` over a direct link (welcomes, redirects). */
    direct: (name: string) => h.sent.filter(({ to }) => to === idOf(name)).map(({ message }) => message),
    /** `name` asks to join over a direct link (with its credential if `gateway`). */
    admit(name: string, overrides: Partial<PeerInfo> = {}, { gateway = false, orphan = false } = {}) {
      const info = testInfo(name, { ...(gateway ? { role: 'gateway' as const } : {}), ...overrides });
      coordinator.admit(info, orphan, gateway ? (readCredential(testCredential(name)) ?? null) : null);
      if (coordinator.parentOf(info.id) === GW) children.add(info.id);
      return info;
    },
    /** A peer joins where it is placed and reports its status. */
    join(name: string, overrides: Partial<PeerInfo> = {}, { gateway = false } = {}) {
      const info = h.admit(name, overrides, { gateway });
      h.up(name, { v, type: 'status', info, parent: coordinator.parentOf(info.id) ?? GW, children: 0 });
    },
    /** An up body from `name`, as the coordinator takes it once its signature and number passed. */
    up(name: string, body: UpBody) {
      coordinator.handleUp(idOf(name), body);
    },
    /** An up message `name` signs (numbered after its last one unless told), for term 1 unless told. */
    signedUp(name: string, body: UpBody, { term = 1, n }: { term?: number; n?: number } = {}) {
      const number = n ?? (numbers.get(name) ?? 0) + 1;
      numbers.set(name, Math.max(number, numbers.get(name) ?? 0));
      const message = envelopesOf(name).up(term, number, body);
      coordinator.handleUpMessage(message);
      return message;
    },
    needWork(name: string, hashrate: number) {
      h.up(name, { v, type: 'needWork', hashrate });
    },
    share(name: string, lease: Lease, nonce: number, hash: Uint8Array, seq = nonce) {
      h.up(name, { v, type: 'share', seq, jobId: lease.jobId, leaseId: lease.id, nonce, hash: bytesToHex(hash) });
    },
    /** Answers every verification asked so far with `hashFor(nonce)`. */
    verifyAll(hashFor: (nonce: number) => Uint8Array) {
      for (const { ticket, nonce } of h.verifications.splice(0)) coordinator.handleVerified(ticket, hashFor(nonce));
    },
    /** The first standby stores everything recorded so far. */
    ack(name: string, seq = coordinator.state.nextSeq) {
      h.up(name, { v, type: 'replicaAck', seq, resend: false });
    },
  };
  return h;
}

type Harness = ReturnType<typeof harness>;

function firstLease(h: Harness, name: string): Lease {
  const [lease] = h.leasesOf(name);
  if (lease === undefined) throw new Error(`no lease for ${name}`);
  return lease;
}

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
    h.needWork('slow', 10);
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
      h.advance(20_000);
      h.needWork('w', 40);
      h.needWork('w', 40); // a repeat at once is ignored
    }
    const leases = onJob().slice(before);
    expect(h.coordinator.currentJob?.id).toBe(job);
    expect(leases.map((lease) => lease.count)).toEqual([1200, 1200, 1200, 1200, 1200]);
  });

  it('answers at once a peer whose first lease was sized before its rate was known', () => {
    const h = harness();
    h.join('w', { hashrate: 0 });
    expect(firstLease(h, 'w').count).toBe(300); // 30 s at the default 10 H/s
    // At 40 H/s that lease lasts 7.5 s: a request 3 s in is answered, not held back as a burst.
    h.advance(3000);
    h.needWork('w', 40);
    expect(h.leasesOf('w').map((lease) => lease.count)).toEqual([300, 1200]);
  });

  it('re-templates a young chain for a changed hashrate at most once per 5 s, even while it eases a long wait', () => {
    const h = harness();
    h.join('w', { hashrate: 10 });
    const lease = firstLease(h, 'w');
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
    const leaseA = firstLease(h, 'a');
    const leaseB = firstLease(h, 'b');
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
    expect(h.coordinator.state.accounts.get(idOf('a'))).toMatchObject({ accepted: 1, rejected: 0 });
    expect(h.coordinator.state.accounts.get(idOf('a'))?.work).toBe(MAX_UINT64 / (MAX_UINT64 / 150n + 1n));
    expect(h.coordinator.totals()).toMatchObject({ sharesAccepted: 1, sharesRejected: 3 });
  });

  it('bans a peer after three shares whose recomputed hash differs, and then refuses it outright', () => {
    const h = harness();
    h.join('cheat');
    const lease = firstLease(h, 'cheat');
    for (let i = 0; i < 3; i++) h.share('cheat', lease, lease.start + i, easyHash(9));
    h.verifyAll(() => easyHash(8));
    h.share('cheat', lease, lease.start + 10, easyHash(9));
    expect(h.resultsOf('cheat').map((r) => r.reason)).toEqual(['invalid', 'invalid', 'invalid', 'banned']);
    expect(h.notices).toContainEqual({ kind: 'banned', peer: idOf('cheat') });
    expect(h.downTo('cheat').some((body) => body.type === 'banned')).toBe(true);
    expect(h.verifications).toHaveLength(0); // a banned peer costs no verification
    // Asking to join again gets the ban over the direct link, and no welcome.
    const before = h.sent.length;
    h.admit('cheat');
    const direct = h.sent.slice(before).map(({ message }) => message);
    expect(direct.map((message) => message.type)).toEqual(['down']);
    const [ban] = direct;
    expect(ban?.type === 'down' && ban.route).toEqual([]);
    expect(ban?.type === 'down' && payloadOf<DownPayload>(ban.signed).body.type).toBe('banned');
  });

  it('never bans itself: its own engine computes what it verifies with', () => {
    const h = harness({}, { self: { mines: true, hashrate: 10 } });
    const lease = h.toSelf.flatMap((body) => (body.type === 'lease' ? [body.lease] : [])).at(-1);
    if (lease === undefined) throw new Error('no lease for itself');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) h.share('gw', lease, lease.start + 3 * round + i, SHARE, 3 * round + i);
      h.verifyAll(() => easyHash(8));
    }
    const results = h.toSelf.flatMap((body) => (body.type === 'shareResult' ? [body.reason] : []));
    expect(results).toEqual(Array(6).fill('invalid'));
    expect(h.notices.some((notice) => notice.kind === 'banned')).toBe(false);
    expect(h.coordinator.state.banned.has(GW)).toBe(false);
  });

  it('past its verification capacity, samples by trust but always verifies block candidates', () => {
    const h = harness({ verifyCapacity: 1, maxPendingPerPeer: 1000 });
    h.join('w', { hashrate: 1000 });
    const lease = firstLease(h, 'w');
    // Share difficulty 15 000, block difficulty 30 000: this hash is a share and no block.
    expect(h.coordinator.currentJob?.difficulty).toBe(30_000n);
    // Build trust: 100 shares, each verified while there is capacity.
    for (let i = 0; i < 100; i++) {
      h.share('w', lease, lease.start + i, SHARE);
      h.verifyAll(() => SHARE);
    }
    // Now one verification stays in flight, and 200 more shares arrive.
    h.share('w', lease, lease.start + 100, SHARE);
    const before = h.verifications.length;
    for (let i = 101; i < 301; i++) h.share('w', lease, lease.start + i, SHARE);
    const sampled = h.verifications.length - before;
    // Trust 100/120 leaves a 1 in 6 chance of a check.
    expect(sampled).toBeGreaterThan(10);
    expect(sampled).toBeLessThan(70);
    expect(h.coordinator.state.accounts.get(idOf('w'))?.accepted).toBe(100 + 200 - sampled);
    // A hash that wins a block is checked even now (it waits for a free verifier).
    const winning = new Uint8Array(32);
    h.share('w', lease, lease.start + 400, winning);
    expect(h.verifications.some(({ nonce }) => nonce === lease.start + 400)).toBe(false);
    h.verifyAll(() => SHARE);
    h.verifyAll((nonce) => (nonce === lease.start + 400 ? winning : SHARE));
    expect(h.notices.some((notice) => notice.kind === 'block')).toBe(true);
  });

  it("leases only inside an external job's nonce range, and hands a verified candidate to the source", () => {
    const h = harness({}, { demo: false });
    const blob = new Uint8Array(76);
    blob[42] = 0x5a; // a nicehash pool's fixed nonce byte
    const job = externalJob('pool-1', h.now(), {
      source: 'stratum',
      blob,
      difficulty: 1000n,
      nonceRange: { start: 0x5a00_0000, count: 2 ** 24 },
    });
    h.coordinator.setJob(job);
    h.join('fast', { hashrate: 1000 });
    h.join('late', { hashrate: 10 });
    const fast = firstLease(h, 'fast');
    expect(fast).toMatchObject({ jobId: 'pool-1', start: 0x5a00_0000, count: 30_000 });
    expect(firstLease(h, 'late')).toMatchObject({ jobId: 'pool-1', start: 0x5a00_0000 + 30_000, count: 300 });
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
    h.coordinator.setJob(externalJob('pool-1', h.now(), { source: 'stratum', difficulty: 1000n }));
    h.join('w', { hashrate: 10 }); // shares of difficulty 150
    const lease = firstLease(h, 'w');
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
    const job = externalJob('daemon-10', h.now(), { difficulty: 1000n });
    h.coordinator.setJob(job);
    h.join('w');
    const lease = firstLease(h, 'w');
    h.coordinator.setJob({ ...job, id: 'daemon-11', height: 11 });
    h.share('w', lease, lease.start, easyHash(0));
    h.verifyAll(() => easyHash(0));
    expect(h.resultsOf('w')).toEqual([expect.objectContaining({ accepted: true })]);
    expect(h.submitted).toEqual([]);
  });

  it('calls shares for a replaced height stale once the grace period is over', () => {
    const h = harness();
    h.join('w');
    const lease = firstLease(h, 'w');
    h.share('w', lease, lease.start, new Uint8Array(32)); // wins a block: a new height replaces the job
    h.verifyAll(() => new Uint8Array(32));
    h.share('w', lease, lease.start + 1, easyHash(3));
    h.advance(DEFAULT_COORDINATOR_SETTINGS.staleGraceMs + 1);
    h.share('w', lease, lease.start + 2, easyHash(3));
    h.verifyAll(() => easyHash(3));
    const bySeq = h.resultsOf('w').sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((r) => r.reason ?? 'accepted')).toEqual(['accepted', 'accepted', 'stale']);
  });
});

describe('what comes up the tree', () => {
  const status = (name: string, parent = GW): UpBody => ({
    v,
    type: 'status',
    info: testInfo(name),
    parent,
    children: 0,
  });

  it('is taken only as its origin signed it, for this term, and each number once', () => {
    const h = harness();
    h.join('w');
    const lease = firstLease(h, 'w');
    const body: UpBody = { v, type: 'needWork', hashrate: 10 };
    h.advance(10_000);
    const taken = h.signedUp('w', body, { n: 5 });
    expect(h.leasesOf('w')).toHaveLength(2);
    h.signedUp('w', body, { n: 5 }); // the same number again
    h.signedUp('w', body, { n: 4 }); // an earlier one
    h.coordinator.handleUpMessage(taken); // the very same message
    h.signedUp('w', body, { n: 6, term: 2 });
    // Signed by someone else in w's name.
    const forged = new Envelopes(testKeys('x'), h.now).up(1, 7, body);
    const payload = { ...JSON.parse(forged.signed.payload), origin: idOf('w') };
    h.coordinator.handleUpMessage({ ...forged, signed: { ...forged.signed, payload: JSON.stringify(payload) } });
    // w's own message, changed on the way.
    const share = h.signedUp('w', { v, type: 'needWork', hashrate: 10 }, { n: 8 });
    const altered = { ...share.signed, payload: share.signed.payload.replace('"hashrate":10', '"hashrate":99') };
    h.coordinator.handleUpMessage({ ...share, signed: altered });
    expect(h.refusals().map(({ refusal }) => refusal)).toEqual([
      'replayed',
      'replayed',
      'replayed',
      'wrong-term',
      'bad-signature',
      'bad-signature',
    ]);
    expect(h.leasesOf('w')).toHaveLength(2);
    expect(lease.count).toBe(300);
  });

  it('counts a status only from a member, a member of an earlier term, or one dropped lately', () => {
    const state = new ReplicatedState();
    state.apply({ e: 'member', peer: idOf('earlier'), parent: GW, gateway: false, since: TEST_NOW - 60_000 });
    const h = harness({}, { state });
    h.signedUp('stranger', status('stranger'));
    expect(h.refusals()).toEqual([{ kind: 'refused', peer: idOf('stranger'), refusal: 'not-a-member' }]);
    expect(h.coordinator.memberIds()).not.toContain(idOf('stranger'));
    expect(h.leasesOf('stranger')).toEqual([]);

    // A member its predecessor admitted reports to this term.
    h.signedUp('earlier', status('earlier'));
    expect(h.coordinator.memberIds()).toContain(idOf('earlier'));
    expect(h.leasesOf('earlier')).toHaveLength(1);

    // A member dropped for its silence, still in the tree, is taken back where it says it is.
    h.join('w');
    h.coordinator.drop(idOf('w'));
    expect(h.coordinator.memberIds()).not.toContain(idOf('w'));
    expect(h.coordinator.state.members.has(idOf('w'))).toBe(false);
    h.signedUp('w', status('w'));
    expect(h.coordinator.parentOf(idOf('w'))).toBe(GW);
    expect(h.coordinator.state.members.get(idOf('w'))?.parent).toBe(GW);

    // …but not under a parent that is no member, and not in someone else's name.
    h.join('u');
    h.coordinator.drop(idOf('u'));
    h.signedUp('u', status('u', idOf('nobody')));
    h.signedUp('u', { ...status('u'), info: testInfo('w') } as UpBody);
    expect(h.coordinator.memberIds()).not.toContain(idOf('u'));
    expect(h.refusals().map(({ refusal }) => refusal)).toEqual(['not-a-member', 'not-a-member', 'not-a-member']);
  });

  it('forgets members of an earlier term that never report', () => {
    const state = new ReplicatedState();
    state.apply({ e: 'member', peer: idOf('silent'), parent: GW, gateway: false, since: TEST_NOW - 60_000 });
    const h = harness({}, { state });
    h.advance(DEFAULT_COORDINATOR_SETTINGS.memberTimeoutMs + 1);
    h.coordinator.handleTimeout();
    expect(h.coordinator.state.members.has(idOf('silent'))).toBe(false);
  });

  it("takes 'gone' only from the parent of the peer it names", () => {
    // One slot under the coordinator past its standbys: the second joiner goes under the first.
    const h = harness({ coordinatorLinks: 11, joinSlots: 8 });
    h.join('r');
    h.join('o', {}, { gateway: true }); // gateways always go right under the coordinator
    h.join('v');
    expect(h.coordinator.parentOf(idOf('v'))).toBe(idOf('r'));
    h.up('o', { v, type: 'gone', peer: idOf('v') });
    h.up('v', { v, type: 'gone', peer: idOf('v') });
    expect(h.coordinator.memberIds()).toContain(idOf('v'));
    h.up('r', { v, type: 'gone', peer: idOf('v') });
    expect(h.coordinator.memberIds()).not.toContain(idOf('v'));
    expect(h.coordinator.state.members.has(idOf('v'))).toBe(false);
  });

  it('takes replicaAck only from a standby', () => {
    const h = harness();
    h.join('s', {}, { gateway: true });
    h.coordinator.handleTimeout();
    expect(h.coordinator.successors).toEqual([idOf('s')]);
    h.join('w');
    expect(h.leasesOf('w')).toEqual([]); // held until the standby stored it
    h.ack('w');
    h.ack('x');
    expect(h.leasesOf('w')).toEqual([]);
    h.ack('s');
    expect(h.leasesOf('w')).toHaveLength(1);
  });
});

describe('admission', () => {
  it('holds at most the member links a peer announces: with one, the next gateway joins under the first', () => {
    const links = (memberLinks: number, gateway: boolean) =>
      maxLinksFor(memberLinks, gateway, DEFAULT_COORDINATOR_SETTINGS);
    const h = harness({}, { self: { maxLinks: links(1, true) } });
    h.join('first', { maxLinks: links(2, true) }, { gateway: true });
    h.join('second', { maxLinks: links(2, true) }, { gateway: true });
    h.join('third');
    h.join('fourth');
    // The coordinator's one link; the first gateway's two, its parent and one child; the second's two likewise.
    expect(h.coordinator.parentOf(idOf('first'))).toBe(GW);
    expect(h.coordinator.parentOf(idOf('second'))).toBe(idOf('first'));
    expect(h.coordinator.parentOf(idOf('third'))).toBe(idOf('second'));
    expect(h.coordinator.parentOf(idOf('fourth'))).toBe(idOf('third'));
  });

  it('refuses a joiner past maxMembers with a full redirect, and takes a known member back', () => {
    const h = harness({ maxMembers: 2 });
    h.join('a');
    h.join('b');
    h.admit('c');
    expect(h.direct('c')).toEqual([{ v, type: 'redirect', coordinator: null, term: 1, full: true }]);
    expect(h.refusals()).toEqual([{ kind: 'refused', peer: idOf('c'), refusal: 'cluster-full' }]);
    expect(h.coordinator.memberIds()).not.toContain(idOf('c'));
    h.admit('a', {}, { orphan: true });
    expect(h.direct('a').filter((message) => message.type === 'welcome')).toHaveLength(2);
    // A member gone makes room.
    h.coordinator.drop(idOf('b'));
    h.admit('c');
    expect(h.direct('c').at(-1)?.type).toBe('welcome');
  });

  it('holds the welcome until the first standby stored the member', () => {
    const h = harness();
    h.join('s', {}, { gateway: true });
    h.coordinator.handleTimeout();
    h.ack('s');
    h.admit('w');
    expect(h.direct('w')).toEqual([]);
    expect(h.coordinator.state.members.has(idOf('w'))).toBe(true);
    h.coordinator.handleTimeout(); // the member entry goes to the standby
    const replicated = h.downTo('s').flatMap((body) => (body.type === 'replica' ? body.entries : []));
    expect(replicated).toContainEqual(expect.objectContaining({ e: 'member', peer: idOf('w'), parent: GW }));
    h.ack('s');
    const [welcome] = h.direct('w');
    expect(welcome).toMatchObject({ type: 'welcome', term: 1, parent: GW, placement: null });
  });

  it('signs a placement for a joiner it places under another peer', () => {
    const h = harness({ coordinatorLinks: 11, joinSlots: 8 });
    h.join('r');
    h.admit('v');
    const [welcome] = h.direct('v');
    if (welcome?.type !== 'welcome' || welcome.placement === null) throw new Error('no placement');
    expect(welcome.parent).toBe(idOf('r'));
    const opened = new Envelopes(testKeys('r'), h.now).openPlacement(welcome.placement, GW);
    expect(opened).toEqual({
      ok: true,
      value: { t: 'placement', term: 1, peer: idOf('v'), parent: idOf('r') },
    });
  });
});

/** A coordinator whose one standby, `s`, has stored everything so far; and the replicas sent to it. */
function withStoredStandby() {
  const h = harness();
  h.join('s', {}, { gateway: true });
  h.coordinator.flush();
  h.ack('s');
  const replicas = () => h.downTo('s').flatMap((body) => (body.type === 'replica' ? [body] : []));
  return { h, replicas };
}

describe('standbys', () => {
  it('are gateways ranked by a job source, then by how long the coordinator has known them, then by work', () => {
    const h = harness({ standbys: 8 });
    // A worker that says it is a gateway and has a source, with no credential: never a standby.
    h.join('poser', { role: 'gateway', jobSource: true, startedAt: 0 });
    h.join('old', { startedAt: 5_000_000 }, { gateway: true });
    h.advance(1000);
    // Claims to have started long ago: its claim does not count, only when the coordinator admitted it.
    h.join('claims-old', { startedAt: 0 }, { gateway: true });
    h.advance(1000);
    h.join('poor', {}, { gateway: true });
    h.join('rich', {}, { gateway: true });
    h.advance(1000);
    h.join('source', { jobSource: true }, { gateway: true });
    const lease = firstLease(h, 'rich');
    h.share('rich', lease, lease.start, SHARE);
    h.verifyAll(() => SHARE);
    h.coordinator.handleTimeout();
    expect(h.coordinator.successors).toEqual(['source', 'old', 'claims-old', 'rich', 'poor'].map(idOf));
  });

  it('put gateways that anyone can reach before those behind routers, whom joiners behind other routers cannot reach', () => {
    const h = harness({ standbys: 8 });
    h.join('home', { reach: 'nat' }, { gateway: true });
    h.advance(1000);
    h.join('relayed', { reach: 'relay' }, { gateway: true });
    h.advance(1000);
    h.join('public', { reach: 'public' }, { gateway: true });
    h.join('source', { jobSource: true, reach: 'nat' }, { gateway: true });
    h.coordinator.handleTimeout();
    expect(h.coordinator.successors).toEqual(['source', 'relayed', 'public', 'home'].map(idOf));
  });

  it('get the state in snapshot parts of at most 1000 entries, then the log', () => {
    const state = new ReplicatedState();
    for (let i = 0; i < 2500; i++) state.apply({ e: 'ban', peer: fakeId(i), until: 1e15 });
    const h = harness({}, { state });
    h.join('s', {}, { gateway: true });
    h.coordinator.handleTimeout();
    const replicas = () =>
      h.sent.flatMap(({ message }) => {
        if (message.type !== 'down') return [];
        const { body } = payloadOf<DownPayload>(message.signed);
        return body.type === 'replica' ? [{ message, body }] : [];
      });
    const snapshot = h.coordinator.state.snapshot();
    const parts = replicas();
    expect(parts.map(({ body }) => body.snapshot)).toEqual([
      { part: 0, parts: 3 },
      { part: 1, parts: 3 },
      { part: 2, parts: 3 },
    ]);
    const end = h.coordinator.state.nextSeq;
    for (const { message, body } of parts) {
      expect(body.from).toBe(end);
      expect(body.entries.length).toBeLessThanOrEqual(REPLICA_ENTRIES_PER_MESSAGE);
      expect(decodeMessage(JSON.parse(JSON.stringify(message))).ok).toBe(true);
    }
    expect(parts.flatMap(({ body }) => body.entries)).toEqual(snapshot);
    // Installed whole, the parts rebuild the state.
    const installed = new ReplicatedState();
    for (const entry of snapshot) installed.apply(entry);
    expect(installed.banned).toEqual(h.coordinator.state.banned);
    expect(installed.members).toEqual(h.coordinator.state.members);

    // Stored: what comes next is the log, from where the snapshot ended.
    h.ack('s', end);
    h.join('w');
    h.coordinator.handleTimeout();
    const next = replicas().slice(3);
    expect(next.map(({ body }) => [body.from, body.snapshot])).toEqual([[end, null]]);
    expect(next[0]?.body.entries[0]).toMatchObject({ e: 'member', peer: idOf('w') });

    // A standby that lost track asks for everything again: it gets a new snapshot.
    h.up('s', { v, type: 'replicaAck', seq: 0, resend: true });
    h.coordinator.handleTimeout();
    expect(
      replicas()
        .slice(4)
        .map(({ body }) => body.snapshot?.part),
    ).toEqual([0, 1, 2]);
  });

  it('keep one replica in flight each: what is recorded before its acknowledgement leaves with it, in one message', () => {
    const { h, replicas } = withStoredStandby();
    const members = (body: { entries: readonly ReplicaEntry[] } | undefined) =>
      (body?.entries ?? []).flatMap((entry) => (entry.e === 'member' ? [entry.peer] : []));
    const before = replicas().length;
    h.join('a');
    h.coordinator.flush();
    const inFlight = replicas().at(-1);
    expect(replicas()).toHaveLength(before + 1);
    expect(members(inFlight)).toEqual([idOf('a')]);

    h.join('b');
    h.coordinator.flush();
    h.join('c');
    h.coordinator.flush();
    expect(replicas(), 'nothing more leaves before the acknowledgement').toHaveLength(before + 1);

    h.ack('s', (inFlight?.from ?? 0) + (inFlight?.entries.length ?? 0));
    h.coordinator.flush();
    expect(replicas()).toHaveLength(before + 2);
    expect(members(replicas().at(-1))).toEqual([idOf('b'), idOf('c')]);
  });

  it('get what waits for a lost acknowledgement after a second, and so see the gap and ask again', () => {
    const { h, replicas } = withStoredStandby();
    h.join('a');
    h.coordinator.flush();
    const lost = replicas().at(-1);
    const count = replicas().length;
    h.join('b');
    h.coordinator.flush();
    expect(h.coordinator.nextDeadline()).toBeLessThanOrEqual(h.now() + REPLICA_PATIENCE_MS);
    h.advance(REPLICA_PATIENCE_MS - 1);
    h.coordinator.handleTimeout();
    expect(replicas()).toHaveLength(count);
    h.advance(1);
    h.coordinator.handleTimeout();
    expect(replicas()).toHaveLength(count + 1);
    expect(replicas().at(-1)?.from).toBe((lost?.from ?? 0) + (lost?.entries.length ?? 0));

    // The standby never got `lost`: it asks for everything from where it stands, and gets it.
    h.up('s', { v, type: 'replicaAck', seq: lost?.from ?? 0, resend: true });
    h.coordinator.flush();
    expect(replicas()).toHaveLength(count + 2);
    expect(replicas().at(-1)?.from).toBe(lost?.from);
  });

  it('leave confirmations waiting at most a few seconds before they are passed over', () => {
    const h = harness();
    h.join('slow', {}, { gateway: true });
    h.coordinator.handleTimeout();
    h.join('w');
    expect(h.leasesOf('w')).toEqual([]);
    h.advance(3500);
    h.coordinator.handleTimeout();
    expect(h.coordinator.successors).toEqual([]);
    expect(h.leasesOf('w')).toHaveLength(1);
  });

  it('take over by handover from a coordinator without a job source, once they have stored everything', () => {
    const h = harness();
    h.join('server', { jobSource: true }, { gateway: true });
    h.coordinator.handleTimeout();
    expect(h.coordinator.successors).toEqual([idOf('server')]);
    expect(h.handedOver).toEqual([]);
    h.ack('server');
    h.coordinator.handleTimeout();
    expect(h.handedOver).toEqual([idOf('server')]);
    expect(h.downTo('server').filter((body) => body.type === 'handover')).toHaveLength(1);
    h.coordinator.handleTimeout();
    expect(h.downTo('server').filter((body) => body.type === 'handover')).toHaveLength(1);
  });

  it('are not handed the cluster by a coordinator that has a job source of its own, or when they have none', () => {
    const own = harness({}, { self: { jobSource: true } });
    own.join('server', { jobSource: true }, { gateway: true });
    own.coordinator.handleTimeout();
    own.ack('server');
    own.coordinator.handleTimeout();
    expect(own.handedOver).toEqual([]);
    const none = harness();
    none.join('host', {}, { gateway: true });
    none.coordinator.handleTimeout();
    none.ack('host');
    none.coordinator.handleTimeout();
    expect(none.handedOver).toEqual([]);
  });
});

describe('member views', () => {
  it('show every member placed: who it is, its parent, its credited shares and its standby rank', () => {
    const h = harness();
    h.join('s', {}, { gateway: true });
    h.join('w', { hashrate: 10 });
    h.coordinator.handleTimeout();
    h.ack('s');
    const lease = firstLease(h, 'w');
    h.share('w', lease, lease.start, SHARE);
    h.verifyAll(() => SHARE);
    const views = new Map(h.coordinator.memberViews().map((view) => [view.id, view]));
    expect([...views.keys()].sort()).toEqual([GW, idOf('s'), idOf('w')].sort());
    expect(views.get(GW)).toMatchObject({ role: 'gateway', parent: null, standbyRank: null, sharesAccepted: 0 });
    expect(views.get(idOf('s'))).toMatchObject({ role: 'gateway', parent: GW, standbyRank: 0 });
    const worker = views.get(idOf('w'));
    expect(worker).toMatchObject({ name: testInfo('w').name, role: 'worker', parent: GW, standbyRank: null });
    expect(worker?.hashrate).toBe(10);
    expect(worker?.sharesAccepted).toBe(1);
    expect(worker?.creditedWork).toBe(h.coordinator.state.accounts.get(idOf('w'))?.work);
    expect(worker?.creditedWork).toBeGreaterThan(0n);
  });
});

describe('an external source', () => {
  it("has its verdicts kept in the durable ledger, refusals with the source's words, and its blocks announced", () => {
    const h = harness({}, { demo: false, durable: true });
    const job = externalJob('block-1', h.now(), { source: 'daemon' });
    h.coordinator.setJob(job);
    h.persists.splice(0);
    const finder = { id: idOf('w'), name: 'w' };
    h.coordinator.handleSourceVerdict(job, 5, finder, { accepted: false, reason: 'monerod: block not accepted' });
    const block: BlockRecord = {
      height: job.height,
      id: new Uint8Array(32).fill(7),
      prevId: new Uint8Array(32),
      timestamp: 1_700_000_000,
      difficulty: job.difficulty,
      seedHash: job.seedHash,
      nonce: 6,
      finderId: finder.id,
      finderName: finder.name,
    };
    h.coordinator.handleSourceVerdict(job, 6, finder, { accepted: true, block });
    const written = h.persists.flatMap(({ entries }) => entries);
    const verdict = {
      e: 'verdict',
      source: 'daemon',
      height: job.height,
      finderId: finder.id,
      finderName: 'w',
      at: h.now(),
    };
    expect(written.filter((entry) => entry.e === 'verdict')).toEqual([
      { ...verdict, nonce: 5, accepted: false, reason: 'monerod: block not accepted' },
      { ...verdict, nonce: 6, accepted: true },
    ]);
    expect(written).toContainEqual({ e: 'block', block: blockToWire(block) });
    expect(h.coordinator.state.blocksFound).toBe(1);
    expect(h.notices).toContainEqual({ kind: 'block', block });
  });
});

describe('leases', () => {
  it('are held, with share answers, until the first standby has stored them', () => {
    const h = harness();
    h.join('standby', { engine: 'native', maxLinks: 64 }, { gateway: true });
    h.coordinator.handleTimeout(); // chooses the standby and sends it the state
    expect(h.coordinator.successors).toEqual([idOf('standby')]);
    expect(h.downTo('standby').some((body) => body.type === 'replica')).toBe(true);
    h.join('w');
    expect(h.leasesOf('w')).toHaveLength(0);
    h.ack('standby');
    expect(h.leasesOf('w')).toHaveLength(1);
    expect(h.leasesOf('w')[0]?.target).toBe(targetForDifficulty(150n).toString());
    const lease = firstLease(h, 'w');
    h.share('w', lease, lease.start, SHARE);
    h.verifyAll(() => SHARE);
    expect(h.resultsOf('w')).toEqual([]);
    h.ack('standby');
    expect(h.resultsOf('w')).toEqual([expect.objectContaining({ accepted: true })]);
  });

  it('with a durable store, are held with share answers until the store wrote them, or the standby stored them', () => {
    const h = harness({}, { durable: true });
    const stored = () => {
      for (const { term, upTo } of h.persists.splice(0)) h.coordinator.handleStored(term, upTo);
      h.coordinator.flush();
    };
    // The term starts by restating the whole ledger, so the store holds exactly this coordinator's.
    const [restated] = h.persists;
    expect(restated?.entries[0]).toEqual({ e: 'clearAccounts' });
    expect(restated?.entries.at(-1)).toEqual({ e: 'totals', accepted: 0, rejected: 0, blocks: 0 });
    const contributor = fakeId(77);
    h.join('w', { contributor });
    expect(h.leasesOf('w')).toHaveLength(0);
    // A write reported for another term lets nothing out.
    for (const { upTo } of h.persists) h.coordinator.handleStored(2, upTo);
    h.coordinator.flush();
    expect(h.leasesOf('w')).toHaveLength(0);
    stored();
    const lease = firstLease(h, 'w');
    h.share('w', lease, lease.start, SHARE);
    h.verifyAll(() => SHARE);
    expect(h.resultsOf('w')).toEqual([]);
    // The share is credited to the contributor the worker names, not to its peer id.
    const writes = h.persists.flatMap(({ entries }) => entries);
    expect(writes).toContainEqual(expect.objectContaining({ e: 'share', peer: idOf('w'), account: contributor }));
    stored();
    expect(h.resultsOf('w')).toEqual([expect.objectContaining({ accepted: true })]);
    expect(h.coordinator.state.accounts.get(contributor)?.accepted).toBe(1);
    expect(h.coordinator.state.accounts.has(idOf('w'))).toBe(false);
    expect(h.coordinator.memberViews().find(({ id }) => id === idOf('w'))?.sharesAccepted).toBe(1);

    // With a standby too, whichever stores first lets the answer out.
    h.join('standby', { engine: 'native', maxLinks: 64 }, { gateway: true });
    h.coordinator.handleTimeout();
    h.ack('standby');
    stored();
    h.share('w', lease, lease.start + 1, SHARE);
    h.verifyAll(() => SHARE);
    expect(h.resultsOf('w')).toHaveLength(1);
    h.ack('standby');
    expect(h.resultsOf('w')).toHaveLength(2);
  });

  it('size a claim of 1e9 H/s to maxClaimedHashrate, while honest peers keep getting theirs', () => {
    const h = harness();
    const { maxClaimedHashrate, leaseSeconds } = DEFAULT_COORDINATOR_SETTINGS;
    h.join('liar', { hashrate: 1e9 });
    h.join('honest', { hashrate: 10 });
    expect(firstLease(h, 'liar').count).toBe(maxClaimedHashrate * leaseSeconds);
    // The liar asks every second for five minutes; the honest peer when its lease is nearly done.
    for (let second = 1; second <= 300; second++) {
      h.advance(1000);
      h.needWork('liar', 1e9);
      if (second % 25 === 0) h.needWork('honest', 10);
    }
    const liar = h.leasesOf('liar');
    const honest = h.leasesOf('honest');
    expect(Math.max(...liar.map((lease) => lease.count))).toBe(maxClaimedHashrate * leaseSeconds);
    // No more than it could have done at the claimed maximum, plus two leases ahead.
    const nonces = liar.reduce((sum, lease) => sum + lease.count, 0);
    expect(nonces).toBeLessThanOrEqual(maxClaimedHashrate * (300 + 3 * leaseSeconds));
    expect(h.refusals().filter((refusal) => refusal.refusal === 'unfinished-work').length).toBeGreaterThan(0);
    expect(honest).toHaveLength(13);
    expect(new Set(honest.map((lease) => lease.count))).toEqual(new Set([300]));
  });

  it('never cover more than maxLeaseShareOfJob of a job, whatever the rate', () => {
    const h = harness({ maxClaimedHashrate: 1e9 }, { demo: false });
    h.coordinator.setJob(externalJob('pool', h.now(), { nonceRange: { start: 2 ** 24, count: 2 ** 24 } }));
    h.join('big', { hashrate: 1e9 });
    expect(firstLease(h, 'big')).toMatchObject({ start: 2 ** 24, count: 2 ** 24 / 64 });
  });

  it("follow the work a peer's accepted shares show, once the coordinator has measured it", () => {
    const h = harness({}, { demo: false });
    h.coordinator.setJob(externalJob('job', h.now()));
    h.join('fast', { hashrate: 1e9 });
    const lease = firstLease(h, 'fast');
    expect(lease.count).toBe(30_000);
    expect(BigInt(lease.target)).toBe(MAX_UINT64 / 15_000n); // one share per 15 s at 1000 H/s
    // A minute of shares at 8 times that rate: 32 shares of difficulty 15 000.
    for (let i = 0; i < 32; i++) {
      h.advance(1875);
      h.share('fast', lease, lease.start + i, SHARE, i);
      h.verifyAll(() => SHARE);
    }
    expect(h.resultsOf('fast').every((result) => result.accepted)).toBe(true);
    const work = Number(h.coordinator.state.accounts.get(idOf('fast'))?.work);
    const measured = (1000 * work) / 60_000;
    expect(measured).toBeCloseTo(8000, -2);
    h.needWork('fast', 1e9);
    // Twice the measure counts: a minute of shares is a noisy measure.
    expect(h.leasesOf('fast').at(-1)?.count).toBe(Math.round(2 * measured * 30));
  });

  it('are refused to a peer with more than two leases of unfinished work on the job', () => {
    const h = harness({}, { demo: false });
    h.coordinator.setJob(externalJob('job', h.now()));
    h.join('greedy', { hashrate: 10 });
    // 300 nonces each; at 10 H/s, one every 5 s (a sixth of a lease) runs ahead of the work.
    for (let i = 0; i < 4; i++) {
      h.advance(5000);
      h.needWork('greedy', 10);
    }
    expect(h.leasesOf('greedy')).toHaveLength(3);
    expect(h.refusals()).toContainEqual({ kind: 'refused', peer: idOf('greedy'), refusal: 'unfinished-work' });
    // Once it could have done the work, it gets more.
    h.advance(15_000);
    h.needWork('greedy', 10);
    expect(h.leasesOf('greedy')).toHaveLength(4);
  });
});

describe('a job whose nonces run out', () => {
  it('asks an external source for fresh work once, and leases again when it comes', () => {
    const h = harness({}, { demo: false });
    const job = externalJob('small', h.now(), { nonceRange: { start: 1000, count: 128 } });
    h.coordinator.setJob(job);
    h.join('a');
    h.join('b');
    h.join('c');
    expect([firstLease(h, 'a'), firstLease(h, 'b')].map(({ start, count }) => [start, count])).toEqual([
      [1000, 64],
      [1064, 64],
    ]);
    expect(h.leasesOf('c')).toEqual([]);
    expect(h.wanted.map(({ id }) => id)).toEqual(['small']);
    for (let i = 0; i < 3; i++) {
      h.advance(10_000);
      h.needWork('c', 10);
      h.needWork('a', 10);
      h.coordinator.handleTimeout();
    }
    expect(h.wanted).toHaveLength(1);
    h.coordinator.setJob(externalJob('fresh', h.now()));
    expect(h.leasesOf('c').map((lease) => lease.jobId)).toEqual(['fresh']);
  });

  it('makes the demo chain a new template at the next timeout, never from inside the lease it was asked for', () => {
    const h = harness({ maxClaimedHashrate: 1e9, maxLeaseShareOfJob: 1 });
    h.join('big', { hashrate: 1e9 });
    const first = h.coordinator.currentJob;
    expect(firstLease(h, 'big')).toMatchObject({ jobId: first?.id, start: 0, count: 2 ** 32 });
    // The old coordinator made the template from inside issueLease, which leased it whole to the same peer at once,
    // and so on until the stack overflowed.
    expect(() => h.join('small')).not.toThrow();
    expect(h.leasesOf('small')).toEqual([]);
    expect(h.coordinator.currentJob?.id).toBe(first?.id);
    const jobs = () => h.notices.filter((notice) => notice.kind === 'job').length;
    const before = jobs();
    h.advance(250);
    h.coordinator.handleTimeout();
    expect(jobs()).toBe(before + 1);
    expect(h.coordinator.currentJob?.id).not.toBe(first?.id);
    expect(h.leasesOf('big').at(-1)?.jobId).toBe(h.coordinator.currentJob?.id);
    h.advance(250);
    h.coordinator.handleTimeout();
    expect(jobs()).toBe(before + 2);
    expect(h.wanted).toEqual([]);
  });

  it('counts a claim of 1e9 H/s on the demo chain as no more than maxClaimedHashrate', () => {
    const h = harness();
    expect(() => h.join('big', { hashrate: 1e9 })).not.toThrow();
    expect(firstLease(h, 'big').count).toBe(30_000);
    expect(h.coordinator.clusterHashrate()).toBe(1000);
  });

  it('has at most maxLeasesPerJob leases; past them, the demo chain makes a new template at the next timeout', () => {
    const h = harness({ maxLeasesPerJob: 3 });
    h.join('a');
    h.join('b');
    h.advance(6000);
    h.needWork('a', 10);
    const job = h.coordinator.currentJob?.id;
    const record = job === undefined ? undefined : h.coordinator.state.jobs.get(job);
    expect(record?.leases).toBe(3);
    h.needWork('b', 10);
    expect(h.leasesOf('b').map((lease) => lease.jobId)).toEqual([job]);
    expect(h.coordinator.currentJob?.id).toBe(job);
    h.coordinator.handleTimeout();
    expect(h.coordinator.currentJob?.id).not.toBe(job);
    expect(h.leasesOf('b').map((lease) => lease.jobId)).toEqual([job, h.coordinator.currentJob?.id]);
  });
});

describe('bounded state', () => {
  it('verifies at most maxPendingPerPeer shares of one peer at once; the rest wait for its resend', () => {
    const h = harness({ maxPendingPerPeer: 2, verifyCapacity: 10 });
    h.join('w');
    const lease = firstLease(h, 'w');
    for (let i = 0; i < 3; i++) h.share('w', lease, lease.start + i, SHARE, i);
    expect(h.verifications.map(({ nonce }) => nonce - lease.start)).toEqual([0, 1]);
    expect(h.refusals()).toEqual([{ kind: 'refused', peer: idOf('w'), refusal: 'verifications-busy' }]);
    expect(h.resultsOf('w')).toEqual([]); // no answer: the peer sends it again
    h.verifyAll(() => SHARE);
    h.share('w', lease, lease.start + 2, SHARE, 2);
    h.verifyAll(() => SHARE);
    expect(h.resultsOf('w').map((result) => [result.seq, result.accepted])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
  });

  it('keeps maxAccounts contributors, forgetting the least credited one that is no member', () => {
    const h = harness({ maxAccounts: 2 });
    const credit = (name: string, shares: number) => {
      const lease = h.leasesOf(name).at(-1);
      if (lease === undefined) throw new Error(`no lease for ${name}`);
      for (let i = 0; i < shares; i++) h.share(name, lease, lease.start + i, SHARE, i);
      h.verifyAll(() => SHARE);
    };
    h.join('rich');
    h.join('poor');
    credit('rich', 2);
    credit('poor', 1);
    h.coordinator.drop(idOf('rich'));
    h.coordinator.drop(idOf('poor'));
    h.join('member');
    h.join('newcomer');
    credit('member', 1);
    const accounts = h.coordinator.state.accounts;
    expect([...accounts.keys()]).toEqual([idOf('rich'), idOf('member')]);
    // The least credited is a member now: the least credited of the others goes.
    credit('newcomer', 1);
    expect([...accounts.keys()].sort()).toEqual([idOf('member'), idOf('newcomer')].sort());
    expect(h.coordinator.state.sharesAccepted).toBe(5);
  });
});

describe('the coordinator bounds what a peer can hold on to', () => {
  it('keeps a member dropped lately out once the cluster is full again', () => {
    const h = harness({ maxMembers: 2 });
    h.join('a');
    h.join('b');
    h.coordinator.drop(idOf('a'));
    h.join('c'); // takes a's place
    // a was only silent; it reports again, through any member.
    h.signedUp('a', { v, type: 'status', info: testInfo('a'), parent: GW, children: 0 });
    expect(h.coordinator.state.members.size).toBeLessThanOrEqual(2);
    expect(h.coordinator.memberIds()).not.toContain(idOf('a'));
  });

  it('gives a banned member no more leases, counts none of its hashrate, and never makes it a standby', () => {
    const h = harness();
    h.join('cheat', { hashrate: 500 }, { gateway: true });
    h.join('w', { hashrate: 10 });
    const lease = firstLease(h, 'cheat');
    for (let i = 0; i < 3; i++) h.share('cheat', lease, lease.start + i, SHARE, i);
    h.verifyAll(() => easyHash(8));
    expect(h.coordinator.state.banned.has(idOf('cheat'))).toBe(true);
    // A banned peer that ignores its ban keeps its links and goes on asking.
    const leases = h.leasesOf('cheat').length;
    h.advance(20_000);
    h.needWork('cheat', 500);
    h.coordinator.handleTimeout();
    expect(h.leasesOf('cheat')).toHaveLength(leases);
    expect(h.coordinator.clusterHashrate()).toBe(10);
    expect(h.coordinator.successors).not.toContain(idOf('cheat'));
  });

  // A pool names its jobs with up to 96 characters of any kind, and a control character escapes to six in JSON.
  it("keeps every replica part within a down message's bound, whatever a source names its jobs", () => {
    const state = new ReplicatedState();
    const job = externalJob(`pool:1:${'\u0001'.repeat(96)}`, TEST_NOW, { source: 'stratum' });
    state.apply({ e: 'job', job: jobToWire(job) });
    for (let nonce = 0; nonce < 1000; nonce++) {
      state.apply({ e: 'share', peer: fakeId(nonce), name: 'w', jobId: job.id, nonce, work: '1' });
    }
    const h = harness({}, { demo: false, state });
    h.join('s', {}, { gateway: true });
    h.coordinator.handleTimeout();
    const parts = h.sent.filter(({ to, message }) => to === idOf('s') && message.type === 'down');
    expect(parts.length).toBeGreaterThan(1);
    for (const { message } of parts) expect(decodeMessage(JSON.parse(JSON.stringify(message))).ok).toBe(true);
  });
});

describe('rigs', () => {
  const rig = (gateway: string, difficulty?: string) => ({
    engine: 'xmrig' as const,
    rig: { gateway, agent: 'XMRig/6.22.2', ...(difficulty === undefined ? {} : { difficulty }) },
  });

  it('hang under the gateway that hosts them and take none of its slots; a rig never takes children', () => {
    const h = harness({ coordinatorLinks: 11, joinSlots: 8, standbys: 1 });
    h.join('g', {}, { gateway: true });
    for (const name of ['r1', 'r2', 'r3', 'r4']) h.join(name, rig(GW));
    h.join('h1', rig(idOf('g')));
    // Three slots below the coordinator: the gateway took one; the rigs none, so a tab still fits in.
    h.join('tab');
    expect(h.coordinator.parentOf(idOf('r1'))).toBe(GW);
    expect(h.coordinator.parentOf(idOf('r4'))).toBe(GW);
    expect(h.coordinator.parentOf(idOf('h1'))).toBe(idOf('g'));
    expect(h.coordinator.parentOf(idOf('tab'))).toBe(GW);
    // The coordinator is full now; the next tabs go under other members, never under a rig.
    for (const name of ['tab2', 'tab3', 'tab4']) {
      h.join(name);
      expect([GW, ...['r1', 'r2', 'r3', 'r4', 'h1'].map(idOf)]).not.toContain(h.coordinator.parentOf(idOf(name)));
    }
    expect(h.coordinator.memberViews().find((view) => view.id === idOf('r1'))).toMatchObject({
      engine: 'xmrig',
      agent: 'XMRig/6.22.2',
    });
  });

  it('naming a peer that is no gateway are placed as any joiner', () => {
    const h = harness();
    h.join('tab');
    h.join('r', rig(idOf('tab')));
    expect(h.coordinator.parentOf(idOf('r'))).toBe(GW);
  });

  it('lease whole 2^24-nonce blocks of their own, with a share every 30 s or the difficulty they fixed', () => {
    const h = harness({}, { demo: false });
    h.coordinator.setJob(externalJob('j', h.now()));
    h.join('tab', { hashrate: 100 });
    h.join('r1', { ...rig(GW), hashrate: 1000 });
    h.join('r2', { ...rig(GW, '123456'), hashrate: 1000 });
    h.join('tab2', { hashrate: 100 });
    const [tab, r1, r2, tab2] = ['tab', 'r1', 'r2', 'tab2'].map((name) => firstLease(h, name));
    if (tab === undefined || r1 === undefined || r2 === undefined || tab2 === undefined) throw new Error('no lease');
    const block = 2 ** 24;
    expect(r1.start % block).toBe(0);
    expect(r1.start).toBeGreaterThanOrEqual(tab.start + tab.count);
    expect(r1.count).toBe(1000 * 300);
    expect(r2.start).toBe(r1.start + block);
    // A rig's counter runs through its whole block whatever the lease's count: nobody else gets those nonces.
    expect(tab2.start).toBeGreaterThanOrEqual(r2.start + block);
    expect(BigInt(r1.target)).toBe(MAX_UINT64 / 30_000n);
    expect(BigInt(r2.target)).toBe(MAX_UINT64 / 123_456n);
    // Its shares count anywhere in the block, and nowhere past it.
    h.share('r1', r1, r1.start + r1.count + 5, easyHash(1), 1);
    h.share('r1', r1, r1.start + block, easyHash(2), 2);
    expect(h.verifications.map(({ nonce }) => nonce)).toEqual([r1.start + r1.count + 5]);
    expect(h.resultsOf('r1')).toEqual([expect.objectContaining({ seq: 2, accepted: false, reason: 'out-of-range' })]);
  });

  it("follow the work a rig's accepted shares show: its next lease aims at one share per 30 s of it", () => {
    const h = harness({}, { demo: false });
    h.coordinator.setJob(externalJob('job', h.now()));
    h.join('r', { ...rig(GW), hashrate: 1e9 });
    const lease = firstLease(h, 'r');
    // Until measured, its own figure counts up to maxClaimedHashrate (1000 H/s): a share per 30 s of that.
    expect(BigInt(lease.target)).toBe(MAX_UINT64 / 30_000n);
    // A minute of shares at 4 times that rate: 8 shares of difficulty 30 000.
    const share = hashWithTop(MAX_UINT64 / 40_000n);
    for (let i = 0; i < 8; i++) {
      h.advance(7500);
      h.share('r', lease, lease.start + i, share, i);
      h.verifyAll(() => share);
    }
    expect(h.resultsOf('r').every((result) => result.accepted)).toBe(true);
    const measured = (1000 * Number(h.coordinator.state.accounts.get(idOf('r'))?.work)) / 60_000;
    expect(measured).toBeCloseTo(4000, -2);
    h.needWork('r', 1e9);
    const next = h.leasesOf('r').at(-1);
    expect(next?.start).toBe(lease.start + 2 ** 24);
    // Twice the measure counts, as for any member.
    expect(BigInt(next?.target ?? 0)).toBe(MAX_UINT64 / BigInt(Math.round(2 * measured * 30)));
  });

  it('mine a demo job of their own: the same block to be with an extra nonce of its own, and find blocks on it', () => {
    const h = harness();
    h.join('tab', { hashrate: 100 });
    h.join('r1', { ...rig(GW), hashrate: 1000 });
    h.join('r2', { ...rig(GW), hashrate: 1000 });
    const main = h.coordinator.currentJob;
    if (main === undefined) throw new Error('no job');
    const onMain = (name: string) => h.leasesOf(name).filter((lease) => lease.jobId === main.id);
    const r1 = h.leasesOf('r1').at(-1);
    const r2 = h.leasesOf('r2').at(-1);
    if (r1 === undefined || r2 === undefined) throw new Error('no lease');
    expect(onMain('tab')).not.toEqual([]);
    expect(onMain('r1')).toEqual([]);
    const variants = [r1, r2].map((lease) => h.coordinator.state.jobs.get(lease.jobId));
    for (const variant of variants) {
      expect(variant).toMatchObject({ variantOf: main.id, job: { height: main.height, difficulty: main.difficulty } });
      expect(bytesToHex(variant?.job.blob ?? new Uint8Array())).not.toBe(bytesToHex(main.blob));
    }
    expect(r1.jobId).not.toBe(r2.jobId);
    expect([r1.start, r2.start]).toEqual([0, 0]);
    // The cluster carries on with its own job, not a rig's, after a takeover.
    expect(h.coordinator.state.latestJob()?.id).toBe(main.id);
    // A rig's block on its variant is the chain's next block.
    h.share('r1', r1, 5, easyHash(1), 1);
    h.verifyAll(() => easyHash(1));
    expect(h.resultsOf('r1')).toEqual([expect.objectContaining({ accepted: true })]);
    expect(h.notices).toContainEqual({
      kind: 'block',
      block: expect.objectContaining({ height: main.height, nonce: 5, finderId: idOf('r1') }),
    });
    // The next job replaces the variants with it: a late share of one is stale.
    h.advance(DEFAULT_COORDINATOR_SETTINGS.staleGraceMs + 1);
    h.share('r2', r2, 6, easyHash(2), 2);
    expect(h.resultsOf('r2')).toEqual([expect.objectContaining({ accepted: false, reason: 'stale' })]);
  });

  it("mine a daemon job's variant the source makes, and hand its blocks to the source as that variant", () => {
    const h = harness({}, { demo: false, variants: true });
    h.coordinator.setJob(externalJob('daemon-10', h.now(), { difficulty: 1000n }));
    h.join('r', { ...rig(GW), hashrate: 1000 });
    const lease = firstLease(h, 'r');
    expect(lease.jobId).toBe('daemon-10-v1');
    h.share('r', lease, lease.start + 1, easyHash(1), 1);
    h.verifyAll(() => easyHash(1));
    expect(h.submitted.map(({ job, nonce }) => [job.id, nonce])).toEqual([['daemon-10-v1', lease.start + 1]]);
  });

  it('find no block in a job whose nonce range holds none, and the source is asked for fresh work', () => {
    const h = harness({}, { demo: false });
    h.coordinator.setJob(externalJob('nicehash', h.now(), { nonceRange: { start: 0x2a00_0000, count: 2 ** 24 } }));
    h.join('tab', { hashrate: 100 });
    h.join('r', { ...rig(GW), hashrate: 1000 });
    expect(h.leasesOf('r')).toEqual([]);
    expect(h.wanted.map((job) => job.id)).toEqual(['nicehash']);
  });
});

// Test support: a Coordinator on a recording host, driven by fast-check-generated steps: admissions, statuses,
// requests for work, shares of every kind, verifications, replica acknowledgements, timeouts and jumps in time. Honest
// members send only what the protocol lets them; cheaters send anything, and the verifier catches their hashes.
import fc from 'fast-check';
import { Coordinator, type CoordinatorNotice, type CoordinatorSettings } from '../src/cluster/coordinator.js';
import { Envelopes } from '../src/cluster/envelopes.js';
import { type Lease, type PeerInfo, PROTOCOL_VERSION, type UpBody } from '../src/cluster/wire.js';
import { bytesToHex } from '../src/hex.js';
import type { CredentialPayload } from '../src/identity/credential.js';
import type { Identity } from '../src/identity/keys.js';
import type { SignatureScheme } from '../src/identity/signature-scheme.js';
import type { Job } from '../src/jobs/job.js';
import { seededRandom } from '../src/simulation/sim-tools.js';
import { FUZZ_START_MS, fuzzCredential, fuzzIdentity } from './fuzz-cluster.js';
import type { IssuedLease } from './fuzz-invariants.js';
import { infoOf } from './keys.js';

const v = PROTOCOL_VERSION;
/** Honest members, then cheaters. */
export const HONEST_MEMBERS = 3;
export const CHEATERS = 3;

type ShareKind =
  | 'valid'
  | 'candidate'
  | 'repeat'
  | 'outOfRange'
  | 'othersLease'
  | 'duplicate'
  | 'lowDifficulty'
  | 'unknownJob'
  | 'forged';

export type CoordinatorStep =
  | {
      kind: 'admit';
      peer: number;
      orphan: boolean;
      gateway: boolean;
      hashrate: number;
      maxLinks: number;
      mines: boolean;
    }
  | { kind: 'status'; peer: number; parent: number; hashrate: number }
  | { kind: 'needWork'; peer: number; hashrate: number }
  | { kind: 'share'; peer: number; share: ShareKind; lease: number; offset: number; seq: number }
  | { kind: 'verify'; count: number }
  | { kind: 'replicaAck'; peer: number; seq: 'all' | 'none' | number; resend: boolean }
  | { kind: 'gone'; reporter: number; peer: number }
  | { kind: 'drop'; peer: number }
  | {
      kind: 'signedUp';
      peer: number;
      forged: boolean;
      term: 'own' | 'other';
      n: 'next' | 'same' | 'huge';
      body: 'needWork' | 'status';
    }
  | { kind: 'timeout'; ms: number }
  | { kind: 'timeJump'; ms: number }
  | { kind: 'newJob'; count: number; atTop: boolean; difficulty: number }
  | { kind: 'sourceVerdict'; found: boolean };

const peer = fc.nat({ max: HONEST_MEMBERS + CHEATERS });
const hashrate = fc.oneof(fc.constantFrom(0, 1, 10, 1000, 1e9), fc.double({ min: 0, max: 1e9, noNaN: true }));

export const coordinatorSteps: fc.Arbitrary<CoordinatorStep> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('admit' as const),
      peer,
      orphan: fc.boolean(),
      gateway: fc.boolean(),
      hashrate,
      maxLinks: fc.constantFrom(2, 8, 1024),
      mines: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('status' as const), peer, parent: fc.nat({ max: 8 }), hashrate }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('needWork' as const), peer, hashrate }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('share' as const),
      peer,
      share: fc.constantFrom<ShareKind>(
        'valid',
        'valid',
        'candidate',
        'repeat',
        'outOfRange',
        'othersLease',
        'duplicate',
        'lowDifficulty',
        'unknownJob',
        'forged',
      ),
      lease: fc.nat(),
      offset: fc.nat(),
      seq: fc.oneof(fc.nat({ max: 50 }), fc.constant(1e300)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('verify' as const), count: fc.integer({ min: 1, max: 8 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replicaAck' as const),
      peer,
      seq: fc.oneof(fc.constantFrom('all' as const, 'none' as const), fc.nat({ max: 50 }), fc.constant(1e300)),
      resend: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gone' as const), reporter: peer, peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), peer }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('signedUp' as const),
      peer,
      forged: fc.boolean(),
      term: fc.constantFrom('own' as const, 'other' as const),
      n: fc.constantFrom('next' as const, 'same' as const, 'huge' as const),
      body: fc.constantFrom('needWork' as const, 'status' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('timeout' as const), ms: fc.constantFrom(250, 1000, 2500, 7000) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('timeJump' as const),
      ms: fc.constantFrom(40_000, 3_600_000, 86_400_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('newJob' as const),
      count: fc.constantFrom(1, 7, 64, 100, 1000, 2 ** 24, 2 ** 32),
      atTop: fc.boolean(),
      difficulty: fc.constantFrom(1, 100, 1e6, 1e12),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sourceVerdict' as const), found: fc.boolean() }) },
);

/** A share as a member made it, and whether its hash is what the miner really computed. */
interface Submitted {
  peer: string;
  leaseId: string;
  jobId: string;
  nonce: number;
  hash: Uint8Array;
}

/** One nonce in this many hashes to a block candidate on any job the rig makes. */
const CANDIDATE_EVERY = 17;

/** The hash of a nonce, as a miner and the verifier compute it: it meets the target of the lease that covers it. */
function trueHash(target: bigint, nonce: number): Uint8Array {
  if (nonce % CANDIDATE_EVERY === 0) return hashWithShareValue(0n, nonce).fill(0, 8);
  return hashWithShareValue(target === 0n ? 0n : (target - 1n) / BigInt(1 + (nonce % 7)), nonce);
}

/** A hash whose bytes 24..31 read `value` (little-endian), so it meets share targets above `value`. */
function hashWithShareValue(value: bigint, tag: number): Uint8Array {
  const hash = new Uint8Array(32).map((_, i) => (i * 31 + tag) & 0xff);
  new DataView(hash.buffer).setBigUint64(24, value, true);
  return hash;
}

export class CoordinatorRig {
  now = FUZZ_START_MS;
  readonly coordinator: Coordinator;
  readonly self: Identity;
  readonly members: Identity[];
  readonly leases: IssuedLease[] = [];
  readonly notices: CoordinatorNotice[] = [];
  /** What the rig found wrong as it went. */
  readonly violations: string[] = [];
  readonly wantedJobs: string[] = [];
  readonly submittedBlocks: Job[] = [];
  /** Every distinct job:nonce each member sent a share for. */
  readonly sent = new Map<string, Set<string>>();
  private readonly verifications: { ticket: number; blob: Uint8Array; nonce: number }[] = [];
  /** The hash of each blob:nonce that was claimed, as the verifier computes it. */
  private readonly truths = new Map<string, Uint8Array>();
  private readonly sentShares: Submitted[] = [];
  private readonly children = new Set<string>();
  private readonly envelopes: Envelopes;
  private readonly memberEnvelopes: Envelopes[];
  private readonly upNumbers = new Map<string, number>();
  private nextJob = 1;
  private jobWanted = false;

  constructor(
    scheme: SignatureScheme,
    readonly settings: CoordinatorSettings,
    readonly demo: boolean,
  ) {
    this.self = fuzzIdentity(scheme, 'gateway');
    this.members = Array.from({ length: HONEST_MEMBERS + CHEATERS }, (_, i) => fuzzIdentity(scheme, `member ${i}`));
    const cluster = fuzzIdentity(scheme, 'the cluster').id;
    const credential = fuzzCredential(scheme, 'gateway', true);
    this.envelopes = new Envelopes({ scheme, identity: this.self, cluster, credential }, () => this.now);
    this.memberEnvelopes = this.members.map(
      (identity) => new Envelopes({ scheme, identity, cluster, credential: null }, () => this.now),
    );
    this.coordinator = new Coordinator(
      {
        selfId: this.self.id,
        envelopes: this.envelopes,
        now: () => this.now,
        random: seededRandom(7),
        children: () => this.children,
        // Its members are no rigs; a pool's jobs have no variants either.
        variantOf: () => undefined,
      },
      1,
      settings,
      {
        demo,
        selfInfo: this.info(this.self.id, { role: 'gateway', jobSource: true, maxLinks: 12, hashrate: 50 }),
        durable: false,
      },
    );
    this.coordinator.start();
    if (!demo) this.newJob({ kind: 'newJob', count: 2 ** 32, atTop: false, difficulty: 1e6 });
    this.settle();
  }

  /** Takes what the coordinator asked for: verifications, candidates, requests for fresh work, notices. */
  private settle(): void {
    for (const action of this.coordinator.drain()) {
      switch (action.kind) {
        case 'verify':
          this.verifications.push({ ticket: action.ticket, blob: action.blob, nonce: action.nonce });
          break;
        case 'submitCandidate':
          this.submittedBlocks.push(action.job);
          break;
        case 'wantJob':
          // Asked again for a job it already asked about: exhaustion handled twice.
          if (this.wantedJobs.includes(action.job.id))
            this.violations.push(`fresh work asked twice for ${action.job.id}`);
          this.wantedJobs.push(action.job.id);
          this.jobWanted = true;
          break;
        case 'handedOver':
          this.violations.push('handed over without a standby that has its own source');
          break;
        case 'notice':
          this.observe(action.notice);
          break;
        default:
          // Sends, and what it delivers to itself: the rig plays its members from the state, not the messages.
          break;
      }
    }
  }

  /** Honest members send only what the protocol lets them; the rest cheat. */
  isHonest(id: string): boolean {
    const index = this.members.findIndex((identity) => identity.id === id);
    return index >= 0 && index < HONEST_MEMBERS;
  }

  private info(id: string, overrides: Partial<PeerInfo> = {}): PeerInfo {
    return infoOf(id, { name: `name ${id.slice(0, 4)}`, ...overrides });
  }

  private observe(notice: CoordinatorNotice): void {
    this.notices.push(notice);
    const { state } = this.coordinator;
    if (notice.kind === 'lease') {
      const job = state.jobs.get(notice.lease.jobId)?.job;
      this.leases.push({
        peer: notice.peer,
        lease: notice.lease,
        range: job === undefined ? undefined : (job.nonceRange ?? { start: 0, count: 2 ** 32 }),
        creditedWork: state.accounts.get(notice.peer)?.work ?? 0n,
        banned: state.banned.has(notice.peer),
      });
    }
    if (notice.kind === 'banned' && (this.isHonest(notice.peer) || notice.peer === this.self.id)) {
      this.violations.push(`banned ${notice.peer === this.self.id ? 'itself' : 'an honest member'}`);
    }
    if (notice.kind === 'share' && !notice.accepted && (this.isHonest(notice.peer) || notice.peer === this.self.id)) {
      // A strike, for a share the sender computed as asked.
      if (notice.reason === 'invalid' || notice.reason === 'low-difficulty' || notice.reason === 'out-of-range') {
        this.violations.push(`an honest share was refused as ${notice.reason}`);
      }
    }
  }

  private member(index: number): Identity {
    // The last index is the coordinator itself, which mines too.
    return this.members[index] ?? this.self;
  }

  private leasesOf(id: string): Lease[] {
    return this.leases.filter((issued) => issued.peer === id).map((issued) => issued.lease);
  }

  run(step: CoordinatorStep): void {
    if (this.jobWanted) {
      // The source answers a request for fresh work on the next step, never from within it.
      this.jobWanted = false;
      this.newJob({ kind: 'newJob', count: 2 ** 24, atTop: true, difficulty: 1e6 });
      this.settle();
    }
    this.apply(step);
    this.settle();
  }

  private apply(step: CoordinatorStep): void {
    const c = this.coordinator;
    switch (step.kind) {
      case 'admit': {
        const { id } = this.member(step.peer);
        if (id === this.self.id) return;
        const gateway: CredentialPayload | null = step.gateway
          ? {
              t: 'credential',
              cluster: this.self.id,
              key: id,
              name: 'gw',
              server: false,
              issuedAt: 0,
              expiresAt: FUZZ_START_MS * 2,
            }
          : null;
        c.admit(
          this.info(id, {
            hashrate: step.hashrate,
            maxLinks: step.maxLinks,
            mines: step.mines,
            role: step.gateway ? 'gateway' : 'worker',
            jobSource: step.gateway,
          }),
          step.orphan,
          gateway,
        );
        const parent = c.parentOf(id);
        if (parent === this.self.id) this.children.add(id);
        // A cheater it banned relays for nobody.
        if (parent !== undefined && c.state.banned.has(parent))
          this.violations.push('placed a joiner under a banned peer');
        return;
      }
      case 'status': {
        const { id } = this.member(step.peer);
        const parent = step.parent < this.members.length ? this.member(step.parent).id : this.self.id;
        const known = c.memberInfo(id);
        c.handleUp(id, {
          v,
          type: 'status',
          info: { ...(known ?? this.info(id)), hashrate: step.hashrate },
          parent,
          children: 0,
        });
        return;
      }
      case 'needWork':
        c.handleUp(this.member(step.peer).id, { v, type: 'needWork', hashrate: step.hashrate });
        return;
      case 'share':
        this.share(step);
        return;
      case 'verify':
        for (const request of this.verifications.splice(0, step.count)) {
          const truth = this.truths.get(`${bytesToHex(request.blob)}:${request.nonce}`);
          c.handleVerified(request.ticket, truth ?? new Uint8Array(32).fill(0xab));
        }
        return;
      case 'replicaAck': {
        const seq = step.seq === 'all' ? c.state.nextSeq : step.seq === 'none' ? 0 : step.seq;
        c.handleUp(this.member(step.peer).id, { v, type: 'replicaAck', seq, resend: step.resend });
        return;
      }
      case 'gone':
        c.handleUp(this.member(step.reporter).id, { v, type: 'gone', peer: this.member(step.peer).id });
        return;
      case 'drop':
        this.children.delete(this.member(step.peer).id);
        c.drop(this.member(step.peer).id);
        return;
      case 'signedUp':
        this.signedUp(step);
        return;
      case 'timeout':
      case 'timeJump':
        this.now += step.ms;
        c.handleTimeout();
        return;
      case 'newJob':
        if (!this.demo) this.newJob(step);
        return;
      case 'sourceVerdict': {
        // The external source's verdict on the last candidate submitted.
        const job = this.submittedBlocks.pop();
        if (job === undefined) return;
        const finder = { id: this.members[0]?.id ?? this.self.id, name: 'finder' };
        c.handleSourceVerdict(
          job,
          0,
          finder,
          step.found
            ? {
                accepted: true,
                block: {
                  height: job.height,
                  id: new Uint8Array(32).fill(this.submittedBlocks.length),
                  prevId: new Uint8Array(32),
                  timestamp: Math.floor(this.now / 1000),
                  difficulty: job.difficulty,
                  seedHash: job.seedHash,
                  nonce: 0,
                  finderId: finder.id,
                  finderName: finder.name,
                },
              }
            : { accepted: false, reason: 'the fuzzed source refused it' },
        );
        return;
      }
    }
  }

  private newJob(step: Extract<CoordinatorStep, { kind: 'newJob' }>): void {
    const id = `job-${this.nextJob++}`;
    const start = step.atTop ? 2 ** 32 - step.count : 0;
    const job: Job = {
      id,
      source: 'stratum',
      height: 100 + this.nextJob,
      seedHash: new Uint8Array(32).fill(this.nextJob & 0xff),
      blob: new Uint8Array(76).fill(this.nextJob & 0xff),
      difficulty: BigInt(step.difficulty),
      createdAt: this.now,
      ...(step.count === 2 ** 32 ? {} : { nonceRange: { start, count: step.count } }),
    };
    this.coordinator.setJob(job);
  }

  private share(step: Extract<CoordinatorStep, { kind: 'share' }>): void {
    const c = this.coordinator;
    const sender = this.member(step.peer);
    const honest = this.isHonest(sender.id) || sender.id === this.self.id;
    // Honest members send real shares of their own leases, and send them again when an answer was lost.
    const kind = honest ? (step.share === 'repeat' || step.share === 'candidate' ? step.share : 'valid') : step.share;
    if (kind === 'repeat') {
      const before = this.sentShares.filter((share) => share.peer === sender.id);
      const again = before[step.lease % Math.max(1, before.length)];
      if (again !== undefined) this.send(again, step.seq);
      return;
    }
    const own = this.leasesOf(sender.id);
    const others = this.leases.filter((issued) => issued.peer !== sender.id).map((issued) => issued.lease);
    const pool = kind === 'othersLease' || kind === 'duplicate' ? others : own;
    const lease = pool.length === 0 ? undefined : pool[step.lease % pool.length];
    const job = lease === undefined ? undefined : c.state.jobs.get(lease.jobId)?.job;
    if (lease === undefined || job === undefined) return;
    let nonce = (lease.start + (step.offset % lease.count)) >>> 0;
    if (kind === 'outOfRange') nonce = (lease.start + lease.count + (step.offset % 1000)) >>> 0;
    if (kind === 'candidate') {
      // The next nonce of the lease whose hash is a block candidate, if the lease holds one.
      const next = nonce + ((CANDIDATE_EVERY - (nonce % CANDIDATE_EVERY)) % CANDIDATE_EVERY);
      if (next >= lease.start + lease.count) return;
      nonce = next;
    }
    const target = BigInt(lease.target);
    const truth = trueHash(target, nonce);
    // The verifier computes the truth; the first lease that covered the nonce set its target.
    const key = `${bytesToHex(job.blob)}:${nonce}`;
    if (!this.truths.has(key)) this.truths.set(key, truth);
    let hash = truth;
    if (kind === 'lowDifficulty') hash = hashWithShareValue(target, nonce);
    if (kind === 'forged') hash = truth.map((byte, i) => (i === 0 ? byte ^ 0xff : byte));
    this.send(
      { peer: sender.id, leaseId: lease.id, jobId: kind === 'unknownJob' ? 'no such job' : lease.jobId, nonce, hash },
      step.seq,
    );
  }

  private send(share: Submitted, seq: number): void {
    this.sentShares.push(share);
    const sent = this.sent.get(share.peer) ?? new Set<string>();
    sent.add(`${share.jobId}:${share.nonce}`);
    this.sent.set(share.peer, sent);
    const { jobId, leaseId, nonce } = share;
    const body: UpBody = { v, type: 'share', seq, jobId, leaseId, nonce, hash: bytesToHex(share.hash) };
    this.coordinator.handleUp(share.peer, body);
  }

  private signedUp(step: Extract<CoordinatorStep, { kind: 'signedUp' }>): void {
    const index = Math.min(step.peer, this.members.length - 1);
    const origin = this.member(index);
    const envelopes = this.memberEnvelopes[step.forged ? (index + 1) % this.members.length : index] as Envelopes;
    const last = this.upNumbers.get(origin.id) ?? 0;
    const n = step.n === 'next' ? last + 1 : step.n === 'same' ? last : 1e300;
    this.upNumbers.set(origin.id, Math.max(last, n === 1e300 ? last : n));
    const term = step.term === 'own' ? this.coordinator.term : this.coordinator.term + 1;
    const body: UpBody =
      step.body === 'needWork'
        ? { v, type: 'needWork', hashrate: 1e9 }
        : {
            v,
            type: 'status',
            info: this.info(origin.id, { hashrate: 1e9, maxLinks: 1024 }),
            parent: this.self.id,
            children: 0,
          };
    const message = envelopes.up(term, n, body);
    // A forger signs with its own key and names the victim as origin.
    const forged = step.forged
      ? {
          ...message,
          signed: {
            ...message.signed,
            payload: message.signed.payload.replace(/"origin":"[a-z2-7]+"/, `"origin":"${origin.id}"`),
          },
        }
      : message;
    if (forged.type === 'up') this.coordinator.handleUpMessage(forged);
  }
}

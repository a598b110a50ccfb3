// MeshNode on an in-memory stand-in for the guarded peerjs transport (a room of transports whose links deliver
// messages as JSON after a millisecond), with an engine that hashes the simulation's cheap proof of work on a timer, all on vitest's fake
// clock: what the observer API shows, how often it speaks, and pause/resume.

import {
  type BlockRecord,
  type Finder,
  type Job,
  type JobSource,
  type KeyReady,
  type LinkPath,
  type MineRequest,
  type MineResult,
  type MiningEngine,
  meetsShareTarget,
  type PeerInfo,
  type Share,
  type SourceStatus,
  type SourceVerdict,
} from '@rxmesh/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakePow } from '../../core/src/simulation/sim-tools.js';
import { idOf, TEST_NOW, testKeys } from '../../core/testing/keys.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './link-codec.js';
import type { Log } from './log.js';
import { MeshNode, type MeshSnapshot, type ShareHasher } from './mesh-node.js';
import { type LinkProblem, type MeshConnection, type MeshTransport, zeroLinkCounters } from './transport.js';

type Listener = (...args: never[]) => void;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...values: unknown[]) => void)(...args);
  }
}

class FakeConnection extends Emitter implements MeshConnection {
  other: FakeConnection | undefined;
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private closed = false;

  constructor(readonly peer: string) {
    super();
  }

  send(message: unknown): boolean {
    if (this.closed) return false;
    const copy: unknown = JSON.parse(JSON.stringify(message)); // what the link codec delivers
    setTimeout(() => {
      if (!this.closed) this.other?.emit('message', copy);
    }, 1);
    return true;
  }

  /** In one process, between the peers' own addresses. */
  async path(): Promise<LinkPath> {
    return 'direct';
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const other = this.other;
    if (other !== undefined) other.closed = true;
    setTimeout(() => {
      this.emit('close');
      other?.emit('close');
    }, 1);
  }
}

/** The peers of one room: discovery lists them, and connect() pairs two FakeConnections. */
class FakeRoom {
  readonly transports = new Map<string, FakeTransport>();

  join(id: string): FakeTransport {
    const transport = new FakeTransport(id, this);
    this.transports.set(id, transport);
    return transport;
  }
}

class FakeTransport extends Emitter implements MeshTransport {
  readonly disconnected = false;
  readonly counters = zeroLinkCounters();
  destroyed = false;

  constructor(
    readonly id: string,
    private readonly room: FakeRoom,
  ) {
    super();
  }

  connect(peer: string): MeshConnection {
    const near = new FakeConnection(peer);
    const remote = this.room.transports.get(peer);
    if (remote === undefined) {
      setTimeout(() => this.emit('error', new Error(`Could not connect to peer ${peer}`)), 1);
      return near;
    }
    const far = new FakeConnection(this.id);
    near.other = far;
    far.other = near;
    remote.emit('connection', far);
    setTimeout(() => {
      near.emit('open');
      far.emit('open');
    }, 5);
    return near;
  }

  reconnect(): void {}

  listAllPeers(callback: (ids: string[]) => void): void {
    setTimeout(() => callback([...this.room.transports.keys()]), 1);
  }

  linkCounters() {
    return { ...this.counters };
  }

  destroy(): void {
    this.destroyed = true;
    this.room.transports.delete(this.id);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hashes `HASHES_PER_STEP` nonces every `STEP_MS` (1000 H/s), and builds a key in `keySteps` of `keyStepMs`. */
class FakeEngine implements MiningEngine {
  static readonly STEP_MS = 10;
  static readonly HASHES_PER_STEP = 10;
  readonly mode = 'light';
  readonly threads = 1;
  /** Set by a test to play an engine whose way of hashing changes. */
  readsDataset?: boolean;
  key: Uint8Array | undefined;
  /** Every nonce hashed. */
  hashed = 0;
  private stopRequested = false;

  constructor(
    private readonly keySteps = 4,
    private readonly keyStepMs = 100,
  ) {}

  async setKey(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady> {
    for (let step = 1; step <= this.keySteps; step++) {
      await sleep(this.keyStepMs);
      onProgress?.(step, this.keySteps);
    }
    this.key = key;
    return { cacheInitMs: this.keySteps * this.keyStepMs, datasetInitMs: null };
  }

  async mine(request: MineRequest): Promise<MineResult> {
    this.stopRequested = false;
    const prepared = fakePow.prepare(this.key ?? new Uint8Array(32), request.blob);
    const shares: Share[] = [];
    let hashes = 0;
    while (hashes < request.count && !this.stopRequested) {
      await sleep(FakeEngine.STEP_MS);
      const step = Math.min(FakeEngine.HASHES_PER_STEP, request.count - hashes);
      for (let i = 0; i < step; i++) {
        const nonce = request.firstNonce + hashes + i;
        const hash = fakePow.hash(prepared, nonce);
        if (meetsShareTarget(hash, request.target)) shares.push({ nonce, hash });
      }
      hashes += step;
      this.hashed += step;
    }
    return { hashes, shares, stoppedEarly: hashes < request.count };
  }

  stop(): void {
    this.stopRequested = true;
  }

  async hash(): Promise<Uint8Array> {
    throw new Error('not used by the mesh node');
  }

  release(): void {}
}

const fakeHasher: ShareHasher = {
  hash: async (seedHash, blob, nonce) => fakePow.hash(fakePow.prepare(seedHash, blob), nonce),
  close: async () => {},
};

const lines: string[] = [];
const log: Log = {
  info: (message) => lines.push(message),
  warn: (message) => lines.push(`warn: ${message}`),
  error: (message) => lines.push(`error: ${message}`),
};

function info(
  name: string,
  role: PeerInfo['role'],
  mines: boolean,
): Omit<PeerInfo, 'id' | 'role' | 'startedAt' | 'hashrate'> {
  // Browsers (workers) hold 8 links, hosts 64 (a coordinator keeps 8 of them free for joiners).
  return {
    name,
    engine: 'wasm',
    mode: 'light',
    cores: 2,
    memoryMb: 4096,
    mines,
    maxLinks: role === 'worker' ? 8 : 64,
    jobSource: false,
  };
}

/** A daemon stand-in: one job of difficulty 3000, and a verdict for every candidate, alternately accepting. */
class ScriptedSource implements JobSource {
  readonly kind = 'daemon';
  latestJob: Job | undefined;
  readonly submitted: { jobId: string; nonce: number; finder: Finder }[] = [];
  stopped = false;
  private accepted = 0;
  private rejected = 0;

  start(onJob: (job: Job) => void): void {
    this.latestJob = {
      id: 'daemon-7-00',
      source: 'daemon',
      height: 7,
      seedHash: new Uint8Array(32).fill(9),
      blob: new Uint8Array(76).fill(1),
      difficulty: 3000n,
      createdAt: Date.now(),
    };
    onJob(this.latestJob);
  }

  async submit(job: Job, nonce: number, hash: Uint8Array, finder: Finder): Promise<SourceVerdict> {
    this.submitted.push({ jobId: job.id, nonce, finder });
    if (this.submitted.length % 2 === 0) {
      this.rejected++;
      return { accepted: false, reason: 'Block not accepted.' };
    }
    this.accepted++;
    const block: BlockRecord = {
      height: job.height + this.accepted - 1,
      id: hash,
      prevId: new Uint8Array(32),
      timestamp: 1_800_000_000,
      difficulty: job.difficulty,
      seedHash: job.seedHash,
      nonce,
      finderId: finder.id,
      finderName: finder.name,
    };
    return { accepted: true, block };
  }

  status(): SourceStatus {
    return {
      kind: 'daemon',
      url: 'http://127.0.0.1:18081',
      connected: !this.stopped,
      accepted: this.accepted,
      rejected: this.rejected,
      lastError: null,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}

const nodes: MeshNode[] = [];

/** A node named `name` (its id is idOf(name)); a gateway holds a credential of the test cluster. */
function startNode(room: FakeRoom, name: string, role: PeerInfo['role'], engine?: FakeEngine): MeshNode {
  const node = MeshNode.start({
    transport: room.join(idOf(name)),
    keys: testKeys(name, { gateway: role === 'gateway' }),
    info: info(name, role, engine !== undefined),
    source: role === 'worker' ? 'none' : 'demo',
    ...(engine === undefined ? {} : { engine }),
    ...(role === 'worker' ? {} : { hasher: fakeHasher }),
    log,
    statusSeconds: 30,
  });
  nodes.push(node);
  return node;
}

beforeEach(() => {
  // The test cluster's credentials are valid for a day from TEST_NOW.
  vi.useFakeTimers({ now: TEST_NOW });
  lines.length = 0;
});

/** Stops `node`, running the clock while its engine settles the batch in flight. */
async function stopNode(node: MeshNode): Promise<void> {
  const stopping = node.stop();
  await vi.advanceTimersByTimeAsync(1000);
  await stopping;
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await stopNode(node);
  vi.useRealTimers();
});

describe('MeshNode', () => {
  it('as a lone mining gateway: coordinates, builds its key, mines, gets shares accepted and finds blocks', async () => {
    const engine = new FakeEngine();
    const gateway = startNode(new FakeRoom(), 'gw', 'gateway', engine);
    expect(gateway.snapshot()).toMatchObject({ role: 'discovering', keyInit: null, job: null, hashrate: 0 });

    await vi.advanceTimersByTimeAsync(250);
    const building = gateway.snapshot().keyInit;
    expect(building).toMatchObject({ mode: 'light', total: 4, finishedAt: null });
    expect(building?.done).toBeGreaterThan(0);
    expect(building?.done).toBeLessThan(4);

    await vi.advanceTimersByTimeAsync(20_000);
    const snapshot = gateway.snapshot();
    expect(snapshot.id).toBe(idOf('gw'));
    expect(snapshot.role).toBe('coordinator');
    expect(snapshot.coordinator).toEqual({ id: idOf('gw'), term: 1 });
    expect(snapshot.keyInit).toMatchObject({ done: 4, total: 4 });
    expect(snapshot.keyInit?.finishedAt).toBeGreaterThanOrEqual(snapshot.keyInit?.startedAt ?? Number.NaN);
    expect(snapshot.keyInit?.seedHash).toBe(snapshot.job?.seedHash);
    expect(snapshot.mining).toBe(true);
    // The engine hashes 1000 H/s; the window spans whole batches.
    expect(snapshot.hashrate).toBeGreaterThan(900);
    expect(snapshot.hashrate).toBeLessThan(1100);
    // Hashes count once their batch (about 2 s) ends.
    expect(snapshot.totalHashes).toBeLessThanOrEqual(engine.hashed);
    expect(snapshot.totalHashes).toBeGreaterThan(engine.hashed - 2500);
    expect(snapshot.sharesAccepted).toBeGreaterThan(0);
    expect(snapshot.sharesRejected).toBe(0);
    expect(snapshot.lastRejectReason).toBeNull();
    expect(snapshot.totals).toMatchObject({ peers: 1, sharesAccepted: snapshot.sharesAccepted });
    expect(snapshot.job?.source).toBe('demo');
    expect(snapshot.job?.difficulty).toMatch(/^[1-9][0-9]*$/);
    expect(snapshot.blocks.length).toBeGreaterThan(0);
    expect(snapshot.blocks[0]).toMatchObject({ finderId: idOf('gw'), finderName: 'gw' });
    expect(snapshot.blocks[0]?.id).toMatch(/^[0-9a-f]{64}$/);
    const heights = snapshot.blocks.map((block) => block.height);
    expect(heights).toEqual([...heights].sort((a, b) => b - a));
    expect(snapshot.totals.blocksFound).toBeGreaterThanOrEqual(snapshot.blocks.length);

    const [self] = gateway.members() ?? [];
    expect(self).toMatchObject({ id: idOf('gw'), role: 'gateway', parent: null, standbyRank: null });
    expect(self?.sharesAccepted).toBe(snapshot.sharesAccepted);
    expect(self?.creditedWork).toBeGreaterThan(0n);
  });

  it('shows the cluster, and logs, whether its engine reads a dataset now, from the batch after it changes', async () => {
    const engine = new FakeEngine();
    const gateway = startNode(new FakeRoom(), 'gw', 'gateway', engine);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(gateway.members()?.[0]?.mode).toBe('light');
    engine.readsDataset = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(gateway.members()?.[0]?.mode).toBe('full');
    engine.readsDataset = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(gateway.members()?.[0]?.mode).toBe('light');
    // Each change is logged once.
    expect(lines.filter((line) => line.startsWith('hashing in'))).toEqual([
      'hashing in full mode: dataset items are read from the built dataset',
      'hashing in light mode: dataset items are computed from the cache until a dataset is built for the key',
    ]);
  });

  it("with a job source: mines the source's job, submits verified candidates with their finder, counts its verdicts", async () => {
    const source = new ScriptedSource();
    const gateway = MeshNode.start({
      transport: new FakeRoom().join(idOf('gw')),
      keys: testKeys('gw', { gateway: true }),
      info: { ...info('gw', 'gateway', true), jobSource: true },
      source: 'external',
      jobSource: source,
      engine: new FakeEngine(),
      hasher: fakeHasher,
      log,
      statusSeconds: 30,
    });
    nodes.push(gateway);
    await vi.advanceTimersByTimeAsync(30_000);
    const snapshot = gateway.snapshot();
    expect(snapshot.job).toMatchObject({ source: 'daemon', height: 7, difficulty: '3000' });
    // At 1000 H/s for about 28 s, a difficulty of 3000 gives about 9 candidates.
    expect(source.submitted.length).toBeGreaterThanOrEqual(2);
    expect(source.submitted.every((candidate) => candidate.jobId === 'daemon-7-00')).toBe(true);
    expect(source.submitted[0]?.finder).toEqual({ id: idOf('gw'), name: 'gw' });
    const accepted = Math.ceil(source.submitted.length / 2);
    expect(snapshot.source).toMatchObject({ kind: 'daemon', accepted, rejected: source.submitted.length - accepted });
    expect(snapshot.totals.blocksFound).toBe(accepted);
    expect(snapshot.blocks[0]).toMatchObject({ finderId: idOf('gw') });
    expect(lines.some((line) => line.startsWith('warn: daemon refused the block at height 7 found by gw'))).toBe(true);
    // A line for each lease, with its nonces: the only miner's leases follow one another from the job's first nonce.
    const leases = lines.flatMap((line) => {
      const match = /^mining nonces (\d+)–(\d+) of the job at height 7$/.exec(line);
      return match === null ? [] : [[Number(match[1]), Number(match[2])] as const];
    });
    expect(leases.length).toBeGreaterThanOrEqual(1);
    expect(leases[0]?.[0]).toBe(0);
    for (let index = 1; index < leases.length; index++) {
      expect(leases[index]?.[0]).toBe((leases[index - 1]?.[1] ?? 0) + 1);
    }
    expect(lines.filter((line) => line === 'found a candidate for the daemon job at height 7')).toHaveLength(
      source.submitted.length,
    );

    await stopNode(gateway);
    expect(source.stopped).toBe(true);
  });

  it('notifies at most every 250 ms, and only when the snapshot changed', async () => {
    // A key built in 100 steps of 10 ms: a change every 10 ms for a second.
    const gateway = startNode(new FakeRoom(), 'gw', 'gateway', new FakeEngine(100, 10));
    const calls: { at: number; snapshot: MeshSnapshot }[] = [];
    gateway.subscribe((snapshot) => calls.push({ at: performance.now(), snapshot }));
    await vi.advanceTimersByTimeAsync(1000);
    const during = calls.filter(({ snapshot }) => snapshot.keyInit?.finishedAt === null);
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(during.length).toBeLessThanOrEqual(1000 / 250 + 1);
    await vi.advanceTimersByTimeAsync(10_000);
    // Never two closer than 250 ms (after the one at subscription), and never the same snapshot twice in a row.
    const gaps = calls.slice(2).map(({ at }, i) => at - (calls[i + 1]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(250);
    const serialized = calls.map(({ snapshot }) => JSON.stringify(snapshot));
    expect(serialized.slice(1).every((text, i) => text !== serialized[i])).toBe(true);

    // A gateway that only coordinates, alone, settles: its ticks and heartbeats change nothing worth showing.
    const quiet = startNode(new FakeRoom(), 'quiet', 'gateway');
    await vi.advanceTimersByTimeAsync(2000);
    let quietCalls = 0;
    const unsubscribe = quiet.subscribe(() => quietCalls++);
    await vi.advanceTimersByTimeAsync(5000);
    expect(quietCalls).toBe(1); // the call at subscription
    unsubscribe();
    const before = calls.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls.length).toBeGreaterThan(before); // the other node's subscription still hears
  });

  it('shows a worker the coordinator and the totals, and the coordinator every member and its place', async () => {
    const room = new FakeRoom();
    const gateway = startNode(room, 'gw', 'gateway');
    await vi.advanceTimersByTimeAsync(500);
    // Both at once: they may pick each other to ask the way, and must give up on each other.
    const standby = startNode(room, 'standby', 'gateway', new FakeEngine());
    const worker = startNode(room, 'worker-1', 'worker', new FakeEngine());
    await vi.advanceTimersByTimeAsync(30_000);

    for (const node of [standby, worker]) {
      const snapshot = node.snapshot();
      expect(snapshot.role).toBe('member');
      expect(snapshot.coordinator).toEqual({ id: idOf('gw'), term: 1 });
      expect(snapshot.sharesAccepted).toBeGreaterThan(0);
      expect(snapshot.totals.peers).toBe(3);
      expect(node.members()).toBeNull();
    }
    const members = new Map((gateway.members() ?? []).map((member) => [member.id, member]));
    expect([...members.keys()].sort()).toEqual([idOf('standby'), idOf('gw'), idOf('worker-1')].sort());
    expect(members.get(idOf('gw'))).toMatchObject({
      parent: null,
      standbyRank: null,
      hashrate: 0,
      creditedWork: 0n,
    });
    // A gateway is a standby right under the coordinator; a worker never is one.
    expect(members.get(idOf('standby'))).toMatchObject({ role: 'gateway', parent: idOf('gw'), standbyRank: 0 });
    expect(members.get(idOf('worker-1'))).toMatchObject({ role: 'worker', standbyRank: null });
    for (const name of ['standby', 'worker-1']) {
      const member = members.get(idOf(name));
      expect(member?.creditedWork).toBeGreaterThan(0n);
      expect(member?.hashrate).toBeGreaterThan(500);
      expect(member?.sharesAccepted).toBeGreaterThan(0);
    }
  });

  it('pause() stops the engine within a step and keeps the peer in the cluster; resume() mines again', async () => {
    const room = new FakeRoom();
    startNode(room, 'gw', 'gateway');
    await vi.advanceTimersByTimeAsync(500);
    const engine = new FakeEngine();
    const miner = startNode(room, 'miner', 'worker', engine);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(miner.snapshot().mining).toBe(true);

    miner.pause();
    const paused = miner.snapshot();
    expect(paused).toMatchObject({ paused: true, hashrate: 0 });
    await vi.advanceTimersByTimeAsync(FakeEngine.STEP_MS);
    const hashedAtStop = engine.hashed;
    expect(miner.snapshot().mining).toBe(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(engine.hashed).toBe(hashedAtStop);
    const idle = miner.snapshot();
    expect(idle).toMatchObject({ role: 'member', paused: true, mining: false, hashrate: 0 });
    expect(idle.totalHashes).toBe(hashedAtStop);

    miner.resume();
    await vi.advanceTimersByTimeAsync(5000);
    expect(engine.hashed).toBeGreaterThan(hashedAtStop + 3000);
    expect(miner.snapshot()).toMatchObject({ paused: false, mining: true });
    expect(miner.snapshot().hashrate).toBeGreaterThan(900);
  });

  it('logs an engine that fails to build its key, and stops mining without an unhandled rejection', async () => {
    const engine = new FakeEngine();
    engine.setKey = async () => {
      throw new Error('Not enough memory for the RandomX cache. Close other tabs and try again.');
    };
    const gateway = startNode(new FakeRoom(), 'gw', 'gateway', engine);
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines).toContain(
      'error: mining stopped: Not enough memory for the RandomX cache. Close other tabs and try again.',
    );
    expect(gateway.snapshot()).toMatchObject({ role: 'coordinator', mining: false, totalHashes: 0 });
  });

  it('logs a listener that throws, and the other listeners still hear', async () => {
    const gateway = startNode(new FakeRoom(), 'gw', 'gateway', new FakeEngine());
    let heard = 0;
    gateway.subscribe(() => {
      if (heard > 0) throw new Error('render failed');
    });
    gateway.subscribe(() => heard++);
    await vi.advanceTimersByTimeAsync(2000);
    expect(heard).toBeGreaterThan(2);
    expect(lines).toContain('error: a mesh listener failed: render failed');
  });

  it("logs the transport's link problems, and reports its link counters", () => {
    const room = new FakeRoom();
    const gateway = startNode(room, 'gw', 'gateway');
    const transport = room.transports.get(idOf('gw'));
    if (transport === undefined) throw new Error('The gateway has no transport in the room.');
    transport.counters.badFrames = 3;
    const message = 'Closed the link to mallory, which sent a binary frame (badFrames: 3).';
    transport.emit('problem', { counter: 'badFrames', peer: 'mallory', message } satisfies LinkProblem);
    expect(lines).toContain(`warn: ${message}`);
    expect(gateway.linkCounters()).toMatchObject({ badFrames: 3, sendFailures: 0 });
  });

  it('stop() leaves: the links close, the transport is destroyed, and listeners hear nothing more', async () => {
    const room = new FakeRoom();
    const gateway = startNode(room, 'gw', 'gateway');
    await vi.advanceTimersByTimeAsync(500);
    const engine = new FakeEngine();
    const miner = startNode(room, 'miner', 'worker', engine);
    await vi.advanceTimersByTimeAsync(5000);
    let calls = 0;
    miner.subscribe(() => calls++);
    const transport = room.transports.get(idOf('miner'));
    const callsAtStop = calls;
    let settled = false;
    const stopping = miner.stop().then(() => {
      settled = true;
    });
    expect(transport?.destroyed).toBe(true);
    // stop() resolves once the engine has settled its batch: within one step of the fake engine.
    await vi.advanceTimersByTimeAsync(FakeEngine.STEP_MS);
    await stopping;
    expect(settled).toBe(true);
    expect(miner.snapshot().mining).toBe(false);
    const hashed = engine.hashed;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(engine.hashed).toBe(hashed);
    expect(calls).toBe(callsAtStop);
    // The coordinator noticed the link going down and dropped the member.
    expect(gateway.members()?.map((member) => member.id)).toEqual([idOf('gw')]);
  });
});

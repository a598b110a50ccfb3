// MiningDriver on an engine whose key builds finish when the test says so: the previous work goes on while a new
// seed's key builds, the new work starts as soon as the key is ready, and the cases around it.
import type { Job, KeyReady, Lease, MineRequest, MineResult, MiningEngine, Share } from '@rxmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type KeyInit, MiningDriver, type Progress } from './mining-driver.js';

const STEP_MS = 2;
const HASHES_PER_STEP = 10;
/** The fake's shares: every nonce that is a multiple of this. */
const SHARE_EVERY = 25;

interface KeyBuildCall {
  kind: 'prepare' | 'set';
  key: Uint8Array;
  progress: ((done: number, total: number) => void) | undefined;
  finish(): void;
  fail(error: Error): void;
}

/** An engine whose key builds (in place or in the spare slot) settle only when the test finishes them. */
class ControlledEngine implements MiningEngine {
  readonly mode = 'light';
  readonly threads = 1;
  key: Uint8Array | undefined;
  prepared: Uint8Array | undefined;
  readonly builds: KeyBuildCall[] = [];
  /** Every switch to a prepared key. */
  readonly switches: Uint8Array[] = [];
  /** Every batch: its blob's first byte names the job, and the key it ran under. */
  readonly batches: { request: MineRequest; key: Uint8Array; startedAt: number }[] = [];
  /** Keys freed: the previous key at each switch or in-place build. */
  readonly freed: Uint8Array[] = [];
  /** Like WebAssembly's share buffer: a batch returns early once it holds this many shares, so batches stay short
   * unless a test wants one that runs for seconds. */
  returnAfterShares = 1;
  /** Jobs (by number) whose batches run their whole count, as a real engine's batches of about 2 s do. */
  readonly longBatchesOf = new Set<number>();
  /** setKey() calls to refuse, as an engine busy hashing for the share verifier does. */
  refuseSetKey = 0;
  private stopRequested = false;
  private preparing = false;

  constructor(readonly canPrepare = true) {
    if (!canPrepare) (this as { prepareKey?: unknown }).prepareKey = undefined;
  }

  async setKey(key: Uint8Array): Promise<KeyReady> {
    if (this.refuseSetKey > 0) {
      this.refuseSetKey--;
      throw new Error('The engine is busy: wait for pending work before setKey().');
    }
    if (this.prepared !== undefined && sameKey(this.prepared, key)) {
      if (this.key !== undefined) this.freed.push(this.key);
      this.key = key;
      this.prepared = undefined;
      this.switches.push(key);
      return { cacheInitMs: 0, datasetInitMs: null };
    }
    if (this.key !== undefined) this.freed.push(this.key);
    this.key = undefined;
    this.prepared = undefined;
    await this.build('set', key);
    this.key = key;
    return { cacheInitMs: 1, datasetInitMs: null };
  }

  async prepareKey(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady> {
    if (this.preparing) throw new Error('A key is being prepared already.');
    this.preparing = true;
    try {
      await this.build('prepare', key, onProgress);
    } finally {
      this.preparing = false;
    }
    this.prepared = key;
    return { cacheInitMs: 1, datasetInitMs: null };
  }

  async mine(request: MineRequest): Promise<MineResult> {
    const key = this.key;
    if (key === undefined) throw new Error('mine() without a key');
    this.stopRequested = false;
    this.batches.push({ request, key, startedAt: performance.now() });
    const shares: Share[] = [];
    let hashes = 0;
    const shareCap = () => (this.longBatchesOf.has(request.blob[0] ?? -1) ? Infinity : this.returnAfterShares);
    while (hashes < request.count && !this.stopRequested && shares.length < shareCap()) {
      await new Promise((resolve) => setTimeout(resolve, STEP_MS));
      const step = Math.min(HASHES_PER_STEP, request.count - hashes);
      for (let i = 0; i < step; i++) {
        const nonce = request.firstNonce + hashes + i;
        if (nonce % SHARE_EVERY === 0) shares.push({ nonce, hash: new Uint8Array(32) });
      }
      hashes += step;
    }
    return { hashes, shares, stoppedEarly: hashes < request.count };
  }

  stop(): void {
    this.stopRequested = true;
  }

  async hash(): Promise<Uint8Array> {
    throw new Error('not used by the driver');
  }

  release(): void {}

  /** The last build asked for. */
  get lastBuild(): KeyBuildCall {
    const build = this.builds.at(-1);
    if (build === undefined) throw new Error('no key build was asked for');
    return build;
  }

  private build(kind: KeyBuildCall['kind'], key: Uint8Array, progress?: (done: number, total: number) => void) {
    return new Promise<void>((finish, fail) => this.builds.push({ kind, key, progress, finish, fail }));
  }
}

const sameKey = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);
const seed = (byte: number) => new Uint8Array(32).fill(byte);
/**
 * Job `number` under seed `seedByte`, naming seed `nextSeedByte` as the next one if given; its blob starts with the
 * job's number, so batches name their job.
 */
function work(
  number: number,
  seedByte: number,
  count = 1_000_000,
  nextSeedByte?: number,
): { job: Job; lease: Lease; target: bigint } {
  const job: Job = {
    id: `job-${number}`,
    source: 'demo',
    height: number,
    seedHash: seed(seedByte),
    blob: new Uint8Array(76).fill(number),
    difficulty: 1000n,
    createdAt: number,
    ...(nextSeedByte === undefined ? {} : { nextSeedHash: seed(nextSeedByte) }),
  };
  return { job, lease: { id: `lease-${number}`, jobId: job.id, start: 0, count, target: '1' }, target: 1n };
}

function driverOn(engine: ControlledEngine) {
  const progress: (Progress & { at: number })[] = [];
  const keys: KeyInit[] = [];
  const failures: Error[] = [];
  const driver = new MiningDriver(engine, {
    progress: (event) => progress.push({ ...event, at: performance.now() }),
    key: (init) => keys.push(init),
    failed: (error) => failures.push(error),
  });
  const mine = (next: ReturnType<typeof work>) => driver.mine(next.job, next.lease, next.target);
  const progressOf = (leaseId: string) => progress.filter((event) => event.leaseId === leaseId);
  return { driver, progress, keys, failures, mine, progressOf };
}

const jobOf = (batch: { request: MineRequest }) => batch.request.blob[0];

let running: { driver: MiningDriver; engine: ControlledEngine } | undefined;
afterEach(async () => {
  // A test that failed mid-build leaves builds open, and release() waits for them.
  for (const build of running?.engine.builds ?? []) build.finish();
  await running?.driver.release();
  running = undefined;
});

/** A driver mining job 1 under seed A (0xaa), past its first batches. */
async function miningUnderA(engine = new ControlledEngine()) {
  const setup = driverOn(engine);
  running = { driver: setup.driver, engine };
  setup.mine(work(1, 0xaa));
  engine.lastBuild.finish();
  await vi.waitFor(() => expect(setup.progressOf('lease-1').length).toBeGreaterThan(2));
  return setup;
}

describe('MiningDriver at a seed change', () => {
  it('keeps mining the previous work while the new key builds, reports the build, then switches at once', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf, keys, failures } = await miningUnderA(engine);
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild).toMatchObject({ kind: 'prepare', key: seed(0xbb) }));

    // During the build: lease 1 goes on under key A, with its shares, and the build's progress is reported.
    const before = progressOf('lease-1').length;
    engine.lastBuild.progress?.(3, 10);
    await vi.waitFor(() => expect(progressOf('lease-1').length).toBeGreaterThan(before + 3), { timeout: 5000 });
    const duringBuild = progressOf('lease-1');
    expect(duringBuild.flatMap((event) => event.shares).length).toBeGreaterThan(0);
    const hashes = duringBuild.map((event) => event.hashes);
    expect(hashes).toEqual([...hashes].sort((a, b) => a - b));
    expect(keys.at(-1)).toMatchObject({ seedHash: seed(0xbb), done: 3, total: 10, finishedAt: null });
    expect(engine.batches.every((batch) => jobOf(batch) === 1 && sameKey(batch.key, seed(0xaa)))).toBe(true);
    expect(progressOf('lease-2')).toEqual([]);

    // A batch sized for seconds of work (about 2 s at the measured rate): the ready key cuts it short.
    engine.returnAfterShares = Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(engine.batches.at(-1)?.request.count).toBeGreaterThan(10 * SHARE_EVERY);
    const readyAt = performance.now();
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(engine.batches.some((batch) => jobOf(batch) === 2)).toBe(true));
    const firstOfTwo = engine.batches.find((batch) => jobOf(batch) === 2);
    expect(firstOfTwo?.startedAt ?? Infinity).toBeLessThan(readyAt + 100);
    expect(firstOfTwo?.key).toEqual(seed(0xbb));
    expect(engine.switches).toEqual([seed(0xbb)]);
    expect(engine.freed).toEqual([seed(0xaa)]);
    expect(keys.at(-1)).toMatchObject({ seedHash: seed(0xbb), finishedAt: expect.any(Number) });

    // Lease 1 is done with: no batch of it after the switch.
    engine.returnAfterShares = 1;
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(1));
    const lastOfOne = engine.batches.findLastIndex((batch) => jobOf(batch) === 1);
    expect(engine.batches.slice(lastOfOne + 1).every((batch) => jobOf(batch) === 2)).toBe(true);
    expect(failures).toEqual([]);
  });

  it('tries a switch the engine refuses (busy hashing for the verifier) again, and mines on', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf, failures } = await miningUnderA(engine);
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild).toMatchObject({ kind: 'prepare', key: seed(0xbb) }));
    engine.refuseSetKey = 3;
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(0), { timeout: 5000 });
    expect(engine.refuseSetKey).toBe(0);
    expect(engine.switches).toEqual([seed(0xbb)]);
    expect(failures).toEqual([]);
  });

  it('with no previous work, builds the key in place and mines nothing until it is ready', async () => {
    const engine = new ControlledEngine();
    const { driver, mine, progress } = driverOn(engine);
    running = { driver, engine };
    mine(work(1, 0xaa));
    expect(engine.lastBuild.kind).toBe('set');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.batches).toEqual([]);
    expect(driver.mining).toBe(false);
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progress.length).toBeGreaterThan(0));
    expect(engine.batches[0]?.key).toEqual(seed(0xaa));
  });

  it('waits for the key when the previous work runs out during the build', async () => {
    const engine = new ControlledEngine();
    const setup = driverOn(engine);
    running = { driver: setup.driver, engine };
    setup.mine(work(1, 0xaa, 2000));
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(setup.progressOf('lease-1').length).toBeGreaterThan(0));
    setup.mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    await vi.waitFor(() => expect(setup.progressOf('lease-1').at(-1)?.hashes).toBe(2000), { timeout: 5000 });
    const batchesWhenDone = engine.batches.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.batches.length).toBe(batchesWhenDone);
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(setup.progressOf('lease-2').length).toBeGreaterThan(0));
    expect(engine.switches).toEqual([seed(0xbb)]);
  });

  it('a third seed during a build: the build finishes unused, the third key builds, the previous work goes on', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf } = await miningUnderA(engine);
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    const buildB = engine.lastBuild;
    mine(work(3, 0xcc));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.builds.length).toBe(2); // no second build while one runs
    buildB.finish();
    await vi.waitFor(() => expect(engine.lastBuild).toMatchObject({ kind: 'prepare', key: seed(0xcc) }));
    const before = progressOf('lease-1').length;
    await vi.waitFor(() => expect(progressOf('lease-1').length).toBeGreaterThan(before + 2));
    expect(engine.switches).toEqual([]);
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progressOf('lease-3').length).toBeGreaterThan(0));
    expect(engine.switches).toEqual([seed(0xcc)]);
    expect(progressOf('lease-2')).toEqual([]);
    expect(engine.batches.every((batch) => jobOf(batch) !== 2)).toBe(true);
  });

  it('new work under the current key during a build is mined at once, and the build waits for its seed', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf } = await miningUnderA(engine);
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    const buildB = engine.lastBuild;
    mine(work(3, 0xaa));
    await vi.waitFor(() => expect(progressOf('lease-3').length).toBeGreaterThan(1));
    buildB.finish();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.switches).toEqual([]);
    expect(engine.batches.at(-1)?.key).toEqual(seed(0xaa));
    // Work under seed B later switches to the prepared key without building it again.
    mine(work(4, 0xbb));
    await vi.waitFor(() => expect(progressOf('lease-4').length).toBeGreaterThan(0));
    expect(engine.switches).toEqual([seed(0xbb)]);
    expect(engine.builds.length).toBe(2);
  });

  it('stops and re-keys in place when the key cannot be built alongside mining', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf, failures } = await miningUnderA(engine);
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    engine.lastBuild.fail(new Error('no room for a second key'));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('set'));
    expect(engine.key).toBeUndefined();
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(0));
    expect(failures).toEqual([]);
  });

  it('an engine without prepareKey stops the previous work and re-keys', async () => {
    const engine = new ControlledEngine(false);
    const { mine, progressOf } = await miningUnderA(engine);
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.builds.length).toBe(2));
    expect(engine.lastBuild.kind).toBe('set');
    const before = progressOf('lease-1').length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(progressOf('lease-1').length).toBe(before);
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(0));
  });

  it('release() waits for a key that is still building', async () => {
    const engine = new ControlledEngine();
    const { driver, mine } = await miningUnderA(engine);
    running = undefined;
    mine(work(2, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    let released = false;
    const release = driver.release().then(() => {
      released = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(released).toBe(false);
    engine.lastBuild.finish();
    await release;
    expect(engine.switches).toEqual([]);
  });

  it('repeated seed changes hold at most two keys', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf } = await miningUnderA(engine);
    for (let round = 2; round < 8; round++) {
      mine(work(round, round % 2 === 0 ? 0xbb : 0xaa));
      await vi.waitFor(() => expect(engine.builds.length).toBe(round));
      engine.lastBuild.finish();
      await vi.waitFor(() => expect(progressOf(`lease-${round}`).length).toBeGreaterThan(0));
      const held = [engine.key, engine.prepared].filter((key) => key !== undefined);
      expect(held.length).toBeLessThanOrEqual(2);
    }
    expect(engine.switches.length).toBe(6);
    expect(engine.freed.length).toBe(6);
  });
});

describe('MiningDriver with a next-seed hint', () => {
  /** Mining job `number` under seed A, which names seed B (0xbb) as the next. */
  const hinted = (number: number, count?: number) => work(number, 0xaa, count, 0xbb);

  it('builds the hinted key while mining goes on, and switches at once when the seed changes', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf, keys, failures } = await miningUnderA(engine);
    mine(hinted(2));
    await vi.waitFor(() => expect(engine.lastBuild).toMatchObject({ kind: 'prepare', key: seed(0xbb) }));
    expect(keys.at(-1)).toMatchObject({ seedHash: seed(0xbb), ahead: true, finishedAt: null });

    // During the build: lease 2 is mined under key A with its shares, and the build's progress is reported.
    const before = progressOf('lease-2').length;
    engine.lastBuild.progress?.(4, 10);
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(before + 3), { timeout: 5000 });
    expect(progressOf('lease-2').flatMap((event) => event.shares).length).toBeGreaterThan(0);
    expect(keys.at(-1)).toMatchObject({ seedHash: seed(0xbb), done: 4, total: 10, ahead: true });
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(keys.at(-1)?.finishedAt).toEqual(expect.any(Number)));
    const after = progressOf('lease-2').length;
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(after + 2));
    expect(engine.key).toEqual(seed(0xaa));
    expect(engine.switches).toEqual([]);

    // Batches of job 2 sized for seconds of work, as a real engine's are: the seed change must not wait for one.
    engine.longBatchesOf.add(2);
    await vi.waitFor(() => expect(engine.batches.at(-1)?.request.count).toBeGreaterThan(10 * SHARE_EVERY));
    const changedAt = performance.now();
    mine(work(3, 0xbb));
    await vi.waitFor(() => expect(progressOf('lease-3').length).toBeGreaterThan(0));
    const firstOfThree = progressOf('lease-3')[0];
    // A key build takes seconds (a 256 MiB cache) to minutes (a dataset); the switch takes a step of the fake.
    expect((firstOfThree?.at ?? Infinity) - changedAt).toBeLessThan(100);
    expect(engine.batches.find((batch) => jobOf(batch) === 3)?.key).toEqual(seed(0xbb));
    expect(engine.switches).toEqual([seed(0xbb)]);
    expect(engine.freed).toEqual([seed(0xaa)]);
    expect(engine.builds.length).toBe(2); // key A, then B ahead: nothing built at the change
    expect(failures).toEqual([]);
  });

  it('switches at once also when the seed changes before the hinted key is ready', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf } = await miningUnderA(engine);
    mine(hinted(2));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    mine(work(3, 0xbb));
    // Job 2 goes on under key A while B builds; nothing of job 3 runs before B is ready.
    const before = progressOf('lease-2').length;
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(before + 2));
    expect(progressOf('lease-3')).toEqual([]);
    engine.longBatchesOf.add(2);
    await vi.waitFor(() => expect(engine.batches.at(-1)?.request.count).toBeGreaterThan(10 * SHARE_EVERY));
    const readyAt = performance.now();
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progressOf('lease-3').length).toBeGreaterThan(0));
    expect((progressOf('lease-3')[0]?.at ?? Infinity) - readyAt).toBeLessThan(100);
    expect(engine.switches).toEqual([seed(0xbb)]);
    expect(engine.builds.length).toBe(2);
  });

  it('prepares a hint once, however many jobs repeat it', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf } = await miningUnderA(engine);
    mine(hinted(2));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    mine(hinted(3));
    await vi.waitFor(() => expect(progressOf('lease-3').length).toBeGreaterThan(1));
    expect(engine.builds.length).toBe(2); // none while one runs
    engine.lastBuild.finish();
    for (const number of [4, 5]) {
      mine(hinted(number));
      await vi.waitFor(() => expect(progressOf(`lease-${number}`).length).toBeGreaterThan(1));
    }
    expect(engine.builds.length).toBe(2); // nor after it is ready
    expect(engine.switches).toEqual([]);
  });

  it('does not retry a hint whose build failed, and re-keys in place at the seed change', async () => {
    const engine = new ControlledEngine();
    const { mine, progressOf, failures } = await miningUnderA(engine);
    mine(hinted(2));
    await vi.waitFor(() => expect(engine.lastBuild.kind).toBe('prepare'));
    engine.lastBuild.fail(new Error('no room for a second key'));
    // Mining under key A goes on, and later jobs with the same hint build nothing.
    const before = progressOf('lease-2').length;
    await vi.waitFor(() => expect(progressOf('lease-2').length).toBeGreaterThan(before + 2));
    mine(hinted(3));
    await vi.waitFor(() => expect(progressOf('lease-3').length).toBeGreaterThan(1));
    expect(engine.builds.length).toBe(2);
    expect(engine.key).toEqual(seed(0xaa));

    // At the change: no second try in the spare slot, the old work stops, and the key is built in place.
    engine.longBatchesOf.add(3);
    mine(work(4, 0xbb));
    await vi.waitFor(() => expect(engine.lastBuild).toMatchObject({ kind: 'set', key: seed(0xbb) }));
    expect(engine.builds.length).toBe(3);
    expect(engine.key).toBeUndefined();
    engine.lastBuild.finish();
    await vi.waitFor(() => expect(progressOf('lease-4').length).toBeGreaterThan(0));
    expect(failures).toEqual([]);
  });

  it('builds nothing for a hint that names the current key, or on an engine without prepareKey', async () => {
    const current = new ControlledEngine();
    const withCurrent = await miningUnderA(current);
    withCurrent.mine(work(2, 0xaa, undefined, 0xaa));
    await vi.waitFor(() => expect(withCurrent.progressOf('lease-2').length).toBeGreaterThan(2));
    expect(current.builds.length).toBe(1);
    await withCurrent.driver.release();

    const unable = new ControlledEngine(false);
    const withUnable = await miningUnderA(unable);
    withUnable.mine(hinted(2));
    await vi.waitFor(() => expect(withUnable.progressOf('lease-2').length).toBeGreaterThan(2));
    expect(unable.builds.length).toBe(1);
  });
});

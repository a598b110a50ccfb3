import net from 'node:net';
import type { Job } from '@rxmesh/core';
import { bytesToHex, difficultyForTarget, parseStratumTarget } from '@rxmesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingLog } from '../../testing/recording-log.js';
import { ScriptedPool, TEST_CERTIFICATE } from '../../testing/scripted-pool.js';
import {
  certificateFingerprint,
  type StratumEndpoint,
  StratumSource,
  type StratumSourceOptions,
} from './stratum-source.js';

const SEED = 'aa'.repeat(32);
const finder = { id: 'peer-1', name: 'tester' };

function blob(fill = 7, length = 76): string {
  return Array.from({ length }, (_, i) =>
    i >= 39 && i < 43 ? '00' : ((fill + i) & 0xff).toString(16).padStart(2, '0'),
  ).join('');
}

function poolJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    blob: blob(),
    job_id: 'job-1',
    target: 'b88d0600',
    seed_hash: SEED,
    height: 3_100_000,
    algo: 'rx/0',
    ...overrides,
  };
}

/** Meets any target: bytes 24..31 are zero. */
function easyHash(): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (i < 24 ? i + 1 : 0));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startPool(options: Parameters<typeof ScriptedPool.start>[0] = {}): Promise<ScriptedPool> {
  const pool = await ScriptedPool.start(options);
  pool.job = poolJob();
  cleanups.push(() => pool.close());
  return pool;
}

const endpoint = (pool: ScriptedPool, tls = false): StratumEndpoint => ({ host: '127.0.0.1', port: pool.port, tls });

function startSource(urls: StratumEndpoint[], overrides: Partial<StratumSourceOptions> = {}) {
  const log = recordingLog();
  const jobs: Job[] = [];
  const source = new StratumSource({
    urls,
    user: 'WALLET',
    pass: 'worker-1',
    agent: 'rxmesh-test/1',
    log,
    backoff: { initialMs: 50, maxMs: 400 },
    // No jitter: the tests time the doubling itself.
    random: () => 0,
    loginTimeoutMs: 2000,
    responseTimeoutMs: 2000,
    ...overrides,
  });
  source.start((job) => jobs.push(job));
  cleanups.push(() => source.stop());
  return { source, log, jobs };
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Waited ${timeoutMs} ms for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('StratumSource', () => {
  it('logs in with the agent, the algorithm list and the credentials, and makes the first job a Job', async () => {
    const pool = await startPool();
    const { source, jobs } = startSource([endpoint(pool)]);
    const login = await pool.nextMessage('login');
    expect(login.message.params).toEqual({ login: 'WALLET', pass: 'worker-1', agent: 'rxmesh-test/1', algo: ['rx/0'] });
    await until('the first job', () => jobs.length === 1);
    const [job] = jobs as [Job];
    expect(job.source).toBe('stratum');
    expect(job.height).toBe(3_100_000);
    expect(bytesToHex(job.blob)).toBe(blob());
    expect(bytesToHex(job.seedHash)).toBe(SEED);
    expect(job.difficulty).toBe(difficultyForTarget(parseStratumTarget('b88d0600')));
    expect(job.id.length).toBeLessThanOrEqual(128);
    expect(source.latestJob).toBe(job);
    expect(source.status()).toEqual({
      kind: 'stratum',
      url: `stratum+tcp://127.0.0.1:${pool.port}`,
      connected: true,
      accepted: 0,
      rejected: 0,
      lastError: null,
    });
  });

  it('submits with the session id, the pool’s job id, the nonce’s LE bytes and the hash, and counts the answers', async () => {
    const pool = await startPool();
    const { source, jobs } = startSource([endpoint(pool)]);
    await until('the first job', () => jobs.length === 1);
    const job = jobs[0] as Job;

    const verdict = await source.submit(job, 0x01020304, easyHash(), finder);
    expect(verdict).toEqual({ accepted: true, block: null });
    const submit = (await pool.nextMessage('submit', 1)).message;
    expect(submit.params).toEqual({
      id: 'session-1',
      job_id: 'job-1',
      nonce: '04030201',
      result: bytesToHex(easyHash()),
      algo: 'rx/0',
    });

    pool.submitAnswer = { error: { code: -1, message: 'Duplicate share' } };
    expect(await source.submit(job, 0xdeadbeef, easyHash(), finder)).toEqual({
      accepted: false,
      reason: 'Duplicate share',
    });
    expect((await pool.nextMessage('submit', 2)).message.params.nonce).toBe('efbeadde');
    expect(source.status()).toMatchObject({
      accepted: 1,
      rejected: 1,
      lastError: 'the pool refused a share: Duplicate share',
    });
  });

  it('logs in to the same pool again when it answers a share with Unauthenticated', async () => {
    const pool = await startPool();
    const second = await startPool();
    const { source, jobs, log } = startSource([endpoint(pool), endpoint(second)]);
    await until('the first job', () => jobs.length === 1);
    pool.submitAnswer = { error: { code: -1, message: 'Unauthenticated' } };
    expect(await source.submit(jobs[0] as Job, 1, easyHash(), finder)).toEqual({
      accepted: false,
      reason: 'Unauthenticated',
    });
    await pool.nextMessage('login', 2);
    await until('the job of the new login', () => jobs.length === 2);
    expect(second.connectionCount).toBe(0);
    expect(log.lines.some((line) => /no longer knows this login/.test(line.message))).toBe(true);
    pool.submitAnswer = { result: { status: 'OK' } };
    expect(await source.submit(jobs[1] as Job, 2, easyHash(), finder)).toEqual({ accepted: true, block: null });
    expect((await pool.nextMessage('submit', 2)).message.params.id).toBe('session-2');
  });

  it('refuses, without sending, a share that misses the pool’s target or comes while disconnected', async () => {
    const pool = await startPool();
    const { source, jobs } = startSource([endpoint(pool)], { backoff: { initialMs: 5000, maxMs: 5000 } });
    await until('the first job', () => jobs.length === 1);
    const job = jobs[0] as Job;
    const verdict = await source.submit(job, 1, new Uint8Array(32).fill(0xff), finder);
    expect(verdict).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/does not meet the pool's share target/),
    });

    pool.drop();
    await until('the disconnect', () => !source.status().connected);
    expect(await source.submit(job, 1, easyHash(), finder)).toEqual({
      accepted: false,
      reason: expect.stringMatching(/^not logged in to a pool \(connecting to stratum\+tcp:/),
    });
    expect(pool.messages('submit')).toHaveLength(0);
    expect(source.status()).toMatchObject({ accepted: 0, rejected: 0 });
  });

  it('sends keepalived when the pool lists the extension, and not otherwise', async () => {
    const quiet = await startPool();
    startSource([endpoint(quiet)], { keepaliveMs: 30 });
    const talkative = await startPool();
    talkative.extensions = ['keepalive'];
    startSource([endpoint(talkative)], { keepaliveMs: 30 });
    const first = await talkative.nextMessage('keepalived', 2);
    expect(first.message.params).toEqual({ id: 'session-1' });
    expect(quiet.messages('login')).toHaveLength(1);
    expect(quiet.messages('keepalived')).toHaveLength(0);
  });

  it('reconnects when keepalived goes unanswered', async () => {
    const pool = await startPool();
    pool.extensions = ['keepalive'];
    pool.keepaliveAnswer = 'silent';
    const { log } = startSource([endpoint(pool)], { keepaliveMs: 30, responseTimeoutMs: 100 });
    await until('a second connection', () => pool.connectionCount >= 2);
    expect(log.lines.map((line) => line.message)).toContainEqual(
      expect.stringMatching(/did not answer keepalived within 0.1 s; trying stratum\+tcp/),
    );
  });

  it('announces each new job, a new seed included, with a new id', async () => {
    const pool = await startPool();
    const { source, jobs } = startSource([endpoint(pool)]);
    await until('the first job', () => jobs.length === 1);
    pool.pushJob(poolJob({ job_id: 'job-2', seed_hash: 'bb'.repeat(32), height: 3_100_001 }));
    await until('the second job', () => jobs.length === 2);
    const [first, second] = jobs as [Job, Job];
    expect(second.id).not.toBe(first.id);
    expect(bytesToHex(second.seedHash)).toBe('bb'.repeat(32));
    expect(second.height).toBe(3_100_001);
    expect(source.latestJob).toBe(second);
    expect(await source.submit(second, 9, easyHash(), finder)).toEqual({ accepted: true, block: null });
    expect((await pool.nextMessage('submit', 1)).message.params.job_id).toBe('job-2');
  });

  it('mines a nicehash pool’s jobs within the byte it fixes', async () => {
    const pool = await startPool();
    pool.extensions = ['nicehash'];
    pool.job = poolJob({ blob: `${blob().slice(0, 84)}7f${blob().slice(86)}` });
    const { source, jobs } = startSource([endpoint(pool)]);
    await until('the first job', () => jobs.length === 1);
    const job = jobs[0] as Job;
    expect(job.nonceRange).toEqual({ start: 0x7f000000, count: 2 ** 24 });
    expect(await source.submit(job, 0x80000000, easyHash(), finder)).toMatchObject({ accepted: false });
    expect(await source.submit(job, 0x7f000001, easyHash(), finder)).toEqual({ accepted: true, block: null });
  });

  it('reconnects after a drop, and backs off doubling up to the cap while logins keep failing', async () => {
    let logins = 0;
    const pool = await startPool({
      login: (_params, connection) => {
        logins += 1;
        return logins === 1 || logins >= 8
          ? { result: { id: `session-${connection}`, job: poolJob({ job_id: `job-${connection}` }), status: 'OK' } }
          : { error: { code: -1, message: 'Invalid payment address provided' } };
      },
    });
    const { source, jobs, log } = startSource([endpoint(pool)], { backoff: { initialMs: 40, maxMs: 200 } });
    await until('the first job', () => jobs.length === 1);
    pool.drop();
    await until('the login after six refusals', () => jobs.length === 2, 8000);
    const gaps = pool.connectedAt.slice(1).map((at, i) => at - (pool.connectedAt[i] as number));
    // After the drop: 40 ms; then each refused login doubles it: 80, 160, then the cap of 200 (uncapped, the last
    // three would be 640, 1280 and 2560, well above the margin of a loaded machine).
    const expected = [40, 80, 160, 200, 200, 200, 200];
    expect(gaps).toHaveLength(expected.length);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual((expected[i] as number) - 5);
      expect(gap).toBeLessThan((expected[i] as number) + 400);
    });
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(/refused the login: Invalid payment address provided; check --user and --pass/),
    });
    expect(source.status()).toMatchObject({ connected: true, lastError: null });
    // A job from the old connection is refused rather than sent to a session that no longer knows it.
    expect(await source.submit(jobs[0] as Job, 1, easyHash(), finder)).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/earlier connection/),
    });
  });

  it('fails over to the second pool when the first is down, and to the next when a pool drops', async () => {
    const deadPort = await closedPort();
    const second = await startPool();
    const third = await startPool();
    third.job = poolJob({ job_id: 'from-third' });
    const { source, jobs, log } = startSource([
      { host: '127.0.0.1', port: deadPort, tls: false },
      endpoint(second),
      endpoint(third),
    ]);
    await until('a job from the second pool', () => jobs.length === 1);
    expect(source.status().url).toBe(`stratum+tcp://127.0.0.1:${second.port}`);
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        new RegExp(
          `${deadPort}: the pool refused the connection .*trying stratum\\+tcp://127.0.0.1:${second.port} in 0 ms`,
        ),
      ),
    });
    second.drop();
    await until('a job from the third pool', () => jobs.length === 2);
    expect(jobs[1]?.id).toMatch(/:from-third$/);
    expect(source.status().url).toBe(`stratum+tcp://127.0.0.1:${third.port}`);
  });

  it("logs in to each pool with that pool's own login and rig id where it has them, and the source's elsewhere", async () => {
    const first = await startPool();
    const second = await startPool();
    const { jobs } = startSource(
      [{ ...endpoint(first), own: { user: 'WALLET-A', pass: 'rig-a', rigId: 'lab-7' } }, endpoint(second)],
      { rigId: 'everywhere' },
    );
    await until('a job from the first pool', () => jobs.length === 1);
    const [firstLogin] = first.messages('login');
    expect(firstLogin?.message.params).toMatchObject({ login: 'WALLET-A', pass: 'rig-a', rigid: 'lab-7' });
    first.drop();
    await first.close();
    await until('a job from the second pool', () => jobs.length === 2);
    const [secondLogin] = second.messages('login');
    expect(secondLogin?.message.params).toMatchObject({ login: 'WALLET', pass: 'worker-1', rigid: 'everywhere' });
  });

  describe('stratum+ssl', () => {
    it('refuses a self-signed certificate by default, naming its fingerprint, before sending the login', async () => {
      const pool = await startPool({ tls: true });
      const { source, log } = startSource([endpoint(pool, true)], { backoff: { initialMs: 5000, maxMs: 5000 } });
      await until('the refusal', () => source.status().lastError !== null);
      const fingerprint = certificateFingerprint(TEST_CERTIFICATE.cert);
      expect(source.status().lastError).toMatch(/TLS certificate is not trusted \(.*SELF_SIGNED.*\)/i);
      expect(source.status().lastError).toContain(`pin its certificate by its SHA-256 fingerprint ${fingerprint}`);
      expect(log.lines.some((line) => line.message.includes(fingerprint))).toBe(true);
      expect(pool.received).toHaveLength(0);
    });

    it('logs in to a pool whose certificate is pinned by fingerprint', async () => {
      const pool = await startPool({ tls: true });
      const fingerprint = certificateFingerprint(TEST_CERTIFICATE.cert);
      const { source, jobs } = startSource([endpoint(pool, true)], { tls: { fingerprint: fingerprint.toLowerCase() } });
      await until('the first job', () => jobs.length === 1);
      expect(await source.submit(jobs[0] as Job, 3, easyHash(), finder)).toEqual({ accepted: true, block: null });
      expect(source.status().url).toBe(`stratum+ssl://127.0.0.1:${pool.port}`);
    });

    it('logs in to a pool whose CA is trusted, and refuses a wrong pin', async () => {
      const pool = await startPool({ tls: true });
      const trusted = startSource([endpoint(pool, true)], { tls: { ca: TEST_CERTIFICATE.cert } });
      await until('the first job', () => trusted.jobs.length === 1);

      const pinnedWrong = startSource([endpoint(pool, true)], {
        tls: { fingerprint: '00'.repeat(32) },
        backoff: { initialMs: 5000, maxMs: 5000 },
      });
      await until('the refusal', () => pinnedWrong.source.status().lastError !== null);
      expect(pinnedWrong.source.status().lastError).toMatch(/fingerprint .* not the pinned 0000/);
      expect(pool.messages('login')).toHaveLength(1);
    });
  });

  describe('bad input', () => {
    const cases: [string, string, RegExp][] = [
      ['malformed JSON', '{"jsonrpc":"2.0","method":"job","params":{\n', /not JSON/],
      [
        'a job with missing fields',
        `${JSON.stringify({ method: 'job', params: { job_id: 'x' } })}\n`,
        /malformed job.*blob/,
      ],
      [
        'a zero target',
        `${JSON.stringify({ method: 'job', params: poolJob({ target: '00000000' }) })}\n`,
        /no hash can meet/,
      ],
      [
        'a target of the wrong length',
        `${JSON.stringify({ method: 'job', params: poolJob({ target: 'abc' }) })}\n`,
        /8 or 16 hex digits/,
      ],
      [
        'a non-hex target',
        `${JSON.stringify({ method: 'job', params: poolJob({ target: 'xyzxyzxy' }) })}\n`,
        /8 or 16 hex digits/,
      ],
      [
        'a short blob',
        `${JSON.stringify({ method: 'job', params: poolJob({ blob: blob(7, 40) }) })}\n`,
        /40-byte blob/,
      ],
      [
        'an answer to no request',
        `${JSON.stringify({ id: 999, result: { status: 'OK' } })}\n`,
        /request 999, which was never sent/,
      ],
      ['an oversized line', `${'x'.repeat(70 * 1024)}\n`, /longer than 65536 characters/],
    ];
    for (const [what, text, message] of cases) {
      it(`logs ${what} clearly and keeps the connection`, async () => {
        const pool = await startPool();
        const { jobs, log } = startSource([endpoint(pool)]);
        await until('the first job', () => jobs.length === 1);
        pool.sendRaw(text);
        pool.pushJob(poolJob({ job_id: 'after' }));
        await until('the job after it', () => jobs.length === 2);
        expect(jobs[1]?.id).toMatch(/:after$/);
        expect(log.lines).toContainEqual({
          level: 'warn',
          message: expect.stringMatching(
            new RegExp(`^Stratum pool stratum\\+tcp://127.0.0.1:${pool.port}: .*${message.source}`),
          ),
        });
        expect(pool.connectionCount).toBe(1);
      });
    }

    it('logs a connection dropped mid-line and recovers', async () => {
      const pool = await startPool();
      const { source, jobs, log } = startSource([endpoint(pool)]);
      await until('the first job', () => jobs.length === 1);
      pool.job = poolJob({ job_id: 'after-drop' });
      pool.drop('{"jsonrpc":"2.0","method":"job","params":{"blob":"07');
      await until('the job after reconnecting', () => jobs.length === 2);
      expect(jobs[1]?.id).toMatch(/:after-drop$/);
      expect(log.lines.map((line) => line.message)).toContainEqual(
        expect.stringMatching(/ended in the middle of a line \(\d+ characters/),
      );
      expect(source.status().connected).toBe(true);
    });

    it('drops a connection that keeps sending garbage, and reconnects', async () => {
      const pool = await startPool();
      const { jobs, log } = startSource([endpoint(pool)], { maxInvalidMessages: 3 });
      await until('the first job', () => jobs.length === 1);
      pool.sendRaw('garbage\n'.repeat(4));
      await until('the second connection', () => pool.connectionCount === 2);
      await until('the job after reconnecting', () => jobs.length === 2);
      expect(log.lines.map((line) => line.message)).toContainEqual(
        expect.stringMatching(/more than 3 malformed messages/),
      );
    });

    it('gives up on a login that gets no answer, and tries again', async () => {
      const pool = await startPool({ login: () => 'silent' });
      const { source } = startSource([endpoint(pool)], { loginTimeoutMs: 100 });
      await until('the second login', () => pool.messages('login').length >= 2);
      expect(source.status()).toMatchObject({ connected: false, lastError: 'no login within 0.1 s' });
    });
  });

  it('stops: the connection closes, nothing is announced afterwards and shares are refused', async () => {
    const pool = await startPool();
    const { source, jobs } = startSource([endpoint(pool)]);
    await until('the first job', () => jobs.length === 1);
    await source.stop();
    await pool.until('the connection to close', () => pool.openConnections === 0);
    pool.pushJob(poolJob({ job_id: 'late' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(jobs).toHaveLength(1);
    expect(pool.connectionCount).toBe(1);
    expect(source.status().connected).toBe(false);
    expect(await source.submit(jobs[0] as Job, 1, easyHash(), finder)).toEqual({
      accepted: false,
      reason: 'the Stratum source has stopped',
    });
  });

  it('answers a pending share when the connection ends before the pool does', async () => {
    const pool = await startPool();
    pool.submitAnswer = 'silent';
    const { source, jobs } = startSource([endpoint(pool)]);
    await until('the first job', () => jobs.length === 1);
    const verdict = source.submit(jobs[0] as Job, 1, easyHash(), finder);
    await pool.nextMessage('submit', 1);
    pool.drop();
    expect(await verdict).toMatchObject({ accepted: false, reason: expect.stringMatching(/ended before it answered/) });
  });
});

import { describe, expect, it } from 'vitest';
import { poolJob } from '../../../testing/stratum-jobs.js';
import type { Job } from '../../jobs/job.js';
import { KNOWN_JOBS, type SessionEvent, StratumSession, type StratumSessionOptions } from './session.js';

function session(overrides: Partial<StratumSessionOptions> = {}): StratumSession {
  return new StratumSession({
    user: 'WALLET',
    pass: 'x',
    agent: 'rxmesh-test',
    algorithm: 'rx/0',
    nicehash: false,
    connectionId: 'c1',
    now: () => 99,
    ...overrides,
  });
}

const line = (message: unknown) => JSON.stringify(message);

function loginReply(id: number, result: Record<string, unknown> = {}) {
  return line({ id, jsonrpc: '2.0', error: null, result: { id: 'SESSION', job: poolJob(), status: 'OK', ...result } });
}

function jobOf(events: SessionEvent[]): Job {
  const event = events.find((e) => e.kind === 'job');
  if (event?.kind !== 'job') throw new Error(`no job in ${JSON.stringify(events)}`);
  return event.job;
}

/** A hash that meets any target: bytes 24..31 are zero. */
const easyHash = () => new Uint8Array(32).fill(0x11).fill(0, 24);

function loggedIn(overrides: Partial<StratumSessionOptions> = {}, result: Record<string, unknown> = {}) {
  const s = session(overrides);
  const { id } = JSON.parse(s.login());
  const events = s.receive(loginReply(id, result));
  return { s, events, job: jobOf(events) };
}

describe('StratumSession', () => {
  it('logs in, then reads the login result’s extensions and first job', () => {
    const s = session();
    const login = JSON.parse(s.login());
    expect(login.method).toBe('login');
    expect(login.params).toMatchObject({ login: 'WALLET', pass: 'x', agent: 'rxmesh-test', algo: ['rx/0'] });
    expect(s.loggedIn).toBe(false);

    const events = s.receive(loginReply(login.id, { extensions: ['algo', 'keepalive'] }));
    expect(events[0]).toEqual({
      kind: 'loggedIn',
      extensions: ['algo', 'keepalive'],
      nicehash: false,
      keepalive: true,
    });
    const job = jobOf(events);
    expect(job.id).toBe('c1:1:job-1');
    expect(job.createdAt).toBe(99);
    expect(job.nonceRange).toBeUndefined();
    expect(s.loggedIn).toBe(true);
  });

  it('mines nicehash when the login result lists the extension, or the operator says so', () => {
    const announced = loggedIn({}, { extensions: ['nicehash'] });
    expect(announced.events[0]).toMatchObject({ nicehash: true, keepalive: false });
    expect(announced.job.nonceRange).toEqual({ start: 0, count: 2 ** 24 });
    expect(loggedIn({ nicehash: true }).job.nonceRange).toEqual({ start: 0, count: 2 ** 24 });
  });

  it('takes later jobs from notifications, each with a new id even when the pool repeats its job id', () => {
    const { s, job } = loggedIn();
    const next = jobOf(
      s.receive(line({ jsonrpc: '2.0', method: 'job', params: poolJob({ seed_hash: 'bb'.repeat(32) }) })),
    );
    expect(next.id).not.toBe(job.id);
    expect(next.seedHash[0]).toBe(0xbb);
  });

  it('writes a submit for the pool’s job id and session, and reads OK as accepted', () => {
    const { s, job } = loggedIn();
    const plan = s.submit(job, 0x01020304, easyHash());
    if (!plan.ok) throw new Error(plan.reason);
    const request = JSON.parse(plan.line);
    expect(request).toMatchObject({ id: plan.requestId, method: 'submit' });
    expect(request.params).toMatchObject({ id: 'SESSION', job_id: 'job-1', nonce: '04030201' });
    expect(request.params.result).toBe(`${'11'.repeat(24)}${'00'.repeat(8)}`);
    expect(s.receive(line({ id: plan.requestId, jsonrpc: '2.0', error: null, result: { status: 'OK' } }))).toEqual([
      { kind: 'submitAnswered', requestId: plan.requestId, verdict: { accepted: true, block: null } },
    ]);
  });

  it('reads the pool’s error, or any status but OK, as rejected with its words', () => {
    const { s, job } = loggedIn();
    const first = s.submit(job, 1, easyHash());
    const second = s.submit(job, 2, easyHash());
    if (!first.ok || !second.ok) throw new Error('refused');
    const error = { id: first.requestId, error: { code: -1, message: 'Low difficulty share' } };
    expect(s.receive(line(error))).toEqual([
      {
        kind: 'submitAnswered',
        requestId: first.requestId,
        verdict: { accepted: false, reason: 'Low difficulty share' },
      },
    ]);
    const [answer] = s.receive(line({ id: second.requestId, error: null, result: { status: 'STALE' } }));
    expect(answer).toMatchObject({ verdict: { accepted: false, reason: 'the pool answered status "STALE"' } });
  });

  it('refuses shares the pool would refuse, each with its reason', () => {
    const { s, job } = loggedIn();
    const hardHash = new Uint8Array(32).fill(0xff);
    expect(s.submit(job, 5, hardHash)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not meet the pool's share target/),
    });
    expect(s.submit({ ...job, source: 'daemon' }, 5, easyHash())).toMatchObject({
      reason: 'a daemon job cannot be submitted to a Stratum pool',
    });
    expect(s.submit({ ...job, id: 'c0:1:job-1' }, 5, easyHash())).toMatchObject({
      reason: expect.stringMatching(/earlier connection/),
    });
    expect(s.submit(job, 2 ** 32, easyHash())).toMatchObject({ reason: expect.stringMatching(/outside the nonces/) });
    expect(s.submit(job, 5, new Uint8Array(31))).toMatchObject({ reason: expect.stringMatching(/32 bytes, got 31/) });
  });

  it('refuses a nonce outside a nicehash job’s byte', () => {
    const { s, job } = loggedIn({ nicehash: true });
    expect(s.submit(job, 0x00ffffff, easyHash()).ok).toBe(true);
    expect(s.submit(job, 0x01000000, easyHash())).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/outside the nonces/),
    });
  });

  it(`forgets jobs ${KNOWN_JOBS} replacements old`, () => {
    const { s, job } = loggedIn();
    const jobs = [job];
    for (let i = 0; i < KNOWN_JOBS; i++)
      jobs.push(jobOf(s.receive(line({ method: 'job', params: poolJob({ job_id: `j${i}` }) }))));
    expect(s.submit(jobs[0] as Job, 1, easyHash())).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/is stale/),
    });
    expect(s.submit(jobs[1] as Job, 1, easyHash()).ok).toBe(true);
  });

  it('refuses a share before login', () => {
    const { job } = loggedIn();
    expect(session().submit(job, 1, easyHash())).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not logged in/),
    });
  });

  it('sends keepalived only in a session, and reads any answer as life', () => {
    const fresh = session();
    expect(fresh.keepalive()).toBeUndefined();
    const { s } = loggedIn();
    const request = JSON.parse(s.keepalive() ?? '');
    expect(request).toMatchObject({ method: 'keepalived', params: { id: 'SESSION' } });
    expect(s.receive(line({ id: request.id, error: { code: -1, message: 'Unknown method' } }))).toEqual([
      { kind: 'keepaliveAnswered' },
    ]);
    expect(s.unanswered).toBe(0);
  });

  it('fails the login on the pool’s refusal or a malformed result', () => {
    const refused = session();
    const { id } = JSON.parse(refused.login());
    expect(refused.receive(line({ id, error: { code: -1, message: 'Invalid payment address provided' } }))).toEqual([
      { kind: 'loginFailed', reason: 'the pool refused the login: Invalid payment address provided' },
    ]);
    const malformed = session();
    const second = JSON.parse(malformed.login()).id;
    const [event] = malformed.receive(line({ id: second, error: null, result: { job: poolJob() } }));
    expect(event).toMatchObject({
      kind: 'loginFailed',
      reason: expect.stringMatching(/login answer is malformed.*id/),
    });
    expect(malformed.loggedIn).toBe(false);
  });

  const badLines: [string, () => string, RegExp][] = [
    ['malformed JSON', () => '{"id":1,"result":', /not JSON: "\{\\"id\\":1,\\"result\\":"/],
    ['JSON that is not an object', () => '[1,2]', /not an object/],
    ['an unknown method', () => line({ method: 'mining.notify', params: [] }), /unknown method "\\"mining.notify\\""/],
    [
      'a reply to a request never sent',
      () => line({ id: 77, result: { status: 'OK' } }),
      /request 77, which was never sent/,
    ],
    ['a reply without an id', () => line({ result: { status: 'OK' } }), /malformed reply.*id/],
    [
      'a job without a blob',
      () => line({ method: 'job', params: { job_id: 'x', target: 'b88d0600' } }),
      /malformed job.*blob/,
    ],
    [
      'a job without a target',
      () => line({ method: 'job', params: { blob: 'aa', job_id: 'x' } }),
      /malformed job.*target/,
    ],
    [
      'a job with a short blob',
      () => line({ method: 'job', params: poolJob({ blob: '00'.repeat(42) }) }),
      /42-byte blob/,
    ],
    [
      'a job with a zero target',
      () => line({ method: 'job', params: poolJob({ target: '00000000' }) }),
      /no hash can meet/,
    ],
    [
      'a job with a non-hex target',
      () => line({ method: 'job', params: poolJob({ target: 'nothex!!' }) }),
      /8 or 16 hex/,
    ],
    [
      'a job id over 96 characters',
      () => line({ method: 'job', params: poolJob({ job_id: 'j'.repeat(97) }) }),
      /job_id/,
    ],
  ];
  for (const [what, make, reason] of badLines) {
    it(`drops ${what} with a specific reason and keeps working`, () => {
      const { s } = loggedIn();
      const events = s.receive(make());
      expect(events).toHaveLength(1);
      expect(events[0]).toEqual({ kind: 'invalid', reason: expect.stringMatching(reason) });
      // Still a working session: a good job and a submit go through.
      const next = jobOf(s.receive(line({ method: 'job', params: poolJob({ job_id: 'after' }) })));
      expect(s.submit(next, 1, easyHash()).ok).toBe(true);
    });
  }

  it('reads a submit answer without a status as a rejection that says so', () => {
    const { s, job } = loggedIn();
    const plan = s.submit(job, 1, easyHash());
    if (!plan.ok) throw new Error(plan.reason);
    const [event] = s.receive(line({ id: plan.requestId, result: {} }));
    expect(event).toMatchObject({ verdict: { accepted: false, reason: expect.stringMatching(/malformed.*status/) } });
  });

  it('drops a job that comes before the login is answered', () => {
    const s = session();
    s.login();
    expect(s.receive(line({ method: 'job', params: poolJob() }))).toEqual([
      { kind: 'invalid', reason: 'the pool sent a job before answering the login' },
    ]);
  });

  it('never throws on arbitrary lines', () => {
    const { s } = loggedIn();
    const samples = [
      '',
      'null',
      '1',
      '"x"',
      '{}',
      '{"id":-1}',
      '{"id":1.5}',
      '{"method":null}',
      '{"id":2,"error":"x"}',
      '\u0000',
    ];
    for (const sample of samples) expect(() => s.receive(sample)).not.toThrow();
  });
});

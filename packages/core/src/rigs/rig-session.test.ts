import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../hex.js';
import { encodeNonce } from '../sources/stratum/requests.js';
import { formatStratumTarget, parseStratumTarget, targetForDifficulty } from '../target.js';
import { RIG_ERRORS } from './rig-messages.js';
import { type RigJob, type RigOutput, RigSession, type RigSessionOptions } from './rig-session.js';

const SESSION = 'session-1';

function session(overrides: Partial<RigSessionOptions> = {}) {
  return new RigSession({
    sessionId: SESSION,
    algorithms: ['rx/0'],
    extensions: ['algo', 'keepalive', 'nicehash'],
    openedAt: 0,
    loginTimeoutMs: 10_000,
    maxLineLength: 1024,
    maxBadRequests: 3,
    minDifficulty: 100n,
    ...overrides,
  });
}

function job(id: string, height = 10, difficulty = 1000n): RigJob {
  return {
    id,
    blob: new Uint8Array(76).fill(height),
    difficulty,
    height,
    seedHash: new Uint8Array(32).fill(0xee),
    algorithm: 'rx/0',
  };
}

const line = (message: object) => `${JSON.stringify(message)}\n`;
const sent = (outputs: RigOutput[]) =>
  outputs.flatMap((output) => (output.kind === 'send' ? [JSON.parse(output.line) as Record<string, unknown>] : []));
const kinds = (outputs: RigOutput[]) => outputs.map((output) => output.kind);

function login(
  rig: RigSession,
  params: object = { login: 'lab-pc-1', pass: 'x', agent: 'XMRig/6.22.2', algo: ['rx/0'] },
) {
  return rig.receive(line({ id: 1, jsonrpc: '2.0', method: 'login', params }));
}

/** A rig logged in with `first` as its first job. */
function working(first = job('j1')) {
  const rig = session();
  login(rig);
  rig.acceptLogin(first);
  return rig;
}

/** A hash that meets difficulty `difficulty` (its top 8 bytes below the share target) and no more than needed. */
function hashMeeting(difficulty: bigint): Uint8Array {
  const hash = new Uint8Array(32).fill(0x11);
  const top = targetForDifficulty(difficulty) - 1n;
  for (let index = 0; index < 8; index++) hash[24 + index] = Number((top >> BigInt(8 * index)) & 0xffn);
  return hash;
}

function submit(rig: RigSession, id: number, jobId: string, nonce: number, hash: Uint8Array, sessionId = SESSION) {
  const params = { id: sessionId, job_id: jobId, nonce: encodeNonce(nonce), result: bytesToHex(hash), algo: 'rx/0' };
  return rig.receive(line({ id, jsonrpc: '2.0', method: 'submit', params }));
}

describe('a rig session', () => {
  it('passes the login on, then answers it with the session id, the first job and the extensions', () => {
    const rig = session();
    const asked = login(rig, {
      login: 'lab-pc-1+5000',
      pass: 'x',
      agent: 'XMRig/6.22.2',
      rigid: 'pc1',
      algo: ['cn/r', 'rx/0'],
    });
    expect(asked).toEqual([
      {
        kind: 'login',
        login: { worker: 'lab-pc-1', fixedDifficulty: 5000n, agent: 'XMRig/6.22.2', rigId: 'pc1', algorithm: 'rx/0' },
      },
    ]);
    const [answer] = sent(rig.acceptLogin(job('j1', 10, 5000n)));
    expect(answer).toEqual({
      id: 1,
      jsonrpc: '2.0',
      error: null,
      result: {
        id: SESSION,
        job: {
          blob: '0a'.repeat(76),
          job_id: 'j1',
          target: formatStratumTarget(5000n),
          height: 10,
          seed_hash: 'ee'.repeat(32),
          algo: 'rx/0',
          id: SESSION,
        },
        extensions: ['algo', 'keepalive', 'nicehash'],
        status: 'OK',
      },
    });
    expect(rig.loggedIn).toBe(true);
    expect(rig.deadline).toBeNull();
  });

  it('raises a +N below the least difficulty to it, and takes a login without an algorithm list as the cluster’s', () => {
    const rig = session();
    const [asked] = login(rig, { login: 'tiny+5' });
    expect(asked).toMatchObject({ kind: 'login', login: { worker: 'tiny', fixedDifficulty: 100n, algorithm: 'rx/0' } });
  });

  it('refuses a rig that offers no algorithm the cluster mines, saying which to start xmrig with, and closes', () => {
    const rig = session();
    const outputs = login(rig, { login: 'gpu', algo: ['kawpow', 'cn/r'] });
    expect(sent(outputs)[0]?.error).toEqual({
      code: -1,
      message: 'This cluster mines rx/0, and the rig offers kawpow, cn/r: start xmrig with --algo rx/0.',
    });
    expect(kinds(outputs)).toEqual(['send', 'close']);
  });

  it('closes a connection that does not log in within the timeout', () => {
    const rig = session({ openedAt: 1000, loginTimeoutMs: 5000 });
    expect(rig.deadline).toBe(6000);
    expect(rig.timeout(5999)).toEqual([]);
    expect(rig.timeout(6000)).toEqual([{ kind: 'close', reason: 'no login within 5 s of connecting' }]);
  });

  it('pushes jobs with 8 hex digits of target below 2^32 and 16 above, as xmrig reads them', () => {
    const rig = working();
    const [small] = sent(rig.pushJob(job('j2', 10, 1000n)));
    expect(small).toMatchObject({ method: 'job', params: { job_id: 'j2', target: formatStratumTarget(1000n) } });
    const narrow = String((small?.params as { target?: string } | undefined)?.target);
    expect(narrow).toHaveLength(8);
    expect(parseStratumTarget(narrow)).toBeLessThanOrEqual(targetForDifficulty(1000n));
    const [large] = sent(rig.pushJob(job('j3', 10, 1n << 40n)));
    const wide = String((large?.params as { target?: string } | undefined)?.target);
    expect(wide).toHaveLength(16);
    expect(parseStratumTarget(wide)).toBe(targetForDifficulty(1n << 40n));
  });

  it('passes a good share to the gateway and answers it as the gateway decides', () => {
    const rig = working();
    const [share] = submit(rig, 2, 'j1', 0x01020304, hashMeeting(1000n));
    expect(share).toMatchObject({ kind: 'share', share: { jobId: 'j1', nonce: 0x01020304, difficulty: 1000n } });
    if (share?.kind !== 'share') throw new Error('no share');
    expect(sent(rig.answerShare(share.share.ticket, { accepted: true }))).toEqual([
      { id: 2, jsonrpc: '2.0', error: null, result: { status: 'OK' } },
    ]);
    const [second] = submit(rig, 3, 'j1', 7, hashMeeting(1000n));
    if (second?.kind !== 'share') throw new Error('no share');
    expect(sent(rig.answerShare(second.share.ticket, { accepted: false, error: RIG_ERRORS.invalidShare }))).toEqual([
      { id: 3, jsonrpc: '2.0', error: { code: -1, message: 'Invalid share' }, result: null },
    ]);
  });

  it('refuses low-difficulty, stale and duplicate shares and unknown job ids with the words miners know', () => {
    const rig = working();
    const errorOf = (outputs: RigOutput[]) => (sent(outputs)[0]?.error as { message?: string } | null)?.message;
    expect(errorOf(submit(rig, 2, 'j1', 1, hashMeeting(999n)))).toBe(RIG_ERRORS.lowDifficulty);
    expect(errorOf(submit(rig, 3, 'nope', 1, hashMeeting(1000n)))).toBe(RIG_ERRORS.invalidJobId);
    expect(kinds(submit(rig, 4, 'j1', 5, hashMeeting(1000n)))).toEqual(['share']);
    expect(errorOf(submit(rig, 5, 'j1', 5, hashMeeting(1000n)))).toBe(RIG_ERRORS.duplicate);
    // A new block: shares of the old one are stale; a new job of the same height keeps the others valid.
    rig.pushJob(job('j2', 11));
    expect(errorOf(submit(rig, 6, 'j1', 6, hashMeeting(1000n)))).toBe(RIG_ERRORS.stale);
    rig.pushJob(job('j3', 11, 2000n));
    expect(kinds(submit(rig, 7, 'j2', 6, hashMeeting(1000n)))).toEqual(['share']);
    expect(errorOf(submit(rig, 8, 'j1', 6, hashMeeting(1000n), 'someone-else'))).toBe(RIG_ERRORS.unauthenticated);
  });

  it('answers a share before login Unauthenticated, and a keepalive with KEEPALIVED', () => {
    const rig = session();
    expect(sent(submit(rig, 9, 'j1', 1, hashMeeting(1000n)))[0]?.error).toEqual({
      code: -1,
      message: 'Unauthenticated',
    });
    login(rig);
    rig.acceptLogin(job('j1'));
    const keepalive = rig.receive(line({ id: 10, jsonrpc: '2.0', method: 'keepalived', params: { id: SESSION } }));
    expect(sent(keepalive)).toEqual([{ id: 10, jsonrpc: '2.0', error: null, result: { status: 'KEEPALIVED' } }]);
  });

  it('answers bad JSON, unknown methods and missing fields with an error each, and closes after three', () => {
    const rig = session();
    const first = rig.receive('{"id":1,"method":\n');
    expect(sent(first)[0]?.error).toEqual({ code: -1, message: 'Malformed JSON' });
    expect(first.find((output) => output.kind === 'problem')).toBeDefined();
    expect(sent(rig.receive(line({ id: 2, method: 'getjob', params: {} })))[0]?.error).toEqual({
      code: -1,
      message: 'Unknown method',
    });
    const third = rig.receive(line({ id: 3, method: 'login', params: { pass: 'x' } }));
    expect(sent(third)[0]?.error).toEqual({ code: -1, message: 'Invalid login' });
    expect(third.at(-1)).toEqual({ kind: 'close', reason: '3 refused requests' });
    expect(rig.receive(line({ id: 4, method: 'keepalived' }))).toEqual([]);
  });

  it('refuses a line over the limit without holding it, and reads the next line whole', () => {
    const rig = session();
    const outputs = rig.receive(`${'x'.repeat(2000)}`);
    expect(sent(outputs)[0]?.error).toEqual({ code: -1, message: 'Line too long' });
    rig.receive(`${'y'.repeat(10)}\n`);
    expect(kinds(login(rig))).toEqual(['login']);
  });

  it('says when the rig cut a line short, and answers pending shares Banned when it is banned', () => {
    const rig = working();
    const [share] = submit(rig, 2, 'j1', 3, hashMeeting(1000n));
    expect(share?.kind).toBe('share');
    const banned = rig.ban('three invalid shares');
    expect(sent(banned)).toEqual([{ id: 2, jsonrpc: '2.0', error: { code: -1, message: 'Banned' }, result: null }]);
    expect(banned.at(-1)).toEqual({ kind: 'close', reason: 'banned: three invalid shares' });
    const cut = working();
    const partial = '{"id":2,"method":"sub';
    cut.receive(partial);
    expect(cut.ended()).toEqual([
      {
        kind: 'problem',
        message: `the connection ended in the middle of a line (${partial.length} characters without a newline were dropped).`,
      },
    ]);
  });
});

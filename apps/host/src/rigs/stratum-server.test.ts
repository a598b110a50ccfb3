// The Stratum server's sockets: rigs over TCP and TLS log in, get jobs and answers through whatever the gateway
// (here a RigWork of the test's own) decides; the caps, the login timeout, bans and bad input cost only the
// connection that caused them, and every other rig is still served.
import { bytesToHex, encodeNonce, type RigJob, targetForDifficulty } from '@rxmesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingLog } from '../../testing/recording-log.js';
import { TEST_CERTIFICATE } from '../../testing/scripted-pool.js';
import { ScriptedRig } from '../../testing/scripted-rig.js';
import { type RigHandle, type RigLimits, type RigWork, StratumServer } from './stratum-server.js';

const servers: StratumServer[] = [];
const rigs: ScriptedRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) rig.close();
  for (const server of servers.splice(0)) await server.close();
});

function job(id: string, difficulty = 1000n): RigJob {
  return {
    id,
    blob: new Uint8Array(76).fill(7),
    difficulty,
    height: 5,
    seedHash: new Uint8Array(32).fill(0xee),
    algorithm: 'rx/0',
  };
}

/** The gateway as this test plays it: every rig gets job j1; a share of nonce 0xbad is invalid. */
function testWork() {
  const joined: RigHandle[] = [];
  const left: string[] = [];
  const work: RigWork = {
    algorithms: () => ['rx/0'],
    login: async (rig, login) => {
      if (login.worker === 'refuse-me') return { refused: 'This gateway takes no rig called refuse-me.' };
      joined.push(rig);
      return job('j1');
    },
    share: async (_rig, share) =>
      share.nonce === 0xbad ? { accepted: false, error: 'Invalid share' } : { accepted: true },
    left: (rig) => left.push(rig.id),
  };
  return { work, joined, left };
}

async function start(limits: Partial<RigLimits> = {}, withTls = false) {
  const { work, joined, left } = testWork();
  const log = recordingLog();
  const listen = { host: '127.0.0.1', port: 0, ...(withTls ? { tls: TEST_CERTIFICATE } : {}) };
  const server = new StratumServer(work, log, limits);
  servers.push(server);
  await server.open(listen);
  const port = server.addresses()[0]?.port ?? 0;
  const connect = async () => {
    const rig = await ScriptedRig.connect(port, withTls ? { ca: TEST_CERTIFICATE.cert } : {});
    rigs.push(rig);
    return rig;
  };
  return { server, connect, joined, left, log };
}

/** A result that meets difficulty 1000. */
const GOOD_RESULT = (() => {
  const hash = new Uint8Array(32);
  const top = targetForDifficulty(1000n) - 1n;
  for (let index = 0; index < 8; index++) hash[24 + index] = Number((top >> BigInt(8 * index)) & 0xffn);
  return bytesToHex(hash);
})();

async function loggedIn(connect: () => Promise<ScriptedRig>, name = 'lab-pc') {
  const rig = await connect();
  const answer = await rig.answer(rig.login(name));
  const sessionId = String(answer.result?.id);
  return { rig, sessionId, answer };
}

describe('the Stratum server for rigs', () => {
  for (const withTls of [false, true]) {
    it(`logs a rig in over ${withTls ? 'TLS' : 'TCP'}, pushes jobs, answers shares and keepalives, and says when it leaves`, async () => {
      const { connect, joined, left } = await start({}, withTls);
      const { rig, sessionId, answer } = await loggedIn(connect);
      expect(answer.error).toBeNull();
      expect(answer.result).toMatchObject({ status: 'OK', job: { job_id: 'j1', algo: 'rx/0' } });
      expect(answer.result?.extensions).toEqual(['algo', 'keepalive', 'nicehash']);
      expect(joined).toHaveLength(1);

      joined[0]?.pushJob(job('j2', 2000n));
      expect(await rig.next()).toMatchObject({ method: 'job', params: { job_id: 'j2' } });
      const accepted = await rig.answer(rig.submit(sessionId, 'j1', encodeNonce(1), GOOD_RESULT));
      expect(accepted.result).toEqual({ status: 'OK' });
      const refused = await rig.answer(rig.submit(sessionId, 'j1', encodeNonce(0xbad), GOOD_RESULT));
      expect(refused.error?.message).toBe('Invalid share');
      const alive = await rig.answer(rig.request('keepalived', { id: sessionId }));
      expect(alive.result).toEqual({ status: 'KEEPALIVED' });

      rig.close();
      await until(() => left.length === 1);
      expect(left).toEqual([joined[0]?.id]);
    });
  }

  it('refuses the connection past the cap, in all and per address, with a sentence', async () => {
    const { connect } = await start({ maxConnections: 2 });
    await connect();
    await connect();
    const third = await connect();
    expect((await third.next()).error?.message).toBe(
      'The server holds its most rigs (2); try later or another gateway.',
    );
    await third.closed;
    const perAddress = await start({ maxPerAddress: 1 });
    await perAddress.connect();
    const second = await perAddress.connect();
    expect((await second.next()).error?.message).toBe('Too many rigs from this address (1); close some, or try later.');
  });

  it('closes a rig that does not log in in time, refuses a login the gateway refuses, and serves the others meanwhile', async () => {
    const { connect, log } = await start({ loginTimeoutMs: 300 });
    const other = await loggedIn(connect);
    const silent = await connect();
    await silent.closed;
    expect(log.lines.some((line) => /no login within 0.3 s/.test(line.message))).toBe(true);
    const refused = await connect();
    const answer = await refused.answer(refused.login('refuse-me'));
    expect(answer.error?.message).toBe('This gateway takes no rig called refuse-me.');
    await refused.closed;
    const alive = await other.rig.answer(other.rig.request('keepalived', { id: other.sessionId }));
    expect(alive.result).toEqual({ status: 'KEEPALIVED' });
  });

  it('answers bad JSON, an unknown method and a cut line, closes after too many, and the other rigs carry on', async () => {
    const { connect, log } = await start({ maxBadRequests: 2 });
    const other = await loggedIn(connect);
    const rude = await connect();
    rude.send('this is not json\n');
    expect((await rude.next()).error?.message).toBe('Malformed JSON');
    rude.send(`${JSON.stringify({ id: 5, jsonrpc: '2.0', method: 'mining.subscribe', params: [] })}\n`);
    expect((await rude.next()).error?.message).toBe('Unknown method');
    await rude.closed;
    const cut = await connect();
    cut.send('{"id":1,"method":"log');
    cut.socket.end();
    await cut.closed;
    await until(() => log.lines.some((line) => /ended in the middle of a line/.test(line.message)));
    const accepted = await other.rig.answer(other.rig.submit(other.sessionId, 'j1', encodeNonce(2), GOOD_RESULT));
    expect(accepted.result).toEqual({ status: 'OK' });
  });

  it('holds 1000 idle connections, reports their memory, and refuses the next with a sentence', async () => {
    const { server, connect } = await start({ maxConnections: 1000, maxPerAddress: 1000, loginTimeoutMs: 60_000 });
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const idle = await Promise.all(Array.from({ length: 1000 }, () => connect()));
    await until(() => server.connectionCount === 1000);
    const perConnection = (process.memoryUsage().rss - before) / 1000;
    // Both ends live in this process: the figure is an upper bound of the server's share.
    process.stdout.write(`1000 idle rig connections: ${(perConnection / 1024).toFixed(1)} KiB each, both ends\n`);
    const over = await connect();
    expect((await over.next()).error?.message).toBe(
      'The server holds its most rigs (1000); try later or another gateway.',
    );
    expect(idle.every((rig) => !rig.socket.destroyed)).toBe(true);
    expect(server.connectionCount).toBe(1000);
  });

  it('bans a rig: its pending answers say Banned, and its address is refused for the ban time', async () => {
    const { connect, joined } = await start({ banMs: 60_000 });
    const { rig } = await loggedIn(connect);
    joined[0]?.ban('three invalid shares');
    await rig.closed;
    const again = await connect();
    expect((await again.next()).error?.message).toBe(
      'Banned: a rig from this address sent invalid shares; try again in 1 min.',
    );
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

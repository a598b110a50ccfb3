// xmrig rigs as cluster members, end to end: the real `rxmesh serve --stratum` on the demo chain, and scripted rigs
// that speak xmrig's messages and hash for real with librandomx. Each rig is a member under the gateway, with a
// 2^24-nonce block of its own; its shares go through the coordinator's checks and verification, are credited to its
// worker name, and show in /api/stats and /metrics; a rig that sends invalid shares is banned.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes, targetForDifficulty } from '@rxmesh/core';
import { createLightHasher, type NativeLightHasher } from '@rxmesh/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../testing/hostile.js';
import {
  clusterStatsAt,
  explained,
  type RxmeshProcess,
  servingUrl,
  startRxmesh,
} from '../../testing/rxmesh-process.js';
import { findShares, type RigJobLine, ScriptedRig } from '../../testing/scripted-rig.js';

const children: ChildProcess[] = [];
const rigs: ScriptedRig[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-rigs-'));
const hashers = new Map<string, NativeLightHasher>();
let server: RxmeshProcess;
let url: string;
let stratumPort: number;
let stratumTlsPort: number;

afterAll(() => {
  for (const rig of rigs) rig.close();
  for (const child of children) child.kill('SIGKILL');
  for (const hasher of hashers.values()) hasher.release();
  rmSync(scratch, { recursive: true, force: true });
});

beforeAll(async () => {
  server = startRxmesh(
    [
      'serve',
      ...['--port', '0', '--http-port', '0', '--tls-self-signed', '--bind', '127.0.0.1', '--data-dir', scratch],
      ...['--stratum', '127.0.0.1:0', '--stratum-tls', '127.0.0.1:0'],
    ],
    children,
  );
  const listening = await explained(
    until('the Stratum server to listen', 60_000, () => {
      const lines = server.lines.filter((line) => line.event === 'stratumListening');
      return lines.length === 2 ? lines : undefined;
    }),
    { server },
  );
  const portOf = (secure: boolean) =>
    Number(/:(\d+)$/.exec(listening.find((line) => line.tls === secure)?.address ?? '')?.[1]);
  stratumPort = portOf(false);
  stratumTlsPort = portOf(true);
  url = servingUrl(server) ?? '';
}, 70_000);

/** A librandomx light hasher for a seed, made once per seed. */
function hasherFor(seedHex: string): (input: Uint8Array) => Uint8Array {
  let hasher = hashers.get(seedHex);
  if (hasher === undefined) {
    hasher = createLightHasher(hexToBytes(seedHex));
    hashers.set(seedHex, hasher);
  }
  return (input) => (hasher as NativeLightHasher).hash(input);
}

/** A rig that logged in as `login`: its session id and first job. */
async function loggedIn(login: string, { secure = false } = {}) {
  const rig = secure
    ? await ScriptedRig.connect(stratumTlsPort, { anyCertificate: true })
    : await ScriptedRig.connect(stratumPort);
  rigs.push(rig);
  const answer = await rig.answer(rig.login(login), 30_000);
  expect(answer.error).toBeNull();
  const result = answer.result as { id: string; job: RigJobLine; extensions: string[]; status: string };
  return { rig, id: result.id, job: result.job, extensions: result.extensions };
}

type Rig = Awaited<ReturnType<typeof loggedIn>>;

/**
 * Mines as xmrig does until `count` shares are accepted: always on the newest job the server pushed, so a share is
 * refused as stale only when a newer job comes (the young demo chain re-templates as the cluster's hashrate changes,
 * and a share may be a block). Any other refusal fails the test.
 */
async function mineAccepted(rig: Rig, count: number) {
  const accepted: { jobId: string; nonceHex: string; resultHex: string }[] = [];
  let job = rig.job;
  let from = 0;
  for (let attempt = 0; accepted.length < count && attempt < 4 * count; attempt++) {
    const newest = rig.rig.newestJob(job);
    if (newest !== job) from = 0;
    job = newest;
    const [share] = await findShares(job, hasherFor(job.seed_hash), 1, { from });
    if (share === undefined) throw new Error('no share found');
    from = (share.nonce & 0xff_ffff) + 1;
    // Sent twice in a row, as a rig with a bug would: the second is a duplicate, whatever happens to the first.
    const first = rig.rig.submit(rig.id, job.job_id, share.nonceHex, share.resultHex);
    const again = rig.rig.submit(rig.id, job.job_id, share.nonceHex, share.resultHex);
    const answer = await rig.rig.answer(first, 30_000);
    const repeat = await rig.rig.answer(again, 30_000);
    if (answer.error === null) {
      accepted.push({ jobId: job.job_id, ...share });
      expect(repeat.error?.message).toBe('Duplicate share');
    } else {
      expect(answer.error?.message).toBe('Stale share');
      const stale = job;
      job = await rig.rig.waitForJob(stale);
      expect(job).not.toBe(stale);
      from = 0;
    }
  }
  expect(accepted).toHaveLength(count);
  return accepted;
}

const topByteOf = (job: RigJobLine) => new DataView(hexToBytes(job.blob).buffer).getUint32(39, true) >>> 24;

describe('xmrig rigs on `rxmesh serve --stratum`', () => {
  it('log in, get a block of nonces of their own, and have their real shares verified and credited', async () => {
    const alice = await loggedIn('alice+100');
    const bob = await loggedIn('bob+100');
    expect(alice.extensions).toEqual(expect.arrayContaining(['algo', 'keepalive', 'nicehash']));
    for (const { job } of [alice, bob]) {
      expect(job).toMatchObject({ algo: 'rx/0', target: expect.stringMatching(/^[0-9a-f]{8}$/) });
      expect(job.seed_hash).toMatch(/^[0-9a-f]{64}$/);
      // The nonce's low 24 bits are the rig's to count; the top byte names its block.
      expect(new DataView(hexToBytes(job.blob).buffer).getUint32(39, true) & 0xff_ffff).toBe(0);
    }
    expect(topByteOf(alice.job)).not.toBe(topByteOf(bob.job));

    const accepted = await explained(mineAccepted(alice, 2), { server });
    const stats = await until('alice on the leaderboard', 30_000, async () => {
      const answer = await clusterStatsAt(url);
      const member = answer.members.find((candidate) => candidate.name === 'alice');
      return member !== undefined && member.sharesAccepted >= 2 ? { answer, member } : undefined;
    });
    expect(stats.member).toMatchObject({ engine: 'xmrig', agent: expect.stringMatching(/^XMRig\//) });
    expect(stats.member.parent).toBe(stats.answer.coordinator);
    // Credited as any member's shares are: the work a share at the lease's target stands for, the difficulty the
    // login fixed.
    expect(stats.member.sharesAccepted).toBe(2);
    expect(BigInt(stats.member.creditedWork)).toBe(2n * (2n ** 64n / (targetForDifficulty(100n) + 1n)));

    // A share of a job the rig was never sent.
    const last = accepted.at(-1);
    if (last === undefined) throw new Error('no share');
    const unknown = await alice.rig.answer(alice.rig.submit(alice.id, 'no-such-job', last.nonceHex, last.resultHex));
    expect(unknown.error?.message).toBe('Invalid job id');

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^rxmesh_stratum_rigs 2$/m);
    expect(metrics).toMatch(/^rxmesh_stratum_share_answers_total\{answer="accepted"\} 2$/m);
  }, 240_000);

  it('over TLS too; leave the cluster when the rig goes, and a rig whose shares the gateway recomputes differently is banned', async () => {
    const memberNamed = async (name: string) =>
      (await clusterStatsAt(url)).members.find((candidate) => candidate.name === name);
    const carol = await loggedIn('carol+100', { secure: true });
    await until('carol as a member', 30_000, () => memberNamed('carol'));
    carol.rig.close();
    await until('carol to leave the cluster', 60_000, async () =>
      (await memberNamed('carol')) === undefined ? true : undefined,
    );

    // Last in this file: the ban holds the address, and every rig here comes from 127.0.0.1.
    const mallory = await loggedIn('mallory+100');
    await until('mallory as a member', 30_000, () => memberNamed('mallory'));
    // A claimed result that meets any target, for nonces the rig never hashed: the gateway's hash differs.
    const forged = '00'.repeat(32);
    const answers: string[] = [];
    for (let counter = 1; counter <= 3; counter++) {
      const nonce = ((topByteOf(mallory.job) << 24) | counter) >>> 0;
      const nonceHex = Buffer.from(new Uint32Array([nonce]).buffer).toString('hex');
      const answer = await mallory.rig.answer(mallory.rig.submit(mallory.id, mallory.job.job_id, nonceHex, forged));
      answers.push(answer.error?.message ?? 'OK');
    }
    // The coordinator bans a member at its third invalid share, and that share is answered with the ban.
    expect(answers).toEqual(['Invalid share', 'Invalid share', 'Banned']);
    await until('the banned rig to be cut off', 30_000, async () => (mallory.rig.socket.destroyed ? true : undefined));
    const again = await ScriptedRig.connect(stratumPort);
    rigs.push(again);
    expect((await again.next()).error?.message).toMatch(/^Banned/);
  }, 180_000);
});

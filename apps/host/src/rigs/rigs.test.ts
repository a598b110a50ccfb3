// xmrig rigs as cluster members, end to end: the real `rxmesh serve --stratum` solo mining on a regtest monerod, and
// scripted rigs that speak xmrig's messages and hash for real with librandomx. Each rig is a member under the gateway
// that mines the daemon's template with an extra nonce of its own, which no other member (rig or host) is given; its
// shares go through the coordinator's checks and verification, are credited to its worker name and show in
// /api/stats and /metrics; its blocks go to the daemon; a rig that sends invalid shares is banned.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeNonce,
  hexToBytes,
  meetsDifficulty,
  type RigJobParams,
  readNonce,
  targetForDifficulty,
} from '@rxmesh/core';
import { createLightHasher, type NativeLightHasher } from '@rxmesh/native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../testing/hostile.js';
import { type Monerod, REGTEST_WALLET, startMonerod } from '../../testing/monerod.js';
import {
  clusterStatsAt,
  explained,
  lightHostArgs,
  type RxmeshProcess,
  servingUrl,
  startRxmesh,
} from '../../testing/rxmesh-process.js';
import { type FoundShare, findShares, ScriptedRig } from '../../testing/scripted-rig.js';

const children: ChildProcess[] = [];
const rigs: ScriptedRig[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-rigs-'));
const hashers = new Map<string, NativeLightHasher>();
/** The daemon's difficulty: every share of the rigs (+100) is a block; librandomx's light mode takes ~40 ms a hash. */
const DAEMON_DIFFICULTY = 100n;
let daemon: Monerod | undefined;
let server: RxmeshProcess;
let url: string;
let stratumPort: number;
let stratumTlsPort: number;

afterAll(async () => {
  for (const rig of rigs) rig.close();
  for (const child of children) child.kill('SIGKILL');
  for (const hasher of hashers.values()) hasher.release();
  await daemon?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

beforeAll(async () => {
  daemon = await startMonerod({ fixedDifficulty: DAEMON_DIFFICULTY });
  server = startRxmesh(
    [
      'serve',
      ...['--port', '0', '--http-port', '0', '--tls-self-signed', '--bind', '127.0.0.1', '--data-dir', scratch],
      ...['--source', `daemon+${daemon.rpcUrl}`, '--wallet', REGTEST_WALLET],
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
}, 100_000);

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
  const result = answer.result as { id: string; job: RigJobParams; extensions: string[]; status: string };
  return { rig, id: result.id, job: result.job, extensions: result.extensions };
}

type Rig = Awaited<ReturnType<typeof loggedIn>>;

/** A rig hashing as xmrig does: on the newest job the server pushed, its counter from zero on each new job. */
class RigHashing {
  job: RigJobParams;
  private from = 0;

  constructor(private readonly rig: Rig) {
    this.job = rig.job;
  }

  /** Takes `job` when it is new. */
  follow(job: RigJobParams): void {
    if (job === this.job) return;
    this.job = job;
    this.from = 0;
  }

  async nextShare(): Promise<FoundShare> {
    this.follow(this.rig.rig.newestJob(this.job));
    const [share] = await findShares(this.job, hasherFor(this.job.seed_hash), 1, { from: this.from });
    if (share === undefined) throw new Error('no share found');
    this.from = (share.nonce & 0xff_ffff) + 1;
    return share;
  }
}

/**
 * Mines as xmrig does until `count` shares are accepted: always on the newest job the server pushed, so a share is
 * refused as stale only when a newer job comes (the young demo chain re-templates as the cluster's hashrate changes,
 * and a share may be a block). Any other refusal fails the test.
 */
async function mineAccepted(rig: Rig, count: number) {
  const accepted: { jobId: string; nonceHex: string; resultHex: string }[] = [];
  const hashing = new RigHashing(rig);
  for (let attempt = 0; accepted.length < count && attempt < 4 * count; attempt++) {
    const share = await hashing.nextShare();
    const { job } = hashing;
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
      hashing.follow(await rig.rig.waitForJob(job));
      expect(hashing.job).not.toBe(job);
    }
  }
  expect(accepted).toHaveLength(count);
  return accepted;
}

/** The cluster's job a rig's job was cut from: its id is the job's and the lease's. */
const clusterJobOf = (job: RigJobParams) => job.job_id.slice(0, job.job_id.lastIndexOf('/'));
/** The blob with its nonce blanked. */
const withoutNonce = (blob: string) => `${blob.slice(0, 78)}00000000${blob.slice(86)}`;

const topByteOf = (job: RigJobParams) => readNonce(hexToBytes(job.blob)) >>> 24;

describe('xmrig rigs on `rxmesh serve --stratum`', () => {
  it('log in, get a job of their own, and have their real shares verified and credited', async () => {
    const alice = await loggedIn('alice+100');
    const bob = await loggedIn('bob+100');
    expect(alice.extensions).toEqual(expect.arrayContaining(['algo', 'keepalive', 'nicehash']));
    for (const { job } of [alice, bob]) {
      expect(job).toMatchObject({ algo: 'rx/0', target: expect.stringMatching(/^[0-9a-f]{8}$/) });
      expect(job.seed_hash).toMatch(/^[0-9a-f]{64}$/);
      // The nonce's low 24 bits are the rig's to count; the top byte names its block.
      expect(readNonce(hexToBytes(job.blob)) & 0xff_ffff).toBe(0);
    }
    // Each its own job: the daemon's template with an extra nonce of its own.
    expect(clusterJobOf(alice.job)).not.toBe(clusterJobOf(bob.job));
    expect(withoutNonce(alice.job.blob)).not.toBe(withoutNonce(bob.job.blob));

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

  it('find a block on the daemon through the gateway, and the daemon takes it', async () => {
    const finder = await loggedIn('finder+100');
    const chain = daemon as Monerod;
    const hashing = new RigHashing(finder);
    for (let attempt = 0; attempt < 20; attempt++) {
      const share = await hashing.nextShare();
      const { job } = hashing;
      if (!meetsDifficulty(hexToBytes(share.resultHex), DAEMON_DIFFICULTY)) continue;
      const heightBefore = await chain.height();
      const answer = await finder.rig.answer(finder.rig.submit(finder.id, job.job_id, share.nonceHex, share.resultHex));
      if (answer.error?.message === 'Stale share') continue; // another rig's block came first
      expect(answer).toMatchObject({ error: null, result: { status: 'OK' } });
      await until('the daemon to take the block', 30_000, async () =>
        (await chain.height()) > heightBefore ? true : undefined,
      );
      const header = (await chain.call('get_block_header_by_height', { height: job.height })).block_header as {
        nonce: number;
      };
      expect(header.nonce).toBe(share.nonce);
      const stats = await until('the block in /api/stats', 30_000, async () => {
        const answer = await clusterStatsAt(url);
        return answer.blocks.find((block) => block.height === job.height) === undefined ? undefined : answer;
      });
      expect(stats.blocks.find((block) => block.height === job.height)?.finderName).toBe('finder');
      // The new tip brings the rig its next job, on the next height.
      const next = await finder.rig.waitForJob(job, 30_000);
      expect(next.height).toBe(job.height + 1);
      return;
    }
    throw new Error('no block in 20 shares');
  }, 240_000);

  it('never share a nonce with each other or with a host: each rig mines a job of its own', async () => {
    const host = startRxmesh(lightHostArgs(url, 'host', join(scratch, 'host')), children);
    const dave = await loggedIn('dave+100');
    const erin = await loggedIn('erin+100');
    const rigJobs = { dave: [dave.job], erin: [erin.job] };
    const hostLeases = () => host.lines.filter((line) => line.event === 'mining');
    // Until the host has mined a block to be that both rigs were mining too, and each rig has had more than one job.
    await explained(
      until('the host and both rigs on the same heights', 90_000, () => {
        rigJobs.dave.push(...dave.rig.pushedJobs());
        rigJobs.erin.push(...erin.rig.pushedJobs());
        const heightsOf = (jobs: RigJobParams[]) => new Set(jobs.map((job) => job.height));
        const [daveHeights, erinHeights] = [heightsOf(rigJobs.dave), heightsOf(rigJobs.erin)];
        const shared = hostLeases().filter(
          (line) => daveHeights.has(line.height ?? -1) && erinHeights.has(line.height ?? -1),
        );
        return shared.length >= 1 && rigJobs.dave.length >= 2 && rigJobs.erin.length >= 2 ? true : undefined;
      }),
      { host, server },
    );
    // The daemon's template with an extra nonce of each rig's own: no job, and no blob, is two miners'.
    const hostJobs = new Set(hostLeases().map((line) => line.jobId));
    const [daveJobs, erinJobs] = [rigJobs.dave, rigJobs.erin].map((jobs) => new Set(jobs.map(clusterJobOf)));
    const [daveBlobs, erinBlobs] = [rigJobs.dave, rigJobs.erin].map(
      (jobs) => new Set(jobs.map((job) => withoutNonce(job.blob))),
    );
    for (const id of daveJobs ?? []) {
      expect(erinJobs?.has(id)).toBe(false);
      expect(hostJobs.has(id)).toBe(false);
    }
    for (const id of erinJobs ?? []) expect(hostJobs.has(id)).toBe(false);
    for (const blob of daveBlobs ?? []) expect(erinBlobs?.has(blob)).toBe(false);
    // A rig's leases of its job take its blocks of nonces one after another, never one twice.
    for (const jobs of [rigJobs.dave, rigJobs.erin]) {
      const blocks = jobs.map((job) => `${clusterJobOf(job)} ${topByteOf(job)}`);
      expect(new Set(blocks).size).toBe(blocks.length);
    }
    host.child.kill('SIGKILL');
  }, 180_000);

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
      const nonceHex = encodeNonce(nonce);
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

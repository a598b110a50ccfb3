// Replication over real links: MeshNodes in this process on the stock peerjs client and @roamhq/wrtc data channels,
// through the rxmesh signaling server. A coordinator (the server's embedded gateway, on the demo chain) and three
// workers mine until the cluster has made more jobs than the state keeps (16) and the replicated state is far larger
// than a frame (16 KiB) and than a link's default bound (64 KiB); then a host with a gateway credential joins, becomes
// the standby and must receive all of it, in parts and fragments. The coordinator is then stopped: the standby takes
// over with a state that lost nothing (no block, job, lease, accepted share or credited work).
//
// The engines are stand-ins: they hash the simulation's cheap proof of work (sim-tools.ts), which the coordinator's
// verifier recomputes alike, and one nonce in CANDIDATE_EVERY hashes below 2^128, a block candidate for every
// difficulty the demo chain reaches in the first few dozen blocks, so that blocks (and with them jobs) and accepted
// shares come quickly. Every rule is the real one; the snapshot (one part of 80-130 KiB) crosses the link as
// fragments of 16 KiB, on a link whose bound the standby raised.
import {
  type ClusterPeer,
  issueCredential,
  type KeyReady,
  type MineRequest,
  type MineResult,
  type MiningEngine,
  meetsShareTarget,
} from '@rxmesh/core';
import type { MeshNode, ShareHasher } from '@rxmesh/mesh';
import { buildServer } from '@rxmesh/signal';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicatedState } from '../../../packages/core/src/cluster/replica.js';
import type { ReplicaEntry } from '../../../packages/core/src/cluster/wire.js';
import { fakePow } from '../../../packages/core/src/simulation/sim-tools.js';
import { until } from '../testing/hostile.js';
import { newIdentity, scheme, serverGatewayKeys } from './keys.js';
import { joinCluster } from './mesh/join-cluster.js';

const ROOM = 'replication';
/** One nonce in this many is a block candidate. */
const CANDIDATE_EVERY = 256;
const cluster = newIdentity();
let app: FastifyInstance;
let signalUrl: URL;
const nodes: MeshNode[] = [];

/** The stand-in proof of work: the simulation's, with bytes 16..31 zeroed for one nonce in CANDIDATE_EVERY. */
function standInHash(seedHash: Uint8Array, blob: Uint8Array, nonce: number): Uint8Array {
  const hash = fakePow.hash(fakePow.prepare(seedHash, blob), nonce);
  if (nonce % CANDIDATE_EVERY === 0) hash.fill(0, 16);
  return hash;
}

const hasher: ShareHasher = {
  hash: async (seedHash, blob, nonce) => standInHash(seedHash, blob, nonce),
  close: async () => {},
};

/** Hashes HASHES_PER_STEP nonces every STEP_MS (50,000 H/s) and reports those under the target after each step. */
class StandInEngine implements MiningEngine {
  static readonly STEP_MS = 20;
  static readonly HASHES_PER_STEP = 1_000;
  readonly mode = 'light';
  readonly threads = 1;
  key: Uint8Array | undefined;
  private stopRequested = false;

  async setKey(key: Uint8Array): Promise<KeyReady> {
    this.key = key;
    return { cacheInitMs: 0, datasetInitMs: null };
  }

  async mine(request: MineRequest): Promise<MineResult> {
    this.stopRequested = false;
    const shares: { nonce: number; hash: Uint8Array }[] = [];
    let hashes = 0;
    while (hashes < request.count && !this.stopRequested) {
      await new Promise((resolve) => setTimeout(resolve, StandInEngine.STEP_MS));
      const step = Math.min(StandInEngine.HASHES_PER_STEP, request.count - hashes);
      for (let i = 0; i < step; i++) {
        const nonce = request.firstNonce + hashes + i;
        const hash = standInHash(this.key ?? new Uint8Array(32), request.blob, nonce);
        if (meetsShareTarget(hash, request.target)) shares.push({ nonce, hash });
      }
      hashes += step;
      // Like an engine whose share buffer is full: the shares go out now, and the driver mines on from here.
      if (shares.length > 0) break;
    }
    return { hashes, shares, stoppedEarly: hashes < request.count };
  }

  stop(): void {
    this.stopRequested = true;
  }

  async hash(): Promise<Uint8Array> {
    throw new Error('The stand-in engine only mines.');
  }

  release(): void {}
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function info(name: string, mines: boolean, jobSource: boolean) {
  return {
    name,
    engine: 'native' as const,
    mode: 'light' as const,
    cores: 2,
    memoryMb: 4096,
    mines,
    maxLinks: 64,
    jobSource,
  };
}

async function node(options: Omit<Parameters<typeof joinCluster>[0], 'signalUrls' | 'room' | 'log' | 'statusSeconds'>) {
  const joined = await joinCluster({ signalUrls: [signalUrl], room: ROOM, log: quiet, statusSeconds: 600, ...options });
  nodes.push(joined);
  return joined;
}

// What this test reads inside a node: the cluster peer, its coordinator's state, and a standby's replica.
const peerOf = (mesh: MeshNode) => (mesh as unknown as { cluster: ClusterPeer }).cluster;
const stateOf = (mesh: MeshNode): ReplicatedState | undefined => peerOf(mesh).coordinatorState?.state;
const replicaOf = (mesh: MeshNode) => (peerOf(mesh) as unknown as { replica?: ReplicatedState }).replica;

/** A state as a sorted list of its snapshot entries, each as JSON: two states hold the same when these are equal. */
const entriesOf = (state: ReplicatedState) =>
  state
    .snapshot()
    .map((entry) => JSON.stringify(entry))
    .sort();
const ofKind = <E extends ReplicaEntry['e']>(entries: ReplicaEntry[], e: E) =>
  entries.filter((entry): entry is Extract<ReplicaEntry, { e: E }> => entry.e === e);

beforeAll(async () => {
  app = await buildServer({ cluster: { key: cluster.id } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  signalUrl = new URL(`http://127.0.0.1:${port}`);
});

afterAll(async () => {
  await Promise.all(nodes.map((joined) => joined.stop()));
  await app.close();
});

describe('replication of a large state over raw data channels', () => {
  it('a standby receives a replicated state of more than 64 KiB whole (16 jobs, 4 peers, a big ledger) and, when the coordinator stops, carries it on complete', {
    timeout: 60_000,
  }, async () => {
    const coordinator = await node({
      keys: serverGatewayKeys(cluster),
      info: info('gateway', false, true),
      source: 'demo',
      hasher,
    });
    await until('the gateway to coordinate', 10_000, () =>
      coordinator.snapshot().role === 'coordinator' ? true : undefined,
    );
    for (const name of ['w1', 'w2', 'w3']) {
      await node({
        keys: { scheme, identity: newIdentity(), cluster: cluster.id, credential: null },
        info: info(name, true, false),
        source: 'none',
        engine: new StandInEngine(),
      });
    }
    // More jobs than the state keeps, and a ledger of accepted shares far above a link's default bound.
    const grown = await until(
      'the cluster to make 17 jobs and a state of 80 KiB',
      30_000,
      () => {
        const state = stateOf(coordinator);
        if (state === undefined || state.blocksFound < 17) return undefined;
        const bytes = JSON.stringify(state.snapshot()).length;
        return bytes > 80 * 1024 ? { bytes, jobs: state.jobs.size, accepted: state.sharesAccepted } : undefined;
      },
      100,
    );
    expect(grown.jobs).toBe(16);

    const standbyIdentity = newIdentity();
    const credential = issueCredential(scheme, cluster, {
      key: standbyIdentity.id,
      name: 'standby',
      server: false,
      now: Date.now(),
      lifetimeMs: 3_600_000,
    });
    const standby = await node({
      keys: { scheme, identity: standbyIdentity, cluster: cluster.id, credential },
      info: info('standby', true, false),
      source: 'demo',
      engine: new StandInEngine(),
      hasher,
    });
    await until('the host to be the first standby', 15_000, () =>
      coordinator.members()?.find((member) => member.id === standby.id)?.standbyRank === 0 ? true : undefined,
    );
    await until('the standby to install the snapshot', 15_000, () => replicaOf(standby));

    // Mining stops, so that the state settles; the standby then holds exactly what the coordinator holds.
    for (const mesh of nodes) mesh.pause();
    const settled = await until(
      'the standby to store everything the coordinator recorded',
      15_000,
      () => {
        const [state, replica] = [stateOf(coordinator), replicaOf(standby)];
        if (state === undefined || replica === undefined || replica.nextSeq !== state.nextSeq) return undefined;
        return { coordinator: entriesOf(state), standby: entriesOf(replica), snapshot: state.snapshot() };
      },
      50,
    );
    expect(settled.standby).toEqual(settled.coordinator);
    expect(JSON.stringify(settled.snapshot).length).toBeGreaterThan(80 * 1024);
    const before = settled.snapshot;
    // What the standby's link carried could not have passed a link of the default bound, nor one frame.
    expect(standby.linkCounters()).toMatchObject({ oversizedMessages: 0, badFrames: 0 });

    await coordinator.stop();
    nodes.splice(nodes.indexOf(coordinator), 1);
    await until('the standby to take over', 15_000, () =>
      standby.snapshot().role === 'coordinator' ? true : undefined,
    );
    const after = stateOf(standby)?.snapshot() ?? [];

    // Nothing the old coordinator recorded is lost. Blocks, bans and credited work carry over whole; the new
    // coordinator's first job may push the oldest job (with its leases and shares) out of the 16 kept.
    const blockIds = (entries: ReplicaEntry[]) => ofKind(entries, 'block').map((entry) => entry.block.id);
    expect(blockIds(after)).toEqual(expect.arrayContaining(blockIds(before)));
    expect(ofKind(after, 'ban')).toEqual(ofKind(before, 'ban'));
    const jobsAfter = new Set(ofKind(after, 'job').map((entry) => entry.job.id));
    const jobsBefore = ofKind(before, 'job').map((entry) => entry.job.id);
    const newJobs = [...jobsAfter].filter((id) => !jobsBefore.includes(id)).length;
    const kept = jobsBefore.slice(newJobs);
    expect(kept.length).toBeGreaterThanOrEqual(14);
    for (const id of kept) expect(jobsAfter.has(id)).toBe(true);
    const keyed = (entries: ReplicaEntry[]) =>
      new Set(
        [...ofKind(entries, 'seen'), ...ofKind(entries, 'lease')]
          .filter((entry) => kept.includes(entry.e === 'seen' ? entry.jobId : entry.lease.jobId))
          .map((entry) => JSON.stringify(entry)),
      );
    const carried = keyed(after);
    for (const entry of keyed(before)) expect(carried.has(entry)).toBe(true);
    const accountsAfter = new Map(ofKind(after, 'account').map((entry) => [entry.peer, entry]));
    for (const account of ofKind(before, 'account')) {
      const now = accountsAfter.get(account.peer);
      expect(BigInt(now?.work ?? '0')).toBeGreaterThanOrEqual(BigInt(account.work));
      expect(now?.accepted ?? 0).toBeGreaterThanOrEqual(account.accepted);
    }
    const [totalsBefore] = ofKind(before, 'totals');
    const [totalsAfter] = ofKind(after, 'totals');
    expect(totalsAfter?.accepted).toBeGreaterThanOrEqual(totalsBefore?.accepted ?? Number.POSITIVE_INFINITY);
    expect(totalsAfter?.blocks).toBeGreaterThanOrEqual(totalsBefore?.blocks ?? Number.POSITIVE_INFINITY);
    console.info(
      `replicated ${JSON.stringify(before).length} bytes of state (${before.length} entries, ` +
        `${totalsBefore?.accepted} accepted shares, ${totalsBefore?.blocks} blocks) to the standby`,
    );
  });
});

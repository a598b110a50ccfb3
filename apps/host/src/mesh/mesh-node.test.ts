// MeshNode with real parts on loopback: the signaling server, the stock peerjs client in Node, and librandomx mining
// one thread in light mode. A lone gateway coordinates and mines its own leases; pause() must bring its hashing to
// 0 within a second, seen both in the snapshot and in the process's CPU time.
import type { Log, MeshNode, MeshSnapshot } from '@rxmesh/mesh';
import { NativeEngine } from '@rxmesh/native';
import { buildServer } from '@rxmesh/signal';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newIdentity, serverGatewayKeys } from '../keys.js';
import { joinCluster } from './join-cluster.js';
import { openShareHasher } from './share-hasher.js';

let app: FastifyInstance;
let signalUrl: URL;
const warnings: string[] = [];
const log: Log = {
  info: () => {},
  warn: (message) => warnings.push(message),
  error: (message) => warnings.push(message),
};

const cluster = newIdentity();

beforeAll(async () => {
  app = await buildServer({ cluster: { key: cluster.id } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  signalUrl = new URL(`http://127.0.0.1:${port}`);
});

afterAll(async () => {
  await app.close();
});

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Milliseconds of CPU this process spends over `ms` of wall time (native mining threads included). */
async function cpuOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

describe('MeshNode on librandomx, peerjs and the signaling server', () => {
  it('pause() brings hashing to 0 within 1 s and keeps coordinating; resume() mines again', {
    timeout: 120_000,
  }, async () => {
    const engine = NativeEngine.create({ mode: 'light', threads: 1 });
    const node: MeshNode = await joinCluster({
      signalUrls: [signalUrl],
      room: 'pause-test',
      keys: serverGatewayKeys(cluster),
      info: {
        name: 'lone',
        engine: 'native',
        mode: 'light',
        cores: 2,
        memoryMb: 1024,
        mines: true,
        maxLinks: 64,
        jobSource: true,
      },
      source: 'demo',
      engine,
      hasher: await openShareHasher(engine, (message) => warnings.push(message)),
      log,
      statusSeconds: 60,
      // A share every 2 s instead of 15: the first verified share comes within seconds.
      settings: { shareSeconds: 2 },
    });
    try {
      const snapshots: MeshSnapshot[] = [];
      node.subscribe((snapshot) => snapshots.push(snapshot));
      await until('hashes', 30_000, () => (node.snapshot().totalHashes > 0 ? true : undefined));
      // The first share this lone coordinator verifies builds its verifier's own light cache (0.4 s of CPU), which
      // would count against the paused figure below: measure once it is built.
      await until('a verified share', 60_000, () => (node.snapshot().sharesAccepted > 0 ? true : undefined));
      const mining = node.snapshot();
      expect(mining).toMatchObject({ role: 'coordinator', mining: true, paused: false });
      expect(mining.hashrate).toBeGreaterThan(0);
      expect(mining.keyInit?.finishedAt).not.toBeNull();
      expect(snapshots.some((snapshot) => snapshot.keyInit?.finishedAt === null)).toBe(true);
      // One mining thread keeps a core busy, as far as this shared machine lets it: the paused figure is read
      // against this one.
      const miningCpuPerSecond = await cpuOver(1000);
      expect(miningCpuPerSecond).toBeGreaterThan(200);

      const pausedAt = performance.now();
      node.pause();
      expect(node.snapshot()).toMatchObject({ paused: true, hashrate: 0 });
      await until('the batch to stop', 1000, () => (node.snapshot().mining ? undefined : true));
      expect(performance.now() - pausedAt).toBeLessThan(1000);
      const hashesAtPause = node.snapshot().totalHashes;
      expect((await cpuOver(1500)) / 1.5).toBeLessThan(0.2 * miningCpuPerSecond);
      expect(node.snapshot()).toMatchObject({ role: 'coordinator', paused: true, mining: false, hashrate: 0 });
      expect(node.snapshot().totalHashes).toBe(hashesAtPause);
      expect(snapshots.at(-1)).toMatchObject({ paused: true, mining: false, hashrate: 0 });

      node.resume();
      await until('hashes after resume', 5000, () => (node.snapshot().totalHashes > hashesAtPause ? true : undefined));
      expect(node.snapshot()).toMatchObject({ paused: false });
    } finally {
      await node.stop();
      engine.release();
    }
    expect(warnings).toEqual([]);
  });
});

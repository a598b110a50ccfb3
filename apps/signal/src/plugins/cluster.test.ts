// GET /api/cluster: the key gateway credentials are checked against, and the room the cluster runs in.
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { keyIdentity, RawPeer, type RunningServer, startServer } from '../../testing/raw-peer.js';
import { buildServer } from '../server.js';

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

async function get(path: string): Promise<{ status: number; body: unknown; metrics: string }> {
  const response = await fetch(`${server?.httpUrl}${path}`);
  const metrics = await (await fetch(`${server?.httpUrl}/metrics`)).text();
  return { status: response.status, body: await response.json(), metrics };
}

describe('/api/cluster', () => {
  it('answers the cluster key and the default room', async () => {
    const cluster = keyIdentity();
    server = await startServer({ cluster: { key: cluster.id } });
    const { status, body, metrics } = await get('/api/cluster');
    expect(status).toBe(200);
    expect(body).toEqual({ key: cluster.id, room: 'rxmesh' });
    expect(sampleValue(metrics, 'rxmesh_signal_cluster_key_configured')).toBe(1);
  });

  it('answers the room the server was given, and counts its peers while no gateway reports', async () => {
    const cluster = keyIdentity();
    server = await startServer({ cluster: { key: cluster.id }, room: 'lab-12' });
    expect((await get('/api/cluster')).body).toEqual({ key: cluster.id, room: 'lab-12' });
    const [inRoom, elsewhere] = await Promise.all([
      RawPeer.join(server.httpUrl, 'lab-12', 'alice'),
      RawPeer.join(server.httpUrl, 'rxmesh', 'bob'),
    ]);
    try {
      expect((await get('/api/stats')).body).toMatchObject({ view: 'signaling', peers: 1 });
    } finally {
      inRoom.close();
      elsewhere.close();
    }
  });

  it('answers 404 with a sentence when the server has no cluster key', async () => {
    server = await startServer();
    const { status, body, metrics } = await get('/api/cluster');
    expect(status).toBe(404);
    expect(body).toEqual({
      message:
        'This server has no cluster key: it relays signaling but runs no cluster. Join through the server that runs yours.',
    });
    expect(sampleValue(metrics, 'rxmesh_signal_cluster_key_configured')).toBe(0);
  });

  it('refuses to start with a cluster key that is not a key id', async () => {
    await expect(buildServer({ cluster: { key: 'not-a-key' } })).rejects.toThrow(
      'The cluster key "not-a-key" is not a key id: 52 characters of a-z and 2-7.',
    );
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { RawPeer, type RunningServer, signal, startServer } from '../../testing/raw-peer.js';
import { listenMetrics } from './metrics.js';

const servers: RunningServer[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  for (const server of servers.splice(0)) await server.app.close();
});

async function scrape(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.httpUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('/metrics', () => {
  it("names rxmesh's metrics rxmesh_ and keeps Node's standard names, one registry per server", async () => {
    // Two servers in one process: a shared (global) registry would refuse the second set of metrics.
    servers.push(await startServer(), await startServer());
    for (const server of servers) {
      const exposition = await scrape(server);
      const names = [...exposition.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '');
      expect(names.filter((name) => name.startsWith('rxmesh_')).length).toBeGreaterThan(10);
      for (const name of names) expect(name).toMatch(/^(rxmesh|process|nodejs)_/);
      expect(names).toContain('process_cpu_user_seconds_total');
      expect(names).toContain('nodejs_heap_size_used_bytes');
      expect(exposition).toMatch(/^rxmesh_build_info\{version="\d+\.\d+\.\d+",nodejs="v\d+\.\d+\.\d+"\} 1$/m);
      // Prometheus's naming rule: a counter's name ends in _total.
      const counters = [...exposition.matchAll(/^# TYPE (\S+) counter$/gm)].map((match) => match[1] ?? '');
      expect(counters.length).toBeGreaterThan(5);
      for (const name of counters) expect(name).toMatch(/_total$/);
    }
  });

  it("served elsewhere: nothing on the page's port, and the same registry on the operator's address", async () => {
    const server = await startServer({ access: { metrics: 'elsewhere' } });
    servers.push(server);
    expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(404);
    const alone = await listenMetrics(server.app.metrics, { host: '127.0.0.1', port: 0 });
    try {
      expect(alone.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const text = await (await fetch(alone.url)).text();
      expect(sampleValue(text, 'rxmesh_signal_sockets_open')).toBe(0);
    } finally {
      await alone.close();
    }
  });

  it('counts sockets, rooms, peers, relayed, queued and expired messages', async () => {
    const server = await startServer({ limits: { messageExpiryMs: 2_000 } });
    servers.push(server);
    const alice = await RawPeer.join(server.httpUrl, 'room-a', 'alice');
    const bob = await RawPeer.join(server.httpUrl, 'room-a', 'bob');
    const carol = await RawPeer.join(server.httpUrl, 'room-b', 'carol');
    const dave = await RawPeer.join(server.httpUrl, 'room-b', 'dave');
    peers.push(alice, bob, carol, dave);
    alice.send(signal('OFFER', 'bob', 'dc_1'));
    bob.send(signal('ANSWER', 'alice', 'dc_1'));
    bob.send(signal('CANDIDATE', 'alice', 'dc_1'));
    await bob.next();
    await alice.next();
    await alice.next();
    carol.send(signal('OFFER', 'nobody', 'dc_2'));
    carol.send(signal('CANDIDATE', 'nobody', 'dc_2'));
    // bob is in another room, so these wait in room-b for a "bob" of its own.
    carol.send(signal('OFFER', 'bob', 'dc_3'));
    carol.send(signal('CANDIDATE', 'bob', 'dc_3'));
    // Frames of one socket are handled in order: once dave has this, the four above are queued.
    carol.send(signal('OFFER', 'dave', 'dc_4'));
    await dave.next();

    const during = await scrape(server);
    expect(sampleValue(during, 'rxmesh_signal_sockets_open')).toBe(4);
    expect(sampleValue(during, 'rxmesh_signal_peers')).toBe(4);
    expect(sampleValue(during, 'rxmesh_signal_rooms')).toBe(2);
    expect(sampleValue(during, 'rxmesh_signal_queued_messages')).toBe(4);
    expect(sampleValue(during, 'rxmesh_signal_frames_relayed_total', { type: 'OFFER' })).toBe(2);
    expect(sampleValue(during, 'rxmesh_signal_frames_relayed_total', { type: 'ANSWER' })).toBe(1);
    expect(sampleValue(during, 'rxmesh_signal_frames_relayed_total', { type: 'CANDIDATE' })).toBe(1);

    // The messages for "bob" were queued last; once they expire, all four have.
    const expired: (string | undefined)[] = [];
    while (!expired.includes('bob') && expired.length < 4) {
      const message = await carol.next(5_000);
      expect(message.type).toBe('EXPIRE');
      expired.push(message.src);
    }
    expect(expired).toContain('nobody');
    const after = await scrape(server);
    expect(sampleValue(after, 'rxmesh_signal_queued_messages')).toBe(0);
    expect(sampleValue(after, 'rxmesh_signal_messages_expired_total', { reason: 'timeout' })).toBe(4);
  });
});

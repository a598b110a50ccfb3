import { afterEach, describe, expect, it } from 'vitest';
import { RawPeer, type RunningServer, startServer } from '../testing/raw-peer.js';
import type { ClusterStats } from './stats.js';

const servers: RunningServer[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  for (const server of servers.splice(0)) await server.app.close();
});

describe('/api/stats', () => {
  it('feeds /metrics the same figures, read at each scrape', async () => {
    let accepted = 3;
    const server = await startServer({
      clusterStats: () => ({
        peers: 2,
        hashrate: 61.5,
        sharesAccepted: accepted,
        sharesRejected: 1,
        blocksFound: 4,
        job: { source: 'demo', height: 9, difficulty: '450' },
      }),
    });
    servers.push(server);
    const scrape = async () => await (await fetch(`${server.httpUrl}/metrics`)).text();
    const first = await scrape();
    for (const line of [
      'rxmesh_cluster_peers 2',
      'rxmesh_cluster_hashrate 61.5',
      'rxmesh_cluster_blocks_found 4',
      'rxmesh_cluster_job_height 9',
    ]) {
      expect(first).toContain(line);
    }
    expect(first).toContain('rxmesh_cluster_shares_accepted 3');
    accepted = 4;
    expect(await scrape()).toContain('rxmesh_cluster_shares_accepted 4');
  });

  it('without a gateway, counts the peers of the default room "rxmesh" and reports zeros and no job', async () => {
    const server = await startServer();
    servers.push(server);
    peers.push(
      await RawPeer.join(server.httpUrl, 'rxmesh', 'alice'),
      await RawPeer.join(server.httpUrl, 'rxmesh', 'bob'),
      await RawPeer.join(server.httpUrl, 'another-cluster', 'carol'),
    );
    const response = await fetch(`${server.httpUrl}/api/stats`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await response.json()).toEqual({
      peers: 2,
      hashrate: 0,
      sharesAccepted: 0,
      sharesRejected: 0,
      blocksFound: 0,
      job: null,
    });
  });

  it("answers the gateway's figures, difficulty as a decimal string beyond 2^53", async () => {
    const difficulty = (2n ** 64n + 7n).toString();
    let calls = 0;
    const clusterStats = (): ClusterStats => {
      calls++;
      return {
        peers: 7,
        hashrate: 1234.5,
        sharesAccepted: 40 + calls,
        sharesRejected: 2,
        blocksFound: 1,
        job: { source: 'demo', height: 42, difficulty },
      };
    };
    const server = await startServer({ clusterStats });
    servers.push(server);
    const first = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    const second = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    expect(first).toEqual({
      peers: 7,
      hashrate: 1234.5,
      sharesAccepted: 41,
      sharesRejected: 2,
      blocksFound: 1,
      job: { source: 'demo', height: 42, difficulty: '18446744073709551623' },
    });
    // Read on every request, not once.
    expect(second.sharesAccepted).toBe(42);
  });
});

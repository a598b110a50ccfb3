import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterMember, ClusterStats } from '../client.js';
import { RawPeer, type RunningServer, startServer } from '../testing/raw-peer.js';

const servers: RunningServer[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  for (const server of servers.splice(0)) await server.app.close();
});

/** A gateway's answer with no members or blocks, as a member (not the coordinator) gives it. */
function memberView(overrides: Partial<ClusterStats> = {}): ClusterStats {
  return {
    view: 'member',
    peers: 2,
    hashrate: 61.5,
    sharesAccepted: 3,
    sharesRejected: 1,
    blocksFound: 4,
    job: { source: 'demo', height: 9, difficulty: '450' },
    coordinator: 'coordinator-1',
    members: [],
    blocks: [],
    source: null,
    ...overrides,
  };
}

describe('/api/stats', () => {
  it('feeds /metrics the same figures, read at each scrape', async () => {
    let accepted = 3;
    const source = {
      kind: 'stratum',
      url: 'stratum+tcp://pool.example:3333',
      connected: true,
      accepted: 11,
      rejected: 2,
      lastError: null,
    } as const;
    const server = await startServer({ clusterStats: () => memberView({ sharesAccepted: accepted, source }) });
    servers.push(server);
    const scrape = async () => await (await fetch(`${server.httpUrl}/metrics`)).text();
    const first = await scrape();
    for (const line of [
      'rxmesh_cluster_peers 2',
      'rxmesh_cluster_hashrate 61.5',
      'rxmesh_cluster_blocks_found 4',
      'rxmesh_cluster_job_height 9',
      'rxmesh_source_connected 1',
      'rxmesh_source_accepted 11',
      'rxmesh_source_rejected 2',
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
      view: 'signaling',
      peers: 2,
      hashrate: 0,
      sharesAccepted: 0,
      sharesRejected: 0,
      blocksFound: 0,
      job: null,
      coordinator: null,
      members: [],
      blocks: [],
      source: null,
    });
  });

  it('answers from signaling while the gateway has no figures yet, and the gateway once it has', async () => {
    let joined = false;
    const server = await startServer({ clusterStats: () => (joined ? memberView() : undefined) });
    servers.push(server);
    peers.push(await RawPeer.join(server.httpUrl, 'rxmesh', 'alice'));
    const before = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    expect(before).toMatchObject({ view: 'signaling', peers: 1, coordinator: null });
    joined = true;
    const after = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    expect(after).toEqual(memberView());
  });

  it("answers the gateway's figures, difficulty as a decimal string beyond 2^53", async () => {
    const difficulty = (2n ** 64n + 7n).toString();
    let calls = 0;
    const clusterStats = (): ClusterStats => {
      calls++;
      return memberView({
        peers: 7,
        hashrate: 1234.5,
        sharesAccepted: 40 + calls,
        sharesRejected: 2,
        blocksFound: 1,
        job: { source: 'demo', height: 42, difficulty },
      });
    };
    const server = await startServer({ clusterStats });
    servers.push(server);
    const first = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    const second = await (await fetch(`${server.httpUrl}/api/stats`)).json();
    expect(first).toMatchObject({
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

  it("answers the coordinator's members (tree links, standbys, credited work) and recent blocks", async () => {
    const coordinator: ClusterMember = {
      id: 'gw',
      name: 'gateway',
      role: 'gateway',
      engine: 'native',
      mode: 'light',
      hashrate: 0,
      sharesAccepted: 0,
      creditedWork: '0',
      parent: null,
      standbyRank: null,
    };
    const host: ClusterMember = {
      ...coordinator,
      id: 'host-1',
      name: 'lab pc',
      role: 'auto',
      mode: 'full',
      hashrate: 812.25,
      sharesAccepted: 12,
      creditedWork: (2n ** 60n).toString(),
      parent: 'gw',
      standbyRank: 0,
    };
    const tab: ClusterMember = {
      ...coordinator,
      id: 'tab-1',
      name: 'tab',
      role: 'worker',
      engine: 'wasm',
      hashrate: 40,
      sharesAccepted: 3,
      creditedWork: '1800',
      parent: 'host-1',
      standbyRank: null,
    };
    const block = {
      height: 5,
      id: 'ab'.repeat(32),
      finderId: 'tab-1',
      finderName: 'tab',
      foundAt: Date.UTC(2026, 10, 24, 12),
    };
    // Fields the contract does not name stay inside.
    const internal = { ...tab, lastSeen: 123 };
    const server = await startServer({
      clusterStats: () =>
        memberView({ view: 'coordinator', coordinator: 'gw', members: [coordinator, host, internal], blocks: [block] }),
    });
    servers.push(server);
    const body = (await (await fetch(`${server.httpUrl}/api/stats`)).json()) as ClusterStats;
    expect(body.view).toBe('coordinator');
    expect(body.coordinator).toBe('gw');
    expect(body.members).toEqual([coordinator, host, tab]);
    expect(body.members[1]?.creditedWork).toBe('1152921504606846976');
    expect(body.blocks).toEqual([block]);
  });
});

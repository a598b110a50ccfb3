import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RawPeer, type RunningServer, startServer } from '../../testing/raw-peer.js';
import type { ClusterMember, ClusterMembersPage, ClusterStats, ClusterStatsAnswer } from '../client.js';
import { DEFAULT_LIMITS } from '../signaling/limits.js';
import metrics from './metrics.js';
import signaling from './signaling.js';
import stats, { DEFAULT_MEMBER_LIMIT, MAX_BLOCKS, MAX_PAGE_LIMIT, type StatsOptions } from './stats.js';

const servers: RunningServer[] = [];
const peers: RawPeer[] = [];
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  for (const server of servers.splice(0)) await server.app.close();
  for (const app of apps.splice(0)) await app.close();
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
    links: { direct: 3, stun: 2, turn: 1, failed: 1 },
    members: [],
    blocks: [],
    source: null,
    ...overrides,
  };
}

/** Ids as long as the cluster protocol lets through (64), like the names (40) below: sizes measured are the largest. */
function longId(label: string): string {
  return label.padEnd(64, 'x');
}

function worker(id: string, creditedWork: bigint, extra: Partial<ClusterMember> = {}): ClusterMember {
  return {
    id: longId(id),
    name: `${id} on a lab computer`.padEnd(40, '.'),
    role: 'worker',
    engine: 'wasm',
    mode: 'light',
    hashrate: 123.456789,
    sharesAccepted: 12_345,
    creditedWork: creditedWork.toString(),
    parent: longId('coordinator'),
    standbyRank: null,
    ...extra,
  };
}

const CROWD = 5000;
const CROWD_WORKERS = CROWD - 4;

/**
 * Worker i of the crowd is in the three k = ⌊i/3⌋, credited k·10^17 plus 1, 1 and 2: compared as numbers, a three
 * would tie (its works differ beyond 2^53), and compared as strings, shorter works would pass longer ones.
 */
function crowdWorker(i: number): ClusterMember {
  const k = BigInt(Math.floor(i / 3));
  const extra = [1n, 1n, 2n][i % 3] ?? 0n;
  return worker(`peer-${String(i).padStart(4, '0')}`, k * 10n ** 17n + extra);
}

/**
 * 5,000 members in the order the gateway might hand them over (scrambled): the coordinator, standbys whose work
 * runs against their rank, and the workers. Also the ids in the order every answer must list them.
 */
function crowd(): { stats: ClusterStats; order: string[] } {
  const coordinator = worker('coordinator', 0n, { role: 'gateway', engine: 'native', parent: null });
  const standbys = [2, 0, 1].map((rank) =>
    worker(`standby-${rank}`, BigInt(rank + 1) * 10n ** 30n, { role: 'gateway', standbyRank: rank }),
  );
  const members = [...standbys, coordinator, ...Array.from({ length: CROWD_WORKERS }, (_, i) => crowdWorker(i))];
  // 7919 is prime to 5,000, so this visits every index once.
  const scrambled = members.map((_, i) => members[(i * 7919) % CROWD] as ClusterMember);
  const workers: string[] = [];
  for (let k = Math.floor((CROWD_WORKERS - 1) / 3); k >= 0; k--) {
    // Within a three: the most work (+2) first, then the tie (+1, +1) by id.
    for (const i of [3 * k + 2, 3 * k, 3 * k + 1]) {
      if (i < CROWD_WORKERS) workers.push(longId(`peer-${String(i).padStart(4, '0')}`));
    }
  }
  const order = [coordinator.id, ...[0, 1, 2].map((rank) => longId(`standby-${rank}`)), ...workers];
  const blocks = Array.from({ length: 40 }, (_, i) => ({
    height: 1000 - i,
    id: i.toString(16).padStart(64, '0'),
    finderId: longId('peer-0001'),
    finderName: 'peer-0001',
    foundAt: 1_700_000_000_000 - i * 120_000,
  }));
  return { stats: memberView({ view: 'coordinator', coordinator: coordinator.id, members: scrambled, blocks }), order };
}

/** The stats plugin alone, with its options, for what buildServer() does not configure. */
async function statsApp(options: StatsOptions): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(metrics);
  await app.register(signaling, { limits: { ...DEFAULT_LIMITS } });
  await app.register(stats, options);
  await app.ready();
  return app;
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
    const members = [worker('a', 1n), worker('b', 2n, { engine: 'native', mode: 'full' }), worker('c', 3n)];
    const server = await startServer({
      clusterStats: () => memberView({ sharesAccepted: accepted, source, members }),
    });
    servers.push(server);
    const scrape = async () => await (await fetch(`${server.httpUrl}/metrics`)).text();
    const first = await scrape();
    for (const line of [
      'rxmesh_cluster_peers 2',
      'rxmesh_cluster_hashes_per_second 61.5',
      'rxmesh_cluster_blocks_found_total 4',
      'rxmesh_cluster_job_height 9',
      'rxmesh_source_connected 1',
      'rxmesh_source_candidates_total{result="accepted"} 11',
      'rxmesh_source_candidates_total{result="rejected"} 2',
      '# TYPE rxmesh_cluster_shares_total counter',
      'rxmesh_cluster_shares_total{result="rejected"} 1',
      'rxmesh_cluster_members{engine="wasm",mode="light"} 2',
      'rxmesh_cluster_members{engine="native",mode="full"} 1',
    ]) {
      expect(first).toContain(line);
    }
    expect(first).toContain('rxmesh_cluster_shares_total{result="accepted"} 3');
    accepted = 4;
    expect(await scrape()).toContain('rxmesh_cluster_shares_total{result="accepted"} 4');
  });

  it("with the operator's token, shows the source's address and last error to it alone, and /metrics too", async () => {
    const source = {
      kind: 'stratum',
      url: 'stratum+tcp://10.0.0.5:3333',
      connected: false,
      accepted: 11,
      rejected: 2,
      lastError: 'The pool at 10.0.0.5:3333 refused the login.',
    } as const;
    const server = await startServer({ clusterStats: () => memberView({ source }), access: { token: 'OPERATOR' } });
    servers.push(server);
    const read = async (headers: Record<string, string> = {}) =>
      (await (await fetch(`${server.httpUrl}/api/stats`, { headers })).json()) as ClusterStatsAnswer;
    const open = await read();
    expect(open.source).toEqual({
      ...source,
      url: 'stratum+tcp://(private)',
      lastError: "The source reported a problem; the operator's log says what.",
    });
    expect(JSON.stringify(open)).not.toContain('10.0.0.5');
    expect((await read({ authorization: 'Bearer OPERATOR' })).source).toEqual(source);
    expect((await read({ authorization: 'Bearer someone' })).source?.url).toBe('stratum+tcp://(private)');
    expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${server.httpUrl}/metrics`, { headers: { authorization: 'Bearer OPERATOR' } });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('rxmesh_source_connected 0');
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
      links: null,
      memberCount: 0,
      members: [],
      blocks: [],
      source: null,
      // This server's own signaling: every room's sockets and peers.
      signaling: { sockets: 3, peers: 3, servers: 1 },
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
    expect(after).toEqual({ ...memberView(), memberCount: 0, signaling: { sockets: 1, peers: 1, servers: 1 } });
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
      role: 'gateway',
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

describe('/api/stats with thousands of members', () => {
  it(`lists the first ${DEFAULT_MEMBER_LIMIT} of 5,000 in member order, counts them all, and stays under 40 KB`, async () => {
    const { stats: crowdStats, order } = crowd();
    const server = await startServer({ clusterStats: () => crowdStats });
    servers.push(server);
    const response = await fetch(`${server.httpUrl}/api/stats`);
    const body = await response.text();
    // Every tab polls this each second: with the longest ids and names it allows, it is about 36 KB.
    expect(Buffer.byteLength(body)).toBeLessThan(40_000);
    const answer = JSON.parse(body) as ClusterStatsAnswer;
    expect(answer.memberCount).toBe(CROWD);
    expect(answer.members.map((member) => member.id)).toEqual(order.slice(0, DEFAULT_MEMBER_LIMIT));
    expect(answer.members[0]).toEqual(crowdStats.members.find((member) => member.id === order[0]));
    // The gateway keeps 16 blocks; a provider with more still answers 16, the newest.
    expect(answer.blocks.map((block) => block.height)).toEqual(
      crowdStats.blocks.slice(0, MAX_BLOCKS).map((block) => block.height),
    );
  });

  it('pages through every member exactly once, in the same order', async () => {
    const { stats: crowdStats, order } = crowd();
    const server = await startServer({ clusterStats: () => crowdStats });
    servers.push(server);
    const seen: string[] = [];
    for (let offset = 0; offset < CROWD; offset += MAX_PAGE_LIMIT) {
      const url = `${server.httpUrl}/api/stats/members?offset=${offset}&limit=${MAX_PAGE_LIMIT}`;
      const page = (await (await fetch(url)).json()) as ClusterMembersPage;
      expect(page).toMatchObject({ memberCount: CROWD, offset });
      seen.push(...page.members.map((member) => member.id));
    }
    expect(seen).toEqual(order);
    const beyond = await (await fetch(`${server.httpUrl}/api/stats/members?offset=${CROWD}`)).json();
    expect(beyond).toEqual({ memberCount: CROWD, offset: CROWD, members: [] });
    const first = (await (await fetch(`${server.httpUrl}/api/stats/members`)).json()) as ClusterMembersPage;
    expect(first.members.map((member) => member.id)).toEqual(order.slice(0, MAX_PAGE_LIMIT));
  });

  it('refuses a bad offset or limit with 400 and a sentence', async () => {
    const server = await startServer({ clusterStats: () => crowd().stats });
    servers.push(server);
    for (const [query, parameter] of [
      ['limit=0', 'limit'],
      [`limit=${MAX_PAGE_LIMIT + 1}`, 'limit'],
      ['limit=ten', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=2.5', 'offset'],
    ]) {
      const response = await fetch(`${server.httpUrl}/api/stats/members?${query}`);
      expect(response.status, query).toBe(400);
      const { message } = (await response.json()) as { message: string };
      expect(message, query).toBe(
        `The query parameter ${parameter} is not valid: offset is a whole number from 0, and limit a whole number from 1 to ${MAX_PAGE_LIMIT}.`,
      );
    }
  });

  it('lists as many members as its memberLimit option says, and refuses a limit that is not a whole number from 1', async () => {
    const { stats: crowdStats, order } = crowd();
    const app = await statsApp({ clusterStats: () => crowdStats, memberLimit: 3 });
    const answer = (await app.inject({ url: '/api/stats' })).json<ClusterStatsAnswer>();
    expect(answer.members.map((member) => member.id)).toEqual(order.slice(0, 3));
    expect(answer.memberCount).toBe(CROWD);
    await expect(statsApp({ memberLimit: 0 })).rejects.toThrow(/whole number from 1, not 0/);
  });

  it('pages no members while another peer coordinates', async () => {
    const server = await startServer({ clusterStats: () => memberView() });
    servers.push(server);
    const page = await (await fetch(`${server.httpUrl}/api/stats/members`)).json();
    expect(page).toEqual({ memberCount: 0, offset: 0, members: [] });
  });
});

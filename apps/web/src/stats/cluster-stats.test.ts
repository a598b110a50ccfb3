import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseClusterStats } from './cluster-stats.js';
import { type FetchLike, StatsPoller, type StatsState } from './stats-poller.js';

const TODAY = {
  peers: 2,
  hashrate: 80.5,
  sharesAccepted: 12,
  sharesRejected: 1,
  blocksFound: 1,
  job: { source: 'demo', height: 7, difficulty: '123456789012345678901' },
};

describe('parseClusterStats', () => {
  it('reads an answer without the classroom fields as a signaling-only view with none', () => {
    expect(parseClusterStats(TODAY)).toEqual({
      ...TODAY,
      view: 'signaling',
      coordinator: null,
      links: null,
      memberCount: 0,
      members: [],
      blocks: [],
      source: null,
      signaling: { sockets: 0, peers: 0, servers: 1 },
    });
  });

  it('reads members and blocks, dropping entries it cannot use', () => {
    const stats = parseClusterStats({
      ...TODAY,
      view: 'coordinator',
      coordinator: 'a',
      members: [
        { id: 'a', name: 'gateway', role: 'gateway', engine: 'native', mode: 'full', hashrate: 900, parent: null },
        {
          id: 'b',
          name: 'Ada',
          role: 'gateway',
          hashrate: 40,
          creditedWork: '98765432109876543210',
          parent: 'a',
          standbyRank: 0,
        },
        { id: 'c', name: 'Bo', role: 'worker', creditedWork: 12, parent: 'a', standbyRank: -1 },
        { name: 'no id' },
        'garbage',
      ],
      blocks: [{ height: 3, id: 'ff', finderId: 'b', finderName: 'Ada', foundAt: 1000 }, { height: 'x' }],
    });
    expect(stats.view).toBe('coordinator');
    expect(stats.coordinator).toBe('a');
    expect(stats.members.map((member) => member.id)).toEqual(['a', 'b', 'c']);
    expect(stats.members[1]).toMatchObject({
      parent: 'a',
      standbyRank: 0,
      creditedWork: '98765432109876543210',
      sharesAccepted: 0,
    });
    expect(stats.members[0]).toMatchObject({ parent: null, standbyRank: null, creditedWork: '0' });
    // Credited work is a decimal string (a bigint in the core); a bare number is not read as one.
    expect(stats.members[2]).toMatchObject({ creditedWork: '0', standbyRank: null });
    expect(stats.blocks).toEqual([{ height: 3, id: 'ff', finderId: 'b', finderName: 'Ada', foundAt: 1000 }]);
  });

  it('reads how many members there are, never fewer than it lists', () => {
    const listed = [
      { id: 'a', parent: null },
      { id: 'b', parent: 'a' },
    ];
    expect(parseClusterStats({ ...TODAY, members: listed, memberCount: 5000 }).memberCount).toBe(5000);
    // A server that does not count lists every member; a count below the list is wrong, and the list wins.
    expect(parseClusterStats({ ...TODAY, members: listed }).memberCount).toBe(2);
    expect(parseClusterStats({ ...TODAY, members: listed, memberCount: 1 }).memberCount).toBe(2);
    expect(parseClusterStats({ ...TODAY, members: listed, memberCount: '5000' }).memberCount).toBe(2);
  });

  it("reads the gateway's source, and a malformed one as none", () => {
    const source = { kind: 'daemon', url: 'http://127.0.0.1:18081', connected: false, accepted: 3, rejected: 1 };
    expect(parseClusterStats({ ...TODAY, source: { ...source, lastError: 'The daemon is busy.' } }).source).toEqual({
      ...source,
      lastError: 'The daemon is busy.',
    });
    expect(parseClusterStats({ ...TODAY, source }).source).toMatchObject({ lastError: null });
    expect(parseClusterStats({ ...TODAY, source: { ...source, kind: 'ftp' } }).source).toBeNull();
  });

  it('reads a null or malformed job as no job', () => {
    expect(parseClusterStats({ ...TODAY, job: null }).job).toBeNull();
    expect(parseClusterStats({ ...TODAY, job: { height: 1 } }).job).toBeNull();
  });

  it('refuses an answer that is not statistics, with a sentence', () => {
    expect(() => parseClusterStats('<html>')).toThrow(/not cluster statistics/);
  });
});

describe('StatsPoller', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function respond(body: unknown, status = 200): Promise<Response> {
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  }

  it('polls once per interval while subscribed, and stops when the last listener leaves', async () => {
    vi.useFakeTimers();
    const fetchStats = vi.fn<FetchLike>(() => respond(TODAY));
    const poller = new StatsPoller(fetchStats, 1000);
    const seen: StatsState[] = [];
    const unsubscribe = poller.subscribe((state) => seen.push(state));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)?.stats?.hashrate).toBe(80.5);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fetchStats).toHaveBeenCalledTimes(4);
    unsubscribe();
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetchStats).toHaveBeenCalledTimes(4);
  });

  it('keeps the last figures and says the server is unreachable when a read fails', async () => {
    vi.useFakeTimers();
    let answer: () => Promise<Response> = () => respond(TODAY);
    const poller = new StatsPoller(() => answer(), 1000);
    poller.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    answer = () => respond({ error: 'down' }, 503);
    await vi.advanceTimersByTimeAsync(1000);
    expect(poller.state.stats?.peers).toBe(2);
    expect(poller.state.error).toMatch(/Cannot reach the rxmesh server.*HTTP 503/);
    answer = () => respond(TODAY);
    await vi.advanceTimersByTimeAsync(1000);
    expect(poller.state.error).toBeNull();
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { byTestId, deepQueryAll, settled, text } from '../../testing/dom.js';
import { type ClusterMember, type ClusterStats, parseClusterStats } from '../stats/cluster-stats.js';
import type { JoinAnswer } from '../stats/join-info.js';
import { StatsPoller } from '../stats/stats-poller.js';
import { CLASSROOM_TITLE } from '../title.js';
import { neutralName } from './hidden-names.js';
import { emptyGraphReason, type RxClassroom, showcaseInput } from './rx-classroom.js';
import { noUrlsAdvice, threadsWords } from './rx-join.js';
import { rankMembers } from './rx-leaderboard.js';
import { graphDescription } from './rx-mesh-graph.js';
import { sendTeacherCommand } from './rx-teacher.js';
import { takeTeacherToken } from './teacher-token.js';
import './rx-classroom.js';

function member(id: string, name: string, parent: string | null, creditedWork: string, extra = {}): ClusterMember {
  return {
    id,
    name,
    role: 'worker',
    engine: 'wasm',
    mode: 'light',
    hashrate: 20,
    sharesAccepted: 1,
    creditedWork,
    parent,
    standbyRank: null,
    ...extra,
  };
}

const MEMBERS = [
  member('gateway-id', 'gateway', null, '0', { role: 'gateway', engine: 'native', mode: 'full', hashrate: 900 }),
  member('aaaaaaaa-1', 'Ada', 'gateway-id', '40000', { standbyRank: 0 }),
  member('bbbbbbbb-2', 'Bo', 'gateway-id', '90000000000000000000'),
  member('cccccccc-3', 'Cy', 'bbbbbbbb-2', '5000'),
];

const STATS = {
  view: 'coordinator',
  peers: 4,
  hashrate: 960,
  sharesAccepted: 3,
  sharesRejected: 0,
  blocksFound: 1,
  job: { source: 'demo', height: 7, difficulty: '300' },
  coordinator: 'gateway-id',
  members: MEMBERS,
  blocks: [
    {
      height: 6,
      id: 'f'.repeat(64),
      finderId: 'aaaaaaaa-1',
      finderName: 'Ada',
      // 30 s before each poll reads it, however long the test file took to get there.
      get foundAt() {
        return Date.now() - 30_000;
      },
    },
  ],
};

const views: RxClassroom[] = [];
afterEach(() => {
  for (const view of views.splice(0)) view.remove();
});

const JOIN: JoinAnswer = {
  info: {
    operator: 'Ms Rivera',
    urls: [
      { url: 'https://192.168.1.20:8443', scheme: 'https', address: '192.168.1.20', threads: 'all' },
      { url: 'http://192.168.1.20:8080', scheme: 'http', address: '192.168.1.20', threads: 'one' },
    ],
    secureUrl: 'https://192.168.1.20:8443',
    certificate: { fingerprint256: Array.from({ length: 32 }, () => 'AB').join(':'), selfSigned: true },
  },
  error: null,
};

interface MountOptions {
  describe?: RxClassroom['describe'];
  join?: JoinAnswer;
  teacherToken?: string;
  settings?: Pick<Storage, 'getItem' | 'setItem'>;
}

async function mount(answer: unknown, options: MountOptions = {}): Promise<RxClassroom> {
  const view = document.createElement('rx-classroom') as RxClassroom;
  view.stats = new StatsPoller(async () => new Response(JSON.stringify(answer)), 60_000);
  view.describe = options.describe;
  view.askJoin = async () => options.join ?? JOIN;
  view.teacherToken = options.teacherToken ?? null;
  view.settings = options.settings ?? null;
  document.body.append(view);
  views.push(view);
  await new Promise((resolve) => setTimeout(resolve, 0));
  await settled(document.body);
  return view;
}

describe('<rx-classroom>', () => {
  it('draws every member in the graph, with a link from each to its parent', async () => {
    await mount(STATS);
    const graph = byTestId(document.body, 'classroom-graph');
    expect(graph?.tagName.toLowerCase()).toBe('svg');
    const peers = deepQueryAll(document.body, '[data-testid="classroom-graph"] [data-peer]');
    expect(peers.map((peer) => peer.getAttribute('data-peer')).sort()).toEqual(MEMBERS.map((m) => m.id).sort());
    const links = deepQueryAll(document.body, '[data-testid="classroom-graph"] [data-link]');
    expect(links.map((link) => link.getAttribute('data-link')).sort()).toEqual([
      'bbbbbbbb-2>cccccccc-3',
      'gateway-id>aaaaaaaa-1',
      'gateway-id>bbbbbbbb-2',
    ]);
    expect(document.title).toBe(CLASSROOM_TITLE);
  });

  it('ranks the leaderboard by credited work and shows the start of each id', async () => {
    await mount(STATS);
    const rows = deepQueryAll(document.body, '[data-testid="leaderboard"] tbody tr');
    expect(rows.map((row) => row.getAttribute('data-peer'))).toEqual([
      'bbbbbbbb-2',
      'aaaaaaaa-1',
      'cccccccc-3',
      'gateway-id',
    ]);
    expect(text(rows[1])).toContain('standby 1, light mode · aaaaaaaa');
    expect(text(rows[3])).toContain('coordinator, full mode');
  });

  it('says in Inside RandomX how many listed peers read dataset items and how many compute them', async () => {
    await mount(STATS);
    expect(text(byTestId(document.body, 'cluster-modes'))).toBe(
      'In this cluster now: 1 peer reads dataset items (full mode), 3 peers compute them (light mode).',
    );
  });

  it('lists blocks with their finders, and the job', async () => {
    await mount(STATS);
    expect(text(byTestId(document.body, 'blocks'))).toMatch(/#6 found by Ada 30 s ago/);
    expect(text(byTestId(document.body, 'job'))).toBe('demo chain, height 7, difficulty 300');
  });

  it('says how many peers the server did not list, under the graph and the leaderboard', async () => {
    await mount({ ...STATS, memberCount: 416 });
    expect(deepQueryAll(document.body, '[data-testid="classroom-graph"] [data-peer]')).toHaveLength(4);
    expect(text(byTestId(document.body, 'graph-more'))).toBe('and 412 more peers, not drawn');
    expect(text(byTestId(document.body, 'leaderboard-more'))).toBe('and 412 more peers');
  });

  it('draws every peer when the server lists them all, and counts only the rows the leaderboard leaves out', async () => {
    const crowd = Array.from({ length: 20 }, (_, i) => member(`peer-${i}`, `P${i}`, 'gateway-id', String(i)));
    await mount({ ...STATS, members: [...MEMBERS, ...crowd], memberCount: 24 });
    expect(byTestId(document.body, 'graph-more')).toBeUndefined();
    expect(deepQueryAll(document.body, '[data-testid="leaderboard"] tbody tr')).toHaveLength(15);
    expect(text(byTestId(document.body, 'leaderboard-more'))).toBe('and 9 more peers');
  });

  it('says why the graph is empty', () => {
    const empty = (view: ClusterStats['view']) => parseClusterStats({ ...STATS, view, members: [] });
    expect(emptyGraphReason(null)).toMatch(/Asking/);
    expect(emptyGraphReason(empty('signaling'))).toMatch(/no gateway/);
    expect(emptyGraphReason(empty('member'))).toMatch(/Another peer coordinates/);
    expect(emptyGraphReason(empty('coordinator'))).toMatch(/No peers yet/);
    expect(emptyGraphReason(parseClusterStats(STATS))).toBeNull();
  });
});

describe('the inside RandomX panel', () => {
  it('shows the first program of its input as numbered instructions, with the group counts', async () => {
    const inputs: string[] = [];
    const program = {
      instructions: [
        { index: 0, name: 'IADD_RS', group: 'integer', text: 'r3 += r5 << 2' },
        { index: 1, name: 'FMUL_R', group: 'float', text: 'e2 *= a1' },
        { index: 2, name: 'CBRANCH', group: 'control', text: 'r4 += 0x3f00; if (r4 & 0xff00) == 0 goto 0' },
      ],
      groupCounts: { integer: 1, float: 1, control: 1, memory: 0 },
    };
    await mount(STATS, {
      describe: async (input) => {
        inputs.push(new TextDecoder().decode(input));
        return program;
      },
    });
    await vi.waitFor(async () => {
      await settled(document.body);
      expect(deepQueryAll(document.body, 'rx-program-listing ol li')).toHaveLength(3);
    });
    expect(inputs).toEqual([showcaseInput(7, 1)]);
    const listing = text(deepQueryAll(document.body, 'rx-program-listing')[0]?.shadowRoot);
    expect(listing).toContain(`the input “${showcaseInput(7, 1)}”`);
    expect(listing).toContain('1 floating-point');
    expect(listing).toContain('CBRANCH r4 += 0x3f00; if (r4 & 0xff00) == 0 goto 0');
  });

  it('says why when the program cannot be made', async () => {
    await mount(STATS, {
      describe: async () => {
        throw new Error('no shared memory');
      },
    });
    await settled(document.body);
    expect(text(deepQueryAll(document.body, 'rx-inside-randomx')[0]?.shadowRoot)).toContain(
      'The program cannot be shown here: no shared memory',
    );
  });
});

describe('joining', () => {
  it('shows every URL with a QR code and the threads a tab gets there, and the fingerprint to check', async () => {
    await mount(STATS);
    const items = deepQueryAll(document.body, '[data-testid="join-urls"] li');
    expect(items.map((item) => item.getAttribute('data-threads'))).toEqual(['all', 'one']);
    expect(text(items[0])).toContain('https://192.168.1.20:8443');
    expect(text(items[0])).toContain('all threads');
    expect(text(items[1])).toContain('one thread');
    const loopback = { url: 'http://127.0.0.1:8080', scheme: 'http', address: '127.0.0.1', threads: 'all' } as const;
    expect(threadsWords(loopback)).toMatch(/only on this computer/);
    const codes = deepQueryAll(document.body, '[data-testid="join-urls"] svg path');
    expect(codes).toHaveLength(2);
    expect(codes[0]?.getAttribute('d')).not.toBe(codes[1]?.getAttribute('d'));
    expect(text(byTestId(document.body, 'fingerprint'))).toContain('AB:AB:AB');
  });

  it('says what to do when the server has no network address, or does not answer', () => {
    const info = JOIN.info;
    if (info === null) throw new Error('no join info');
    expect(noUrlsAdvice({ ...info, urls: [] }, null)).toMatch(/connect it to the school network/);
    expect(noUrlsAdvice(null, 'the server did not answer.')).toMatch(/unknown: the server did not answer/);
    expect(noUrlsAdvice(info, null)).toBeNull();
  });
});

describe('hiding names', () => {
  it('replaces every contributor name in the leaderboard and the blocks, keeps gateways, and remembers it', async () => {
    const saved = new Map<string, string>();
    const settings = {
      getItem: (key: string) => saved.get(key) ?? null,
      setItem: (k: string, v: string) => void saved.set(k, v),
    };
    await mount(STATS, { settings });
    const button = byTestId(document.body, 'hide-names') as HTMLButtonElement;
    expect(button.getAttribute('aria-pressed')).toBe('false');
    button.click();
    await settled(document.body);
    const board = text(byTestId(document.body, 'leaderboard'));
    for (const name of ['Ada', 'Bo', 'Cy']) expect(board).not.toContain(name);
    expect(board).toContain(neutralName('bbbbbbbb-2'));
    expect(board).toContain('gateway');
    expect(text(byTestId(document.body, 'blocks'))).toContain(`found by ${neutralName('aaaaaaaa-1')}`);
    expect(text(byTestId(document.body, 'classroom-graph'))).not.toContain('Ada');

    // The projector keeps the choice for the next lesson.
    for (const view of views.splice(0)) view.remove();
    await mount(STATS, { settings });
    expect(text(byTestId(document.body, 'leaderboard'))).not.toContain('Ada');
  });
});

describe("the teacher's controls", () => {
  it('show only in the tab that opened the teacher link', async () => {
    await mount(STATS);
    expect(byTestId(document.body, 'stop-every-tab')).toBeUndefined();
    for (const view of views.splice(0)) view.remove();
    await mount(STATS, { teacherToken: 'x'.repeat(43) });
    expect(byTestId(document.body, 'stop-every-tab')).toBeDefined();
  });

  it('take the token from the link, keep it for the tab, and clear it from the address bar', () => {
    const token = 'T'.repeat(43);
    const stored = new Map<string, string>();
    const storage = {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (k: string, v: string) => void stored.set(k, v),
    };
    const replaced: string[] = [];
    const history = {
      replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void replaced.push(String(url)),
    };
    const place = (hash: string) => ({ location: { hash, pathname: '/classroom', search: '' }, history, storage });
    expect(takeTeacherToken(place(''))).toBeNull();
    expect(takeTeacherToken(place(`#teacher=${token}`))).toBe(token);
    expect(replaced).toEqual(['/classroom']);
    expect(takeTeacherToken(place(''))).toBe(token);
    expect(takeTeacherToken({ ...place('#teacher=short'), storage: null })).toBeNull();
  });

  it("send the token, and show the server's sentence or what went wrong", async () => {
    const sent: [string, RequestInit | undefined][] = [];
    const answer = (response: Response) =>
      (async (url: string | URL | Request, init?: RequestInit) => {
        sent.push([String(url), init]);
        return response;
      }) as typeof fetch;
    expect(await sendTeacherCommand('stop-every-tab', 'tok', answer(new Response(null, { status: 204 })))).toMatch(
      /Every tab stopped mining/,
    );
    expect(sent[0]?.[0]).toBe('/api/teacher/stop-every-tab');
    expect(sent[0]?.[1]).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer tok' } });
    const refused = new Response(JSON.stringify({ message: 'Another peer coordinates the cluster now.' }), {
      status: 409,
    });
    expect(await sendTeacherCommand('new-lesson', 'tok', answer(refused))).toBe(
      'Another peer coordinates the cluster now.',
    );
    expect(await sendTeacherCommand('new-lesson', 'tok', answer(new Response('oops', { status: 500 })))).toBe(
      'The server refused (HTTP 500).',
    );
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await sendTeacherCommand('new-lesson', 'tok', down)).toMatch(/did not answer/);
  });
});

describe('graphDescription', () => {
  it('says how many peers, who coordinates and how many standbys, for screen readers', () => {
    expect(graphDescription(MEMBERS, 'gateway-id', 4)).toBe(
      '4 peers; gateway coordinates; 1 standby ready to take over.',
    );
    expect(graphDescription(MEMBERS, 'gateway-id', 5000)).toBe(
      '5,000 peers, 4 drawn; gateway coordinates; 1 standby ready to take over.',
    );
    expect(graphDescription([], null, 0)).toBe('No peers to show yet.');
  });
});

describe('rankMembers', () => {
  it('compares credited work as big integers, then hashrate', () => {
    const ranked = rankMembers([
      member('a', 'A', null, '9999999999999999999'),
      member('b', 'B', null, '10000000000000000000'),
      member('c', 'C', null, '5', { hashrate: 1 }),
      member('d', 'D', null, '5', { hashrate: 50 }),
    ]);
    expect(ranked.map((m) => m.id)).toEqual(['b', 'a', 'd', 'c']);
  });
});

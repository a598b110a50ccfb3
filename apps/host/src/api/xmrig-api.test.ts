import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readCpuFacts } from './cpu-facts.js';
import { type MinerFigures, minerSummary } from './miner-summary.js';
import { listenXmrigApi, SUMMARY_PATHS } from './xmrig-api.js';

/** xmrig's documented example of GET /2/summary (doc/api/2/summary.json in the xmrig repository). */
const XMRIG_EXAMPLE = JSON.parse(
  readFileSync(new URL('../../testing/fixtures/xmrig-2-summary.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** Fields of the example that rxmesh has no figure for, and leaves out rather than make up. */
const LEFT_OUT = ['results.best', 'connection.ping', 'connection.failures', 'cpu.proc_info'];

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';
const typeOf = (value: unknown): JsonType =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : (typeof value as JsonType);

/** Where `ours` differs in shape from `theirs`: a missing key, or another JSON type (null stands for any). */
function shapeDifferences(theirs: unknown, ours: unknown, path = ''): string[] {
  if (LEFT_OUT.includes(path)) return ours === undefined ? [] : [`${path} is given after all: take it off LEFT_OUT`];
  if (ours === undefined) return [`${path} is missing`];
  const [theirType, ourType] = [typeOf(theirs), typeOf(ours)];
  if (theirType === 'null' || ourType === 'null') return [];
  if (theirType !== ourType) return [`${path} is ${ourType}, not ${theirType}`];
  if (theirType === 'array') {
    const [theirFirst, ourFirst] = [(theirs as unknown[])[0], (ours as unknown[])[0]];
    return theirFirst === undefined || ourFirst === undefined
      ? []
      : shapeDifferences(theirFirst, ourFirst, `${path}[]`);
  }
  if (theirType !== 'object') return [];
  return Object.entries(theirs as Record<string, unknown>).flatMap(([key, value]) =>
    shapeDifferences(value, (ours as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`),
  );
}

const FIGURES: MinerFigures = {
  contributorId: 'contributor-1',
  workerId: 'lab-7',
  version: '0.1.0',
  algo: 'rx/0',
  paused: false,
  uptimeMs: 106_811,
  hashrates: [241.317, 238.2, null],
  highest: 250.5,
  sharesGood: 3,
  sharesTotal: 4,
  hashesTotal: 165_638,
  difficulty: 37_638,
  cluster: { url: new URL('https://cluster.example:8443/'), connectedMs: 100_000 },
  hugepages: [0, 1171],
  cpu: readCpuFacts(),
};

describe("the host's /2/summary", () => {
  it("has the shape of xmrig's documented example, but for the fields rxmesh has no figure for", () => {
    const summary = minerSummary(FIGURES);
    expect(shapeDifferences(XMRIG_EXAMPLE, summary)).toEqual([]);
    // The shape check can fail: a field of the wrong type is caught.
    expect(shapeDifferences(XMRIG_EXAMPLE, { ...summary, uptime: '106' })).toEqual(['uptime is string, not number']);
  });

  it('carries the figures where dashboards read them', () => {
    const summary = minerSummary(FIGURES);
    expect(summary).toMatchObject({
      hashrate: { total: [241.32, 238.2, null], highest: 250.5 },
      results: { shares_good: 3, shares_total: 4, hashes_total: 165_638, avg_time: 36 },
      connection: { pool: 'cluster.example:8443', uptime: 100, tls: 'https', accepted: 3, rejected: 1, diff: 37_638 },
      uptime: 106,
      hugepages: [0, 1171],
      cpu: { threads: FIGURES.cpu.threads },
    });
    expect(summary.id).toEqual(expect.stringMatching(/^[0-9a-f]{16}$/));
  });
});

describe('the xmrig-style API server', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('answers /2/summary, /1/summary and /api.json, and with a token only requests that carry it', async () => {
    const api = await listenXmrigApi({
      host: '127.0.0.1',
      port: 0,
      accessToken: 'SECRET',
      summary: () => ({ kind: 'miner' }),
    });
    closers.push(api.close);
    expect(new URL(api.url).hostname).toBe('127.0.0.1');
    for (const path of SUMMARY_PATHS) {
      const refused = await fetch(`${api.url}${path}`);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'Unauthorized', message: expect.stringMatching(/Bearer/) });
      const wrong = await fetch(`${api.url}${path}`, { headers: { authorization: 'Bearer SECRET2' } });
      expect(wrong.status).toBe(401);
      const answered = await fetch(`${api.url}${path}`, { headers: { authorization: 'Bearer SECRET' } });
      expect(answered.status).toBe(200);
      expect(answered.headers.get('cache-control')).toBe('no-store');
      expect(await answered.json()).toEqual({ kind: 'miner' });
    }
    // Read-only: nothing else is served.
    const put = await fetch(`${api.url}/2/config`, { method: 'PUT', headers: { authorization: 'Bearer SECRET' } });
    expect(put.status).toBe(404);
  });
});

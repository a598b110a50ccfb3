import { buildServer } from '@rxmesh/signal';
import { describe, expect, it } from 'vitest';
import { createLog } from './log.js';

function recorded(options: { json: boolean; level?: 'debug' | 'info' | 'warn' }) {
  const lines: string[] = [];
  return { log: createLog({ ...options, write: (line) => lines.push(line) }), lines };
}

describe('the CLI log', () => {
  it('writes JSON lines of level, time, message and fields with --log-json', () => {
    const { log, lines } = recorded({ json: true });
    log.info('joined the cluster', { peer: 'abc', threads: 2 });
    log.warn('no large pages');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] as string);
    expect(first).toEqual({
      level: 'info',
      time: expect.any(String),
      msg: 'joined the cluster',
      peer: 'abc',
      threads: 2,
    });
    expect(Date.parse(first.time)).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 'warn', msg: 'no large pages' });
  });

  it('writes one readable line per event as text, marked with its level unless info', () => {
    const { log, lines } = recorded({ json: false });
    log.info('joined the cluster', { peer: 'abc' });
    log.error('mining stopped');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d rxmesh: joined the cluster\n$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d rxmesh: error: mining stopped\n$/);
  });

  it('keeps what is below --log-level out', () => {
    const quiet = recorded({ json: true, level: 'warn' });
    quiet.log.info('hidden');
    quiet.log.debug('hidden');
    quiet.log.warn('shown');
    expect(quiet.lines.map((line) => JSON.parse(line).msg)).toEqual(['shown']);
    const verbose = recorded({ json: true, level: 'debug' });
    verbose.log.debug('shown');
    expect(verbose.lines).toHaveLength(1);
  });
});

describe("the server's log, through the same logger", () => {
  it('shows that the web app is not built, and each request only at debug level', async () => {
    for (const level of ['info', 'debug'] as const) {
      const { log, lines } = recorded({ json: true, level });
      const app = await buildServer({ logger: log.pino, webRoot: '/nonexistent-web-root' });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = app.server.address() as { port: number };
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
        const messages = lines.map((line) => JSON.parse(line) as { level: string; msg: string; res?: object });
        expect(messages).toContainEqual(
          expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/the web app is not built/) }),
        );
        const requests = messages.filter((message) => message.msg === 'request completed');
        if (level === 'info') expect(requests).toEqual([]);
        else expect(requests).toContainEqual(expect.objectContaining({ level: 'debug', res: { statusCode: 200 } }));
      } finally {
        await app.close();
      }
    }
  });
});

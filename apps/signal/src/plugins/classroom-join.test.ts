// One server over https with plain http beside it: both answer the page with the isolation headers and share the
// signaling rooms, and GET /api/classroom/join tells a page on either where students go and what each URL gives.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as getHttp } from 'node:http';
import { get as getHttps } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer, signal, startServer } from '../../testing/raw-peer.js';
import { buildServer, listenPlainHttp } from '../server.js';

const fixtures = new URL('../../testing/fixtures/', import.meta.url);
const cert = readFileSync(new URL('localhost-cert.pem', fixtures), 'utf8');
const key = readFileSync(new URL('localhost-key.pem', fixtures), 'utf8');
/** `openssl x509 -noout -fingerprint -sha256` of the fixture. */
const FINGERPRINT = readFileSync(new URL('localhost-cert.sha256', fixtures), 'utf8').trim();

const webRoot = mkdtempSync(join(tmpdir(), 'rxmesh-join-'));
writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>rxmesh</title><p>the page shell</p>');
let app: FastifyInstance;
let httpsUrl: string;
let httpUrl: string;

beforeAll(async () => {
  app = await buildServer({ webRoot, tls: { cert, key, selfSigned: true }, operator: 'Ms. Rivera, room 12' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = await listenPlainHttp(app, { host: '127.0.0.1', port: 0 });
  httpsUrl = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  httpUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
  rmSync(webRoot, { recursive: true, force: true });
});

/** GET over https (trusting the fixture's certificate) or http, with the headers given (fetch keeps its own Host). */
function getRaw(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const request = url.startsWith('https:') ? getHttps : getHttp;
  return new Promise((resolve, reject) => {
    request(url, { ca: cert, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    }).on('error', reject);
  });
}

describe('https with plain http beside it', () => {
  it('serves the page with the isolation headers on both', async () => {
    const secure = await getRaw(`${httpsUrl}/`);
    const plain = await fetch(`${httpUrl}/`);
    expect(secure.status).toBe(200);
    expect(plain.status).toBe(200);
    expect(secure.body).toContain('the page shell');
    expect(await plain.text()).toContain('the page shell');
    for (const name of ['cross-origin-opener-policy', 'cross-origin-embedder-policy']) {
      expect(secure.headers[name]).toBeTruthy();
      expect(secure.headers[name]).toBe(plain.headers.get(name));
    }
    expect((await getRaw(`${httpsUrl}/healthz`)).status).toBe(200);
  });

  it('relays signaling between a peer on wss and one on plain ws: one room', async () => {
    const [secureId, plainId] = [randomUUID(), randomUUID()];
    const secure = await RawPeer.join(httpsUrl, 'rxmesh', secureId, undefined, cert);
    const plain = await RawPeer.join(httpUrl, 'rxmesh', plainId);
    try {
      expect(app.signaling.roomPeerCount('rxmesh')).toBe(2);
      secure.send(signal('OFFER', plainId, 'across-listeners'));
      expect(await plain.next()).toMatchObject({ type: 'OFFER', src: secureId });
    } finally {
      secure.close();
      plain.close();
    }
  });

  it('tells a page on plain http where the https page is, at the host it asked for', async () => {
    const httpsPort = new URL(httpsUrl).port;
    const asked = await getRaw(`${httpUrl}/api/classroom/join`, { host: `localhost:${new URL(httpUrl).port}` });
    expect(asked.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(asked.body)).toEqual({
      operator: 'Ms. Rivera, room 12',
      urls: [
        { url: httpsUrl, scheme: 'https', address: '127.0.0.1', threads: 'all' },
        { url: httpUrl, scheme: 'http', address: '127.0.0.1', threads: 'all' },
      ],
      secureUrl: `https://localhost:${httpsPort}`,
      certificate: { fingerprint256: FINGERPRINT, selfSigned: true },
    });
    // The same over https.
    expect(JSON.parse((await getRaw(`${httpsUrl}/api/classroom/join`)).body)).toMatchObject({
      secureUrl: httpsUrl,
    });
  });
});

describe('GET /api/classroom/join without TLS', () => {
  it('lists the plain-http URL of the bind address, with no https page, certificate or operator', async () => {
    const server = await startServer({ webRoot });
    try {
      expect(await (await fetch(`${server.httpUrl}/api/classroom/join`)).json()).toEqual({
        operator: null,
        urls: [{ url: server.httpUrl, scheme: 'http', address: '127.0.0.1', threads: 'all' }],
        secureUrl: null,
        certificate: null,
      });
      expect(server.app.plainHttp).toBeNull();
    } finally {
      await server.app.close();
    }
  });
});

// `rxmesh serve` over https, as a teacher starts it: the certificate it makes and keeps for the machine, everything
// answered over https with plain http beside it, the join URLs, and the sentences it stops with when the TLS files
// will not do. One server for most of it, as a real process.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as getHttps } from 'node:https';
import { createServer, type Server } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { until } from '../testing/hostile.js';
import { RXMESH_BIN } from '../testing/rxmesh-cli.js';
import { type ServeProcess, startServe } from '../testing/serve-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-serve-tls-'));
const dataDir = join(scratch, 'data');
const certPath = join(dataDir, 'self-signed-cert.pem');
/** https and http on free loopback ports, with the certificate kept in `dataDir`. */
const SELF_SIGNED_ON_LOOPBACK = [
  '--tls-self-signed',
  '--bind',
  '127.0.0.1',
  '--port',
  '0',
  '--http-port',
  '0',
  '--data-dir',
  dataDir,
];
let serve: ServeProcess;
let cert: string;

beforeAll(async () => {
  serve = await startServe([...SELF_SIGNED_ON_LOOPBACK, '--operator', 'Ms. Rivera, room 12']);
  cert = readFileSync(certPath, 'utf8');
});

afterAll(async () => {
  await serve?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** GET over https, trusting the server's own certificate. */
function getSecure(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    getHttps(url, { ca: cert }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    }).on('error', reject);
  });
}

describe('rxmesh serve --tls-self-signed', () => {
  it("makes a certificate for the machine's addresses and names, keeps its key owner-only, and prints its fingerprint", () => {
    const certificate = new X509Certificate(cert);
    const lanAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info !== undefined && !info.internal)
      .map((info) => info?.address ?? '');
    for (const address of ['127.0.0.1', '::1', ...lanAddresses]) expect(certificate.checkIP(address)).toBe(address);
    for (const name of ['localhost', hostname()]) expect(certificate.checkHost(name)).toBeDefined();
    expect(serve.fingerprint).toBe(certificate.fingerprint256);
    expect(serve.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(statSync(join(dataDir, 'self-signed-key.pem')).mode & 0o777).toBe(0o600);
    expect(certificate.checkPrivateKey(createPrivateKey(readFileSync(join(dataDir, 'self-signed-key.pem'))))).toBe(
      true,
    );
    expect(serve.stderr()).toMatch(/made a new self-signed certificate in .* \(there was none\)/);
  });

  it('lists its join URLs with the threads each gives', () => {
    expect(serve.serving).toEqual([
      { url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), words: 'all threads (https)' },
      { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), words: 'all threads (this computer only)' },
    ]);
  });

  it('answers the page, /healthz, /metrics, /api and signaling over https, and its gateway coordinates', async () => {
    const https = serve.url('https');
    const page = await getSecure(`${https}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>rxmesh');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect((await getSecure(`${https}/healthz`)).status).toBe(200);
    expect((await getSecure(`${https}/metrics`)).body).toContain('rxmesh_');
    // The embedded gateway joins through the plain-http server on the loopback, and then speaks for the cluster.
    await until('the gateway to coordinate', 15_000, async () => {
      const stats = JSON.parse((await getSecure(`${https}/api/stats`)).body) as { view: string };
      return stats.view === 'coordinator' ? stats : undefined;
    });
    const signaling = new URL(
      `/peerjs/peerjs?key=rxmesh&id=${randomUUID()}&token=tls-test`,
      https.replace(/^https/, 'wss'),
    );
    const socket = new WebSocket(signaling, { ca: cert });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        socket.once('message', (data) => resolve(String(data)));
        socket.once('error', reject);
      });
      expect(JSON.parse(first)).toEqual({ type: 'OPEN' });
    } finally {
      socket.close();
    }
  });

  it('serves the page over plain http beside https, and says where the https page is', async () => {
    const page = await fetch(`${serve.url('http')}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>rxmesh');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const join = await (await fetch(`${serve.url('http')}/api/classroom/join`)).json();
    expect(join).toEqual({
      operator: 'Ms. Rivera, room 12',
      urls: [
        { url: serve.url('https'), scheme: 'https', address: '127.0.0.1', threads: 'all' },
        { url: serve.url('http'), scheme: 'http', address: '127.0.0.1', threads: 'all' },
      ],
      secureUrl: serve.url('https'),
      certificate: { fingerprint256: serve.fingerprint, selfSigned: true },
    });
  });

  it('keeps the certificate, and its fingerprint, across a restart with the same data directory', async () => {
    expect(await serve.stop()).toBe(0);
    serve = await startServe([...SELF_SIGNED_ON_LOOPBACK, '--no-gateway']);
    expect(serve.fingerprint).toBe(new X509Certificate(cert).fingerprint256);
    expect(readFileSync(certPath, 'utf8')).toBe(cert);
    expect(serve.stderr()).toMatch(/the self-signed certificate in .* covers this machine's addresses/);
  });
});

describe('rxmesh serve with TLS files or ports that will not do', () => {
  let taken: Server;
  let takenPort: number;
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  const strangerKey = join(scratch, 'stranger-key.pem');
  const notPem = join(scratch, 'not-pem.crt');

  beforeAll(async () => {
    writeFileSync(strangerKey, stranger);
    writeFileSync(notPem, 'this is not a certificate\n');
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });

  afterAll(() => taken?.close());

  const missing = () => join(scratch, 'missing.pem');
  it.each([
    [
      'a certificate file that does not exist',
      () => ['--tls-cert', missing(), '--tls-key', strangerKey],
      /The file .*missing\.pem given to --tls-cert does not exist\. Give --tls-cert a PEM file/,
    ],
    [
      'a key that does not belong to the certificate',
      () => ['--tls-cert', certPath, '--tls-key', strangerKey],
      /The key in .*stranger-key\.pem does not belong to the certificate in .*self-signed-cert\.pem: give --tls-key the private key/,
    ],
    [
      'a file that is not PEM',
      () => ['--tls-cert', notPem, '--tls-key', strangerKey],
      /not-pem\.crt is not a PEM certificate: give --tls-cert a file that begins with -----BEGIN CERTIFICATE-----/,
    ],
    ['a certificate without its key', () => ['--tls-cert', certPath], /--tls-cert and --tls-key go together/],
    [
      '--http-port without TLS',
      () => ['--http-port', '8081'],
      /--http-port is the plain-http port beside https, so it goes with --tls-cert or --tls-self-signed/,
    ],
    [
      'an operator name over two lines',
      () => ['--operator', 'Ms. Rivera\nroom 12'],
      /--operator <name>' argument .* is invalid\. Expected a name of 1 to 100 characters on one line\./s,
    ],
    [
      'an http port already in use',
      () => [
        '--tls-cert',
        certPath,
        '--tls-key',
        join(dataDir, 'self-signed-key.pem'),
        '--http-port',
        String(takenPort),
      ],
      /Port \d+ is in use on 127\.0\.0\.1: stop what listens there, or give --http-port another port\./,
    ],
  ])('%s: exits with 1 and a sentence that says what to do, before it serves', (_case, args, message) => {
    const result = spawnSync(
      process.execPath,
      [RXMESH_BIN, 'serve', '--bind', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--no-gateway', ...args()],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });
});

// Runs the real `rxmesh` executable (bin/rxmesh.js over the compiled dist/) as a user would: help, flags, gateway
// credentials and `serve`. `rxmesh hash` and `rxmesh bench` are in cli-hash.test.ts.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REGTEST_INTEGRATED_ADDRESS, REGTEST_SUBADDRESS, REGTEST_WALLET } from '../testing/monerod.js';
import { RXMESH_BIN as bin, rxmesh } from '../testing/rxmesh-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** rxmesh without blocking this process, for a test that serves it something meanwhile. */
function rxmeshAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('rxmesh --help', () => {
  it('lists the five subcommands', () => {
    const { code, stdout } = rxmesh(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'host', 'hash', 'bench', 'credential'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  /** What `serve` and `host` share for the network their peer lives on. */
  const NETWORK_FLAGS = ['--ice-server', '--turn-secret', '--turn-ttl', '--public-address', '--max-links'];

  it.each([
    [
      'serve',
      [
        '--port',
        '--http-port',
        '--tls-cert',
        '--tls-key',
        '--tls-self-signed',
        '--operator',
        '--bind',
        '--data-dir',
        '--trust-proxy',
        '--source',
        '--wallet',
        '--user',
        '--pass',
        '--no-gateway',
        '--share-seconds',
        '--stratum',
        '--stratum-tls',
        '--metrics-bind',
        '--stats-token',
        '--config',
        '--rig-id',
        ...NETWORK_FLAGS,
      ],
    ],
    [
      'host',
      [
        '--signal',
        '--threads',
        '--mode',
        '--source',
        '--data-dir',
        '--credential',
        '--cluster-key',
        '--share-seconds',
        '--stratum',
        '--http-port',
        '--http-host',
        '--http-access-token',
        '--config',
        '--cpu-priority',
        '--log-level',
        ...NETWORK_FLAGS,
      ],
    ],
    ['credential', ['--data-dir', '--name', '--days', '--out']],
    ['hash', ['--impl', '--variant', '--key-hex', '--input-hex', '--jsonl']],
    ['bench', ['--impl', '--mode', '--threads', '--seconds', '--cpu-priority', '--json']],
  ])('describes every flag of %s', (command, flags) => {
    const { code, stdout } = rxmesh([command, '--help']);
    expect(code).toBe(0);
    for (const flag of flags) expect(stdout).toMatch(new RegExp(`^\\s+(?:-\\w, )?${flag}\\b.*\\S+\\s+\\S+`, 'm'));
  });
});

describe('the network flags', () => {
  it.each([
    [['--ice-server', 'http://turn.example.org'], 'turn:USER:PASSWORD@HOST[:PORT]'],
    [['--ice-server', 'turn:turn.example.org'], 'has no credentials: give them in the URL'],
    [['--public-address', 'turn.example.org'], 'Expected an IPv4 or IPv6 address'],
    [['--max-links', '0'], 'Expected a whole number of 1 or more'],
    [['--max-links', '57'], 'Expected at most 56'],
  ])('refuse %j with a sentence that says what to give', (flags, sentence) => {
    const { code, stderr } = rxmesh(['serve', '--port', '0', '--data-dir', join(scratch, 'flags'), ...flags]);
    expect(code).not.toBe(0);
    expect(stderr).toContain(sentence);
  });
});

describe('the Stratum flags', () => {
  it.each([
    [['serve', '--stratum', '3333'], 'Expected ADDRESS:PORT, such as 0.0.0.0:3333'],
    [['serve', '--stratum-tls', '127.0.0.1:0'], "--stratum-tls serves rigs with the web server's certificate"],
    [['host', '--signal', 'http://127.0.0.1:9', '--stratum', '127.0.0.1:0'], 'Rigs mine through a gateway'],
  ])('refuse %j with a sentence that says what to give', (flags, sentence) => {
    const { code, stderr } = rxmesh([...flags, '--data-dir', join(scratch, 'flags')]);
    expect(code).not.toBe(0);
    expect(stderr).toContain(sentence);
  });
});

describe('rxmesh serve with a ledger it cannot read', () => {
  it('stops before it listens, with a sentence that names the file, and leaves the file as it was', () => {
    const dataDir = join(scratch, 'corrupt-ledger');
    mkdirSync(dataDir, { recursive: true });
    const ledger = join(dataDir, 'ledger.sqlite');
    const garbage = Buffer.from('rxmesh-test: not an SQLite database\n'.repeat(200));
    writeFileSync(ledger, garbage);
    const { code, stdout, stderr } = rxmesh(['serve', '--port', '0', '--data-dir', dataDir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`The ledger ${ledger} cannot be read (file is not a database)`);
    expect(stderr).toMatch(/restore it from a backup, or move it aside/);
    expect(stdout).not.toMatch(/serving/);
    expect(readFileSync(ledger).equals(garbage)).toBe(true);
  });
});

describe('rxmesh host without a reachable server', () => {
  it('exits with a sentence that says what to check', () => {
    const { code, stdout, stderr } = rxmesh([
      'host',
      '--signal',
      'http://127.0.0.1:9',
      '--mode',
      'light',
      '--threads',
      '1',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Could not reach http:\/\/127\.0\.0\.1:9.*Check that `rxmesh serve` runs/);
    expect(stdout).toBe('');
  });
});

describe('gateway credentials', () => {
  it('are issued with the cluster key of a data directory, readable by their owner only', () => {
    const dataDir = join(scratch, 'server');
    const file = join(scratch, 'host.cred');
    const { code, stderr } = rxmesh(['credential', '--data-dir', dataDir, '--name', 'rig 1', '--out', file]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/made a new cluster key in .*: ([a-z2-7]{52})\n/);
    const cluster = /: ([a-z2-7]{52})\n/.exec(stderr)?.[1];
    expect(stderr).toMatch(new RegExp(`issued a credential for [a-z2-7]{52} in cluster ${cluster}, valid 365 days`));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'cluster.key')).mode & 0o777).toBe(0o600);
    // A second credential comes from the same cluster key.
    const again = rxmesh(['credential', '--data-dir', dataDir]);
    expect(again.stderr).toMatch(new RegExp(`in cluster ${cluster}`));
    expect(JSON.parse(again.stdout)).toMatchObject({ v: 1, credential: { payload: expect.any(String) } });
  });

  it('are needed for a host to take a job source', () => {
    const { code, stderr } = rxmesh(['host', '--signal', 'http://127.0.0.1:9', '--source', 'demo']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--source makes this host a gateway.*rxmesh credential --out host.cred/);
  });

  it('pins the cluster key a server answers with at first use, and refuses another one later', async () => {
    let key = 'a'.repeat(52);
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(request.url === '/api/cluster' ? JSON.stringify({ key, room: 'rxmesh' }) : '{}');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const signal = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dataDir = join(scratch, 'pins');
    const host = () => rxmeshAsync(['host', '--signal', signal, '--data-dir', dataDir, '--mode', 'light']);
    try {
      // The key is pinned; joining then fails, since this server speaks no PeerJS.
      const first = await host();
      expect(first.stderr).toMatch(new RegExp(`pinned the cluster key of ${signal} at first use: ${key}`));
      key = 'b'.repeat(52);
      const second = await host();
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/now answers with cluster key b{52}, but this host pinned a{52}/);
    } finally {
      server.close();
    }
  });

  it('are refused when the file is not one', () => {
    const file = join(scratch, 'not.cred');
    writeFileSync(file, '{"v":1}');
    const { code, stderr } = rxmesh(['host', '--signal', 'http://127.0.0.1:9', '--credential', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/is not an rxmesh credential file. Make one with `rxmesh credential` on the server/);
  });
});

describe('job source flags that do not fit together', () => {
  const wallet = `4${'A'.repeat(94)}`;
  it.each([
    [['serve', '--source', 'daemon+http://127.0.0.1:18081'], /daemon source needs --wallet ADDRESS/],
    [['serve', '--source', 'daemon+http://127.0.0.1:18081', '--wallet', 'abc'], /"abc" is not a Monero address/],
    [
      ['serve', '--source', 'daemon+http://127.0.0.1:18081', '--wallet', `${REGTEST_WALLET.slice(0, -1)}B`],
      /is not a Monero address: its checksum does not match/,
    ],
    [
      ['serve', '--source', 'daemon+http://127.0.0.1:18081', '--wallet', REGTEST_SUBADDRESS],
      /is a subaddress, and monerod will not build a block for one \("Mining to subaddress is not supported yet"\)/,
    ],
    [
      [
        'host',
        '--signal',
        'http://127.0.0.1:9',
        '--source',
        'daemon+http://127.0.0.1:1',
        '--wallet',
        REGTEST_INTEGRATED_ADDRESS,
      ],
      /is an integrated address: a block reward cannot carry its payment ID/,
    ],
    [
      ['serve', '--source', 'daemon+http://127.0.0.1:1', '--source', 'daemon+http://127.0.0.1:2', '--wallet', wallet],
      /Give one daemon\+http:\/\/ URL/,
    ],
    [['serve', '--source', 'demo', '--source', 'stratum+tcp://127.0.0.1:3333'], /Give one kind of --source/],
    [
      ['host', '--signal', 'http://127.0.0.1:9', '--source', 'stratum+tcp://127.0.0.1:3333'],
      /stratum source needs --user LOGIN/,
    ],
    [['serve', '--source', 'stratum+tcp://127.0.0.1'], /has no port/],
    [['serve', '--daemon-zmq-port', '18083'], /--daemon-zmq-port goes with a daemon\+http:\/\/ source/],
  ])('%j exits with 1 and a sentence that says what to give, before it listens or connects', (args, message) => {
    const { code, stdout, stderr } = rxmesh(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});

describe('--config files and RXMESH_* variables, through the real CLI', () => {
  it('a key no flag has stops the start with its name, and a variable is read like its flag', () => {
    const file = join(scratch, 'config.json');
    writeFileSync(file, JSON.stringify({ signal: ['http://127.0.0.1:9'], thread: 2 }));
    const unknown = rxmesh(['host', '--config', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`${file}: "thread" is not a setting of \`rxmesh host\``);
    const variable = spawnSync(process.execPath, [bin, 'host', '--signal', 'http://127.0.0.1:9'], {
      encoding: 'utf8',
      env: { ...process.env, RXMESH_THREADS: '0' },
    });
    expect(variable.status).toBe(1);
    expect(variable.stderr).toContain('RXMESH_THREADS: "threads": Expected a whole number of 1 or more');
  });
});

describe('rxmesh serve', () => {
  async function startServe(extra: string[] = []): Promise<{ child: ChildProcess; url: string; log: () => string }> {
    const args = ['serve', '--port', '0', '--bind', '127.0.0.1', '--data-dir', join(scratch, 'serve'), ...extra];
    const child = spawn(process.execPath, [bin, ...args], { stdio: 'pipe' });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early with ${code}: ${output}`)));
    });
    return { child, url, log: () => log };
  }

  async function stop(child: ChildProcess): Promise<void> {
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }

  it('keeps /metrics on the address --metrics-bind names, answering only --stats-token', async () => {
    const { child, url, log } = await startServe(['--metrics-bind', '127.0.0.1:0', '--stats-token', 'T0KEN']);
    try {
      const metricsUrl = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(log())?.[1];
      expect(metricsUrl, log()).toBeDefined();
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect((await fetch(metricsUrl as string)).status).toBe(401);
      const scrape = await fetch(metricsUrl as string, { headers: { authorization: 'Bearer T0KEN' } });
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toMatch(/^rxmesh_build_info\{/m);
    } finally {
      await stop(child);
    }
  });

  it('serves the page and /healthz, and shuts down cleanly on SIGTERM', async () => {
    const { child, url } = await startServe();
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>rxmesh');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await stop(child);
    }
  });
});

// Peers behind NAT, in network namespaces this test makes and removes: a public host on 203.0.113.10 runs
// `rxmesh serve` and coturn, and two homes each masquerade a private LAN behind a router, one port-preserving (cone)
// and one with a random port per connection (symmetric); neither router lets in what the inside did not start.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { IceConfig } from '@rxmesh/core';
import type { ClusterStats } from '@rxmesh/signal';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Coturn, startCoturn } from '../testing/coturn.js';
import { type Host, namespacesUnavailable } from '../testing/namespaces.js';
import { NatLayout } from '../testing/nat.js';
import { RXMESH_BIN } from '../testing/rxmesh-cli.js';
import { startServe } from '../testing/serve-process.js';

const unavailable = namespacesUnavailable();
if (unavailable !== undefined) console.warn(`nat.test.ts is skipped: ${unavailable}.`);

const GATHER_RELAY = fileURLToPath(new URL('../testing/gather-relay.mjs', import.meta.url));
const TURN_SECRET = 'nat-test-secret';
const run = promisify(execFile);

/** What gather-relay.mjs prints. */
interface Gathering {
  ended: string;
  candidates: string[];
  errors: { url: string; errorCode: number; errorText: string }[];
}

describe.skipIf(unavailable !== undefined)('peers behind NAT', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-nat-'));
  const children: ChildProcess[] = [];
  let layout: NatLayout;
  let coturn: Coturn;

  /** GET `url` from `host`'s namespace, where the server's address is routed; the test's own has no route. */
  async function fetchFrom<T>(host: Host, url: string): Promise<T> {
    const script = `const r = await fetch(${JSON.stringify(url)}); process.stdout.write(await r.text());`;
    const { stdout } = await run(
      'ip',
      ['netns', 'exec', host.namespace, process.execPath, '--input-type=module', '-e', script],
      { timeout: 5_000 },
    );
    return JSON.parse(stdout) as T;
  }

  async function gatherRelay(host: Host, iceServers: IceConfig['iceServers']): Promise<Gathering> {
    const { stdout } = await run(
      'ip',
      ['netns', 'exec', host.namespace, process.execPath, GATHER_RELAY, JSON.stringify(iceServers), '5000'],
      { timeout: 15_000 },
    );
    return JSON.parse(stdout) as Gathering;
  }

  /** `rxmesh host` on `host`; its output is kept for failure messages. */
  function startHost(host: Host, args: string[]): { output: () => string } {
    const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, RXMESH_BIN, 'host', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    return { output: () => output };
  }

  beforeAll(async () => {
    layout = NatLayout.create();
    coturn = await startCoturn({
      host: layout.publicHost,
      secret: TURN_SECRET,
      allowedPeers: ['203.0.113.0/24', '192.168.0.0/16'],
    });
  }, 20_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await coturn?.stop();
    layout?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('a TURN credential from /api/ice works until it expires, and coturn refuses it after', async () => {
    const serve = await startServe(
      [
        '--port',
        '8081',
        '--bind',
        '0.0.0.0',
        '--data-dir',
        join(scratch, 'turn-serve'),
        '--ice-server',
        coturn.url,
        '--turn-secret',
        TURN_SECRET,
        '--turn-ttl',
        '3',
      ],
      { launcher: layout.publicHost.launcher },
    );
    try {
      const home = layout.homeB.host;
      const ice = await fetchFrom<IceConfig>(home, `http://${layout.publicHost.address}:8081/api/ice`);
      expect(ice.iceServers).toEqual([
        { urls: [coturn.url], username: expect.stringMatching(/^\d+:/), credential: expect.any(String) },
      ]);
      const expiresAt = ice.expiresAt ?? 0;
      expect(expiresAt).toBeGreaterThan(Date.now());

      const fresh = await gatherRelay(home, ice.iceServers);
      const relay = fresh.candidates.filter((candidate) => / typ relay /.test(candidate));
      expect(relay, `no relay candidate; coturn said:\n${coturn.output().slice(-2000)}`).not.toHaveLength(0);
      expect(relay[0]).toContain(` ${layout.publicHost.address} `);

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt + 1_000 - Date.now())));
      const expired = await gatherRelay(home, ice.iceServers);
      expect(expired.candidates.filter((candidate) => / typ relay /.test(candidate))).toEqual([]);
      expect(expired.errors).toContainEqual(expect.objectContaining({ errorCode: 401 }));
    } finally {
      await serve.stop();
    }
  }, 20_000);

  it('hosts behind NAT, without ICE servers, mine through the public gateway', async () => {
    const serve = await startServe(
      ['--port', '8080', '--bind', '0.0.0.0', '--data-dir', join(scratch, 'serve'), '--share-seconds', '2'],
      { launcher: layout.publicHost.launcher },
    );
    try {
      const signal = `http://${layout.publicHost.address}:8080`;
      const homes = [
        { name: 'home-a', home: layout.homeA },
        { name: 'home-b', home: layout.homeB },
      ].map(({ name, home }) => ({
        name,
        peer: startHost(home.host, [
          ...['--signal', signal, '--mode', 'light', '--threads', '1', '--name', name],
          ...['--data-dir', join(scratch, name)],
        ]),
      }));
      const stats = await vi
        .waitFor(
          async () => {
            const body = await fetchFrom<ClusterStats>(layout.publicHost, `${signal}/api/stats`);
            for (const { name } of homes) {
              const member = body.members.find((m) => m.name === name);
              if (member === undefined || member.sharesAccepted === 0)
                throw new Error(`${name} has no accepted share yet`);
            }
            return body;
          },
          { timeout: 35_000, interval: 500 },
        )
        .catch((error: Error) => {
          const logs = homes.map(
            ({ name, peer }) => `${name}:\n${peer.output().trim().split('\n').slice(-8).join('\n')}`,
          );
          const server = serve.stderr().trim().split('\n').slice(-8).join('\n');
          throw new Error(`${error.message}\n${logs.join('\n')}\nserver:\n${server}`);
        });
      expect(stats.view).toBe('coordinator');
      for (const { name } of homes) {
        expect(stats.members.find((m) => m.name === name)?.sharesAccepted).toBeGreaterThan(0);
      }
    } finally {
      for (const child of children.splice(0)) child.kill('SIGKILL');
      await serve.stop();
    }
  }, 45_000);
});

// Peers behind NAT, in network namespaces this test makes and removes: a public host on 203.0.113.10 runs
// `rxmesh serve` and coturn, and two homes each masquerade a private LAN behind a router, one port-preserving (cone)
// and one with a random port per connection (symmetric); neither router lets in what the inside did not start.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, expect as expectPage } from '@playwright/test';
import type { IceConfig } from '@rxmesh/core';
import type { ClusterStats } from '@rxmesh/signal';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs';
import { membersSeenBy, mineUntilAccepted } from '../testing/browser-tab.js';
import { type Coturn, startCoturn, TURN_PORT } from '../testing/coturn.js';
import { type Host, namespacesUnavailable, wrapInNamespace } from '../testing/namespaces.js';
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
  function startHost(host: Host, args: string[]): { child: ChildProcess; output: () => string } {
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
    return { child, output: () => output };
  }

  /**
   * Polls `signal`'s /api/stats (from the public host) until `found` gives something. A failure names what was
   * awaited, with the last stats and the tail of each log.
   */
  async function waitForStats<T>(
    what: string,
    signal: string,
    found: (body: ClusterStats) => T | undefined,
    logs: Record<string, () => string>,
    timeoutMs = 35_000,
  ): Promise<T> {
    let last: ClusterStats | undefined;
    return vi
      .waitFor(
        async () => {
          last = await fetchFrom<ClusterStats>(layout.publicHost, `${signal}/api/stats`);
          const value = found(last);
          if (value === undefined) throw new Error(`not yet: ${what}`);
          return value;
        },
        { timeout: timeoutMs, interval: 500 },
      )
      .catch(() => {
        const tails = Object.entries(logs).map(
          ([name, output]) => `${name}:\n${output().trim().split('\n').slice(-8).join('\n')}`,
        );
        const members = last?.members.map(({ name, id, parent, sharesAccepted }) => ({
          name,
          id,
          parent,
          sharesAccepted,
        }));
        throw new Error(
          `Waited ${timeoutMs} ms for ${what}. Last stats: ${JSON.stringify({ members, links: last?.links })}\n${tails.join('\n')}`,
        );
      });
  }

  beforeAll(async () => {
    layout = NatLayout.create();
    coturn = await startCoturn({
      host: layout.publicHost,
      secret: TURN_SECRET,
      // Relaying to its own address fails in a namespace (coturn binds its relay sockets to the internet interface:
      // "udp send: Network is unreachable"), and coturn then ends the whole allocation; the homes' LANs are not routed
      // from the internet at all.
      deniedPeers: [`${layout.publicHost.address}/32`, '192.168.0.0/16'],
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

  it('hosts behind NAT mine through the public gateway; a relay they cannot reach is routed around, or reached through TURN', async () => {
    // Three clusters, each with a host in home A (behind the cone router) that joins first and one in home B (behind
    // the symmetric router). Without ICE servers both go under the gateway. With --max-links 1 the gateway takes one
    // member, so the second is placed under the first: with STUN alone no path exists between those two routers, and
    // the second is re-placed under the gateway; a TURN relay makes one.
    const { address } = layout.publicHost;
    /** Runs one cluster until both hosts have an accepted share (and a link of `counted` is counted), then stops it. */
    const runCluster = async (name: string, port: number, args: string[], counted: 'failed' | 'turn' | null) => {
      const serve = await startServe(
        [
          ...['--port', String(port), '--bind', '0.0.0.0', '--data-dir', join(scratch, `serve-${name}`)],
          ...['--share-seconds', '2', ...args],
        ],
        { launcher: layout.publicHost.launcher },
      );
      const signal = `http://${address}:${port}`;
      const hostArgs = (host: string) => [
        ...['--signal', signal, '--mode', 'light', '--threads', '1', '--name', host],
        ...['--data-dir', join(scratch, host)],
      ];
      const hosts: ChildProcess[] = [];
      try {
        const first = startHost(layout.homeA.host, hostArgs(`first-${name}`));
        hosts.push(first.child);
        const logs = { [`first-${name}`]: first.output, server: serve.stderr };
        const firstId = await waitForStats(
          `first-${name} to be a member`,
          signal,
          (body) => body.members.find((m) => m.name === `first-${name}`)?.id,
          logs,
        );
        const second = startHost(layout.homeB.host, hostArgs(`second-${name}`));
        hosts.push(second.child);
        const body = await waitForStats(
          `both hosts to have an accepted share${counted === null ? '' : `, and a ${counted} link counted`}`,
          signal,
          (body) => {
            const mined = [`first-${name}`, `second-${name}`].every(
              (host) => (body.members.find((m) => m.name === host)?.sharesAccepted ?? 0) > 0,
            );
            return mined && (counted === null || (body.links?.[counted] ?? 0) > 0) ? body : undefined;
          },
          { ...logs, [`second-${name}`]: second.output },
        );
        const parentOf = (host: string) => body.members.find((m) => m.name === `${host}-${name}`)?.parent;
        const parents = { first: parentOf('first'), second: parentOf('second') };
        return { coordinator: body.coordinator, view: body.view, firstId, secondLog: second.output(), parents };
      } finally {
        for (const child of hosts) child.kill('SIGKILL');
        await serve.stop();
      }
    };

    const plain = await runCluster('plain', 8080, [], null);
    expect(plain.view).toBe('coordinator');
    expect(plain.parents).toEqual({ first: plain.coordinator, second: plain.coordinator });

    const [stun, turn] = await Promise.all([
      runCluster('stun', 8082, ['--max-links', '1', '--ice-server', `stun:${address}:${TURN_PORT}`], 'failed'),
      runCluster('turn', 8083, ['--max-links', '1', '--ice-server', coturn.url, '--turn-secret', TURN_SECRET], 'turn'),
    ]);
    // STUN alone: the link to the first host never opens, so the second asks again and the gateway takes it.
    expect(stun.parents).toEqual({ first: stun.coordinator, second: stun.coordinator });
    expect(stun.secondLog).toMatch(
      new RegExp(`could not link to ${stun.firstId}, the parent the coordinator chose .*; asking for another parent`),
    );
    // With TURN: under the first host, through the relay.
    expect(turn.parents).toEqual({ first: turn.coordinator, second: turn.firstId });
  }, 100_000);

  it('a browser tab behind the symmetric router names the TURN server before Start, then mines through the gateway', async () => {
    const { address } = layout.publicHost;
    const serve = await startServe(
      [
        ...['--port', '8084', '--bind', '0.0.0.0', '--data-dir', join(scratch, 'tab-serve'), '--share-seconds', '2'],
        ...['--ice-server', coturn.url, '--turn-secret', TURN_SECRET],
      ],
      { launcher: layout.publicHost.launcher },
    );
    const browser = await chromium.launch({
      executablePath: wrapInNamespace(layout.homeB.host, CHROMIUM_PATH, scratch),
      args: CHROMIUM_FLAGS,
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://${address}:8084/`);
      await expectPage(page.getByTestId('talks-to')).toContainText(`the TURN server ${address}:${TURN_PORT}`);
      await mineUntilAccepted(page, 1, serve);
      const tabs = (await membersSeenBy(page)).filter((member) => member.engine === 'wasm');
      expect(tabs.map((tab) => tab.sharesAccepted)).toEqual([expect.any(Number)]);
      expect(tabs[0]?.sharesAccepted).toBeGreaterThan(0);
      await page.getByTestId('stop').click();
    } finally {
      await browser.close();
      await serve.stop();
    }
  }, 60_000);
});

// Solo mining on a real monerod (Debian `monero`, regtest, on loopback, publishing over ZMQ):
// `rxmesh serve --source daemon+http://… --daemon-zmq-port …`
// with a browser tab and a native host. The cluster mines consecutive blocks that the daemon accepts, at least one
// found by the tab (WebAssembly) and one by the host (librandomx), and the daemon's chain holds exactly those blocks.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { type Monerod, REGTEST_WALLET, startMonerod } from '../apps/host/testing/monerod.js';
import { RXMESH_BIN } from '../apps/host/testing/rxmesh-cli.js';

const SERVE_PORT = 18_091;
const serveUrl = `http://127.0.0.1:${SERVE_PORT}`;
/** A few seconds of one browser thread per block, a second or two of a native light thread. */
const DIFFICULTY = 100;

interface StatsBlock {
  height: number;
  id: string;
  finderName: string;
}

interface Stats {
  blocksFound: number;
  job: { source: string; height: number } | null;
  blocks: StatsBlock[];
  source: { kind: string; connected: boolean; accepted: number; rejected: number } | null;
}

const children: ChildProcess[] = [];
const serveLog: string[] = [];
const hostLog: string[] = [];
let daemon: Monerod | undefined;

function start(args: string[], output: string[]): ChildProcess {
  const child = spawn(process.execPath, [RXMESH_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  children.push(child);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  child.kill('SIGKILL');
}

async function stats(page: Page): Promise<Stats> {
  const response = await page.request.get(`${serveUrl}/api/stats`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as Stats;
}

/** Waits until the cluster has found a block by `finder`, and returns it. */
async function blockFoundBy(page: Page, finder: string, timeout: number): Promise<StatsBlock> {
  let found: StatsBlock | undefined;
  await expect
    .poll(
      async () => {
        found = (await stats(page)).blocks.find((block) => block.finderName === finder);
        return found !== undefined;
      },
      { timeout, intervals: [1000] },
    )
    .toBe(true);
  return found as StatsBlock;
}

test.afterAll(async () => {
  for (const child of children.splice(0)) await stop(child);
  await daemon?.stop();
});

test('a browser tab and a native host mine consecutive blocks that a regtest monerod accepts', async ({
  page,
}, testInfo) => {
  test.setTimeout(420_000);
  try {
    daemon = await startMonerod({ fixedDifficulty: DIFFICULTY, zmqPub: true });
    const startHeight = await daemon.height();
    start(
      [
        'serve',
        '--port',
        String(SERVE_PORT),
        '--bind',
        '127.0.0.1',
        '--source',
        `daemon+${daemon.rpcUrl}`,
        '--wallet',
        REGTEST_WALLET,
        '--daemon-zmq-port',
        String(daemon.zmqPubPort),
        // A room of its own: the page joins the one /api/cluster names.
        '--room',
        'class-12',
        '--data-dir',
        mkdtempSync(join(tmpdir(), 'rxmesh-serve-')),
      ],
      serveLog,
    );
    await expect
      .poll(async () => (await stats(page).catch(() => null))?.job?.source, { timeout: 60_000 })
      .toBe('daemon');

    // 1. The tab alone, until it finds a block.
    await page.goto(`${serveUrl}/`);
    await page.getByTestId('name').fill('tab');
    await page.getByTestId('threads').fill('1');
    await page.getByTestId('start').click();
    await expect(page.getByTestId('job-source')).toContainText('Monero');
    const byTab = await blockFoundBy(page, 'tab', 150_000);
    await page.getByTestId('stop').click();

    // 2. A native host alone, until it finds one.
    const hostDir = mkdtempSync(join(tmpdir(), 'rxmesh-host-'));
    start(
      [
        'host',
        '--signal',
        serveUrl,
        '--mode',
        'light',
        '--threads',
        '1',
        '--name',
        'native-host',
        '--data-dir',
        hostDir,
      ],
      hostLog,
    );
    const byHost = await blockFoundBy(page, 'native-host', 150_000);

    // 3. Both, until the chain has grown by at least three blocks since the start.
    await page.getByTestId('start').click();
    await expect.poll(async () => (await stats(page)).blocksFound, { timeout: 150_000 }).toBeGreaterThanOrEqual(3);
    await page.getByTestId('stop').click();

    const final = await stats(page);
    // The gateway heard the blocks over monerod's ZMQ feed as well as by polling.
    expect(serveLog.join('')).toMatch(/hearing new blocks from monerod over ZMQ at tcp:\/\/127\.0\.0\.1:/);
    const tip = await daemon.height();
    expect(tip - startHeight).toBe(final.blocksFound);
    expect(final.source).toMatchObject({ kind: 'daemon', connected: true, accepted: final.blocksFound });
    // Two peers may find a block for the same height at once; the later one lands on a side chain, and only that is a
    // fair refusal here.
    const refusals = serveLog.join('').match(/refused the block .*/g) ?? [];
    expect(refusals.every((line) => /side chain/.test(line))).toBe(true);
    expect(final.source?.rejected).toBe(refusals.length);
    // Every block the cluster reports is the daemon's block at that height, one after the other.
    const heights = final.blocks.map((block) => block.height).sort((a, b) => a - b);
    expect(heights).toEqual(heights.map((_, index) => (heights[0] ?? 0) + index));
    for (const block of final.blocks) {
      expect(await daemon.blockIdAt(block.height)).toBe(block.id);
    }
    expect(heights).toContain(byTab.height);
    expect(heights).toContain(byHost.height);
    testInfo.annotations.push({
      type: 'blocks',
      description: final.blocks.map((block) => `${block.height} by ${block.finderName}`).join(', '),
    });
  } finally {
    await testInfo.attach('serve.log', { body: serveLog.join(''), contentType: 'text/plain' });
    await testInfo.attach('host.log', { body: hostLog.join(''), contentType: 'text/plain' });
  }
});

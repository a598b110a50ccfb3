// The stock peerjs browser build in Debian's Chromium, on a page served with COOP/COEP/CORP and the strict CSP:
// the page is cross-origin isolated, and `connect-src 'self'` admits both the id request and the WebSocket.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../../../scripts/lib/chromium.mjs';
import { type RunningServer, startServer } from '../../testing/raw-peer.js';

// ICE gathers nothing (relay only, and no relay servers), so the browser sends nothing but signaling: the offer
// reaches bob through the server, which is what this test is about; data channels are node-peer.test.ts's.
const PAGE_SCRIPT = `
const options = { host: location.hostname, port: Number(location.port), path: '/peerjs', key: 'rxmesh',
  config: { iceServers: [], iceTransportPolicy: 'relay' } };
const opened = (peer) => new Promise((resolve, reject) => { peer.on('open', resolve); peer.on('error', reject); });
window.meshResult = (async () => {
  const alice = new peerjs.Peer(options);
  const bob = new peerjs.Peer(options);
  await Promise.all([opened(alice), opened(bob)]);
  const offered = new Promise((resolve) => bob.on('connection', (c) => resolve({ from: c.peer, metadata: c.metadata })));
  alice.connect(bob.id, { metadata: { note: 'offer from a cross-origin isolated page' } });
  return { isolated: crossOriginIsolated, alice: alice.id, bob: bob.id, offered: await offered };
})().catch((error) => ({ error: error.type + ': ' + error.message }));
`;

const webRoot = mkdtempSync(join(tmpdir(), 'rxmesh-isolated-'));
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  const peerjsDist = dirname(createRequire(import.meta.url).resolve('peerjs'));
  copyFileSync(join(peerjsDist, 'peerjs.min.js'), join(webRoot, 'peerjs.min.js'));
  writeFileSync(join(webRoot, 'mesh.js'), PAGE_SCRIPT);
  writeFileSync(
    join(webRoot, 'index.html'),
    '<!doctype html><title>mesh</title><script src="peerjs.min.js"></script><script src="mesh.js"></script>',
  );
  server = await startServer({ webRoot });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.app.close();
  rmSync(webRoot, { recursive: true, force: true });
});

describe('signaling from a cross-origin isolated page', () => {
  it('lets the stock peerjs client get ids, open its WebSocket and relay an offer', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    await page.goto(`${server.httpUrl}/`);
    const result = (await page.evaluate(() => (window as unknown as { meshResult: unknown }).meshResult)) as {
      alice: string;
      bob: string;
    };
    expect(result).toMatchObject({
      isolated: true,
      offered: { from: result.alice, metadata: { note: 'offer from a cross-origin isolated page' } },
    });
    expect(server.app.signaling.roomPeerCount('rxmesh')).toBe(2);
    expect(violations).toEqual([]);
  });
});

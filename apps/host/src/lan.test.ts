// A classroom on a real LAN, in network namespaces this test makes and removes: the teacher's namespace runs
// `rxmesh serve --tls-self-signed` on all its addresses (10.77.0.1), and the student's runs Debian's Chromium, which
// opens the server as a student's computer would: over https, having accepted the certificate, where the page is
// cross-origin isolated and mines on two workers; and over plain http, where it mines on one thread.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs';
import { membersSeenBy, mineUntilAccepted } from '../testing/browser-tab.js';
import { Lan } from '../testing/lan.js';
import { namespacesUnavailable, wrapInNamespace } from '../testing/namespaces.js';
import { type ServeProcess, startServe } from '../testing/serve-process.js';

const unavailable = namespacesUnavailable();
if (unavailable !== undefined) console.warn(`lan.test.ts is skipped: ${unavailable}.`);

describe.skipIf(unavailable !== undefined)('a classroom on a LAN', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-lan-'));
  const dataDir = join(scratch, 'teacher');
  let lan: Lan;
  let serve: ServeProcess;
  let browser: Browser;

  beforeAll(async () => {
    lan = Lan.create();
    // A share every 2 s per tab instead of 15: a tab's first accepted share comes within seconds.
    serve = await startServe(['--tls-self-signed', '--data-dir', dataDir, '--share-seconds', '2'], {
      launcher: lan.teacher.launcher,
    });
    browser = await chromium.launch({
      executablePath: wrapInNamespace(lan.student, CHROMIUM_PATH, scratch),
      args: CHROMIUM_FLAGS,
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    lan?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the teacher address as join URLs, with a certificate that covers it', () => {
    const { address } = lan.teacher;
    expect(serve.serving).toContainEqual({ url: `https://${address}:8443`, words: 'all threads (https)' });
    expect(serve.serving).toContainEqual({ url: `http://${address}:8080`, words: 'one thread (http)' });
    const certificate = new X509Certificate(readFileSync(join(dataDir, 'self-signed-cert.pem')));
    expect(certificate.checkIP(address)).toBe(address);
    expect(serve.fingerprint).toBe(certificate.fingerprint256);
  });

  it('a student who accepted the certificate gets an isolated page that mines on two workers', async () => {
    // Accepting the certificate, as a student does after comparing its fingerprint.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(`https://${lan.teacher.address}:8443/`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      await mineUntilAccepted(page, 2, serve);
      expect(page.workers().filter((worker) => worker.url().includes('mining-worker'))).toHaveLength(2);
      const tabs = (await membersSeenBy(page)).filter((member) => member.engine === 'wasm');
      expect(tabs.some((member) => member.sharesAccepted > 0)).toBe(true);
      await page.getByTestId('stop').click();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('over plain http the page is not isolated, points to https, and mines on one thread', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://${lan.teacher.address}:8080/`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      const join = await page.evaluate(async () => (await fetch('/api/classroom/join')).json());
      expect(join).toMatchObject({
        secureUrl: `https://${lan.teacher.address}:8443`,
        urls: expect.arrayContaining([
          { url: `http://${lan.teacher.address}:8080`, scheme: 'http', address: lan.teacher.address, threads: 'one' },
        ]),
      });
      await mineUntilAccepted(page, 1, serve);
      expect(page.workers().filter((worker) => worker.url().includes('solo-worker'))).toHaveLength(1);
      const accepted = (await membersSeenBy(page)).filter((member) => member.engine === 'wasm');
      expect(accepted.filter((member) => member.sharesAccepted > 0).length).toBeGreaterThanOrEqual(1);
      await page.getByTestId('stop').click();
    } finally {
      await context.close();
    }
  }, 60_000);
});

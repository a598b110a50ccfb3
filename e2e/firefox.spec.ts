// The contributor page in Debian's Firefox ESR (apt package `firefox-esr`), driven by puppeteer-core over WebDriver
// BiDi against the `rxmesh serve` that playwright.config.ts starts: consent before anything runs, mining with
// accepted shares, Stop within 1 s, and the same for a tab on plain http from a name that is not localhost (not a
// secure context, so not isolated: one worker), each with no console error, uncaught exception or CSP violation.
// One Firefox for the file; each test opens its own browser profile (Web Locks and idb-keyval are per profile). The
// checks are the ones the Chromium tests make, from e2e/harness/contributor-page.ts.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  type ContributorTab,
  expectAcceptedShare,
  expectNothingBeforeStart,
  expectStopSettles,
  fillInPage,
  readHooksInPage,
  recordCspViolationsInPage,
  startMining,
} from './harness/contributor-page.js';
import { blobsWithNonces, librandomxHashesHex } from './harness/wasm/oracle.js';
import { serveWasmHarness } from './harness/wasm/serve.js';

const FIREFOX_PATH = '/usr/bin/firefox-esr';
/** A name Firefox resolves to loopback (`network.dns.localDomains`): a page from it is not a secure context. */
const HTTP_NAME = 'classroom.test';

let browser: Browser | undefined;
let origin = '';

/** The page's hooks through puppeteer; `>>>` reaches into the components' shadow roots. */
function puppeteerTab(page: Page): ContributorTab {
  return {
    readHooks: () => page.evaluate(readHooksInPage),
    fill: (testId, value) => page.evaluate(fillInPage, [testId, value] as [string, string]),
    click: (testId) => page.click(`>>> [data-testid="${testId}"]`),
    workerCount: () => page.workers().length,
  };
}

/** A tab in a fresh profile, its console, uncaught exceptions and CSP violations watched from the first script. */
async function openTab(url: string): Promise<{ page: Page; tab: ContributorTab; problems: () => Promise<string[]> }> {
  if (browser === undefined) throw new Error('Firefox is not running');
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warn') seen.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
  await page.evaluateOnNewDocument(recordCspViolationsInPage);
  await page.goto(url);
  const tab = puppeteerTab(page);
  const problems = async () => {
    const { cspViolations } = await tab.readHooks();
    return [...seen, ...cspViolations.map((violation) => `csp: ${violation}`)];
  };
  return { page, tab, problems };
}

test.beforeAll(async () => {
  const testInfo = test.info();
  if (!existsSync(FIREFOX_PATH)) {
    const reason = `${FIREFOX_PATH} not found: install the Debian package firefox-esr (npm test's set-up does)`;
    console.log(`firefox.spec.ts skipped: ${reason}`);
    testInfo.skip(true, reason);
  }
  const baseURL = testInfo.project.use.baseURL;
  if (baseURL === undefined) throw new Error('playwright.config.ts sets no baseURL');
  origin = baseURL;
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    protocol: 'webDriverBiDi',
    headless: true,
    extraPrefsFirefox: { 'network.dns.localDomains': HTTP_NAME },
  });
});

test.afterAll(async () => {
  await browser?.close();
  browser = undefined;
});

test('Firefox: opening the page computes no hash and starts no worker until Start is clicked', async () => {
  const { page, tab, problems } = await openTab(`${origin}/`);
  const hooks = await tab.readHooks();
  expect(hooks.crossOriginIsolated).toBe(true);
  await expectNothingBeforeStart(tab, 2000);
  expect(await problems()).toEqual([]);
  await page.browserContext().close();
});

test('Firefox: the page mines the demo chain and gets accepted shares', async () => {
  const { page, tab, problems } = await openTab(`${origin}/`);
  await startMining(tab, 1);
  await expectAcceptedShare(tab, 50_000);
  await tab.click('stop');
  expect(await problems()).toEqual([]);
  await page.browserContext().close();
});

test('Firefox: Stop brings the hash counter to rest within 1 s', async () => {
  const { page, tab, problems } = await openTab(`${origin}/`);
  await startMining(tab, 1);
  const settledMs = await expectStopSettles(tab);
  test.info().annotations.push({ type: 'stop', description: `hash counter last moved ${settledMs} ms after Stop` });
  expect(await problems()).toEqual([]);
  await page.browserContext().close();
});

test('Firefox: a tab on plain http, not a secure context, mines with one worker, gets a share accepted and stops within 1 s', async () => {
  const { page, tab, problems } = await openTab(`http://${HTTP_NAME}:${new URL(origin).port}/`);
  const hooks = await tab.readHooks();
  expect(hooks.secureContext).toBe(false);
  expect(hooks.crossOriginIsolated).toBe(false);
  await expectNothingBeforeStart(tab, 2000);
  // The page's default threads would ask for more than one: without shared memory it mines with one worker.
  await startMining(tab, 'page default');
  expect(tab.workerCount()).toBe(1);
  await expectAcceptedShare(tab, 50_000);
  const settledMs = await expectStopSettles(tab);
  test.info().annotations.push({ type: 'stop', description: `hash counter last moved ${settledMs} ms after Stop` });
  expect(await problems()).toEqual([]);
  await page.browserContext().close();
});

test('Firefox: full mode on 2 workers builds the dataset and mines as librandomx hashes', async () => {
  test.setTimeout(300_000);
  if (browser === undefined) throw new Error('Firefox is not running');
  const harness = await serveWasmHarness();
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error instanceof Error ? error.message : String(error)));
    await page.goto(`${harness.origin}/index.html`);
    const key = randomBytes(32);
    const blob = randomBytes(76);
    const input = randomBytes(64);
    const result = await page.evaluate(
      (keyHex, blobHex, inputHex) => window.rxHarness.mineInFullMode(keyHex, blobHex, 0, 5, inputHex),
      key.toString('hex'),
      blob.toString('hex'),
      input.toString('hex'),
    );
    const [expectedSingle, ...expected] = librandomxHashesHex(key, [input, ...blobsWithNonces(blob, [0, 1, 2, 3, 4])]);
    expect(result.missing).toEqual([]);
    expect(result.readsDataset).toBe(true);
    expect(result.lastProgress).toEqual([34_078_719, 34_078_719]);
    expect(result.hashesHex).toEqual(expected);
    expect(result.singleHashHex).toBe(expectedSingle);
    expect(await page.evaluate(() => window.rxHarness.releaseFullMode())).toBe(0);
    test.info().annotations.push({ type: 'datasetInitMs', description: String(Math.round(result.datasetInitMs)) });
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await harness.close();
  }
});

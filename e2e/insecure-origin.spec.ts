// The contributor page as a class opens it on plain http from another computer, against the `rxmesh serve` that
// playwright.config.ts starts: Chromium resolves a LAN-like name to loopback, so the page is not a secure context
// and browsers do not isolate it. It says why it mines on one thread, hashes nothing before Start, mines with one
// worker and no shared memory, gets shares accepted on the demo chain, shows in /api/stats, stops within 1 s, and
// lets only one tab of a browser profile mine.
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../scripts/lib/chromium.mjs';
import {
  type ContributorTab,
  expectAcceptedShare,
  expectNothingBeforeStart,
  expectStopSettles,
  fillInPage,
  readHooksInPage,
  startMining,
} from './harness/contributor-page.js';

/** A name that is not localhost: a page from it over http is not a secure context. */
const HTTP_NAME = 'classroom.test';

test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${HTTP_NAME} 127.0.0.1`],
  },
});

interface StatsMember {
  name: string;
  engine: string;
  sharesAccepted: number;
}

function playwrightTab(page: Page): ContributorTab {
  return {
    readHooks: () => page.evaluate(readHooksInPage),
    fill: (testId, value) => page.evaluate(fillInPage, [testId, value] as [string, string]),
    click: (testId) => page.getByTestId(testId).click(),
    workerCount: () => page.workers().length,
  };
}

/**
 * Errors and warnings in the console, and uncaught exceptions: the page must have none. Chromium itself reports the
 * server's Cross-Origin-Opener-Policy header as ignored on an origin that is not secure; that one is the point here.
 */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    const ignoredIsolation = message.text().includes('Cross-Origin-Opener-Policy header has been ignored');
    if ((message.type() === 'error' || message.type() === 'warning') && !ignoredIsolation)
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function openOverHttp(context: BrowserContext, baseURL: string | undefined) {
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`http://${HTTP_NAME}:${new URL(baseURL ?? '').port}/`);
  return { page, tab: playwrightTab(page), problems };
}

test('the page says why it mines on one thread, waits for Start, mines with one worker and stops within 1 s', async ({
  context,
  baseURL,
}, testInfo) => {
  test.setTimeout(90_000);
  const { page, tab, problems } = await openOverHttp(context, baseURL);
  const hooks = await tab.readHooks();
  expect(hooks.secureContext).toBe(false);
  expect(hooks.crossOriginIsolated).toBe(false);
  await expect(page.getByTestId('one-thread')).toContainText('this page was opened over plain http');
  await expect(page.getByTestId('one-thread')).toContainText('https address');
  await expect(page.getByTestId('unsupported')).toHaveCount(0);
  // Chromium has no Battery API outside secure contexts: the page says the option does nothing here.
  await expect(page.getByText('does not report its battery')).toBeVisible();
  await expectNothingBeforeStart(tab, 2000);
  await page.screenshot({ path: testInfo.outputPath('one-thread-consent-desktop.png'), fullPage: true });
  const desktopSize = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath('one-thread-consent-phone.png'), fullPage: true });
  if (desktopSize !== null) await page.setViewportSize(desktopSize);

  const name = `one-thread ${Date.now() % 100_000}`;
  await tab.fill('name', name);
  // The page's default threads (cores - 1) would ask for more than one: it mines with one worker all the same.
  await startMining(tab, 'page default');
  expect(tab.workerCount()).toBe(1);
  await expectAcceptedShare(tab, 60_000);
  const member = async () => {
    const response = await page.request.get('/api/stats');
    const members = ((await response.json()) as { members: StatsMember[] }).members;
    return members.find((candidate) => candidate.name === name);
  };
  await expect.poll(async () => (await member())?.sharesAccepted ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
  expect((await member())?.engine).toBe('wasm');
  const settledMs = await expectStopSettles(tab);
  testInfo.annotations.push({ type: 'stop', description: `hash counter last moved ${settledMs} ms after Stop` });
  expect(problems).toEqual([]);
});

test('of two tabs in one browser profile that both click Start, only one mines', async ({ context, baseURL }) => {
  test.setTimeout(60_000);
  const tabs = [await openOverHttp(context, baseURL), await openOverHttp(context, baseURL)];
  for (const { page } of tabs) await expect(page.getByTestId('start')).toBeVisible();
  await Promise.all(tabs.map(({ page }) => page.getByTestId('start').click()));
  // The tab that lost the claim shows the other's figures instead of a Start button.
  const showingOtherTab = async () => {
    const visible = await Promise.all(tabs.map(({ page }) => page.getByTestId('other-tab').isVisible()));
    return visible.filter(Boolean).length;
  };
  await expect.poll(showingOtherTab, { timeout: 10_000 }).toBe(1);
  const [first, second] = tabs as [(typeof tabs)[0], (typeof tabs)[0]];
  const [watcher, miner] = (await first.page.getByTestId('other-tab').isVisible()) ? [first, second] : [second, first];
  await expect.poll(async () => (await miner.tab.readHooks()).hashes ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(miner.page.getByTestId('stop')).toBeVisible();
  expect(miner.page.workers()).toHaveLength(1);
  await expect(watcher.page.getByTestId('other-tab')).toBeVisible();
  await expect(watcher.page.getByTestId('start')).toHaveCount(0);
  expect(watcher.page.workers()).toHaveLength(0);
  await miner.page.getByTestId('stop').click();
  // Once the miner stops, the other tab may start.
  await expect(watcher.page.getByTestId('start')).toBeVisible({ timeout: 10_000 });
  expect([...tabs.flatMap(({ problems }) => problems)]).toEqual([]);
});

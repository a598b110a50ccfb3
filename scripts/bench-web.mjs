// @ts-check
// The contributor page in Debian's Chromium, against `rxmesh serve` on loopback:
// - first load: bytes transferred (encoded, as on the wire) and time to interactive (navigation start to the
//   Start button enabled), over fresh browser profiles;
// - the in-browser hashrate per thread (the page mining the demo chain with 1 thread, from its own hash
//   counter), as a ratio to the same WebAssembly engine in Node and to native librandomx in light mode
//   (`rxmesh bench`, 1 thread), alternating in rounds because this machine is shared and noisy;
// - with --firefox, the same page in Debian's Firefox ESR (puppeteer-core over WebDriver BiDi) in each round too,
//   as a ratio to Chromium's page; --pages-only leaves out the Node and native figures.
// Run after `npm run build`: node scripts/bench-web.mjs [--loads N] [--rounds R] [--seconds S] [--firefox]
//   [--pages-only]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { lastJsonLine, median, repoRoot, serveOnLoopback } from './lib/bench-harness.mjs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './lib/chromium.mjs';

const { values } = parseArgs({
  options: {
    loads: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '30' },
    firefox: { type: 'boolean', default: false },
    'pages-only': { type: 'boolean', default: false },
  },
});
const FIREFOX_PATH = '/usr/bin/firefox-esr';
const loads = Number(values.loads);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const bin = join(repoRoot, 'apps/host/bin/rxmesh.js');

const { child: serve, url: origin } = await serveOnLoopback();
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
const firefox = values.firefox
  ? await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      protocol: 'webDriverBiDi',
      headless: true,
    })
  : undefined;

/** One first load in a fresh profile: bytes on the wire and time to interactive. */
async function firstLoad() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (event) => {
    bytes += event.encodedDataLength;
    requests++;
  });
  await page.goto(origin);
  await page.getByTestId('start').waitFor({ state: 'visible' });
  await page.waitForFunction(
    () => !(/** @type {HTMLButtonElement | null} */ (document.querySelector('[data-testid="start"]'))?.disabled),
  );
  const interactiveMs = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  await context.close();
  return { bytes, requests, interactiveMs };
}

/** The page mining with one thread: hashes per second from its counter, after a warm-up. */
async function pageRate() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(origin);
  await page.getByTestId('threads').fill('1');
  await page.getByTestId('start').click();
  const counter = page.getByTestId('hashrate');
  const hashes = async () => Number((await counter.getAttribute('data-hashes')) ?? 0);
  while ((await hashes()) === 0) await page.waitForTimeout(500);
  await page.waitForTimeout(5000);
  const before = await hashes();
  const began = Date.now();
  await page.waitForTimeout(seconds * 1000);
  const rate = (1000 * ((await hashes()) - before)) / (Date.now() - began);
  await page.getByTestId('stop').click();
  await context.close();
  return rate;
}

/**
 * The page in Firefox, measured as pageRate() does. `>>>` reaches into the components' shadow roots.
 * @param {import('puppeteer-core').Browser} firefox
 */
async function firefoxPageRate(firefox) {
  const context = await firefox.createBrowserContext();
  const page = await context.newPage();
  await page.goto(origin);
  await page.waitForSelector('>>> [data-testid="start"]:not([disabled])');
  await page.$eval('>>> [data-testid="threads"]', (field) => {
    const input = /** @type {HTMLInputElement} */ (field);
    input.value = '1';
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    input.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
  });
  await page.click('>>> [data-testid="start"]');
  const hashes = () =>
    page.$eval('>>> [data-testid="hashrate"]', (counter) => Number(counter.getAttribute('data-hashes') ?? 0));
  while ((await hashes()) === 0) await new Promise((resolve) => setTimeout(resolve, 500));
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const before = await hashes();
  const began = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const rate = (1000 * ((await hashes()) - before)) / (Date.now() - began);
  await page.click('>>> [data-testid="stop"]');
  await context.close();
  return rate;
}

/** @param {'wasm' | 'native'} impl */
async function nodeRate(impl) {
  const result = await lastJsonLine(process.execPath, [
    bin,
    'bench',
    ...['--impl', impl, '--mode', 'light', '--threads', '1', '--seconds', String(seconds), '--json'],
  ]);
  return result.hashrate;
}

const firstLoads = [];
for (let i = 0; i < loads; i++) firstLoads.push(await firstLoad());
if (loads > 0)
  console.log(
    `first load, median of ${loads} fresh profiles: ${(median(firstLoads.map((load) => load.bytes)) / 1024).toFixed(1)} KiB ` +
      `in ${median(firstLoads.map((load) => load.requests))} requests, interactive after ` +
      `${median(firstLoads.map((load) => load.interactiveMs)).toFixed(0)} ms`,
  );

const results = [];
for (let round = 1; round <= rounds; round++) {
  const browserRate = await pageRate();
  const firefoxRate = firefox === undefined ? Number.NaN : await firefoxPageRate(firefox);
  const wasmRate = values['pages-only'] ? Number.NaN : await nodeRate('wasm');
  const nativeRate = values['pages-only'] ? Number.NaN : await nodeRate('native');
  results.push({ browserRate, firefoxRate, wasmRate, nativeRate });
  const figures = [`page ${browserRate.toFixed(2)} H/s`];
  if (firefox !== undefined)
    figures.push(`Firefox page ${firefoxRate.toFixed(2)} H/s (${(firefoxRate / browserRate).toFixed(3)}x)`);
  if (!values['pages-only'])
    figures.push(
      `Node WebAssembly ${wasmRate.toFixed(2)} H/s, native light ${nativeRate.toFixed(2)} H/s: ` +
        `${(browserRate / wasmRate).toFixed(3)}x and ${(browserRate / nativeRate).toFixed(3)}x`,
    );
  console.log(`round ${round}: ${figures.join(', ')}`);
}
const toWasm = median(results.map((result) => result.browserRate / result.wasmRate));
const toNative = median(results.map((result) => result.browserRate / result.nativeRate));
const firefoxToChromium = median(results.map((result) => result.firefoxRate / result.browserRate));
if (!values['pages-only'])
  console.log(
    `page per thread, median of ${rounds} rounds: ${toWasm.toFixed(3)}x Node WebAssembly, ${toNative.toFixed(3)}x native light`,
  );
if (firefox !== undefined)
  console.log(`Firefox page per thread, median of ${rounds} rounds: ${firefoxToChromium.toFixed(3)}x Chromium's page`);

await browser.close();
await firefox?.close();
serve.kill('SIGTERM');
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'test-results/bench-web.json'),
  `${JSON.stringify({ firstLoads, results, toWasm, toNative, firefoxToChromium }, null, 2)}\n`,
);

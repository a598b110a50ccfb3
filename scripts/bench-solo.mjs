// @ts-check
// The contributor page's one-thread mode in Debian's Chromium, against `rxmesh serve` on loopback, in the same run:
// - the page opened at a LAN-like name over plain http (Chromium resolves it to loopback), which is not a secure
//   context, so it mines on SoloEngine: one worker with a memory of its own;
// - the page at http://127.0.0.1, cross-origin isolated, mining with 1 thread of WasmEngine over shared memory.
// Each mines the demo chain in a Chromium of its own, both at the same time, so that the load of this shared machine
// falls on both alike; each rate comes from the page's own hash counter after a warm-up. Beside the rates, each
// page's hashes per second of CPU time that its renderer process (the page and its workers) used, which the load
// of other programs changes less. Also the memory of each mining tab: its renderer's resident size.
// Run after `npm run build`: node scripts/bench-solo.mjs [--rounds R] [--seconds S]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { median, repoRoot, serveOnLoopback } from './lib/bench-harness.mjs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './lib/chromium.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '30' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
/** Not localhost: a page from it over http is not a secure context. */
const LAN_NAME = 'rxmesh-lan.test';
const MIB = 2 ** 20;

const { child: serve, url: isolatedOrigin } = await serveOnLoopback();
const lanOrigin = `http://${LAN_NAME}:${new URL(isolatedOrigin).port}`;

/** A Chromium of its own for one page, so that its renderer processes are its page's alone. */
async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, `--host-resolver-rules=MAP ${LAN_NAME} 127.0.0.1`],
  });
  return { browser, cdp: await browser.newBrowserCDPSession() };
}
const soloChromium = await launchChromium();
const sharedChromium = await launchChromium();

/**
 * The renderer processes of one Chromium: CPU seconds used so far and resident bytes, by process id.
 * @param {import('playwright-core').CDPSession} cdp
 */
async function renderers(cdp) {
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  /** @type {Map<number, { cpuSeconds: number, residentBytes: number }>} */
  const found = new Map();
  for (const { type, id, cpuTime } of processInfo) {
    if (type !== 'renderer') continue;
    try {
      const status = readFileSync(`/proc/${id}/status`, 'utf8');
      found.set(id, { cpuSeconds: cpuTime, residentBytes: 1024 * Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) });
    } catch {
      // The process ended since Chromium listed it.
    }
  }
  return found;
}

/**
 * Opens the page at `origin` in a fresh profile of `chromium` and starts mining with one thread; answers once it
 * has hashed, with how to read its counter and stop it.
 * @param {Awaited<ReturnType<typeof launchChromium>>} chromium
 * @param {string} origin
 */
async function startPage({ browser }, origin) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(origin);
  await page.getByTestId('start').waitFor({ state: 'visible' });
  const isolation = await page.evaluate(() => ({ secure: isSecureContext, isolated: crossOriginIsolated }));
  // The isolated page would default to cores - 1 threads; the other one mines on one worker whatever it says.
  await page.getByTestId('threads').fill('1');
  await page.getByTestId('start').click();
  const counter = page.getByTestId('hashrate');
  const hashes = async () => Number((await counter.getAttribute('data-hashes')) ?? 0);
  while ((await hashes()) === 0) await page.waitForTimeout(500);
  return {
    isolation,
    hashes,
    workers: () => page.workers().length,
    async stop() {
      await page.getByTestId('stop').click();
      await context.close();
    },
  };
}

/**
 * Both pages mining at once for `seconds` after a warm-up: each one's rate, hashes per CPU second of its renderer
 * (the one that worked most), and that renderer's resident size.
 */
async function round() {
  const pages = await Promise.all([startPage(soloChromium, lanOrigin), startPage(sharedChromium, isolatedOrigin)]);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const chromiums = [soloChromium, sharedChromium];
  const before = await Promise.all(pages.map((page) => page.hashes()));
  const cpuBefore = await Promise.all(chromiums.map(({ cdp }) => renderers(cdp)));
  const began = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await Promise.all(pages.map((page) => page.hashes()));
  const cpuAfter = await Promise.all(chromiums.map(({ cdp }) => renderers(cdp)));
  const elapsedSeconds = (Date.now() - began) / 1000;
  const measured = pages.map((page, index) => {
    const hashed = (after[index] ?? 0) - (before[index] ?? 0);
    let busiest = { cpuSeconds: 0, residentBytes: 0 };
    for (const [id, now] of cpuAfter[index] ?? []) {
      const cpuSeconds = now.cpuSeconds - (cpuBefore[index]?.get(id)?.cpuSeconds ?? 0);
      if (cpuSeconds > busiest.cpuSeconds) busiest = { cpuSeconds, residentBytes: now.residentBytes };
    }
    return {
      rate: hashed / elapsedSeconds,
      hashesPerCpuSecond: hashed / busiest.cpuSeconds,
      rendererBytes: busiest.residentBytes,
      workers: page.workers(),
      ...page.isolation,
    };
  });
  await Promise.all(pages.map((page) => page.stop()));
  const [solo, shared] = /** @type {[typeof measured[0], typeof measured[0]]} */ (measured);
  if (solo.isolated || solo.secure || !shared.isolated) {
    throw new Error(`The pages are not in the modes compared: ${JSON.stringify({ solo, shared })}`);
  }
  return { solo, shared };
}

const results = [];
for (let index = 1; index <= rounds; index++) {
  const { solo, shared } = await round();
  results.push({ solo, shared });
  console.log(
    `round ${index}: one worker without shared memory ${solo.rate.toFixed(2)} H/s, ` +
      `${solo.hashesPerCpuSecond.toFixed(2)} per CPU second (${solo.workers} worker, renderer ` +
      `${(solo.rendererBytes / MIB).toFixed(0)} MiB); one thread of the shared engine ${shared.rate.toFixed(2)} H/s, ` +
      `${shared.hashesPerCpuSecond.toFixed(2)} per CPU second (${shared.workers} workers, renderer ` +
      `${(shared.rendererBytes / MIB).toFixed(0)} MiB): ${(solo.rate / shared.rate).toFixed(3)}x, per CPU second ` +
      `${(solo.hashesPerCpuSecond / shared.hashesPerCpuSecond).toFixed(3)}x`,
  );
}
const ratio = median(results.map(({ solo, shared }) => solo.rate / shared.rate));
const cpuRatio = median(results.map(({ solo, shared }) => solo.hashesPerCpuSecond / shared.hashesPerCpuSecond));
console.log(
  `one worker without shared memory, median of ${rounds} rounds: ${ratio.toFixed(3)}x one thread of the shared ` +
    `engine (${median(results.map(({ solo }) => solo.rate)).toFixed(2)} against ` +
    `${median(results.map(({ shared }) => shared.rate)).toFixed(2)} H/s), ${cpuRatio.toFixed(3)}x per CPU second; ` +
    `renderer memory ${(median(results.map(({ solo }) => solo.rendererBytes)) / MIB).toFixed(0)} MiB against ` +
    `${(median(results.map(({ shared }) => shared.rendererBytes)) / MIB).toFixed(0)} MiB`,
);

await Promise.all([soloChromium.browser.close(), sharedChromium.browser.close()]);
serve.kill('SIGTERM');
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'test-results/bench-solo.json'),
  `${JSON.stringify({ results, ratio, cpuRatio }, null, 2)}\n`,
);

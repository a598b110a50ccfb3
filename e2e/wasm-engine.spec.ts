// The WebAssembly engine in real Chromium: one cache in shared memory, two Web Workers hashing and mining against
// it, and WasmEngine on Web Workers from its browser starter, checked against Debian's librandomx (through the
// native addon).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from '@playwright/test';
import { floatReferenceCases } from '../packages/wasm/ctest/run.mjs';
import { blobsWithNonces, librandomxHashesHex } from './harness/wasm/oracle.js';
import { serveWasmHarness } from './harness/wasm/serve.js';

const KEYS = 3;
const INPUTS_PER_KEY = 8;

let harness: Awaited<ReturnType<typeof serveWasmHarness>> | undefined;
let origin: string;

test.beforeAll(async () => {
  harness = await serveWasmHarness();
  origin = harness.origin;
});

test.afterAll(async () => {
  await harness?.close();
});

/** Opens the harness page; answers the list its uncaught errors go to, which each test expects empty at its end. */
async function openHarness(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${origin}/index.html`);
  return problems;
}

test('two workers share one cache and agree with librandomx', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const problems = await openHarness(page);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);

  for (let k = 0; k < KEYS; k++) {
    const key = randomBytes([0, 32, 100][k] ?? 32);
    const inputs = Array.from({ length: INPUTS_PER_KEY }, (_, i) => randomBytes(i === 0 ? 76 : (i * 97) % 700));
    const expected = librandomxHashesHex(key, inputs);

    const result = await page.evaluate(([keyHex, inputsHex]) => window.rxHarness.hashInWorkers(keyHex, inputsHex, 2), [
      key.toString('hex'),
      inputs.map((input) => input.toString('hex')),
    ] as const);
    expect(result.workers).toBe(2);
    expect(result.hashesHex).toEqual(expected);
    // One 256 MiB cache for both workers: each one-lane VM adds a 2 MiB scratchpad and buffers, not another cache.
    expect(result.memoryBytes).toBeLessThan(256 * 2 ** 20 + 16 * 2 ** 20);
    testInfo.annotations.push({ type: 'cacheInitMs', description: String(Math.round(result.cacheInitMs)) });
  }
  expect(problems).toEqual([]);
});

test('two workers mine in lanes on one cache and agree with librandomx', async ({ page }) => {
  test.setTimeout(300_000);
  const problems = await openHarness(page);
  const key = randomBytes(32);
  const blob = randomBytes(76);
  // 6 nonces per worker: a step of 4 lanes, then one of 2.
  const perWorker = 6;
  const result = await page.evaluate(
    ([keyHex, blobHex, count]) => window.rxHarness.mineRangesInWorkers(keyHex, blobHex, count, 2),
    [key.toString('hex'), blob.toString('hex'), perWorker] as const,
  );
  const nonces = Array.from({ length: 2 * perWorker }, (_, nonce) => nonce);
  const expected = librandomxHashesHex(key, blobsWithNonces(blob, nonces));
  expect(result.hashesHex).toEqual(expected);
  // Each mining VM (4 lanes of 2 MiB scratchpad, stack, buffers) adds less than 16 MiB; the cache is not copied.
  expect(result.memoryBytes).toBeLessThan(256 * 2 ** 20 + 2 * 16 * 2 ** 20);
  expect(problems).toEqual([]);
});

test('the engine mines on 2 Web Workers as librandomx hashes, and stop() ends a batch within 1 s', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const problems = await openHarness(page);
  const key = randomBytes(32);
  const blob = randomBytes(76);
  // 13 nonces: three chunks of 4 lanes and one of 1, taken by both workers from one counter.
  const firstNonce = 1000;
  const count = 13;
  const result = await page.evaluate(
    ([keyHex, blobHex, first, total]) => window.rxHarness.mineWithEngine(keyHex, blobHex, first, total, 1500),
    [key.toString('hex'), blob.toString('hex'), firstNonce, count] as const,
  );
  expect(result.missing).toEqual([]);
  expect(result.progressEvents).toBeGreaterThan(1);

  const nonces = Array.from({ length: count }, (_, i) => firstNonce + i);
  const expected = librandomxHashesHex(key, blobsWithNonces(blob, nonces));
  expect(result.nonces).toEqual(nonces);
  expect(result.hashesHex).toEqual(expected);

  testInfo.annotations.push({ type: 'stopLatencyMs', description: String(Math.round(result.stopped.latencyMs)) });
  expect(result.stopped.stoppedEarly).toBe(true);
  expect(result.stopped.hashes).toBeGreaterThan(0);
  expect(result.stopped.latencyMs).toBeLessThan(1000);
  // One cache and two mining VMs, within what engineMemoryBytes says.
  expect(result.memoryBytes).toBeGreaterThan(256 * 2 ** 20);
  expect(result.memoryBytes).toBeLessThanOrEqual(result.memoryBound);
  expect(problems).toEqual([]);
});

test('the float runtime rounds exactly in Chromium, with fused multiply-add where it is proven', async ({
  page,
}, testInfo) => {
  const cases = floatReferenceCases(1000);
  expect(cases).toHaveLength(5 * 4 * 1000);
  await page.goto(`${origin}/index.html`);
  const result = await page.evaluate((all) => window.rxHarness.checkFloatRuntime(all), cases);
  expect(result.checked).toBe(cases.length);
  // Chromium 156 has relaxed SIMD with a fused madd on this x86-64 machine; say so if that ever changes.
  testInfo.annotations.push({ type: 'fusedMultiplyAdd', description: String(result.fusedAvailable) });
  expect(result.mismatches).toEqual(result.fusedAvailable ? { baseline: [], fused: [] } : { baseline: [] });
});

/** The resident memory of this browser's renderer processes, the largest, in bytes (where the tab's workers live). */
async function largestRendererRss(page: Page): Promise<number> {
  const browser = page.context().browser();
  if (browser === null) throw new Error('no browser');
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; id: number }[];
    };
    const sizes = await Promise.all(
      processInfo
        .filter((process) => process.type === 'renderer')
        .map(async ({ id }) => {
          const status = await readFile(`/proc/${id}/status`, 'utf8').catch(() => '');
          return 1024 * Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
        }),
    );
    return Math.max(0, ...sizes);
  } finally {
    await cdp.detach();
  }
}

test('full mode: 2 workers build the dataset, mine as librandomx hashes, and Stop gives the memory back', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  const problems = await openHarness(page);
  const key = randomBytes(32);
  const blob = randomBytes(76);
  const input = randomBytes(100);
  const firstNonce = 500;
  const count = 9;
  const result = await page.evaluate(
    ([keyHex, blobHex, first, total, inputHex]) =>
      window.rxHarness.mineInFullMode(keyHex, blobHex, first, total, inputHex),
    [key.toString('hex'), blob.toString('hex'), firstNonce, count, input.toString('hex')] as const,
  );
  const nonces = Array.from({ length: count }, (_, i) => firstNonce + i);
  const [expectedSingle, ...expected] = librandomxHashesHex(key, [input, ...blobsWithNonces(blob, nonces)]);
  // The trial allocation of the whole memory succeeded here, which is what lets the page offer full mode.
  expect(result.missing).toEqual([]);
  expect(result.lastProgress).toEqual([34_078_719, 34_078_719]);
  expect(result.readsDataset).toBe(true);
  expect(result.memoryBytes).toBeGreaterThan(2300 * 2 ** 20);
  expect(result.nonces).toEqual(nonces);
  expect(result.hashesHex).toEqual(expected);
  expect(result.singleHashHex).toBe(expectedSingle);
  testInfo.annotations.push({ type: 'datasetInitMs', description: String(Math.round(result.datasetInitMs)) });

  // A seed change: mining goes on at once in light mode under the new key, and reads the rebuilt dataset after.
  const nextKey = randomBytes(32);
  const changed = await page.evaluate(
    ([keyHex, blobHex, first, total, inputHex]) =>
      window.rxHarness.changeSeedInFullMode(keyHex, blobHex, first, total, inputHex),
    [nextKey.toString('hex'), blob.toString('hex'), firstNonce, count, input.toString('hex')] as const,
  );
  const [nextSingle, ...nextExpected] = librandomxHashesHex(nextKey, [input, ...blobsWithNonces(blob, nonces)]);
  expect(changed.datasetInitMs).toBeNull();
  expect(changed.readsDatasetAfterBatch).toBe(false);
  expect(changed.rebuildAfterBatch?.total).toBe(34_078_719);
  expect(changed.rebuildAfterBatch?.done).toBeLessThan(34_078_719);
  expect(changed.duringRebuildHex).toEqual(nextExpected);
  expect(changed.readsDataset).toBe(true);
  expect(changed.rebuiltHex).toEqual(nextExpected);
  expect(changed.singleHashHex).toBe(nextSingle);
  testInfo.annotations.push({ type: 'datasetRebuildMs', description: String(Math.round(changed.rebuildMs)) });

  const held = await largestRendererRss(page);
  expect(held).toBeGreaterThan(2 * 2 ** 30);
  const begin = performance.now();
  expect(await page.evaluate(() => window.rxHarness.releaseFullMode())).toBe(0);
  const cdp = await page.context().newCDPSession(page);
  let after = held;
  for (let attempt = 0; attempt < 40 && after > held - 2 * 2 ** 30; attempt++) {
    await cdp.send('HeapProfiler.collectGarbage');
    await new Promise((resolve) => setTimeout(resolve, 250));
    after = await largestRendererRss(page);
  }
  const releaseMs = performance.now() - begin;
  testInfo.annotations.push({
    type: 'rendererRssMiB',
    description: `${Math.round(held / 2 ** 20)} -> ${Math.round(after / 2 ** 20)}`,
  });
  testInfo.annotations.push({ type: 'releaseMs', description: String(Math.round(releaseMs)) });
  expect(held - after).toBeGreaterThan(2 * 2 ** 30);
  expect(releaseMs).toBeLessThan(10_000);

  // Too little memory for the dataset: light mode, the sentence the page shows, and the same hashes.
  const limited = await page.evaluate(
    ([keyHex, inputHex]) => window.rxHarness.fullModeWithTooLittleMemory(keyHex, inputHex),
    [key.toString('hex'), input.toString('hex')] as const,
  );
  expect(limited).toMatchObject({ datasetInitMs: null, readsDataset: false, hashHex: expectedSingle });
  expect(limited.fullModeLost).toMatch(/^Full mode needs 2080 MiB more memory .* mining goes on in light mode/);
  expect(problems).toEqual([]);
});

import { expect, test } from '@playwright/test';

test('the page is cross-origin isolated, says the cluster is not ready, and runs nothing', async ({
  page,
}, testInfo) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));

  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");

  const status = page.getByTestId('cluster-status');
  await expect(status).toContainText('This cluster is not ready yet.');
  await expect(status).toContainText('Nothing runs in this tab');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);

  // Consent: with no engine there is nothing to start, so no start control and no worker may exist.
  await expect(page.getByTestId('start')).toHaveCount(0);
  expect(page.workers()).toHaveLength(0);

  await page.screenshot({ path: testInfo.outputPath(`placeholder-${testInfo.project.name}.png`), fullPage: true });
  expect(problems).toEqual([]);
});

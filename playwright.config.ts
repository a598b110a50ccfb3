import { defineConfig, devices } from '@playwright/test';
import { E2E_DATA_DIR, E2E_OPERATOR, E2E_PORT, E2E_SHARE_SECONDS, PHONE_TOO } from './e2e/harness/e2e-server.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './scripts/lib/chromium.mjs';

// Browser tests drive Debian's Chromium (apt package `chromium`); Playwright's own browser downloads are not used.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e-report.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], channel: undefined } },
    { name: 'phone', grep: new RegExp(PHONE_TOO), use: { ...devices['Pixel 7'], channel: undefined } },
  ],
  webServer: {
    command: `node apps/host/bin/rxmesh.js serve --port ${E2E_PORT} --bind 127.0.0.1 --data-dir ${E2E_DATA_DIR} --operator '${E2E_OPERATOR}' --share-seconds ${E2E_SHARE_SECONDS}`,
    url: `http://127.0.0.1:${E2E_PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});

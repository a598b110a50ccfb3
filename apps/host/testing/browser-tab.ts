// Test support: a browser tab on an rxmesh page, driven by Playwright as a person would, for the tests that run
// Chromium inside a network namespace.
import { expect as expectPage, type Page } from '@playwright/test';
import type { ServeProcess } from './serve-process.js';

export interface Member {
  engine: string;
  sharesAccepted: number;
}

/** /api/stats as the page reads it: the test's own namespace has no route to the server. */
export async function membersSeenBy(page: Page): Promise<Member[]> {
  return page.evaluate(async () => ((await (await fetch('/api/stats')).json()) as { members: Member[] }).members);
}

/** The tab's own count of shares the cluster acknowledged, as its dashboard shows it. */
export async function tabAccepted(page: Page): Promise<number> {
  return Number((await page.getByTestId('shares-accepted').textContent())?.replace(/\D/g, '') ?? 0);
}

/**
 * Clicks Start with this many threads and waits for the tab's first accepted share; if none comes, the error says
 * how far the tab got and what the server logged.
 */
export async function mineUntilAccepted(
  page: Page,
  threads: number,
  serve: Pick<ServeProcess, 'stderr'>,
): Promise<void> {
  await page.getByTestId('threads').fill(String(threads));
  await page.getByTestId('start').click();
  await expectPage(page.getByTestId('stop')).toBeVisible();
  try {
    await expectPage(page.getByTestId('shares-accepted')).not.toHaveText(/^\s*0\s*$/, { timeout: 40_000 });
  } catch (error) {
    const hashes = await page.getByTestId('hashrate').getAttribute('data-hashes');
    const buildingKey = await page.getByTestId('key-progress').count();
    const log = serve.stderr().trim().split('\n').slice(-8).join('\n');
    throw new Error(
      `${(error as Error).message}\nThe tab computed ${hashes} hashes${buildingKey ? ' and still builds its key' : ''}; ` +
        `the server's last lines:\n${log}`,
    );
  }
}

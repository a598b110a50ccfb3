// The contributor page as a test sees it, whichever browser and driver run it: the hooks the page exposes
// (`data-testid` elements, the hash counter's `data-hashes`), read by functions that run inside the page, and the
// checks the contributor tests make (nothing before Start, accepted shares, Stop within 1 s) written once against
// the small `ContributorTab` interface that a Playwright or a puppeteer page adapts to.
import { expect } from '@playwright/test';

/** Where an element stands: rendered with a box, in the DOM without one, or not there. */
export type Presence = 'visible' | 'hidden' | 'absent';

/** What the page's hooks say at one moment. */
export interface PageHooks {
  /** The tab's total hashes (`data-hashes` on the hashrate figure), or null without the attribute. */
  hashes: number | null;
  /** The accepted shares the page shows, or null when it shows none. */
  sharesAccepted: number | null;
  start: Presence;
  stop: Presence;
  title: string;
  secureContext: boolean;
  crossOriginIsolated: boolean;
  /** Content-Security-Policy violations in the document, once `recordCspViolationsInPage` runs before its scripts. */
  cspViolations: string[];
}

/** A page under test, adapted from a browser driver. */
export interface ContributorTab {
  /** `readHooksInPage` run in the page. */
  readHooks(): Promise<PageHooks>;
  /** Gives the field with this test id a value, as typing it and leaving the field would. */
  fill(testId: string, value: string): Promise<void>;
  /** A real (trusted) click on the element with this test id. */
  click(testId: string): Promise<void>;
  /** The dedicated workers the page runs now. */
  workerCount(): number;
}

/**
 * Runs in the page, before its own scripts: keeps each Content-Security-Policy violation of the document where
 * `readHooksInPage` finds it. Self-contained, as drivers send its source to the browser.
 */
export function recordCspViolationsInPage(): void {
  const seen: string[] = [];
  Object.defineProperty(globalThis, '__rxmeshCspViolations', { value: seen });
  document.addEventListener('securitypolicyviolation', (event) => {
    seen.push(
      `${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
    );
  });
}

/** Runs in the page: reads its hooks, through the shadow roots of its components. Self-contained. */
export function readHooksInPage(): PageHooks {
  const find = (root: Document | ShadowRoot, testId: string): Element | null => {
    const direct = root.querySelector(`[data-testid="${testId}"]`);
    if (direct !== null) return direct;
    for (const element of Array.from(root.querySelectorAll('*'))) {
      const found = element.shadowRoot === null ? null : find(element.shadowRoot, testId);
      if (found !== null) return found;
    }
    return null;
  };
  const presence = (testId: string): Presence => {
    const element = find(document, testId);
    return element === null ? 'absent' : element.getClientRects().length > 0 ? 'visible' : 'hidden';
  };
  const hashes = find(document, 'hashrate')?.getAttribute('data-hashes') ?? null;
  const shares = find(document, 'shares-accepted')?.textContent?.trim() ?? '';
  const violations = (globalThis as { __rxmeshCspViolations?: string[] }).__rxmeshCspViolations;
  return {
    hashes: hashes === null ? null : Number(hashes),
    sharesAccepted: shares === '' ? null : Number(shares.replace(/[^0-9]/g, '')),
    start: presence('start'),
    stop: presence('stop'),
    title: document.title,
    secureContext: isSecureContext,
    crossOriginIsolated,
    cspViolations: violations === undefined ? [] : [...violations],
  };
}

/**
 * Runs in the page: gives a field a value and fires `input` and `change`, as a person typing and leaving the field
 * would (and as Playwright's fill does). Self-contained.
 */
export function fillInPage([testId, value]: [string, string]): void {
  const find = (root: Document | ShadowRoot): HTMLInputElement | null => {
    const direct = root.querySelector<HTMLInputElement>(`[data-testid="${testId}"]`);
    if (direct !== null) return direct;
    for (const element of Array.from(root.querySelectorAll('*'))) {
      const found = element.shadowRoot === null ? null : find(element.shadowRoot);
      if (found !== null) return found;
    }
    return null;
  };
  const field = find(document);
  if (field === null) throw new Error(`no field with data-testid="${testId}"`);
  field.focus();
  field.value = value;
  field.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  field.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Consent: with the page open for `quietMs` (time enough for anything that would start by itself to start), no
 * worker runs, no Stop button shows and no hash was counted.
 */
export async function expectNothingBeforeStart(tab: ContributorTab, quietMs: number): Promise<void> {
  await expect.poll(async () => (await tab.readHooks()).start, { timeout: 15_000 }).toBe('visible');
  await sleep(quietMs);
  expect(tab.workerCount()).toBe(0);
  const hooks = await tab.readHooks();
  expect(hooks.stop).toBe('absent');
  expect(hooks.hashes === null || hooks.hashes === 0).toBe(true);
}

/** Sets the threads (unless left to the page), clicks Start and waits for the first hashes; the tab then mines. */
export async function startMining(tab: ContributorTab, threads: number | 'page default'): Promise<void> {
  await expect.poll(async () => (await tab.readHooks()).start, { timeout: 15_000 }).toBe('visible');
  if (threads !== 'page default') await tab.fill('threads', String(threads));
  await tab.click('start');
  await expect.poll(async () => (await tab.readHooks()).stop, { timeout: 15_000 }).toBe('visible');
  await expect.poll(async () => (await tab.readHooks()).hashes ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
}

/** Waits until the page shows an accepted share; the title then carries the hashrate. */
export async function expectAcceptedShare(tab: ContributorTab, timeoutMs: number): Promise<void> {
  await expect.poll(async () => (await tab.readHooks()).sharesAccepted ?? 0, { timeout: timeoutMs }).toBeGreaterThan(0);
  const hooks = await tab.readHooks();
  expect(hooks.hashes ?? 0).toBeGreaterThan(0);
  expect(hooks.title).toMatch(/H\/s/);
}

/**
 * Clicks Stop and watches the hash counter for 4 s: its last change comes within 1 s of the click, then it holds
 * (a batch in flight would report within 2 s), Start is back and the title no longer shows a rate. Returns how long
 * after the click the counter last moved, in milliseconds.
 */
export async function expectStopSettles(tab: ContributorTab): Promise<number> {
  const clicked = Date.now();
  await tab.click('stop');
  let last = (await tab.readHooks()).hashes;
  let lastChange = 0;
  while (Date.now() - clicked < 4000) {
    const { hashes } = await tab.readHooks();
    if (hashes !== last) {
      last = hashes;
      lastChange = Date.now() - clicked;
    }
    await sleep(50);
  }
  expect(lastChange).toBeLessThan(1000);
  const hooks = await tab.readHooks();
  expect(hooks.start).toBe('visible');
  expect(hooks.title).not.toMatch(/H\/s/);
  return lastChange;
}

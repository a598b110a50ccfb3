// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import './rx-app.js';
import type { RxApp } from './rx-app.js';

afterEach(() => {
  document.body.replaceChildren();
});

async function mount(): Promise<RxApp> {
  const app = document.createElement('rx-app') as RxApp;
  document.body.append(app);
  await app.updateComplete;
  return app;
}

describe('<rx-app> before the mining engine exists', () => {
  it('tells the visitor that the cluster is not ready and that nothing runs', async () => {
    const app = await mount();
    const status = app.shadowRoot?.querySelector('[data-testid="cluster-status"]');
    expect(status?.getAttribute('role')).toBe('status');
    // Collapse source line breaks the way the page renders them.
    const text = status?.textContent?.replace(/\s+/g, ' ');
    expect(text).toContain('This cluster is not ready yet.');
    expect(text).toContain('nothing will start until you click Start');
  });

  it('offers no control that could start mining', async () => {
    const app = await mount();
    expect(app.shadowRoot?.querySelector('[data-testid="start"]')).toBeNull();
    expect(app.shadowRoot?.querySelectorAll('button')).toHaveLength(0);
  });
});

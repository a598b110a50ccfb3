import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from './server.js';

const builtWebRoot = mkdtempSync(join(tmpdir(), 'rxmesh-web-'));
writeFileSync(join(builtWebRoot, 'index.html'), '<!doctype html><title>rxmesh</title><p>placeholder</p>');
const emptyWebRoot = mkdtempSync(join(tmpdir(), 'rxmesh-web-empty-'));

afterAll(() => {
  rmSync(builtWebRoot, { recursive: true, force: true });
  rmSync(emptyWebRoot, { recursive: true, force: true });
});

describe('the rxmesh HTTP server', () => {
  it('answers /healthz with 200', async () => {
    const app = await buildServer({ webRoot: builtWebRoot });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('serves the built web app cross-origin isolated, with a CSP that allows only wasm-unsafe-eval', async () => {
    const app = await buildServer({ webRoot: builtWebRoot });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('placeholder');
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).not.toContain("'unsafe-inline'");
    await app.close();
  });

  it('puts the same headers on 404s', async () => {
    const app = await buildServer({ webRoot: builtWebRoot });
    const response = await app.inject({ method: 'GET', url: '/no-such-file.js' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
    await app.close();
  });

  it('says how to build the web app when it is missing', async () => {
    const app = await buildServer({ webRoot: emptyWebRoot });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await app.close();
  });
});

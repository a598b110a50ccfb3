import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../server.js';

const builtWebRoot = mkdtempSync(join(tmpdir(), 'rxmesh-web-routes-'));
writeFileSync(join(builtWebRoot, 'index.html'), '<!doctype html><title>rxmesh</title><p>the page shell</p>');
const emptyWebRoot = mkdtempSync(join(tmpdir(), 'rxmesh-web-routes-empty-'));

afterAll(() => {
  rmSync(builtWebRoot, { recursive: true, force: true });
  rmSync(emptyWebRoot, { recursive: true, force: true });
});

describe('the web app routes', () => {
  it('answers /classroom with index.html and the isolation headers', async () => {
    const app = await buildServer({ webRoot: builtWebRoot });
    const response = await app.inject({ method: 'GET', url: '/classroom' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('the page shell');
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(String(response.headers['content-security-policy'])).toContain("script-src 'self'");
    await app.close();
  });

  it('keeps unknown paths as 404 rather than answering every path with the page', async () => {
    const app = await buildServer({ webRoot: builtWebRoot });
    const response = await app.inject({ method: 'GET', url: '/classroom-typo' });
    expect(response.statusCode).toBe(404);
    await app.close();
  });

  it('says how to build the web app on /classroom too when it is missing', async () => {
    const app = await buildServer({ webRoot: emptyWebRoot });
    const response = await app.inject({ method: 'GET', url: '/classroom' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await app.close();
  });
});

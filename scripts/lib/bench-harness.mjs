// @ts-check
// What the benchmark scripts share: building a native reference harness from bench/*.c against Debian's
// librandomx, reading the JSON line a measuring process prints last, and running `rxmesh` with its JSON log.
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.mjs';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** @param {string} command @param {string[]} args @returns {Promise<any>} the last stdout line, as JSON */
export function lastJsonLine(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null'));
    });
  });
}

/**
 * Compiles bench/NAME.c into bench/build/NAME unless the binary is newer than its source.
 * @param {string} name
 * @returns {Promise<string>} the binary's path
 */
export async function buildNativeHarness(name) {
  const source = join(repoRoot, `bench/${name}.c`);
  const binary = join(repoRoot, `bench/build/${name}`);
  mkdirSync(join(repoRoot, 'bench/build'), { recursive: true });
  const fresh = (() => {
    try {
      return statSync(binary).mtimeMs > statSync(source).mtimeMs;
    } catch {
      return false;
    }
  })();
  if (!fresh) await run('gcc', ['-O2', '-Wall', '-o', binary, source, '-lrandomx', '-lpthread']);
  return binary;
}

/** The median of `values` (NaN for none): the figure a noisy, shared machine reports best. @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
    : (sorted[Math.floor(middle)] ?? Number.NaN);
}

/** The value at percentile `p` of `values`, by nearest rank (NaN for none). @param {number[]} values @param {number} p */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Polls `probe` every 20 ms until it answers, or throws naming `what` after `timeoutMs`.
 * @template T @param {string} what @param {number} timeoutMs @param {() => T | undefined} probe @returns {Promise<T>}
 */
export async function until(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Share verifications per second, one after another for `seconds`, by a hasher of the gateway's kind: librandomx
 * (`native`) or the WebAssembly engine, in light mode. Needs `npm run build`.
 * @param {'native' | 'wasm'} kind @param {number} seconds
 */
export async function verificationsPerSecond(kind, seconds) {
  const { openKeyedHasher } = await import(join(repoRoot, 'apps/host/dist/engines.js'));
  const hasher = await openKeyedHasher(kind, 'rx/0', () => {});
  await hasher.useKey(Buffer.from('rxmesh verification bench'));
  const blob = new Uint8Array(76);
  let hashes = 0;
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    blob[39] = hashes & 0xff;
    blob[40] = hashes >> 8;
    await hasher.hash(blob);
    hashes++;
  }
  hasher.release();
  return hashes / ((performance.now() - began) / 1000);
}

/**
 * @typedef {{ time: number } & Record<string, any>} LogLine One `--log-json` line, with `time` in epoch milliseconds.
 */

/**
 * Starts `rxmesh ARGS --log-json` from this checkout: its log lines as they come, parsed, and its stdout so far.
 * @param {string[]} args
 */
export function startRxmesh(args) {
  const bin = join(repoRoot, 'apps/host/bin/rxmesh.js');
  const child = spawn(process.execPath, [bin, ...args, '--log-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {LogLine[]} */
  const lines = [];
  let stdout = '';
  let pending = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      const entry = JSON.parse(part);
      lines.push({ ...entry, time: Date.parse(entry.time) });
    }
  });
  return { child, lines, stdout: () => stdout };
}

/**
 * `rxmesh serve` on a free loopback port, as `startRxmesh` runs it, once it says where it serves.
 * @param {string[]} [args] more flags
 */
export async function serveOnLoopback(args = []) {
  const serve = startRxmesh(['serve', '--port', '0', '--bind', '127.0.0.1', ...args]);
  /** @type {string} */
  const url = await new Promise((resolve, reject) => {
    serve.child.stdout.on('data', () => {
      const serving = /serving (http:\S+)/.exec(serve.stdout())?.[1];
      if (serving !== undefined) resolve(serving);
    });
    serve.child.on('exit', (code) => reject(new Error(`rxmesh serve exited with ${code}`)));
  });
  return { ...serve, url };
}

/**
 * Builds the engine harness (e2e/harness/wasm), serves it on loopback with the signaling server's static files and
 * headers, and opens it in Debian's Chromium: `use` gets the page, and everything is closed after it.
 * @template T
 * @param {(page: import('@playwright/test').Page) => Promise<T>} use
 * @returns {Promise<T>}
 */
export async function inEngineHarness(use) {
  const { build } = await import('vite');
  const { buildServer } = await import('@rxmesh/signal');
  const { chromium } = await import('@playwright/test');
  const { CHROMIUM_FLAGS, CHROMIUM_PATH } = await import('./chromium.mjs');
  await build({ configFile: join(repoRoot, 'e2e/harness/wasm/vite.config.ts'), logLevel: 'warn' });
  const server = await buildServer({ webRoot: join(repoRoot, 'test-results/harness-wasm') });
  const origin = await server.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/index.html`);
    return await use(page);
  } finally {
    await browser.close();
    await server.close();
  }
}

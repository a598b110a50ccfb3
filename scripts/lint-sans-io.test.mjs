// @ts-check
// The sans-IO check on a folder of its own: a clock, a timer or a socket in core fails it; injected time does not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./lint-sans-io.mjs', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'rxmesh-sans-io-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Runs the check on one file of `source`; answers its exit code and output. @param {string} source */
function check(source) {
  const file = join(folder, 'module.ts');
  writeFileSync(file, source);
  const result = spawnSync(process.execPath, [script, folder], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('the sans-IO check', () => {
  it('passes code that takes time and randomness as arguments, and mentions Date only in comments and strings', () => {
    const clean = check(
      "// Date.now() is not called here\nexport const deadline = (now: number, random: () => number) => now + 1000 * random();\nexport const label = 'setTimeout';\n",
    );
    expect(clean.status, clean.output).toBe(0);
  });

  it.each([
    ['Date.now()', 'export const now = () => Date.now();', 'uses Date'],
    ['new Date()', 'export const today = new Date();', 'uses Date'],
    ['Math.random', 'export const pick = () => Math.random();', 'uses Math.random'],
    ['setTimeout', 'setTimeout(() => {}, 10);', 'uses setTimeout'],
    ['a timer through globalThis', 'globalThis.setInterval(() => {}, 10);', 'uses globalThis.setInterval'],
    ['queueMicrotask', 'queueMicrotask(() => {});', 'uses queueMicrotask'],
    [
      'a socket module',
      "import { createConnection } from 'node:net';\nexport { createConnection };",
      "imports 'node:net'",
    ],
    ['WebSocket', "export const open = () => new WebSocket('ws://localhost');", 'uses WebSocket'],
  ])('fails %s, naming the file and line', (_name, source, what) => {
    const result = check(source);
    expect(result.status).toBe(1);
    expect(result.output).toContain(`module.ts:1: ${what}`);
    expect(result.output).toContain('take the time (now) and randomness as arguments');
  });
});

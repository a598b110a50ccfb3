// `rxmesh hash` and `rxmesh bench`, the real executable over the compiled dist/, against the published vectors; with
// librandomx, and without it where this machine can hide it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publishedVectors } from '../../../fixtures/randomx-vectors.mjs';
import { RXMESH_BIN as bin, rxmesh } from '../testing/rxmesh-cli.js';
import { canHideLibrandomx, nodeWithoutLibrandomx } from '../testing/without-librandomx.js';
import { EXIT_NOT_AVAILABLE } from './errors.js';

const vectors = publishedVectors('rx/0');
const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-cli-hash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('rxmesh bench --impl native', () => {
  it('hashes in light mode on native threads and ends with its JSON line', { timeout: 60_000 }, () => {
    const { code, stdout, stderr } = rxmesh([
      'bench',
      '--impl',
      'native',
      '--mode',
      'light',
      '--threads',
      '2',
      '--seconds',
      '1',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/light mode ready .*hashing on 2 thread\(s\) for 1 s/);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    expect(result).toMatchObject({ impl: 'native', mode: 'light', threads: 2, seconds: 1, datasetInitMs: null });
    expect(result.hashes).toBeGreaterThan(0);
    expect(result.eventLoopLagMaxMs).toBeGreaterThan(0);
  });
});

/** The published vectors as `rxmesh hash --jsonl` lines, and the lines it answers; they span two keys. */
const pairLines = vectors.map(({ key, input }) => JSON.stringify({ key, input })).join('\n');
const expectedHashLines = vectors.map(({ hash }) => JSON.stringify({ hash })).join('\n');

describe.each(['native', 'wasm'])('rxmesh hash --impl %s', (impl) => {
  it('prints the published hash for a key and input', () => {
    const [vector] = vectors;
    if (!vector) throw new Error('fixture has no rx/0 vectors');
    const { code, stdout } = rxmesh(['hash', '--impl', impl, '--key-hex', vector.key, '--input-hex', vector.input]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(vector.hash);
  });

  it('answers JSON lines in order from stdin, over a key change', () => {
    const fromStdin = rxmesh(['hash', '--impl', impl, '--jsonl', '-'], pairLines);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout.trim()).toBe(expectedHashLines);
  });
});

describe('rxmesh hash --impl native', () => {
  it('answers JSON lines in order from a file', () => {
    const file = join(scratch, 'pairs.jsonl');
    writeFileSync(file, `${pairLines}\n`);
    const fromFile = rxmesh(['hash', '--impl', 'native', '--jsonl', file]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout.trim()).toBe(expectedHashLines);
  });

  it('names the line of a bad JSON line, and refuses bad flags with a sentence', () => {
    const bad = rxmesh(['hash', '--impl', 'native', '--jsonl', '-'], '{"key":"00","input":"00"}\n{"key":"0"}\n');
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--jsonl line 2 needs string fields "key" and "input"/);
    expect(rxmesh(['hash', '--impl', 'native', '--key-hex', 'zz', '--input-hex', '00']).stderr).toMatch(
      /--key-hex: Expected an even number of hex digits/,
    );
    expect(rxmesh(['hash', '--impl', 'native', '--key-hex', '00']).stderr).toMatch(/give both/);
    expect(rxmesh(['hash', '--impl', 'native', '--jsonl', join(scratch, 'missing.jsonl')]).stderr).toMatch(
      /does not exist/,
    );
    expect(
      rxmesh(['hash', '--impl', 'native', '--variant', 'rx/wow', '--key-hex', '00', '--input-hex', '00']).stderr,
    ).toMatch(/rx\/0 only/);
    expect(
      rxmesh(['hash', '--impl', 'wasm', '--variant', 'rx/42', '--key-hex', '00', '--input-hex', '00']).stderr,
    ).toMatch(/'rx\/42' is invalid\. Allowed choices are rx\/0, rx\/wow/);
    expect(rxmesh(['hash', '--impl', 'gpu']).stderr).toMatch(/Allowed choices are auto, wasm, native/);
  });
});

describe('rxmesh hash without --impl (auto)', () => {
  const [vector] = vectors;
  if (!vector) throw new Error('fixture has no rx/0 vectors');
  const single = ['hash', '--key-hex', vector.key, '--input-hex', vector.input];

  it('hashes with the native engine when librandomx loads', () => {
    const { code, stdout, stderr } = rxmesh(single);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(vector.hash);
    expect(stderr).not.toMatch(/WebAssembly/);
  });

  const rxmeshWithoutLibrary = (args: string[]) => nodeWithoutLibrandomx([bin, ...args]);

  it.skipIf(!canHideLibrandomx)(
    'falls back to WebAssembly, saying which package is missing, when librandomx does not load',
    () => {
      const fallback = rxmeshWithoutLibrary(single);
      expect(fallback.code).toBe(0);
      expect(fallback.stdout.trim()).toBe(vector.hash);
      expect(fallback.stderr).toMatch(/cannot load librandomx.*apt-get install librandomx0.*Hashing with WebAssembly/);

      for (const explicit of [
        single.toSpliced(1, 0, '--impl', 'native'),
        ['bench', '--impl', 'native', '--mode', 'light'],
      ]) {
        const refused = rxmeshWithoutLibrary(explicit);
        expect(refused.code).toBe(EXIT_NOT_AVAILABLE);
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toMatch(
          /^rxmesh: The native engine cannot load librandomx.*apt-get install librandomx0`\.\n$/,
        );
      }
    },
  );
});

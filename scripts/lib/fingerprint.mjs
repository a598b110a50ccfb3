// @ts-check
// Content fingerprints of a step's inputs, so a step reruns only when something it reads has changed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'build', '.git', 'test-results']);

/**
 * @param {string} root absolute directory or file
 * @returns {string[]}
 */
function listFiles(root) {
  if (!existsSync(root)) return [];
  if (statSync(root).isFile()) return [root];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => !SKIPPED_DIRECTORIES.has(entry.name))
    .flatMap((entry) => listFiles(join(root, entry.name)));
}

/**
 * Hashes the paths and contents of every file under `inputs`, plus any extra strings (tool versions).
 * @param {string} repoRoot
 * @param {string[]} inputs paths relative to the repository
 * @param {string[]} [extra]
 */
export function fingerprint(repoRoot, inputs, extra = []) {
  const hash = createHash('sha256');
  for (const value of extra) hash.update(`extra:${value}\0`);
  const files = inputs.flatMap((input) => listFiles(join(repoRoot, input))).sort();
  for (const file of files) {
    hash.update(`${relative(repoRoot, file)}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/**
 * Remembers the fingerprint each step last succeeded with, under .rxmesh/stamps/.
 * @param {string} repoRoot
 */
export function stampStore(repoRoot) {
  const directory = join(repoRoot, '.rxmesh/stamps');
  /** @param {string} name */
  const path = (name) => join(directory, `${name}.txt`);
  return {
    /** @param {string} name @param {string} value */
    async matches(name, value) {
      return existsSync(path(name)) && (await readFile(path(name), 'utf8')) === value;
    },
    /** @param {string} name @param {string} value */
    async save(name, value) {
      await mkdir(directory, { recursive: true });
      await writeFile(path(name), value);
    },
  };
}

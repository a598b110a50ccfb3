// @ts-check
// The Node.js that rxmesh needs (its package.json "engines"), checked before anything else runs, with a sentence
// that says how to get it on Debian, whose version 12 ships Node.js 18.
import { readFileSync } from 'node:fs';

/**
 * What is wrong with Node.js `version` for a need of `engines` (">=MAJOR.MINOR"), as a sentence; undefined when
 * nothing is.
 * @param {string} version
 * @param {string} engines
 * @returns {string | undefined}
 */
export function nodeVersionProblem(version, engines) {
  const [needMajor = 0, needMinor = 0] = /(\d+)\.(\d+)/.exec(engines)?.slice(1).map(Number) ?? [];
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return (
    `rxmesh needs Node.js ${needMajor}.${needMinor} or newer, and this is ${version}. Debian 12 ships Node.js 18: ` +
    'install Node.js 20 from NodeSource (https://github.com/nodesource/distributions), or use Debian 13, whose ' +
    'nodejs package is 20.19.'
  );
}

/** Stops the process with what to do when this Node.js is older than rxmesh's package.json allows. */
export function requireSupportedNode() {
  const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const problem = nodeVersionProblem(process.versions.node, engines.node);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

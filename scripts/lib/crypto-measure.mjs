// @ts-check
// Timing for scripts/bench-crypto.mjs, in Node and (bundled) in Chromium alike: every task runs for a fixed time
// per run, runs of all tasks alternate so that a noisy minute touches every figure, and each figure is the median
// of its runs in microseconds per operation.
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { buildFixtures, noSignatures } from './crypto-fixtures.mjs';

/** @typedef {import('../../packages/core/dist/identity/signature-scheme.js').SignatureScheme} SignatureScheme */

/** @param {number[]} values */
export function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
    : (sorted[Math.floor(middle)] ?? Number.NaN);
}

/** What the optimizer cannot prove unused. */
let sink = 0;

/** @param {() => unknown} task @param {number} ms @returns {number} microseconds per call */
function timeFor(task, ms) {
  let calls = 0;
  const began = performance.now();
  let now = began;
  do {
    for (let i = 0; i < 4; i++) if (task()) sink++;
    calls += 4;
    now = performance.now();
  } while (now - began < ms);
  return (1000 * (now - began)) / calls;
}

/**
 * @typedef {{ us: number, runs: number[] }} Timing
 * @param {Record<string, () => unknown>} tasks
 * @param {{ runs: number, ms: number }} options
 * @returns {Record<string, Timing>}
 */
export function timeTasks(tasks, options) {
  const names = Object.keys(tasks);
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) timeFor(/** @type {() => unknown} */ (tasks[name]), options.ms / 2); // warm-up
  for (let run = 0; run < options.runs; run++) {
    for (const name of names) samples[name]?.push(timeFor(/** @type {() => unknown} */ (tasks[name]), options.ms));
  }
  if (sink < 0) throw new Error('unreachable');
  return Object.fromEntries(
    names.map((name) => {
      const runs = samples[name] ?? [];
      return [name, { us: medianOf(runs), runs }];
    }),
  );
}

/**
 * @typedef {object} SuiteResult
 * @property {boolean} schemasCompiled whether typebox compiles its checks to code here: a page whose CSP forbids
 *   eval (the contributor page's does) checks them by walking the schema instead
 * @property {Record<string, { payloadBytes: number, wireBytes: number, signer: string, opener: string }>} kinds
 * @property {Record<string, { sign: Timing, verify: Timing }>} raw per scheme: `sign` and `verify` of the share payload
 * @property {Record<string, Record<string, { make: Timing, open: Timing }>>} envelopes per scheme, per kind
 */

/**
 * Raw sign and verify of an up share's payload with each scheme, and every kind's make and open through
 * `Envelopes` with each scheme and with no signatures at all (the JSON and schema share of the cost).
 * @param {Record<string, SignatureScheme>} schemes
 * @param {{ runs: number, ms: number, replicaEntries: number }} options
 * @returns {SuiteResult}
 */
export function measureSuite(schemes, options) {
  const all = { ...schemes, none: noSignatures };
  const fixtures = Object.fromEntries(
    Object.entries(all).map(([name, scheme]) => [name, buildFixtures(scheme, options)]),
  );
  const reference = fixtures.none ?? [];
  const share = (fixtures[Object.keys(schemes)[0] ?? 'none'] ?? []).find((fixture) => fixture.kind === 'up:share');
  if (share === undefined) throw new Error('no share fixture');
  /** @type {Record<string, () => unknown>} */
  const tasks = {};
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!scheme.verify(share.signerPublicKey, share.payload, share.signature)) {
      throw new Error(`${name} refuses the share's signature`);
    }
    tasks[`raw ${name} sign`] = () => scheme.sign(share.signerSecretKey, share.payload);
    tasks[`raw ${name} verify`] = () => scheme.verify(share.signerPublicKey, share.payload, share.signature);
  }
  for (const [name, list] of Object.entries(fixtures)) {
    for (const fixture of list) {
      tasks[`${name} ${fixture.kind} make`] = fixture.make;
      tasks[`${name} ${fixture.kind} open`] = fixture.open;
    }
  }
  const timings = timeTasks(tasks, options);
  /** @param {string} name */
  const timing = (name) => /** @type {Timing} */ (timings[name]);
  return {
    schemasCompiled: Compile(Type.Object({})).IsAccelerated(),
    kinds: Object.fromEntries(
      reference.map((fixture) => [
        fixture.kind,
        {
          payloadBytes: fixture.payloadBytes,
          wireBytes: fixture.wireBytes,
          signer: fixture.signer,
          opener: fixture.opener,
        },
      ]),
    ),
    raw: Object.fromEntries(
      Object.keys(schemes).map((name) => [
        name,
        { sign: timing(`raw ${name} sign`), verify: timing(`raw ${name} verify`) },
      ]),
    ),
    envelopes: Object.fromEntries(
      Object.keys(all).map((name) => [
        name,
        Object.fromEntries(
          reference.map((fixture) => [
            fixture.kind,
            { make: timing(`${name} ${fixture.kind} make`), open: timing(`${name} ${fixture.kind} open`) },
          ]),
        ),
      ]),
    ),
  };
}

// @ts-check
// What signatures cost the cluster: Ed25519 signing and verification per share and per job message, in Node
// (@noble/curves against OpenSSL through node:crypto, as apps/signal's nodeEd25519 does it) and in Debian's
// Chromium (@noble/curves, as the page signs, and WebCrypto's Ed25519 when the browser has it), set against the
// message rates of the 1000-peer simulation:
// 1. The simulation (SimCluster, THOUSAND_PEERS) runs with its stand-in signatures counted: every signature made
//    and checked, by message kind, by whom (the coordinator, another gateway, a browser) and when.
// 2. Node: raw sign and verify of an up share's payload, and every kind's `Envelopes` make (stringify + sign) and
//    open (parse + schema + verify) with real keys, with both schemes and with no signatures (the JSON and schema
//    share). Runs of every task alternate; each figure is the median of the runs.
// 3. Chromium: the same fixtures and timing in a page bundled by Vite from scripts/lib/crypto-page, served by
//    @rxmesh/signal's server (cross-origin isolated, so the page's clock is fine-grained).
// 4. The load: the coordinator's CPU time per second spent verifying ups and signing downs and broadcasts, with
//    OpenSSL and with @noble/curves, and a browser peer's time per minute, from (1) and the figures of (2) and (3).
// Run after `npm run build`: node scripts/bench-crypto.mjs [--runs N] [--ms MS] [--seed S]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { buildServer, nodeEd25519 } from '../apps/signal/dist/index.js';
import { ClusterPeer, nobleEd25519, SimCluster, THOUSAND_PEERS } from '../packages/core/dist/index.js';
import { repoRoot } from './lib/bench-harness.mjs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './lib/chromium.mjs';
import { KINDS } from './lib/crypto-fixtures.mjs';
import { measureSuite } from './lib/crypto-measure.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    ms: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
  },
});
const runs = Number(values.runs);
const ms = Number(values.ms);
const seed = Number(values.seed);
const BUCKET_SECONDS = 10;

// ---- 1. the simulation, counted ----

/** @typedef {'coordinator' | 'gateway' | 'browser' | 'outside'} Actor */
/** @typedef {{ count: number, bytes: number, entries: number }} Tally */

/**
 * A peer's own description, private to it (and untyped in core's declarations).
 * @param {ClusterPeer} peer
 * @returns {import('../packages/core/dist/index.js').PeerInfo}
 */
const infoOf = (peer) => Reflect.get(peer, 'info');

/** @param {number} simSeed */
function countSimulation(simSeed) {
  /** @type {ClusterPeer | undefined} */
  let current;
  /** @type {Map<string, { first: number, last: number, browser: boolean }>} */
  const lifetimes = new Map();
  const sim = new SimCluster({ seed: simSeed, ...THOUSAND_PEERS });
  const startMs = sim.queue.now;
  const { handle, start } = ClusterPeer.prototype;
  /** @param {ClusterPeer} peer */
  const enter = (peer) => {
    const seen = lifetimes.get(peer.id);
    if (seen === undefined) {
      lifetimes.set(peer.id, { first: sim.queue.now, last: sim.queue.now, browser: infoOf(peer).engine === 'wasm' });
    } else seen.last = sim.queue.now;
    const outer = current;
    current = peer;
    return outer;
  };
  /** @this {ClusterPeer} @param {Parameters<ClusterPeer['handle']>[0]} event */
  ClusterPeer.prototype.handle = function (event) {
    const outer = enter(this);
    try {
      handle.call(this, event);
    } finally {
      current = outer;
    }
  };
  /** @this {ClusterPeer} */
  ClusterPeer.prototype.start = function () {
    const outer = enter(this);
    try {
      start.call(this);
    } finally {
      current = outer;
    }
  };

  /** @type {Map<string, Tally>} by `actor op kind` */
  const tallies = new Map();
  /** @type {Map<number, Map<string, number>>} the coordinator's `op kind` per bucket of simulated time */
  const buckets = new Map();
  const decoder = new TextDecoder();
  /** @returns {Actor} */
  const actor = () => {
    if (current === undefined) return 'outside';
    if (current.phase === 'coordinator') return 'coordinator';
    return infoOf(current).engine === 'wasm' ? 'browser' : 'gateway';
  };
  /** @param {'sign' | 'verify'} op @param {Uint8Array} message */
  const count = (op, message) => {
    const head = decoder.decode(message.subarray(0, 160));
    const t = /^\{"t":"(\w+)"/.exec(head)?.[1] ?? 'unknown';
    const kind =
      t === 'up' || t === 'down' || t === 'broadcast'
        ? `${t}:${/"body":\{"v":\d+,"type":"(\w+)"/.exec(head)?.[1] ?? 'unknown'}`
        : t;
    const who = actor();
    const key = `${who} ${op} ${kind}`;
    const tally = tallies.get(key) ?? { count: 0, bytes: 0, entries: 0 };
    tally.count++;
    tally.bytes += message.length;
    if (kind === 'down:replica') tally.entries += JSON.parse(decoder.decode(message)).body.entries.length;
    tallies.set(key, tally);
    if (who === 'coordinator') {
      const bucket = Math.floor((sim.queue.now - startMs) / 1000 / BUCKET_SECONDS);
      const counts = buckets.get(bucket) ?? new Map();
      counts.set(`${op} ${kind}`, (counts.get(`${op} ${kind}`) ?? 0) + 1);
      buckets.set(bucket, counts);
    }
  };
  // The simulation's stand-in scheme is private to it; its methods are wrapped in place, so every peer's
  // Envelopes (which hold the same object) are counted.
  /** @type {import('../packages/core/dist/index.js').SignatureScheme} */
  const scheme = Reflect.get(sim, 'scheme');
  const { sign, verify } = scheme;
  scheme.sign = (secretKey, message) => {
    count('sign', message);
    return sign(secretKey, message);
  };
  scheme.verify = (publicKey, message, signature) => {
    count('verify', message);
    return verify(publicKey, message, signature);
  };
  const began = performance.now();
  let report;
  try {
    report = /** @type {import('../packages/core/dist/index.js').SimReport} */ (Reflect.get(sim, 'run').call(sim));
  } finally {
    ClusterPeer.prototype.handle = handle;
    ClusterPeer.prototype.start = start;
  }
  const wallSeconds = (performance.now() - began) / 1000;
  /** @param {boolean} browser */
  const minutes = (browser) =>
    [...lifetimes.values()]
      .filter((life) => life.browser === browser)
      .reduce((sum, life) => sum + (life.last - life.first) / 60_000, 0);
  return {
    report,
    wallSeconds,
    tallies,
    buckets,
    browserMinutes: minutes(true),
    // Every gateway's whole life, its time as coordinator included: the gateway figures are an average, not a standby's.
    gatewayMinutes: minutes(false),
  };
}

console.log(`simulating ${THOUSAND_PEERS.hosts + THOUSAND_PEERS.browsers} peers (seed ${seed}), counting signatures…`);
const sim = countSimulation(seed);
const replicaSigned = sim.tallies.get('coordinator sign down:replica');
const replicaEntries = Math.max(1, Math.round((replicaSigned?.entries ?? 0) / Math.max(1, replicaSigned?.count ?? 0)));
console.log(
  `simulated ${THOUSAND_PEERS.endSeconds + THOUSAND_PEERS.drainSeconds} s in ${sim.wallSeconds.toFixed(1)} s: ` +
    `${sim.report.messagesPerPeerPerMinute.toFixed(1)} messages/peer/min, ${sim.report.sharesAcked} shares acked, ` +
    `${replicaEntries} entries per replica message on average`,
);

// ---- 2. Node ----

const options = { runs, ms, replicaEntries };
console.log(`Node ${process.versions.node} (OpenSSL ${process.versions.openssl}): ${runs} runs of ${ms} ms per task…`);
const node = measureSuite({ openssl: nodeEd25519(), noble: nobleEd25519 }, options);

// ---- 3. Chromium ----

const pageRoot = join(repoRoot, 'scripts/lib/crypto-page');
const pageOut = join(repoRoot, 'test-results/bench-crypto-page');
await build({
  configFile: false,
  root: pageRoot,
  logLevel: 'warn',
  build: { outDir: pageOut, emptyOutDir: true, target: 'es2022' },
});
const server = await buildServer({ webRoot: pageOut });
const origin = await server.listen({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
const chromiumVersion = browser.version();
console.log(`Chromium ${chromiumVersion}: the same, in a page…`);
/** @type {{ userAgent: string, crossOriginIsolated: boolean, suite: ReturnType<typeof measureSuite>, webCrypto: any }} */
let inBrowser;
try {
  const page = await browser.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => 'benchCrypto' in globalThis);
  inBrowser = await page.evaluate((given) => /** @type {any} */ (globalThis).benchCrypto.run(given), options);
  if (problems.length > 0) throw new Error(`the page failed: ${problems.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
for (const kind of KINDS) {
  if (inBrowser.suite.kinds[kind]?.payloadBytes !== node.kinds[kind]?.payloadBytes) {
    throw new Error(`the ${kind} fixture differs between Node and Chromium`);
  }
}

// ---- 4. the load ----

/** @param {Record<string, { make: { us: number }, open: { us: number } }>} costs @param {string} opKind */
const costOf = (costs, opKind) => {
  const [op, kind] = opKind.split(' ');
  const cost = costs[kind ?? ''];
  if (cost === undefined) return undefined;
  return op === 'sign' ? cost.make.us : cost.open.us;
};
/** @param {Actor} who @returns {Map<string, number>} `op kind` to its total count */
const totalsOf = (who) => {
  const totals = new Map();
  for (const [key, tally] of sim.tallies) {
    const [actor, ...rest] = key.split(' ');
    if (actor === who) totals.set(rest.join(' '), tally.count);
  }
  return totals;
};
const uncosted = new Set();
/**
 * Microseconds of CPU for these counts with each scheme's costs.
 * @template {string} K
 * @param {Map<string, number>} counts
 * @param {Record<K, Record<string, { make: { us: number }, open: { us: number } }>>} schemes
 * @returns {Record<K, number>}
 */
const cpuOf = (counts, schemes) =>
  /** @type {Record<K, number>} */ (
    Object.fromEntries(
      Object.entries(schemes).map(([name, costs]) => {
        let us = 0;
        for (const [opKind, n] of counts) {
          const cost = costOf(costs, opKind);
          if (cost === undefined) uncosted.add(opKind);
          else us += n * cost;
        }
        return [name, us];
      }),
    )
  );
/** @param {Map<string, number>} counts @param {number} divisor */
const scaled = (counts, divisor) => new Map([...counts].map(([key, n]) => [key, n / divisor]));

const steadyFrom = Math.ceil((THOUSAND_PEERS.hosts * 2 + THOUSAND_PEERS.rampSeconds) / BUCKET_SECONDS) * BUCKET_SECONDS;
const steadyTo = THOUSAND_PEERS.killCoordinatorAtSeconds ?? THOUSAND_PEERS.endSeconds;
/** @type {Map<string, number>} */
const steadyCounts = new Map();
for (const [bucket, counts] of sim.buckets) {
  const at = bucket * BUCKET_SECONDS;
  if (at < steadyFrom || at >= steadyTo) continue;
  for (const [opKind, n] of counts) steadyCounts.set(opKind, (steadyCounts.get(opKind) ?? 0) + n);
}
const coordinatorSchemes = { openssl: node.envelopes.openssl ?? {}, noble: node.envelopes.noble ?? {} };
const coordinatorPerSecond = scaled(steadyCounts, steadyTo - steadyFrom);
const coordinatorSteady = cpuOf(coordinatorPerSecond, coordinatorSchemes);
const peak = [...sim.buckets]
  .map(([bucket, counts]) => ({
    atSeconds: bucket * BUCKET_SECONDS,
    perSecond: Object.fromEntries([...counts].map(([opKind, n]) => [opKind, n / BUCKET_SECONDS])),
    cpu: cpuOf(scaled(counts, BUCKET_SECONDS), coordinatorSchemes),
  }))
  .sort((a, b) => (b.cpu.openssl ?? 0) - (a.cpu.openssl ?? 0))[0];
const browserPerMinute = scaled(totalsOf('browser'), sim.browserMinutes);
const browserSchemes = {
  chromiumNoble: inBrowser.suite.envelopes.noble ?? {},
  nodeNoble: node.envelopes.noble ?? {},
};
const browserCpu = cpuOf(browserPerMinute, browserSchemes);
// What the tab would spend if its scheme were WebCrypto: the envelope without signatures, plus WebCrypto's
// awaited operation. An estimate: the SignatureScheme interface is synchronous, so nothing measures this whole.
const webCryptoTimings = inBrowser.webCrypto.supported ? inBrowser.webCrypto.timings : undefined;
const browserWebCryptoEstimate =
  webCryptoTimings === undefined
    ? null
    : cpuOf(browserPerMinute, {
        webCrypto: Object.fromEntries(
          Object.entries(inBrowser.suite.envelopes.none ?? {}).map(([kind, cost]) => [
            kind,
            {
              make: { us: cost.make.us + webCryptoTimings['sign awaited'].us },
              open: { us: cost.open.us + webCryptoTimings['verify awaited'].us },
            },
          ]),
        ),
      }).webCrypto;
const gatewayPerMinute = scaled(totalsOf('gateway'), sim.gatewayMinutes);
const gatewayCpu = cpuOf(gatewayPerMinute, coordinatorSchemes);

// ---- the tables ----

const us = (/** @type {number | undefined} */ value) => (value === undefined ? '-' : value.toFixed(1));
const ratio = (/** @type {number} */ value, /** @type {number} */ reference) => `${(value / reference).toFixed(1)}x`;
const raw = {
  openssl: node.raw.openssl,
  noble: node.raw.noble,
  chromiumNoble: inBrowser.suite.raw.noble,
};
const reference = /** @type {NonNullable<typeof raw.openssl>} */ (raw.openssl);
console.log(
  `\nper operation, an up share's payload (${node.kinds['up:share']?.payloadBytes} bytes), µs (median of ${runs}):`,
);
console.log('| implementation | sign | verify | vs OpenSSL (sign / verify) |');
console.log('|---|---|---|---|');
for (const [label, timing] of [
  ['Node, OpenSSL (nodeEd25519)', raw.openssl],
  ['Node, @noble/curves', raw.noble],
  [`Chromium ${chromiumVersion}, @noble/curves`, raw.chromiumNoble],
]) {
  const t = /** @type {NonNullable<typeof raw.openssl>} */ (timing);
  console.log(
    `| ${label} | ${us(t.sign.us)} | ${us(t.verify.us)} | ${ratio(t.sign.us, reference.sign.us)} / ${ratio(t.verify.us, reference.verify.us)} |`,
  );
}
if (webCryptoTimings !== undefined) {
  for (const mode of ['awaited', 'batched']) {
    const sign = webCryptoTimings[`sign ${mode}`].us;
    const verify = webCryptoTimings[`verify ${mode}`].us;
    console.log(
      `| Chromium, WebCrypto Ed25519, ${mode === 'awaited' ? 'awaited one by one' : `${inBrowser.webCrypto.batch} in flight`} | ${us(sign)} | ${us(verify)} | ${ratio(sign, reference.sign.us)} / ${ratio(verify, reference.verify.us)} |`,
    );
  }
} else {
  console.log(`| Chromium, WebCrypto Ed25519 | not supported: ${inBrowser.webCrypto.reason} | | |`);
}

console.log(
  `\nper message, Envelopes make (stringify + sign) / open (parse + schema + verify), µs (median of ${runs}):`,
);
console.log(
  '| kind | bytes signed | Node OpenSSL | Node noble | Node, no signature | Chromium noble | Chromium, no signature |',
);
console.log('|---|---|---|---|---|---|---|');
for (const kind of KINDS) {
  /** @param {Record<string, Record<string, { make: { us: number }, open: { us: number } }>>} suite @param {string} name */
  const cell = (suite, name) => `${us(suite[name]?.[kind]?.make.us)} / ${us(suite[name]?.[kind]?.open.us)}`;
  console.log(
    `| ${kind} | ${node.kinds[kind]?.payloadBytes} | ${cell(node.envelopes, 'openssl')} | ${cell(node.envelopes, 'noble')} | ` +
      `${cell(node.envelopes, 'none')} | ${cell(inBrowser.suite.envelopes, 'noble')} | ${cell(inBrowser.suite.envelopes, 'none')} |`,
  );
}

console.log(
  `typebox checks compiled to code: Node ${node.schemasCompiled ? 'yes' : 'no'}, Chromium ` +
    `${inBrowser.suite.schemasCompiled ? 'yes' : "no (the page's CSP forbids eval, as the contributor page's does)"}`,
);
if (inBrowser.webCrypto.supported) {
  console.log(
    `WebCrypto signs as @noble/curves does: ${inBrowser.webCrypto.sameSignatureAsNoble}; ` +
      `accepts its signature: ${inBrowser.webCrypto.acceptsNobleSignature}`,
  );
}

/** @param {Map<string, number>} counts @param {string} op */
const sumOp = (counts, op) => [...counts].filter(([key]) => key.startsWith(`${op} `)).reduce((s, [, n]) => s + n, 0);
/** @param {Map<string, number>} counts */
const topKinds = (counts) =>
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([key, n]) => `${key} ${n.toFixed(1)}`)
    .join(', ');
console.log(`\nthe load, from the simulation (seed ${seed}):`);
console.log('| who | signatures made | signatures checked | CPU, OpenSSL | CPU, @noble/curves |');
console.log('|---|---|---|---|---|');
console.log(
  `| coordinator, ${steadyFrom}-${steadyTo} s (all joined, churn) | ${sumOp(coordinatorPerSecond, 'sign').toFixed(1)}/s | ` +
    `${sumOp(coordinatorPerSecond, 'verify').toFixed(1)}/s | ${(coordinatorSteady.openssl / 1000).toFixed(1)} ms/s ` +
    `(${(coordinatorSteady.openssl / 1e4).toFixed(2)}% of a core) | ${(coordinatorSteady.noble / 1000).toFixed(1)} ms/s ` +
    `(${(coordinatorSteady.noble / 1e4).toFixed(1)}%) |`,
);
if (peak !== undefined) {
  const peakCounts = new Map(Object.entries(peak.perSecond));
  console.log(
    `| coordinator, busiest ${BUCKET_SECONDS} s (from ${peak.atSeconds} s) | ${sumOp(peakCounts, 'sign').toFixed(1)}/s | ` +
      `${sumOp(peakCounts, 'verify').toFixed(1)}/s | ${((peak.cpu.openssl ?? 0) / 1000).toFixed(1)} ms/s | ` +
      `${((peak.cpu.noble ?? 0) / 1000).toFixed(1)} ms/s |`,
  );
}
console.log(
  `| browser peer, per minute (Chromium) | ${sumOp(browserPerMinute, 'sign').toFixed(1)} | ` +
    `${sumOp(browserPerMinute, 'verify').toFixed(1)} | - | ${((browserCpu.chromiumNoble ?? 0) / 1000).toFixed(1)} ms/min ` +
    `(${((browserCpu.chromiumNoble ?? 0) / 600_000).toFixed(3)}% of a core)` +
    (browserWebCryptoEstimate === null ? '' : `; WebCrypto ≈ ${(browserWebCryptoEstimate / 1000).toFixed(1)} ms/min`) +
    ' |',
);
console.log(`coordinator per second, largest: ${topKinds(coordinatorPerSecond)}`);
console.log(`browser per minute, largest: ${topKinds(browserPerMinute)}`);
if (uncosted.size > 0) console.log(`not costed (no fixture): ${[...uncosted].join(', ')}`);

// ---- raw JSON ----

const nobleVersion = JSON.parse(
  readFileSync(join(repoRoot, 'node_modules/@noble/curves/package.json'), 'utf8'),
).version;
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'test-results/bench-crypto.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      commit,
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      versions: {
        node: process.versions.node,
        openssl: process.versions.openssl,
        chromium: chromiumVersion,
        nobleCurves: nobleVersion,
      },
      options: { ...options, seed },
      simulation: {
        report: sim.report,
        wallSeconds: sim.wallSeconds,
        browserMinutes: sim.browserMinutes,
        gatewayMinutes: sim.gatewayMinutes,
        tallies: Object.fromEntries(sim.tallies),
        coordinatorBuckets: Object.fromEntries(
          [...sim.buckets].map(([bucket, counts]) => [bucket * BUCKET_SECONDS, Object.fromEntries(counts)]),
        ),
      },
      node,
      chromium: inBrowser,
      load: {
        coordinator: {
          windowSeconds: [steadyFrom, steadyTo],
          perSecond: Object.fromEntries(coordinatorPerSecond),
          cpuUsPerSecond: coordinatorSteady,
          peak,
        },
        gateway: {
          note: "gateways' signatures while not coordinating, per minute of their whole lives (coordinating included)",
          perMinute: Object.fromEntries(gatewayPerMinute),
          cpuUsPerMinute: gatewayCpu,
        },
        browser: {
          perMinute: Object.fromEntries(browserPerMinute),
          cpuUsPerMinute: browserCpu,
          webCryptoEstimateUsPerMinute: browserWebCryptoEstimate,
        },
        uncosted: [...uncosted],
      },
    },
    null,
    2,
  )}\n`,
);
console.log('raw JSON: test-results/bench-crypto.json');

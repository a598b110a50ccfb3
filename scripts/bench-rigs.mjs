// @ts-check
// xmrig rigs on `rxmesh serve --stratum`: a rig's share-to-answer latency, and the gateway's share verification
// rate (librandomx and WebAssembly, one at a time, as the gateway verifies) against the rate rigs send shares at
// the vardiff's aim of one per 30 s. Scripted rigs speak xmrig's messages and find real shares with librandomx in
// light mode (NativeEngine, 2 threads), at a fixed difficulty of 100; each share is timed from its `submit` to the
// answer, with nothing else running in this process meanwhile. Run after `npm run build`:
//   node scripts/bench-rigs.mjs [--rigs N] [--shares N] [--seconds N]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeNonce, hexToBytes, parseStratumTarget, readNonce } from '@rxmesh/core';
import { NativeEngine } from '@rxmesh/native';
import { median, percentile, repoRoot, startRxmesh, until, verificationsPerSecond } from './lib/bench-harness.mjs';
import { info } from './lib/log.mjs';
import { testingTool } from './lib/testing-tools.mjs';

/** @type {typeof import('../apps/host/testing/scripted-rig.js')} */
const { ScriptedRig } = await import(await testingTool('host/testing/scripted-rig.js'));

const { values } = parseArgs({
  options: {
    rigs: { type: 'string', default: '2' },
    shares: { type: 'string', default: '30' },
    seconds: { type: 'string', default: '5' },
  },
});
const rigCount = Number(values.rigs);
const shareCount = Number(values.shares);
const seconds = Number(values.seconds);
const RIG_SHARE_SECONDS = 30;

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-bench-rigs-'));
const serve = startRxmesh([
  'serve',
  ...['--port', '0', '--bind', '127.0.0.1', '--data-dir', scratch, '--stratum', '127.0.0.1:0'],
]);
/** @type {import('../apps/host/testing/scripted-rig.js').ScriptedRig[]} */
const rigs = [];
const engine = await NativeEngine.create({ mode: 'light', threads: 2 });
try {
  const listening = await until('the Stratum server', 60_000, () =>
    serve.lines.find((line) => line.event === 'stratumListening'),
  );
  const port = Number(/:(\d+)$/.exec(String(listening.address))?.[1]);
  /** @type {{ rig: import('../apps/host/testing/scripted-rig.js').ScriptedRig, id: string, job: import('@rxmesh/core').RigJobParams, counter: number }[]} */
  const miners = [];
  for (let index = 0; index < rigCount; index++) {
    const rig = await ScriptedRig.connect(port);
    rigs.push(rig);
    const answer = await rig.answer(rig.login(`bench-${index + 1}+100`), 30_000);
    const result = /** @type {{ id: string, job: any }} */ (answer.result);
    miners.push({ rig, id: result.id, job: result.job, counter: 0 });
  }
  info(`${rigCount} rigs logged in; finding and timing ${shareCount} shares …`);
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const refused = {};
  let key = '';
  for (let turn = 0; latencies.length < shareCount && turn < 50 * shareCount; turn++) {
    const miner = /** @type {(typeof miners)[number]} */ (miners[turn % miners.length]);
    const newest = miner.rig.newestJob(miner.job);
    if (newest !== miner.job) miner.counter = 0;
    miner.job = newest;
    if (miner.job.seed_hash !== key) {
      await engine.setKey(hexToBytes(miner.job.seed_hash));
      key = miner.job.seed_hash;
    }
    const blob = hexToBytes(miner.job.blob);
    const top = readNonce(blob) & 0xff00_0000;
    const count = 64;
    const result = await engine.mine({
      blob,
      firstNonce: (top | miner.counter) >>> 0,
      count,
      target: parseStratumTarget(miner.job.target),
    });
    miner.counter += result.hashes;
    for (const share of result.shares) {
      const nonce = encodeNonce(share.nonce);
      const began = performance.now();
      const answer = await miner.rig.answer(
        miner.rig.submit(miner.id, miner.job.job_id, nonce, Buffer.from(share.hash).toString('hex')),
        30_000,
      );
      const ms = performance.now() - began;
      if (answer.error === null || answer.error === undefined) latencies.push(ms);
      else refused[answer.error.message] = (refused[answer.error.message] ?? 0) + 1;
    }
  }
  info('timing the verifiers …');
  const native = await verificationsPerSecond('native', seconds);
  const wasm = await verificationsPerSecond('wasm', seconds);
  const report = {
    rigs: rigCount,
    answerMs: {
      n: latencies.length,
      p50: Math.round(median(latencies)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(Math.max(...latencies)),
      /** In the order measured: the first share also waits for the gateway's verifier to build the seed's cache. */
      all: latencies.map(Math.round),
    },
    refused,
    verificationsPerSecond: { native, wasm },
    rigsPerGateway: { native: native * RIG_SHARE_SECONDS, wasm: wasm * RIG_SHARE_SECONDS },
  };
  console.log(
    `share → answer: p50 ${report.answerMs.p50} ms, p99 ${report.answerMs.p99} ms, max ${report.answerMs.max} ms, ` +
      `the first ${report.answerMs.all[0]} ms (${latencies.length} accepted shares; refused: ${JSON.stringify(refused)})`,
  );
  for (const [kind, rate] of Object.entries(report.verificationsPerSecond)) {
    console.log(
      `verification (${kind}, light mode, one at a time): ${rate.toFixed(1)}/s, enough for ` +
        `${Math.floor(rate * RIG_SHARE_SECONDS)} rigs at one share per ${RIG_SHARE_SECONDS} s`,
    );
  }
  const out = join(repoRoot, 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'bench-rigs.json'), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  for (const rig of rigs) rig.close();
  engine.release();
  serve.child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}

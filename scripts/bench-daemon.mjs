// @ts-check
// Solo mining on a real regtest monerod: how fast a new chain tip reaches every peer, and how fast a candidate a
// peer finds reaches the daemon. `rxmesh serve --source daemon+http://…` and N `rxmesh host` peers (light mode, one
// thread each) run as separate processes; every figure comes from their --log-json lines (one clock: this machine).
//
// 1. Someone else's tip → the gateway's new job. A daemon at difficulty 1 and `rxmesh serve` with no miners; the
//    bench adds a block with generateblocks, and the gateway finds it by polling get_info (every 250 ms), and in a
//    second run also from monerod's ZMQ feed (--daemon-zmq-port), then asks get_block_template. From the moment the
//    bench's own get_info (every 5 ms) shows the new height to the gateway's "new job" line.
// 2. The cluster's own blocks, at a difficulty the hosts meet every few seconds. Per block: from the gateway's line
//    with the daemon's verdict to the gateway's next job, and to every host's first "mining nonces … of the job at height H" line
//    (the new tip → every peer mining, without the polling of 1); and from the finder's "found a candidate" line
//    to that verdict line (the mesh, the gateway's verification and submit_block), and submit_block alone.
// regtest cannot keep a chain across restarts, so phase 1 cannot reuse phase 2's daemon at another difficulty.
// Run after `npm run build`: node scripts/bench-daemon.mjs [--hosts N] [--rounds R] [--blocks B] [--difficulty D]
import { parseArgs } from 'node:util';
import { median, percentile, startRxmesh, until } from './lib/bench-harness.mjs';
import { testingTool } from './lib/testing-tools.mjs';

/** @type {typeof import('../apps/host/testing/monerod.js')} */
const { REGTEST_WALLET, startMonerod } = await import(await testingTool('host/testing/monerod.js'));

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '20' },
    blocks: { type: 'string', default: '10' },
    difficulty: { type: 'string', default: '400' },
  },
});
const hostCount = Number(values.hosts);
const rounds = Number(values.rounds);
const blockCount = Number(values.blocks);
/** @type {import('node:child_process').ChildProcess[]} */
const children = [];

/** `rxmesh ARGS`, stopped with the others at the end of a phase. @param {string[]} args */
function start(args) {
  const started = startRxmesh(args);
  children.push(started.child);
  return started;
}

/** @param {number[]} values */
const summary = (values) => ({
  n: values.length,
  p50: Math.round(median(values)),
  p99: Math.round(percentile(values, 99)),
  max: Math.round(Math.max(...values)),
  /** In the order measured, for the record. */
  all: values.map(Math.round),
});

/** `rxmesh serve` on the daemon, and the hosts; resolves once every host mines. @param {URL} rpcUrl */
async function startCluster(rpcUrl) {
  const serve = start(
    ['serve', '--port', '0', '--bind', '127.0.0.1', '--source', `daemon+${rpcUrl}`].concat([
      '--wallet',
      REGTEST_WALLET,
    ]),
  );
  const url = await until('the serve URL', 30_000, () => /serving (http:\S+)/.exec(serve.stdout())?.[1]);
  const hosts = Array.from({ length: hostCount }, (_, index) =>
    start(['host', '--signal', url, '--mode', 'light', '--threads', '1', '--name', `host-${index + 1}`]),
  );
  await until('every host mining', 120_000, () =>
    hosts.every((host) => host.lines.some((line) => line.event === 'mining')) ? true : undefined,
  );
  return { serve, hosts };
}

async function stopAll() {
  for (const child of children.splice(0)) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

/**
 * Phase 1: blocks added by the bench, with no one mining; the gateway hears of them by polling, or also over ZMQ.
 * The tip's moment is when the bench's own get_info, every 5 ms while generateblocks runs, first shows it.
 * @param {boolean} zmq
 */
async function tipToJob(zmq) {
  const daemon = await startMonerod({ zmqPub: zmq });
  try {
    const zmqArgs = zmq ? ['--daemon-zmq-port', String(daemon.zmqPubPort)] : [];
    const serve = start(
      [
        'serve',
        '--port',
        '0',
        '--bind',
        '127.0.0.1',
        '--source',
        `daemon+${daemon.rpcUrl}`,
        '--wallet',
        REGTEST_WALLET,
      ].concat(zmqArgs),
    );
    await until('the first job', 30_000, () => serve.lines.find((line) => line.event === 'job'));
    /** @type {number[]} */ const toJob = [];
    for (let round = 0; round < rounds; round++) {
      const height = (await daemon.height()) + 1;
      const generating = daemon.generateBlocks(1);
      while ((await daemon.height()) < height) await new Promise((resolve) => setTimeout(resolve, 5));
      const tipAt = Date.now();
      await generating;
      const job = await until(`the gateway's job at height ${height}`, 15_000, () =>
        serve.lines.find((line) => line.event === 'job' && line.height === height),
      );
      toJob.push(job.time - tipAt);
      // Anywhere in the polling interval, not in step with it.
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 600));
    }
    return summary(toJob);
  } finally {
    await stopAll();
    await daemon.stop();
  }
}

/** Phase 2: blocks found by the hosts at a low difficulty. */
async function candidateToSubmit() {
  const daemon = await startMonerod({ fixedDifficulty: Number(values.difficulty) });
  try {
    const { serve, hosts } = await startCluster(daemon.rpcUrl);
    const verdicts = await until(`${blockCount} verdicts`, blockCount * 60_000, () => {
      const lines = serve.lines.filter((line) => line.event === 'sourceAccepted' || line.event === 'sourceRejected');
      return lines.length >= blockCount ? lines.slice(0, blockCount) : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the last block's next job reaches every host
    /** @type {number[]} */ const toVerdict = [];
    /** @type {number[]} */ const submitOnly = [];
    /** @type {number[]} */ const toNextJob = [];
    /** @type {number[]} */ const toEveryPeer = [];
    for (const verdict of verdicts) {
      const next = (verdict.height ?? 0) + 1;
      const job = serve.lines.find((line) => line.event === 'job' && line.height === next);
      const mining = hosts.map(
        (host) => host.lines.find((line) => line.event === 'mining' && line.height === next)?.time,
      );
      if (verdict.event === 'sourceAccepted' && job !== undefined) toNextJob.push(job.time - verdict.time);
      if (verdict.event === 'sourceAccepted' && mining.every((time) => time !== undefined)) {
        toEveryPeer.push(Math.max(.../** @type {number[]} */ (mining)) - verdict.time);
      }
      const found = hosts
        .flatMap((host) => host.lines)
        .find((line) => line.event === 'candidate' && line.nonce === verdict.nonce && line.height === verdict.height);
      if (found !== undefined) toVerdict.push(verdict.time - found.time);
      if (verdict.submitMs !== undefined) submitOnly.push(verdict.submitMs);
    }
    const accepted = verdicts.filter((line) => line.event === 'sourceAccepted').length;
    return {
      accepted,
      rejected: verdicts.length - accepted,
      toNextJob: summary(toNextJob),
      toEveryPeer: summary(toEveryPeer),
      toVerdict: summary(toVerdict),
      submit: summary(submitOnly),
    };
  } finally {
    await stopAll();
    await daemon.stop();
  }
}

try {
  const tip = await tipToJob(false);
  process.stderr.write(`someone else's tip → the gateway's new job, polling ${JSON.stringify(tip)} ms\n`);
  const tipZmq = await tipToJob(true);
  process.stderr.write(`someone else's tip → the gateway's new job, ZMQ ${JSON.stringify(tipZmq)} ms\n`);
  const own = await candidateToSubmit();
  process.stderr.write(`own block accepted → the gateway's next job ${JSON.stringify(own.toNextJob)} ms\n`);
  process.stderr.write(`own block accepted → every peer mining the next job ${JSON.stringify(own.toEveryPeer)} ms\n`);
  process.stderr.write(`candidate found → the daemon's verdict ${JSON.stringify(own.toVerdict)} ms\n`);
  process.stderr.write(`submit_block alone ${JSON.stringify(own.submit)} ms\n`);
  process.stdout.write(
    `${JSON.stringify({ hosts: hostCount, rounds, tipToJob: tip, tipToJobZmq: tipZmq, ownBlocks: own })}\n`,
  );
} finally {
  for (const child of children) child.kill('SIGKILL');
}

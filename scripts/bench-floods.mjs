// @ts-check
// Floods against a real `rxmesh serve` at full size, and what they cost its process: the hostile-peer suite's floods
// (apps/host/src/hostile.test.ts runs them smaller, or at these sizes where it can afford to), with the same tools
// (apps/host/testing/hostile.ts). One server on loopback, its gateway coordinating the demo chain; the floods
// run one after another:
// - 8,820 ANSWER and CANDIDATE frames for connections nobody offered (18 raw sockets of 490: within each one's burst);
// - 50,000 member statuses, each signed by a key of its own, through one link of a stranger that joined as a worker;
// - 1,500 silent ids registered in the room (25 loopback addresses), and a new peer joining among them;
// - 300 OFFERs with a real SDP (60 senders of 5), and a new peer joining right after.
// For each: the server's RSS and V8 heap from its /metrics, held before and after (read after a full collection, which
// the bench asks of the server's inspector on loopback) and at the peak (sampled every 100 ms, garbage included), the
// held growth against its bound, and what the server counted. The table goes to stdout, the figures to
// test-results/bench-floods.json; the exit code is 1 when a bound is not met.
// Run after `npm run build`: node scripts/bench-floods.mjs [--statuses N]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION } from '@rxmesh/core';
import { scheme } from '../apps/host/dist/keys.js';
import { Envelopes } from '../packages/core/dist/cluster/envelopes.js';
import { repoRoot, startRxmesh } from './lib/bench-harness.mjs';
import { testingTool } from './lib/testing-tools.mjs';

/** @type {typeof import('../apps/host/testing/hostile.js')} */
const {
  bulkKeys,
  getText,
  heldMemory,
  joinAsNewcomer,
  offerFrames,
  realOfferSdp,
  SocketFlood,
  Stranger,
  strangerInfo,
  strayFrames,
  until,
  watchMemory,
} = await import(await testingTool('host/testing/hostile.js'));

const { values } = parseArgs({ options: { statuses: { type: 'string', default: '50000' } } });
const statuses = Number(values.statuses);
if (!Number.isInteger(statuses) || statuses < 1) throw new Error('--statuses must be a positive integer.');
const ROOM = 'rxmesh';
const MiB = 1024 * 1024;

/** A free TCP port on loopback, for the server's inspector. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-bench-floods-'));
// The server runs with its inspector on loopback, so that memory is read after a full collection (what it holds)
// as well as at its peak (garbage included).
const inspectorPort = await freePort();
const nodeOptions = process.env.NODE_OPTIONS;
process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --inspect=127.0.0.1:${inspectorPort}`;
const serve = startRxmesh(['serve', '--port', '0', '--bind', '127.0.0.1', '--data-dir', join(scratch, 'serve')]);
if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = nodeOptions;
/** @type {{ destroy(): void }[]} */
const strangers = [];
try {
  const url = await until('the serve URL', 20_000, () => /serving (http:\S+)/.exec(serve.stdout())?.[1], 50);
  await until('the gateway to coordinate', 20_000, () =>
    serve.lines.some((line) => line.event === 'coordinator' && line.self) ? true : undefined,
  );
  const gatewayId = /** @type {string} */ (serve.lines.find((line) => line.peer !== undefined)?.peer);
  const clusterKey = JSON.parse(await getText(url, '/api/cluster')).key;
  const [{ webSocketDebuggerUrl }] = JSON.parse(await getText(`http://127.0.0.1:${inspectorPort}`, '/json/list'));
  const held = () => heldMemory(url, webSocketDebuggerUrl);
  const metrics = () => getText(url, '/metrics');
  /** A sample of /metrics: `name` with exactly `labels` (as Prometheus writes them), 0 when absent. */
  const sample = async (/** @type {string} */ name, labels = '') => {
    const escaped = `${name}${labels === '' ? '' : `{${labels}}`}`.replace(/[{}]/g, '\\$&');
    return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(await metrics())?.[1] ?? 0);
  };

  /** A new peer (a worker that does not mine) joins the cluster: how long until it is a member. */
  const newcomerJoinMs = async () => {
    const began = Date.now();
    const node = await joinAsNewcomer(url, ROOM, clusterKey);
    try {
      await until('the newcomer to be a member', 60_000, () => (node.snapshot().role === 'member' ? true : undefined));
      return Date.now() - began;
    } finally {
      await node.stop();
    }
  };

  /**
   * @typedef {import('../apps/host/testing/hostile.js').ServerMemory} ServerMemory
   * @typedef {{ rss: number, heap: number }} Bound growth the server may hold after a full collection, in MiB
   * @typedef {{ name: string, size: string, seconds: number, before: ServerMemory, peak: ServerMemory,
   *   after: ServerMemory, bound: Bound, met: boolean, counted: string }} Result
   */
  /** @type {Result[]} */
  const results = [];
  /**
   * Runs `flood` between two readings after a full collection, with the peak (garbage included) sampled meanwhile.
   * @param {string} name @param {string} size @param {Bound} bound
   * @param {() => Promise<string>} flood resolves with what the server counted
   */
  const measure = async (name, size, bound, flood) => {
    const before = await held();
    const watch = watchMemory(url);
    const began = Date.now();
    const counted = await flood();
    const seconds = (Date.now() - began) / 1000;
    await watch.stop();
    const after = await held();
    const met = (after.rss - before.rss) / MiB <= bound.rss && (after.heapUsed - before.heapUsed) / MiB <= bound.heap;
    results.push({ name, size, seconds, before, peak: { ...watch.peak }, after, bound, met, counted });
    console.log(`${name} (${size}): ${seconds.toFixed(1)} s; ${counted}`);
  };

  await measure('stray ANSWER/CANDIDATE', '8,820 frames', { rss: 4, heap: 2 }, async () => {
    const stray = await sample('rxmesh_signal_stray_frames_dropped_total');
    const flood = await SocketFlood.open({ httpUrl: url, room: ROOM, count: 18 });
    const sent = flood.send(() => strayFrames(gatewayId, 490));
    await until('every stray frame to be counted', 30_000, async () =>
      (await sample('rxmesh_signal_stray_frames_dropped_total')) >= stray + sent ? true : undefined,
    );
    const gatewayStray = await sample('rxmesh_mesh_link_events_total', 'event="strayFrames"');
    flood.close();
    return `${(await sample('rxmesh_signal_stray_frames_dropped_total')) - stray} dropped by signaling, ${gatewayStray} reached the gateway`;
  });

  await measure(
    'member statuses from many keys',
    `${statuses.toLocaleString('en')} statuses`,
    // A stranger's status is refused before its signature is checked, so no key is imported or cached for it.
    { rss: 16, heap: 4 },
    async () => {
      const refusedBefore = await sample('rxmesh_cluster_refused_total', 'reason="not-a-member"');
      const stranger = await Stranger.register(url, ROOM);
      strangers.push(stranger);
      const link = await stranger.link(gatewayId);
      const signer = new Envelopes(
        { scheme, identity: stranger.identity, cluster: clusterKey, credential: null },
        Date.now,
      );
      link.send(signer.hello(gatewayId, strangerInfo(stranger.id), null));
      link.send({ v: PROTOCOL_VERSION, type: 'join', orphan: false });
      const welcome = await link.next('a welcome', (message) => message.type === 'welcome', 10_000);
      const term = /** @type {number} */ (welcome.term);
      const keys = bulkKeys();
      for (let made = 0; made < statuses; made++) {
        const fake = keys.next();
        const info = strangerInfo(fake.id, { name: `fake-${made}` });
        const status = { v: PROTOCOL_VERSION, type: 'status', info, parent: stranger.id, children: 0 };
        const fakeSigner = new Envelopes(
          { scheme: keys.scheme, identity: fake, cluster: clusterKey, credential: null },
          Date.now,
        );
        link.send(fakeSigner.up(term, 1, /** @type {any} */ (status)));
        if (made % 500 === 499) await link.drain(512 * 1024, 120_000);
      }
      await until(
        'every status to be refused',
        300_000,
        async () =>
          (await sample('rxmesh_cluster_refused_total', 'reason="not-a-member"')) >= refusedBefore + statuses
            ? true
            : undefined,
        250,
      );
      const stats = JSON.parse(await getText(url, '/api/stats'));
      link.close();
      const refused = (await sample('rxmesh_cluster_refused_total', 'reason="not-a-member"')) - refusedBefore;
      return `${refused} refused (not a member); memberCount ${stats.memberCount}, /api/stats ${JSON.stringify(stats).length} bytes`;
    },
  );

  await measure('silent ids', '1,500 sockets', { rss: 16, heap: 4 }, async () => {
    const flood = await SocketFlood.open({ httpUrl: url, room: ROOM, count: 1_500, firstAddress: 10 });
    const listed = JSON.parse(await getText(url, `/peerjs/${ROOM}/peers`)).length;
    const joinMs = await newcomerJoinMs();
    const peers = await sample('rxmesh_signal_peers');
    flood.close();
    return `${peers} peers registered, ${listed} listed by discovery; a newcomer joined in ${joinMs} ms`;
  });

  await measure('OFFERs with a real SDP', '300 offers', { rss: 32, heap: 4 }, async () => {
    const reason = 'reason="negotiations_per_pair"';
    const linkEvent = (/** @type {string} */ event) => sample('rxmesh_mesh_link_events_total', `event="${event}"`);
    const [expired, refusedOffers, evictedOffers] = [
      await sample('rxmesh_signal_messages_expired_total', reason),
      await linkEvent('refusedOffers'),
      await linkEvent('evictedOffers'),
    ];
    const sdp = await realOfferSdp();
    const flood = await SocketFlood.open({ httpUrl: url, room: ROOM, count: 60, firstAddress: 40 });
    flood.send(() => offerFrames(gatewayId, sdp, 5));
    await until('signaling to refuse the 5th offer of each sender', 10_000, async () =>
      (await sample('rxmesh_signal_messages_expired_total', reason)) >= expired + 60 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Right after: the gateway still holds the connections the flood left opening (until their 10 s are up).
    const joinMs = await newcomerJoinMs();
    const refused = (await linkEvent('refusedOffers')) - refusedOffers;
    const evicted = (await linkEvent('evictedOffers')) - evictedOffers;
    flood.close();
    const perPair = (await sample('rxmesh_signal_messages_expired_total', reason)) - expired;
    return (
      `${perPair} refused by signaling (4 per pair); of the 240 relayed, ${refused} refused by the gateway's guard ` +
      `(2 opening per sender) and ${evicted} closed for newer ones (16 opening in all); a newcomer joined in ${joinMs} ms`
    );
  });

  const mib = (/** @type {number} */ bytes) => (bytes / MiB).toFixed(0);
  const growth = (/** @type {number} */ from, /** @type {number} */ to) =>
    `${to >= from ? '+' : ''}${((to - from) / MiB).toFixed(1)}`;
  console.log(
    '\n| flood | size | took | RSS held before → peak → held after (MiB) | V8 heap held before → peak → held after (MiB) | bound held (RSS, heap) | met | counted |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { name, size, seconds, before, peak, after, bound, met, counted } of results) {
    console.log(
      `| ${name} | ${size} | ${seconds.toFixed(1)} s ` +
        `| ${mib(before.rss)} → ${mib(peak.rss)} → ${mib(after.rss)} (${growth(before.rss, after.rss)}) ` +
        `| ${mib(before.heapUsed)} → ${mib(peak.heapUsed)} → ${mib(after.heapUsed)} (${growth(before.heapUsed, after.heapUsed)}) ` +
        `| +${bound.rss}, +${bound.heap} | ${met ? 'yes' : 'NO'} | ${counted} |`,
    );
  }
  mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(join(repoRoot, 'test-results/bench-floods.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (results.some((result) => !result.met)) process.exitCode = 1;
} finally {
  for (const stranger of strangers) stranger.destroy();
  serve.child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}
// wrtc's threads keep the process alive after its peers are gone.
process.exit();

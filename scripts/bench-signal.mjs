// @ts-check
// How many PeerJS sockets signaling server processes hold, and what each costs. Each server runs in a child process
// on 127.0.0.1 (with --servers N > 1, all on one redis-server of Debian's, sharing one cluster); client processes open
// N WebSocket sessions as the peerjs client does (key = room, id, token, version; OPEN awaited; HEARTBEAT every 5 s),
// spread over the servers, and hold them. Each server's RSS idle and loaded, both after a full GC, gives the memory
// per socket; /metrics confirms that every socket is registered (and, with several servers, known to the others).
// With --relay, it measures instead how long a relayed frame takes between two peers on one server and between
// peers on two servers.
// Usage: npm run bench:signal [-- --sockets 10000 --room-size 1000 --hold 30 --servers 3]
//        npm run bench:signal -- --relay [--pairs 20 --messages 200] (after npm run build)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { testingTool } from './lib/testing-tools.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const HEARTBEAT_MS = 5_000; // the peerjs client's pingInterval
const SOCKETS_PER_CLIENT_PROCESS = 5_000;
const CONNECTING_AT_ONCE = 200;

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    sockets: { type: 'string', default: '10000' },
    'room-size': { type: 'string', default: '1000' },
    hold: { type: 'string', default: '30' },
    servers: { type: 'string', default: '1' },
    relay: { type: 'boolean', default: false },
    pairs: { type: 'string', default: '20' },
    messages: { type: 'string', default: '200' },
    redis: { type: 'string' },
    port: { type: 'string' },
    ports: { type: 'string' },
    first: { type: 'string' },
    count: { type: 'string' },
  },
});

/** One JSON object per line on stdout: how the processes of this benchmark talk to each other. */
function say(/** @type {object} */ message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Starts a role of this script in a child process, with its file-descriptor limit raised to the hard limit. */
function startRole(/** @type {string[]} */ args, /** @type {string[]} */ nodeFlags = []) {
  const command = ['ulimit -n "$(ulimit -Hn)"', 'exec "$@"'].join(' && ');
  const child = spawn(
    '/bin/sh',
    ['-c', command, 'sh', process.execPath, ...nodeFlags, fileURLToPath(import.meta.url), ...args],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    /** The next message from the child. */
    next: async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`The benchmark's ${args[1]} process ended early (exit code ${child.exitCode}).`);
      return JSON.parse(value);
    },
    /** @param {object} message */
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
  };
}

async function serverRole() {
  const { buildServer, DEFAULT_LIMITS, RedisBus } = await import('../apps/signal/dist/index.js');
  const sockets = Number(values.sockets);
  const silent = { info: () => {}, error: () => {} };
  const bus = values.redis === undefined ? undefined : await RedisBus.open(values.redis, 'bench', silent);
  const app = await buildServer({
    ...(bus === undefined ? {} : { bus }),
    // Every client socket comes from 127.0.0.1 here, where a real crowd comes from many addresses.
    limits: {
      maxPeers: Math.max(DEFAULT_LIMITS.maxPeers, sockets),
      maxPeersPerRoom: Number(values['room-size']),
      maxSocketsPerAddress: sockets,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = /** @type {import('node:net').AddressInfo} */ (app.server.address());
  const fdLimit = await shellOutput('ulimit -n');
  say({ port, fdLimit: Number(fdLimit) });
  for await (const line of createInterface({ input: process.stdin })) {
    if (JSON.parse(line).request !== 'memory') continue;
    // Two collections: the first can leave work (weak references, finalizers) for the second.
    globalThis.gc?.();
    globalThis.gc?.();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const { peerCount: peers, remotePeerCount: remotePeers } = app.signaling;
    say({ rss, peakRss, heapUsed, external, arrayBuffers, peers, remotePeers });
  }
  await app.close();
  await bus?.close();
}

/** A CANDIDATE frame whose candidate line carries `seq`, so that the receiver knows which send it answers. */
function numberedCandidate(/** @type {string} */ dst, /** @type {number} */ seq) {
  const candidate = `candidate:1 1 udp 2122260223 192.0.2.1 ${seq} typ host`;
  return JSON.stringify({
    type: 'CANDIDATE',
    dst,
    payload: { candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 }, type: 'data', connectionId: 'dc_bench' },
  });
}

/**
 * Pairs of peers, each pair's sender and receiver on the same server or on two: every sender opens a negotiation
 * (OFFER), then sends numbered CANDIDATE frames at 10 per second; the receiver notes when each arrives.
 */
async function relayRole() {
  const { WebSocket } = await import('ws');
  const [portA = 0, portB = 0] = String(values.ports).split(',').map(Number);
  const pairs = Number(values.pairs);
  const messages = Number(values.messages);
  const join = (/** @type {number} */ port, /** @type {string} */ id) =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(
        `ws://127.0.0.1:${port}/peerjs/peerjs?key=relay&id=${id}&token=t-${id}&version=1.5.5`,
      );
      socket.once('message', (data) =>
        JSON.parse(String(data)).type === 'OPEN' ? resolve(socket) : reject(new Error(String(data))),
      );
      socket.once('error', reject);
    });
  /** @type {{ kind: string, latencies: number[], lost: number }[]} */
  const results = [];
  for (const kind of ['same server', 'two servers']) {
    const receiverPort = kind === 'same server' ? portA : portB;
    const links = [];
    for (let pair = 0; pair < pairs; pair++) {
      const from = `${kind[0]}-from-${pair}`;
      const to = `${kind[0]}-to-${pair}`;
      const sender = /** @type {import('ws').WebSocket} */ (await join(portA, from));
      const receiver = /** @type {import('ws').WebSocket} */ (await join(receiverPort, to));
      /** @type {Map<number, number>} */
      const arrived = new Map();
      const offered = new Promise((resolve) => {
        receiver.on('message', (data) => {
          const frame = JSON.parse(String(data));
          if (frame.type === 'OFFER') resolve(undefined);
          const seq = /192\.0\.2\.1 (\d+) typ/.exec(frame.payload?.candidate?.candidate ?? '')?.[1];
          if (frame.type === 'CANDIDATE' && seq !== undefined) arrived.set(Number(seq), performance.now());
        });
      });
      links.push({ from, to, sender, receiver, arrived, offered, sent: new Map() });
    }
    // Both servers hear of every peer before the first frame.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const link of links) {
      link.sender.send(
        JSON.stringify({
          type: 'OFFER',
          dst: link.to,
          payload: {
            sdp: { type: 'offer', sdp: 'v=0' },
            type: 'data',
            connectionId: 'dc_bench',
            label: 'dc_bench',
            reliable: true,
            serialization: 'raw',
          },
        }),
      );
    }
    await Promise.all(links.map((link) => link.offered));
    for (let seq = 0; seq < messages; seq++) {
      for (const link of links) {
        link.sent.set(seq, performance.now());
        link.sender.send(numberedCandidate(link.to, seq));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const latencies = [];
    let lost = 0;
    for (const link of links) {
      for (const [seq, sentAt] of link.sent) {
        const at = link.arrived.get(seq);
        if (at === undefined) lost++;
        else latencies.push(at - sentAt);
      }
      link.sender.terminate();
      link.receiver.terminate();
    }
    results.push({ kind, latencies, lost });
  }
  say({ results });
}

async function clientsRole() {
  const { WebSocket } = await import('ws');
  const port = Number(values.port);
  const first = Number(values.first);
  const count = Number(values.count);
  const roomSize = Number(values['room-size']);
  /** @type {import('ws').WebSocket[]} */
  const sockets = [];
  let failures = 0;
  const open = (/** @type {number} */ n) =>
    new Promise((resolve) => {
      const query = `key=bench-${Math.floor(n / roomSize)}&id=peer-${n}&token=token${n}&version=1.5.5`;
      const socket = new WebSocket(`ws://127.0.0.1:${port}/peerjs/peerjs?${query}`);
      socket.once('message', (data) => {
        if (JSON.parse(String(data)).type === 'OPEN') sockets.push(socket);
        else failures++;
        resolve(undefined);
      });
      socket.once('error', () => {
        failures++;
        resolve(undefined);
      });
    });
  for (let n = first; n < first + count; n += CONNECTING_AT_ONCE) {
    const batch = [];
    for (let m = n; m < Math.min(n + CONNECTING_AT_ONCE, first + count); m++) batch.push(open(m));
    await Promise.all(batch);
  }
  // Every socket sends HEARTBEAT once per 5 s, spread over the interval as real clients are.
  const ticksPerBeat = 5;
  let tick = 0;
  const heartbeat = JSON.stringify({ type: 'HEARTBEAT' });
  const beats = setInterval(() => {
    for (let index = tick % ticksPerBeat; index < sockets.length; index += ticksPerBeat) {
      if (sockets[index]?.readyState === WebSocket.OPEN) sockets[index]?.send(heartbeat);
    }
    tick++;
  }, HEARTBEAT_MS / ticksPerBeat);
  let closedByServer = 0;
  for (const socket of sockets) socket.once('close', () => closedByServer++);
  say({ opened: sockets.length, failures });
  for await (const line of createInterface({ input: process.stdin })) {
    if (JSON.parse(line).request !== 'status') continue;
    say({ open: sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length, closedByServer });
  }
  clearInterval(beats);
  for (const socket of sockets) socket.terminate();
}

/** @param {string} command */
function shellOutput(command) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`${command} failed`))));
  });
}

const MiB = 1024 * 1024;

/** The signaling servers, on one redis-server when there are several; `stop()` ends them and Redis. */
async function startServers(/** @type {number} */ count, /** @type {string[]} */ common) {
  /** @type {{ url: string, remove(): Promise<void> } | undefined} */
  let redis;
  if (count > 1) {
    /** @type {typeof import('../apps/signal/testing/redis.js')} */
    const { startRedis } = await import(await testingTool('signal/testing/redis.js'));
    redis = await startRedis();
  }
  /** @type {(ReturnType<typeof startRole> & { port: number, fdLimit: number })[]} */
  const servers = [];
  for (let index = 0; index < count; index++) {
    const bus = redis === undefined ? [] : ['--redis', redis.url];
    const server = startRole(['--role', 'server', ...common, ...bus], ['--expose-gc']);
    const { port, fdLimit } = await server.next();
    servers.push({ ...server, port, fdLimit });
  }
  const stop = async () => {
    for (const server of servers) server.child.stdin.end();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.child.once('exit', resolve))));
    await redis?.remove();
  };
  return { servers, stop };
}

function percentile(/** @type {number[]} */ sorted, /** @type {number} */ p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function relayMain() {
  const { servers, stop } = await startServers(2, ['--sockets', '1000', '--room-size', '1000']);
  const client = startRole([
    '--role',
    'relay',
    '--ports',
    servers.map((server) => server.port).join(','),
    '--pairs',
    String(values.pairs),
    '--messages',
    String(values.messages),
  ]);
  const { results } = await client.next();
  client.child.stdin.end();
  await stop();
  /** @type {{ kind: string, latencies: number[], lost: number }[]} */
  const measured = results;
  const summary = measured.map((result) => {
    const sorted = [...result.latencies].sort((a, b) => a - b);
    return {
      kind: result.kind,
      frames: sorted.length,
      lost: result.lost,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1),
    };
  });
  process.stdout.write('\nrelay latency of a CANDIDATE frame, sender to receiver\n');
  for (const row of summary) {
    process.stdout.write(
      `  ${row.kind.padEnd(12)} ${row.frames} frames, ${row.lost} lost: p50 ${row.p50Ms.toFixed(2)} ms, ` +
        `p99 ${row.p99Ms.toFixed(2)} ms, max ${row.maxMs?.toFixed(2)} ms\n`,
    );
  }
  const reportDir = join(repoRoot, 'test-results');
  mkdirSync(reportDir, { recursive: true });
  const report = { pairs: Number(values.pairs), messages: Number(values.messages), summary, node: process.version };
  writeFileSync(join(reportDir, 'bench-signal-relay.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
  if (summary.some((row) => row.lost > 0)) process.exitCode = 1;
}

async function main() {
  const sockets = Number(values.sockets);
  const roomSize = Number(values['room-size']);
  const holdSeconds = Number(values.hold);
  const serverCount = Number(values.servers);
  if (!Number.isInteger(sockets) || sockets < 1) throw new Error('--sockets must be a positive integer.');
  if (!Number.isInteger(roomSize) || roomSize < 1) throw new Error('--room-size must be a positive integer.');
  if (!(holdSeconds >= 0)) throw new Error('--hold must be a number of seconds, 0 or more.');
  if (!Number.isInteger(serverCount) || serverCount < 1) throw new Error('--servers must be a positive integer.');
  const common = ['--sockets', String(sockets), '--room-size', String(roomSize)];

  const { servers, stop } = await startServers(serverCount, common);
  const socketsPerServer = Math.ceil(sockets / serverCount);
  for (const server of servers) {
    if (server.fdLimit < socketsPerServer + 100) {
      throw new Error(
        `A server may open ${server.fdLimit} files, too few for ${socketsPerServer} sockets; raise the hard limit ` +
          '(ulimit -Hn).',
      );
    }
  }
  /** @type {{ rss: number, heapUsed: number, peakRss: number, peers: number, remotePeers: number }[]} */
  const idle = [];
  for (const server of servers) {
    server.send({ request: 'memory' });
    idle.push(await server.next());
  }

  const clients = [];
  const began = Date.now();
  // Each client process connects to one server, in turn.
  for (let first = 0, index = 0; first < sockets; first += SOCKETS_PER_CLIENT_PROCESS, index++) {
    const count = Math.min(SOCKETS_PER_CLIENT_PROCESS, sockets - first);
    const port = servers[index % servers.length]?.port;
    clients.push(
      startRole([
        '--role',
        'clients',
        ...common,
        '--port',
        String(port),
        '--first',
        String(first),
        '--count',
        String(count),
      ]),
    );
  }
  const opened = await Promise.all(clients.map((client) => client.next()));
  const openSeconds = (Date.now() - began) / 1000;
  const openedTotal = opened.reduce((sum, { opened }) => sum + opened, 0);
  const failures = opened.reduce((sum, { failures }) => sum + failures, 0);
  process.stdout.write(
    `opened ${openedTotal} of ${sockets} sockets in ${openSeconds.toFixed(1)} s; holding ${holdSeconds} s\n`,
  );

  await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
  /** @type {typeof idle} */
  const loaded = [];
  /** @type {number[]} */
  const peersInMetrics = [];
  /** @type {number[]} */
  const remoteInMetrics = [];
  for (const server of servers) {
    server.send({ request: 'memory' });
    loaded.push(await server.next());
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    peersInMetrics.push(Number(/^rxmesh_signal_peers (\d+)$/m.exec(metrics)?.[1]));
    remoteInMetrics.push(Number(/^rxmesh_signal_remote_peers (\d+)$/m.exec(metrics)?.[1]));
  }
  for (const client of clients) client.send({ request: 'status' });
  const statuses = await Promise.all(clients.map((client) => client.next()));
  const stillOpen = statuses.reduce((sum, { open }) => sum + open, 0);

  for (const client of clients) client.child.stdin.end();
  await stop();

  const registered = loaded.reduce((sum, { peers }) => sum + peers, 0);
  const perServer = loaded.map((memory, index) => {
    const before = idle[index] ?? memory;
    return {
      peers: memory.peers,
      remotePeers: memory.remotePeers,
      peersInMetrics: peersInMetrics[index],
      remotePeersInMetrics: remoteInMetrics[index],
      idleRssMiB: before.rss / MiB,
      loadedRssMiB: memory.rss / MiB,
      peakRssMiB: memory.peakRss / MiB,
      rssPerSocketKiB: (memory.rss - before.rss) / memory.peers / 1024,
      heapPerSocketKiB: (memory.heapUsed - before.heapUsed) / memory.peers / 1024,
    };
  });
  const totalRssGrowth = loaded.reduce((sum, memory, index) => sum + memory.rss - (idle[index]?.rss ?? memory.rss), 0);
  const result = {
    servers: serverCount,
    sockets,
    rooms: Math.ceil(sockets / roomSize),
    clientProcesses: clients.length,
    opened: openedTotal,
    failures,
    openSeconds,
    holdSeconds,
    heartbeatsPerSecond: Math.round((stillOpen * 1000) / HEARTBEAT_MS),
    registered,
    stillOpen,
    perServer,
    rssPerSocketKiB: totalRssGrowth / registered / 1024,
    node: process.version,
  };
  const row = (/** @type {string} */ name, /** @type {string} */ value) =>
    process.stdout.write(`  ${name.padEnd(44)} ${value}\n`);
  process.stdout.write(`\nsignaling, ${serverCount} server process${serverCount > 1 ? 'es on one Redis' : ''}\n`);
  row('sockets registered (servers) / open (clients)', `${registered} / ${stillOpen}`);
  row('failed to open', String(failures));
  perServer.forEach((server, index) => {
    row(
      `server ${index + 1}: peers own / others' (metrics)`,
      `${server.peersInMetrics} / ${server.remotePeersInMetrics}`,
    );
    row(
      `server ${index + 1}: RSS idle -> loaded (after GC)`,
      `${server.idleRssMiB.toFixed(1)} -> ${server.loadedRssMiB.toFixed(1)} MiB (peak ${server.peakRssMiB.toFixed(1)})`,
    );
    row(`server ${index + 1}: RSS per own socket`, `${server.rssPerSocketKiB.toFixed(2)} KiB`);
  });
  row('RSS growth of all servers per socket', `${result.rssPerSocketKiB.toFixed(2)} KiB`);
  const reportDir = join(repoRoot, 'test-results');
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, `bench-signal-${serverCount}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  const everyoneKnown = perServer.every((server) => server.peers + server.remotePeers === sockets);
  if (registered !== sockets || stillOpen !== sockets || !everyoneKnown) process.exitCode = 1;
}

if (values.role === 'server') await serverRole();
else if (values.role === 'clients') await clientsRole();
else if (values.role === 'relay') await relayRole();
else if (values.relay) await relayMain();
else await main();

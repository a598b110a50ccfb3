// @ts-check
// How many PeerJS sockets one signaling server process holds, and what each costs. The server runs in a child
// process on 127.0.0.1; client processes open N WebSocket sessions as the peerjs client does (key = room, id,
// token, version; OPEN awaited; HEARTBEAT every 5 s) and hold them. The server's RSS idle and loaded, both after a
// full GC, gives the memory per socket; /metrics confirms that every socket is registered at the end of the hold.
// Usage: npm run bench:signal [-- --sockets 10000 --room-size 1000 --hold 30] (after npm run build)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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
    port: { type: 'string' },
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
  const { buildServer, DEFAULT_LIMITS } = await import('../apps/signal/dist/index.js');
  const sockets = Number(values.sockets);
  const app = await buildServer({
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
    say({ rss, peakRss, heapUsed, external, arrayBuffers, peers: app.signaling.peerCount });
  }
  await app.close();
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

async function main() {
  const sockets = Number(values.sockets);
  const roomSize = Number(values['room-size']);
  const holdSeconds = Number(values.hold);
  if (!Number.isInteger(sockets) || sockets < 1) throw new Error('--sockets must be a positive integer.');
  if (!Number.isInteger(roomSize) || roomSize < 1) throw new Error('--room-size must be a positive integer.');
  if (!(holdSeconds >= 0)) throw new Error('--hold must be a number of seconds, 0 or more.');
  const common = ['--sockets', String(sockets), '--room-size', String(roomSize)];

  const server = startRole(['--role', 'server', ...common], ['--expose-gc']);
  const { port, fdLimit } = await server.next();
  if (fdLimit < sockets + 100) {
    throw new Error(
      `The server may open ${fdLimit} files, too few for ${sockets} sockets; raise the hard limit (ulimit -Hn).`,
    );
  }
  server.send({ request: 'memory' });
  const idle = await server.next();

  const clients = [];
  const began = Date.now();
  for (let first = 0; first < sockets; first += SOCKETS_PER_CLIENT_PROCESS) {
    const count = Math.min(SOCKETS_PER_CLIENT_PROCESS, sockets - first);
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
  server.send({ request: 'memory' });
  const loaded = await server.next();
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const peersInMetrics = Number(/^rxmesh_signal_peers (\d+)$/m.exec(metrics)?.[1]);
  for (const client of clients) client.send({ request: 'status' });
  const statuses = await Promise.all(clients.map((client) => client.next()));
  const stillOpen = statuses.reduce((sum, { open }) => sum + open, 0);

  for (const client of clients) client.child.stdin.end();
  server.child.stdin.end();

  const perSocketBytes = (loaded.rss - idle.rss) / loaded.peers;
  const result = {
    sockets,
    rooms: Math.ceil(sockets / roomSize),
    clientProcesses: clients.length,
    opened: openedTotal,
    failures,
    openSeconds,
    holdSeconds,
    heartbeatsPerSecond: Math.round((stillOpen * 1000) / HEARTBEAT_MS),
    peersInMetrics,
    stillOpen,
    idleRssMiB: idle.rss / MiB,
    loadedRssMiB: loaded.rss / MiB,
    peakRssMiB: loaded.peakRss / MiB,
    loadedHeapUsedMiB: loaded.heapUsed / MiB,
    rssPerSocketKiB: perSocketBytes / 1024,
    heapPerSocketKiB: (loaded.heapUsed - idle.heapUsed) / loaded.peers / 1024,
    projectedRssMiBAt10k: (idle.rss + perSocketBytes * 10_000) / MiB,
    node: process.version,
  };
  const row = (/** @type {string} */ name, /** @type {string} */ value) =>
    process.stdout.write(`  ${name.padEnd(44)} ${value}\n`);
  process.stdout.write('\nsignaling server, one process\n');
  row('sockets registered (server) / open (clients)', `${loaded.peers} / ${stillOpen}`);
  row('rxmesh_signal_peers after the hold', String(peersInMetrics));
  row('failed to open', String(failures));
  row('RSS idle -> loaded (after GC)', `${result.idleRssMiB.toFixed(1)} -> ${result.loadedRssMiB.toFixed(1)} MiB`);
  row('peak RSS of the server process', `${result.peakRssMiB.toFixed(1)} MiB`);
  row('RSS per socket', `${result.rssPerSocketKiB.toFixed(2)} KiB`);
  row('JS heap per socket', `${result.heapPerSocketKiB.toFixed(2)} KiB`);
  row('projected RSS at 10,000 sockets', `${result.projectedRssMiBAt10k.toFixed(0)} MiB`);
  const reportDir = join(repoRoot, 'test-results');
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, 'bench-signal.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  if (loaded.peers !== sockets || stillOpen !== sockets) process.exitCode = 1;
}

if (values.role === 'server') await serverRole();
else if (values.role === 'clients') await clientsRole();
else await main();

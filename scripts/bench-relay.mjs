// @ts-check
// What a TURN relay costs a cluster link, on network namespaces with NAT routers (apps/host/testing/nat.ts) and
// Debian's coturn on the public host (apps/host/testing/coturn.ts). Two @roamhq/wrtc peers, each a child process in
// a namespace of its own, open one reliable, ordered data channel, as cluster links are; the peer in home A measures
// the round-trip time of 200 pings of 64 bytes, one at a time, and the throughput of 16 MiB sent in 16 KiB messages.
// Three links, measured in the same run:
// - not relayed: home A (cone NAT) and the public host, with STUN only;
// - TURN-relayed: home A and home B (symmetric NAT), with the TURN server only; the two routers leave no direct path;
// - relay forced: home A and the public host again, the public host's peer limited to relay candidates, so the first
//   link's path goes through coturn. (Forcing home A instead cannot work here: coturn must not relay to its own
//   address, so a relay candidate of home A never reaches the public host.)
// The parent passes the offer, the answer and the candidates between the two children as JSON lines on their stdin
// and stdout. Each peer reports the candidate pair it selected, so the table shows which path was measured. The
// table goes to stdout, the figures to test-results/bench-relay.json.
// Run as root after `npm run build`: node scripts/bench-relay.mjs
// The same file is the peer: node scripts/bench-relay.mjs --peer offer|answer '<RTCConfiguration as JSON>'
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { turnCredentials } from '../apps/signal/dist/ice/turn-credentials.js';
import { percentile, repoRoot } from './lib/bench-harness.mjs';
import { testingTool } from './lib/testing-tools.mjs';

const PINGS = 200;
const PING_BYTES = 64;
const BULK_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024;
/** The sender keeps at most this much queued in the channel, and refills once it is down to the low mark. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;
const OPEN_TIMEOUT_MS = 30_000;
const PONG_TIMEOUT_MS = 5_000;
const BULK_TIMEOUT_MS = 120_000;
/** A peer exits by itself after this long, whatever happens to its parent. */
const PEER_TIMEOUT_MS = 180_000;
/** How long the parent waits for one link's figures before it kills both peers. */
const LINK_TIMEOUT_MS = 200_000;
const TURN_SECRET = 'bench-relay-secret';

/**
 * @typedef {{ description: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit }} Signal
 * @typedef {{ type: string, address: string, port: number, protocol: string, relayProtocol?: string }} Candidate
 * @typedef {{ local: Candidate, remote: Candidate }} Path the candidate pair a peer selected
 * @typedef {{ rttMs: number[], bulkBytes: number, bulkSeconds: number }} Figures
 * @typedef {{ signal: Signal } | { path: Path } | { figures: Figures }} PeerReport one line of a peer's stdout
 */

/** `promise`, or a rejection naming `what` after `ms`. @template T @param {Promise<T>} promise */
function within(promise, /** @type {number} */ ms, /** @type {string} */ what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Waited ${ms} ms for ${what}.`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, expired]).finally(() => clearTimeout(timer)));
}

/** The candidate pair `connection` is using, from its stats. @param {RTCPeerConnection} connection */
async function selectedPath(connection) {
  /** @type {any[]} */
  const stats = [];
  (await connection.getStats()).forEach((entry) => {
    stats.push(entry);
  });
  const transport = stats.find((entry) => entry.type === 'transport' && entry.selectedCandidatePairId);
  const pair = stats.find((entry) => entry.id === transport?.selectedCandidatePairId);
  if (pair === undefined) throw new Error('The channel is open but its stats show no selected candidate pair.');
  /** @returns {Candidate} */
  const candidate = (/** @type {string} */ id) => {
    const found = stats.find((entry) => entry.id === id);
    return {
      type: found?.candidateType,
      // libwebrtc leaves a remote peer-reflexive candidate's address empty.
      address: found?.address,
      port: found?.port,
      protocol: found?.protocol,
      ...(found?.relayProtocol ? { relayProtocol: found.relayProtocol } : {}),
    };
  };
  return { local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) };
}

/**
 * One peer of a link, run in a namespace: signals on stdin and stdout, then, as the offerer, the measurements; the
 * answerer echoes pings and acknowledges the bulk. Exits when done, when stdin closes, or at its deadline.
 * @param {'offer' | 'answer'} role
 * @param {RTCConfiguration} configuration
 */
async function runPeer(role, configuration) {
  const fail = (/** @type {unknown} */ error) => {
    console.error(`The ${role} peer failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  };
  setTimeout(() => fail(new Error(`it gave up after ${PEER_TIMEOUT_MS} ms`)), PEER_TIMEOUT_MS);
  const report = (/** @type {PeerReport} */ message) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const { default: wrtc } = await import('@roamhq/wrtc');
  const connection = new wrtc.RTCPeerConnection(configuration);
  connection.onicecandidate = ({ candidate }) => {
    if (candidate) report({ signal: { candidate: candidate.toJSON() } });
  };

  // Candidates can come before the description they belong to: they wait for it.
  /** @type {RTCIceCandidateInit[]} */
  const early = [];
  const receive = async (/** @type {Signal} */ signal) => {
    if ('candidate' in signal) {
      if (connection.remoteDescription === null) early.push(signal.candidate);
      else await connection.addIceCandidate(signal.candidate);
      return;
    }
    await connection.setRemoteDescription(signal.description);
    for (const candidate of early.splice(0)) await connection.addIceCandidate(candidate);
    if (signal.description.type === 'offer') {
      await connection.setLocalDescription(await connection.createAnswer());
      const { type, sdp } = /** @type {RTCSessionDescription} */ (connection.localDescription);
      report({ signal: { description: { type, sdp } } });
    }
  };
  let received = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    received = received.then(() => receive(JSON.parse(line))).catch(fail);
  });
  // The parent is done with this peer, or gone.
  lines.on('close', () => process.exit(0));

  if (role === 'answer') {
    connection.ondatachannel = ({ channel }) => {
      channel.binaryType = 'arraybuffer';
      let expected = 0;
      let bulkReceived = 0;
      channel.onmessage = ({ data }) => {
        if (typeof data === 'string') {
          expected = Number(data.slice('bulk:'.length));
          bulkReceived = 0;
        } else if (expected === 0) {
          channel.send(data);
        } else {
          bulkReceived += data.byteLength;
          if (bulkReceived >= expected) {
            channel.send('received');
            expected = 0;
          }
        }
      };
      selectedPath(connection)
        .then((path) => report({ path }))
        .catch(fail);
    };
    return;
  }

  const channel = connection.createDataChannel('bench', { ordered: true });
  channel.binaryType = 'arraybuffer';
  /** @type {((data: string | ArrayBuffer) => void) | undefined} */
  let replied;
  channel.onmessage = ({ data }) => replied?.(data);
  const reply = (/** @type {string} */ what, /** @type {number} */ ms) =>
    within(
      /** @type {Promise<string | ArrayBuffer>} */ (
        new Promise((resolve) => {
          replied = resolve;
        })
      ),
      ms,
      what,
    );
  const opened = new Promise((resolve) => {
    channel.onopen = resolve;
  });
  try {
    await connection.setLocalDescription(await connection.createOffer());
    const { type, sdp } = /** @type {RTCSessionDescription} */ (connection.localDescription);
    report({ signal: { description: { type, sdp } } });
    await within(opened, OPEN_TIMEOUT_MS, 'the data channel to open');
    report({ path: await selectedPath(connection) });

    /** @type {number[]} */
    const rttMs = [];
    const ping = new Uint8Array(PING_BYTES);
    for (let index = 0; index < PINGS; index++) {
      const pong = reply(`pong ${index + 1}`, PONG_TIMEOUT_MS);
      const sent = performance.now();
      channel.send(ping);
      const data = await pong;
      rttMs.push(performance.now() - sent);
      if (typeof data === 'string' || data.byteLength !== PING_BYTES)
        throw new Error(`pong ${index + 1} is not an echo`);
    }

    const acknowledged = reply('the receiver to acknowledge the bulk', BULK_TIMEOUT_MS);
    const deadline = performance.now() + BULK_TIMEOUT_MS;
    const chunk = new Uint8Array(CHUNK_BYTES);
    const began = performance.now();
    channel.send(`bulk:${BULK_BYTES}`);
    for (let sent = 0; sent < BULK_BYTES; sent += CHUNK_BYTES) {
      // wrtc's channel has no bufferedamountlow event: the sender polls the queue instead.
      if (channel.bufferedAmount > HIGH_WATER_BYTES - CHUNK_BYTES) {
        while (channel.bufferedAmount > LOW_WATER_BYTES) {
          if (performance.now() > deadline) throw new Error(`the bulk did not drain within ${BULK_TIMEOUT_MS} ms`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      channel.send(chunk);
    }
    await acknowledged;
    report({ figures: { rttMs, bulkBytes: BULK_BYTES, bulkSeconds: (performance.now() - began) / 1000 } });
    process.exit(0);
  } catch (error) {
    fail(error);
  }
}

async function bench() {
  /** @type {typeof import('../apps/host/testing/namespaces.js')} */
  const { namespacesUnavailable } = await import(await testingTool('host/testing/namespaces.js'));
  const unavailable = namespacesUnavailable();
  if (unavailable !== undefined) {
    console.error(
      `This bench needs network namespaces, but ${unavailable}. Run it as root on Linux (in a container, one that ` +
        'may make network namespaces).',
    );
    process.exit(1);
  }
  /** @type {typeof import('../apps/host/testing/nat.js')} */
  const { NatLayout } = await import(await testingTool('host/testing/nat.js'));
  /** @type {typeof import('../apps/host/testing/coturn.js')} */
  const { startCoturn } = await import(await testingTool('host/testing/coturn.js'));

  /** @type {Set<import('node:child_process').ChildProcess>} */
  const children = new Set();
  /** @type {import('../apps/host/testing/nat.js').NatLayout | undefined} */
  let layout;
  /** @type {import('../apps/host/testing/coturn.js').Coturn | undefined} */
  let coturn;
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const child of children) child.kill('SIGKILL');
    await coturn?.stop();
    layout?.remove();
  };
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, () => {
      cleanUp().finally(() => process.exit(128 + constants.signals[signal]));
    });
  }

  /**
   * Starts the peer `role` on `host`: its process, and what it printed on stderr so far.
   * @param {import('../apps/host/testing/namespaces.js').Host} host
   * @param {'offer' | 'answer'} role
   * @param {RTCConfiguration} configuration
   */
  const startPeer = (host, role, configuration) => {
    const [program = 'ip', ...args] = [
      ...host.launcher,
      process.execPath,
      fileURLToPath(import.meta.url),
      '--peer',
      role,
      JSON.stringify(configuration),
    ];
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    // A write to a peer that has exited fails; its exit is what reports the failure.
    child.stdin.on('error', () => {});
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    return { role, host, child, stderr: () => stderr.trim() };
  };

  /**
   * @typedef {{ name: string, from: import('../apps/host/testing/namespaces.js').Host,
   *   to: import('../apps/host/testing/namespaces.js').Host, fromConfiguration: RTCConfiguration,
   *   toConfiguration: RTCConfiguration }} Link
   * @typedef {{ name: string, homeAPath: Path, otherPath: Path, rttP50Ms: number, rttP99Ms: number,
   *   megabytesPerSecond: number, figures: Figures } | { name: string, error: string }} Result
   */

  /** Runs one link to its figures; both peers are gone when it returns. @param {Link} link @returns {Promise<Result>} */
  const measureLink = async (link) => {
    const offerer = startPeer(link.from, 'offer', link.fromConfiguration);
    const answerer = startPeer(link.to, 'answer', link.toConfiguration);
    /** @type {Path | undefined} */
    let otherPath;
    /** @type {Path | undefined} */
    let homeAPath;
    /** @type {Figures | undefined} */
    let figures;
    const done = new Promise((resolve, reject) => {
      /** @param {ReturnType<typeof startPeer>} peer @param {ReturnType<typeof startPeer>} other */
      const listen = (peer, other) => {
        createInterface({ input: peer.child.stdout }).on('line', (line) => {
          /** @type {PeerReport} */
          const message = JSON.parse(line);
          if ('signal' in message) other.child.stdin.write(`${JSON.stringify(message.signal)}\n`);
          else if ('path' in message && peer === offerer) homeAPath = message.path;
          else if ('path' in message) otherPath = message.path;
          else if ('figures' in message) figures = message.figures;
          if (figures !== undefined && otherPath !== undefined) resolve(undefined);
        });
        peer.child.once('exit', (code, signal) => {
          if (figures === undefined || otherPath === undefined) {
            reject(
              new Error(
                `the ${peer.role} peer on ${peer.host.namespace} exited (${code ?? signal}) before the figures: ` +
                  (peer.stderr() || 'it printed nothing'),
              ),
            );
          }
        });
      };
      listen(offerer, answerer);
      listen(answerer, offerer);
    });
    try {
      await within(done, LINK_TIMEOUT_MS, `the figures of "${link.name}"`);
      const { rttMs, bulkBytes, bulkSeconds } = /** @type {Figures} */ (figures);
      return {
        name: link.name,
        homeAPath: /** @type {Path} */ (homeAPath),
        otherPath: /** @type {Path} */ (otherPath),
        rttP50Ms: percentile(rttMs, 50),
        rttP99Ms: percentile(rttMs, 99),
        megabytesPerSecond: bulkBytes / 1e6 / bulkSeconds,
        figures: /** @type {Figures} */ (figures),
      };
    } catch (error) {
      return { name: link.name, error: error instanceof Error ? error.message : String(error) };
    } finally {
      const exits = [offerer, answerer].map(({ child }) =>
        child.exitCode === null && child.signalCode === null
          ? new Promise((resolve) => child.once('exit', resolve))
          : undefined,
      );
      answerer.child.stdin.end();
      offerer.child.kill('SIGKILL');
      await within(Promise.all(exits), 5_000, 'the peers to exit').catch(() => answerer.child.kill('SIGKILL'));
    }
  };

  /** @type {Result[]} */
  const results = [];
  try {
    layout = NatLayout.create();
    coturn = await startCoturn({
      host: layout.publicHost,
      secret: TURN_SECRET,
      // coturn cannot relay to its own address in a namespace, and ends the whole allocation when it tries; the
      // homes' LANs are not routed from the internet at all.
      deniedPeers: [`${layout.publicHost.address}/32`, '192.168.0.0/16'],
    });
    const stun = { iceServers: [{ urls: [`stun:${layout.publicHost.address}:3478`] }] };
    const { username, credential } = turnCredentials(TURN_SECRET, 3_600, Date.now(), 'bench-relay');
    const turn = { iceServers: [{ urls: [coturn.url], username, credential }] };
    /** @type {Link[]} */
    const links = [
      {
        name: 'not relayed: home A ↔ public host, STUN',
        from: layout.homeA.host,
        to: layout.publicHost,
        fromConfiguration: stun,
        toConfiguration: stun,
      },
      {
        name: 'TURN-relayed: home A ↔ home B, TURN',
        from: layout.homeA.host,
        to: layout.homeB.host,
        fromConfiguration: turn,
        toConfiguration: turn,
      },
      {
        name: 'relay forced: home A ↔ public host, TURN, public host relay only',
        from: layout.homeA.host,
        to: layout.publicHost,
        fromConfiguration: turn,
        toConfiguration: { ...turn, iceTransportPolicy: 'relay' },
      },
    ];
    for (const link of links) {
      // Interrupted: the peers were killed, and no more start.
      if (cleaned) break;
      const result = await measureLink(link);
      results.push(result);
      console.log('error' in result ? `${link.name}: FAILED, ${result.error}` : `${link.name}: measured`);
    }
  } finally {
    await cleanUp();
  }

  const side = (/** @type {Path} */ path) => `${path.local.type} → ${path.remote.type}`;
  console.log(
    '\n| link | selected pair at home A (local → remote) | at the other end | RTT p50 | RTT p99 | throughput |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const result of results) {
    if ('error' in result) {
      console.log(`| ${result.name} | failed: ${result.error} | | | | |`);
      continue;
    }
    console.log(
      `| ${result.name} | ${side(result.homeAPath)} | ${side(result.otherPath)} | ${result.rttP50Ms.toFixed(2)} ms ` +
        `| ${result.rttP99Ms.toFixed(2)} ms | ${result.megabytesPerSecond.toFixed(1)} MB/s |`,
    );
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(
    join(repoRoot, 'test-results/bench-relay.json'),
    `${JSON.stringify({ date: new Date().toISOString(), commit, node: process.version, results }, null, 2)}\n`,
  );
  if (results.some((result) => 'error' in result)) process.exitCode = 1;
}

if (process.argv[2] === '--peer') {
  const role = process.argv[3];
  if (role !== 'offer' && role !== 'answer') throw new Error(`--peer takes offer or answer, not ${role}.`);
  await runPeer(role, JSON.parse(process.argv[4] ?? '{}'));
} else {
  await bench();
}

// The HTTP server's own bounds, on raw TCP sockets: slow or silent clients are cut at the header and request
// timeouts, idle kept-alive connections at the keep-alive timeout, connections over the cap as they arrive; and
// none of it touches a WebSocket once it has upgraded.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { RawPeer, type RunningServer, signal, startServer } from '../../testing/raw-peer.js';
import { buildServer } from '../server.js';

const http = { headersTimeoutMs: 200, requestTimeoutMs: 400, keepAliveTimeoutMs: 200, maxConnections: 6 };
let server: RunningServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.app.close();
  server = undefined;
});

interface Connection {
  socket: Socket;
  /** Everything the server sent until it closed the connection, and when that was. */
  closed: Promise<{ received: string; at: number }>;
}

async function open(): Promise<Connection> {
  const { port } = new URL(server?.httpUrl ?? '');
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  let received = '';
  socket.on('data', (data) => {
    received += data.toString('latin1');
  });
  socket.on('error', () => {});
  const closed = new Promise<{ received: string; at: number }>((resolve) => {
    socket.on('close', () => resolve({ received, at: Date.now() }));
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, closed };
}

async function metric(name: string): Promise<number | undefined> {
  return sampleValue(await (await fetch(`${server?.httpUrl}/metrics`)).text(), name);
}

describe('HTTP limits', () => {
  it('closes a connection that sends nothing at the header timeout, with 408', async () => {
    server = await startServer({ http, limits: { maxPeers: 2 } });
    const openedAt = Date.now();
    const { received, at } = await (await open()).closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(at - openedAt).toBeGreaterThanOrEqual(http.headersTimeoutMs - 10);
    expect(at - openedAt).toBeLessThan(http.headersTimeoutMs + 1_000);
    expect(await metric('rxmesh_signal_http_requests_timed_out_total')).toBe(1);
  });

  it('cuts a request whose body dribbles in at the request timeout', async () => {
    server = await startServer({ http, limits: { maxPeers: 2 } });
    const { socket, closed } = await open();
    const startedAt = Date.now();
    socket.write(
      'POST /peerjs/room/gateways HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    // One byte every 20 ms: 100 bytes would take 2 s.
    const dribble = setInterval(() => socket.write(' '), 20);
    const { received, at } = await closed.finally(() => clearInterval(dribble));
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(at - startedAt).toBeGreaterThanOrEqual(http.requestTimeoutMs - 10);
    expect(at - startedAt).toBeLessThan(http.requestTimeoutMs + 1_000);
  });

  it('closes a kept-alive connection idle for the keep-alive timeout', async () => {
    server = await startServer({ http, limits: { maxPeers: 2 } });
    const { socket, closed } = await open();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const answeredAt = await new Promise<number>((resolve) => socket.once('data', () => resolve(Date.now())));
    const { received, at } = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(at - answeredAt).toBeGreaterThanOrEqual(http.keepAliveTimeoutMs - 10);
    // Node holds the socket one second past keepAliveTimeout, for requests already on their way.
    expect(at - answeredAt).toBeLessThan(http.keepAliveTimeoutMs + 1_000 + 1_000);
  });

  it('refuses connections over maxConnections as they arrive, and counts them', async () => {
    server = await startServer({ http, limits: { maxPeers: 2 } });
    const held = await Promise.all(Array.from({ length: http.maxConnections }, () => open()));
    const over = await open();
    const { received } = await over.closed;
    expect(received).toBe('');
    // The held connections are still open: the one over the cap was closed first.
    expect(held.every(({ socket }) => !socket.closed)).toBe(true);
    await Promise.all(held.map(({ closed }) => closed));
    expect(await metric('rxmesh_signal_http_connections_refused_total')).toBe(1);
  });

  it('leaves upgraded WebSockets to their own liveness rule', async () => {
    server = await startServer({ http, limits: { maxPeers: 2 } });
    const quiet = await RawPeer.join(server.httpUrl, 'room', 'quiet');
    const other = await RawPeer.join(server.httpUrl, 'room', 'other');
    // Silent for twice the longest HTTP timeout.
    await new Promise((resolve) => setTimeout(resolve, 2 * http.requestTimeoutMs + 100));
    other.send(signal('OFFER', 'quiet', 'dc_1'));
    expect(await quiet.next()).toMatchObject({ type: 'OFFER', src: 'other' });
    expect(quiet.socket.readyState).toBe(quiet.socket.OPEN);
    quiet.close();
    other.close();
  });

  it('refuses a connection cap that leaves no room for maxPeers', async () => {
    await expect(buildServer({ limits: { maxPeers: 10 }, http: { maxConnections: 10 } })).rejects.toThrow(
      'The HTTP limit maxConnections (10) must be above the signaling limit maxPeers (10)',
    );
  });
});

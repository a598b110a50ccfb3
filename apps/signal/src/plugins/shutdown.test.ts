import { describe, expect, it } from 'vitest';
import { closedWithin, RawPeer, startServer } from '../../testing/raw-peer.js';

describe('graceful shutdown', () => {
  it('closes every signaling socket with 1001 and a reason, and app.close() resolves promptly', async () => {
    const server = await startServer();
    const alice = await RawPeer.join(server.httpUrl, 'room', 'alice');
    const bob = await RawPeer.join(server.httpUrl, 'room', 'bob');
    const startedAt = Date.now();
    await server.app.close();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    for (const peer of [alice, bob]) {
      const closed = await closedWithin(peer, 1_000);
      expect(closed).toEqual({ code: 1001, reason: 'the server is shutting down' });
    }
  });

  it('cuts a socket that does not answer the close within shutdownGraceMs', async () => {
    const server = await startServer({ limits: { shutdownGraceMs: 300 } });
    const stuck = await RawPeer.join(server.httpUrl, 'room', 'stuck');
    // A client that stops reading never sees the close frame, so it never answers it.
    const tcp = (stuck.socket as unknown as { _socket: { pause(): void } })._socket;
    tcp.pause();
    const startedAt = Date.now();
    await server.app.close();
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
    stuck.socket.terminate();
  });

  it('refuses new connections once closed', async () => {
    const server = await startServer();
    await server.app.close();
    await expect(RawPeer.open(server.httpUrl, { key: 'room', id: 'late', token: 'token' })).rejects.toThrow();
  });
});

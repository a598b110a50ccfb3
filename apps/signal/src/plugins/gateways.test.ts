// Discovery: GET /peerjs/{room}/peers lists only gateways that announced themselves with the cluster's credential
// while connected, never every peer.
import { type Credential, type Identity, issueCredential } from '@rxmesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { keyIdentity, keyToken, RawPeer, type RunningServer, startServer } from '../../testing/raw-peer.js';
import { nodeEd25519 } from '../identity/node-ed25519.js';

const scheme = nodeEd25519();
const cluster = keyIdentity();
let server: RunningServer | undefined;
const peers: RawPeer[] = [];

function credentialFor(holder: Identity, issuer = cluster, lifetimeMs = 60_000): Credential {
  return issueCredential(scheme, issuer, { key: holder.id, name: 'rig', server: false, now: Date.now(), lifetimeMs });
}

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<string> {
  server = await startServer({ cluster: { key: cluster.id }, ...options });
  return server.httpUrl;
}

async function register(identity: Identity, room = 'room'): Promise<RawPeer> {
  const peer = await RawPeer.join(server?.httpUrl ?? '', room, identity.id, keyToken(identity, room));
  peers.push(peer);
  return peer;
}

async function announce(body: unknown, room = 'room'): Promise<{ status: number; message?: string }> {
  const response = await fetch(`${server?.httpUrl}/peerjs/${room}/gateways`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, ...(text === '' ? {} : { message: JSON.parse(text).message }) };
}

async function listed(room = 'room'): Promise<string[]> {
  const response = await fetch(`${server?.httpUrl}/peerjs/${room}/peers`);
  expect(response.status).toBe(200);
  return response.json();
}

async function announcements(outcome: string): Promise<number | undefined> {
  const exposition = await (await fetch(`${server?.httpUrl}/metrics`)).text();
  return sampleValue(exposition, 'rxmesh_signal_gateway_announcements_total', { outcome });
}

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await server?.app.close();
  server = undefined;
});

describe('gateway discovery', () => {
  it('lists a registered peer once it announces itself with the cluster’s credential, and no other peer', async () => {
    await start();
    const gateway = keyIdentity();
    const worker = keyIdentity();
    await register(worker);
    expect(await announce({ id: gateway.id, credential: credentialFor(gateway) })).toEqual({
      status: 404,
      message: `The peer ${gateway.id} is not connected to room "room"; open its signaling socket, then announce it.`,
    });
    await register(gateway);
    expect(await listed()).toEqual([]);
    expect(await announce({ id: gateway.id, credential: credentialFor(gateway) })).toEqual({ status: 204 });
    // Announcing again changes nothing.
    expect(await announce({ id: gateway.id, credential: credentialFor(gateway) })).toEqual({ status: 204 });
    expect(await listed()).toEqual([gateway.id]);
    expect(await listed('other-room')).toEqual([]);

    const refusals: [unknown, string][] = [
      // The worker replays the gateway's credential, or makes its own, or shows an expired one.
      [{ id: worker.id, credential: credentialFor(gateway) }, 'the credential was issued to another key'],
      [{ id: worker.id, credential: credentialFor(worker, worker) }, "the credential is not the cluster's"],
      [{ id: worker.id, credential: credentialFor(worker, cluster, -1) }, 'the credential has expired'],
    ];
    for (const [body, reason] of refusals) {
      const answer = await announce(body);
      expect(answer.status).toBe(403);
      expect(answer.message).toContain(`The credential does not let ${worker.id} coordinate this cluster (${reason}`);
      expect(answer.message).toContain("ask the cluster's operator for one.");
    }
    expect(await listed()).toEqual([gateway.id]);
    const exposition = await (await fetch(`${server?.httpUrl}/metrics`)).text();
    expect(sampleValue(exposition, 'rxmesh_signal_gateways')).toBe(1);
    expect(await announcements('accepted')).toBe(2);
    expect(await announcements('credential')).toBe(3);
    expect(await announcements('not_registered')).toBe(1);
  });

  it('answers 400 with what an announcement is, and 413 to a body over bodyLimitBytes', async () => {
    await start();
    const gateway = keyIdentity();
    const malformed = [
      { id: 'alice', credential: credentialFor(gateway) },
      { id: gateway.id },
      { id: gateway.id, credential: { payload: 'x', sig: 'not base64url' } },
    ];
    for (const body of malformed) {
      const answer = await announce(body);
      expect(answer.status).toBe(400);
      expect(answer.message).toMatch(/^A gateway announcement is JSON \{"id": the gateway's key id, "credential"/);
    }
    expect((await announce({ id: gateway.id, credential: credentialFor(gateway) }, 'no.dots')).message).toBe(
      'The room in the URL is not valid: a room (the PeerJS key) is 1 to 32 letters, digits, "-" or "_".',
    );
    expect((await announce({ id: gateway.id, padding: 'x'.repeat(8_000) })).status).toBe(413);
    expect(await announcements('invalid')).toBe(malformed.length + 1);
  });

  it('lists at most maxListedGateways, oldest first, each until its socket goes away', async () => {
    await start({ limits: { maxListedGateways: 2 } });
    const gateways = [keyIdentity(), keyIdentity(), keyIdentity()];
    const sockets: RawPeer[] = [];
    for (const gateway of gateways) {
      sockets.push(await register(gateway));
      expect((await announce({ id: gateway.id, credential: credentialFor(gateway) })).status).toBe(204);
    }
    expect(await listed()).toEqual([gateways[0]?.id, gateways[1]?.id]);
    sockets[0]?.close();
    for (let waited = 0; server?.app.signaling.announcedGateways !== 2 && waited < 2_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await listed()).toEqual([gateways[1]?.id, gateways[2]?.id]);
  });

  it('takes the same announcement in-process, from the embedded gateway', async () => {
    await start();
    const gateway = keyIdentity();
    await register(gateway, 'rxmesh');
    expect(server?.app.signaling.announceGateway('rxmesh', gateway.id, credentialFor(gateway))).toEqual({ ok: true });
    expect(await listed('rxmesh')).toEqual([gateway.id]);
  });

  it('refuses every announcement, and lists nobody, without a cluster key', async () => {
    server = await startServer();
    const gateway = keyIdentity();
    await register(gateway);
    expect(await announce({ id: gateway.id, credential: credentialFor(gateway) })).toEqual({
      status: 403,
      message: 'This server has no cluster key, so it lists no gateways; announce to the server that runs the cluster.',
    });
    expect(await listed()).toEqual([]);
  });
});

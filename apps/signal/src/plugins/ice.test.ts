// GET /api/ice: the STUN and TURN servers each peer gets, with TURN credentials of its own made from coturn's shared
// secret, which never leaves the server.
import { createHmac } from 'node:crypto';
import { IceConfigSchema, parseIceServer } from '@rxmesh/core';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { type RunningServer, startServer } from '../../testing/raw-peer.js';
import { checkIceOptions, type IceOptions } from '../ice/turn-credentials.js';

let server: RunningServer | undefined;

afterEach(async () => {
  await server?.app.close();
  server = undefined;
});

async function ice(): Promise<{ status: number; cache: string | null; body: unknown }> {
  const response = await fetch(`${server?.httpUrl}/api/ice`);
  return { status: response.status, cache: response.headers.get('cache-control'), body: await response.json() };
}

const SECRET = 'the-coturn-static-auth-secret';

describe('/api/ice', () => {
  it('answers no servers, expiring never, when the server was given none', async () => {
    server = await startServer();
    expect(await ice()).toEqual({ status: 200, cache: 'no-store', body: { iceServers: [], expiresAt: null } });
  });

  it('hands STUN and fixed TURN credentials as given', async () => {
    const servers = [parseIceServer('stun:stun.example.org'), parseIceServer('turn:u:p@turn.example.org:3478')];
    server = await startServer({ ice: { servers } });
    expect((await ice()).body).toEqual({ iceServers: servers, expiresAt: null });
  });

  it('makes each peer TURN credentials of its own that coturn checks with the secret, and never sends the secret', async () => {
    const ttlSeconds = 600;
    const options: IceOptions = {
      servers: [parseIceServer('stun:turn.example.org'), parseIceServer('turn:turn.example.org:3478')],
      turnSecret: SECRET,
      turnTtlSeconds: ttlSeconds,
    };
    server = await startServer({ ice: options });
    const before = Date.now();
    const answers = [await ice(), await ice()];
    const users = new Set<string>();
    for (const { body } of answers) {
      expect(Value.Check(IceConfigSchema, body)).toBe(true);
      expect(JSON.stringify(body)).not.toContain(SECRET);
      const { iceServers, expiresAt } = body as {
        iceServers: { username?: string; credential?: string }[];
        expiresAt: number;
      };
      expect(iceServers[0]).toEqual({ urls: ['stun:turn.example.org'] });
      const { username = '', credential } = iceServers[1] ?? {};
      const [expiry, user] = username.split(':');
      // coturn's use-auth-secret: the password is the base64 HMAC-SHA1 of the username, keyed by the secret.
      expect(credential).toBe(createHmac('sha1', SECRET).update(username).digest('base64'));
      expect(Number(expiry) * 1000).toBe(expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000 + ttlSeconds) * 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + ttlSeconds * 1000);
      users.add(user ?? '');
    }
    expect(users.size).toBe(2);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(sampleValue(metrics, 'rxmesh_signal_ice_configs_total')).toBe(2);
  });

  it('refuses a TURN server without credentials when there is no secret to make them', () => {
    expect(() => checkIceOptions({ servers: [parseIceServer('turn:turn.example.org')] })).toThrow(
      'The TURN server turn:turn.example.org has no credentials',
    );
    expect(() => checkIceOptions({ servers: [parseIceServer('stun:stun.example.org')] })).not.toThrow();
  });
});

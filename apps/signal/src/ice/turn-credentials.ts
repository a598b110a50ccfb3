// The ICE servers each peer gets: STUN, TURN with fixed credentials, and TURN servers that take time-limited ones
// (coturn's `use-auth-secret`, the "TURN REST API"): the username is `expiry:id`, the password the base64 of
// HMAC-SHA1 over that username with the shared secret. The secret never leaves this process.
import { createHmac, randomBytes } from 'node:crypto';
import type { IceConfig, IceServer } from '@rxmesh/core';

/** How long minted TURN credentials last unless told: a day, the TURN REST API's suggestion. */
export const DEFAULT_TURN_TTL_SECONDS = 86_400;

export interface IceOptions {
  /** As `--ice-server` gave them; TURN servers without credentials get minted ones. */
  servers: IceServer[];
  /** coturn's `static-auth-secret`; required when a TURN server has no credentials. */
  turnSecret?: string;
  turnTtlSeconds?: number;
}

/** Credentials coturn accepts until `expiresAt` (ms since the epoch), for the user `id`. */
export function turnCredentials(
  secret: string,
  ttlSeconds: number,
  nowMs: number,
  id: string,
): { username: string; credential: string; expiresAt: number } {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: expiry * 1000 };
}

/** Whether `server` needs minted credentials: a TURN server given without its own. */
function wantsMinted(server: IceServer): boolean {
  return server.username === undefined && server.urls.some((url) => !url.startsWith('stun:'));
}

/** Throws a sentence when a TURN server has no credentials and there is no secret to make them. */
export function checkIceOptions(options: IceOptions): void {
  const bare = options.servers.find(wantsMinted);
  if (bare !== undefined && options.turnSecret === undefined) {
    throw new Error(
      `The TURN server ${bare.urls.join(', ')} has no credentials: give them in the URL ` +
        '(turn:USER:PASSWORD@HOST) or give --turn-secret, the static-auth-secret of a coturn that uses use-auth-secret.',
    );
  }
  const ttl = options.turnTtlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1)
    throw new Error(`The TURN credential lifetime must be whole seconds, not ${ttl}.`);
}

/** The servers for one peer, with TURN credentials of its own (a random user id) where a secret makes them. */
export function iceConfigFor(options: IceOptions, nowMs: number): IceConfig {
  const id = randomBytes(6).toString('hex');
  let expiresAt: number | null = null;
  const iceServers = options.servers.map((server) => {
    if (!wantsMinted(server) || options.turnSecret === undefined) return server;
    const minted = turnCredentials(options.turnSecret, options.turnTtlSeconds ?? DEFAULT_TURN_TTL_SECONDS, nowMs, id);
    expiresAt = minted.expiresAt;
    return { urls: server.urls, username: minted.username, credential: minted.credential };
  });
  return { iceServers, expiresAt };
}

// Test support: a signaling server on 127.0.0.1 and a raw PeerJS WebSocket client that records what it receives.
import { randomBytes } from 'node:crypto';
import { type Identity, identityFromSecret, signalingToken } from '@rxmesh/core';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';
import { nodeEd25519 } from '../src/identity/node-ed25519.js';
import { buildServer, type ServerOptions } from '../src/server.js';

export interface ServerMessage {
  type: string;
  src?: string;
  dst?: string;
  payload?: { msg?: string; connectionId?: string; [key: string]: unknown };
}

export interface CloseEvent {
  code: number;
  reason: string;
}

export interface RunningServer {
  app: FastifyInstance;
  httpUrl: string;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const app = await buildServer(options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, httpUrl: `http://127.0.0.1:${port}` };
}

export function randomToken(): string {
  return randomBytes(8).toString('hex');
}

const scheme = nodeEd25519();

/** A new peer key: its id is a key id. */
export function keyIdentity(): Identity {
  return identityFromSecret(scheme, randomBytes(32));
}

/** The signaling token that proves `identity` for `room`, made at `madeAt`. */
export function keyToken(identity: Identity, room: string, madeAt = Date.now()): string {
  return signalingToken(scheme, identity, room, madeAt, randomBytes(6));
}

/** The payload of a signaling frame, shaped as peerjs 1.5 sends it for a data connection. */
export function signalPayload(type: 'OFFER' | 'ANSWER' | 'CANDIDATE', connectionId: string): object {
  switch (type) {
    case 'OFFER':
      return {
        sdp: { type: 'offer', sdp: 'v=0' },
        type: 'data',
        connectionId,
        label: connectionId,
        reliable: true,
        serialization: 'json',
      };
    case 'ANSWER':
      return { sdp: { type: 'answer', sdp: 'v=0' }, type: 'data', connectionId };
    case 'CANDIDATE': {
      const candidate = 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host generation 0 ufrag abcd';
      return {
        candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' },
        type: 'data',
        connectionId,
      };
    }
  }
}

/** A signaling frame as the peerjs client sends it for a data connection. */
export function signal(type: 'OFFER' | 'ANSWER' | 'CANDIDATE', dst: string, connectionId: string): object {
  return { type, payload: signalPayload(type, connectionId), dst };
}

export class RawPeer {
  private readonly inbox: ServerMessage[] = [];
  private wake: (() => void) | undefined;
  readonly closed: Promise<CloseEvent>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.inbox.push(JSON.parse(String(data)) as ServerMessage);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake?.();
      });
    });
  }

  /**
   * Opens the WebSocket with these query parameters (any may be missing) and resolves once it is open; over wss for
   * an https URL, trusting the certificate authority `ca` when given.
   */
  static async open(
    httpUrl: string,
    query: Record<string, string>,
    headers: Record<string, string> = {},
    ca?: string,
  ): Promise<RawPeer> {
    const url = new URL('/peerjs/peerjs', httpUrl.replace(/^http/, 'ws'));
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const socket = new WebSocket(url, { headers, ...(ca === undefined ? {} : { ca }) });
    const peer = new RawPeer(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return peer;
  }

  /** Connects like the peerjs client and waits for OPEN. */
  static async join(httpUrl: string, room: string, id: string, token = randomToken(), ca?: string): Promise<RawPeer> {
    const peer = await RawPeer.open(httpUrl, { key: room, id, token, version: '1.5.5' }, {}, ca);
    const first = await peer.next();
    if (first.type !== 'OPEN') throw new Error(`${id} expected OPEN, got ${JSON.stringify(first)}`);
    return peer;
  }

  send(frame: object | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next message not read yet, waiting at most `timeoutMs`. */
  async next(timeoutMs = 2_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`no message within ${timeoutMs} ms (socket state ${this.socket.readyState})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.inbox.shift() as ServerMessage;
  }

  /** Messages received and not read yet. */
  unread(): ServerMessage[] {
    return [...this.inbox];
  }

  close(): void {
    this.socket.close();
  }
}

/** Resolves with the close event, or rejects if the socket is still open after `timeoutMs`. */
export async function closedWithin(peer: RawPeer, timeoutMs: number): Promise<CloseEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([peer.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

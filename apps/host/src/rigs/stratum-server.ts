// The gateway's Stratum server for xmrig rigs, over TCP or TLS: one core RigSession per connection, which reads and
// writes the messages; this class owns the sockets, the login timers, the caps on connections (in all and per
// address) and the addresses banned for a while. What a rig's login and shares mean for the cluster is RigWork's.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import {
  type RigJob,
  type RigLogin,
  type RigOutput,
  RigSession,
  type RigSessionOptions,
  type RigShare,
} from '@rxmesh/core';
import type { Log } from '@rxmesh/mesh';

export interface RigLimits {
  /** Connections held at once; one more is told so and closed. */
  maxConnections: number;
  /** Connections from one address; one more is told so and closed. A school lab behind one NAT shares an address. */
  maxPerAddress: number;
  /** A connection that has not logged in this long after opening is closed. */
  loginTimeoutMs: number;
  maxLineLength: number;
  /** Refused requests before a connection is closed. */
  maxBadRequests: number;
  /** How long an address whose rig was banned is refused. */
  banMs: number;
  /** The least difficulty, for `+N` and vardiff. */
  minDifficulty: bigint;
}

export const DEFAULT_RIG_LIMITS: Readonly<RigLimits> = Object.freeze({
  maxConnections: 2_000,
  maxPerAddress: 256,
  loginTimeoutMs: 15_000,
  maxLineLength: 8 * 1024,
  maxBadRequests: 10,
  banMs: 10 * 60_000,
  minDifficulty: 100n,
});

/** A connected rig, as RigWork sees it. */
export interface RigHandle {
  /** Unique per connection; also the session id the rig's submits carry. */
  readonly id: string;
  readonly address: string;
  pushJob(job: RigJob): void;
  /** Answers what is pending "Banned", closes the connection, and refuses the address for banMs. */
  ban(reason: string): void;
}

export type ShareVerdict = { accepted: true } | { accepted: false; error: string };

/** What rigs mean to the cluster: the gateway. */
export interface RigWork {
  /** The algorithms the cluster mines now. */
  algorithms(): readonly string[];
  /** A rig logged in: its first job, or a sentence that refuses it. */
  login(rig: RigHandle, login: RigLogin): Promise<RigJob | { refused: string }>;
  share(rig: RigHandle, share: RigShare): Promise<ShareVerdict>;
  /** The rig's connection closed. */
  left(rig: RigHandle): void;
}

export interface StratumListen {
  host: string;
  port: number;
  /** A certificate and key (PEM) for TLS on this port. */
  tls?: { cert: string; key: string };
}

const EXTENSIONS = ['algo', 'keepalive', 'nicehash'];

interface Connection {
  handle: RigHandle;
  socket: net.Socket;
  session: RigSession;
  loginTimer: NodeJS.Timeout | undefined;
  loggedIn: boolean;
}

export class StratumServer {
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly perAddress = new Map<string, number>();
  private readonly bannedUntil = new Map<string, number>();
  /** Connections refused at once, by why: banned, full (the cap in all), address (the cap per address). */
  readonly refusedConnections: Record<'banned' | 'full' | 'address', number> = { banned: 0, full: 0, address: 0 };
  /** Rigs' shares answered, by answer: `accepted`, or the error word. */
  readonly shareAnswers: Record<string, number> = {};

  private readonly limits: RigLimits;

  constructor(
    private readonly work: RigWork,
    private readonly log: Log,
    limits: Partial<RigLimits> = {},
  ) {
    this.limits = { ...DEFAULT_RIG_LIMITS, ...limits };
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Rigs logged in now. */
  get rigCount(): number {
    let count = 0;
    for (const connection of this.connections) if (connection.loggedIn) count++;
    return count;
  }

  /** The addresses listened on, in the order given. */
  addresses(): net.AddressInfo[] {
    return this.servers.map((server) => server.address() as net.AddressInfo);
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    await Promise.all(
      this.servers.map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }

  /** Listens on one more address; resolves once it listens. */
  open(listen: StratumListen): Promise<void> {
    const accept = (socket: net.Socket) => this.accept(socket);
    const server =
      listen.tls === undefined
        ? net.createServer(accept)
        : tls.createServer(
            { cert: listen.tls.cert, key: listen.tls.key, handshakeTimeout: this.limits.loginTimeoutMs },
            accept,
          );
    // A client that fails its TLS handshake never becomes a connection; it is only worth a debug-level line.
    server.on('tlsClientError', () => {});
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const refusal = this.refusalOf(address);
    if (refusal !== undefined) {
      socket.end(
        `${JSON.stringify({ id: null, jsonrpc: '2.0', error: { code: -1, message: refusal }, result: null })}\n`,
      );
      socket.on('error', () => {});
      this.log.warn(`Stratum: refused a rig from ${address}: ${refusal}`, { event: 'rigRefused', address });
      return;
    }
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    const id = randomUUID();
    const options: RigSessionOptions = {
      sessionId: id,
      algorithms: this.work.algorithms(),
      extensions: EXTENSIONS,
      openedAt: performance.now(),
      loginTimeoutMs: this.limits.loginTimeoutMs,
      maxLineLength: this.limits.maxLineLength,
      maxBadRequests: this.limits.maxBadRequests,
      minDifficulty: this.limits.minDifficulty,
    };
    const connection: Connection = {
      socket,
      session: new RigSession(options),
      loginTimer: undefined,
      loggedIn: false,
      handle: {
        id,
        address,
        pushJob: (job) => this.apply(connection, connection.session.pushJob(job)),
        ban: (reason) => {
          this.bannedUntil.set(address, performance.now() + this.limits.banMs);
          this.apply(connection, connection.session.ban(reason));
        },
      },
    };
    this.connections.add(connection);
    connection.loginTimer = setTimeout(
      () => this.apply(connection, connection.session.timeout(performance.now())),
      this.limits.loginTimeoutMs,
    );
    socket.on('data', (text: string) => this.apply(connection, connection.session.receive(text)));
    socket.on('end', () => this.apply(connection, connection.session.ended()));
    socket.on('error', (error) =>
      this.log.warn(`Stratum: rig ${address}: ${error.message}`, { event: 'rigSocketError' }),
    );
    socket.on('close', () => this.forget(connection));
  }

  /** Why a new connection from `address` is refused, as a sentence; undefined when it is taken. */
  private refusalOf(address: string): string | undefined {
    const until = this.bannedUntil.get(address);
    if (until !== undefined && until > performance.now()) {
      const minutes = Math.ceil((until - performance.now()) / 60_000);
      this.refusedConnections.banned++;
      return `Banned: a rig from this address sent invalid shares; try again in ${minutes} min.`;
    }
    if (until !== undefined) this.bannedUntil.delete(address);
    if (this.connections.size >= this.limits.maxConnections) {
      this.refusedConnections.full++;
      return `The server holds its most rigs (${this.limits.maxConnections}); try later or another gateway.`;
    }
    if ((this.perAddress.get(address) ?? 0) >= this.limits.maxPerAddress) {
      this.refusedConnections.address++;
      return `Too many rigs from this address (${this.limits.maxPerAddress}); close some, or try later.`;
    }
    return undefined;
  }

  private apply(connection: Connection, outputs: RigOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send':
          if (!connection.socket.destroyed) connection.socket.write(output.line);
          break;
        case 'close':
          this.log.info(`Stratum: closed rig ${connection.handle.address}: ${output.reason}`, { event: 'rigClosed' });
          connection.socket.end();
          break;
        case 'problem':
          this.log.warn(`Stratum: rig ${connection.handle.address}: ${output.message}`, { event: 'rigProblem' });
          break;
        case 'login':
          clearTimeout(connection.loginTimer);
          void this.login(connection, output.login);
          break;
        case 'share':
          void this.share(connection, output.share);
          break;
      }
    }
  }

  private async login(connection: Connection, login: RigLogin): Promise<void> {
    const answer = await this.work.login(connection.handle, login).catch((error: unknown) => ({
      refused: `The gateway could not give work: ${(error as Error).message}`,
    }));
    if ('refused' in answer) {
      this.apply(connection, connection.session.refuseLogin(answer.refused));
      return;
    }
    connection.loggedIn = true;
    this.apply(connection, connection.session.acceptLogin(answer));
  }

  private async share(connection: Connection, share: RigShare): Promise<void> {
    const verdict = await this.work
      .share(connection.handle, share)
      .catch((): ShareVerdict => ({ accepted: false, error: 'Invalid share' }));
    const answer = verdict.accepted ? 'accepted' : verdict.error;
    this.shareAnswers[answer] = (this.shareAnswers[answer] ?? 0) + 1;
    this.apply(connection, connection.session.answerShare(share.ticket, verdict));
  }

  private forget(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    clearTimeout(connection.loginTimer);
    const { address } = connection.handle;
    const count = (this.perAddress.get(address) ?? 1) - 1;
    if (count <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, count);
    if (connection.loggedIn) this.work.left(connection.handle);
  }
}

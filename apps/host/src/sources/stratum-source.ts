// Mining for a Monero Stratum pool (xmrig's dialect, which p2pool and xmrig-proxy speak): one connection at a time,
// over TCP or TLS, to the first of several pools that works. core's StratumSession reads and writes the messages;
// this class owns the socket, the timers, reconnection and failover.
//
// Failover: after a failure (refused connection, failed or slow login, a connection that drops or stops answering)
// the next pool in the list is tried, wrapping around. Each pool in a round is tried at once; after a whole round
// fails, the wait doubles from `backoff.initialMs` up to `backoff.maxMs`, less a random part of up to half (core's
// backoffDelay), so that the hosts a pool dropped together do not all return together. A pool that logs in resets
// the count, and the source stays on it until it fails: it does not switch back to an earlier pool that recovered,
// because a switch costs the cluster its current job and the pools are listed as equals in order of preference.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Finder, Job, JobSource, RandomxVariant, SourceStatus, SourceVerdict } from '@rxmesh/core';
import { type Backoff, backoffDelay, formatDelay, LineSplitter, type SessionEvent, StratumSession } from '@rxmesh/core';
import type { Log } from '@rxmesh/mesh';

/** One pool to connect to; `tls` for stratum+ssl. */
export interface StratumEndpoint {
  host: string;
  port: number;
  tls: boolean;
  /** This pool's own login and settings, over the source's (a config file's pools each have theirs). */
  own?: PoolLogin;
}

/** What each pool may have of its own; the source's options give the rest. */
export interface PoolLogin {
  user?: string;
  pass?: string;
  rigId?: string;
  nicehash?: boolean;
  keepalive?: boolean;
  /** The pool certificate's SHA-256 fingerprint, as StratumTlsOptions.fingerprint. */
  tlsFingerprint?: string;
}

/**
 * How a stratum+ssl pool's certificate is trusted. By default only a certificate that the system's CAs vouch for,
 * for the pool's host name. A pool with a self-signed certificate is accepted only when the operator says which:
 * by its SHA-256 fingerprint (the error for an untrusted certificate names it), or by a CA certificate to trust.
 */
export interface StratumTlsOptions {
  /** PEM certificates to trust in addition to the system's. */
  ca?: string | string[];
  /** The pool certificate's SHA-256 fingerprint, hex with or without colons; only that certificate is accepted. */
  fingerprint?: string;
}

export interface StratumSourceOptions {
  /** The pools in order of preference; failover goes down the list and wraps around. */
  urls: StratumEndpoint[];
  /** The pool login, usually a wallet address. */
  user: string;
  pass: string;
  /** xmrig's rig id, sent with the login. */
  rigId?: string;
  /** The miner name the pool sees. Default "rxmesh". */
  agent?: string;
  /** Default rx/0. */
  algorithm?: RandomxVariant;
  /** Mine as nicehash (a fixed nonce byte) even if the pool does not announce it. Default false. */
  nicehash?: boolean;
  /** Send keepalived even if the pool does not list the `keepalive` extension. Default false. */
  keepalive?: boolean;
  tls?: StratumTlsOptions;
  log: Log;
  /** The wait after a round of failures, doubling per round up to `maxMs`, less up to half. Default 1 s to 60 s. */
  backoff?: Backoff;
  /** Random numbers in [0, 1) for the backoff's jitter. Default Math.random. */
  random?: () => number;
  /** How often to send keepalived when it is on. Default 60 s. */
  keepaliveMs?: number;
  /** How long connecting and logging in may take. Default 10 s. */
  loginTimeoutMs?: number;
  /** How long the pool may take to answer a share or a keepalived before the connection counts as dead. Default 15 s. */
  responseTimeoutMs?: number;
  /** Malformed messages one connection may send before it is dropped for another. Default 10. */
  maxInvalidMessages?: number;
  /** The clock for Job.createdAt. Default Date.now. */
  now?: () => number;
}

/** A share sent and not yet answered. */
interface PendingShare {
  resolve: (verdict: SourceVerdict) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Connection {
  endpoint: StratumEndpoint;
  socket: net.Socket;
  session: StratumSession;
  splitter: LineSplitter;
  loggedIn: boolean;
  invalidMessages: number;
  pending: Map<number, PendingShare>;
  /** Connect and login, then keepalived's answer. */
  deadline: ReturnType<typeof setTimeout> | undefined;
  keepalive: ReturnType<typeof setInterval> | undefined;
  /** Why it ended, once it has; the first reason wins. */
  endedBecause: string | undefined;
  closed: Promise<void>;
}

export function endpointUrl(endpoint: StratumEndpoint): string {
  const host = net.isIPv6(endpoint.host) ? `[${endpoint.host}]` : endpoint.host;
  return `stratum+${endpoint.tls ? 'ssl' : 'tcp'}://${host}:${endpoint.port}`;
}

function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

export class StratumSource implements JobSource {
  readonly kind = 'stratum';
  private readonly urls: StratumEndpoint[];
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private readonly keepaliveMs: number;
  private readonly loginTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  private readonly maxInvalidMessages: number;
  private readonly now: () => number;
  /** Makes job ids unique across this process's sources and restarts; the connection count does within one. */
  private readonly instanceTag = randomBytes(4).toString('hex');
  private connectionCount = 0;
  private endpointIndex = 0;
  private failuresInARow = 0;
  private connection: Connection | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private onJob: ((job: Job) => void) | undefined;
  private stopped = false;
  private latest: Job | undefined;
  private accepted = 0;
  private rejected = 0;
  private lastError: string | null = null;

  constructor(private readonly options: StratumSourceOptions) {
    if (options.urls.length === 0) throw new RangeError('A Stratum source needs at least one pool URL.');
    const fingerprint = options.tls?.fingerprint;
    if (fingerprint !== undefined && !/^[0-9a-f]{64}$/.test(normalizeFingerprint(fingerprint))) {
      throw new RangeError(
        `A TLS fingerprint is the certificate's SHA-256 as 64 hex digits (colons allowed), got ${JSON.stringify(fingerprint)}.`,
      );
    }
    this.urls = [...options.urls];
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 60_000 };
    this.random = options.random ?? Math.random;
    this.keepaliveMs = options.keepaliveMs ?? 60_000;
    this.loginTimeoutMs = options.loginTimeoutMs ?? 10_000;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 15_000;
    this.maxInvalidMessages = options.maxInvalidMessages ?? 10;
    this.now = options.now ?? Date.now;
  }

  get latestJob(): Job | undefined {
    return this.latest;
  }

  start(onJob: (job: Job) => void): void {
    if (this.onJob !== undefined) throw new Error('This Stratum source has already started.');
    this.onJob = onJob;
    this.connect();
  }

  async submit(job: Job, nonce: number, hash: Uint8Array, _finder: Finder): Promise<SourceVerdict> {
    const connection = this.connection;
    if (this.stopped) return { accepted: false, reason: 'the Stratum source has stopped' };
    if (connection === undefined || !connection.loggedIn) {
      return { accepted: false, reason: `not logged in to a pool (connecting to ${this.currentUrl()})` };
    }
    const plan = connection.session.submit(job, nonce, hash);
    if (!plan.ok) return { accepted: false, reason: plan.reason };
    return new Promise<SourceVerdict>((resolve) => {
      const timer = setTimeout(() => {
        const seconds = this.responseTimeoutMs / 1000;
        connection.pending.delete(plan.requestId);
        resolve({ accepted: false, reason: `the pool did not answer the share within ${seconds} s` });
        this.fail(connection, `the pool did not answer a share within ${seconds} s`);
      }, this.responseTimeoutMs);
      connection.pending.set(plan.requestId, { resolve, timer });
      connection.socket.write(plan.line);
    });
  }

  status(): SourceStatus {
    return {
      kind: 'stratum',
      url: this.currentUrl(),
      connected: this.connection?.loggedIn ?? false,
      accepted: this.accepted,
      rejected: this.rejected,
      lastError: this.lastError,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const connection = this.connection;
    if (connection === undefined) return;
    this.end(connection, 'the Stratum source stopped');
    await connection.closed;
  }

  private currentUrl(): string {
    return endpointUrl(this.urls[this.endpointIndex] as StratumEndpoint);
  }

  private connect(): void {
    if (this.stopped) return;
    const endpoint = this.urls[this.endpointIndex] as StratumEndpoint;
    this.connectionCount += 1;
    const own = endpoint.own ?? {};
    const session = new StratumSession({
      user: own.user ?? this.options.user,
      pass: own.pass ?? this.options.pass,
      rigId: own.rigId ?? this.options.rigId,
      agent: this.options.agent ?? 'rxmesh',
      algorithm: this.options.algorithm ?? 'rx/0',
      nicehash: own.nicehash ?? this.options.nicehash ?? false,
      connectionId: `${this.instanceTag}.${this.connectionCount}`,
      now: this.now,
    });
    const socket = endpoint.tls
      ? tls.connect({
          host: endpoint.host,
          port: endpoint.port,
          // SNI takes names only.
          ...(net.isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
          ...(this.options.tls?.ca === undefined ? {} : { ca: this.options.tls.ca }),
          // Checked in secured(), before anything is sent, so that the refusal can name the certificate.
          rejectUnauthorized: false,
        })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    const connection: Connection = {
      endpoint,
      socket,
      session,
      splitter: new LineSplitter(),
      loggedIn: false,
      invalidMessages: 0,
      pending: new Map(),
      deadline: undefined,
      keepalive: undefined,
      endedBecause: undefined,
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
    };
    this.connection = connection;
    this.options.log.info(`Stratum: connecting to ${endpointUrl(endpoint)}`, { event: 'stratumConnecting' });

    connection.deadline = setTimeout(
      () => this.fail(connection, `no login within ${this.loginTimeoutMs / 1000} s`),
      this.loginTimeoutMs,
    );
    socket.setEncoding('utf8');
    socket.setKeepAlive(true, 30_000);
    if (endpoint.tls) socket.once('secureConnect', () => this.secured(connection));
    else socket.once('connect', () => socket.write(session.login()));
    socket.on('data', (text: string) => this.received(connection, text));
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(connection, this.describeSocketError(error)));
    socket.on('close', () => {
      const cut = connection.splitter.end();
      if (cut !== undefined && connection.endedBecause === undefined) this.warn(connection, cut);
      this.fail(connection, 'the pool closed the connection');
    });
  }

  /** A TLS connection is up: the certificate must be trusted or pinned before the login (and password) goes out. */
  private secured(connection: Connection): void {
    const socket = connection.socket as tls.TLSSocket;
    const fingerprint = socket.getPeerCertificate().fingerprint256 ?? '';
    const pinned =
      (this.urls[this.endpointIndex] as StratumEndpoint).own?.tlsFingerprint ?? this.options.tls?.fingerprint;
    if (pinned !== undefined) {
      if (normalizeFingerprint(fingerprint) !== normalizeFingerprint(pinned)) {
        this.fail(
          connection,
          `the pool's TLS certificate has SHA-256 fingerprint ${fingerprint}, not the pinned ${pinned}; ` +
            'if the pool changed its certificate, pin the new fingerprint',
        );
        return;
      }
    } else if (!socket.authorized) {
      this.fail(
        connection,
        `the pool's TLS certificate is not trusted (${String(socket.authorizationError)}). If this is the pool you ` +
          `meant, pin its certificate by its SHA-256 fingerprint ${fingerprint}, or trust the CA that signed it`,
      );
      return;
    }
    socket.write(connection.session.login());
  }

  private received(connection: Connection, text: string): void {
    if (connection !== this.connection) return;
    const { lines, errors } = connection.splitter.push(text);
    for (const error of errors) this.invalid(connection, error);
    for (const line of lines) {
      if (connection !== this.connection) return;
      for (const event of connection.session.receive(line)) this.handle(connection, event);
    }
  }

  private handle(connection: Connection, event: SessionEvent): void {
    const { log } = this.options;
    switch (event.kind) {
      case 'loggedIn': {
        connection.loggedIn = true;
        clearTimeout(connection.deadline);
        connection.deadline = undefined;
        this.failuresInARow = 0;
        this.lastError = null;
        const own = (this.urls[this.endpointIndex] as StratumEndpoint).own;
        const keepalive = event.keepalive || (own?.keepalive ?? this.options.keepalive ?? false);
        log.info(`Stratum: logged in to ${endpointUrl(connection.endpoint)}`, {
          event: 'stratumLoggedIn',
          nicehash: event.nicehash,
          keepalive,
        });
        if (keepalive) connection.keepalive = setInterval(() => this.sendKeepalive(connection), this.keepaliveMs);
        return;
      }
      case 'loginFailed':
        this.fail(connection, `${event.reason}; check --user and --pass for this pool`);
        return;
      case 'job':
        this.latest = event.job;
        log.info(`Stratum: new job at height ${event.job.height}, difficulty ${event.job.difficulty}`, {
          event: 'stratumJob',
          job: event.job.id,
        });
        if (!this.stopped) this.onJob?.(event.job);
        return;
      case 'submitAnswered': {
        if (event.verdict.accepted) this.accepted += 1;
        else {
          this.rejected += 1;
          this.lastError = `the pool refused a share: ${event.verdict.reason}`;
        }
        const pending = connection.pending.get(event.requestId);
        if (pending !== undefined) {
          connection.pending.delete(event.requestId);
          clearTimeout(pending.timer);
          pending.resolve(event.verdict);
        }
        // The pool forgot the session (it restarted, or timed the login out): log in to it again, as xmrig does.
        if (!event.verdict.accepted && /unauthenticated/i.test(event.verdict.reason)) this.loginAgain(connection);
        return;
      }
      case 'keepaliveAnswered':
        clearTimeout(connection.deadline);
        connection.deadline = undefined;
        return;
      case 'invalid':
        this.invalid(connection, event.reason);
        return;
    }
  }

  private sendKeepalive(connection: Connection): void {
    const line = connection.session.keepalive();
    if (line === undefined) return;
    connection.socket.write(line);
    connection.deadline ??= setTimeout(
      () => this.fail(connection, `the pool did not answer keepalived within ${this.responseTimeoutMs / 1000} s`),
      this.responseTimeoutMs,
    );
  }

  /** A dropped message: logged, and past the limit the connection goes, as the pool is broken or hostile. */
  private invalid(connection: Connection, reason: string): void {
    this.warn(connection, reason);
    this.lastError = reason;
    connection.invalidMessages += 1;
    if (connection.invalidMessages > this.maxInvalidMessages) {
      this.fail(connection, `the pool sent more than ${this.maxInvalidMessages} malformed messages`);
    }
  }

  private warn(connection: Connection, reason: string): void {
    this.options.log.warn(`Stratum pool ${endpointUrl(connection.endpoint)}: ${reason}`, {
      event: 'stratumInvalid',
      reason,
    });
  }

  /** The connection failed: it ends, and the next pool is tried after the backoff. */
  private fail(connection: Connection, reason: string): void {
    if (connection.endedBecause !== undefined || connection !== this.connection) return;
    this.end(connection, reason);
    if (this.stopped) return;
    this.lastError = reason;
    this.failuresInARow += 1;
    this.endpointIndex = (this.endpointIndex + 1) % this.urls.length;
    const delay = this.retryDelay();
    this.options.log.warn(
      `Stratum pool ${endpointUrl(connection.endpoint)}: ${reason}; trying ${this.currentUrl()} in ${formatDelay(delay)}`,
      { event: 'stratumFailed', reason, retryMs: delay },
    );
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Ends a connection whose login the pool no longer knows, and logs in to the same pool at once. */
  private loginAgain(connection: Connection): void {
    if (connection.endedBecause !== undefined || connection !== this.connection) return;
    const reason = 'the pool no longer knows this login (Unauthenticated); logging in again';
    this.end(connection, reason);
    if (this.stopped) return;
    this.options.log.warn(`Stratum pool ${endpointUrl(connection.endpoint)}: ${reason}`, {
      event: 'stratumLoginAgain',
    });
    this.retryTimer = setTimeout(() => this.connect(), 0);
  }

  /** No wait within a round of the pools; after each full round, the backoff for that many rounds. */
  private retryDelay(): number {
    if (this.failuresInARow % this.urls.length !== 0) return 0;
    return backoffDelay(this.backoff, this.failuresInARow / this.urls.length, this.random());
  }

  private end(connection: Connection, reason: string): void {
    if (connection.endedBecause !== undefined) return;
    connection.endedBecause = reason;
    if (this.connection === connection) this.connection = undefined;
    clearTimeout(connection.deadline);
    clearInterval(connection.keepalive);
    for (const pending of connection.pending.values()) {
      clearTimeout(pending.timer);
      pending.resolve({ accepted: false, reason: `the connection to the pool ended before it answered (${reason})` });
    }
    connection.pending.clear();
    connection.socket.destroy();
  }

  private describeSocketError(error: NodeJS.ErrnoException): string {
    switch (error.code) {
      case 'ECONNREFUSED':
        return 'the pool refused the connection (is the address right, and the pool running?)';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'the pool host name does not resolve';
      case 'ECONNRESET':
        return 'the pool reset the connection';
      default:
        return error.message;
    }
  }
}

/** The SHA-256 fingerprint of a PEM certificate, as Node prints it (AA:BB:…), for tests and operators pinning one. */
export function certificateFingerprint(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

// What the HTTP server under signaling and the web app accepts: how long a client may take and how many may
// connect. Node enforces them; upgraded WebSockets leave these timeouts behind and follow livenessTimeoutMs.
import type { SignalingLimits } from './limits.js';

export interface HttpLimits {
  /** A connection must finish sending a request's headers this long after it opens or its last request, in ms. */
  headersTimeoutMs: number;
  /** A request must arrive whole (headers and body) within this, in ms; a slower one gets 408 and its socket closed. */
  requestTimeoutMs: number;
  /** A kept-alive connection with no request in flight is closed after this (Node adds one second), in ms. */
  keepAliveTimeoutMs: number;
  /** Largest request body in bytes: the only bodies are gateway announcements (under 1 KiB). Larger gets 413. */
  bodyLimitBytes: number;
  /** TCP connections open at once, WebSockets included; the ones over it are closed as they are accepted. */
  maxConnections: number;
}

/** Connections beyond maxPeers: page loads, /metrics scrapes, and sockets being refused or closing. */
export const CONNECTION_HEADROOM = 4_096;

/**
 * Short enough that a client which trickles its headers or body (slowloris) holds a connection for seconds, long
 * enough for a phone on a poor network. maxConnections defaults to the signaling limit maxPeers + CONNECTION_HEADROOM.
 */
export const DEFAULT_HTTP_LIMITS: Readonly<Omit<HttpLimits, 'maxConnections'>> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  bodyLimitBytes: 4_096,
});

export function resolveHttpLimits(overrides: Partial<HttpLimits>, signaling: SignalingLimits): HttpLimits {
  const limits: HttpLimits = {
    ...DEFAULT_HTTP_LIMITS,
    maxConnections: signaling.maxPeers + CONNECTION_HEADROOM,
    ...overrides,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`The HTTP limit ${name} must be a positive number, got ${value}.`);
    }
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `The HTTP limit headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed requestTimeoutMs ` +
        `(${limits.requestTimeoutMs}).`,
    );
  }
  if (limits.maxConnections <= signaling.maxPeers) {
    throw new RangeError(
      `The HTTP limit maxConnections (${limits.maxConnections}) must be above the signaling limit maxPeers ` +
        `(${signaling.maxPeers}): every peer holds a connection, and page loads need more.`,
    );
  }
  return limits;
}

/** Node checks the header and request timeouts on a timer; this often, so that they hold to a quarter. */
export function timeoutCheckIntervalMs(limits: HttpLimits): number {
  return Math.max(10, Math.min(1_000, limits.headersTimeoutMs / 4));
}

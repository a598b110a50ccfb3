// What one signaling server accepts before it refuses, drops or disconnects. Every limit is per server process.

export interface SignalingLimits {
  /** Registered peers across all rooms; one more gets ERROR "server is full" and close 1013. */
  maxPeers: number;
  /** Registered peers in one room (cluster); one more gets ERROR "room is full" and close 1013. */
  maxPeersPerRoom: number;
  /** Largest WebSocket frame in bytes; a larger one closes the socket with 1009 (message too big). */
  maxMessageBytes: number;
  /** Sustained frames per second one socket may send (token bucket refill rate). */
  messagesPerSecond: number;
  /** Frames one socket may send at once before the rate applies (token bucket capacity). */
  messageBurst: number;
  /** Invalid or over-rate frames a socket may send before it is closed with 1008; each also gets an ERROR. */
  maxBadFrames: number;
  /** Messages waiting for destinations that are not connected (yet), across all rooms. */
  maxQueuedMessages: number;
  /** Messages waiting for one destination. */
  maxQueuedPerPeer: number;
  /** How long a queued message waits for its destination before its sender gets EXPIRE, in ms. */
  messageExpiryMs: number;
  /** A socket that sends no frame (heartbeats included) for this long is closed, in ms. */
  livenessTimeoutMs: number;
  /** On shutdown, how long sockets get to answer the 1001 close before they are cut, in ms. */
  shutdownGraceMs: number;
}

/**
 * Defaults sized for one process holding ≥ 10,000 browsers (see BENCHMARKS.md, "Signaling"). Expiry and liveness
 * are PeerJS's own (`expire_timeout` 5 s, `alive_timeout` 60 s; the client sends HEARTBEAT every 5 s). A data
 * connection's offer is 0.5–2 KiB, so 16 KiB leaves room for metadata; the burst covers a coordinator opening
 * dozens of connections at once (an offer and a handful of ICE candidates each). Queued messages can hold at most
 * maxQueuedMessages × maxMessageBytes = 64 MiB.
 */
export const DEFAULT_LIMITS: Readonly<SignalingLimits> = Object.freeze({
  maxPeers: 20_000,
  maxPeersPerRoom: 5_000,
  maxMessageBytes: 16 * 1024,
  messagesPerSecond: 50,
  messageBurst: 500,
  maxBadFrames: 5,
  maxQueuedMessages: 4_096,
  maxQueuedPerPeer: 64,
  messageExpiryMs: 5_000,
  livenessTimeoutMs: 60_000,
  shutdownGraceMs: 1_000,
});

export function resolveLimits(overrides: Partial<SignalingLimits> = {}): SignalingLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`The signaling limit ${name} must be a positive number, got ${value}.`);
    }
  }
  return limits;
}

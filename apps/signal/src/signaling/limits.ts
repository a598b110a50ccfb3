// What one signaling server accepts before it refuses, drops or disconnects. Every limit is per server process.

export interface SignalingLimits {
  /** Registered peers across all rooms; one more gets ERROR "server is full" and close 1013. */
  maxPeers: number;
  /** Registered peers in one room (cluster); one more gets ERROR "room is full" and close 1013. */
  maxPeersPerRoom: number;
  /**
   * WebSocket connections from one address (an IPv4 address, or an IPv6 /64); one more gets ERROR and close 1013.
   * A classroom behind one NAT shares an address.
   */
  maxSocketsPerAddress: number;
  /** Largest WebSocket frame in bytes; a larger one closes the socket with 1009 (message too big). */
  maxMessageBytes: number;
  /** Largest `metadata` of an OFFER, in characters of JSON; a larger one is refused with ERROR. */
  maxMetadataChars: number;
  /** Sustained frames per second one socket may send (token bucket refill rate). */
  messagesPerSecond: number;
  /** Frames one socket may send at once before the rate applies (token bucket capacity). */
  messageBurst: number;
  /**
   * Sustained relayed messages per second one peer may receive, from all senders together (token bucket refill
   * rate); the sender of one more gets EXPIRE.
   */
  messagesPerDestinationPerSecond: number;
  /** Relayed messages one peer may receive at once before its rate applies (token bucket capacity). */
  messagesPerDestinationBurst: number;
  /** Invalid or over-rate frames a socket may send before it is closed with 1008; each also gets an ERROR. */
  maxBadFrames: number;
  /** Messages waiting for destinations that are not connected (yet), across all rooms. */
  maxQueuedMessages: number;
  /** Messages waiting for one destination. */
  maxQueuedPerPeer: number;
  /** Of the messages waiting for one destination, how many may come from one sender. */
  maxQueuedPerSenderPerPeer: number;
  /** Of all the messages waiting, how many may come from one sender. */
  maxQueuedPerSender: number;
  /** How long a queued message waits for its destination before its sender gets EXPIRE, in ms. */
  messageExpiryMs: number;
  /**
   * A negotiation (opened by an OFFER; its ANSWER and CANDIDATEs must match one) ends this long after its last
   * frame, in ms. Frames for a negotiation that is not open are dropped.
   */
  negotiationIdleMs: number;
  /** Open negotiations one sender may have offered to one destination; one more OFFER gets EXPIRE. */
  maxNegotiationsPerPair: number;
  /** Open negotiations one sender may have offered in all; one more OFFER gets EXPIRE. */
  maxNegotiationsPerSender: number;
  /** Open negotiations across all rooms; one more OFFER gets EXPIRE. */
  maxNegotiations: number;
  /** A freed id stays reserved for the token that held it this long, in ms: another token gets ID-TAKEN. */
  idReservationMs: number;
  /** Reservations kept at once; past this, the oldest is dropped. */
  maxIdReservations: number;
  /** Announced gateways `GET /peerjs/{room}/peers` lists, oldest announcement first. */
  maxListedGateways: number;
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
 * maxQueuedMessages × maxMessageBytes = 64 MiB. A peer opens a few connections up its tree (each attempt times out
 * after 10 s), so 4 negotiations toward one peer and 64 in all within 30 s leave room for retries; every
 * negotiation makes the receiving client build a peer connection, which is what these bound.
 */
export const DEFAULT_LIMITS: Readonly<SignalingLimits> = Object.freeze({
  maxPeers: 20_000,
  maxPeersPerRoom: 5_000,
  maxSocketsPerAddress: 64,
  maxMessageBytes: 16 * 1024,
  maxMetadataChars: 1024,
  messagesPerSecond: 50,
  messageBurst: 500,
  messagesPerDestinationPerSecond: 100,
  messagesPerDestinationBurst: 500,
  maxBadFrames: 5,
  maxQueuedMessages: 4_096,
  maxQueuedPerPeer: 64,
  maxQueuedPerSenderPerPeer: 16,
  maxQueuedPerSender: 256,
  messageExpiryMs: 5_000,
  negotiationIdleMs: 30_000,
  maxNegotiationsPerPair: 4,
  maxNegotiationsPerSender: 64,
  maxNegotiations: 100_000,
  idReservationMs: 60_000,
  maxIdReservations: 20_000,
  maxListedGateways: 16,
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

// The WebRTC negotiations signaling has seen open: an OFFER from one peer to another opens one, named by its
// connection id; the ANSWER and the ICE candidates that follow must belong to one. The stock client keeps every
// signaling message it cannot place, and builds a peer connection for every OFFER, so both are bounded here.
// No I/O: the clock is handed in.
import type { SignalingLimits } from './limits.js';

type NegotiationLimits = Pick<
  SignalingLimits,
  'negotiationIdleMs' | 'maxNegotiationsPerPair' | 'maxNegotiationsPerSender' | 'maxNegotiations'
>;

/** Why an OFFER may not open a negotiation; undefined when it may. */
export type OfferRefusal = 'negotiations_per_pair' | 'negotiations_per_sender' | 'negotiations_full';

interface Negotiation {
  readonly pair: string;
  readonly offerer: string;
  lastFrameAt: number;
}

// Rooms, ids and connection ids cannot hold a newline, so joined with one they name a single thing.
const key = (...parts: string[]) => parts.join('\n');

export class Negotiations {
  /** By room, offerer, answerer and connection id; in order of last frame, oldest first. */
  private readonly open = new Map<string, Negotiation>();
  private readonly perPair = new Map<string, number>();
  private readonly perSender = new Map<string, number>();

  constructor(
    private readonly limits: NegotiationLimits,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Whether an OFFER from `offerer` may go to `answerer`: a new negotiation within the limits, or one already open. */
  refusalOfOffer(room: string, offerer: string, answerer: string, connectionId: string): OfferRefusal | undefined {
    if (this.open.has(key(room, offerer, answerer, connectionId))) return undefined;
    if ((this.perPair.get(key(room, offerer, answerer)) ?? 0) >= this.limits.maxNegotiationsPerPair) {
      return 'negotiations_per_pair';
    }
    if ((this.perSender.get(key(room, offerer)) ?? 0) >= this.limits.maxNegotiationsPerSender) {
      return 'negotiations_per_sender';
    }
    if (this.open.size >= this.limits.maxNegotiations) return 'negotiations_full';
    return undefined;
  }

  /** An OFFER went out (delivered or queued): opens its negotiation, or refreshes it if it is open. */
  offered(room: string, offerer: string, answerer: string, connectionId: string): void {
    const name = key(room, offerer, answerer, connectionId);
    if (this.touch(name)) return;
    const pair = key(room, offerer, answerer);
    const sender = key(room, offerer);
    this.open.set(name, { pair, offerer: sender, lastFrameAt: this.now() });
    this.perPair.set(pair, (this.perPair.get(pair) ?? 0) + 1);
    this.perSender.set(sender, (this.perSender.get(sender) ?? 0) + 1);
  }

  /** Whether an ANSWER from `answerer` to `offerer` belongs to an open negotiation; refreshes it if so. */
  answered(room: string, answerer: string, offerer: string, connectionId: string): boolean {
    return this.touch(key(room, offerer, answerer, connectionId));
  }

  /** Whether a CANDIDATE between two peers, either way, belongs to an open negotiation; refreshes it if so. */
  candidate(room: string, from: string, to: string, connectionId: string): boolean {
    return this.touch(key(room, from, to, connectionId)) || this.touch(key(room, to, from, connectionId));
  }

  /** Ends the negotiations idle for negotiationIdleMs. */
  sweep(): void {
    const cutoff = this.now() - this.limits.negotiationIdleMs;
    for (const [name, negotiation] of this.open) {
      if (negotiation.lastFrameAt > cutoff) return;
      this.open.delete(name);
      decrement(this.perPair, negotiation.pair);
      decrement(this.perSender, negotiation.offerer);
    }
  }

  private touch(name: string): boolean {
    const negotiation = this.open.get(name);
    if (negotiation === undefined) return false;
    negotiation.lastFrameAt = this.now();
    // Re-inserted, so the map stays in order of last frame and the sweep stops at the first live one.
    this.open.delete(name);
    this.open.set(name, negotiation);
    return true;
  }
}

function decrement(counts: Map<string, number>, name: string): void {
  const count = (counts.get(name) ?? 0) - 1;
  if (count <= 0) counts.delete(name);
  else counts.set(name, count);
}

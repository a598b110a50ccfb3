// One link to another peer over a peerjs data connection with `raw` serialization: messages pass through
// link-codec.ts, and whatever goes wrong on the way (a frame no rxmesh peer sends, a message over the bound, a send
// the channel cannot take, a listener that throws) is counted, reported and closes this link, never the process.
import type { LinkPath } from '@rxmesh/core';
import {
  checkMaxMessageBytes,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeMessage,
  LinkDecoder,
  MAX_LINK_MESSAGE_BYTES,
} from './link-codec.js';
import { platform } from './platform.js';
import { isPublicAddress } from './reach-probe.js';
import type { LinkCounter, MeshConnection } from './transport.js';

/**
 * Unsent data a link may hold besides the largest message it has sent; more means the other side does not read.
 * peerjs's own queue for a raw connection has no bound, so links write to the data channel themselves.
 */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** The parts of an RTCDataChannel a link writes to. */
interface DataChannel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  send(data: string): void;
}

/** One entry of an RTCStatsReport, with the fields the path is read from. */
export interface StatsEntry {
  readonly type: string;
  readonly id: string;
  readonly selectedCandidatePairId?: string;
  readonly nominated?: boolean;
  readonly state?: string;
  readonly localCandidateId?: string;
  readonly remoteCandidateId?: string;
  readonly candidateType?: string;
  readonly address?: string;
  readonly ip?: string;
}

/** The parts of a peerjs `DataConnection` a link uses. */
export interface PeerjsConnection {
  readonly peer: string;
  /** The WebRTC connection under it; null once closed. */
  readonly peerConnection?: { getStats(): Promise<{ forEach(visit: (entry: StatsEntry) => void): void }> } | null;
  readonly open: boolean;
  /** Set once peerjs has the channel: at once on the side that offered, on `datachannel` on the other. */
  readonly dataChannel: DataChannel | null | undefined;
  on(event: 'open' | 'close', listener: () => void): unknown;
  on(event: 'data', listener: (data: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

/** Counts one event under `counter` and passes `what` on as a problem (see LinkProblem), rate-limited. */
export type ReportProblem = (counter: LinkCounter, peer: string | null, what: string) => void;

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Listeners by event. One that throws does not keep the others from hearing; `failed` hears of it. */
export class Listeners<Events extends Record<string, unknown[]>> {
  private readonly byEvent: { [E in keyof Events]?: Set<(...args: Events[E]) => void> } = {};

  constructor(private readonly failed: (event: keyof Events, error: unknown) => void) {}

  add<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): void {
    const listeners = this.byEvent[event] ?? new Set();
    listeners.add(listener);
    this.byEvent[event] = listeners;
  }

  emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const listener of [...(this.byEvent[event] ?? [])]) {
      try {
        listener(...args);
      } catch (error) {
        this.failed(event, error);
      }
    }
  }
}

type LinkEvents = { open: []; close: []; message: [message: unknown]; error: [error: Error] };

export class PeerjsLink implements MeshConnection {
  private readonly decoder = new LinkDecoder();
  private bound = DEFAULT_MAX_MESSAGE_BYTES;
  private state: 'opening' | 'open' | 'closed' = 'opening';
  /** In bytes on the wire: a large message may still be unsent when the next one goes. */
  private largestSent = 0;
  private readonly listeners = new Listeners<LinkEvents>((event, error) => {
    this.report(
      'callbackErrors',
      this.peer,
      `A ${event} listener of the link to ${this.peer} failed: ${describeError(error)}`,
    );
    this.close();
  });

  constructor(
    private readonly connection: PeerjsConnection,
    private readonly report: ReportProblem,
  ) {
    connection.on('open', () => this.opened());
    connection.on('data', (data) => this.receive(data));
    connection.on('error', (error) => this.listeners.emit('error', error));
    connection.on('close', () => this.ended());
  }

  get peer(): string {
    return this.connection.peer;
  }

  get maxMessageBytes(): number {
    return this.bound;
  }

  set maxMessageBytes(bytes: number) {
    checkMaxMessageBytes(bytes);
    this.bound = bytes;
  }

  on<E extends keyof LinkEvents>(event: E, listener: (...args: LinkEvents[E]) => void): void {
    this.listeners.add(event, listener);
  }

  send(message: unknown): boolean {
    const channel = this.connection.dataChannel;
    if (this.state !== 'open' || channel?.readyState !== 'open') {
      this.report('sendFailures', this.peer, `A message to ${this.peer} was not sent: the link is not open`);
      return false;
    }
    const encoded = encodeMessage(message, MAX_LINK_MESSAGE_BYTES);
    if (!encoded.ok) return this.sendFailed(encoded.reason);
    const unsent = channel.bufferedAmount;
    if (unsent + encoded.bytes > MAX_UNSENT_BYTES + Math.max(this.largestSent, encoded.bytes)) {
      return this.sendFailed(`${unsent} bytes queued before it are still unsent (the other side does not read)`);
    }
    try {
      for (const frame of encoded.frames) channel.send(frame);
    } catch (error) {
      return this.sendFailed(`the data channel refused it (${describeError(error)})`);
    }
    this.largestSent = Math.max(this.largestSent, encoded.bytes);
    return true;
  }

  close(): void {
    this.ended();
    this.connection.close();
  }

  async path(): Promise<LinkPath | null> {
    const report = await this.connection.peerConnection?.getStats().catch(() => undefined);
    if (report === undefined) return null;
    const entries = new Map<string, StatsEntry>();
    report.forEach((entry) => {
      entries.set(entry.id, entry);
    });
    const all = [...entries.values()];
    const selectedId = all.find((entry) => entry.type === 'transport')?.selectedCandidatePairId;
    // Where the transport names no pair (wrtc), the nominated pair that succeeded is the one in use.
    const pair =
      (selectedId === undefined ? undefined : entries.get(selectedId)) ??
      all.find((entry) => entry.type === 'candidate-pair' && entry.nominated === true && entry.state === 'succeeded');
    if (pair === undefined) return null;
    const candidates = [pair.localCandidateId, pair.remoteCandidateId].map((id) =>
      id === undefined ? undefined : entries.get(id),
    );
    const types = candidates.map((candidate) => candidate?.candidateType);
    if (types.includes('relay')) return 'turn';
    // A peer-reflexive address learned from a check is a router's mapping only when it is a public one.
    const mapped = candidates.some(
      (candidate) =>
        candidate?.candidateType === 'srflx' ||
        (candidate?.candidateType === 'prflx' && isPublicAddress(candidate.address ?? candidate.ip ?? '')),
    );
    if (mapped) return 'stun';
    return types.every((type) => type === 'host' || type === 'prflx') ? 'direct' : null;
  }

  private sendFailed(reason: string): false {
    this.report('sendFailures', this.peer, `Closed the link to ${this.peer}: a message was not sent, as ${reason}`);
    this.close();
    return false;
  }

  private receive(frame: unknown): void {
    // The channel is open if it carries data, and wrtc may deliver a frame before peerjs's 'open'.
    this.opened();
    if (this.state === 'closed') return;
    const decoded = this.decoder.decode(frame, this.bound);
    if (decoded.kind === 'message') this.listeners.emit('message', decoded.message);
    else if (decoded.kind === 'refused') {
      const counter = decoded.problem === 'oversized' ? 'oversizedMessages' : 'badFrames';
      this.report(counter, this.peer, `Closed the link to ${this.peer}, which sent ${decoded.reason}`);
      this.close();
    }
  }

  private opened(): void {
    if (this.state !== 'opening') return;
    this.state = 'open';
    this.listeners.emit('open');
  }

  /** Says 'close' once if the link had opened, in a microtask: peerjs may end a connection from inside close(). */
  private ended(): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (wasOpen) platform.queueMicrotask(() => this.listeners.emit('close'));
  }
}

// The coordinator's replication: every entry it records goes to its standbys (a snapshot in parts to a new or lagging
// one, else the log from where it stands), and what a successor must know (welcomes, leases, share answers) is held
// until the first standby has stored the entry it depends on, or, on a gateway with a durable store, until the store
// has written it, whichever comes first.

import type { ReplicatedState } from './replica.js';
import { type DownBody, PROTOCOL_VERSION, REPLICA_ENTRIES_PER_MESSAGE, type ReplicaEntry } from './wire.js';

type ReplicaBody = Extract<DownBody, { type: 'replica' }>;

/** Something held back until the first standby stored entry `seq`. */
interface Held {
  seq: number;
  release: () => void;
  since: number;
}

/**
 * How long a standby's acknowledgement may keep what was recorded since from leaving: past it, the rest goes anyway,
 * so that a message lost on a changed route shows the standby a gap (and it asks again) instead of stalling it.
 */
export const REPLICA_PATIENCE_MS = 1000;

/** JSON characters of replicated entries per message, well within a down message's bound however sources name jobs. */
const REPLICA_CHARS_PER_MESSAGE = 256 * 1024;

/** Entries cut into bodies of at most REPLICA_ENTRIES_PER_MESSAGE entries and REPLICA_CHARS_PER_MESSAGE characters. */
function replicaParts(entries: readonly ReplicaEntry[]): ReplicaEntry[][] {
  const parts: ReplicaEntry[][] = [[]];
  let chars = 0;
  for (const entry of entries) {
    const size = JSON.stringify(entry).length;
    const last = parts.at(-1) as ReplicaEntry[];
    if (last.length > 0 && (last.length >= REPLICA_ENTRIES_PER_MESSAGE || chars + size > REPLICA_CHARS_PER_MESSAGE)) {
      parts.push([entry]);
      chars = size;
    } else {
      last.push(entry);
      chars += size;
    }
  }
  return parts;
}

export class ReplicationLog {
  /** Entries not yet acknowledged by every standby, the first one numbered `base`. */
  private entries: ReplicaEntry[] = [];
  private base: number;
  /** What each standby said it stored, and what was sent to it. */
  private readonly acked = new Map<string, number>();
  private readonly sent = new Map<string, number>();
  private readonly lastSentAt = new Map<string, number>();
  private held: Held[] = [];
  /** With a durable store: what it has not been given yet, and what it has written (every entry before `written`). */
  private unwritten: ReplicaEntry[] = [];
  private written = -1;

  constructor(
    private readonly state: ReplicatedState,
    /** Whether a durable store writes the ledger too (see the coordinator's persist action). */
    readonly durable: boolean,
  ) {
    this.base = state.nextSeq;
  }

  /** Applies `entry` to the state and keeps it for the standbys (and the store); returns its number. */
  record(entry: ReplicaEntry): number {
    const seq = this.state.nextSeq;
    this.state.apply(entry);
    this.entries.push(entry);
    if (this.durable) this.unwritten.push(entry);
    return seq;
  }

  /** With a durable store: the entries recorded since the last call, for it to write. */
  takeUnwritten(): ReplicaEntry[] {
    const taken = this.unwritten;
    this.unwritten = [];
    return taken;
  }

  /** The store wrote every entry before `seq`. */
  storedDurably(seq: number): void {
    this.written = Math.max(this.written, seq);
  }

  /** A standby stored everything before `seq`; `resend` when it lost track and wants everything from there. */
  acknowledged(standby: string, seq: number, resend: boolean): void {
    this.acked.set(standby, seq);
    if (resend) this.sent.set(standby, seq);
  }

  /** Whether `standby` has stored everything recorded. */
  storedAll(standby: string): boolean {
    return (this.acked.get(standby) ?? -1) >= this.state.nextSeq;
  }

  /** No longer a standby: a later return starts from a snapshot. */
  forget(standby: string): void {
    this.acked.delete(standby);
    this.sent.delete(standby);
    this.lastSentAt.delete(standby);
  }

  /**
   * Sends each standby what it has not been sent yet, unless it has not acknowledged the last message yet, and drops
   * the entries every standby has.
   */
  replicate(standbys: readonly string[], now: number, send: (standby: string, body: ReplicaBody) => void): void {
    const end = this.state.nextSeq;
    for (const standby of standbys) {
      const sent = this.sent.get(standby);
      if (sent === undefined || sent < this.base) {
        // New, or too far behind for the log: the whole state, in parts.
        const parts = replicaParts(this.state.snapshot());
        parts.forEach((entries, part) => {
          const snapshot = { part, parts: parts.length };
          send(standby, { v: PROTOCOL_VERSION, type: 'replica', from: end, snapshot, entries });
        });
      } else if (sent < end) {
        // One message in flight per standby: what is recorded meanwhile leaves with its acknowledgement, so a burst
        // of events costs a message per round trip, not one each.
        if (this.awaitingAck(standby) && now < (this.lastSentAt.get(standby) ?? 0) + REPLICA_PATIENCE_MS) continue;
        let from = sent;
        for (const entries of replicaParts(this.entries.slice(sent - this.base, end - this.base))) {
          send(standby, { v: PROTOCOL_VERSION, type: 'replica', from, snapshot: null, entries });
          from += entries.length;
        }
      }
      if (sent !== end) this.lastSentAt.set(standby, now);
      this.sent.set(standby, end);
    }
    const lowest = Math.min(end, ...standbys.map((id) => this.acked.get(id) ?? this.base));
    if (lowest > this.base) {
      this.entries = this.entries.slice(lowest - this.base);
      this.base = lowest;
    }
  }

  /** When entries held back for an acknowledgement go anyway (see REPLICA_PATIENCE_MS), if any are. */
  nextDeadline(standbys: readonly string[]): number | undefined {
    let earliest: number | undefined;
    for (const standby of standbys) {
      const sent = this.sent.get(standby);
      if (sent === undefined || sent >= this.state.nextSeq || !this.awaitingAck(standby)) continue;
      const at = (this.lastSentAt.get(standby) ?? 0) + REPLICA_PATIENCE_MS;
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest;
  }

  private awaitingAck(standby: string): boolean {
    return (this.acked.get(standby) ?? -1) < (this.sent.get(standby) ?? -1);
  }

  /** Holds `release` until the first standby stored entry `seq`. */
  hold(seq: number, since: number, release: () => void): void {
    this.held.push({ seq, release, since });
  }

  /**
   * Lets out what `first` or the store has stored. Without either, everything: a coordinator alone with no store has
   * nobody to wait for.
   */
  release(first: string | undefined): void {
    const byStandby = first === undefined ? -1 : (this.acked.get(first) ?? -1);
    const stored = first === undefined && !this.durable ? Number.POSITIVE_INFINITY : Math.max(byStandby, this.written);
    let kept = 0;
    for (const item of this.held) {
      if (item.seq < stored) item.release();
      else this.held[kept++] = item;
    }
    this.held.length = kept;
  }

  /** Since when the oldest thing held has waited, if anything is. */
  oldestHeldSince(): number | undefined {
    return this.held[0]?.since;
  }
}

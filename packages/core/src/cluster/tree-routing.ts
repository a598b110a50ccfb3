// A peer's place in the tree and the traffic it carries: its parent and children, up messages signed and passed to
// the parent (or to the coordinator it hosts), down messages checked and passed along their route, and broadcasts
// passed to every child.

import type { Coordinator } from './coordinator.js';
import type { Envelopes } from './envelopes.js';
import type { DownBody, Message, UpBody } from './wire.js';

type UpMessage = Extract<Message, { type: 'up' }>;
type DownMessage = Extract<Message, { type: 'down' }>;

/** What the tree routing reads of the peer. */
export interface TreeRoutingContext {
  readonly selfId: string;
  readonly envelopes: Envelopes;
  /** The term of the coordinator the peer follows. */
  term(): number;
  /** The coordinator the peer hosts, when it coordinates: up traffic ends there. */
  coordinator(): Coordinator | undefined;
  send(to: string, message: Message): void;
  /** A link sent what it should not. */
  badMessage(from: string, error: string): void;
}

export class TreeRouting {
  private currentParent: string | null = null;
  private readonly childIds = new Set<string>();
  /** The number of this peer's last up message; the coordinator takes each number once. */
  private upNumber = 0;

  constructor(private readonly context: TreeRoutingContext) {}

  get parent(): string | null {
    return this.currentParent;
  }

  get children(): ReadonlySet<string> {
    return this.childIds;
  }

  attachUnder(parent: string): void {
    this.currentParent = parent;
  }

  /** Leaves the parent; returns it. */
  leaveParent(): string | null {
    const parent = this.currentParent;
    this.currentParent = null;
    return parent;
  }

  addChild(peer: string): void {
    this.childIds.add(peer);
  }

  /** Whether `peer` was a child. */
  removeChild(peer: string): boolean {
    return this.childIds.delete(peer);
  }

  /** The parent or a child: a link the tree needs. */
  isNeighbour(peer: string): boolean {
    return peer === this.currentParent || this.childIds.has(peer);
  }

  /** Sends a message to every child. */
  toChildren(message: Message): void {
    for (const child of this.childIds) this.context.send(child, message);
  }

  /** This peer's own up body: signed for its parent, or handed to the coordinator it hosts. */
  sendUp(body: UpBody): void {
    const coordinator = this.context.coordinator();
    if (coordinator !== undefined) {
      coordinator.handleUp(this.context.selfId, body);
      return;
    }
    if (this.currentParent === null) return; // resent once a parent is back (shares), or superseded (status)
    this.context.send(this.currentParent, this.context.envelopes.up(this.context.term(), ++this.upNumber, body));
  }

  /** Only children pass traffic up; relays pass it on unchanged, and the coordinator checks whose it is. */
  relayUp(from: string, message: UpMessage): void {
    if (!this.childIds.has(from)) return;
    const coordinator = this.context.coordinator();
    if (coordinator !== undefined) {
      coordinator.handleUpMessage(message);
      return;
    }
    if (this.currentParent === null) return;
    this.context.send(this.currentParent, message);
  }

  /**
   * A down message signed by `signer`: passed on to the next child on its route, or, when it is addressed to this
   * peer, returned with its term.
   */
  routeDown(from: string, message: DownMessage, signer: string): { term: number; body: DownBody } | undefined {
    const [me, next, ...rest] = message.route;
    if (me !== this.context.selfId && message.route.length > 0) return undefined;
    // A relay checks what it passes on too: a child must never hear, from its honest parent, a message that someone
    // above rerouted or made up, and would blame the parent for. A message of another term is dropped unblamed: it
    // may be an honest one that crossed a change of coordinator.
    const addressee = message.route.at(-1) ?? this.context.selfId;
    const opened = this.context.envelopes.openDown(message, signer, null, addressee);
    if (!opened.ok) {
      this.context.badMessage(from, `down: ${opened.error}`);
      return undefined;
    }
    if (next !== undefined) {
      if (this.childIds.has(next)) this.context.send(next, { ...message, route: [next, ...rest] });
      return undefined;
    }
    return opened.value;
  }
}

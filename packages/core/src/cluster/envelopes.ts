// Who signs what in the cluster protocol, and the checks on opening (docs/PROTOCOL.md, "Signed traffic"): a peer
// signs its hello for one link and its own up messages; the coordinator signs down messages, broadcasts and
// placements; the cluster key signs gateway credentials. Opening a value checks its signature against the key its
// signer's id names, then its schema; nothing here trusts a field it has not checked.
import { Compile } from 'typebox/compile';
import { type Credential, type CredentialPayload, checkCredential } from '../identity/credential.js';
import { type Identity, publicKeyOfId } from '../identity/keys.js';
import type { SignatureScheme } from '../identity/signature-scheme.js';
import { type Opened, openSignedBy, type Signed, signJson, type ValueCheck } from '../identity/signed.js';
import {
  type BroadcastBody,
  type BroadcastPayload,
  BroadcastPayloadSchema,
  type DownBody,
  type DownPayload,
  DownPayloadSchema,
  type HelloPayload,
  HelloPayloadSchema,
  type Message,
  type PeerInfo,
  type PlacementPayload,
  PlacementPayloadSchema,
  PROTOCOL_VERSION,
  type UpBody,
  type UpPayload,
  UpPayloadSchema,
} from './wire.js';

/** What a peer signs with, and what it checks others against. */
export interface ClusterKeys {
  scheme: SignatureScheme;
  identity: Identity;
  /** The cluster key, as an id: gateway credentials must be its signature. */
  cluster: string;
  /** This peer's gateway credential; null for a peer that may not coordinate. */
  credential: Credential | null;
}

type HelloMessage = Extract<Message, { type: 'hello' }>;
type UpMessage = Extract<Message, { type: 'up' }>;
type DownMessage = Extract<Message, { type: 'down' }>;
type BroadcastMessage = Extract<Message, { type: 'broadcast' }>;

const checks = {
  hello: Compile(HelloPayloadSchema),
  up: Compile(UpPayloadSchema),
  down: Compile(DownPayloadSchema),
  broadcast: Compile(BroadcastPayloadSchema),
  placement: Compile(PlacementPayloadSchema),
};

/** Why openUp refused an up message whose origin it was told is no member. */
export const STRANGER = 'its origin is not a member';

/** Credentials checked recently, so a heartbeat's credential costs one verification, not one per heartbeat. */
const CHECKED_CREDENTIALS = 64;

export class Envelopes {
  private readonly checkedCredentials = new Map<string, CredentialPayload>();

  constructor(
    readonly keys: ClusterKeys,
    private readonly now: () => number,
  ) {}

  get id(): string {
    return this.keys.identity.id;
  }

  hello(to: string, info: PeerInfo, coordinator: HelloPayload['coordinator']): HelloMessage {
    const payload: HelloPayload = { t: 'hello', from: this.id, to, info, coordinator };
    return { v: PROTOCOL_VERSION, type: 'hello', signed: this.sign(payload), credential: this.keys.credential };
  }

  /** The hello `from` sent on its link to this peer, and the gateway credential it showed (null for none). */
  openHello(from: string, message: HelloMessage): Opened<{ hello: HelloPayload; gateway: CredentialPayload | null }> {
    const opened = this.open(message.signed, checks.hello, (hello) => hello.from);
    if (!opened.ok) return opened;
    const hello = opened.value;
    if (hello.from !== from || hello.to !== this.id || hello.info.id !== from) {
      return { ok: false, error: 'the hello was made for another link' };
    }
    if (message.credential === null) {
      if (hello.info.role === 'gateway') return { ok: false, error: 'it says it is a gateway but has no credential' };
      return { ok: true, value: { hello, gateway: null } };
    }
    const gateway = this.credential(from, message.credential);
    if (!gateway.ok) return gateway;
    return { ok: true, value: { hello, gateway: gateway.value } };
  }

  /** Whether `credential` lets `holder` coordinate this cluster now. */
  credential(holder: string, credential: Credential): Opened<CredentialPayload> {
    const cacheKey = `${holder}:${credential.sig}`;
    const known = this.checkedCredentials.get(cacheKey);
    if (known !== undefined && known.expiresAt > this.now()) return { ok: true, value: known };
    const checked = checkCredential(this.keys.scheme, this.keys.cluster, holder, credential, this.now());
    if (!checked.ok) return checked;
    if (this.checkedCredentials.size >= CHECKED_CREDENTIALS) {
      const [oldest] = this.checkedCredentials.keys();
      if (oldest !== undefined) this.checkedCredentials.delete(oldest);
    }
    this.checkedCredentials.set(cacheKey, checked.payload);
    return { ok: true, value: checked.payload };
  }

  up(term: number, n: number, body: UpBody): UpMessage {
    const payload: UpPayload = { t: 'up', origin: this.id, term, n, body };
    return { v: PROTOCOL_VERSION, type: 'up', signed: this.sign(payload) };
  }

  /**
   * An up message as its origin signed it; the caller checks term and order. An origin `known` refuses is refused
   * before any signature is checked: a stranger's flood costs a parse, not a verification.
   */
  openUp(message: UpMessage, known: (origin: string) => boolean = () => true): Opened<UpPayload> {
    let stranger = false;
    const opened = this.open(message.signed, checks.up, (up) => {
      stranger = !known(up.origin);
      return stranger ? '' : up.origin;
    });
    return stranger ? { ok: false, error: STRANGER } : opened;
  }

  down(term: number, to: string, route: string[], body: DownBody): DownMessage {
    const payload: DownPayload = { t: 'down', term, to, body };
    return { v: PROTOCOL_VERSION, type: 'down', route, signed: this.sign(payload) };
  }

  /**
   * A down message signed by `coordinator` for `term`, addressed to `to`: this peer, or for a relay the last hop of
   * the route it passes the message on.
   */
  openDown(message: DownMessage, coordinator: string, term: number | null, to = this.id): Opened<DownPayload> {
    const opened = this.open(message.signed, checks.down, () => coordinator);
    if (!opened.ok) return opened;
    if (opened.value.to !== to) return { ok: false, error: 'it is addressed to another peer' };
    if (term !== null && opened.value.term !== term) return { ok: false, error: `it is for term ${opened.value.term}` };
    return opened;
  }

  broadcast(term: number, body: BroadcastBody): BroadcastMessage {
    const payload: BroadcastPayload = { t: 'broadcast', coordinator: this.id, term, body };
    return { v: PROTOCOL_VERSION, type: 'broadcast', signed: this.sign(payload) };
  }

  /** A broadcast as its coordinator signed it; the caller checks that it follows that coordinator and term. */
  openBroadcast(message: BroadcastMessage): Opened<BroadcastPayload> {
    return this.open(message.signed, checks.broadcast, (broadcast) => broadcast.coordinator);
  }

  placement(term: number, peer: string, parent: string): Signed {
    const payload: PlacementPayload = { t: 'placement', term, peer, parent };
    return this.sign(payload);
  }

  openPlacement(signed: Signed, coordinator: string): Opened<PlacementPayload> {
    return this.open(signed, checks.placement, () => coordinator);
  }

  private sign(payload: object): Signed {
    return signJson(this.keys.scheme, this.keys.identity.secretKey, payload);
  }

  /** Checks the payload, then the signature of the peer `signer` names in it. */
  private open<T>(signed: Signed, check: ValueCheck<T>, signer: (value: T) => string): Opened<T> {
    return openSignedBy(this.keys.scheme, signed, check, (value) => publicKeyOfId(signer(value)));
  }
}

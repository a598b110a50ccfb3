// Fuzzing the wire: decodeMessage() and the signed envelopes take anything a stranger sends. They never throw,
// admit only values the schemas describe, and open a signed value only when its signer signed exactly that text.
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad } from '@scure/base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCredential, fuzzIdentity } from '../../testing/fuzz-cluster.js';
import { fuzzCheck, fuzzTimeoutMs } from '../../testing/fuzz-settings.js';
import {
  HOSTILE_KEYS,
  type Mutation,
  mutate,
  mutation,
  randomSignature,
  type WireWorld,
  wireArbitraries,
} from '../../testing/wire-arbitraries.js';
import type { Identity } from '../identity/keys.js';
import { nobleEd25519, type SignatureScheme } from '../identity/signature-scheme.js';
import type { Signed } from '../identity/signed.js';
import { simulatedSignatures } from '../simulation/sim-signatures.js';
import { Envelopes } from './envelopes.js';
import { decodeMessage, type Message, PROTOCOL_VERSION } from './wire.js';

/** The keys of each message type, by hand rather than from the schemas: a second opinion on what decodes. */
const MESSAGE_KEYS: Record<string, readonly string[]> = {
  hello: ['signed', 'credential'],
  join: ['orphan'],
  welcome: ['term', 'parent', 'succession', 'heartbeat', 'job', 'blocks', 'placement'],
  redirect: ['coordinator', 'term', 'full'],
  attach: ['placement'],
  detach: [],
  up: ['signed'],
  down: ['route', 'signed'],
  broadcast: ['signed'],
};
const SIGNED_LIMITS: Record<string, Record<string, number>> = {
  hello: { signed: 8 * 1024, credential: 512 },
  welcome: { job: 16 * 1024, placement: 1024 },
  attach: { placement: 1024 },
  up: { signed: 8 * 1024 },
  down: { signed: 512 * 1024 },
  broadcast: { signed: 16 * 1024 },
};
const ID = /^[a-z2-7]{52}$/;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isSeq = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;

/** What is wrong with a decoded message, by the rules of docs/PROTOCOL.md; empty when nothing is. */
function messageProblems(value: unknown): string[] {
  if (!isRecord(value)) return ['not an object'];
  const keys = MESSAGE_KEYS[value.type as string];
  if (value.v !== PROTOCOL_VERSION || keys === undefined) return ['not a version 2 message type'];
  const found: string[] = [];
  const expected = ['v', 'type', ...keys].sort();
  if (JSON.stringify(Object.keys(value).sort()) !== JSON.stringify(expected)) found.push('keys differ');
  for (const [key, limit] of Object.entries(SIGNED_LIMITS[value.type as string] ?? {})) {
    const signed = value[key];
    if (signed === null && key !== 'signed' && value.type !== 'attach') continue;
    if (
      !isRecord(signed) ||
      Object.keys(signed).length !== 2 ||
      typeof signed.payload !== 'string' ||
      signed.payload.length > limit ||
      typeof signed.sig !== 'string' ||
      !/^[A-Za-z0-9_-]{86}$/.test(signed.sig)
    ) {
      found.push(`${key} is no signed value within ${limit}`);
    }
  }
  const ids = (list: unknown, max: number) =>
    Array.isArray(list) && list.length <= max && list.every((id) => ID.test(id));
  if (value.type === 'join' && typeof value.orphan !== 'boolean') found.push('orphan');
  if (
    value.type === 'redirect' &&
    (!(value.coordinator === null || ID.test(String(value.coordinator))) || !isSeq(value.term))
  ) {
    found.push('redirect fields');
  }
  if (value.type === 'welcome' && (!isSeq(value.term) || !ID.test(String(value.parent)) || !ids(value.succession, 8))) {
    found.push('welcome fields');
  }
  if (value.type === 'welcome' && !(Array.isArray(value.blocks) && value.blocks.length <= 64)) found.push('blocks');
  if (value.type === 'down' && !ids(value.route, 32)) found.push('route');
  return found;
}

/** Values no JSON parser makes, and values that look like prototype pollution. */
const strangeValues = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withObjectString: true,
    withSet: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
  fc
    .tuple(
      fc.constantFrom(...HOSTILE_KEYS),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(...Object.keys(MESSAGE_KEYS)),
    )
    .map(([key, value, type]) =>
      JSON.parse(`{"v":${PROTOCOL_VERSION},"type":"${type}",${JSON.stringify(key)}:${JSON.stringify(value)}}`),
    ),
);

const scheme = simulatedSignatures();
const signers = ['alice', 'bob', 'carol'].map((name) => fuzzIdentity(scheme, name));
const world: WireWorld = { scheme, identities: signers, credentials: [fuzzCredential(scheme, 'alice', true)] };
const wire = wireArbitraries(world);

function expectDecodedSoundly(value: unknown, { invalid }: { invalid: boolean }): void {
  const decoded = decodeMessage(value);
  if (!decoded.ok) {
    expect(decoded.error).toEqual(expect.any(String));
    return;
  }
  expect(invalid).toBe(false);
  expect(decoded.message).toBe(value);
  expect(messageProblems(value)).toEqual([]);
  // What decodes survives the trip through JSON text unchanged.
  expect(decodeMessage(JSON.parse(JSON.stringify(value))).ok).toBe(true);
}

describe('decodeMessage (fuzzed)', () => {
  it('admits every message the schemas describe, as a peer sends it', () => {
    fuzzCheck(
      'valid messages',
      fc.property(wire.message, (message) => {
        const value: unknown = JSON.parse(JSON.stringify(message));
        expect(decodeMessage(value)).toEqual({ ok: true, message: value });
        expect(messageProblems(value)).toEqual([]);
      }),
      300,
    );
  });

  it('never throws on any JSON value, and admits only what is shaped like a message', () => {
    fuzzCheck(
      'any JSON',
      fc.property(fc.jsonValue(), (value) => expectDecodedSoundly(value, { invalid: false })),
      500,
    );
  });

  it('never throws on values no parser makes, and lets no key reach a prototype', () => {
    fuzzCheck(
      'strange values',
      fc.property(strangeValues, (value) => {
        expectDecodedSoundly(value, { invalid: false });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
      }),
      300,
    );
  });

  it('refuses a message with a field dropped, added, retyped, out of range, huge or deeply nested', () => {
    fuzzCheck(
      'mutated messages',
      fc.property(wire.message, fc.array(mutation, { minLength: 1, maxLength: 3 }), (message, mutations) => {
        let text = JSON.stringify(message);
        // Deep nesting goes last: this test's own JSON.stringify would overflow on it, as any would.
        const ordered = [
          ...mutations.filter((change) => change.kind !== 'deepNesting'),
          ...mutations.filter((change) => change.kind === 'deepNesting').slice(0, 1),
        ];
        let invalid = false;
        for (const change of ordered) {
          const mutated = mutate(JSON.parse(text), change);
          text = mutated.text;
          // A later change may mend an earlier one (a key added, then dropped): only a lone change says.
          invalid = ordered.length === 1 && mutated.invalid;
        }
        expectDecodedSoundly(JSON.parse(text), { invalid });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      300,
    );
  });
});

// ---- envelopes ----

/** A payload signed as the test says: by its named signer or by someone else, then perhaps altered. */
interface Envelope<T> {
  payload: T;
  /** Who signs: 0 is the signer the payload names (or the coordinator); others are other keys; -1 made up. */
  signer: number;
  mutation: Mutation | null;
  /** The text changed after signing: one space, which JSON ignores and a signature does not. */
  reformatted: boolean;
  madeUp: string;
}

function envelope<T>(payload: fc.Arbitrary<T>): fc.Arbitrary<Envelope<T>> {
  return fc.record({
    payload,
    signer: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, fc.integer({ min: -1, max: 2 })),
    mutation: fc.option(mutation, { nil: null, freq: 3 }),
    reformatted: fc.boolean(),
    madeUp: randomSignature,
  });
}

/** Signs the envelope's text; says whether an opening must succeed, given that the named signer is `named`. */
function seal<T>(
  keys: { scheme: SignatureScheme; byIndex: (index: number) => Identity | undefined },
  e: Envelope<T>,
): { signed: Signed; genuine: boolean; text: string } {
  const mutated =
    e.mutation === null ? { text: JSON.stringify(e.payload), invalid: false } : mutate(e.payload, e.mutation);
  const identity = keys.byIndex(e.signer);
  const sig =
    identity === undefined
      ? e.madeUp
      : base64urlnopad.encode(keys.scheme.sign(identity.secretKey, utf8ToBytes(mutated.text)));
  const text = e.reformatted ? ` ${mutated.text}` : mutated.text;
  return { signed: { payload: text, sig }, genuine: e.signer === 0 && !e.reformatted && e.mutation === null, text };
}

function envelopeProperties(label: string, scheme: SignatureScheme, runs: number) {
  const me = fuzzIdentity(scheme, 'me');
  const others = ['alice', 'bob', 'carol'].map((name) => fuzzIdentity(scheme, name));
  const everyone = [me, ...others];
  const credential = fuzzCredential(scheme, 'alice', true);
  const ids = fc.constantFrom(...everyone.map((identity) => identity.id));
  const arbitraries = wireArbitraries({ scheme, identities: everyone, credentials: [credential] });
  const now = Date.UTC(2026, 10, 24, 12);
  const envelopes = new Envelopes(
    { scheme, identity: me, cluster: fuzzIdentity(scheme, 'the cluster').id, credential: null },
    () => now,
  );
  const byId = (id: string) => everyone.find((identity) => identity.id === id);
  /** The identity that signs: the named one for 0, another for 1 and 2. */
  const signerFor = (named: string) => (index: number) => {
    if (index === 0) return byId(named);
    if (index < 0) return undefined;
    return everyone.filter((identity) => identity.id !== named)[index - 1];
  };
  const decodes = (message: unknown): message is Message => decodeMessage(message).ok;

  describe(`the envelopes, with ${label} (fuzzed)`, () => {
    it(
      'open an up message only as its origin signed it',
      () => {
        const payload = fc.tuple(arbitraries.upPayload, ids).map(([up, origin]) => ({ ...up, origin }));
        fuzzCheck(
          `up, ${label}`,
          fc.property(envelope(payload), (e) => {
            const { signed, genuine, text } = seal({ scheme, byIndex: signerFor(e.payload.origin) }, e);
            const message = { v: PROTOCOL_VERSION, type: 'up', signed };
            if (!decodes(message) || message.type !== 'up') return;
            const opened = envelopes.openUp(message);
            if (genuine) expect(opened).toEqual({ ok: true, value: JSON.parse(text) });
            if (opened.ok) expect(JSON.stringify(opened.value)).toBe(text);
            if (opened.ok && e.mutation !== null) expect(mutate(e.payload, e.mutation).invalid).toBe(false);
            if (opened.ok) expect(byId(opened.value.origin)).toBeDefined();
          }),
          runs,
        );
      },
      fuzzTimeoutMs(30_000),
    );

    it(
      'open a down message only from the coordinator, for this peer and term',
      () => {
        const payload = fc
          .tuple(arbitraries.downPayload, fc.oneof(fc.constant(me.id), ids), fc.nat({ max: 3 }))
          .map(([down, to, term]) => ({ ...down, to, term }));
        fuzzCheck(
          `down, ${label}`,
          fc.property(envelope(payload), ids, fc.option(fc.nat({ max: 3 }), { nil: null }), (e, coordinator, term) => {
            const { signed, genuine, text } = seal({ scheme, byIndex: signerFor(coordinator) }, e);
            const message = { v: PROTOCOL_VERSION, type: 'down', route: [], signed };
            if (!decodes(message) || message.type !== 'down') return;
            const opened = envelopes.openDown(message, coordinator, term);
            const forMe = e.payload.to === me.id && (term === null || e.payload.term === term);
            if (genuine && forMe) expect(opened).toEqual({ ok: true, value: JSON.parse(text) });
            if (opened.ok) {
              expect(JSON.stringify(opened.value)).toBe(text);
              expect(opened.value.to).toBe(me.id);
              if (term !== null) expect(opened.value.term).toBe(term);
            }
          }),
          runs,
        );
      },
      fuzzTimeoutMs(30_000),
    );

    it(
      'open a broadcast or a placement only as the coordinator signed it',
      () => {
        const broadcast = fc
          .tuple(arbitraries.broadcastPayload, ids)
          .map(([b, coordinator]) => ({ ...b, coordinator }));
        fuzzCheck(
          `broadcast and placement, ${label}`,
          fc.property(envelope(broadcast), envelope(arbitraries.placementPayload), ids, (b, p, coordinator) => {
            const sealed = seal({ scheme, byIndex: signerFor(b.payload.coordinator) }, b);
            const message = { v: PROTOCOL_VERSION, type: 'broadcast', signed: sealed.signed };
            if (decodes(message) && message.type === 'broadcast') {
              const opened = envelopes.openBroadcast(message);
              if (sealed.genuine) expect(opened).toEqual({ ok: true, value: JSON.parse(sealed.text) });
              if (opened.ok) expect(JSON.stringify(opened.value)).toBe(sealed.text);
            }
            const placed = seal({ scheme, byIndex: signerFor(coordinator) }, p);
            const attach = { v: PROTOCOL_VERSION, type: 'attach', placement: placed.signed };
            if (decodes(attach) && attach.type === 'attach') {
              const opened = envelopes.openPlacement(attach.placement, coordinator);
              if (placed.genuine) expect(opened).toEqual({ ok: true, value: JSON.parse(placed.text) });
              if (opened.ok) expect(JSON.stringify(opened.value)).toBe(placed.text);
            }
          }),
          runs,
        );
      },
      fuzzTimeoutMs(30_000),
    );

    it(
      'open a hello only from the peer at the other end, made for this link, with a credential of its own',
      () => {
        const hello = fc
          .tuple(arbitraries.helloPayload, ids, fc.oneof(fc.constant(me.id), ids), fc.boolean())
          .map(([h, from, to, sameId]) => ({ ...h, from, to, info: { ...h.info, id: sameId ? from : h.info.id } }));
        fuzzCheck(
          `hello, ${label}`,
          fc.property(envelope(hello), ids, fc.option(fc.constant(credential), { nil: null }), (e, link, shown) => {
            const { signed, genuine, text } = seal({ scheme, byIndex: signerFor(e.payload.from) }, e);
            const message = { v: PROTOCOL_VERSION, type: 'hello', signed, credential: shown };
            if (!decodes(message) || message.type !== 'hello') return;
            const opened = envelopes.openHello(link, message);
            const { from, to, info } = e.payload;
            const fitsLink = from === link && to === me.id && info.id === link;
            // The credential was issued to alice; a gateway without one is refused.
            const credentialHolds = shown === null ? info.role === 'worker' : link === others[0]?.id;
            if (genuine && fitsLink && credentialHolds) {
              expect(opened).toEqual({
                ok: true,
                value: { hello: JSON.parse(text), gateway: shown === null ? null : expect.any(Object) },
              });
            }
            if (opened.ok) {
              expect(JSON.stringify(opened.value.hello)).toBe(text);
              expect([opened.value.hello.from, opened.value.hello.info.id]).toEqual([link, link]);
              expect(opened.value.hello.to).toBe(me.id);
              if (opened.value.gateway !== null) expect(opened.value.gateway.key).toBe(link);
            }
          }),
          runs,
        );
      },
      fuzzTimeoutMs(30_000),
    );
  });
}

envelopeProperties('stand-in signatures', simulatedSignatures(), 300);
envelopeProperties('Ed25519', nobleEd25519, 40);

import { describe, expect, it } from 'vitest';
import { idOf, TEST_CLUSTER, TEST_NOW, testCredential, testIdentity, testInfo, testKeys } from '../../testing/keys.js';
import type { Credential } from '../identity/credential.js';
import { nobleEd25519, type SignatureScheme } from '../identity/signature-scheme.js';
import { type Signed, signJson } from '../identity/signed.js';
import { type ClusterKeys, Envelopes } from './envelopes.js';
import { type Message, PROTOCOL_VERSION } from './wire.js';

const v = PROTOCOL_VERSION;
const at = (keys: ClusterKeys, now = TEST_NOW) => new Envelopes(keys, () => now);
const gw = at(testKeys('gw', { gateway: true }));
const alice = at(testKeys('alice'));
const bob = at(testKeys('bob'));

/** `signed` with its payload changed by `change`, and the signature left as it was. */
function altered(signed: Signed, change: (payload: Record<string, unknown>) => Record<string, unknown>): Signed {
  return { ...signed, payload: JSON.stringify(change(JSON.parse(signed.payload))) };
}

/** `value` signed by the test identity `name`. */
const signedBy = (name: string, value: unknown) => signJson(nobleEd25519, testIdentity(name).secretKey, value);

describe('hellos', () => {
  it("open on their own link: from the link's peer, to this peer, about the sender", () => {
    const hello = alice.hello(idOf('bob'), testInfo('alice'), null);
    expect(bob.openHello(idOf('alice'), hello)).toMatchObject({
      ok: true,
      value: { hello: { from: idOf('alice'), to: idOf('bob'), coordinator: null }, gateway: null },
    });
    // Passed on to a third peer, or heard on another link, it is worth nothing.
    const carol = at(testKeys('carol'));
    expect(carol.openHello(idOf('alice'), hello)).toEqual({ ok: false, error: 'the hello was made for another link' });
    expect(bob.openHello(idOf('carol'), hello)).toMatchObject({ ok: false });
  });

  it('refuse info about another peer, even signed by the sender', () => {
    const payload = { t: 'hello', from: idOf('alice'), to: idOf('bob'), info: testInfo('carol'), coordinator: null };
    const hello = { v, type: 'hello', signed: signedBy('alice', payload), credential: null } as const;
    expect(bob.openHello(idOf('alice'), hello)).toEqual({ ok: false, error: 'the hello was made for another link' });
  });

  it('refuse a forged or re-signed hello', () => {
    const hello = alice.hello(idOf('bob'), testInfo('alice'), null);
    const changed = altered(hello.signed, (payload) => ({ ...payload, info: testInfo('alice', { hashrate: 1e9 }) }));
    expect(bob.openHello(idOf('alice'), { ...hello, signed: changed })).toEqual({
      ok: false,
      error: 'the signature does not match',
    });
    // Carol signs a hello in Alice's name.
    const payload = JSON.parse(hello.signed.payload);
    expect(bob.openHello(idOf('alice'), { ...hello, signed: signedBy('carol', payload) })).toMatchObject({ ok: false });
  });

  it('from a gateway come with its credential, which opens to what the cluster key signed', () => {
    const hello = gw.hello(idOf('bob'), testInfo('gw', { role: 'gateway' }), { id: idOf('gw'), term: 4 });
    const opened = bob.openHello(idOf('gw'), hello);
    expect(opened).toMatchObject({
      ok: true,
      value: {
        hello: { coordinator: { id: idOf('gw'), term: 4 } },
        gateway: { t: 'credential', key: idOf('gw'), cluster: TEST_CLUSTER.id, server: false },
      },
    });
  });

  it.each<[string, Credential | null, string]>([
    ['none', null, 'it says it is a gateway but has no credential'],
    ["another peer's", testCredential('gw'), 'the credential was issued to another key'],
    [
      "another cluster's",
      testCredential('alice', { cluster: testIdentity('rival') }),
      "the credential is not the cluster's",
    ],
    ['an expired one', testCredential('alice', { lifetimeMs: 30_000 }), 'the credential has expired'],
    [
      'a self-issued one',
      testCredential('alice', { cluster: testIdentity('alice') }),
      "the credential is not the cluster's",
    ],
  ])('refuse a gateway with %s credential', (_, credential, error) => {
    const hello = alice.hello(idOf('bob'), testInfo('alice', { role: 'gateway' }), null);
    const opened = bob.openHello(idOf('alice'), { ...hello, credential });
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.error).toContain(error);
  });
});

describe('credentials', () => {
  /** The test scheme, counting verifications. */
  function counting(): SignatureScheme & { verified: number } {
    const scheme = {
      verified: 0,
      publicKey: nobleEd25519.publicKey,
      sign: nobleEd25519.sign,
      verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) {
        scheme.verified++;
        return nobleEd25519.verify(publicKey, message, signature);
      },
    };
    return scheme;
  }

  it('are checked once while they are valid, and refused once expired', () => {
    const scheme = counting();
    let now = TEST_NOW;
    const envelopes = new Envelopes({ ...testKeys('bob'), scheme }, () => now);
    const credential = testCredential('gw', { lifetimeMs: 3600_000 });
    for (let i = 0; i < 3; i++) expect(envelopes.credential(idOf('gw'), credential).ok).toBe(true);
    expect(scheme.verified).toBe(1);
    // Not for another holder, whatever was checked before.
    expect(envelopes.credential(idOf('alice'), credential).ok).toBe(false);
    now = TEST_NOW + 3600_000;
    expect(envelopes.credential(idOf('gw'), credential)).toEqual({ ok: false, error: 'the credential has expired' });
  });
});

describe('up messages', () => {
  const body = { v, type: 'needWork', hashrate: 10 } as const;

  it('open as their origin signed them', () => {
    const up = alice.up(3, 7, body);
    expect(gw.openUp(up)).toEqual({
      ok: true,
      value: { t: 'up', origin: idOf('alice'), term: 3, n: 7, body },
    });
  });

  it("refuse another peer's signature in the origin's name, a changed payload, and a re-signed one", () => {
    const up = alice.up(3, 7, body);
    const inAlicesName = altered(bob.up(3, 7, body).signed, (payload) => ({ ...payload, origin: idOf('alice') }));
    const changed = altered(up.signed, (payload) => ({ ...payload, n: 8 }));
    const resigned = signedBy('bob', JSON.parse(up.signed.payload));
    for (const signed of [inAlicesName, changed, resigned]) {
      expect(gw.openUp({ v, type: 'up', signed })).toEqual({ ok: false, error: 'the signature does not match' });
    }
  });

  it('refuse what was signed for another purpose', () => {
    const hello = alice.hello(idOf('gw'), testInfo('alice'), null);
    expect(gw.openUp({ v, type: 'up', signed: hello.signed })).toEqual({
      ok: false,
      error: 'the signed payload has the wrong shape',
    });
    const placement = gw.placement(1, idOf('alice'), idOf('bob'));
    expect(gw.openUp({ v, type: 'up', signed: placement }).ok).toBe(false);
  });

  it('refuse a payload that is not JSON', () => {
    const signed = { payload: '{"t":"up"', sig: alice.up(1, 1, body).signed.sig };
    expect(gw.openUp({ v, type: 'up', signed })).toEqual({ ok: false, error: 'the signed payload is not JSON' });
  });
});

describe('down messages', () => {
  const down = gw.down(2, idOf('alice'), [idOf('bob'), idOf('alice')], { v, type: 'handover' });

  it('open only for the peer they are addressed to, from its coordinator, for the term it knows', () => {
    expect(alice.openDown(down, idOf('gw'), 2)).toEqual({
      ok: true,
      value: { t: 'down', term: 2, to: idOf('alice'), body: { v, type: 'handover' } },
    });
    expect(bob.openDown(down, idOf('gw'), 2)).toEqual({ ok: false, error: 'it is addressed to another peer' });
    expect(alice.openDown(down, idOf('gw'), 3)).toEqual({ ok: false, error: 'it is for term 2' });
    expect(alice.openDown(down, idOf('bob'), 2)).toEqual({ ok: false, error: 'the signature does not match' });
    // Over a direct link, from a gateway a joiner asked: any term.
    expect(alice.openDown(down, idOf('gw'), null).ok).toBe(true);
  });

  it('refuse a relay’s changes and its own signature', () => {
    const changed = altered(down.signed, (payload) => ({ ...payload, term: 3 }));
    expect(alice.openDown({ ...down, signed: changed }, idOf('gw'), 3).ok).toBe(false);
    const resigned = signedBy('bob', JSON.parse(down.signed.payload));
    expect(alice.openDown({ ...down, signed: resigned }, idOf('gw'), 2).ok).toBe(false);
    // The route is not signed: a relay may only follow it.
    expect(alice.openDown({ ...down, route: [] }, idOf('gw'), 2).ok).toBe(true);
  });
});

describe('broadcasts', () => {
  const heartbeat: Message = gw.broadcast(5, {
    v,
    type: 'heartbeat',
    succession: [],
    totals: { peers: 1, hashrate: 0, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 },
    credential: testCredential('gw'),
  });

  it('open only with the key of the coordinator they name', () => {
    if (heartbeat.type !== 'broadcast') throw new Error('not a broadcast');
    expect(alice.openBroadcast(heartbeat)).toMatchObject({ ok: true, value: { coordinator: idOf('gw'), term: 5 } });
    const inGwsName = altered(bob.broadcast(5, JSON.parse(heartbeat.signed.payload).body).signed, (payload) => ({
      ...payload,
      coordinator: idOf('gw'),
    }));
    expect(alice.openBroadcast({ v, type: 'broadcast', signed: inGwsName })).toEqual({
      ok: false,
      error: 'the signature does not match',
    });
    const later = altered(heartbeat.signed, (payload) => ({ ...payload, term: 6 }));
    expect(alice.openBroadcast({ v, type: 'broadcast', signed: later }).ok).toBe(false);
  });
});

describe('placements', () => {
  it('open with the coordinator’s key to the term, the peer and the parent it signed', () => {
    const placement = gw.placement(1, idOf('alice'), idOf('bob'));
    expect(bob.openPlacement(placement, idOf('gw'))).toEqual({
      ok: true,
      value: { t: 'placement', term: 1, peer: idOf('alice'), parent: idOf('bob') },
    });
    expect(bob.openPlacement(placement, idOf('alice')).ok).toBe(false);
    expect(bob.openPlacement(alice.placement(1, idOf('alice'), idOf('bob')), idOf('gw')).ok).toBe(false);
    const moved = altered(placement, (payload) => ({ ...payload, parent: idOf('carol') }));
    expect(bob.openPlacement(moved, idOf('gw')).ok).toBe(false);
  });

  it('refuse a down message passed off as a placement', () => {
    const down = gw.down(1, idOf('alice'), [idOf('alice')], { v, type: 'handover' });
    expect(bob.openPlacement(down.signed, idOf('gw'))).toEqual({
      ok: false,
      error: 'the signed payload has the wrong shape',
    });
  });
});

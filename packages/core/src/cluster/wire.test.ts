import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { fakeId, idOf, TEST_NOW, testCredential, testIdentity, testInfo, testKeys } from '../../testing/keys.js';
import { nobleEd25519 } from '../identity/signature-scheme.js';
import { signJson } from '../identity/signed.js';
import { DemoChain } from '../jobs/demo-chain.js';
import { Envelopes } from './envelopes.js';
import {
  BroadcastPayloadSchema,
  blockFromWire,
  blockToWire,
  DownPayloadSchema,
  decodeMessage,
  HelloPayloadSchema,
  jobFromWire,
  jobToWire,
  PROTOCOL_VERSION,
  REPLICA_ENTRIES_PER_MESSAGE,
  type ReplicaEntry,
  UpPayloadSchema,
} from './wire.js';

const v = PROTOCOL_VERSION;
const gateway = new Envelopes(testKeys('gw', { gateway: true }), () => TEST_NOW);
const worker = new Envelopes(testKeys('w'), () => TEST_NOW);
const job = jobToWire(new DemoChain().template(new Uint8Array(8), TEST_NOW, 10));
const share = { v, type: 'share', seq: 1, jobId: job.id, leaseId: '1.1', nonce: 7, hash: 'ab'.repeat(32) } as const;

describe('wire messages', () => {
  it('are version 3', () => {
    expect(PROTOCOL_VERSION).toBe(3);
  });

  it('accepts well-formed messages of every type', () => {
    const placement = gateway.placement(1, idOf('w'), idOf('r'));
    const jobBroadcast = gateway.broadcast(1, { v, type: 'job', job });
    for (const message of [
      gateway.hello(idOf('w'), testInfo('gw', { role: 'gateway', jobSource: true }), { id: idOf('gw'), term: 1 }),
      worker.hello(idOf('gw'), testInfo('w'), null),
      { v, type: 'join', orphan: false },
      {
        v,
        type: 'welcome',
        term: 1,
        parent: idOf('r'),
        succession: [idOf('s')],
        heartbeat: null,
        job: jobBroadcast.signed,
        blocks: [],
        placement,
      },
      {
        v,
        type: 'welcome',
        term: 1,
        parent: idOf('gw'),
        succession: [],
        heartbeat: null,
        job: null,
        blocks: [],
        placement: null,
      },
      { v, type: 'redirect', coordinator: idOf('gw'), term: 3, full: true },
      { v, type: 'redirect', coordinator: null, term: 0, full: false },
      { v, type: 'attach', placement },
      { v, type: 'detach' },
      worker.up(1, 1, share),
      worker.up(1, 2, { v, type: 'status', info: testInfo('w'), parent: idOf('r'), children: 2 }),
      gateway.down(1, idOf('w'), [idOf('r'), idOf('w')], { v, type: 'handover' }),
      jobBroadcast,
    ]) {
      expect(decodeMessage(JSON.parse(JSON.stringify(message)))).toEqual({ ok: true, message });
    }
  });

  const welcome = {
    v,
    type: 'welcome',
    term: 1,
    parent: idOf('gw'),
    succession: [],
    heartbeat: null,
    job: null,
    blocks: [],
  };
  const hello = worker.hello(idOf('gw'), testInfo('w'), null);
  const up = worker.up(1, 1, share);
  const long = (bytes: number) =>
    signJson(nobleEd25519, testIdentity('w').secretKey, { t: 'up', pad: 'x'.repeat(bytes) });

  it.each([
    ['version 1', { v: 1, type: 'join', orphan: false }],
    ['an unknown type', { v, type: 'shutdown' }],
    ['an extra field', { v, type: 'join', orphan: false, admin: true }],
    ['an extra field on a signed value', { ...up, signed: { ...up.signed, from: idOf('w') } }],
    ['a message without its signature', { v, type: 'up', signed: { payload: up.signed.payload } }],
    ['a signature that is not 64 bytes of base64url', { ...up, signed: { ...up.signed, sig: 'abc' } }],
    ['a coordinator id that is no key', { v, type: 'redirect', coordinator: 'gw', term: 1, full: false }],
    ['an upper-case id', { v, type: 'redirect', coordinator: idOf('gw').toUpperCase(), term: 1, full: false }],
    ['a parent id that is no key', { ...welcome, parent: 'peer-1', placement: null }],
    ['a route through a peer that is no key', { v, type: 'down', route: ['relay'], signed: up.signed }],
    ['a route longer than 32 hops', { v, type: 'down', route: Array(33).fill(idOf('w')), signed: up.signed }],
    ['a hello without its credential field', { v, type: 'hello', signed: hello.signed }],
    ['a credential that is no signed value', { ...hello, credential: 'trust me' }],
    ['an up message over 8 KiB', { v, type: 'up', signed: long(8 * 1024) }],
    ['a hello over 8 KiB', { ...hello, signed: long(8 * 1024) }],
    ['a placement over 1 KiB', { v, type: 'attach', placement: long(1024) }],
    ['a broadcast over 16 KiB', { v, type: 'broadcast', signed: long(16 * 1024) }],
    ['a down message over 512 KiB', { v, type: 'down', route: [], signed: long(512 * 1024) }],
    ['not an object', 'hello'],
    ['null', null],
  ])('refuses %s with a reason', (_, message) => {
    const decoded = decodeMessage(message);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.length).toBeGreaterThan(3);
  });

  it('refuses a job whose blob is too short to hold a nonce at offset 39', () => {
    const short = { ...job, blob: job.blob.slice(0, 2 * 42) };
    const broadcast = { t: 'broadcast', coordinator: idOf('gw'), term: 1, body: { v, type: 'job', job: short } };
    expect(Compile(BroadcastPayloadSchema).Check(broadcast)).toBe(false);
    expect(Compile(BroadcastPayloadSchema).Check({ ...broadcast, body: { v, type: 'job', job } })).toBe(true);
    expect(
      gateway.openBroadcast({
        v,
        type: 'broadcast',
        signed: signJson(nobleEd25519, testIdentity('gw').secretKey, broadcast),
      }),
    ).toEqual({
      ok: false,
      error: 'the signed payload has the wrong shape',
    });
  });

  it('carries the next seed, when the source knows it, as 64 hex digits', () => {
    const template = new DemoChain().template(new Uint8Array(8).fill(3), TEST_NOW, 10);
    const hinted = { ...template, nextSeedHash: new Uint8Array(32).fill(0xbb) };
    const wire = jobToWire(hinted);
    expect(wire.nextSeedHash).toBe('bb'.repeat(32));
    expect(jobFromWire(wire)).toEqual(hinted);
    const check = Compile(DownPayloadSchema);
    const lease = { id: '1.1', jobId: wire.id, start: 0, count: 300, target: '1000' };
    const down = (job: unknown) => ({ t: 'down', term: 1, to: idOf('w'), body: { v, type: 'lease', lease, job } });
    expect(check.Check(down(wire))).toBe(true);
    // Without a hint the field is left out, not sent empty.
    expect('nextSeedHash' in jobToWire(template)).toBe(false);
    expect('nextSeedHash' in jobFromWire(jobToWire(template))).toBe(false);
    for (const bad of ['', 'bb'.repeat(31), 'BB'.repeat(32), 'zz'.repeat(32)]) {
      expect(check.Check(down({ ...wire, nextSeedHash: bad }))).toBe(false);
    }
  });

  it('round-trips jobs and blocks between wire and memory', () => {
    const chain = new DemoChain();
    const template = chain.template(new Uint8Array(8).fill(3), TEST_NOW, 10);
    expect(jobFromWire(jobToWire(template))).toEqual(template);
    const outcome = chain.submit(template, 9, new Uint8Array(32), { id: idOf('w'), name: 'Ada' });
    if (!outcome.accepted) throw new Error(outcome.reason);
    expect(blockFromWire(blockToWire(outcome.block))).toEqual(outcome.block);
  });
});

describe('signed payloads', () => {
  const hellos = Compile(HelloPayloadSchema);
  const ups = Compile(UpPayloadSchema);
  const downs = Compile(DownPayloadSchema);
  const helloPayload = { t: 'hello', from: idOf('w'), to: idOf('gw'), info: testInfo('w'), coordinator: null };

  it('name their kind, so a signature made for one purpose passes for no other', () => {
    expect(hellos.Check(helloPayload)).toBe(true);
    expect(ups.Check({ ...helloPayload, t: 'up' })).toBe(false);
    expect(hellos.Check({ ...helloPayload, t: 'up' })).toBe(false);
    expect(ups.Check({ t: 'up', origin: idOf('w'), term: 1, n: 1, body: share })).toBe(true);
    expect(downs.Check({ t: 'down', term: 1, to: idOf('w'), body: share })).toBe(false);
  });

  it.each([
    ['a name over 40 characters', { ...helloPayload, info: testInfo('w', { name: 'x'.repeat(41) }) }],
    ['a role that is neither gateway nor worker', { ...helloPayload, info: { ...testInfo('w'), role: 'auto' } }],
    ['a peer without jobSource', { ...helloPayload, info: { ...testInfo('w'), jobSource: undefined } }],
    ['a hashrate above 1e9', { ...helloPayload, info: testInfo('w', { hashrate: 2e9 }) }],
    ['an id that is no key', { ...helloPayload, from: 'w' }],
    ['an extra field', { ...helloPayload, admin: true }],
    ['a claim without a term', { ...helloPayload, coordinator: { id: idOf('gw') } }],
  ])('refuses a hello with %s', (_, payload) => {
    expect(hellos.Check(JSON.parse(JSON.stringify(payload)))).toBe(false);
  });

  it.each([
    ['a hash that is not 32 bytes of hex', { ...share, hash: 'zz' }],
    ['a nonce beyond 32 bits', { ...share, nonce: 2 ** 32 }],
    ['a claimed hashrate above 1e9', { v, type: 'needWork', hashrate: 1e10 }],
    ['a body of another direction', { v, type: 'handover' }],
  ])('refuses an up body with %s', (_, body) => {
    expect(ups.Check({ t: 'up', origin: idOf('w'), term: 1, n: 1, body })).toBe(false);
  });

  it('refuses an up message with a negative or fractional number', () => {
    for (const n of [-1, 1.5]) expect(ups.Check({ t: 'up', origin: idOf('w'), term: 1, n, body: share })).toBe(false);
  });

  it(`carries at most ${REPLICA_ENTRIES_PER_MESSAGE} replica entries in one down message`, () => {
    const entries = (count: number): ReplicaEntry[] =>
      Array.from({ length: count }, (_, i) => ({ e: 'ban', peer: fakeId(i), until: 1e15 }));
    const replica = (count: number) => ({
      t: 'down',
      term: 1,
      to: idOf('s'),
      body: { v, type: 'replica', from: 0, snapshot: { part: 0, parts: 2 }, entries: entries(count) },
    });
    expect(downs.Check(replica(REPLICA_ENTRIES_PER_MESSAGE))).toBe(true);
    expect(downs.Check(replica(REPLICA_ENTRIES_PER_MESSAGE + 1))).toBe(false);
    // Signed, the largest body still fits a down message, and opens.
    const standby = new Envelopes(testKeys('s', { gateway: true }), () => TEST_NOW);
    const body = replica(REPLICA_ENTRIES_PER_MESSAGE).body as Parameters<Envelopes['down']>[3];
    const message = gateway.down(1, idOf('s'), [idOf('s')], body);
    expect(decodeMessage(JSON.parse(JSON.stringify(message))).ok).toBe(true);
    expect(standby.openDown(message, idOf('gw'), 1).ok).toBe(true);
    const tooMany = signJson(nobleEd25519, testIdentity('gw').secretKey, replica(REPLICA_ENTRIES_PER_MESSAGE + 1));
    expect(standby.openDown({ v, type: 'down', route: [], signed: tooMany }, idOf('gw'), 1)).toEqual({
      ok: false,
      error: 'the signed payload has the wrong shape',
    });
  });

  it('refuse a replica entry of an unknown kind or with extra fields', () => {
    const down = (entry: unknown) => ({
      t: 'down',
      term: 1,
      to: idOf('s'),
      body: { v, type: 'replica', from: 0, snapshot: null, entries: [entry] },
    });
    const member = { e: 'member', peer: idOf('w'), parent: idOf('gw'), gateway: false, since: 0 };
    expect(downs.Check(down(member))).toBe(true);
    expect(downs.Check(down({ ...member, e: 'admin' }))).toBe(false);
    expect(downs.Check(down({ ...member, trusted: true }))).toBe(false);
    expect(downs.Check(down({ e: 'left', peer: 'w' }))).toBe(false);
  });

  it('bound a heartbeat to a credential of the right shape', () => {
    const heartbeat = (credential: unknown) => ({
      t: 'broadcast',
      coordinator: idOf('gw'),
      term: 1,
      body: {
        v,
        type: 'heartbeat',
        succession: [],
        totals: { peers: 1, hashrate: 0, sharesAccepted: 0, sharesRejected: 0, blocksFound: 0 },
        credential,
      },
    });
    const opened = (payload: unknown) =>
      gateway.openBroadcast({
        v,
        type: 'broadcast',
        signed: signJson(nobleEd25519, testIdentity('gw').secretKey, payload),
      }).ok;
    expect(opened(heartbeat(testCredential('gw')))).toBe(true);
    expect(opened(heartbeat(null))).toBe(false);
    expect(opened(heartbeat({ ...testCredential('gw'), extra: 1 }))).toBe(false);
  });
});

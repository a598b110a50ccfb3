import { describe, expect, it } from 'vitest';
import { DemoChain } from '../jobs/demo-chain.js';
import { blockFromWire, blockToWire, decodeMessage, jobFromWire, jobToWire, PROTOCOL_VERSION } from './wire.js';

const v = PROTOCOL_VERSION;
const info = {
  id: 'peer-1',
  name: 'Ada',
  role: 'worker',
  engine: 'wasm',
  mode: 'light',
  cores: 4,
  memoryMb: 4096,
  mines: true,
  hashrate: 12.5,
  maxLinks: 8,
  startedAt: 1,
};

describe('wire messages', () => {
  it('accepts well-formed messages of every kind it checks here', () => {
    const job = jobToWire(new DemoChain().template(new Uint8Array(8), Date.UTC(2026, 10, 24), 10));
    const share = { v, type: 'share', seq: 1, jobId: job.id, leaseId: '1.1', nonce: 7, hash: 'ab'.repeat(32) };
    for (const message of [
      { v, type: 'hello', info, coordinator: null, term: 0 },
      { v, type: 'join', orphan: false },
      { v, type: 'up', origin: 'peer-1', path: ['relay'], body: share },
      { v, type: 'broadcast', term: 3, body: { v, type: 'job', job } },
    ]) {
      expect(decodeMessage(message)).toEqual({ ok: true, message });
    }
  });

  it.each([
    ['another protocol version', { v: 2, type: 'join', orphan: false }],
    ['an unknown type', { v, type: 'shutdown' }],
    ['an extra field', { v, type: 'join', orphan: false, admin: true }],
    ['a peer id with a slash', { v, type: 'hello', info: { ...info, id: 'a/b' }, coordinator: null, term: 0 }],
    [
      'a name over 40 characters',
      { v, type: 'hello', info: { ...info, name: 'x'.repeat(41) }, coordinator: null, term: 0 },
    ],
    [
      'a hash that is not 32 bytes of hex',
      {
        v,
        type: 'up',
        origin: 'a',
        path: [],
        body: { v, type: 'share', seq: 1, jobId: 'j', leaseId: 'l', nonce: 1, hash: 'zz' },
      },
    ],
    [
      'a nonce beyond 32 bits',
      {
        v,
        type: 'up',
        origin: 'a',
        path: [],
        body: { v, type: 'share', seq: 1, jobId: 'j', leaseId: 'l', nonce: 2 ** 32, hash: 'ab'.repeat(32) },
      },
    ],
    [
      'a route longer than 32 hops',
      { v, type: 'down', route: Array(33).fill('a'), body: { v, type: 'banned', reason: '' } },
    ],
    ['not an object', 'hello'],
    ['null', null],
  ])('refuses %s with a reason', (_, message) => {
    const decoded = decodeMessage(message);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.length).toBeGreaterThan(3);
  });

  it('refuses a job whose blob is too short to hold a nonce at offset 39', () => {
    const job = jobToWire(new DemoChain().template(new Uint8Array(8), Date.UTC(2026, 10, 24), 10));
    const short = { ...job, blob: job.blob.slice(0, 2 * 42) };
    expect(decodeMessage({ v, type: 'broadcast', term: 1, body: { v, type: 'job', job: short } }).ok).toBe(false);
  });

  it('carries the next seed, when the source knows it, as 64 hex digits', () => {
    const job = new DemoChain().template(new Uint8Array(8).fill(3), Date.UTC(2026, 10, 24), 10);
    const hinted = { ...job, nextSeedHash: new Uint8Array(32).fill(0xbb) };
    const wire = jobToWire(hinted);
    expect(wire.nextSeedHash).toBe('bb'.repeat(32));
    expect(jobFromWire(wire)).toEqual(hinted);
    expect(decodeMessage({ v, type: 'broadcast', term: 1, body: { v, type: 'job', job: wire } }).ok).toBe(true);
    // Without a hint the field is left out, not sent empty.
    expect('nextSeedHash' in jobToWire(job)).toBe(false);
    expect('nextSeedHash' in jobFromWire(jobToWire(job))).toBe(false);
    for (const bad of ['', 'bb'.repeat(31), 'BB'.repeat(32), 'zz'.repeat(32)]) {
      const message = { v, type: 'broadcast', term: 1, body: { v, type: 'job', job: { ...wire, nextSeedHash: bad } } };
      expect(decodeMessage(message).ok).toBe(false);
    }
  });

  it('round-trips jobs and blocks between wire and memory', () => {
    const chain = new DemoChain();
    const job = chain.template(new Uint8Array(8).fill(3), Date.UTC(2026, 10, 24), 10);
    expect(jobFromWire(jobToWire(job))).toEqual(job);
    const outcome = chain.submit(job, 9, new Uint8Array(32), { id: 'peer-1', name: 'Ada' });
    if (!outcome.accepted) throw new Error(outcome.reason);
    expect(blockFromWire(blockToWire(outcome.block))).toEqual(outcome.block);
  });
});

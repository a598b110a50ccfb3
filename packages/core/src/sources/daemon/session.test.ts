import { describe, expect, it } from 'vitest';
import { TEMPLATE_SEED_HEX, TEMPLATE_TIMESTAMP, templateReply } from '../../../testing/daemon-templates.js';
import { withNonce } from '../../blob.js';
import { bytesToHex, hexToBytes } from '../../hex.js';
import type { Job } from '../../jobs/job.js';
import { blockId, hashingBlob, parseBlockTemplate, withExtraNonce } from './block-template.js';
import { type BlockSubmission, DaemonSession, EXTRA_NONCE_BYTES, RECENT_JOBS } from './session.js';

const WALLET = '4wallet';
const instanceNonce = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
const finder = { id: 'peer-1', name: 'tester' };

function session(templateRefreshMs?: number): DaemonSession {
  return new DaemonSession({
    wallet: WALLET,
    instanceNonce,
    ...(templateRefreshMs === undefined ? {} : { templateRefreshMs }),
  });
}

/** The job a session makes of a template; fails the test if it makes none. */
function jobOf(daemon: DaemonSession, reply = templateReply(), now = 0, fresh = false): Job {
  const reading = daemon.readTemplate(reply, now, fresh);
  if (reading.kind !== 'job') throw new Error(`expected a job, got ${JSON.stringify(reading)}`);
  return reading.job;
}

function blockOf(daemon: DaemonSession, job: Job, nonce: number): BlockSubmission {
  const plan = daemon.prepareBlock(job, nonce, finder);
  if (!plan.ok) throw new Error(`expected a block, got ${plan.reason}`);
  return plan.block;
}

const info = (topBlockHash: string, sync: { synchronized?: boolean; busy_syncing?: boolean } = {}) => ({
  status: 'OK',
  height: 101,
  top_block_hash: topBlockHash,
  ...sync,
});

describe('DaemonSession: what to ask monerod', () => {
  it('asks for a template with room for the extra nonce, for the wallet', () => {
    expect(session().templateRequest()).toEqual({
      method: 'get_block_template',
      params: { wallet_address: WALLET, reserve_size: EXTRA_NONCE_BYTES },
    });
    expect(session().infoRequest()).toEqual({ method: 'get_info' });
  });

  it('wants a template before the first job and once the template is older than the refresh interval', () => {
    const daemon = session(30_000);
    expect(daemon.templateDue(0)).toBe(true);
    jobOf(daemon, templateReply(), 1000);
    expect(daemon.templateDue(1000)).toBe(false);
    expect(daemon.templateDue(30_999)).toBe(false);
    expect(daemon.templateDue(31_000)).toBe(true);
    // An unchanged template counts as fetched: the next one is due 30 s later again.
    expect(daemon.readTemplate(templateReply(), 31_000)).toEqual({ kind: 'unchanged' });
    expect(daemon.templateDue(31_000)).toBe(false);
  });

  it('reads a new tip from get_info, and waits while monerod is not synchronized', () => {
    const daemon = session();
    expect(daemon.readInfo(info('11'.repeat(32)))).toEqual({ kind: 'newTip' });
    jobOf(daemon, templateReply({ prevIdByte: 0x11 }));
    expect(daemon.readInfo(info('11'.repeat(32)))).toEqual({ kind: 'sameTip' });
    expect(daemon.readInfo(info('12'.repeat(32)))).toEqual({ kind: 'newTip' });
    for (const sync of [{ synchronized: false }, { busy_syncing: true }]) {
      expect(daemon.readInfo({ ...info('12'.repeat(32), sync), target_height: 3_000_000 })).toEqual({
        kind: 'syncing',
        problem: 'monerod is not synchronized yet (height 101 of 3000000); mining waits until it is.',
      });
    }
    expect(daemon.readInfo(info('11'.repeat(32), { synchronized: false }))).toMatchObject({
      problem: expect.stringContaining('of unknown'),
    });
  });
});

describe('DaemonSession: templates into jobs', () => {
  it('makes a job with its own extra nonce: the instance nonce, then a counter', () => {
    const daemon = session();
    const reply = templateReply({ height: 2049, nextSeedHash: 'bb'.repeat(32), txHashBytes: [0x44, 0x55] });
    const job = jobOf(daemon, reply, 1234);
    const extraNonce = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1);
    const filled = withExtraNonce(
      parseBlockTemplate(hexToBytes(reply.blocktemplate_blob)),
      reply.reserved_offset,
      extraNonce,
    );
    expect(job).toEqual({
      id: 'daemon-2049-deadbeef00000001',
      source: 'daemon',
      height: 2049,
      seedHash: hexToBytes(TEMPLATE_SEED_HEX),
      nextSeedHash: hexToBytes('bb'.repeat(32)),
      blob: hashingBlob(filled),
      difficulty: 1000n,
      createdAt: 1234,
    });
    expect(daemon.latestJob).toBe(job);
  });

  it('leaves out the next key while monerod sends none, and takes the 128-bit difficulty when sent', () => {
    const job = jobOf(session(), templateReply({ nextSeedHash: '', difficulty: 5, wideDifficulty: '0x10000000000' }));
    expect('nextSeedHash' in job).toBe(false);
    expect(job.difficulty).toBe(1n << 40n);
  });

  it('keeps the job while the template makes the same block, and makes a new one when anything in it changes', () => {
    const daemon = session();
    const first = jobOf(daemon, templateReply());
    expect(daemon.readTemplate(templateReply(), 10)).toEqual({ kind: 'unchanged' });
    expect(daemon.latestJob).toBe(first);
    const changes = [
      templateReply({ prevIdByte: 0x12 }),
      templateReply({ prevIdByte: 0x12, txHashBytes: [0x44] }),
      templateReply({ prevIdByte: 0x12, txHashBytes: [0x45] }),
      templateReply({ prevIdByte: 0x12, txHashBytes: [0x45], difficulty: 1001 }),
      templateReply({ prevIdByte: 0x12, txHashBytes: [0x45], difficulty: 1001, height: 101 }),
    ];
    const ids = changes.map((reply) => jobOf(daemon, reply).id);
    expect(ids).toEqual([2, 3, 4, 5, 6].map((n) => expect.stringMatching(new RegExp(`-deadbeef0000000${n}$`))));
  });

  it('makes the same template again with the next extra nonce when asked for fresh work', () => {
    const daemon = session();
    const first = jobOf(daemon);
    const again = jobOf(daemon, templateReply(), 5, true);
    expect(again.id).toBe('daemon-100-deadbeef00000002');
    expect(again.height).toBe(first.height);
    expect(bytesToHex(again.blob)).not.toBe(bytesToHex(first.blob));
  });

  it('says why a template is unusable, and keeps the latest job', () => {
    const daemon = session();
    const first = jobOf(daemon);
    const cut = { ...templateReply(), blocktemplate_blob: templateReply().blocktemplate_blob.slice(0, 120) };
    expect(daemon.readTemplate(cut, 1)).toEqual({
      kind: 'unusable',
      problem: expect.stringMatching(/^monerod sent a block template rxmesh cannot read: The block template ends/),
    });
    expect(daemon.readTemplate(templateReply({ prevIdByte: 0x13, reserveSize: 4 }), 1)).toEqual({
      kind: 'unusable',
      problem: expect.stringMatching(/^monerod's block template has no room for the extra nonce: .*reserve_size/),
    });
    expect(daemon.latestJob).toBe(first);
  });

  it('refuses an instance nonce of the wrong size', () => {
    expect(() => new DaemonSession({ wallet: WALLET, instanceNonce: new Uint8Array(3) })).toThrow(/has 4 bytes/);
  });
});

describe('DaemonSession: blocks', () => {
  it('sends the full template with the nonce, and names the block by the id of its hashing blob', () => {
    const daemon = session();
    const reply = templateReply({ txHashBytes: [0x44] });
    const job = jobOf(daemon, reply);
    const block = blockOf(daemon, job, 0x1234_5678);
    const template = withExtraNonce(
      parseBlockTemplate(hexToBytes(reply.blocktemplate_blob)),
      reply.reserved_offset,
      Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1),
    );
    expect(block.request).toEqual({
      method: 'submit_block',
      params: [bytesToHex(withNonce(template.blob, 0x1234_5678))],
    });
    expect(block.id).toEqual(blockId(withNonce(job.blob, 0x1234_5678)));
    expect(daemon.headerRequest(block)).toEqual({
      method: 'get_block_header_by_hash',
      params: { hash: bytesToHex(block.id) },
    });
  });

  it("makes a rig's variant of a job with the next extra nonce, and sends its block as the variant's template", () => {
    const daemon = session();
    const reply = templateReply({ txHashBytes: [0x44] });
    const job = jobOf(daemon, reply);
    const variant = daemon.variant(job);
    if (variant === undefined) throw new Error('no variant');
    const template = withExtraNonce(
      parseBlockTemplate(hexToBytes(reply.blocktemplate_blob)),
      reply.reserved_offset,
      Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 2),
    );
    expect(variant).toMatchObject({
      id: 'daemon-100-deadbeef00000002',
      height: job.height,
      difficulty: job.difficulty,
    });
    expect(variant.blob).toEqual(hashingBlob(template));
    expect(variant.blob).not.toEqual(job.blob);
    const block = blockOf(daemon, variant, 9);
    expect(block.request.params).toEqual([bytesToHex(withNonce(template.blob, 9))]);
    expect(block.id).toEqual(blockId(withNonce(variant.blob, 9)));
    expect(daemon.variant({ ...job, id: 'daemon-100-ffffffffffffffff' })).toBeUndefined();
  });

  it('refuses, without a request, a job it did not make, an altered one, one too old, and a bad nonce', () => {
    const daemon = session();
    const job = jobOf(daemon);
    const refusal = (candidate: Job, nonce = 1) => {
      const plan = daemon.prepareBlock(candidate, nonce, finder);
      return plan.ok ? 'planned' : plan.reason;
    };
    expect(refusal({ ...job, id: 'daemon-100-ffffffffffffffff' })).toMatch(/did not come from this monerod source/);
    expect(refusal({ ...job, blob: withNonce(job.blob, 7) })).toMatch(/did not come from this monerod source/);
    expect(refusal(job, 2 ** 32)).toMatch(/nonce/i);
    for (let i = 0; i < RECENT_JOBS - 1; i++) jobOf(daemon, templateReply(), i, true);
    expect(refusal(job)).toBe('planned');
    jobOf(daemon, templateReply(), 99, true);
    expect(refusal(job)).toMatch(/\(or is too old\)/);
  });

  it('gives an accepted block its record and counts it', () => {
    const daemon = session();
    const job = jobOf(daemon, templateReply({ prevIdByte: 0x21 }));
    const block = blockOf(daemon, job, 42);
    expect(daemon.blockAnswered(block, { kind: 'taken', sideChain: false })).toEqual({
      accepted: true,
      block: {
        height: 100,
        id: block.id,
        prevId: new Uint8Array(32).fill(0x21),
        timestamp: TEMPLATE_TIMESTAMP,
        difficulty: 1000n,
        seedHash: job.seedHash,
        nonce: 42,
        finderId: 'peer-1',
        finderName: 'tester',
      },
    });
    expect([daemon.accepted, daemon.rejected]).toEqual([1, 0]);
  });

  it('counts a refused block and one kept on a side chain as rejected, and one that never arrived as neither', () => {
    const daemon = session();
    const job = jobOf(daemon);
    const block = blockOf(daemon, job, 1);
    expect(daemon.blockAnswered(block, { kind: 'refused', reason: 'Block not accepted (code -7).' })).toEqual({
      accepted: false,
      reason: 'Block not accepted (code -7).',
    });
    expect(daemon.blockAnswered(block, { kind: 'taken', sideChain: true })).toEqual({
      accepted: false,
      reason: `monerod kept block 100 on a side chain only: the chain had moved past job ${job.id}.`,
    });
    expect([daemon.accepted, daemon.rejected]).toEqual([0, 2]);
    expect(daemon.blockAnswered(block, { kind: 'unanswered', problem: 'the request timed out.' })).toEqual({
      accepted: false,
      reason: 'The block did not reach monerod: the request timed out.',
    });
    expect([daemon.accepted, daemon.rejected]).toEqual([0, 2]);
  });
});

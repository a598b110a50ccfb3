import { describe, expect, it } from 'vitest';
import { decodeRpcReply, jsonRpcRequest, templateDifficulty } from './rpc.js';

const hash = 'ab'.repeat(32);
const template = {
  status: 'OK',
  blocktemplate_blob: '1010',
  blockhashing_blob: '1010',
  difficulty: 7,
  height: 3,
  prev_hash: hash,
  reserved_offset: 126,
  seed_hash: hash,
  expected_reward: 1,
};

describe('decodeRpcReply', () => {
  it('passes a result that fits the method’s schema, extra fields included', () => {
    expect(decodeRpcReply('get_block_template', { id: '0', jsonrpc: '2.0', result: template })).toEqual({
      kind: 'result',
      result: template,
    });
  });

  it('takes next_seed_hash as monerod sends it: empty while no switch is pending, else a hash', () => {
    for (const next_seed_hash of ['', 'cd'.repeat(32), 'CD'.repeat(32)]) {
      const result = { ...template, next_seed_hash };
      expect(decodeRpcReply('get_block_template', { result })).toEqual({ kind: 'result', result });
    }
    const short = decodeRpcReply('get_block_template', { result: { ...template, next_seed_hash: 'cd'.repeat(31) } });
    expect(short).toMatchObject({ kind: 'malformed', problem: expect.stringContaining('result/next_seed_hash') });
  });

  it('gives monerod’s error code and words', () => {
    const reply = { id: '0', jsonrpc: '2.0', error: { code: -6, message: 'Wrong block blob' } };
    expect(decodeRpcReply('submit_block', reply)).toEqual({ kind: 'error', code: -6, message: 'Wrong block blob' });
  });

  it('says what is wrong with a reply that does not fit', () => {
    expect(decodeRpcReply('get_info', 'garbage')).toEqual({
      kind: 'malformed',
      problem: 'it has neither a result nor an error',
    });
    const badHash = decodeRpcReply('get_info', { result: { status: 'OK', height: 5, top_block_hash: 'xyz' } });
    expect(badHash).toMatchObject({ kind: 'malformed', problem: expect.stringContaining('result/top_block_hash') });
    const noBlob = decodeRpcReply('get_block_template', { result: { ...template, blocktemplate_blob: undefined } });
    expect(noBlob.kind).toBe('malformed');
  });
});

describe('templateDifficulty', () => {
  it('prefers the 128-bit wide difficulty', () => {
    expect(templateDifficulty(template)).toBe(7n);
    expect(templateDifficulty({ ...template, wide_difficulty: '0x1000000000000000000' })).toBe(1n << 72n);
  });
});

describe('jsonRpcRequest', () => {
  it('is a JSON-RPC 2.0 call, with params only when given', () => {
    expect(JSON.parse(jsonRpcRequest('get_info'))).toEqual({ jsonrpc: '2.0', id: '0', method: 'get_info' });
    expect(JSON.parse(jsonRpcRequest('submit_block', ['00']))).toMatchObject({ params: ['00'] });
  });
});

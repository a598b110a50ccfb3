import { describe, expect, it } from 'vitest';
import { encodeNonce, encodeResult, keepaliveRequest, loginRequest, submitRequest } from './requests.js';

describe('Stratum requests', () => {
  it('encodes the nonce as its blob bytes (uint32 LE) in hex', () => {
    expect(encodeNonce(0x01020304)).toBe('04030201');
    expect(encodeNonce(0)).toBe('00000000');
    expect(encodeNonce(0xffffffff)).toBe('ffffffff');
    expect(encodeNonce(0xab000001)).toBe('010000ab');
    expect(() => encodeNonce(2 ** 32)).toThrow(RangeError);
    expect(() => encodeNonce(-1)).toThrow(RangeError);
    expect(() => encodeNonce(1.5)).toThrow(RangeError);
  });

  it('encodes the hash byte 0 first', () => {
    const hash = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(encodeResult(hash)).toBe('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    expect(() => encodeResult(new Uint8Array(31))).toThrow(RangeError);
  });

  it('writes login with the agent and the algorithm list, one line', () => {
    const line = loginRequest(1, { user: 'WALLET', pass: 'x', agent: 'rxmesh/0.1', algorithm: 'rx/0' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      id: 1,
      jsonrpc: '2.0',
      method: 'login',
      params: { login: 'WALLET', pass: 'x', agent: 'rxmesh/0.1', algo: ['rx/0'] },
    });
  });

  it('writes submit with the session id, job id, nonce and result', () => {
    const hash = new Uint8Array(32).fill(0xee);
    const line = submitRequest(7, { sessionId: 'S', poolJobId: 'J', nonce: 0x01020304, hash, algorithm: 'rx/0' });
    expect(JSON.parse(line)).toEqual({
      id: 7,
      jsonrpc: '2.0',
      method: 'submit',
      params: { id: 'S', job_id: 'J', nonce: '04030201', result: 'ee'.repeat(32), algo: 'rx/0' },
    });
  });

  it('writes keepalived with the session id', () => {
    expect(JSON.parse(keepaliveRequest(3, 'S'))).toEqual({
      id: 3,
      jsonrpc: '2.0',
      method: 'keepalived',
      params: { id: 'S' },
    });
  });
});

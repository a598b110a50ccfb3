import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bareCore, SCRATCH } from '../testing/bare-core.js';
import type { CoreExports } from './exports.js';

const DIGEST = SCRATCH;
const INPUT = SCRATCH + 64;

describe('BLAKE2b in the WebAssembly core', () => {
  let core: CoreExports;
  let memory: WebAssembly.Memory;
  beforeAll(async () => {
    ({ exports: core, memory } = await bareCore());
  });

  function blake2b(input: Uint8Array, digestBytes = 64): string {
    new Uint8Array(memory.buffer, INPUT, input.length).set(input);
    expect(core.rx_api_blake2b(DIGEST, digestBytes, INPUT, input.length)).toBe(0);
    return Buffer.from(new Uint8Array(memory.buffer, DIGEST, digestBytes).slice()).toString('hex');
  }

  it('matches RFC 7693 appendix A for "abc"', () => {
    expect(blake2b(new TextEncoder().encode('abc'))).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
        '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('matches the published digests of the empty message at 512 and 256 bits', () => {
    expect(blake2b(new Uint8Array(0))).toBe(
      '786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419' +
        'd25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce',
    );
    expect(blake2b(new Uint8Array(0), 32)).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  });

  it("agrees with OpenSSL's blake2b512 around every block boundary and on random lengths", () => {
    const lengths = [1, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1024, 4096];
    for (let i = 0; i < 40; i++) lengths.push(Math.floor(Math.random() * 3000));
    for (const length of lengths) {
      const input = randomBytes(length);
      expect(blake2b(input), `length ${length}`).toBe(createHash('blake2b512').update(input).digest('hex'));
    }
  });

  it('refuses digest lengths outside 1..64', () => {
    expect(core.rx_api_blake2b(DIGEST, 0, INPUT, 1)).toBe(-1);
    expect(core.rx_api_blake2b(DIGEST, 65, INPUT, 1)).toBe(-1);
  });
});

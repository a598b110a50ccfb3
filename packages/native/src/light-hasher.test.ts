import { describe, expect, it } from 'vitest';
import { publishedVectors } from '../../../fixtures/randomx-vectors.mjs';
import { createLightHasher, recommendedFlags } from './index.js';

const vectors = publishedVectors('rx/0');

describe('librandomx through the addon, light mode', () => {
  it('reports the flags this CPU supports', () => {
    const flags = recommendedFlags();
    expect(typeof flags.jit).toBe('boolean');
    // x86-64 always gets librandomx's JIT; hardware AES depends on the CPU.
    if (process.arch === 'x64') expect(flags.jit).toBe(true);
  });

  it('reproduces every published rx/0 vector', () => {
    for (const keyHex of new Set(vectors.map((vector) => vector.key))) {
      const group = vectors.filter((vector) => vector.key === keyHex);
      const hasher = createLightHasher(Buffer.from(keyHex, 'hex'));
      try {
        for (const vector of group) {
          expect(Buffer.from(hasher.hash(Buffer.from(vector.input, 'hex'))).toString('hex')).toBe(vector.hash);
        }
      } finally {
        hasher.release();
      }
    }
  });

  it('refuses to hash after release, and refuses non-buffer input', () => {
    const hasher = createLightHasher(Buffer.from('k'));
    expect(() => hasher.hash('text' as unknown as Uint8Array)).toThrow(/Buffer or Uint8Array/);
    hasher.release();
    expect(() => hasher.hash(Buffer.alloc(1))).toThrow(/released/);
  });
});

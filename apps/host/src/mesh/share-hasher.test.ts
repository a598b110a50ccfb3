import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes, withNonce } from '@rxmesh/core';
import { createLightHasher } from '@rxmesh/native';
import { describe, expect, it } from 'vitest';
import { canHideLibrandomx, nodeWithoutLibrandomx } from '../../testing/without-librandomx.js';
import { openShareHasher } from './share-hasher.js';

const seed = hexToBytes('11'.repeat(32));
const blob = new Uint8Array(76).map((_, i) => (i * 7 + 3) & 0xff);
const nonce = 123_456;

describe('the coordinator’s share hasher', () => {
  it('recomputes a share with native librandomx, as librandomx itself does', async () => {
    const warnings: string[] = [];
    const hasher = await openShareHasher(undefined, (message) => warnings.push(message));
    const oracle = createLightHasher(seed);
    try {
      expect(bytesToHex(await hasher.hash(seed, blob, nonce))).toBe(bytesToHex(oracle.hash(withNonce(blob, nonce))));
      expect(warnings).toEqual([]);
    } finally {
      oracle.release();
      await hasher.close();
    }
  });

  it.skipIf(!canHideLibrandomx)('falls back to WebAssembly, with the same hash, when librandomx does not load', () => {
    const oracle = createLightHasher(seed);
    const expected = bytesToHex(oracle.hash(withNonce(blob, nonce)));
    oracle.release();
    const module = fileURLToPath(new URL('../../dist/mesh/share-hasher.js', import.meta.url));
    const script = `
      const { openShareHasher } = await import(${JSON.stringify(module)});
      const hasher = await openShareHasher(undefined, (message) => console.error('warning: ' + message));
      const hash = await hasher.hash(Buffer.from(${JSON.stringify(bytesToHex(seed))}, 'hex'),
        Buffer.from(${JSON.stringify(bytesToHex(blob))}, 'hex'), ${nonce});
      console.log(Buffer.from(hash).toString('hex'));
      await hasher.close();`;
    const { code, stdout, stderr } = nodeWithoutLibrandomx(['--input-type=module', '-e', script]);
    expect(stderr).toMatch(/warning: The native engine cannot load librandomx.*Hashing with WebAssembly instead/);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(expected);
  });
});

// Share verification: a real share is accepted, and a wrong nonce, hash or seed is rejected; seeds beyond the
// light-mode limit are dropped and rebuilt on demand.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeEngine, ShareVerifier } from './index.js';

describe('ShareVerifier, light mode', () => {
  const verifier = new ShareVerifier({ lightSeeds: 1 });
  afterAll(() => verifier.close());
  const seed = randomBytes(32);
  const blob = randomBytes(76);

  it('accepts a real share and rejects a wrong nonce, a wrong hash and a wrong seed', { timeout: 60_000 }, async () => {
    const miner = NativeEngine.create({ mode: 'light', threads: 1 });
    await miner.setKey(seed);
    const { shares } = await miner.mine({ blob, firstNonce: 77, count: 1, target: 2n ** 64n - 1n });
    miner.release();
    const share = shares[0];
    if (share === undefined) throw new Error('the batch found no share');

    expect(await verifier.verify(seed, blob, 77, share.hash)).toMatchObject({ matches: true, mode: 'light' });
    expect((await verifier.verify(seed, blob, 78, share.hash)).matches).toBe(false);
    const wrongHash = Uint8Array.from(share.hash);
    wrongHash[0] = (wrongHash[0] ?? 0) ^ 1;
    expect((await verifier.verify(seed, blob, 77, wrongHash)).matches).toBe(false);
    expect((await verifier.verify(randomBytes(32), blob, 77, share.hash)).matches).toBe(false);
    // With one light seed kept, the first seed was dropped for the wrong one, and comes back on demand.
    expect((await verifier.verify(seed, blob, 77, share.hash)).matches).toBe(true);
    expect((await verifier.verify(seed, blob, 77)).matches).toBeNull();
  });
});

import { keccak_256 } from '@noble/hashes/sha3.js';
import { base58xmr } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { parseWalletAddress } from './wallet-address.js';

/** The Monero project's donation address, a mainnet primary address. */
const DONATION = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';

/** The donation address's keys under another tag (and payment ID), with a fresh checksum. */
function retagged(tag: number, paymentId = new Uint8Array()): string {
  const keys = base58xmr.decode(DONATION).subarray(1, 65);
  const body = Uint8Array.from([tag, ...keys, ...paymentId]);
  return base58xmr.encode(Uint8Array.from([...body, ...keccak_256(body).subarray(0, 4)]));
}

describe('parseWalletAddress', () => {
  it('reads the network and kind from the tag', () => {
    expect(parseWalletAddress(DONATION)).toEqual({ network: 'mainnet', kind: 'primary' });
    expect(retagged(42)[0]).toBe('8');
    expect(parseWalletAddress(retagged(42))).toEqual({ network: 'mainnet', kind: 'subaddress' });
    const integrated = retagged(19, new Uint8Array(8).fill(7));
    expect(integrated).toHaveLength(106);
    expect(parseWalletAddress(integrated)).toEqual({ network: 'mainnet', kind: 'integrated' });
    expect(parseWalletAddress(retagged(53))).toEqual({ network: 'testnet', kind: 'primary' });
    expect(parseWalletAddress(retagged(36))).toEqual({ network: 'stagenet', kind: 'subaddress' });
  });

  it('refuses a changed character, an unknown tag, a wrong length and what is not base58', () => {
    const changed = `${DONATION.slice(0, 40)}${DONATION[40] === 'a' ? 'b' : 'a'}${DONATION.slice(41)}`;
    expect(() => parseWalletAddress(changed)).toThrow(/checksum does not match/);
    expect(() => parseWalletAddress(retagged(99))).toThrow(/network tag 99 is not one of Monero's/);
    expect(() => parseWalletAddress(retagged(18, new Uint8Array(8)))).toThrow(/holds 73 bytes where a primary/);
    expect(() => parseWalletAddress(`0${DONATION.slice(1)}`)).toThrow(/not in Monero base58/);
  });
});

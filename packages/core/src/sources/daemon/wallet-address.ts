// Monero addresses as text: Monero's base58 of a varint network tag, the spend and view public keys, an integrated
// address's 8-byte payment ID, and the first 4 bytes of the Keccak-256 of everything before them. The tag says
// both the network and the kind of address, which matters to a solo miner: monerod builds block templates only
// for a primary address.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { base58xmr } from '@scure/base';
import { readSmallVarint } from './varint.js';

export type MoneroNetwork = 'mainnet' | 'testnet' | 'stagenet';
export type AddressKind = 'primary' | 'integrated' | 'subaddress';

export interface WalletAddress {
  network: MoneroNetwork;
  kind: AddressKind;
}

/** The network tags of cryptonote_config.h; regtest uses mainnet's. */
const TAGS = new Map<number, WalletAddress>([
  [18, { network: 'mainnet', kind: 'primary' }],
  [19, { network: 'mainnet', kind: 'integrated' }],
  [42, { network: 'mainnet', kind: 'subaddress' }],
  [53, { network: 'testnet', kind: 'primary' }],
  [54, { network: 'testnet', kind: 'integrated' }],
  [63, { network: 'testnet', kind: 'subaddress' }],
  [24, { network: 'stagenet', kind: 'primary' }],
  [25, { network: 'stagenet', kind: 'integrated' }],
  [36, { network: 'stagenet', kind: 'subaddress' }],
]);

const KEYS_BYTES = 64;
const PAYMENT_ID_BYTES = 8;
const CHECKSUM_BYTES = 4;

/** Reads an address's network and kind, or throws a sentence that says what is wrong with it. */
export function parseWalletAddress(text: string): WalletAddress {
  let bytes: Uint8Array;
  try {
    bytes = base58xmr.decode(text);
  } catch {
    throw new Error('it is not in Monero base58 (letters and digits other than 0, O, I and l)');
  }
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const checksum = keccak_256(body).subarray(0, CHECKSUM_BYTES);
  if (bytes.length <= CHECKSUM_BYTES || !checksum.every((byte, i) => byte === bytes[body.length + i])) {
    throw new Error('its checksum does not match, so a character is wrong or missing');
  }
  let tag: { value: number; next: number };
  try {
    tag = readSmallVarint(body, 0);
  } catch {
    throw new Error('it does not start with a network tag');
  }
  const address = TAGS.get(tag.value);
  if (address === undefined) throw new Error(`its network tag ${tag.value} is not one of Monero's`);
  const expected = tag.next + KEYS_BYTES + (address.kind === 'integrated' ? PAYMENT_ID_BYTES : 0);
  if (body.length !== expected)
    throw new Error(`it holds ${body.length} bytes where a ${address.kind} address holds ${expected}`);
  return address;
}

// Monero's varint: 7 bits per byte, least significant group first, the high bit set on every byte but the last.

/** A uint64 never takes more than 10 groups of 7 bits. */
const MAX_VARINT_BYTES = 10;
const MAX_UINT64 = (1n << 64n) - 1n;

export interface VarintRead {
  value: bigint;
  /** The offset just past the varint. */
  next: number;
}

export function readVarint(bytes: Uint8Array, offset: number): VarintRead {
  let value = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) throw new RangeError(`A varint at offset ${offset} runs past the end of the data.`);
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      // Monero refuses a redundant zero group, so every value has exactly one encoding.
      if (byte === 0 && i > 0) throw new RangeError(`The varint at offset ${offset} is not in its shortest form.`);
      if (value > MAX_UINT64) throw new RangeError(`The varint at offset ${offset} is larger than 64 bits.`);
      return { value, next: offset + i + 1 };
    }
  }
  throw new RangeError(`The varint at offset ${offset} is longer than ${MAX_VARINT_BYTES} bytes.`);
}

/** Reads a varint that must fit a JavaScript number without loss (counts, lengths, heights, timestamps). */
export function readSmallVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  const { value, next } = readVarint(bytes, offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`The varint at offset ${offset} (${value}) is too large for a count or length.`);
  }
  return { value: Number(value), next };
}

export function writeVarint(value: bigint | number): Uint8Array {
  let rest = BigInt(value);
  if (rest < 0n || rest > MAX_UINT64) throw new RangeError(`A varint holds a uint64, got ${value}.`);
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Uint8Array.from(bytes);
}

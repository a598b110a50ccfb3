// The fixed work of every light-mode benchmark, so that figures from Node, Chromium and the native C harness
// (bench/native-light.c, which repeats these two definitions in C) hash the same thing.

/** The cache key: the UTF-8 bytes of this text. */
export const BENCHMARK_KEY_TEXT = 'rxmesh benchmark key';

/** A Monero-shaped 76-byte hashing blob, byte i = (37 i + 11) mod 256; the nonce at offset 39 varies per hash. */
export function benchmarkBlob(): Uint8Array {
  return new Uint8Array(76).map((_, i) => (i * 37 + 11) & 0xff);
}

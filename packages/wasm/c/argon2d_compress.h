/* Argon2's compression function G (RFC 9106 3.5 and 3.6) on 1 KiB blocks of 128 little-endian words: a portable
 * version and, where WebAssembly SIMD is enabled, a SIMD128 version that handles two words per instruction.
 * argon2d_compress is the fastest one available; tests call both by name. */
#ifndef RX_ARGON2D_COMPRESS_H
#define RX_ARGON2D_COMPRESS_H

#include <stdint.h>

#define ARGON2D_BLOCK_WORDS 128

/* BlaMka's replacement for BLAKE2b's addition. */
static inline uint64_t argon2d_blamka(uint64_t a, uint64_t b) {
  return a + b + 2 * ((uint64_t)(uint32_t)a * (uint32_t)b);
}

static inline uint64_t argon2d_rotate_right(uint64_t value, unsigned bits) {
  return (value >> bits) | (value << (64 - bits));
}

/* GB: BLAKE2b's mixing function G without message words and with BlaMka's additions. */
#define ARGON2D_GB(a, b, c, d)           \
  do {                                   \
    a = argon2d_blamka(a, b);            \
    d = argon2d_rotate_right(d ^ a, 32); \
    c = argon2d_blamka(c, d);            \
    b = argon2d_rotate_right(b ^ c, 24); \
    a = argon2d_blamka(a, b);            \
    d = argon2d_rotate_right(d ^ a, 16); \
    c = argon2d_blamka(c, d);            \
    b = argon2d_rotate_right(b ^ c, 63); \
  } while (0)

/* The permutation P on the eight 16-byte registers at words first + k * stride (k = 0..7) of `block`: a row of
 * the 8x8 register matrix for stride 2, a column for stride 16. Register k holds v[2k] (low) and v[2k+1]. Always
 * inlined: with constant strides v becomes registers (gcc -O2 would not inline it; fills get 10% faster). */
__attribute__((always_inline)) static inline void argon2d_permute_scalar(uint64_t *block, unsigned first,
                                                                         unsigned stride) {
  uint64_t v[16];
  for (unsigned k = 0; k < 8; k++) {
    v[2 * k] = block[first + k * stride];
    v[2 * k + 1] = block[first + k * stride + 1];
  }
  ARGON2D_GB(v[0], v[4], v[8], v[12]);
  ARGON2D_GB(v[1], v[5], v[9], v[13]);
  ARGON2D_GB(v[2], v[6], v[10], v[14]);
  ARGON2D_GB(v[3], v[7], v[11], v[15]);
  ARGON2D_GB(v[0], v[5], v[10], v[15]);
  ARGON2D_GB(v[1], v[6], v[11], v[12]);
  ARGON2D_GB(v[2], v[7], v[8], v[13]);
  ARGON2D_GB(v[3], v[4], v[9], v[14]);
  for (unsigned k = 0; k < 8; k++) {
    block[first + k * stride] = v[2 * k];
    block[first + k * stride + 1] = v[2 * k + 1];
  }
}

/* out = G(x, y), or out ^= G(x, y) when xor_into_out (Argon2 version 0x13 after the first pass), where
 * G(x, y) = P_columns(P_rows(R)) ^ R with R = x ^ y. All reads come before the writes, so out may alias x or y. */
static inline void argon2d_compress_scalar(uint64_t *out, const uint64_t *x, const uint64_t *y, int xor_into_out) {
  uint64_t r[ARGON2D_BLOCK_WORDS], feed_forward[ARGON2D_BLOCK_WORDS];
  for (unsigned i = 0; i < ARGON2D_BLOCK_WORDS; i++) r[i] = x[i] ^ y[i];
  /* What P's result is finally XORed with: R, and in XOR mode the old output too. */
  if (xor_into_out) {
    for (unsigned i = 0; i < ARGON2D_BLOCK_WORDS; i++) feed_forward[i] = r[i] ^ out[i];
  } else {
    for (unsigned i = 0; i < ARGON2D_BLOCK_WORDS; i++) feed_forward[i] = r[i];
  }
  for (unsigned row = 0; row < 8; row++) argon2d_permute_scalar(r, 16 * row, 2);
  for (unsigned column = 0; column < 8; column++) argon2d_permute_scalar(r, 2 * column, 16);
  for (unsigned i = 0; i < ARGON2D_BLOCK_WORDS; i++) out[i] = r[i] ^ feed_forward[i];
}

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define ARGON2D_BLOCK_VECTORS 64

/* argon2d_blamka in both lanes. extmul multiplies 32-bit lanes 0 and 1, so the low halves of the two 64-bit
 * lanes (32-bit lanes 0 and 2) are gathered there first. */
static inline v128_t argon2d_blamka_simd128(v128_t a, v128_t b) {
  v128_t product = wasm_u64x2_extmul_low_u32x4(wasm_i32x4_shuffle(a, a, 0, 2, 0, 2),
                                               wasm_i32x4_shuffle(b, b, 0, 2, 0, 2));
  return wasm_i64x2_add(wasm_i64x2_add(a, b), wasm_i64x2_add(product, product));
}

/* Rotations by whole bytes are byte shuffles; 63 is a left rotation by one. */
static inline v128_t argon2d_rotate_right_32_simd128(v128_t v) { return wasm_i32x4_shuffle(v, v, 1, 0, 3, 2); }
static inline v128_t argon2d_rotate_right_24_simd128(v128_t v) {
  return wasm_i8x16_shuffle(v, v, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10);
}
static inline v128_t argon2d_rotate_right_16_simd128(v128_t v) {
  return wasm_i8x16_shuffle(v, v, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
}
static inline v128_t argon2d_rotate_right_63_simd128(v128_t v) {
  return wasm_v128_or(wasm_i64x2_add(v, v), wasm_u64x2_shr(v, 63));
}

/* V8 keeps instructions roughly in the order written, and a permutation P is one chain of dependent steps: doing
 * four at once, step by step, gives the CPU independent work to overlap (1.3x faster in Node 20). Eight at once
 * overflow the 16 x86-64 vector registers. */
#define ARGON2D_PERMUTATIONS_AT_ONCE 4
#define ARGON2D_PAIRS (2 * ARGON2D_PERMUTATIONS_AT_ONCE) /* register pairs of the permutations done at once */

/* GB on (a[i], b[i], c[i], d[i]) for every pair i, both lanes of each. Always inlined: only then do the arrays
 * become registers, and clang would not inline a function this large into eight call sites by itself. */
__attribute__((always_inline)) static inline void argon2d_gb_simd128(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) a[i] = argon2d_blamka_simd128(a[i], b[i]);
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) d[i] = argon2d_rotate_right_32_simd128(wasm_v128_xor(d[i], a[i]));
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) c[i] = argon2d_blamka_simd128(c[i], d[i]);
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) b[i] = argon2d_rotate_right_24_simd128(wasm_v128_xor(b[i], c[i]));
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) a[i] = argon2d_blamka_simd128(a[i], b[i]);
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) d[i] = argon2d_rotate_right_16_simd128(wasm_v128_xor(d[i], a[i]));
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) c[i] = argon2d_blamka_simd128(c[i], d[i]);
  for (unsigned i = 0; i < ARGON2D_PAIRS; i++) b[i] = argon2d_rotate_right_63_simd128(wasm_v128_xor(b[i], c[i]));
}

/* The four words (low0, low1, high0, high1) of two registers, moved one place towards the front or the back. */
static inline void argon2d_rotate_words_forward_simd128(v128_t *low, v128_t *high) {
  v128_t new_low = wasm_i64x2_shuffle(*low, *high, 1, 2);
  *high = wasm_i64x2_shuffle(*high, *low, 1, 2);
  *low = new_low;
}
static inline void argon2d_rotate_words_back_simd128(v128_t *low, v128_t *high) {
  v128_t new_low = wasm_i64x2_shuffle(*high, *low, 1, 2);
  *high = wasm_i64x2_shuffle(*low, *high, 1, 2);
  *low = new_low;
}
static inline void argon2d_swap_simd128(v128_t *low, v128_t *high) {
  v128_t old_low = *low;
  *low = *high;
  *high = old_low;
}

/* Four permutations P of a block held as 64 registers, number p on the registers first + p * spacing + k * stride
 * (k = 0..7): rows for spacing 8 and stride 1, columns for spacing 1 and stride 8. A permutation's register pairs
 * (0,1), (2,3), (4,5), (6,7) hold the words a, b, c, d of its four column GBs; for its diagonal GBs the words of
 * b, c and d move one, two and three places forward within their pair, and back after. */
static inline void argon2d_permute4_simd128(v128_t *block, unsigned first, unsigned spacing, unsigned stride) {
  v128_t a[ARGON2D_PAIRS], b[ARGON2D_PAIRS], c[ARGON2D_PAIRS], d[ARGON2D_PAIRS];
  for (unsigned p = 0; p < ARGON2D_PERMUTATIONS_AT_ONCE; p++) {
    const v128_t *registers = block + first + p * spacing;
    for (unsigned half = 0; half < 2; half++) {
      a[2 * p + half] = registers[half * stride];
      b[2 * p + half] = registers[(2 + half) * stride];
      c[2 * p + half] = registers[(4 + half) * stride];
      d[2 * p + half] = registers[(6 + half) * stride];
    }
  }
  argon2d_gb_simd128(a, b, c, d);
  for (unsigned p = 0; p < ARGON2D_PERMUTATIONS_AT_ONCE; p++) {
    argon2d_rotate_words_forward_simd128(&b[2 * p], &b[2 * p + 1]);
    argon2d_swap_simd128(&c[2 * p], &c[2 * p + 1]);
    argon2d_rotate_words_back_simd128(&d[2 * p], &d[2 * p + 1]);
  }
  argon2d_gb_simd128(a, b, c, d);
  for (unsigned p = 0; p < ARGON2D_PERMUTATIONS_AT_ONCE; p++) {
    argon2d_rotate_words_back_simd128(&b[2 * p], &b[2 * p + 1]);
    argon2d_swap_simd128(&c[2 * p], &c[2 * p + 1]);
    argon2d_rotate_words_forward_simd128(&d[2 * p], &d[2 * p + 1]);
  }
  for (unsigned p = 0; p < ARGON2D_PERMUTATIONS_AT_ONCE; p++) {
    v128_t *registers = block + first + p * spacing;
    for (unsigned half = 0; half < 2; half++) {
      registers[half * stride] = a[2 * p + half];
      registers[(2 + half) * stride] = b[2 * p + half];
      registers[(4 + half) * stride] = c[2 * p + half];
      registers[(6 + half) * stride] = d[2 * p + half];
    }
  }
}

/* argon2d_compress_scalar with two words per instruction. */
static inline void argon2d_compress_simd128(uint64_t *out, const uint64_t *x, const uint64_t *y, int xor_into_out) {
  v128_t r[ARGON2D_BLOCK_VECTORS], feed_forward[ARGON2D_BLOCK_VECTORS];
  for (unsigned i = 0; i < ARGON2D_BLOCK_VECTORS; i++) {
    r[i] = wasm_v128_xor(wasm_v128_load(x + 2 * i), wasm_v128_load(y + 2 * i));
  }
  if (xor_into_out) {
    for (unsigned i = 0; i < ARGON2D_BLOCK_VECTORS; i++) {
      feed_forward[i] = wasm_v128_xor(r[i], wasm_v128_load(out + 2 * i));
    }
  } else {
    for (unsigned i = 0; i < ARGON2D_BLOCK_VECTORS; i++) feed_forward[i] = r[i];
  }
  argon2d_permute4_simd128(r, 0, 8, 1);  /* rows 0-3 */
  argon2d_permute4_simd128(r, 32, 8, 1); /* rows 4-7 */
  argon2d_permute4_simd128(r, 0, 1, 8);  /* columns 0-3 */
  argon2d_permute4_simd128(r, 4, 1, 8);  /* columns 4-7 */
  for (unsigned i = 0; i < ARGON2D_BLOCK_VECTORS; i++) {
    wasm_v128_store(out + 2 * i, wasm_v128_xor(r[i], feed_forward[i]));
  }
}

#define argon2d_compress argon2d_compress_simd128
#else
#define argon2d_compress argon2d_compress_scalar
#endif

#endif

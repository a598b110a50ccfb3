/* Table-driven software AES rounds and the RandomX generators and hash built on them (specs.md chapter 3).
 * A 16-byte block is handled as four little-endian 32-bit words, each one AES column, which is how x86
 * AESENC/AESDEC see an xmm register; each word of a round's output is four table lookups XORed with the round key.
 * specs.md calls the 16-byte parts of the generator and hash states "columns"; so does the code below. */
#include "aes.h"

#include <string.h>

#include "aes_tables.h"

typedef struct {
  uint32_t word[4];
} aes_block;

static inline aes_block load_block(const uint8_t *bytes) {
  aes_block block;
  memcpy(block.word, bytes, sizeof block.word); /* wasm32 and x86-64 are little-endian */
  return block;
}

static inline void store_block(uint8_t *bytes, aes_block block) {
  memcpy(bytes, block.word, sizeof block.word);
}

/* bits is 8, 16 or 24 here, never 0. */
static inline uint32_t rotate_left(uint32_t value, unsigned bits) {
  return (value << bits) | (value >> (32 - bits));
}

/* The rows of one output word come from different input words (that is what (Inv)ShiftRows does); each
 * argument names the input word supplying that row. A row-r byte's contribution is its row-0 table entry
 * rotated by r bytes. */
static inline uint32_t encrypt_word(uint32_t row0_from, uint32_t row1_from, uint32_t row2_from, uint32_t row3_from) {
  return rx_aes_encrypt_table[row0_from & 0xff] ^ rotate_left(rx_aes_encrypt_table[(row1_from >> 8) & 0xff], 8) ^
         rotate_left(rx_aes_encrypt_table[(row2_from >> 16) & 0xff], 16) ^
         rotate_left(rx_aes_encrypt_table[row3_from >> 24], 24);
}

static inline uint32_t decrypt_word(uint32_t row0_from, uint32_t row1_from, uint32_t row2_from, uint32_t row3_from) {
  return rx_aes_decrypt_table[row0_from & 0xff] ^ rotate_left(rx_aes_decrypt_table[(row1_from >> 8) & 0xff], 8) ^
         rotate_left(rx_aes_decrypt_table[(row2_from >> 16) & 0xff], 16) ^
         rotate_left(rx_aes_decrypt_table[row3_from >> 24], 24);
}

/* ShiftRows moves row r left by r positions, so output word i takes row r from input word i + r. */
static inline aes_block encrypt_round(aes_block in, aes_block key) {
  const uint32_t *w = in.word;
  aes_block out;
  out.word[0] = encrypt_word(w[0], w[1], w[2], w[3]) ^ key.word[0];
  out.word[1] = encrypt_word(w[1], w[2], w[3], w[0]) ^ key.word[1];
  out.word[2] = encrypt_word(w[2], w[3], w[0], w[1]) ^ key.word[2];
  out.word[3] = encrypt_word(w[3], w[0], w[1], w[2]) ^ key.word[3];
  return out;
}

/* InvShiftRows moves row r right by r positions, so output word i takes row r from input word i - r. */
static inline aes_block decrypt_round(aes_block in, aes_block key) {
  const uint32_t *w = in.word;
  aes_block out;
  out.word[0] = decrypt_word(w[0], w[3], w[2], w[1]) ^ key.word[0];
  out.word[1] = decrypt_word(w[1], w[0], w[3], w[2]) ^ key.word[1];
  out.word[2] = decrypt_word(w[2], w[1], w[0], w[3]) ^ key.word[2];
  out.word[3] = decrypt_word(w[3], w[2], w[1], w[0]) ^ key.word[3];
  return out;
}

void rx_aes_encrypt_round(uint8_t block[16], const uint8_t key[16]) {
  store_block(block, encrypt_round(load_block(block), load_block(key)));
}

void rx_aes_decrypt_round(uint8_t block[16], const uint8_t key[16]) {
  store_block(block, decrypt_round(load_block(block), load_block(key)));
}

/* Constants of specs.md 3.2 and 3.4, in the memory order printed there. */
static const uint8_t generator_1r_keys[4][16] = {
    {0x53, 0xa5, 0xac, 0x6d, 0x09, 0x66, 0x71, 0x62, 0x2b, 0x55, 0xb5, 0xdb, 0x17, 0x49, 0xf4, 0xb4},
    {0x07, 0xaf, 0x7c, 0x6d, 0x0d, 0x71, 0x6a, 0x84, 0x78, 0xd3, 0x25, 0x17, 0x4e, 0xdc, 0xa1, 0x0d},
    {0xf1, 0x62, 0x12, 0x3f, 0xc6, 0x7e, 0x94, 0x9f, 0x4f, 0x79, 0xc0, 0xf4, 0x45, 0xe3, 0x20, 0x3e},
    {0x35, 0x81, 0xef, 0x6a, 0x7c, 0x31, 0xba, 0xb1, 0x88, 0x4c, 0x31, 0x16, 0x54, 0x91, 0x16, 0x49},
};

static const uint8_t hash_1r_initial_state[4][16] = {
    {0x0d, 0x2c, 0xb5, 0x92, 0xde, 0x56, 0xa8, 0x9f, 0x47, 0xdb, 0x82, 0xcc, 0xad, 0x3a, 0x98, 0xd7},
    {0x6e, 0x99, 0x8d, 0x33, 0x98, 0xb7, 0xc7, 0x15, 0x5a, 0x12, 0x9e, 0xf5, 0x57, 0x80, 0xe7, 0xac},
    {0x17, 0x00, 0x77, 0x6a, 0xd0, 0xc7, 0x62, 0xae, 0x6b, 0x50, 0x79, 0x50, 0xe4, 0x7c, 0xa0, 0xe8},
    {0x0c, 0x24, 0x0a, 0x63, 0x8d, 0x82, 0xad, 0x07, 0x05, 0x00, 0xa1, 0x79, 0x48, 0x49, 0x99, 0x7e},
};

static const uint8_t hash_1r_extra_keys[2][16] = {
    {0x89, 0x83, 0xfa, 0xf6, 0x9f, 0x94, 0x24, 0x8b, 0xbf, 0x56, 0xdc, 0x90, 0x01, 0x02, 0x89, 0x06},
    {0xd1, 0x63, 0xb2, 0x61, 0x3c, 0xe0, 0xf4, 0x51, 0xc6, 0x43, 0x10, 0xee, 0x9b, 0xf9, 0x18, 0xed},
};

void rx_aes_generate_1r(uint8_t state[64], void *output, size_t bytes) {
  uint8_t *out = output;
  aes_block key[4], column[4];
  for (int i = 0; i < 4; i++) {
    key[i] = load_block(generator_1r_keys[i]);
    column[i] = load_block(state + 16 * i);
  }
  for (size_t offset = 0; offset < bytes; offset += 64) {
    column[0] = decrypt_round(column[0], key[0]);
    column[1] = encrypt_round(column[1], key[1]);
    column[2] = decrypt_round(column[2], key[2]);
    column[3] = encrypt_round(column[3], key[3]);
    for (int i = 0; i < 4; i++) store_block(out + offset + 16 * i, column[i]);
  }
  for (int i = 0; i < 4; i++) store_block(state + 16 * i, column[i]);
}

void rx_aes_generate_4r(const uint8_t keys[8][16], uint8_t state[64], void *output, size_t bytes) {
  uint8_t *out = output;
  aes_block key[8], column[4];
  for (int i = 0; i < 8; i++) key[i] = load_block(keys[i]);
  for (int i = 0; i < 4; i++) column[i] = load_block(state + 16 * i);
  for (size_t offset = 0; offset < bytes; offset += 64) {
    /* Columns 0 and 1 run through keys 0-3, columns 2 and 3 through keys 4-7. */
    for (int round = 0; round < 4; round++) {
      column[0] = decrypt_round(column[0], key[round]);
      column[1] = encrypt_round(column[1], key[round]);
      column[2] = decrypt_round(column[2], key[round + 4]);
      column[3] = encrypt_round(column[3], key[round + 4]);
    }
    for (int i = 0; i < 4; i++) store_block(out + offset + 16 * i, column[i]);
  }
  for (int i = 0; i < 4; i++) store_block(state + 16 * i, column[i]);
}

void rx_aes_hash_1r(const void *input, size_t bytes, uint8_t hash[64]) {
  const uint8_t *in = input;
  aes_block column[4];
  for (int i = 0; i < 4; i++) column[i] = load_block(hash_1r_initial_state[i]);
  for (size_t offset = 0; offset < bytes; offset += 64) {
    column[0] = encrypt_round(column[0], load_block(in + offset));
    column[1] = decrypt_round(column[1], load_block(in + offset + 16));
    column[2] = encrypt_round(column[2], load_block(in + offset + 32));
    column[3] = decrypt_round(column[3], load_block(in + offset + 48));
  }
  for (int round = 0; round < 2; round++) {
    const aes_block extra_key = load_block(hash_1r_extra_keys[round]);
    column[0] = encrypt_round(column[0], extra_key);
    column[1] = decrypt_round(column[1], extra_key);
    column[2] = encrypt_round(column[2], extra_key);
    column[3] = decrypt_round(column[3], extra_key);
  }
  for (int i = 0; i < 4; i++) store_block(hash + 16 * i, column[i]);
}

/* Software AES rounds with the semantics of x86 AESENC/AESDEC, and the RandomX generators built on them
 * (specs.md chapter 3). A 16-byte column maps to the AES state column-major, as in an xmm register. */
#ifndef RX_AES_H
#define RX_AES_H

#include <stddef.h>
#include <stdint.h>

/* One encryption round: ShiftRows, SubBytes, MixColumns, then XOR with key (AESENC). */
void rx_aes_encrypt_round(uint8_t block[16], const uint8_t key[16]);
/* One decryption round: InvShiftRows, InvSubBytes, InvMixColumns, then XOR with key (AESDEC). */
void rx_aes_decrypt_round(uint8_t block[16], const uint8_t key[16]);

/* AesGenerator1R: writes `bytes` (a multiple of 64) of output and leaves the final state in `state`. */
void rx_aes_generate_1r(uint8_t state[64], void *output, size_t bytes);
/* AesGenerator4R with the variant's eight round keys, likewise. */
void rx_aes_generate_4r(const uint8_t keys[8][16], uint8_t state[64], void *output, size_t bytes);
/* AesHash1R of `bytes` (a multiple of 64) of input. */
void rx_aes_hash_1r(const void *input, size_t bytes, uint8_t hash[64]);

#endif

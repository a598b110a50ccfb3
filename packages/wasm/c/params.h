/* RandomX parameter sets ("variants"): one struct per variant, so rx/0, rx/wow and later v2 differ only in data. */
#ifndef RX_PARAMS_H
#define RX_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* VM instructions in opcode-assignment order: opcodes are handed out in this order, each instruction taking
 * as many consecutive opcodes as its frequency. */
typedef enum {
  RX_IADD_RS, RX_IADD_M, RX_ISUB_R, RX_ISUB_M, RX_IMUL_R, RX_IMUL_M, RX_IMULH_R, RX_IMULH_M, RX_ISMULH_R,
  RX_ISMULH_M, RX_IMUL_RCP, RX_INEG_R, RX_IXOR_R, RX_IXOR_M, RX_IROR_R, RX_IROL_R, RX_ISWAP_R, RX_FSWAP_R,
  RX_FADD_R, RX_FADD_M, RX_FSUB_R, RX_FSUB_M, RX_FSCAL_R, RX_FMUL_R, RX_FDIV_M, RX_FSQRT_R, RX_CBRANCH,
  RX_CFROUND, RX_ISTORE,
  RX_INSTRUCTION_COUNT
} rx_instruction;

#define RX_MAX_CACHE_ACCESSES 8

typedef struct {
  const char *name;
  uint32_t argon_memory_blocks; /* 1 KiB Argon2 blocks in the cache */
  uint32_t argon_iterations;
  uint32_t argon_lanes;
  const uint8_t *argon_salt;
  size_t argon_salt_bytes;
  uint32_t cache_accesses; /* at most RX_MAX_CACHE_ACCESSES */
  uint32_t superscalar_latency;
  uint64_t dataset_base_bytes;
  uint64_t dataset_extra_bytes;
  uint32_t program_size;
  uint32_t program_iterations;
  uint32_t program_count;
  uint32_t jump_bits;
  uint32_t jump_offset;
  uint32_t scratchpad_l3_bytes;
  uint32_t scratchpad_l2_bytes;
  uint32_t scratchpad_l1_bytes;
  uint8_t frequency[RX_INSTRUCTION_COUNT]; /* sums to 256 */
  uint8_t aes_generator_4r_keys[8][16];   /* AesGenerator4R round keys (specs.md 3.3) */
} rx_params;

extern const rx_params rx_params_rx0;
extern const rx_params rx_params_wow;

/* NULL for an unknown name. */
const rx_params *rx_params_by_name(const char *name);

#endif

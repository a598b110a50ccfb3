/* The published parameter sets. rx/0: tevador/RandomX doc/specs.md table 1.2.1, tables 5.x.1 and 3.3.
 * rx/wow: Wownero's RandomWOW configuration, which differs from rx/0 in the salt, iteration and program counts,
 * scratchpad sizes, eight instruction frequencies and the AesGenerator4R keys (keys 4-7 repeat keys 0-3). */
#include "params.h"

#include <string.h>

static const uint8_t rx0_salt[] = {'R', 'a', 'n', 'd', 'o', 'm', 'X', 0x03};

const rx_params rx_params_rx0 = {
    .name = "rx/0",
    .argon_memory_blocks = 262144,
    .argon_iterations = 3,
    .argon_lanes = 1,
    .argon_salt = rx0_salt,
    .argon_salt_bytes = sizeof rx0_salt,
    .cache_accesses = 8,
    .superscalar_latency = 170,
    .dataset_base_bytes = 2147483648ULL,
    .dataset_extra_bytes = 33554368ULL,
    .program_size = 256,
    .program_iterations = 2048,
    .program_count = 8,
    .jump_bits = 8,
    .jump_offset = 8,
    .scratchpad_l3_bytes = 2097152,
    .scratchpad_l2_bytes = 262144,
    .scratchpad_l1_bytes = 16384,
    .frequency =
        {
            [RX_IADD_RS] = 16, [RX_IADD_M] = 7,   [RX_ISUB_R] = 16,  [RX_ISUB_M] = 7,   [RX_IMUL_R] = 16,
            [RX_IMUL_M] = 4,   [RX_IMULH_R] = 4,  [RX_IMULH_M] = 1,  [RX_ISMULH_R] = 4, [RX_ISMULH_M] = 1,
            [RX_IMUL_RCP] = 8, [RX_INEG_R] = 2,   [RX_IXOR_R] = 15,  [RX_IXOR_M] = 5,   [RX_IROR_R] = 8,
            [RX_IROL_R] = 2,   [RX_ISWAP_R] = 4,  [RX_FSWAP_R] = 4,  [RX_FADD_R] = 16,  [RX_FADD_M] = 5,
            [RX_FSUB_R] = 16,  [RX_FSUB_M] = 5,   [RX_FSCAL_R] = 6,  [RX_FMUL_R] = 32,  [RX_FDIV_M] = 4,
            [RX_FSQRT_R] = 6,  [RX_CBRANCH] = 25, [RX_CFROUND] = 1,  [RX_ISTORE] = 16,
        },
    .aes_generator_4r_keys =
        {
            {0xdd, 0xaa, 0x21, 0x64, 0xdb, 0x3d, 0x83, 0xd1, 0x2b, 0x6d, 0x54, 0x2f, 0x3f, 0xd2, 0xe5, 0x99},
            {0x50, 0x34, 0x0e, 0xb2, 0x55, 0x3f, 0x91, 0xb6, 0x53, 0x9d, 0xf7, 0x06, 0xe5, 0xcd, 0xdf, 0xa5},
            {0x04, 0xd9, 0x3e, 0x5c, 0xaf, 0x7b, 0x5e, 0x51, 0x9f, 0x67, 0xa4, 0x0a, 0xbf, 0x02, 0x1c, 0x17},
            {0x63, 0x37, 0x62, 0x85, 0x08, 0x5d, 0x8f, 0xe7, 0x85, 0x37, 0x67, 0xcd, 0x91, 0xd2, 0xde, 0xd8},
            {0x73, 0x6f, 0x82, 0xb5, 0xa6, 0xa7, 0xd6, 0xe3, 0x6d, 0x8b, 0x51, 0x3d, 0xb4, 0xff, 0x9e, 0x22},
            {0xf3, 0x6b, 0x56, 0xc7, 0xd9, 0xb3, 0x10, 0x9c, 0x4e, 0x4d, 0x02, 0xe9, 0xd2, 0xb7, 0x72, 0xb2},
            {0xe7, 0xc9, 0x73, 0xf2, 0x8b, 0xa3, 0x65, 0xf7, 0x0a, 0x66, 0xa9, 0x2b, 0xa7, 0xef, 0x3b, 0xf6},
            {0x09, 0xd6, 0x7c, 0x7a, 0xde, 0x39, 0x58, 0x91, 0xfd, 0xd1, 0x06, 0x0c, 0x2d, 0x76, 0xb0, 0xc0},
        },
};

static const uint8_t wow_salt[] = {'R', 'a', 'n', 'd', 'o', 'm', 'W', 'O', 'W', 0x01};

#define WOW_KEY0 {0x5d, 0x46, 0x90, 0xf8, 0xa6, 0xe4, 0xfb, 0x7f, 0xb7, 0x82, 0x1f, 0x14, 0x95, 0x9e, 0x35, 0xcf}
#define WOW_KEY1 {0x50, 0xc4, 0x55, 0x6a, 0x8a, 0x27, 0xe8, 0xfe, 0xc3, 0x5a, 0x5c, 0xbd, 0xdc, 0xff, 0x41, 0x67}
#define WOW_KEY2 {0xa4, 0x47, 0x4c, 0x11, 0xe4, 0xfd, 0x24, 0xd5, 0xd2, 0x9a, 0x27, 0xa7, 0xac, 0x4a, 0x32, 0x3d}
#define WOW_KEY3 {0x2a, 0x3a, 0x0c, 0x81, 0xff, 0xae, 0xa9, 0x99, 0xd9, 0xdb, 0xd3, 0x42, 0x08, 0xdb, 0xf6, 0x76}

const rx_params rx_params_wow = {
    .name = "rx/wow",
    .argon_memory_blocks = 262144,
    .argon_iterations = 3,
    .argon_lanes = 1,
    .argon_salt = wow_salt,
    .argon_salt_bytes = sizeof wow_salt,
    .cache_accesses = 8,
    .superscalar_latency = 170,
    .dataset_base_bytes = 2147483648ULL,
    .dataset_extra_bytes = 33554368ULL,
    .program_size = 256,
    .program_iterations = 1024,
    .program_count = 16,
    .jump_bits = 8,
    .jump_offset = 8,
    .scratchpad_l3_bytes = 1048576,
    .scratchpad_l2_bytes = 131072,
    .scratchpad_l1_bytes = 16384,
    .frequency =
        {
            [RX_IADD_RS] = 25, [RX_IADD_M] = 7,   [RX_ISUB_R] = 16,  [RX_ISUB_M] = 7,   [RX_IMUL_R] = 16,
            [RX_IMUL_M] = 4,   [RX_IMULH_R] = 4,  [RX_IMULH_M] = 1,  [RX_ISMULH_R] = 4, [RX_ISMULH_M] = 1,
            [RX_IMUL_RCP] = 8, [RX_INEG_R] = 2,   [RX_IXOR_R] = 15,  [RX_IXOR_M] = 5,   [RX_IROR_R] = 10,
            [RX_IROL_R] = 0,   [RX_ISWAP_R] = 4,  [RX_FSWAP_R] = 8,  [RX_FADD_R] = 20,  [RX_FADD_M] = 5,
            [RX_FSUB_R] = 20,  [RX_FSUB_M] = 5,   [RX_FSCAL_R] = 6,  [RX_FMUL_R] = 20,  [RX_FDIV_M] = 4,
            [RX_FSQRT_R] = 6,  [RX_CBRANCH] = 16, [RX_CFROUND] = 1,  [RX_ISTORE] = 16,
        },
    .aes_generator_4r_keys = {WOW_KEY0, WOW_KEY1, WOW_KEY2, WOW_KEY3, WOW_KEY0, WOW_KEY1, WOW_KEY2, WOW_KEY3},
};

const rx_params *rx_params_by_name(const char *name) {
  if (strcmp(name, rx_params_rx0.name) == 0) return &rx_params_rx0;
  if (strcmp(name, rx_params_wow.name) == 0) return &rx_params_wow;
  return NULL;
}

/* Programming the VM: configuration data (specs.md 4.5) and instruction decoding (5.1), including the static
 * CBRANCH targets (5.4.2). */
#include <string.h>

#include "superscalar.h"
#include "vm.h"

#define FRACTION_MASK ((1ULL << 52) - 1)

static uint64_t load_u64(const uint8_t *bytes) {
  uint64_t value;
  memcpy(&value, bytes, sizeof value);
  return value;
}

static uint32_t load_u32(const uint8_t *bytes) {
  uint32_t value;
  memcpy(&value, bytes, sizeof value);
  return value;
}

static double double_of(uint64_t bits) {
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

void rx_decoder_init(rx_decoder *decoder, const rx_params *params) {
  decoder->params = params;
  unsigned opcode = 0;
  for (unsigned type = 0; type < RX_INSTRUCTION_COUNT; type++) {
    for (unsigned n = 0; n < params->frequency[type]; n++) decoder->opcode_types[opcode++] = (uint8_t)type;
  }
  while (opcode < 256) decoder->opcode_types[opcode++] = RX_NOP_INSTRUCTION;
}

rx_double_pair rx_convert_f(uint64_t word) {
  return (rx_double_pair){(double)(int32_t)(uint32_t)word, (double)(int32_t)(uint32_t)(word >> 32)};
}

/* Keeps the fraction and the low 4 exponent bits of the F conversion, clears the sign, then sets the top exponent
 * bits to 011 followed by the program's 4-bit exponent mask and ORs the 22-bit fraction mask (whose bits are
 * always zero after converting a 32-bit integer). */
#define E_KEEP_MASK 0x00ffffffffffffffULL

rx_double_pair rx_convert_e(uint64_t word, const uint64_t e_mask[2]) {
  rx_double_pair converted = rx_convert_f(word);
  uint64_t lo, hi;
  memcpy(&lo, &converted.lo, sizeof lo);
  memcpy(&hi, &converted.hi, sizeof hi);
  return (rx_double_pair){double_of((lo & E_KEEP_MASK) | e_mask[0]), double_of((hi & E_KEEP_MASK) | e_mask[1])};
}

static uint64_t e_mask_from(uint64_t entropy) {
  uint64_t exponent = 0x300 | ((entropy >> 60) << 4);
  return (entropy & ((1ULL << 22) - 1)) | (exponent << 52);
}

/* +1.fraction x 2^exponent with the exponent 0..31 from bits 59-63 (table 4.5.2). */
static double a_register_value(uint64_t entropy) {
  return double_of((entropy & FRACTION_MASK) | ((1023 + (entropy >> 59)) << 52));
}

static int is_power_of_two(uint32_t value) { return (value & (value - 1)) == 0; }

void rx_program_decode(const rx_decoder *decoder, const uint8_t *bytes, rx_program *program) {
  const rx_params *params = decoder->params;
  for (int i = 0; i < 4; i++) {
    program->a[i].lo = a_register_value(load_u64(bytes + 16 * i));
    program->a[i].hi = a_register_value(load_u64(bytes + 16 * i + 8));
  }
  program->ma = (uint32_t)load_u64(bytes + 8 * 8);
  program->mx = (uint32_t)load_u64(bytes + 8 * 10);
  uint64_t address_selector = load_u64(bytes + 8 * 12);
  for (int i = 0; i < 4; i++) program->read_registers[i] = (uint8_t)(2 * i + ((address_selector >> i) & 1));
  program->dataset_offset = (load_u64(bytes + 8 * 13) % (params->dataset_extra_bytes / 64 + 1)) * 64;
  program->e_mask[0] = e_mask_from(load_u64(bytes + 8 * 14));
  program->e_mask[1] = e_mask_from(load_u64(bytes + 8 * 15));

  const uint32_t l1_mask = (params->scratchpad_l1_bytes - 1) & ~7u;
  const uint32_t l2_mask = (params->scratchpad_l2_bytes - 1) & ~7u;
  const uint32_t l3_mask = (params->scratchpad_l3_bytes - 1) & ~7u;
  /* The index of the instruction that last modified each integer register, -1 before any. */
  int32_t last_modified[8] = {-1, -1, -1, -1, -1, -1, -1, -1};

  program->size = params->program_size;
  const uint8_t *word = bytes + 128;
  for (uint32_t i = 0; i < params->program_size; i++, word += 8) {
    rx_decoded_instruction *instruction = &program->code[i];
    memset(instruction, 0, sizeof *instruction);
    const uint8_t mod = word[3];
    const uint32_t imm32 = load_u32(word + 4);
    const uint8_t dst = word[1] % 8;
    const uint8_t src = word[2] % 8;
    const uint32_t level_mask = (mod & 3) ? l1_mask : l2_mask;
    instruction->type = decoder->opcode_types[word[0]];
    instruction->dst = dst;
    instruction->src = src;
    instruction->imm = (uint64_t)(int64_t)(int32_t)imm32;

    switch (instruction->type) {
      case RX_IADD_M:
      case RX_ISUB_M:
      case RX_IMUL_M:
      case RX_IMULH_M:
      case RX_ISMULH_M:
      case RX_IXOR_M:
        instruction->src_is_imm = src == dst;
        instruction->mask = src == dst ? l3_mask : level_mask;
        last_modified[dst] = (int32_t)i;
        break;
      case RX_IADD_RS:
        instruction->shift = (mod >> 2) & 3;
        if (dst != 5) instruction->imm = 0; /* only r5 adds the immediate */
        last_modified[dst] = (int32_t)i;
        break;
      case RX_ISUB_R:
      case RX_IMUL_R:
      case RX_IXOR_R:
        instruction->src_is_imm = src == dst;
        last_modified[dst] = (int32_t)i;
        break;
      case RX_IROR_R:
      case RX_IROL_R:
        instruction->src_is_imm = src == dst;
        instruction->imm = imm32 & 63;
        last_modified[dst] = (int32_t)i;
        break;
      case RX_IMULH_R:
      case RX_ISMULH_R:
      case RX_INEG_R:
        last_modified[dst] = (int32_t)i;
        break;
      case RX_IMUL_RCP:
        if (imm32 == 0 || is_power_of_two(imm32)) {
          instruction->type = RX_NOP_INSTRUCTION;
        } else {
          instruction->imm = rx_reciprocal(imm32);
          last_modified[dst] = (int32_t)i;
        }
        break;
      case RX_ISWAP_R:
        if (src == dst) {
          instruction->type = RX_NOP_INSTRUCTION;
        } else {
          last_modified[dst] = (int32_t)i;
          last_modified[src] = (int32_t)i;
        }
        break;
      case RX_FSWAP_R:
        break; /* dst indexes F then E (0-7) */
      case RX_FADD_R:
      case RX_FSUB_R:
      case RX_FMUL_R:
        instruction->dst = dst % 4;
        instruction->src = src % 4;
        break;
      case RX_FADD_M:
      case RX_FSUB_M:
      case RX_FDIV_M:
        instruction->dst = dst % 4;
        instruction->mask = level_mask;
        break;
      case RX_FSCAL_R:
      case RX_FSQRT_R:
        instruction->dst = dst % 4;
        break;
      case RX_CBRANCH: {
        const unsigned condition_bit = (mod >> 4) + params->jump_offset;
        uint64_t cimm = instruction->imm | (1ULL << condition_bit);
        if (condition_bit > 0) cimm &= ~(1ULL << (condition_bit - 1));
        instruction->imm = cimm;
        instruction->shift = (uint8_t)condition_bit;
        instruction->condition_mask = ((1ULL << params->jump_bits) - 1) << condition_bit;
        instruction->target = last_modified[dst] + 1;
        for (int r = 0; r < 8; r++) last_modified[r] = (int32_t)i;
        break;
      }
      case RX_CFROUND:
        instruction->imm = imm32 & 63;
        break;
      case RX_ISTORE:
        instruction->mask = (mod >> 4) >= 14 ? l3_mask : level_mask;
        break;
      default:
        break;
    }
  }
}

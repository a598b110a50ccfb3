/* Running a SuperscalarHash program (specs.md 6.1) on eight registers. This is the light-mode hot path: 8
 * programs of about 450 instructions per dataset item. */
#include "superscalar.h"

static uint64_t rotate_right(uint64_t value, unsigned count) { return value >> count | value << (64 - count); }

/* Immediates of IADD_C and IXOR_C are sign-extended to 64 bits. */
static uint64_t sign_extend(uint32_t imm32) { return (uint64_t)(int64_t)(int32_t)imm32; }

static uint64_t high_product(uint64_t a, uint64_t b) { return (uint64_t)(((unsigned __int128)a * b) >> 64); }

static uint64_t signed_high_product(uint64_t a, uint64_t b) {
  return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
}

/* Dispatch is a small tree of comparisons rather than a switch: compilers turn a dense switch into a jump table,
 * and on our test machine that indirect jump, taken in random order, was 3-4x slower per instruction than this
 * tree both natively (gcc, clang) and in V8's optimizing tier. The tree follows the opcode order:
 * register-register operations (56% of instructions), immediate operations (31%), then the wide
 * multiplications (13%). */
void rx_superscalar_execute(const rx_ss_program *program, uint64_t registers[8]) {
  uint64_t r[8];
  for (int i = 0; i < 8; i++) r[i] = registers[i];
  const rx_ss_instruction *instruction = program->code;
  const rx_ss_instruction *const end = instruction + program->size;
  for (; instruction < end; instruction++) {
    uint64_t *dst = &r[instruction->dst];
    const uint64_t src = r[instruction->src]; /* the destination itself for instructions without a source */
    const unsigned opcode = instruction->opcode;
    if (opcode <= RX_SS_IMUL_R) {
      if (opcode <= RX_SS_IXOR_R) {
        if (opcode == RX_SS_ISUB_R) *dst -= src;
        else *dst ^= src;
      } else {
        if (opcode == RX_SS_IADD_RS) *dst += src << instruction->shift;
        else *dst *= src;
      }
    } else if (opcode <= RX_SS_IXOR_C) {
      if (opcode == RX_SS_IROR_C) *dst = rotate_right(*dst, instruction->imm32); /* 1..63, never 0 */
      else if (opcode == RX_SS_IADD_C) *dst += sign_extend(instruction->imm32);
      else *dst ^= sign_extend(instruction->imm32);
    } else {
      if (opcode == RX_SS_IMUL_RCP) *dst *= instruction->reciprocal;
      else if (opcode == RX_SS_IMULH_R) *dst = high_product(*dst, src);
      else *dst = signed_high_product(*dst, src);
    }
  }
  for (int i = 0; i < 8; i++) registers[i] = r[i];
}

/* The reference interpreter of the RandomX VM (specs.md 4.6 and chapter 5), light mode. It is the oracle for the
 * WebAssembly program compiler, not the mining path. */
#include <math.h>
#include <string.h>

#include "vm.h"

static uint64_t load_u64(const uint8_t *bytes) {
  uint64_t value;
  memcpy(&value, bytes, sizeof value);
  return value;
}

static void store_u64(uint8_t *bytes, uint64_t value) { memcpy(bytes, &value, sizeof value); }

static uint64_t rotate_right(uint64_t value, unsigned count) {
  count &= 63;
  return count == 0 ? value : (value >> count) | (value << (64 - count));
}

static uint64_t high_product_unsigned(uint64_t a, uint64_t b) {
  return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static uint64_t high_product_signed(uint64_t a, uint64_t b) {
  return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
}

static rx_double_pair xor_pairs(rx_double_pair x, rx_double_pair y) {
  uint64_t x_bits[2], y_bits[2];
  memcpy(x_bits, &x, sizeof x_bits);
  memcpy(y_bits, &y, sizeof y_bits);
  x_bits[0] ^= y_bits[0];
  x_bits[1] ^= y_bits[1];
  memcpy(&x, x_bits, sizeof x);
  return x;
}

/* FSCAL_R: negate and scale by an odd power of two, as a bit flip of sign and exponent bits (5.3.4). */

static rx_double_pair fscal(rx_double_pair value) {
  uint64_t bits[2];
  memcpy(bits, &value, sizeof bits);
  bits[0] ^= 0x80F0000000000000ULL;
  bits[1] ^= 0x80F0000000000000ULL;
  memcpy(&value, bits, sizeof value);
  return value;
}

static void execute_program(rx_vm_state *vm, const rx_program *program) {
  uint64_t *r = vm->registers.r;
  rx_double_pair *f = vm->registers.f;
  rx_double_pair *e = vm->registers.e;
  const rx_double_pair *a = vm->registers.a;
  uint8_t *scratchpad = vm->scratchpad;
  for (uint32_t pc = 0; pc < program->size; pc++) {
    const rx_decoded_instruction *in = &program->code[pc];
    const uint64_t src_value = in->src_is_imm ? in->imm : r[in->src];
    const uint32_t address = (uint32_t)(in->src_is_imm ? in->imm : r[in->src] + in->imm) & in->mask;
    switch (in->type) {
      case RX_IADD_RS: r[in->dst] += (r[in->src] << in->shift) + in->imm; break;
      case RX_IADD_M: r[in->dst] += load_u64(scratchpad + address); break;
      case RX_ISUB_R: r[in->dst] -= src_value; break;
      case RX_ISUB_M: r[in->dst] -= load_u64(scratchpad + address); break;
      case RX_IMUL_R: r[in->dst] *= src_value; break;
      case RX_IMUL_M: r[in->dst] *= load_u64(scratchpad + address); break;
      case RX_IMULH_R: r[in->dst] = high_product_unsigned(r[in->dst], r[in->src]); break;
      case RX_IMULH_M: r[in->dst] = high_product_unsigned(r[in->dst], load_u64(scratchpad + address)); break;
      case RX_ISMULH_R: r[in->dst] = high_product_signed(r[in->dst], r[in->src]); break;
      case RX_ISMULH_M: r[in->dst] = high_product_signed(r[in->dst], load_u64(scratchpad + address)); break;
      case RX_IMUL_RCP: r[in->dst] *= in->imm; break;
      case RX_INEG_R: r[in->dst] = (uint64_t)0 - r[in->dst]; break;
      case RX_IXOR_R: r[in->dst] ^= src_value; break;
      case RX_IXOR_M: r[in->dst] ^= load_u64(scratchpad + address); break;
      case RX_IROR_R: r[in->dst] = rotate_right(r[in->dst], (unsigned)src_value); break;
      case RX_IROL_R: r[in->dst] = rotate_right(r[in->dst], 64 - ((unsigned)src_value & 63)); break;
      case RX_ISWAP_R: {
        uint64_t swapped = r[in->dst];
        r[in->dst] = r[in->src];
        r[in->src] = swapped;
        break;
      }
      case RX_FSWAP_R: {
        rx_double_pair *target = in->dst < 4 ? &f[in->dst] : &e[in->dst - 4];
        *target = (rx_double_pair){target->hi, target->lo};
        break;
      }
      case RX_FADD_R:
        f[in->dst].lo = rx_fp_add(f[in->dst].lo, a[in->src].lo, vm->rounding);
        f[in->dst].hi = rx_fp_add(f[in->dst].hi, a[in->src].hi, vm->rounding);
        break;
      case RX_FADD_M: {
        rx_double_pair operand = rx_convert_f(load_u64(scratchpad + address));
        f[in->dst].lo = rx_fp_add(f[in->dst].lo, operand.lo, vm->rounding);
        f[in->dst].hi = rx_fp_add(f[in->dst].hi, operand.hi, vm->rounding);
        break;
      }
      case RX_FSUB_R:
        f[in->dst].lo = rx_fp_sub(f[in->dst].lo, a[in->src].lo, vm->rounding);
        f[in->dst].hi = rx_fp_sub(f[in->dst].hi, a[in->src].hi, vm->rounding);
        break;
      case RX_FSUB_M: {
        rx_double_pair operand = rx_convert_f(load_u64(scratchpad + address));
        f[in->dst].lo = rx_fp_sub(f[in->dst].lo, operand.lo, vm->rounding);
        f[in->dst].hi = rx_fp_sub(f[in->dst].hi, operand.hi, vm->rounding);
        break;
      }
      case RX_FSCAL_R: f[in->dst] = fscal(f[in->dst]); break;
      case RX_FMUL_R:
        e[in->dst].lo = rx_fp_mul(e[in->dst].lo, a[in->src].lo, vm->rounding);
        e[in->dst].hi = rx_fp_mul(e[in->dst].hi, a[in->src].hi, vm->rounding);
        break;
      case RX_FDIV_M: {
        rx_double_pair divisor = rx_convert_e(load_u64(scratchpad + address), program->e_mask);
        e[in->dst].lo = rx_fp_div(e[in->dst].lo, divisor.lo, vm->rounding);
        e[in->dst].hi = rx_fp_div(e[in->dst].hi, divisor.hi, vm->rounding);
        break;
      }
      case RX_FSQRT_R:
        e[in->dst].lo = rx_fp_sqrt(e[in->dst].lo, vm->rounding);
        e[in->dst].hi = rx_fp_sqrt(e[in->dst].hi, vm->rounding);
        break;
      case RX_CBRANCH:
        r[in->dst] += in->imm;
        if ((r[in->dst] & in->condition_mask) == 0) pc = (uint32_t)in->target - 1; /* the loop adds 1 */
        break;
      case RX_CFROUND: vm->rounding = (rx_rounding)(rotate_right(r[in->src], (unsigned)in->imm) & 3); break;
      case RX_ISTORE:
        store_u64(scratchpad + ((uint32_t)(r[in->dst] + in->imm) & in->mask), r[in->src]);
        break;
      default: break; /* the no-op forms */
    }
  }
}

void rx_interpret_program(rx_vm_state *vm, const rx_program *program) {
  const rx_params *params = vm->params;
  const uint32_t l3_line_mask = (params->scratchpad_l3_bytes - 1) & ~63u;
  const uint32_t dataset_line_mask = (uint32_t)((params->dataset_base_bytes - 1) & ~63ULL);
  uint64_t *r = vm->registers.r;
  uint8_t *scratchpad = vm->scratchpad;
  const uint8_t *read = program->read_registers;

  memcpy(vm->registers.a, program->a, sizeof program->a);
  memset(r, 0, sizeof vm->registers.r);
  uint32_t ma = program->ma, mx = program->mx;
  uint32_t sp_address0 = mx, sp_address1 = ma;

  for (uint32_t iteration = 0; iteration < params->program_iterations; iteration++) {
    const uint64_t sp_mix = r[read[0]] ^ r[read[1]];
    sp_address0 = (sp_address0 ^ (uint32_t)sp_mix) & l3_line_mask;
    sp_address1 = (sp_address1 ^ (uint32_t)(sp_mix >> 32)) & l3_line_mask;
    for (int i = 0; i < 8; i++) r[i] ^= load_u64(scratchpad + sp_address0 + 8 * i);
    for (int i = 0; i < 4; i++) {
      vm->registers.f[i] = rx_convert_f(load_u64(scratchpad + sp_address1 + 8 * i));
      vm->registers.e[i] = rx_convert_e(load_u64(scratchpad + sp_address1 + 32 + 8 * i), program->e_mask);
    }

    execute_program(vm, program);

    /* mx is "mp" in RandomX v1; the prefetch of step 6 has no effect in light mode. */
    const uint32_t mt = ma;
    mx = (mx ^ (uint32_t)(r[read[2]] ^ r[read[3]])) & dataset_line_mask;
    uint64_t item[8];
    rx_dataset_item(vm->cache, (program->dataset_offset + (mt & dataset_line_mask)) / 64, item);
    for (int i = 0; i < 8; i++) r[i] ^= item[i];
    ma = mx;
    mx = mt;

    for (int i = 0; i < 8; i++) store_u64(scratchpad + sp_address1 + 8 * i, r[i]);
    for (int i = 0; i < 4; i++) {
      vm->registers.f[i] = xor_pairs(vm->registers.f[i], vm->registers.e[i]);
      memcpy(scratchpad + sp_address0 + 16 * i, &vm->registers.f[i], 16);
    }
    sp_address0 = 0;
    sp_address1 = 0;
  }
}

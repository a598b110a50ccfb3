/* The IMUL_RCP reciprocal (specs.md 5.2.6), shared by the VM and SuperscalarHash. */
#include "superscalar.h"

/* For a divisor with b significant bits that is not a power of two, 2^(b-1) < divisor < 2^b, so
 * 2^(63+b) / divisor lies strictly between 2^63 and 2^64: x = 63 + b is the largest exponent that fits. */
uint64_t rx_reciprocal(uint32_t divisor) {
  const unsigned significant_bits = 32 - (unsigned)__builtin_clz(divisor);
  const unsigned __int128 power = (unsigned __int128)1 << (63 + significant_bits);
  return (uint64_t)(power / divisor);
}

/* Directed rounding from round-to-nearest. Exact for the operands RandomX produces: normal or infinite operands
 * and results that are normal or overflow (the e registers reach DBL_MAX and infinity; nothing underflows). */
#include "fp_round.h"

#include <math.h>
#include <string.h>

static uint64_t bits_of(double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static double double_of(uint64_t bits) {
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/* The neighbours of a finite non-zero double, stepping its magnitude by one ulp. */
static double next_up(double value) { return double_of(bits_of(value) + (value > 0 ? 1 : (uint64_t)-1)); }
static double next_down(double value) { return double_of(bits_of(value) + (value > 0 ? (uint64_t)-1 : 1)); }

/* Moves the nearest-rounded `rounded` to the directed result, given the sign of (exact - rounded). An overflow
 * to infinity steps back to the largest finite double the same way, since inf - 1 ulp is DBL_MAX in bits. */
static double apply_direction(double rounded, double error, rx_rounding mode) {
  if (error == 0 || rounded == 0) return rounded;
  switch (mode) {
    case RX_ROUND_DOWN:
      return error < 0 ? next_down(rounded) : rounded;
    case RX_ROUND_UP:
      return error > 0 ? next_up(rounded) : rounded;
    case RX_ROUND_TO_ZERO:
      return (rounded > 0) == (error < 0) ? (rounded > 0 ? next_down(rounded) : next_up(rounded)) : rounded;
    default:
      return rounded;
  }
}

#define EXPONENT_MASK 0x7ff0000000000000ULL
#define EXPONENT_BIAS 1023ULL

static int is_finite(double value) { return (bits_of(value) & EXPONENT_MASK) != EXPONENT_MASK; }

/* A normal double scaled by a power of two into [1, 2) (sign kept). Rounding errors of the scaled operation have
 * the sign of the original's as long as the original result is normal, and the transformations below cannot
 * overflow on them: the e registers do reach DBL_MAX and infinity. */
static double normalized(double value) {
  return double_of((bits_of(value) & ~EXPONENT_MASK) | (EXPONENT_BIAS << 52));
}

/* The sign of (exact - rounded) for a result that overflowed to +-infinity from finite operands. */
static double overflow_error(double rounded) { return -rounded; }

/* Knuth's TwoSum: the exact rounding error of a + b. */
static double sum_error(double a, double b, double sum) {
  double b_virtual = sum - a;
  double a_virtual = sum - b_virtual;
  return (a - a_virtual) + (b - b_virtual);
}

/* Veltkamp split into two 26-bit halves, for Dekker's exact product without FMA. */
static void split(double value, double *high, double *low) {
  double scaled = 134217729.0 * value; /* 2^27 + 1 */
  *high = scaled - (scaled - value);
  *low = value - *high;
}

/* Dekker's TwoProduct: the exact rounding error of a * b, for operands of moderate magnitude. */
static double product_error(double a, double b, double product) {
  double a_high, a_low, b_high, b_low;
  split(a, &a_high, &a_low);
  split(b, &b_high, &b_low);
  return ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low;
}

/* a - x*y exactly, when x*y is within a factor of two of a (Sterbenz makes the first subtraction exact, and the
 * remainders of a correctly rounded quotient or square root are representable). */
static double residual(double a, double x, double y) {
  double product = x * y;
  return (a - product) - product_error(x, y, product);
}

double rx_fp_add(double a, double b, rx_rounding mode) {
  double sum = a + b;
  if (mode == RX_ROUND_NEAREST || !is_finite(a) || !is_finite(b)) return sum;
  /* An exact zero from operands that are not both +0 is -0 when rounding down (IEEE-754 6.3). */
  if (sum == 0 && mode == RX_ROUND_DOWN && !(bits_of(a) == 0 && bits_of(b) == 0)) return -0.0;
  return apply_direction(sum, is_finite(sum) ? sum_error(a, b, sum) : overflow_error(sum), mode);
}

double rx_fp_sub(double a, double b, rx_rounding mode) { return rx_fp_add(a, -b, mode); }

double rx_fp_mul(double a, double b, rx_rounding mode) {
  double product = a * b;
  if (mode == RX_ROUND_NEAREST || !is_finite(a) || !is_finite(b) || a == 0 || b == 0) return product;
  if (!is_finite(product)) return apply_direction(product, overflow_error(product), mode);
  double a_scaled = normalized(a), b_scaled = normalized(b);
  return apply_direction(product, product_error(a_scaled, b_scaled, a_scaled * b_scaled), mode);
}

double rx_fp_div(double a, double b, rx_rounding mode) {
  double quotient = a / b;
  if (mode == RX_ROUND_NEAREST || !is_finite(a) || !is_finite(b) || a == 0 || b == 0) return quotient;
  if (!is_finite(quotient)) return apply_direction(quotient, overflow_error(quotient), mode);
  /* exact - quotient = (a - quotient*b) / b, so its sign is the residual's times the divisor's. */
  double a_scaled = normalized(a), b_scaled = normalized(b);
  double remainder = residual(a_scaled, a_scaled / b_scaled, b_scaled);
  return apply_direction(quotient, b > 0 ? remainder : -remainder, mode);
}

/* sqrt scales by an even power of two so that the root scales exactly: into [1, 4). */
static double normalized_for_root(double value) {
  uint64_t unbiased_exponent_is_odd = ((bits_of(value) >> 52) & 1) ^ 1;
  return double_of((bits_of(value) & ~EXPONENT_MASK) | ((EXPONENT_BIAS + unbiased_exponent_is_odd) << 52));
}

double rx_fp_sqrt(double a, rx_rounding mode) {
  double root = sqrt(a);
  if (mode == RX_ROUND_NEAREST || !is_finite(a) || a == 0) return root;
  double a_scaled = normalized_for_root(a);
  return apply_direction(root, residual(a_scaled, sqrt(a_scaled), sqrt(a_scaled)), mode);
}

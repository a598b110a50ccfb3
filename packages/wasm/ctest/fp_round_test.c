/* rx_fp_* against the hardware in each rounding mode (fesetround). Build natively with -frounding-math so the
 * compiler keeps the reference operations in the mode that is set; the emulation itself runs in round-to-nearest. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fp_round.h"

static const int hardware_modes[4] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
static const char *const operation_names[5] = {"add", "sub", "mul", "div", "sqrt"};

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned long long next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static unsigned long long bits_of(double value) {
  unsigned long long bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

/* A random double with a random sign, full 52-bit fraction and an exponent within +-`spread` of 0. */
static double random_double(int spread) {
  unsigned long long bits = next_random() & 0x800fffffffffffffULL;
  long exponent = 1023 + (long)(next_random() % (2 * (unsigned long long)spread + 1)) - spread;
  bits |= (unsigned long long)exponent << 52;
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/* A random double with a random fraction, sign `negative` and unbiased exponent `exponent`. */
static double random_double_at(int exponent, int negative) {
  unsigned long long bits = (next_random() & 0x000fffffffffffffULL) | ((unsigned long long)(1023 + exponent) << 52);
  if (negative) bits |= 1ULL << 63;
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static double reference(int operation, double a, double b, int mode) {
  volatile double x = a, y = b, result;
  fesetround(hardware_modes[mode]);
  switch (operation) {
    case 0: result = x + y; break;
    case 1: result = x - y; break;
    case 2: result = x * y; break;
    case 3: result = x / y; break;
    default: result = sqrt(x); break;
  }
  fesetround(FE_TONEAREST);
  return result;
}

static double emulated(int operation, double a, double b, int mode) {
  switch (operation) {
    case 0: return rx_fp_add(a, b, (rx_rounding)mode);
    case 1: return rx_fp_sub(a, b, (rx_rounding)mode);
    case 2: return rx_fp_mul(a, b, (rx_rounding)mode);
    case 3: return rx_fp_div(a, b, (rx_rounding)mode);
    default: return rx_fp_sqrt(a, (rx_rounding)mode);
  }
}

static int passed, failed;

static void check_pair(int operation, double a, double b, unsigned long long *mismatches) {
  if (operation == 4) a = fabs(a);
  for (int mode = 0; mode < 4; mode++) {
    if (bits_of(reference(operation, a, b, mode)) != bits_of(emulated(operation, a, b, mode))) {
      if (*mismatches < 3) {
        printf("# %s mode %d: a=%a b=%a hardware=%a emulated=%a\n", operation_names[operation], mode, a, b,
               reference(operation, a, b, mode), emulated(operation, a, b, mode));
      }
      (*mismatches)++;
    }
  }
}

static void report(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  if (ok) passed++;
  else failed++;
}

int main(void) {
  char description[160];
  for (int operation = 0; operation < 5; operation++) {
    unsigned long long mismatches = 0;
    /* Random operands over RandomX's range (|x| up to ~2^48, e-registers down to ~2^-255). */
    for (int i = 0; i < 300000; i++) check_pair(operation, random_double(60), random_double(60), &mismatches);
    for (int i = 0; i < 100000; i++) check_pair(operation, random_double(300), random_double(300), &mismatches);
    /* Close operands: cancellation in add/sub, quotients near 1. */
    for (int i = 0; i < 100000; i++) {
      double a = random_double(40);
      double b = (i & 1 ? -1 : 1) * a * (1 + (double)(next_random() % 1024) * 0x1p-52);
      check_pair(operation, a, b, &mismatches);
    }
    /* Exact results and exact ties: small integers, halves, perfect squares, x - x. */
    for (int i = -64; i <= 64; i++) {
      for (int j = -64; j <= 64; j++) {
        if (j == 0 && operation == 3) continue;
        check_pair(operation, (double)i, (double)j, &mismatches);
        check_pair(operation, (double)i * i, (double)j / 8, &mismatches);
      }
      check_pair(operation, 1.0, (double)i * 0x1p-53, &mismatches);
      check_pair(operation, 0x1p52 + i, 0.5, &mismatches);
    }
    /* The e registers' range: up to DBL_MAX and infinity, against the a registers (mul, 1 to 2^32) and the
     * e operands of FDIV_M (2^-256 to 2). Results near and past the overflow threshold. */
    for (int i = 0; i < 100000; i++) {
      double big = random_double_at(1023 - (int)(next_random() % 80), 0);
      double other = operation == 3 ? fabs(random_double_at(-(int)(next_random() % 257), 0))
                                    : random_double_at((int)(next_random() % 33), 0);
      check_pair(operation, i & 1 ? big : -big, other, &mismatches);
      check_pair(operation, i & 1 ? big : -big, operation == 3 ? other : -other, &mismatches);
    }
    check_pair(operation, 0x1.fffffffffffffp+1023, 0x1.fffffffffffffp+1023, &mismatches);
    check_pair(operation, 0x1.fffffffffffffp+1023, 0.5, &mismatches);
    check_pair(operation, INFINITY, 3.0, &mismatches);
    check_pair(operation, -INFINITY, 0.75, &mismatches);
    snprintf(description, sizeof description, "%s agrees with the hardware in all four rounding modes",
             operation_names[operation]);
    report(mismatches == 0, description);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

/* Prints reference results of the VM's float operations in all four rounding modes, computed by this machine's
 * FPU under fesetround, for the WebAssembly rounding test to compare against. Build with -frounding-math.
 * Output lines: "<operation> <mode> <a bits> <b bits> <result bits>" in hex; operation 0 add, 1 sub, 2 mul,
 * 3 div, 4 sqrt; mode 0 nearest, 1 down, 2 up, 3 toward zero. Usage: fp_reference <pairs per operation> */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int hardware_modes[4] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;
static unsigned long long next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static double from_bits(unsigned long long bits) {
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static unsigned long long to_bits(double value) {
  unsigned long long bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

/* Random sign and fraction, exponent within +-60 of 0: the range of RandomX's f and e registers. */
static double random_operand(void) {
  unsigned long long exponent = 1023 - 60 + next_random() % 121;
  return from_bits((next_random() & 0x800fffffffffffffULL) | (exponent << 52));
}

/* The operand moved to an exponent within 64 of the largest, where products and quotients overflow. */
static double near_overflow(double value) {
  unsigned long long exponent = 2046 - next_random() % 64;
  return from_bits((to_bits(value) & 0x800fffffffffffffULL) | (exponent << 52));
}

static double compute(int operation, double a, double b) {
  volatile double x = a, y = b;
  switch (operation) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    default: return sqrt(x);
  }
}

int main(int argc, char **argv) {
  const int pairs = argc > 1 ? atoi(argv[1]) : 1000;
  for (int operation = 0; operation < 5; operation++) {
    for (int i = 0; i < pairs; i++) {
      double a = random_operand(), b = random_operand();
      if (operation == 4) a = fabs(a);
      if (i % 4 == 1) b = -a * (1 + (double)(next_random() % 16) * 0x1p-52); /* cancellation, quotients near -1 */
      if (i % 4 == 2) b = a;                                                  /* exact zero, x/x, x*x */
      if (i % 4 == 3) a = near_overflow(a);                                  /* e registers reach DBL_MAX */
      for (int mode = 0; mode < 4; mode++) {
        fesetround(hardware_modes[mode]);
        double result = compute(operation, a, b);
        fesetround(FE_TONEAREST);
        printf("%d %d %016llx %016llx %016llx\n", operation, mode, to_bits(a), to_bits(b), to_bits(result));
      }
    }
  }
  return 0;
}

/* IEEE-754 double arithmetic in all four rounding modes of the RandomX VM (specs.md table 4.3.1), computed on
 * hardware that only rounds to nearest (WebAssembly). Each result is the round-to-nearest result, moved one
 * ulp when the exact error (found with error-free transformations) says the directed mode rounds the other way. */
#ifndef RX_FP_ROUND_H
#define RX_FP_ROUND_H

#include <stdint.h>

typedef enum {
  RX_ROUND_NEAREST = 0,
  RX_ROUND_DOWN = 1,    /* toward negative infinity */
  RX_ROUND_UP = 2,      /* toward positive infinity */
  RX_ROUND_TO_ZERO = 3,
} rx_rounding;

double rx_fp_add(double a, double b, rx_rounding mode);
double rx_fp_sub(double a, double b, rx_rounding mode);
double rx_fp_mul(double a, double b, rx_rounding mode);
double rx_fp_div(double a, double b, rx_rounding mode);
double rx_fp_sqrt(double a, rx_rounding mode);

#endif

#include "fixed.h"

#include <math.h>

void fx_init(fx_t *fx, int width, int frac_bits, int prob_bits, int head_dim) {
  int f, n = 1 << frac_bits;
  fx->width = width;
  fx->frac_bits = frac_bits;
  fx->prob_bits = prob_bits;
  fx->head_dim = head_dim;
  fx->scale_q16 = (int32_t)lround(65536.0 / sqrt((double)head_dim));
  for (f = 0; f < n; f++)
    fx->lut[f] = (int32_t)lround(65536.0 * exp2(-(double)f / n));
}

/* Invariant: t_minus_m <= 0, so the result lies in [0, 2^16]. */
int32_t fx_exp(const fx_t *fx, int64_t t_minus_m) {
  int64_t z = -fx_rsh(t_minus_m * FX_LOG2E_Q16, 16), ip, fp;
  if (z <= 0) return FX_ONE_Q16; /* t > m cannot happen; stay defined */
  ip = z >> fx->frac_bits;
  fp = z & (((int64_t)1 << fx->frac_bits) - 1);
  if (ip >= 31) return 0;
  return fx->lut[fp] >> ip;
}

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

/* round half up, then saturate: floor(x * 2^F + 1/2) without libm */
int16_t fx_quant(const fx_t *fx, float x) {
  double s = (double)x * (double)((int64_t)1 << fx->frac_bits) + 0.5;
  int64_t i;
  if (!(s > -1e15 && s < 1e15)) /* NaN, inf, or far outside any width */
    return s > 0 ? fx_sat(fx, INT64_MAX) : s < 0 ? fx_sat(fx, INT64_MIN) : 0;
  i = (int64_t)s;
  if ((double)i > s) i--; /* truncation rounded a negative value up */
  return fx_sat(fx, i);
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

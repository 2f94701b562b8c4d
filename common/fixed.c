#include "fixed.h"

#include <math.h>

#include "simd.h"

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

/* fx_quant of one element with the bounds of its width: s is clamped to
 * [lo - 1, hi + 1] (NaN to 0) before floor, which the saturation that
 * follows cannot tell apart, so this is fx_quant's value before it;
 * selects only, so loops vectorise. */
static int32_t quant1(float x, double scale, double lo1, double hi1) {
  double s = (double)x * scale + 0.5, c;
  c = s == s ? s : 0.0; /* NaN */
  c = c > hi1 ? hi1 : c;
  c = c < lo1 ? lo1 : c;
  return (int32_t)floor(c);
}

/* Invariant: dst[i] = fx_quant(fx, src[i]) for every i < n. (The AVX2
 * clone vectorises; the baseline one calls floor per element.) */
SIMD_CLONES uint64_t fx_quant_row(const fx_t *fx, const float *src, size_t n,
                                  int16_t *dst) {
  double scale = (double)((int64_t)1 << fx->frac_bits);
  int32_t hi = (int32_t)(((int64_t)1 << (fx->width - 1)) - 1), lo = -hi - 1;
  double lo1 = (double)lo - 1, hi1 = (double)hi + 1;
  uint64_t sat = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t t = quant1(src[i], scale, lo1, hi1);
    int32_t v = t > hi ? hi : t < lo ? lo : t;
    dst[i] = (int16_t)v;
    sat += v == hi || v == lo;
  }
  return sat;
}

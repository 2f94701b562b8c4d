/* fixed.h - the datapath's arithmetic contract.
 *
 * The simulator, the golden model and (later) the RTL all compute with
 * exactly these primitives, so their outputs can be compared bit for bit.
 * With W = cfg.width, F = cfg.frac_bits, P = cfg.prob_bits:
 *
 *   element   x_q = sat_W(round(x * 2^F))                 int16, F frac bits
 *   score     s   = sum_i q_i * k_i                        int64, 2F frac bits
 *   scaled    t   = rsh(s * round(2^16 / sqrt(d)), 16 + F) int64, F frac bits
 *   max       m   = max_j t_j
 *   exp       e_j = 2^(-z) in Q0.16, z = -rsh((t_j - m) * LOG2E_Q16, 16)
 *                   split into integer part i and F-bit fraction f:
 *                   e = LUT[f] >> i, LUT[f] = round(2^16 * 2^(-f / 2^F))
 *   sum       S   = sum_j e_j                              int64, >= 2^16
 *   prob      p_j = min(2^P - 1, floor((e_j * 2^P + S/2) / S))  P frac bits
 *   output    o   = sat_W(rsh(sum_j p_j * v_j, P))         int16, F frac bits
 *
 * rsh(x, n) = floor(x / 2^n + 1/2): round half up. All sums are exact
 * integer sums, so any order or chunking of them gives the same bits.
 */
#ifndef ATTN_FIXED_H
#define ATTN_FIXED_H

#include <stdint.h>

#define FX_LOG2E_Q16 94548 /* round(log2(e) * 2^16) */
#define FX_ONE_Q16 65536
#define FX_MAX_FRAC 12

typedef struct fx {
  int width, frac_bits, prob_bits;
  int head_dim;
  int32_t scale_q16;          /* round(2^16 / sqrt(head_dim)) */
  int32_t lut[1 << FX_MAX_FRAC]; /* 2^(-f/2^F) in Q0.16, f < 2^F */
} fx_t;

/* Derive the tables for a datapath and head dimension (once per run). */
void fx_init(fx_t *fx, int width, int frac_bits, int prob_bits, int head_dim);

/* floor(x / 2^n + 1/2) without relying on signed right shifts. */
static inline int64_t fx_rsh(int64_t x, int n) {
  int64_t d, q;
  if (n <= 0) return x;
  d = (int64_t)1 << n;
  x += d >> 1;
  q = x / d;
  return (x % d != 0 && x < 0) ? q - 1 : q;
}

static inline int16_t fx_sat(const fx_t *fx, int64_t x) {
  int64_t hi = ((int64_t)1 << (fx->width - 1)) - 1, lo = -hi - 1;
  return (int16_t)(x > hi ? hi : x < lo ? lo : x);
}

/* Quantize a float element: round half up, saturate to the width (NaN
 * maps to 0; tensor sources reject NaN and inf before this). */
static inline int16_t fx_quant(const fx_t *fx, float x) {
  double s = (double)x * (double)((int64_t)1 << fx->frac_bits) + 0.5;
  int64_t i;
  if (!(s > -1e15 && s < 1e15)) /* NaN, inf, or far outside any width */
    return s > 0 ? fx_sat(fx, INT64_MAX) : s < 0 ? fx_sat(fx, INT64_MIN) : 0;
  i = (int64_t)s;
  if ((double)i > s) i--; /* truncation rounded a negative value up */
  return fx_sat(fx, i);
}
static inline double fx_dequant(const fx_t *fx, int64_t q) {
  return (double)q / (double)((int64_t)1 << fx->frac_bits);
}

/* Scaled score t from a raw dot product s. */
static inline int64_t fx_scale(const fx_t *fx, int64_t s) {
  return fx_rsh(s * fx->scale_q16, 16 + fx->frac_bits);
}

/* e = 2^((t - m) * log2 e) in Q0.16 for t <= m. */
int32_t fx_exp(const fx_t *fx, int64_t t_minus_m);

/* Probability from one exp term and the row sum. */
static inline uint16_t fx_prob(const fx_t *fx, int64_t e, int64_t sum) {
  int64_t pmax = ((int64_t)1 << fx->prob_bits) - 1;
  int64_t p = ((e << fx->prob_bits) + sum / 2) / sum;
  return (uint16_t)(p > pmax ? pmax : p);
}

/* Output element from an accumulated sum of p * v. */
static inline int16_t fx_out(const fx_t *fx, int64_t acc) {
  return fx_sat(fx, fx_rsh(acc, fx->prob_bits));
}

#endif

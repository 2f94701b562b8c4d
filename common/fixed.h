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
 *
 * Tiled attention with an online softmax (docs/tiling.md) keeps, per
 * query row, a running max m, a running sum l (Q0.16) and an output
 * accumulator O_i (16 + F frac bits). For each K/V tile the row meets
 * (its keys in that tile, T_k; tiles in increasing order):
 *   t_j   = fx_scale(s_j) as above, j in T_k
 *   m'    = max_{j in T_k} t_j on the first tile, else max(m, that max)
 *   alpha = fx_exp(m - m')           Q0.16 (65536 when m' = m; first tile:
 *                                    no alpha, l = O = 0 before it)
 *   e_j   = fx_exp(t_j - m')         Q0.16
 *   l'    = fx_rescale(l, alpha) + sum_j e_j
 *   O'_i  = fx_rescale(O_i, alpha) + sum_j e_j * v_ji
 *   fx_rescale(x, a) = rsh(x * a, 16), computed without a 128-bit product
 *                    (x = hi 2^16 + lo, 0 <= lo < 2^16: hi a + rsh(lo a, 16))
 * and at the end o_i = sat_W(fx_div_round(O_i, l)), where
 *   fx_div_round(a, b) = floor((2a + b) / (2b))   (b > 0: round half up).
 * l >= 2^16 at the end (the key attaining the final max has e = 2^16 and
 * every later alpha is 2^16). Bounds for n keys: 0 <= e_j <= 2^16, so
 * l <= n 2^16 and |O_i| <= n 2^16 2^(W-1) <= 2^48 for n <= 2^17 (128k
 * keys) at W = 16; rescale's products stay below 2^(48-16+16) = 2^48 and
 * 2a + b below 2^50: int64 holds every step up to n = 2^30 keys.
 */
#ifndef ATTN_FIXED_H
#define ATTN_FIXED_H

#include <stddef.h>
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
/* dst[i] = fx_quant(fx, src[i]) for i < n (vectorised); returns how many
 * of them sit at the width's limits (saturated or exactly at them). */
uint64_t fx_quant_row(const fx_t *fx, const float *src, size_t n,
                      int16_t *dst);
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

/* rsh(x * a, 16) for 0 <= a <= 2^16 and |x| < 2^62, exactly, without
 * the 128-bit product: x = hi 2^16 + lo with 0 <= lo < 2^16. */
static inline int64_t fx_rescale(int64_t x, int32_t a) {
  int64_t lo = x & 0xFFFF, hi = (x - lo) / 65536;
  return hi * a + fx_rsh(lo * a, 16);
}

/* floor(a / b + 1/2) for b > 0: round half up (the tiled mapping's final
 * normalisation, o = O / l). */
static inline int64_t fx_div_round(int64_t a, int64_t b) {
  int64_t n = 2 * a + b, d = 2 * b, q = n / d;
  return (n % d != 0 && n < 0) ? q - 1 : q;
}

/* Output element from an accumulated sum of p * v. */
static inline int16_t fx_out(const fx_t *fx, int64_t acc) {
  return fx_sat(fx, fx_rsh(acc, fx->prob_bits));
}

/* Gated attention (docs/gated.md): the sigmoid of a gate logit x (an
 * element, F frac bits) in Q0.16, from the softmax's exp:
 *   e = fx_exp(-|x|)                 Q0.16, e^-|x|
 *   D = 2^16 + e
 *   g = floor((2^32 + D/2) / D)      x >= 0: 1 / (1 + e^-x), in [2^15, 2^16]
 *   g = floor((e 2^16 + D/2) / D)    x < 0:  e^x / (1 + e^x), in [0, 2^15]
 * The gated output element is o = sat_W(rsh(fx_rescale(acc, g), P)), acc
 * the attention's sum of p * v (fx_out of the rescaled sum). */
static inline int32_t fx_sigmoid(const fx_t *fx, int16_t x) {
  int64_t e = fx_exp(fx, x < 0 ? (int64_t)x : -(int64_t)x), D = FX_ONE_Q16 + e;
  return (int32_t)(((x < 0 ? e << 16 : (int64_t)1 << 32) + D / 2) / D);
}

/* gated.threshold (a real in [0, 1]) in Q0.16, round half up: a row is
 * open when its largest gate g >= this (0: every row). */
static inline int32_t fx_gate_thr16(double thr) {
  double s = thr * 65536.0 + 0.5;
  return s <= 0 ? 0 : s >= 65536.0 ? 65536 : (int32_t)s;
}

#endif

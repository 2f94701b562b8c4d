/* ltfixed.h - Lightning Attention-2's arithmetic contract
 * (docs/lightning.md), on top of common/fixed.h's primitives. With
 * F = frac_bits, P = prob_bits and the decay lambda of a head given as
 * lam = round(lambda 2^16) in [1, 2^16] (Q0.16; 2^16 is no decay):
 *
 *   power   w_0 = 2^16, w_n = rsh(w_{n-1} lam, 16)         Q0.16
 *   intra   a_ij = rsh(s_ij w_{i-j}, 16 + 2F - P)         P frac bits
 *           (s_ij = q_i . k_j, exact, 2F frac bits; j <= i in the block)
 *   state   S[x][y], int64 at F frac bits, one d x d matrix per head:
 *           update over a block of n rows (k_j, v_j, j < n):
 *           S' = fx_rescale(S, w_n) + rsh(sum_j k_j[x] v_j[y] w_{n-1-j}, 16 + F)
 *           (the first block: S = 0, no rescale)
 *   inter   u_y = sum_x q_i[x] S[x][y]  (exact, 2F frac bits)
 *           acc_i[y] += lt_shift(fx_rescale(u_y, w_{i+1}), F - P)
 *   output  acc_i = sum_j a_ij v_j (P + F frac bits) + inter;
 *           o_i = sat_W(rsh(acc_i, P))  (STO, fx_out)
 * where lt_shift(x, n) = rsh(x, n) for n > 0, x 2^-n otherwise. Every sum
 * is an exact integer sum before its one rounding, so chunking never
 * changes a bit. Bounds (W = 16, d <= 1024): |s| < 2^40, s w < 2^56;
 * k v w < 2^46, a block of <= 4096 rows < 2^58 (SUPD refuses longer
 * blocks); |S| grows by < 2^(30 - F) per token. u is summed modulo 2^64
 * (lt_mac: a defined wrap, the same in the simulator and the golden
 * model); fx_rescale(u, w) is exact for |u| < 2^62, which holds unless
 * saturated inputs run for tens of thousands of tokens with no decay.
 */
#ifndef ATTN_LTFIXED_H
#define ATTN_LTFIXED_H

#include <stdint.h>

#include "fixed.h"

#define LT_ONE_Q16 65536

/* lambda (0 < lambda <= 1) as the contract's Q0.16 integer. */
static inline int32_t lt_lam_q16(double lambda) {
  double s = lambda * 65536.0 + 0.5;
  int32_t q = (int32_t)s;
  return q < 1 ? 1 : q > LT_ONE_Q16 ? LT_ONE_Q16 : q;
}

/* w_{n+1} from w_n. */
static inline int64_t lt_pow_next(int64_t w, int32_t lam) {
  return fx_rsh(w * lam, 16);
}

/* w_n = lambda^n in Q0.16 (n multiplications, each rounded). */
static inline int64_t lt_pow(int32_t lam, int n) {
  int64_t w = LT_ONE_Q16;
  for (int i = 0; i < n; i++) w = lt_pow_next(w, lam);
  return w;
}

/* rsh(x, n) for n > 0, x 2^-n for n <= 0. */
static inline int64_t lt_shift(int64_t x, int n) {
  return n > 0 ? fx_rsh(x, n) : (int64_t)((uint64_t)x << -n);
}

/* a term of a dot product modulo 2^64 (defined wrap). */
static inline int64_t lt_mac(int64_t acc, int64_t a, int64_t b) {
  return (int64_t)((uint64_t)acc + (uint64_t)a * (uint64_t)b);
}

#endif

/* kern.h - the golden models' integer inner loops (golden/spatten.c,
 * golden/biformer.c): plain C, compiled for AVX2 and for the baseline ISA
 * (simd.h: integer arithmetic, so the same results on every machine).
 * The float references are not here: their rounding must not depend on
 * the vector width. */
#ifndef ATTN_GOLD_KERN_H
#define ATTN_GOLD_KERN_H

#include <stdint.h>

/* sum over c < d of a[c] * b[c], exact in 64 bits. */
int64_t gk_dot(const int16_t *a, const int16_t *b, int d);
/* acc[c] += p * v[c] for c < d. */
void gk_axpy(int64_t *acc, int64_t p, const int16_t *v, int d);
/* acc[c] += w[c] * v[c] for c < d. */
void gk_axpyw(int64_t *acc, const int32_t *w, const int16_t *v, int d);
/* dst[c] = sched_quant(src[c], bits, width) for c < d. */
void gk_quant(int16_t *dst, const int16_t *src, int d, int bits, int width);

#endif

#include "kern.h"

#include "schedule.h"
#include "simd.h"

SIMD_CLONES int64_t gk_dot(const int16_t *a, const int16_t *b, int d) {
  int64_t s = 0;
  for (int c = 0; c < d; c++) s += (int64_t)a[c] * b[c];
  return s;
}

SIMD_CLONES void gk_axpy(int64_t *acc, int64_t p, const int16_t *v, int d) {
  for (int c = 0; c < d; c++) acc[c] += p * v[c];
}

SIMD_CLONES void gk_axpyw(int64_t *acc, const int32_t *w, const int16_t *v,
                          int d) {
  for (int c = 0; c < d; c++) acc[c] += (int64_t)w[c] * v[c];
}

SIMD_CLONES void gk_quant(int16_t *dst, const int16_t *src, int d, int bits,
                          int width) {
  for (int c = 0; c < d; c++) dst[c] = sched_quant(src[c], bits, width);
}

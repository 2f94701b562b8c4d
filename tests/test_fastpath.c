/* The data path's vectorised kernels against the scalar contract they
 * replace (issue 15): fx_quant_row is fx_quant element by element (edge
 * values, every width and fraction), and the cut QK and AV apply to keys
 * and values, (x & -2^s) | 2^(s-1), is sched_quant for every int16. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "fixed.h"
#include "schedule.h"

/* Values near every rounding and saturation edge, plus specials. */
static size_t edge_values(float *v, size_t cap) {
  static const float special[] = {0.0f, -0.0f, 0.5f, -0.5f, 1e-30f, -1e-30f,
                                  FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN,
                                  1e15f, -1e15f, 3e9f, -3e9f};
  size_t n = 0;
  for (size_t i = 0; i < sizeof special / sizeof *special; i++)
    v[n++] = special[i];
  v[n++] = INFINITY;
  v[n++] = -INFINITY;
  v[n++] = NAN;
  for (int k = -40000; k <= 40000 && n + 3 <= cap; k += 7) {
    float x = (float)k / 8.0f; /* halves and eighths around the grid */
    v[n++] = x;
    v[n++] = nextafterf(x, INFINITY);
    v[n++] = nextafterf(x, -INFINITY);
  }
  srand(15);
  while (n < cap) v[n++] = ((float)rand() / (float)RAND_MAX - 0.5f) * 9000.0f;
  return n;
}

Test(fastpath, quant_row_is_fx_quant) {
  enum { CAP = 40000 };
  float *v = malloc(CAP * sizeof *v);
  int16_t *q = malloc(CAP * sizeof *q);
  size_t n = edge_values(v, CAP);
  static const int widths[] = {4, 8, 12, 16};
  cr_assert(v && q);
  for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
    for (int f = 0; f <= FX_MAX_FRAC; f++) {
      fx_t fx;
      int16_t hi = (int16_t)((1 << (widths[wi] - 1)) - 1), lo = (int16_t)(-hi - 1);
      uint64_t sat = 0, got;
      fx_init(&fx, widths[wi], f, 8, 64);
      for (size_t off = 0; off < 5; off++) { /* unaligned starts, odd tails */
        got = fx_quant_row(&fx, v + off, n - off, q);
        sat = 0;
        for (size_t i = 0; i < n - off; i++) {
          int16_t want = fx_quant(&fx, v[off + i]);
          cr_assert_eq(q[i], want, "width %d frac %d x %a: got %d, expected %d",
                       widths[wi], f, (double)v[off + i], q[i], want);
          sat += want == hi || want == lo;
        }
        cr_assert_eq(got, sat);
      }
    }
  free(v);
  free(q);
}

Test(fastpath, cut_is_sched_quant) {
  for (int width = 2; width <= 16; width++)
    for (int bits = 0; bits < width; bits++) {
      sched_cut_t c = sched_cut(bits, width);
      for (int x = INT16_MIN; x <= INT16_MAX; x++)
        cr_assert_eq(sched_cut_apply((int16_t)x, c),
                     sched_quant((int16_t)x, bits, width),
                     "x %d bits %d width %d", x, bits, width);
    }
}

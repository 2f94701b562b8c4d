/* serve.c - the golden K/V cache (serve.h), from the algorithm: a
 * sequence's cache ends up holding every position it has seen, each row
 * as the datapath quantizes the projection's output. */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

void gold_cache_fixed(const fx_t *fx, const wl_t *w, const ten_t *t, bool key,
                      int cs, int layer, int kvh, int16_t *out) {
  int n = wl_ctx_tokens(w, cs), d = w->head_dim;
  size_t m = (size_t)n * (size_t)d;
  float *f = malloc(m * sizeof *f);
  if (!f) { /* zero: a --check then reports mismatches */
    memset(out, 0, m * sizeof *out);
    return;
  }
  ten_rows(t, key ? TEN_K : TEN_V, cs, layer, kvh, 0, n, f);
  for (size_t i = 0; i < m; i++) out[i] = fx_quant(fx, f[i]);
  free(f);
}

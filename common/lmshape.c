/* lmshape.c - Landmark Attention's decode geometry (lmshape.h). */
#include "lmshape.h"

#include "bfshape.h"

void lm_geo(const wl_t *w, int cs, int q, lm_geo_t *g) {
  int B = w->lm_block, far = wl_keys(w, cs, q) - w->lm_window;
  g->B = B;
  g->nkeys = wl_keys(w, cs, q);
  g->lo = far > 0 ? far / B * B : 0;
  g->L = g->lo / B;
  g->k = w->lm_topk < g->L ? w->lm_topk : g->L;
  g->nk = g->k * B + g->nkeys - g->lo;
}

int lm_rows(const wl_t *w, int cs) {
  if (w->kind != WL_LANDMARK || w->lm_block < 1) return 0;
  return (wl_ctx_tokens(w, cs) + w->lm_block - 1) / w->lm_block;
}

int lm_max_row(const wl_t *w) {
  int m = 0;
  if (w->kind != WL_LANDMARK) return 0;
  for (int cs = 0; cs < wl_cases(w); cs++)
    for (int q = 0; q < wl_queries(w, cs); q++) {
      lm_geo_t g;
      lm_geo(w, cs, q, &g);
      if (g.L > m) m = g.L;
      if (g.nk > m) m = g.nk;
    }
  return m;
}

/* Rows [jB, min(jB + B, n)) summed per element, then bf_mean. */
void lm_key(const int16_t *k, int n, int d, int B, int j, int16_t *out) {
  int r0 = j * B, r1 = r0 + B < n ? r0 + B : n;
  for (int i = 0; i < d; i++) {
    int64_t sum = 0;
    for (int r = r0; r < r1; r++) sum += k[(size_t)r * (size_t)d + (size_t)i];
    out[i] = bf_mean(sum, r1 - r0);
  }
}

/* bfshape.c - BiFormer's shared shapes and rules (docs/biformer.md). */
#include "bfshape.h"

#include <assert.h>

void bf_geo(const wl_t *w, int s, bf_geo_t *g) {
  assert(w->kind == WL_BIFORMER && s >= 0 && s < w->ncases);
  g->H = w->bf_height[s];
  g->W = w->bf_width[s];
  g->S = w->bf_regions;
  g->rh = g->H / g->S;
  g->rw = g->W / g->S;
  g->R = g->rh * g->rw;
  g->nreg = g->S * g->S;
  g->k = w->bf_topk[s];
  g->heads = w->bf_channels[s] / w->head_dim;
  g->blocks = w->bf_blocks[s];
  g->kern = w->bf_lce_kernel;
}

int bf_token(const bf_geo_t *g, int y, int x) {
  int r = (y / g->rh) * g->S + x / g->rw;
  return r * g->R + (y % g->rh) * g->rw + x % g->rw;
}

void bf_coord(const bf_geo_t *g, int t, int *y, int *x) {
  int r = t / g->R, i = t % g->R;
  *y = (r / g->S) * g->rh + i / g->rw;
  *x = (r % g->S) * g->rw + i % g->rw;
}

/* floor((2 sum + R) / 2R) with a floor division for negative sums. */
int16_t bf_mean(int64_t sum, int R) {
  int64_t n = 2 * sum + R, d = 2 * (int64_t)R, q = n / d;
  return (int16_t)((n % d != 0 && n < 0) ? q - 1 : q);
}

/* splitmix64's finaliser: a fixed bijection that scatters nearby keys. */
static uint64_t mix(uint64_t x) {
  x += UINT64_C(0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
  return x ^ (x >> 31);
}

/* An integer in [-m, m], m = floor(2^P / (2 kern^2)), so the taps of one
 * channel sum to at most half of one in magnitude. */
int32_t bf_lce_weight(int prob_bits, int kern, int stage, int block,
                      int head, int ch, int ty, int tx) {
  int32_t m = (int32_t)((INT64_C(1) << prob_bits) / (2 * kern * kern));
  uint64_t key = (((((uint64_t)stage * 1024 + (uint64_t)block) * 1024 +
                    (uint64_t)head) * 1024 + (uint64_t)ch) * 16 +
                  (uint64_t)ty) * 16 + (uint64_t)tx;
  return (int32_t)(mix(key) % (uint64_t)(2 * m + 1)) - m;
}

void bf_lce_weights(int prob_bits, int kern, int stage, int block, int head,
                    int d, int32_t *w) {
  for (int ty = 0; ty < kern; ty++)
    for (int tx = 0; tx < kern; tx++, w += d)
      for (int ch = 0; ch < d; ch++)
        w[ch] = bf_lce_weight(prob_bits, kern, stage, block, head, ch, ty, tx);
}

void bf_taps(const bf_geo_t *g, int y, int x, int *ty0, int *ty1, int *tx0,
             int *tx1) {
  int pad = g->kern / 2;
  *ty0 = pad - y > 0 ? pad - y : 0;
  *ty1 = g->H - y + pad < g->kern ? g->H - y + pad : g->kern;
  *tx0 = pad - x > 0 ? pad - x : 0;
  *tx1 = g->W - x + pad < g->kern ? g->W - x + pad : g->kern;
}

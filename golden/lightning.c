/* lightning.c - golden model of Lightning Attention-2's causal prefill
 * (lightning.h, docs/lightning.md): plain loops over the formulas of
 * common/ltfixed.h, one primitive per step. The state is held as a
 * d x d matrix; the intra part is computed query by query from the block's
 * keys, the inter part from the state after the previous block. */
#include "lightning.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ltfixed.h"

int32_t lt_head_lam(const wl_t *w, int h) {
  return lt_lam_q16(w->lt_decay[w->lt_ndecay > 1 ? h : 0]);
}

typedef struct ltg {
  fx_t fx;
  int d, N, B;
  int16_t *q, *k, *v; /* N x d */
  float *f;           /* N x d scratch */
  int64_t *S;         /* d x d */
  int64_t *acc, *u, *blk; /* d, d, d x d */
} ltg_t;

static void load(ltg_t *g, const ten_t *t, ten_kind_t kind, int cs, int l,
                 int h, int16_t *dst) {
  size_t n = (size_t)g->N * (size_t)g->d;
  ten_rows(t, kind, cs, l, h, 0, g->N, g->f);
  for (size_t i = 0; i < n; i++) dst[i] = fx_quant(&g->fx, g->f[i]);
}

/* Query row p (block starting at t0) into o. */
static void query(ltg_t *g, int32_t lam, int t0, int p, int16_t *o) {
  int d = g->d, F = g->fx.frac_bits, P = g->fx.prob_bits, i = p - t0;
  const int16_t *q = g->q + (size_t)p * d;
  memset(g->acc, 0, (size_t)d * sizeof *g->acc);
  for (int j = t0; j <= p; j++) { /* intra: keys of the block up to p */
    int64_t s = 0, a;
    for (int x = 0; x < d; x++) s += (int64_t)q[x] * g->k[(size_t)j * d + x];
    a = lt_shift(s * lt_pow(lam, p - j), 16 + 2 * F - P);
    for (int y = 0; y < d; y++) g->acc[y] += a * g->v[(size_t)j * d + y];
  }
  if (t0 > 0) { /* inter: the state of every earlier block */
    int64_t w = lt_pow(lam, i + 1);
    memset(g->u, 0, (size_t)d * sizeof *g->u);
    for (int x = 0; x < d; x++)
      for (int y = 0; y < d; y++)
        g->u[y] = lt_mac(g->u[y], q[x], g->S[(size_t)x * d + y]);
    for (int y = 0; y < d; y++)
      g->acc[y] += lt_shift(fx_rescale(g->u[y], (int32_t)w), F - P);
  }
  for (int y = 0; y < d; y++) o[y] = fx_out(&g->fx, g->acc[y]);
}

/* S = rescale(S, w_n) + rsh(sum_j w_{n-1-j} k_j^T v_j, 16 + F) over the
 * block [t0, t0 + n); first: S = 0 before. */
static void update(ltg_t *g, int32_t lam, int t0, int n, int first) {
  int d = g->d, F = g->fx.frac_bits;
  int64_t wn = lt_pow(lam, n);
  memset(g->blk, 0, (size_t)d * d * sizeof *g->blk);
  for (int j = 0; j < n; j++) {
    int64_t w = lt_pow(lam, n - 1 - j);
    const int16_t *k = g->k + (size_t)(t0 + j) * d, *v = g->v + (size_t)(t0 + j) * d;
    for (int x = 0; x < d; x++)
      for (int y = 0; y < d; y++)
        g->blk[(size_t)x * d + y] += (int64_t)k[x] * w * v[y];
  }
  for (size_t e = 0; e < (size_t)d * d; e++)
    g->S[e] = (first ? 0 : fx_rescale(g->S[e], (int32_t)wn)) +
              fx_rsh(g->blk[e], 16 + F);
}

static void head(ltg_t *g, const wl_t *w, const ten_t *t, int cs, int l,
                 int h, int16_t *out) {
  int32_t lam = lt_head_lam(w, h);
  load(g, t, TEN_Q, cs, l, h, g->q);
  load(g, t, TEN_K, cs, l, h, g->k);
  load(g, t, TEN_V, cs, l, h, g->v);
  for (int t0 = 0; t0 < g->N; t0 += g->B) {
    int n = g->N - t0 < g->B ? g->N - t0 : g->B;
    for (int p = t0; p < t0 + n; p++)
      query(g, lam, t0, p, out + (size_t)p * g->d);
    if (t0 + n < g->N) update(g, lam, t0, n, t0 == 0);
  }
}

int gold_lightning(const cfg_t *c, const wl_t *w, const ten_t *t,
                   int16_t *out, size_t maxq) {
  ltg_t g;
  size_t nmax = 1, d = (size_t)w->head_dim;
  int rc = 0;
  memset(&g, 0, sizeof g);
  fx_init(&g.fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  for (int cs = 0; cs < w->ncases; cs++)
    if ((size_t)w->tokens[cs] > nmax) nmax = (size_t)w->tokens[cs];
  g.d = w->head_dim, g.B = w->lt_block;
  g.q = malloc(nmax * d * sizeof *g.q), g.k = malloc(nmax * d * sizeof *g.k);
  g.v = malloc(nmax * d * sizeof *g.v), g.f = malloc(nmax * d * sizeof *g.f);
  g.S = malloc(d * d * sizeof *g.S), g.blk = malloc(d * d * sizeof *g.blk);
  g.acc = malloc(d * sizeof *g.acc), g.u = malloc(d * sizeof *g.u);
  if (!g.q || !g.k || !g.v || !g.f || !g.S || !g.blk || !g.acc || !g.u)
    rc = ERR_RUN;
  for (int cs = 0; !rc && cs < w->ncases; cs++) {
    g.N = w->tokens[cs];
    for (int l = 0; l < w->layers; l++)
      for (int h = 0; h < w->heads; h++)
        head(&g, w, t, cs, l, h,
             out + (((size_t)cs * w->layers + l) * w->heads + h) * maxq * d);
  }
  free(g.q), free(g.k), free(g.v), free(g.f), free(g.S), free(g.blk);
  free(g.acc), free(g.u);
  return rc;
}

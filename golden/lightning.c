/* lightning.c - golden model of Lightning Attention-2 (lightning.h,
 * docs/lightning.md): plain loops over the formulas of common/ltfixed.h,
 * one primitive per step. The state is held as a d x d matrix. Prefill:
 * the intra part query by query from the block's keys, the inter part
 * from the state after the previous block. Decode: the prompt's state by
 * the token recurrence, then per generated token the update, the apply
 * and the state's 32-bit store. */
#include "lightning.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "kern.h"
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
    int64_t s = gk_dot(q, g->k + (size_t)j * d, d), a;
    a = lt_shift(s * lt_pow(lam, p - j), 16 + 2 * F - P);
    gk_axpy(g->acc, a, g->v + (size_t)j * d, d);
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

/* One token into the state: S = rescale(S, w_1) + rsh(k^T v w_0, 16 + F)
 * (the update of a block of one row). */
static void token(int64_t *S, const int16_t *k, const int16_t *v, int d,
                  int32_t lam, int F) {
  int64_t w1 = lt_pow(lam, 1), w0 = lt_pow(lam, 0);
  for (int x = 0; x < d; x++)
    for (int y = 0; y < d; y++)
      S[(size_t)x * d + y] = fx_rescale(S[(size_t)x * d + y], (int32_t)w1) +
                             fx_rsh((int64_t)k[x] * w0 * v[y], 16 + F);
}

int lt_prompt_state(const int16_t *k, const int16_t *v, int n, int d,
                    int32_t lam, int F, int32_t *S32) {
  int64_t *S = calloc((size_t)d * (size_t)d, sizeof *S);
  if (!S) return ERR_RUN;
  for (int j = 0; j < n; j++)
    token(S, k + (size_t)j * d, v + (size_t)j * d, d, lam, F);
  for (size_t e = 0; e < (size_t)d * d; e++) S32[e] = lt_sat32(S[e]);
  free(S);
  return 0;
}

/* Decode of one head: the prompt's P tokens into the state, then per
 * generated token p = P + t: S = its update; o_t = sat_W(rsh(lt_shift(
 * rescale(q_p S, w_0), F - P), P)) (the inter part's formula, weight 1);
 * S = sat32(S), the LS region's round trip between steps. */
static int decode_head(ltg_t *g, int32_t lam, int P, int T, int16_t *out) {
  int d = g->d, F = g->fx.frac_bits, Pb = g->fx.prob_bits;
  int32_t *S32 = malloc((size_t)d * d * sizeof *S32);
  if (!S32 || lt_prompt_state(g->k, g->v, P, d, lam, F, S32)) {
    free(S32);
    return ERR_RUN;
  }
  for (size_t e = 0; e < (size_t)d * d; e++) g->S[e] = S32[e];
  for (int t = 0; t < T; t++) {
    int p = P + t;
    const int16_t *q = g->q + (size_t)p * d;
    token(g->S, g->k + (size_t)p * d, g->v + (size_t)p * d, d, lam, F);
    memset(g->u, 0, (size_t)d * sizeof *g->u);
    for (int x = 0; x < d; x++)
      for (int y = 0; y < d; y++)
        g->u[y] = lt_mac(g->u[y], q[x], g->S[(size_t)x * d + y]);
    for (int y = 0; y < d; y++)
      out[(size_t)t * d + y] = fx_out(
          &g->fx, lt_shift(fx_rescale(g->u[y], (int32_t)lt_pow(lam, 0)), F - Pb));
    for (size_t e = 0; e < (size_t)d * d; e++) g->S[e] = lt_sat32(g->S[e]);
  }
  free(S32);
  return 0;
}

static int head(ltg_t *g, const wl_t *w, const ten_t *t, int cs, int l,
                int h, int16_t *out) {
  int32_t lam = lt_head_lam(w, h);
  load(g, t, TEN_Q, cs, l, h, g->q);
  load(g, t, TEN_K, cs, l, h, g->k);
  load(g, t, TEN_V, cs, l, h, g->v);
  if (wl_generates(w))
    return decode_head(g, lam, wl_prompt(w, cs), w->generate, out);
  for (int t0 = 0; t0 < g->N; t0 += g->B) {
    int n = g->N - t0 < g->B ? g->N - t0 : g->B;
    for (int p = t0; p < t0 + n; p++)
      query(g, lam, t0, p, out + (size_t)p * g->d);
    if (t0 + n < g->N) update(g, lam, t0, n, t0 == 0);
  }
  return 0;
}

int gold_lightning(const cfg_t *c, const wl_t *w, const ten_t *t,
                   int16_t *out, size_t maxq) {
  ltg_t g;
  size_t nmax = 1, d = (size_t)w->head_dim;
  int rc = 0;
  memset(&g, 0, sizeof g);
  fx_init(&g.fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  for (int cs = 0; cs < wl_cases(w); cs++) /* decode: prompt + generated */
    if ((size_t)wl_ctx_tokens(w, cs) > nmax) nmax = (size_t)wl_ctx_tokens(w, cs);
  g.d = w->head_dim, g.B = w->lt_block;
  g.q = malloc(nmax * d * sizeof *g.q), g.k = malloc(nmax * d * sizeof *g.k);
  g.v = malloc(nmax * d * sizeof *g.v), g.f = malloc(nmax * d * sizeof *g.f);
  g.S = malloc(d * d * sizeof *g.S), g.blk = malloc(d * d * sizeof *g.blk);
  g.acc = malloc(d * sizeof *g.acc), g.u = malloc(d * sizeof *g.u);
  if (!g.q || !g.k || !g.v || !g.f || !g.S || !g.blk || !g.acc || !g.u)
    rc = ERR_RUN;
  for (int cs = 0; !rc && cs < wl_cases(w); cs++) {
    g.N = wl_ctx_tokens(w, cs);
    for (int l = 0; !rc && l < w->layers; l++)
      for (int h = 0; !rc && h < w->heads; h++)
        rc = head(&g, w, t, cs, l, h,
                  out + (((size_t)cs * w->layers + l) * w->heads + h) * maxq * d);
  }
  free(g.q), free(g.k), free(g.v), free(g.f), free(g.S), free(g.blk);
  free(g.acc), free(g.u);
  return rc;
}

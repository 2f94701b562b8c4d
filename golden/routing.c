/* routing.c - golden model of the Routing Transformer (docs/routing.md):
 * one plain loop over cases, layers, heads and queries, every step one
 * rule of the contract or one primitive of common/fixed.h, so the
 * simulator is compared with it bit for bit and assignment by
 * assignment. The assignment is a plain argmax (not the top-k engine's
 * quick-select): the tie rule (lowest centroid) is the engine's. */
#include "routing.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fixed.h"
#include "kern.h"

typedef struct rtg {
  const wl_t *w;
  const ten_t *t;
  fx_t fx;
  int cs, l, h, T, C, d;
  int16_t *x[4];    /* Q, K, V rows [T][d], centroids [C][d] */
  float *f;         /* floats of the largest of them */
  uint32_t *kc, *qc; /* key and query clusters */
  int *kp;          /* one query's key positions */
  int64_t *p;       /* one query's scores, then probabilities */
  int64_t *acc;
} rtg_t;

static void rtg_free(rtg_t *g) {
  for (int i = 0; i < 4; i++) free(g->x[i]);
  free(g->f), free(g->kc), free(g->qc), free(g->kp), free(g->p), free(g->acc);
}

static int rtg_alloc(rtg_t *g, int maxt) {
  size_t n = (size_t)maxt * (size_t)g->d;
  for (int i = 0; i < 4; i++) g->x[i] = malloc(n * sizeof *g->x[i]);
  g->f = malloc(n * sizeof *g->f);
  g->kc = malloc((size_t)maxt * sizeof *g->kc);
  g->qc = malloc((size_t)maxt * sizeof *g->qc);
  g->p = malloc((size_t)maxt * sizeof *g->p);
  g->kp = malloc((size_t)maxt * sizeof *g->kp);
  g->acc = malloc((size_t)g->d * sizeof *g->acc);
  return g->x[0] && g->x[1] && g->x[2] && g->x[3] && g->f && g->kc && g->qc &&
                 g->kp && g->p && g->acc ? 0 : ERR_RUN;
}

static const int16_t *row(const rtg_t *g, int kind, int r) {
  return g->x[kind] + (size_t)r * (size_t)g->d;
}

/* Q, K, V and the centroids of (cs, l, h), through fx_quant. */
static void rtg_load(rtg_t *g) {
  size_t n = (size_t)g->T * (size_t)g->d, nc = (size_t)g->C * (size_t)g->d;
  for (int kind = 0; kind < 3; kind++) {
    ten_rows(g->t, (ten_kind_t)kind, g->cs, g->l, g->h, 0, g->T, g->f);
    for (size_t i = 0; i < n; i++) g->x[kind][i] = fx_quant(&g->fx, g->f[i]);
  }
  ten_centroids(g->t, g->l, g->h, g->f);
  for (size_t i = 0; i < nc; i++) g->x[3][i] = fx_quant(&g->fx, g->f[i]);
}

/* The centroid of largest x . c (the lowest on ties), logged as id. */
static uint32_t assign(const rtg_t *g, const int16_t *x, int id, declog_t *log) {
  uint32_t best = 0;
  int64_t bs = gk_dot(x, row(g, 3, 0), g->d);
  for (int c = 1; c < g->C; c++) {
    int64_t s = gk_dot(x, row(g, 3, c), g->d);
    if (s > bs) bs = s, best = (uint32_t)c;
  }
  if (log) {
    dec_t dc = {DEC_CLUSTER, g->cs, g->l, g->h, id, g->C, 1, dec_hash(&best, 1), 0};
    dec_add(log, &dc);
  }
  return best;
}

/* Query t over its cluster's keys (positions < n, n = t + 1 causal or
 * T; none in the cluster: key t), its output row into o. */
static uint64_t query(rtg_t *g, int t, int16_t *o) {
  int n = g->w->causal ? t + 1 : g->T, m = 0, j, c;
  int64_t mx = INT64_MIN, sum = 0;
  for (j = 0; j < n; j++)
    if (g->kc[j] == g->qc[t]) g->kp[m++] = j;
  if (!m) g->kp[m++] = t;
  for (j = 0; j < m; j++) {
    g->p[j] = fx_scale(&g->fx, gk_dot(row(g, 0, t), row(g, 1, g->kp[j]), g->d));
    if (g->p[j] > mx) mx = g->p[j];
  }
  for (j = 0; j < m; j++) sum += g->p[j] = fx_exp(&g->fx, g->p[j] - mx);
  for (j = 0; j < m; j++) g->p[j] = fx_prob(&g->fx, g->p[j], sum);
  memset(g->acc, 0, (size_t)g->d * sizeof *g->acc);
  for (j = 0; j < m; j++) {
    const int16_t *v = row(g, 2, g->kp[j]);
    for (c = 0; c < g->d; c++) g->acc[c] += g->p[j] * v[c];
  }
  for (c = 0; o && c < g->d; c++) o[c] = fx_out(&g->fx, g->acc[c]);
  return (uint64_t)m;
}

/* One head: every key's cluster, then every query's, then the queries. */
static uint64_t rtg_head(rtg_t *g, int16_t *out, size_t maxq, declog_t *log) {
  uint64_t keys = 0;
  rtg_load(g);
  for (int j = 0; j < g->T; j++) g->kc[j] = assign(g, row(g, 1, j), g->T + j, log);
  for (int t = 0; t < g->T; t++) g->qc[t] = assign(g, row(g, 0, t), t, log);
  for (int t = 0; t < g->T; t++) {
    int16_t *o = NULL;
    if (out) {
      size_t blk = ((size_t)g->cs * (size_t)g->w->layers + (size_t)g->l) *
                       (size_t)g->w->heads + (size_t)g->h;
      o = out + (blk * maxq + (size_t)t) * (size_t)g->d;
    }
    keys += query(g, t, o);
  }
  return keys;
}

int gold_routing(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
                 declog_t *log, uint64_t *keys) {
  rtg_t g;
  size_t maxq = 1;
  int rc;
  uint64_t nk = 0;
  memset(&g, 0, sizeof g);
  g.w = w, g.t = t, g.d = w->head_dim, g.C = w->rt_clusters;
  for (int s = 0; s < w->ncases; s++)
    if ((size_t)w->tokens[s] > maxq) maxq = (size_t)w->tokens[s];
  if (out)
    memset(out, 0, (size_t)w->ncases * (size_t)w->layers * (size_t)w->heads *
                       maxq * (size_t)w->head_dim * sizeof *out);
  fx_init(&g.fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  rc = rtg_alloc(&g, (int)maxq > g.C ? (int)maxq : g.C);
  for (g.cs = 0; !rc && g.cs < w->ncases; g.cs++)
    for (g.l = 0, g.T = w->tokens[g.cs]; g.l < w->layers; g.l++)
      for (g.h = 0; g.h < w->heads; g.h++) nk += rtg_head(&g, out, maxq, log);
  rtg_free(&g);
  if (keys) *keys = nk;
  return rc == 0 && log && log->oom ? ERR_RUN : rc;
}

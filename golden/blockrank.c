/* blockrank.c - golden model of block-sparse document masks, from
 * docs/blockrank.md: one plain loop over cases, layers, heads and
 * queries; a key is used when the mask predicate allows it, every step
 * one primitive of common/fixed.h. Blocks do not appear here: the
 * compiler's whole-block fetches and discarded scores must not change
 * any output bit. */
#include "blockrank.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fixed.h"
#include "kern.h"

/* The mask's inputs: seg[j], token j's segment; glob[s], segment s is
 * global. */
typedef struct mask {
  const wl_t *w;
  int *seg;
  unsigned char glob[WL_BR_MAX_SEGS];
} mask_t;

static void mask_init(mask_t *m, const wl_t *w, int L) {
  int i, j = 0;
  m->w = w;
  memset(m->glob, 0, sizeof m->glob);
  for (i = 0; i < w->br_nglobal; i++)
    if (w->br_global[i] >= 0) m->glob[w->br_global[i]] = 1;
  for (i = 0; i < w->br_nseg; i++)
    for (int n = 0; n < w->br_seg[i] && j < L; n++) m->seg[j++] = i;
}

/* The mask: may query q see key j? */
static int allowed(const mask_t *m, int q, int j) {
  int sq = m->seg[q], sj = m->seg[j];
  if (m->w->causal && j > q) return 0;
  return sj == sq || m->glob[sj] ||
         (m->w->br_query_last && sq == m->w->br_nseg - 1);
}

/* Query row qq over the allowed keys of k, v ([L][d]): scores, max, exp,
 * probabilities, weighted sum. p: L scratch entries, idx: L ints. */
static void query(const fx_t *fx, const mask_t *mk, int q, const int16_t *qq,
                  const int16_t *k, const int16_t *v, int L, int64_t *p,
                  int *idx, int16_t *out) {
  int d = mk->w->head_dim, n = 0, j, i;
  int64_t m = INT64_MIN, sum = 0;
  for (j = 0; j < L; j++)
    if (allowed(mk, q, j)) idx[n++] = j;
  for (j = 0; j < n; j++) {
    p[j] = fx_scale(fx, gk_dot(qq, k + (size_t)idx[j] * d, d));
    if (p[j] > m) m = p[j];
  }
  for (j = 0; j < n; j++) sum += p[j] = fx_exp(fx, p[j] - m);
  for (j = 0; j < n; j++) p[j] = fx_prob(fx, p[j], sum);
  for (i = 0; i < d; i++) {
    int64_t acc = 0;
    for (j = 0; j < n; j++) acc += p[j] * v[(size_t)idx[j] * d + i];
    out[i] = fx_out(fx, acc);
  }
}

/* Rows [0, n) of a tensor for (cs, l, head) through fx_quant. */
static void load(const fx_t *fx, const ten_t *t, ten_kind_t kind, int cs,
                 int l, int head, int n, int d, float *f, int16_t *x) {
  size_t i, m = (size_t)n * (size_t)d;
  ten_rows(t, kind, cs, l, head, 0, n, f);
  for (i = 0; i < m; i++) x[i] = fx_quant(fx, f[i]);
}

int gold_blockrank(const cfg_t *c, const wl_t *w, const ten_t *t,
                   int16_t *out) {
  fx_t *fx = malloc(sizeof *fx);
  int d = w->head_dim, maxq = 1, maxl = 1, cs, l, h, q, rc = 0;
  for (cs = 0; cs < w->ncases; cs++) {
    if (wl_queries(w, cs) > maxq) maxq = wl_queries(w, cs);
    if (wl_ctx_tokens(w, cs) > maxl) maxl = wl_ctx_tokens(w, cs);
  }
  size_t ld = (size_t)maxl * (size_t)d;
  float *f = malloc(ld * sizeof *f);
  int16_t *k = malloc(ld * sizeof *k), *v = malloc(ld * sizeof *v);
  int16_t *qq = malloc(ld * sizeof *qq);
  int64_t *p = malloc((size_t)maxl * sizeof *p);
  int *idx = malloc((size_t)maxl * sizeof *idx);
  mask_t mk;
  mk.seg = malloc((size_t)maxl * sizeof *mk.seg);
  if (!fx || !f || !k || !v || !qq || !p || !idx || !mk.seg) {
    rc = ERR_RUN;
    goto done;
  }
  fx_init(fx, c->width, c->frac_bits, c->prob_bits, d);
  for (cs = 0; cs < w->ncases; cs++)
    for (l = 0; l < w->layers; l++)
      for (h = 0; h < w->heads; h++) {
        int L = wl_ctx_tokens(w, cs), kvh = h / wl_group(w);
        int16_t *o = out + (((size_t)cs * (size_t)w->layers + (size_t)l) *
                                (size_t)w->heads + (size_t)h) *
                               (size_t)maxq * (size_t)d;
        mask_init(&mk, w, L);
        load(fx, t, TEN_K, cs, l, kvh, L, d, f, k);
        load(fx, t, TEN_V, cs, l, kvh, L, d, f, v);
        load(fx, t, TEN_Q, cs, l, h, L, d, f, qq);
        for (q = 0; q < wl_queries(w, cs); q++)
          query(fx, &mk, q, qq + (size_t)q * d, k, v, L, p, idx,
                o + (size_t)q * d);
      }
done:
  free(fx), free(f), free(k), free(v), free(qq), free(p), free(idx);
  free(mk.seg);
  return rc;
}

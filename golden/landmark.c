/* landmark.c - golden model of Landmark Attention's decode, from
 * docs/landmark.md: one plain loop over steps, layers and heads. */
#include "landmark.h"

#include <stdlib.h>
#include <string.h>

#include "bfshape.h"
#include "fixed.h"
#include "kern.h"
#include "golden.h"
#include "spatten.h"

typedef struct lmg {
  const wl_t *w;
  const ten_t *t;
  fx_t fx;
  int n, d;          /* context rows, head_dim */
  int16_t *k, *v;    /* one head's key and value rows [n][d] */
  int16_t *lmk;      /* its landmark keys [ceil(n/B)][d] */
  int16_t *q;        /* one query row */
  int16_t *o;        /* an output row when none is wanted */
  float *f;          /* floats of one tensor [n][d] */
  int64_t *s;        /* scores, then probabilities [n] */
  int32_t *tok;      /* the attended positions [n] */
  uint32_t *keep;    /* kept blocks [n] */
  /* accuracy against dense float attention (acc may be NULL) */
  gold_sp_acc_t *acc;
  float *fk, *fv, *fq; /* unquantized K, V [n][d] and query [d] */
  double *ds, *dout;   /* dense scores [n], dense output [d] */
} lmg_t;

static void lmg_free(lmg_t *g) {
  free(g->k), free(g->v), free(g->lmk), free(g->q), free(g->o), free(g->f), free(g->s);
  free(g->tok), free(g->keep), free(g->fk), free(g->fv), free(g->fq);
  free(g->ds), free(g->dout);
}

static int lmg_alloc(lmg_t *g) {
  size_t nd = (size_t)g->n * (size_t)g->d;
  g->k = malloc(nd * sizeof *g->k);
  g->v = malloc(nd * sizeof *g->v);
  g->lmk = malloc(nd * sizeof *g->lmk);
  g->q = malloc((size_t)g->d * sizeof *g->q);
  g->o = malloc((size_t)g->d * sizeof *g->o);
  g->f = malloc(nd * sizeof *g->f);
  g->s = malloc((size_t)g->n * sizeof *g->s);
  g->tok = malloc((size_t)g->n * sizeof *g->tok);
  g->keep = malloc((size_t)g->n * sizeof *g->keep);
  g->fk = malloc(nd * sizeof *g->fk);
  g->fv = malloc(nd * sizeof *g->fv);
  g->fq = malloc((size_t)g->d * sizeof *g->fq);
  g->ds = malloc((size_t)g->n * sizeof *g->ds);
  g->dout = malloc((size_t)g->d * sizeof *g->dout);
  if (!g->fk || !g->fv || !g->fq || !g->ds || !g->dout) return ERR_RUN;
  return g->k && g->v && g->lmk && g->q && g->o && g->f && g->s && g->tok && g->keep
             ? 0 : ERR_RUN;
}

/* rows [row0, row0 + n) of tensor kind through fx_quant into dst */
static void quant_rows(lmg_t *g, ten_kind_t kind, int l, int h, int row0,
                       int n, int16_t *dst, float *f) {
  ten_rows(g->t, kind, 0, l, h, row0, n, f);
  for (size_t i = 0; i < (size_t)n * (size_t)g->d; i++)
    dst[i] = fx_quant(&g->fx, f[i]);
}

/* K and V of head h in layer l, and its landmark keys: block j's key is
 * the rounded mean of rows [jB, min(jB + B, n)). */
static void lmg_head(lmg_t *g, int l, int h) {
  int B = g->w->lm_block, nb = (g->n + B - 1) / B;
  quant_rows(g, TEN_K, l, h, 0, g->n, g->k, g->fk);
  quant_rows(g, TEN_V, l, h, 0, g->n, g->v, g->fv);
  for (int j = 0; j < nb; j++) {
    int r1 = (j + 1) * B < g->n ? (j + 1) * B : g->n;
    for (int i = 0; i < g->d; i++) {
      int64_t sum = 0;
      for (int r = j * B; r < r1; r++) sum += g->k[(size_t)r * g->d + i];
      g->lmk[(size_t)j * g->d + i] = bf_mean(sum, r1 - j * B);
    }
  }
}

/* Softmax attention of g->q over positions tok[0..m) into out[d]. */
static void attend(lmg_t *g, int m, int16_t *out) {
  int64_t mx = INT64_MIN, sum = 0;
  for (int j = 0; j < m; j++) {
    g->s[j] = fx_scale(&g->fx, gk_dot(g->q, g->k + (size_t)g->tok[j] * g->d, g->d));
    if (g->s[j] > mx) mx = g->s[j];
  }
  for (int j = 0; j < m; j++) {
    g->s[j] = fx_exp(&g->fx, g->s[j] - mx);
    sum += g->s[j];
  }
  for (int j = 0; j < m; j++) g->s[j] = fx_prob(&g->fx, g->s[j], sum);
  for (int i = 0; i < g->d; i++) {
    int64_t acc = 0;
    for (int j = 0; j < m; j++) acc += g->s[j] * g->v[(size_t)g->tok[j] * g->d + i];
    out[i] = fx_out(&g->fx, acc);
  }
}

/* The accuracy of one query (its m attended positions tok[], their fixed
 * probabilities s[], its output out) against dense float attention over
 * all nkeys keys: the dense mass on the attended positions, the output's
 * error, and the error of the attended probabilities renormalised in
 * double (as golden/spatten.c's). */
static void accuracy(lmg_t *g, int nkeys, int m, const int16_t *out) {
  double sum = 0.0, mass = 0.0;
  int64_t psum = 0;
  gold_query_float(g->fq, g->fk, g->fv, nkeys, g->d, g->ds, g->dout);
  for (int j = 0; j < nkeys; j++) sum += g->ds[j];
  for (int j = 0; j < m; j++) mass += g->ds[g->tok[j]], psum += g->s[j];
  for (int i = 0; i < g->d; i++) {
    double e = fx_dequant(&g->fx, out[i]) - g->dout[i], rn = 0.0;
    for (int j = 0; psum > 0 && j < m; j++)
      rn += (double)g->s[j] *
            fx_dequant(&g->fx, g->v[(size_t)g->tok[j] * g->d + i]);
    rn = psum > 0 ? rn / (double)psum : 0.0;
    g->acc->err2 += e * e;
    g->acc->err2_renorm += (rn - g->dout[i]) * (rn - g->dout[i]);
    g->acc->ref2 += g->dout[i] * g->dout[i];
  }
  g->acc->mass += sum > 0 ? mass / sum : 0.0;
  g->acc->queries++;
}

/* Step st's query (position p) of head h in layer l: the local part is
 * [lo, p + 1), lo the block boundary at or below p + 1 - window; the
 * blocks before lo are the candidates, the top landmark.topk of them by
 * q . landmark key attended whole. Returns 0, or -1 when out of memory. */
static int lmg_query(lmg_t *g, int st, int l, int h, int16_t *out,
                     declog_t *log) {
  int B = g->w->lm_block, p = g->w->prompt + st, nkeys = p + 1;
  int far = nkeys - g->w->lm_window, lo = far > 0 ? far / B * B : 0;
  int L = lo / B, k = 0, m = 0;
  quant_rows(g, TEN_Q, l, h, p, 1, g->q, g->fq);
  if (L) {
    for (int j = 0; j < L; j++) g->s[j] = gk_dot(g->q, g->lmk + (size_t)j * g->d, g->d);
    if ((k = gold_topk(g->s, L, g->w->lm_topk, g->keep)) < 0) return -1;
    if (log) {
      dec_t d = {DEC_REGIONS, st, l, -1, h, L, k, dec_hash(g->keep, (size_t)k), 0};
      dec_add(log, &d);
    }
  }
  for (int i = 0; i < k; i++)
    for (int r = 0; r < B; r++) g->tok[m++] = (int32_t)g->keep[i] * B + r;
  for (int r = lo; r < nkeys; r++) g->tok[m++] = r;
  attend(g, m, out);
  if (g->acc) accuracy(g, nkeys, m, out);
  return 0;
}

int gold_landmark(const cfg_t *c, const wl_t *w, const ten_t *t,
                  int16_t *out, declog_t *log, gold_sp_acc_t *acc) {
  lmg_t g;
  int rc, T = w->generate, d = w->head_dim;
  memset(&g, 0, sizeof g);
  if (acc) memset(acc, 0, sizeof *acc);
  g.w = w, g.t = t, g.d = d, g.n = wl_ctx_tokens(w, 0), g.acc = acc;
  fx_init(&g.fx, c->width, c->frac_bits, c->prob_bits, d);
  rc = lmg_alloc(&g);
  /* per head its K/V once, then every step (the comparator sorts the
   * decisions into program order: step, layer, head) */
  for (int l = 0; !rc && l < w->layers; l++)
    for (int h = 0; !rc && h < w->heads; h++) {
      lmg_head(&g, l, h);
      for (int st = 0; !rc && st < T; st++) {
        int16_t *o = out ? out + (((size_t)l * w->heads + h) * (size_t)T +
                                  (size_t)st) * (size_t)d
                         : g.o;
        rc = lmg_query(&g, st, l, h, o, log) ? ERR_RUN : 0;
      }
    }
  lmg_free(&g);
  return rc == 0 && log && log->oom ? ERR_RUN : rc;
}

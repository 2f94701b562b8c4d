/* gated.c - golden gated attention (gated.h, docs/gated.md). */
#include "gated.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fixed.h"
#include "kern.h"

/* One head's scratch: quantized K and V blocks, a gate row, scores. */
typedef struct gg {
  fx_t fx;
  const wl_t *w;
  const ten_t *t;
  int16_t *k, *v, *g, *q;
  float *f;
  int64_t *tt;
  int32_t *gate;
} gg_t;

static void quant_rows(gg_t *s, ten_kind_t kind, int cs, int l, int h,
                       int row0, int n, int16_t *out) {
  size_t m = (size_t)n * (size_t)s->w->head_dim;
  ten_rows(s->t, kind, cs, l, h, row0, n, s->f);
  for (size_t i = 0; i < m; i++) out[i] = fx_quant(&s->fx, s->f[i]);
}

/* The row's gates g_j = fx_sigmoid(G_j), j < n; returns the largest. */
static int32_t gates(gg_t *s, int n) {
  int32_t mx = 0;
  for (int j = 0; j < n; j++) {
    s->gate[j] = fx_sigmoid(&s->fx, s->g[j]);
    if (s->gate[j] > mx) mx = s->gate[j];
  }
  return mx;
}

/* Query row q (in s->q) over keys [0, nk): scores, softmax, sum of p v,
 * each element scaled by its gate (gate 0 of a headwise row). */
static void attend(gg_t *s, int nk, int headwise, int16_t *out) {
  const fx_t *fx = &s->fx;
  int d = s->w->head_dim, j, i;
  int64_t m = INT64_MIN, sum = 0;
  for (j = 0; j < nk; j++) {
    s->tt[j] = fx_scale(fx, gk_dot(s->q, s->k + (size_t)j * d, d));
    if (s->tt[j] > m) m = s->tt[j];
  }
  for (j = 0; j < nk; j++) sum += s->tt[j] = fx_exp(fx, s->tt[j] - m);
  for (j = 0; j < nk; j++) s->tt[j] = fx_prob(fx, s->tt[j], sum);
  for (i = 0; i < d; i++) {
    int64_t acc = 0;
    for (j = 0; j < nk; j++) acc += s->tt[j] * s->v[(size_t)j * d + i];
    out[i] = fx_out(fx, fx_rescale(acc, s->gate[headwise ? 0 : i]));
  }
}

/* Head (cs, l, h): every query's gate decision and output row. */
static void head(gg_t *s, int cs, int l, int h, int unit, int16_t *out,
                 declog_t *log) {
  const wl_t *w = s->w;
  int L = wl_ctx_tokens(w, cs), d = w->head_dim, n = w->gt_mode ? 1 : d;
  int32_t thr = fx_gate_thr16(w->gt_threshold);
  quant_rows(s, TEN_K, cs, l, h, 0, L, s->k);
  quant_rows(s, TEN_V, cs, l, h, 0, L, s->v);
  for (int q = 0; q < wl_queries(w, cs); q++) {
    int pos = wl_query_pos(w, cs, q), open;
    int16_t *o = out + (size_t)q * (size_t)d;
    if (w->phase == WL_DECODE) unit = q - (wl_queries(w, cs) - w->generate);
    quant_rows(s, TEN_G, cs, l, h, pos, 1, s->g);
    open = gates(s, n) >= thr;
    if (thr > 0 && log) {
      dec_t dc = {DEC_GATE, unit, l, h, w->phase == WL_DECODE ? 0 : q, n,
                  open, 0, 0};
      dec_add(log, &dc);
    }
    if (!open) {
      memset(o, 0, (size_t)d * sizeof *o);
      continue;
    }
    quant_rows(s, TEN_Q, cs, l, h, pos, 1, s->q);
    attend(s, wl_keys(w, cs, q), w->gt_mode, o);
  }
}

int gold_gated(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
               size_t maxq, declog_t *log) {
  gg_t *s = calloc(1, sizeof *s);
  int L = 1, rc = 0;
  if (!s) return ERR_RUN;
  for (int cs = 0; cs < wl_cases(w); cs++)
    if (wl_ctx_tokens(w, cs) > L) L = wl_ctx_tokens(w, cs);
  fx_init(&s->fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  s->w = w, s->t = t;
  size_t ld = (size_t)L * (size_t)w->head_dim;
  s->k = malloc(ld * sizeof *s->k), s->v = malloc(ld * sizeof *s->v);
  s->g = malloc((size_t)w->head_dim * sizeof *s->g);
  s->q = malloc((size_t)w->head_dim * sizeof *s->q);
  s->f = malloc(ld * sizeof *s->f);
  s->tt = malloc((size_t)L * sizeof *s->tt);
  s->gate = malloc((size_t)w->head_dim * sizeof *s->gate);
  if (!s->k || !s->v || !s->g || !s->q || !s->f || !s->tt || !s->gate)
    rc = ERR_RUN;
  /* decode: step-major, as the program runs; the log is sorted anyway */
  for (int cs = 0; !rc && cs < wl_cases(w); cs++)
    for (int l = 0; l < w->layers; l++)
      for (int h = 0; h < w->heads; h++)
        head(s, cs, l, h, cs,
             out + ((size_t)(cs * w->layers + l) * (size_t)w->heads +
                    (size_t)h) * maxq * (size_t)w->head_dim, log);
  free(s->k), free(s->v), free(s->g), free(s->q), free(s->f), free(s->tt);
  free(s->gate);
  free(s);
  return rc;
}

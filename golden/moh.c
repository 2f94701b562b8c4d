/* moh.c - golden model of Mixture-of-Head attention, from docs/moh.md:
 * per case and layer, each token's routing (its router scores, the top
 * moh.topk of the non-shared heads by gold_topk's sort, their gates),
 * then per head every routed token's query over the keys it attends to,
 * its output accumulators scaled by the gate (common/fixed.h's
 * fx_rescale) and rounded. */
#include "moh.h"

#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "kern.h"
#include "mohroute.h"
#include "spatten.h"

/* Gates of one token's R non-shared heads (0: not routed), Q0.16. */
static int route(const fx_t *fx, const wl_t *w, const ten_t *ten, int cs,
                 int l, int t, int64_t *gate, declog_t *log) {
  int R = w->heads - w->moh_shared, k = w->moh_topk, i;
  int64_t score[64], m = INT64_MIN, sum = 0, e[64];
  uint32_t sel[64];
  moh_scores(ten, w, fx, cs, l, t, w->moh_shared, R, score);
  for (i = 0; i < R; i++) gate[i] = 0;
  if (gold_topk(score, R, k, sel) < 0) return ERR_RUN;
  if (log) {
    dec_t d = {DEC_REGIONS, cs, l, -1, t, R, k, dec_hash(sel, (size_t)k), 0};
    dec_add(log, &d);
  }
  for (i = 0; i < k; i++)
    if (score[sel[i]] > m) m = score[sel[i]];
  for (i = 0; i < k; i++) {
    e[i] = fx_exp(fx, score[sel[i]] - m);
    sum += e[i];
  }
  for (i = 0; i < k; i++) {
    int64_t g = ((e[i] << 16) + sum / 2) / sum;
    gate[sel[i]] = g > 1 ? g : 1;
  }
  return 0;
}

/* Query row q (d elements) over keys [0, nk): o = sat(rsh(rescale(sum_j
 * p_j v_j, g), P)). */
static void query(const fx_t *fx, const int16_t *q, const int16_t *k,
                  const int16_t *v, int nk, int d, int64_t g, int64_t *tt,
                  int16_t *out) {
  int64_t m = INT64_MIN, sum = 0;
  int j, i;
  for (j = 0; j < nk; j++) {
    tt[j] = fx_scale(fx, gk_dot(q, k + (size_t)j * d, d));
    if (tt[j] > m) m = tt[j];
  }
  for (j = 0; j < nk; j++) {
    tt[j] = fx_exp(fx, tt[j] - m);
    sum += tt[j];
  }
  for (j = 0; j < nk; j++) tt[j] = fx_prob(fx, tt[j], sum);
  for (i = 0; i < d; i++) {
    int64_t acc = 0;
    for (j = 0; j < nk; j++) acc += tt[j] * v[(size_t)j * d + i];
    out[i] = fx_out(fx, fx_rescale(acc, (int32_t)g));
  }
}

static void quant_rows(const fx_t *fx, const ten_t *t, ten_kind_t kind, int cs,
                       int l, int h, int n, int d, float *f, int16_t *x) {
  ten_rows(t, kind, cs, l, h, 0, n, f);
  for (size_t i = 0; i < (size_t)n * (size_t)d; i++) x[i] = fx_quant(fx, f[i]);
}

int gold_moh(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
             size_t maxq, declog_t *log) {
  int d = w->head_dim, H = w->heads, S = w->moh_shared, R = H - S, rc = 0;
  int L = 1, cs, l, h, tok;
  fx_t fx;
  for (cs = 0; cs < w->ncases; cs++)
    if (w->tokens[cs] > L) L = w->tokens[cs];
  fx_init(&fx, c->width, c->frac_bits, c->prob_bits, d);
  float *f = malloc((size_t)L * (size_t)d * sizeof *f);
  int16_t *q = malloc((size_t)L * (size_t)d * sizeof *q);
  int16_t *k = malloc((size_t)L * (size_t)d * sizeof *k);
  int16_t *v = malloc((size_t)L * (size_t)d * sizeof *v);
  int64_t *gate = malloc((size_t)L * (size_t)(R > 0 ? R : 1) * sizeof *gate);
  int64_t *tt = malloc((size_t)L * sizeof *tt);
  if (!f || !q || !k || !v || !gate || !tt) rc = ERR_RUN;
  for (cs = 0; !rc && cs < w->ncases; cs++)
    for (l = 0; !rc && l < w->layers; l++) {
      int T = w->tokens[cs];
      for (tok = 0; w->moh_topk && !rc && tok < T; tok++)
        rc = route(&fx, w, t, cs, l, tok, gate + (size_t)tok * (size_t)R, log);
      for (h = 0; !rc && h < H; h++) {
        int16_t *o = out + ((size_t)(cs * w->layers + l) * (size_t)H +
                            (size_t)h) * maxq * (size_t)d;
        if (h >= S && !w->moh_topk) continue; /* no routed head runs */
        quant_rows(&fx, t, TEN_Q, cs, l, h, T, d, f, q);
        quant_rows(&fx, t, TEN_K, cs, l, h, T, d, f, k);
        quant_rows(&fx, t, TEN_V, cs, l, h, T, d, f, v);
        for (tok = 0; tok < T; tok++) {
          int64_t g = h < S ? FX_ONE_Q16 : gate[(size_t)tok * (size_t)R + (size_t)(h - S)];
          if (!g) continue; /* not routed: nothing stored */
          query(&fx, q + (size_t)tok * (size_t)d, k, v, wl_keys(w, cs, tok), d,
                g, tt, o + (size_t)tok * (size_t)d);
        }
      }
    }
  free(f), free(q), free(k), free(v), free(gate), free(tt);
  return rc;
}

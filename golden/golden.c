/* golden.c - reference attention, written straight from the algorithm.
 *
 * For each query q of case cs, over the keys it attends to (wl_span: rows
 * j < wl_keys(w, cs, q), or with a window the sinks [0, nsink) and the
 * window [lo, wl_keys)), against K/V head h / wl_group(w):
 *   fixed: the formulas of common/fixed.h, one primitive per step;
 *   float: s_j = q.k_j / sqrt(d), p_j = exp(s_j - max s) / sum, o = sum p_j v_j
 *          in double on the unquantized inputs.
 * Buffers are allocated per call. The API returns nothing, so when memory
 * runs out the outputs are set to zero (a --check then reports mismatches
 * rather than passing silently).
 */
#include "golden.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows [0, n) of one tensor, quantized. */
static void load_quant(const fx_t *fx, const ten_t *t, ten_kind_t kind,
                       int cs, int layer, int head, int n, int d,
                       float *scratch, int16_t *out) {
  size_t i, m = (size_t)n * (size_t)d;
  ten_rows(t, kind, cs, layer, head, 0, n, scratch);
  for (i = 0; i < m; i++) out[i] = fx_quant(fx, scratch[i]);
}

/* Rows [0, nsink) and [lo, hi) of a [rows][d] block, gathered in order
 * into dst; returns a pointer to the nsink + hi - lo rows (src itself when
 * they are already contiguous from row 0). */
static const void *gather(const void *src, void *dst, size_t elem, int nsink,
                          int lo, int hi, int d) {
  size_t row = (size_t)d * elem;
  if (lo == 0) return src;
  memcpy(dst, src, (size_t)nsink * row);
  memcpy((char *)dst + (size_t)nsink * row, (const char *)src + (size_t)lo * row,
         (size_t)(hi - lo) * row);
  return dst;
}

/* One query over keys [0, nk): scores, softmax and the weighted sum. */
static void fixed_query(const fx_t *fx, const int16_t *q, const int16_t *k,
                        const int16_t *v, int nk, int d, int64_t *tt,
                        int16_t *out) {
  int64_t m = INT64_MIN, sum = 0, acc;
  int j, i;
  for (j = 0; j < nk; j++) {
    int64_t s = 0;
    for (i = 0; i < d; i++) s += (int64_t)q[i] * k[(size_t)j * d + i];
    tt[j] = fx_scale(fx, s);
    if (tt[j] > m) m = tt[j];
  }
  for (j = 0; j < nk; j++) { /* tt becomes e_j, then p_j */
    tt[j] = fx_exp(fx, tt[j] - m);
    sum += tt[j];
  }
  for (j = 0; j < nk; j++) tt[j] = fx_prob(fx, tt[j], sum);
  for (i = 0; i < d; i++) {
    acc = 0;
    for (j = 0; j < nk; j++) acc += tt[j] * v[(size_t)j * d + i];
    out[i] = fx_out(fx, acc);
  }
}

void gold_head_fixed(const fx_t *fx, const wl_t *w, const ten_t *t, int cs,
                     int layer, int head, int16_t *out) {
  int d = w->head_dim, L = wl_ctx_tokens(w, cs), nq = wl_queries(w, cs), q;
  size_t ld = (size_t)L * (size_t)d;
  float *f = malloc(ld * sizeof *f);
  int16_t *k = malloc(ld * sizeof *k), *v = malloc(ld * sizeof *v),
          *qq = malloc((size_t)d * sizeof *qq);
  /* gather's copies only with a window (bounded memory, docs/memory.md) */
  size_t lg = w->window ? ld : 1;
  int16_t *kg = malloc(lg * sizeof *kg), *vg = malloc(lg * sizeof *vg);
  int64_t *tt = malloc((size_t)L * sizeof *tt);
  int kvh = head / wl_group(w);
  assert(fx->head_dim == d);
  if (!f || !k || !v || !qq || !tt || !kg || !vg) {
    memset(out, 0, (size_t)nq * (size_t)d * sizeof *out);
  } else {
    load_quant(fx, t, TEN_K, cs, layer, kvh, L, d, f, k);
    load_quant(fx, t, TEN_V, cs, layer, kvh, L, d, f, v);
    for (q = 0; q < nq; q++) {
      int i, nsink, lo, nk = wl_span(w, cs, q, &nsink, &lo);
      int hi = wl_keys(w, cs, q);
      ten_rows(t, TEN_Q, cs, layer, head, wl_query_pos(w, cs, q), 1, f);
      for (i = 0; i < d; i++) qq[i] = fx_quant(fx, f[i]);
      fixed_query(fx, qq, gather(k, kg, sizeof *k, nsink, lo, hi, d),
                  gather(v, vg, sizeof *v, nsink, lo, hi, d), nk, d, tt,
                  out + (size_t)q * (size_t)d);
    }
  }
  free(f), free(k), free(v), free(qq), free(tt), free(kg), free(vg);
}

/* One query in double precision (also timed alone by baseline/cpu.c). */
void gold_query_float(const float *q, const float *k, const float *v, int nk,
                      int d, double *s, double *out) {
  double m = -INFINITY, sum = 0.0, scale = 1.0 / sqrt((double)d);
  int j, i;
  for (j = 0; j < nk; j++) {
    double dot = 0.0;
    for (i = 0; i < d; i++) dot += (double)q[i] * k[(size_t)j * d + i];
    s[j] = dot * scale;
    if (s[j] > m) m = s[j];
  }
  for (j = 0; j < nk; j++) {
    s[j] = exp(s[j] - m);
    sum += s[j];
  }
  for (i = 0; i < d; i++) out[i] = 0.0;
  for (j = 0; j < nk; j++)
    for (i = 0; i < d; i++) out[i] += s[j] / sum * v[(size_t)j * d + i];
}

void gold_head_float(const wl_t *w, const ten_t *t, int cs, int layer,
                     int head, double *out) {
  int d = w->head_dim, L = wl_ctx_tokens(w, cs), nq = wl_queries(w, cs), q;
  size_t ld = (size_t)L * (size_t)d;
  float *k = malloc(ld * sizeof *k), *v = malloc(ld * sizeof *v),
        *qf = malloc((size_t)d * sizeof *qf);
  size_t lg = w->window ? ld : 1; /* gather copies only with a window */
  float *kg = malloc(lg * sizeof *kg), *vg = malloc(lg * sizeof *vg);
  double *s = malloc((size_t)L * sizeof *s);
  int kvh = head / wl_group(w);
  if (!k || !v || !qf || !s || !kg || !vg) {
    memset(out, 0, (size_t)nq * (size_t)d * sizeof *out);
  } else {
    ten_rows(t, TEN_K, cs, layer, kvh, 0, L, k);
    ten_rows(t, TEN_V, cs, layer, kvh, 0, L, v);
    for (q = 0; q < nq; q++) {
      int nsink, lo, nk = wl_span(w, cs, q, &nsink, &lo);
      int hi = wl_keys(w, cs, q);
      ten_rows(t, TEN_Q, cs, layer, head, wl_query_pos(w, cs, q), 1, qf);
      gold_query_float(qf, gather(k, kg, sizeof *k, nsink, lo, hi, d),
                       gather(v, vg, sizeof *v, nsink, lo, hi, d), nk, d, s,
                       out + (size_t)q * (size_t)d);
    }
  }
  free(k), free(v), free(qf), free(s), free(kg), free(vg);
}

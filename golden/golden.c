/* golden.c - reference attention, written straight from the algorithm.
 *
 * For each query q of case cs, over the keys it attends to (wl_span: rows
 * j < wl_keys(w, cs, q), or with a window the sinks [0, nsink) and the
 * window [lo, wl_keys)), against K/V head h / wl_group(w):
 *   fixed: the formulas of common/fixed.h, one primitive per step;
 *   float: s_j = q.k_j / sqrt(d), p_j = exp(s_j - max s) / sum, o = sum p_j v_j
 *          in double on the unquantized inputs.
 * With kv_quant.bits (KIVI, docs/kivi.md) the fixed model first quantizes
 * and dequantizes K and V by common/kvquant.h's contract, and query q
 * reads rows [0, kvq_rows) of its cache dequantized, the rest at 16 bits.
 * Buffers are allocated per call. The API returns nothing, so when memory
 * runs out the outputs are set to zero (a --check then reports mismatches
 * rather than passing silently).
 */
#include "golden.h"

#include "kvquant.h"
#include "kern.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows [0, n) of one tensor, quantized. */
static void load_quant(const fx_t *fx, const ten_t *t, ten_kind_t kind,
                       int cs, int layer, int head, int n, int d,
                       float *scratch, int16_t *out) {
  size_t m = (size_t)n * (size_t)d;
  ten_rows(t, kind, cs, layer, head, 0, n, scratch);
  (void)fx_quant_row(fx, scratch, m, out); /* fx_quant each */
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

/* KIVI (docs/kivi.md): quantize then dequantize a [L][d] block by the
 * contract of kvquant.h; keys per channel over whole groups of G tokens
 * (a trailing partial group stays), values per token over G channels. */
static void kivi_group(int16_t *x, size_t n, size_t step, int b, int width) {
  int32_t mn = INT32_MAX, mx = INT32_MIN;
  kvq_param_t p;
  size_t i;
  for (i = 0; i < n; i++) {
    if (x[i * step] < mn) mn = x[i * step];
    if (x[i * step] > mx) mx = x[i * step];
  }
  p = kvq_param(mn, mx, b);
  for (i = 0; i < n; i++)
    x[i * step] = kvq_deq(p, kvq_code(p, x[i * step], b), width);
}

static void kivi(const fx_t *fx, const wl_t *w, int key, int16_t *x, int L) {
  size_t d = (size_t)w->head_dim, G = (size_t)w->kvq_group, t, c;
  if (key)
    for (t = 0; t + G <= (size_t)L; t += G)
      for (c = 0; c < d; c++) kivi_group(x + t * d + c, G, d, w->kvq_bits, fx->width);
  else
    for (t = 0; t < (size_t)L; t++)
      for (c = 0; c < d; c += G) kivi_group(x + t * d + c, G, 1, w->kvq_bits, fx->width);
}

/* The cache query q reads: rows [0, B) of the quantized block xq, the rest
 * of the 16-bit block x, into dst (x itself when B is 0). */
static const int16_t *kivi_cache(const int16_t *x, const int16_t *xq,
                                 int16_t *dst, int B, int L, int d) {
  size_t row = (size_t)d * sizeof *x;
  if (!B) return x;
  memcpy(dst, xq, (size_t)B * row);
  memcpy(dst + (size_t)B * d, x + (size_t)B * d, (size_t)(L - B) * row);
  return dst;
}

/* One query over keys [0, nk): scores, softmax and the weighted sum. */
static void fixed_query(const fx_t *fx, const int16_t *q, const int16_t *k,
                        const int16_t *v, int nk, int d, int64_t *tt,
                        int16_t *out) {
  int64_t m = INT64_MIN, sum = 0, acc;
  int j, i;
  for (j = 0; j < nk; j++) {
    tt[j] = fx_scale(fx, gk_dot(q, k + (size_t)j * d, d));
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
  /* KIVI: the quantized blocks and the cache a query reads */
  size_t lq = w->kvq_bits ? ld : 1;
  int16_t *kq = malloc(lq * sizeof *kq), *vq = malloc(lq * sizeof *vq);
  int16_t *kc = malloc(lq * sizeof *kc), *vc = malloc(lq * sizeof *vc);
  int kvh = head / wl_group(w);
  assert(fx->head_dim == d);
  if (!f || !k || !v || !qq || !tt || !kg || !vg || !kq || !vq || !kc || !vc) {
    memset(out, 0, (size_t)nq * (size_t)d * sizeof *out);
  } else {
    load_quant(fx, t, TEN_K, cs, layer, kvh, L, d, f, k);
    load_quant(fx, t, TEN_V, cs, layer, kvh, L, d, f, v);
    if (w->kvq_bits) {
      memcpy(kq, k, ld * sizeof *k), memcpy(vq, v, ld * sizeof *v);
      kivi(fx, w, 1, kq, L), kivi(fx, w, 0, vq, L);
    }
    for (q = 0; q < nq; q++) {
      int i, nsink, lo, nk = wl_span(w, cs, q, &nsink, &lo);
      int hi = wl_keys(w, cs, q), B = kvq_rows(w, cs, q);
      const int16_t *kk = kivi_cache(k, kq, kc, B, L, d);
      const int16_t *vv = kivi_cache(v, vq, vc, B, L, d);
      ten_rows(t, TEN_Q, cs, layer, head, wl_query_pos(w, cs, q), 1, f);
      for (i = 0; i < d; i++) qq[i] = fx_quant(fx, f[i]);
      fixed_query(fx, qq, gather(kk, kg, sizeof *k, nsink, lo, hi, d),
                  gather(vv, vg, sizeof *v, nsink, lo, hi, d), nk, d, tt,
                  out + (size_t)q * (size_t)d);
    }
  }
  free(f), free(k), free(v), free(qq), free(tt), free(kg), free(vg);
  free(kq), free(vq), free(kc), free(vc);
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

/* One query over its span [0, nsink) and [lo, hi) of row-major k and v
 * (all rows), tiled: common/fixed.h's online softmax over tiles [k0, k0 +
 * bc) in increasing order, each the span's rows inside it. acc holds d
 * accumulators of scratch. */
static void fixed_query_tiled(const fx_t *fx, const int16_t *q,
                              const int16_t *k, const int16_t *v, int nsink,
                              int lo, int hi, int d, int bc, int64_t *tt,
                              int64_t *acc, int16_t *out) {
  int64_t m = 0, l = 0;
  int i, k0, first = 1;
  for (i = 0; i < d; i++) acc[i] = 0;
  for (k0 = 0; k0 < hi; k0 += bc) {
    int rows[2][2] = {{k0, nsink < k0 + bc ? nsink : k0 + bc},
                      {lo > k0 ? lo : k0, hi < k0 + bc ? hi : k0 + bc}};
    int64_t mt = INT64_MIN, sum = 0, alpha;
    int any = 0, s, r;
    for (s = 0; s < 2; s++)
      for (r = rows[s][0]; r < rows[s][1]; r++, any = 1) {
        tt[r] = fx_scale(fx, gk_dot(q, k + (size_t)r * d, d));
        if (tt[r] > mt) mt = tt[r];
      }
    if (!any) continue;
    if (!first && m > mt) mt = m;
    alpha = first ? 0 : fx_exp(fx, m - mt);
    for (i = 0; i < d; i++) acc[i] = first ? 0 : fx_rescale(acc[i], (int32_t)alpha);
    for (s = 0; s < 2; s++)
      for (r = rows[s][0]; r < rows[s][1]; r++) {
        int64_t e = fx_exp(fx, tt[r] - mt);
        sum += e;
        gk_axpy(acc, e, v + (size_t)r * d, d);
      }
    l = (first ? 0 : fx_rescale(l, (int32_t)alpha)) + sum;
    m = mt, first = 0;
  }
  for (i = 0; i < d; i++) out[i] = fx_sat(fx, fx_div_round(acc[i], l > 0 ? l : 1));
}

void gold_head_fixed_tiled(const fx_t *fx, const wl_t *w, const ten_t *t,
                           int cs, int layer, int head, int bc, int16_t *out) {
  int d = w->head_dim, L = wl_ctx_tokens(w, cs), nq = wl_queries(w, cs), q;
  size_t ld = (size_t)L * (size_t)d;
  float *f = malloc(ld * sizeof *f);
  int16_t *k = malloc(ld * sizeof *k), *v = malloc(ld * sizeof *v),
          *qq = malloc((size_t)d * sizeof *qq);
  int64_t *tt = malloc((size_t)L * sizeof *tt), *acc = malloc((size_t)d * sizeof *acc);
  int kvh = head / wl_group(w);
  assert(fx->head_dim == d && bc > 0);
  if (!f || !k || !v || !qq || !tt || !acc) {
    memset(out, 0, (size_t)nq * (size_t)d * sizeof *out);
  } else {
    load_quant(fx, t, TEN_K, cs, layer, kvh, L, d, f, k);
    load_quant(fx, t, TEN_V, cs, layer, kvh, L, d, f, v);
    for (q = 0; q < nq; q++) {
      int i, nsink, lo, hi = wl_keys(w, cs, q);
      wl_span(w, cs, q, &nsink, &lo);
      ten_rows(t, TEN_Q, cs, layer, head, wl_query_pos(w, cs, q), 1, f);
      for (i = 0; i < d; i++) qq[i] = fx_quant(fx, f[i]);
      fixed_query_tiled(fx, qq, k, v, nsink, lo, hi, d, bc, tt, acc,
                        out + (size_t)q * (size_t)d);
    }
  }
  free(f), free(k), free(v), free(qq), free(tt), free(acc);
}

/* spatten.c - golden model of SpAtten's techniques, from docs/spatten.md.
 *
 * One plain loop: for each case (prefill) or decode step, layers in order;
 * in a layer the heads of HLIST in order, in a head its queries in order;
 * per query: progressive quantization (softmax on key MSBs, the refetch
 * test, softmax again on the full key bits), token importance, local value
 * pruning, the output and head importance; at the end of a layer the token
 * then the head top-k. Every step uses one primitive of common/fixed.h or
 * one rule of common/schedule.h, so the simulator can be compared with it
 * bit for bit and decision by decision (common/declog.h).
 *
 * Top-k here sorts the candidates by the tie rule (qsort), independent of
 * the simulator's quick-select.
 */
#include "spatten.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "kern.h"
#include "schedule.h"

/* ---- top-k by sorting -------------------------------------------------- */

typedef struct cand {
  int64_t score;
  uint32_t index;
} cand_t;

/* qsort order: a sorts first iff a beats b (a total order, so the first k
 * after sorting are the unique top-k). */
static int cand_cmp(const void *pa, const void *pb) {
  const cand_t *a = pa, *b = pb;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static int index_cmp(const void *pa, const void *pb) {
  uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
  return a < b ? -1 : a > b;
}

int gold_topk(const int64_t *score, int n, int k, uint32_t *keep) {
  cand_t *c;
  int i;
  if (k <= 0 || n <= 0) return 0;
  if (k > n) k = n;
  c = malloc((size_t)n * sizeof *c);
  if (!c) return -1;
  for (i = 0; i < n; i++) c[i].score = score[i], c[i].index = (uint32_t)i;
  qsort(c, (size_t)n, sizeof *c, cand_cmp);
  for (i = 0; i < k; i++) keep[i] = c[i].index;
  qsort(keep, (size_t)k, sizeof *keep, index_cmp);
  free(c);
  return k;
}

/* ---- the run's state ---------------------------------------------------- */

typedef struct sp {
  const wl_t *w;
  const ten_t *t;
  fx_t *fx;
  int16_t *out;         /* may be NULL */
  declog_t *log;        /* may be NULL */
  gold_sp_acc_t *acc;   /* may be NULL */
  size_t maxq;          /* output rows per (case, layer, head) block */
  sched_layer_t s;      /* the current layer's rules */
  int unit, cs, n0, layer; /* case or step, its case, context tokens */
  int nt, nh;           /* |TLIST|, |HLIST| */
  uint32_t *tlist;      /* kept token positions, ascending */
  uint32_t *clist;      /* decode: the tokens not pruned for good */
  int nc;               /* |clist| */
  uint32_t *hlist;      /* kept heads, ascending */
  int64_t *timp, *himp; /* importance by token position / by head */
  /* scratch, sized for the largest context L and head_dim d; in decode,
   * within gold_sp_cache_bytes, kq and vq (and kf and vf, with accuracy)
   * hold L rows per (layer, K/V head) instead, made[] of them made */
  float *kf, *vf, *qf;  /* K, V rows [0, n0) and one Q row, as floats */
  int16_t *kq, *vq, *qq; /* the same through fx_quant */
  int *made;            /* per (layer, K/V head): rows kept, or NULL */
  size_t rows;          /* L (at least 1): the rows of a kept block */
  bool keep_f;          /* kf and vf are kept too */
  const float *ckf, *cvf;    /* the current head's K, V rows as floats */
  const int16_t *ckq, *cvq;  /* and quantized */
  int16_t *kmsb, *kfull, *vb; /* the head's TLIST rows of K as sched_quant
                                 leaves them at the layer's key MSBs and
                                 full bits, of V at its value bits (by
                                 position; other rows unset) */
  int64_t *oacc;        /* one output row's sums */
  double *rn;           /* one renormalised output row (accuracy) */
  int64_t *p;           /* one query's scores, then probabilities (by key j) */
  int64_t *score;       /* top-k candidates' scores */
  uint32_t *sel;        /* selected key positions j / top-k output */
  double *dense, *dout; /* dense float probabilities (by position), output */
  double *qd;           /* qf in double (sp_dense) */
  int16_t *o;           /* one output row */
} sp_t;

static void sp_free(sp_t *sp) {
  free(sp->fx), free(sp->tlist), free(sp->clist), free(sp->hlist), free(sp->timp);
  free(sp->himp), free(sp->kf), free(sp->vf), free(sp->qf), free(sp->kq);
  free(sp->vq), free(sp->qq), free(sp->p), free(sp->score), free(sp->sel);
  free(sp->dense), free(sp->dout), free(sp->qd), free(sp->o), free(sp->made);
  free(sp->kmsb), free(sp->kfull), free(sp->vb), free(sp->oacc), free(sp->rn);
}

size_t gold_sp_cache_bytes = (size_t)256 << 20;

/* Decode steps share their context: step u's K/V rows are step u - 1's
 * and one more. Keep them per (layer, K/V head), so each step makes only
 * its new row, when they fit gold_sp_cache_bytes (2 int16 per element,
 * 2 floats more with accuracy); returns the blocks kept (1: none). */
static size_t sp_blocks(sp_t *sp, size_t n, size_t d) {
  const wl_t *w = sp->w;
  size_t blocks = (size_t)w->layers * (size_t)wl_kv_heads(w);
  size_t per = 2 * sizeof(int16_t) + (sp->acc ? 2 * sizeof(float) : 0);
  if (w->phase != WL_DECODE || blocks * n * d * per > gold_sp_cache_bytes)
    return 1;
  sp->made = calloc(blocks, sizeof *sp->made);
  sp->keep_f = sp->acc != NULL;
  return sp->made ? blocks : 1;
}

/* Allocate every buffer for a context of at most L tokens; 0 or ERR_RUN. */
static int sp_alloc(sp_t *sp, int L) {
  size_t l = (size_t)L, d = (size_t)sp->w->head_dim, n = l > 1 ? l : 1;
  size_t h = (size_t)sp->w->heads, kb = sp_blocks(sp, n, d);
  size_t fb = sp->keep_f ? kb : 1;
  sp->rows = n;
  sp->fx = malloc(sizeof *sp->fx);
  sp->tlist = malloc(n * sizeof *sp->tlist);
  sp->clist = malloc(n * sizeof *sp->clist);
  sp->hlist = malloc(h * sizeof *sp->hlist);
  sp->timp = malloc(n * sizeof *sp->timp);
  sp->himp = malloc(h * sizeof *sp->himp);
  sp->kf = malloc(fb * n * d * sizeof *sp->kf);
  sp->vf = malloc(fb * n * d * sizeof *sp->vf);
  sp->qf = malloc(d * sizeof *sp->qf);
  sp->kq = malloc(kb * n * d * sizeof *sp->kq);
  sp->vq = malloc(kb * n * d * sizeof *sp->vq);
  sp->qq = malloc(d * sizeof *sp->qq);
  sp->p = malloc(n * sizeof *sp->p);
  sp->score = malloc((n > h ? n : h) * sizeof *sp->score);
  sp->sel = malloc((n > h ? n : h) * sizeof *sp->sel);
  sp->dense = malloc(n * sizeof *sp->dense);
  sp->dout = malloc(d * sizeof *sp->dout);
  sp->qd = malloc(d * sizeof *sp->qd);
  sp->o = malloc(d * sizeof *sp->o);
  sp->kmsb = malloc(n * d * sizeof *sp->kmsb);
  sp->kfull = malloc(n * d * sizeof *sp->kfull);
  sp->vb = malloc(n * d * sizeof *sp->vb);
  sp->oacc = malloc(d * sizeof *sp->oacc);
  sp->rn = malloc(d * sizeof *sp->rn);
  return sp->fx && sp->tlist && sp->clist && sp->hlist && sp->timp && sp->himp && sp->kf &&
                 sp->vf && sp->qf && sp->kq && sp->vq && sp->qq && sp->p &&
                 sp->score && sp->sel && sp->dense && sp->dout && sp->qd && sp->o &&
                 sp->kmsb && sp->kfull && sp->vb && sp->oacc && sp->rn
             ? 0
             : ERR_RUN;
}

/* Append one decision of the current unit and layer (log may be NULL). */
static void sp_log(const sp_t *sp, dec_kind_t kind, int head, int query,
                   int n, int kept, const uint32_t *idx) {
  dec_t d;
  if (!sp->log) return;
  d.kind = (int)kind, d.unit = sp->unit, d.layer = sp->layer;
  d.head = head, d.query = query, d.n = n, d.kept = kept;
  d.hash = idx ? dec_hash(idx, (size_t)kept) : 0;
  dec_add(sp->log, &d);
}

/* ---- one query ---------------------------------------------------------- */

/* p[j] = scaled score of key j (token TLIST[j]), j < nk, with the keys
 * as kb holds them (kmsb or kfull: quantized to the layer's key MSBs or
 * full bits). */
static void sp_scores(sp_t *sp, int nk, const int16_t *kb) {
  int d = sp->w->head_dim, j;
  for (j = 0; j < nk; j++) {
    const int16_t *k = kb + (size_t)sp->tlist[j] * (size_t)d;
    sp->p[j] = fx_scale(sp->fx, gk_dot(sp->qq, k, d));
  }
}

/* Softmax in place (the fixed.h contract: max, exp, sum, prob); returns
 * the largest probability. */
static int64_t sp_softmax(sp_t *sp, int nk) {
  int64_t m = INT64_MIN, sum = 0, pmax = 0;
  int j;
  for (j = 0; j < nk; j++)
    if (sp->p[j] > m) m = sp->p[j];
  for (j = 0; j < nk; j++) { /* p becomes e_j, then p_j */
    sp->p[j] = fx_exp(sp->fx, sp->p[j] - m);
    sum += sp->p[j];
  }
  for (j = 0; j < nk; j++) {
    sp->p[j] = fx_prob(sp->fx, sp->p[j], sum);
    if (sp->p[j] > pmax) pmax = sp->p[j];
  }
  return pmax;
}

/* Progressive quantization: p from the key MSBs, or, when the refetch test
 * fires, from the full key bits. The test is logged iff the layer can
 * refetch. */
static void sp_probs(sp_t *sp, int head, int qi, int nk) {
  int64_t pmax;
  bool again;
  sp_scores(sp, nk, sp->kmsb);
  pmax = sp_softmax(sp, nk);
  if (!sp->s.refetch) return;
  again = sched_refetch(&sp->s, (uint32_t)pmax, sp->fx->prob_bits);
  sp_log(sp, DEC_REFETCH, head, qi, nk, again, NULL);
  if (!again) return;
  sp_scores(sp, nk, sp->kfull);
  sp_softmax(sp, nk);
}

/* Local value pruning: sel = the top-kv key positions by p (all when
 * kv >= nk), ascending; returns how many, or -1 when out of memory. */
static int sp_select(sp_t *sp, int head, int qi, int nk) {
  int kv = sched_keep(sp->s.value_keep, nk), j;
  if (kv >= nk) {
    for (j = 0; j < nk; j++) sp->sel[j] = (uint32_t)j;
    return nk;
  }
  if (gold_topk(sp->p, nk, kv, sp->sel) < 0) return -1;
  sp_log(sp, DEC_VALUES, head, qi, nk, kv, sp->sel);
  return kv;
}

/* o = fx_out(sum over selected j of p_j * q_vb(v of token TLIST[j])),
 * probabilities not renormalised; returns sum |o_i| (head importance). */
static int64_t sp_output(sp_t *sp, int nsel) {
  int d = sp->w->head_dim, i, j;
  int64_t abs_sum = 0;
  for (i = 0; i < d; i++) sp->oacc[i] = 0;
  for (j = 0; j < nsel; j++) {
    const int16_t *v = sp->vb + (size_t)sp->tlist[sp->sel[j]] * (size_t)d;
    gk_axpy(sp->oacc, sp->p[sp->sel[j]], v, d);
  }
  for (i = 0; i < d; i++) {
    sp->o[i] = fx_out(sp->fx, sp->oacc[i]);
    abs_sum += sp->o[i] < 0 ? -(int64_t)sp->o[i] : sp->o[i];
  }
  return abs_sum;
}

/* out[j] = the dot product of q with row j of k (d floats a row), j < n,
 * each summed in the order of its elements (four rows at a time, for the
 * independent additions, not in vectors: the rounding stays put). */
static void sp_dots(const double *q, const float *k, int d, int n, double *out) {
  int j = 0, i;
  for (; j + 4 <= n; j += 4) {
    const float *k0 = k + (size_t)j * (size_t)d, *k1 = k0 + d, *k2 = k1 + d,
                *k3 = k2 + d;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (i = 0; i < d; i++) {
      s0 += q[i] * k0[i];
      s1 += q[i] * k1[i];
      s2 += q[i] * k2[i];
      s3 += q[i] * k3[i];
    }
    out[j] = s0, out[j + 1] = s1, out[j + 2] = s2, out[j + 3] = s3;
  }
  for (; j < n; j++) {
    double s = 0.0;
    for (i = 0; i < d; i++) s += q[i] * k[(size_t)j * (size_t)d + i];
    out[j] = s;
  }
}

/* Dense float attention of the query in qf over keys [0, nk) of the
 * unpruned context: dense[pos] = its probabilities, dout its output. */
static void sp_dense(sp_t *sp, int nk) {
  int d = sp->w->head_dim, j, i;
  double m = -INFINITY, sum = 0.0, scale = 1.0 / sqrt((double)d);
  for (i = 0; i < d; i++) sp->qd[i] = sp->qf[i];
  sp_dots(sp->qd, sp->ckf, d, nk, sp->dense);
  for (j = 0; j < nk; j++) {
    sp->dense[j] *= scale;
    if (sp->dense[j] > m) m = sp->dense[j];
  }
  for (j = 0; j < nk; j++) {
    sp->dense[j] = exp(sp->dense[j] - m);
    sum += sp->dense[j];
  }
  for (j = 0; j < nk; j++) sp->dense[j] /= sum;
  for (i = 0; i < d; i++) sp->dout[i] = 0.0;
  for (j = 0; j + 4 <= nk; j += 4) { /* each dout[i] still in the order of j */
    const float *v0 = sp->cvf + (size_t)j * (size_t)d, *v1 = v0 + d,
                *v2 = v1 + d, *v3 = v2 + d;
    const double *a = sp->dense + j;
    for (i = 0; i < d; i++)
      sp->dout[i] = sp->dout[i] + a[0] * v0[i] + a[1] * v1[i] + a[2] * v2[i] +
                    a[3] * v3[i];
  }
  for (; j < nk; j++)
    for (i = 0; i < d; i++)
      sp->dout[i] += sp->dense[j] * sp->cvf[(size_t)j * (size_t)d + i];
}

/* Accuracy of query q (output in o, nsel selected keys) against dense
 * float attention over all wl_keys of it; also of the output with the
 * kept probabilities renormalised: sum_j p_j q_vb(v_j) / sum_j p_j over
 * the selected j, in double (0 when every kept p_j is 0). */
static void sp_accuracy(sp_t *sp, int q, int nsel) {
  int d = sp->w->head_dim, i, j;
  int64_t psum = 0;
  sp_dense(sp, wl_keys(sp->w, sp->cs, q));
  for (j = 0; j < nsel; j++) psum += sp->p[sp->sel[j]];
  for (i = 0; i < d; i++) sp->rn[i] = 0.0;
  for (j = 0; psum > 0 && j < nsel; j++) { /* per i, in the order of j */
    const int16_t *v = sp->vb + (size_t)sp->tlist[sp->sel[j]] * (size_t)d;
    double p = (double)sp->p[sp->sel[j]];
    for (i = 0; i < d; i++) sp->rn[i] += p * fx_dequant(sp->fx, v[i]);
  }
  for (i = 0; i < d; i++) {
    double e = fx_dequant(sp->fx, sp->o[i]) - sp->dout[i], rn = sp->rn[i];
    rn = psum > 0 ? rn / (double)psum : 0.0;
    sp->acc->err2 += e * e;
    sp->acc->err2_renorm += (rn - sp->dout[i]) * (rn - sp->dout[i]);
    sp->acc->ref2 += sp->dout[i] * sp->dout[i];
  }
  for (j = 0; j < nsel; j++) sp->acc->mass += sp->dense[sp->tlist[sp->sel[j]]];
  sp->acc->queries++;
}

/* Query q (qi-th of head h this layer): its keys are the tokens of TLIST
 * below wl_keys (all of TLIST but with causal prefill, which prunes no
 * token). Returns 0 or ERR_RUN. */
static int sp_query(sp_t *sp, int h, int qi, int q) {
  const wl_t *w = sp->w;
  int d = w->head_dim, lim = wl_keys(w, sp->cs, q), nk = 0, nsel, i, j;
  while (nk < sp->nt && sp->tlist[nk] < (uint32_t)lim) nk++;
  ten_rows(sp->t, TEN_Q, sp->cs, sp->layer, h, wl_query_pos(w, sp->cs, q), 1,
           sp->qf);
  for (i = 0; i < d; i++) sp->qq[i] = fx_quant(sp->fx, sp->qf[i]);
  sp_probs(sp, h, qi, nk);
  for (j = 0; j < nk; j++) sp->timp[sp->tlist[j]] += sp->p[j];
  if ((nsel = sp_select(sp, h, qi, nk)) < 0) return ERR_RUN;
  sp->himp[h] += sp_output(sp, nsel);
  if (sp->out) {
    size_t blk = ((size_t)sp->cs * (size_t)w->layers + (size_t)sp->layer) *
                     (size_t)w->heads + (size_t)h;
    memcpy(sp->out + (blk * sp->maxq + (size_t)q) * (size_t)d, sp->o,
           (size_t)d * sizeof *sp->o);
  }
  if (sp->acc) sp_accuracy(sp, q, nsel);
  return 0;
}

/* Point ckq, cvq, ckf and cvf at K/V head kvh's rows [0, n0) in this
 * layer, made (and quantized with fx_quant) from the first row not kept. */
static void sp_kv(sp_t *sp, int kvh) {
  size_t d = (size_t)sp->w->head_dim, blk = 0, have = 0, at, fat, m;
  float *kf, *vf;
  if (sp->made) { /* decode: one case, n0 grows by one a step */
    blk = (size_t)sp->layer * (size_t)wl_kv_heads(sp->w) + (size_t)kvh;
    have = (size_t)sp->made[blk];
    sp->made[blk] = sp->n0;
  }
  at = blk * sp->rows * d;
  fat = sp->keep_f ? at : 0;
  sp->ckq = sp->kq + at, sp->cvq = sp->vq + at;
  sp->ckf = sp->kf + fat, sp->cvf = sp->vf + fat;
  kf = sp->kf + fat + have * d, vf = sp->vf + fat + have * d;
  m = ((size_t)sp->n0 - have) * d;
  ten_rows(sp->t, TEN_K, sp->cs, sp->layer, kvh, (int)have, sp->n0 - (int)have, kf);
  ten_rows(sp->t, TEN_V, sp->cs, sp->layer, kvh, (int)have, sp->n0 - (int)have, vf);
  (void)fx_quant_row(sp->fx, kf, m, sp->kq + at + have * d); /* fx_quant each */
  (void)fx_quant_row(sp->fx, vf, m, sp->vq + at + have * d);
}

/* kmsb, kfull (when the layer can refetch) and vb for the rows of TLIST:
 * every key or value row a query of this head may use, cut once for all
 * of its queries. */
static void sp_cut(sp_t *sp) {
  int W = sp->fx->width, d = sp->w->head_dim, j;
  for (j = 0; j < sp->nt; j++) {
    size_t at = (size_t)sp->tlist[j] * (size_t)d;
    gk_quant(sp->kmsb + at, sp->ckq + at, d, sp->s.msb, W);
    if (sp->s.refetch) gk_quant(sp->kfull + at, sp->ckq + at, d, sp->s.full, W);
    gk_quant(sp->vb + at, sp->cvq + at, d, sp->s.vbits, W);
  }
}

/* Head h of the current layer: its queries in order (prefill: the tokens
 * of TLIST; decode: the step's token), against K/V head h / group
 * (model.kv_heads). Returns 0 or ERR_RUN. */
static int sp_head(sp_t *sp, int h) {
  bool decode = sp->w->phase == WL_DECODE;
  int nq = decode ? 1 : sp->nt, qi, kvh = h / wl_group(sp->w);
  sp_kv(sp, kvh);
  sp_cut(sp);
  for (qi = 0; qi < nq; qi++)
    if (sp_query(sp, h, qi, decode ? sp->unit : (int)sp->tlist[qi]))
      return ERR_RUN;
  return 0;
}

/* ---- end of a layer ----------------------------------------------------- */

/* Keep the top-k of list (n entries, ascending) by imp[entry]; the log
 * records the kept entries. Returns the new length or -1 (out of memory). */
static int sp_prune(sp_t *sp, dec_kind_t kind, uint32_t *list, int n,
                    const int64_t *imp, int k) {
  int i;
  for (i = 0; i < n; i++) sp->score[i] = imp[list[i]];
  if (gold_topk(sp->score, n, k, sp->sel) < 0) return -1;
  for (i = 0; i < k; i++) list[i] = list[sp->sel[i]]; /* sel ascending */
  sp_log(sp, kind, -1, -1, n, k, list);
  return k;
}

/* Token top-k, then head top-k, each only when it keeps fewer than the
 * list holds. Returns 0 or ERR_RUN. */
static int sp_end_layer(sp_t *sp) {
  int k = sched_keep(sp->s.token_keep, sp->n0);
  int kh = sched_keep(sp->s.head_keep, sp->w->heads);
  if (k < sp->nt &&
      (sp->nt = sp_prune(sp, DEC_TOKENS, sp->tlist, sp->nt, sp->timp, k)) < 0)
    return ERR_RUN;
  if (kh < sp->nh &&
      (sp->nh = sp_prune(sp, DEC_HEADS, sp->hlist, sp->nh, sp->himp, kh)) < 0)
    return ERR_RUN;
  return 0;
}

/* One case (prefill) or decode step over n0 context tokens: the cascade
 * starts from every token (decode: of the context list, which step 0
 * starts as every token and each later step extends by its new token) and
 * every head; TIMP/HIMP are the caller's. Decode, but for the last step:
 * after the last layer, the context list keeps the top
 * sched_keep(token_keep[last], n0 + 1) - 1 by TIMP, so the next step's
 * layer 0 sees that fraction of its n0 + 1 tokens, its new one included. */
static int sp_unit(sp_t *sp, int unit, int cs, int n0) {
  const wl_t *w = sp->w;
  bool decode = w->phase == WL_DECODE;
  int i, k;
  sp->unit = unit, sp->cs = cs, sp->n0 = n0;
  if (!decode || unit == 0)
    for (sp->nc = 0; sp->nc < n0; sp->nc++) sp->clist[sp->nc] = (uint32_t)sp->nc;
  else
    sp->clist[sp->nc++] = (uint32_t)(n0 - 1);
  sp->nt = sp->nc, sp->nh = w->heads;
  memcpy(sp->tlist, sp->clist, (size_t)sp->nc * sizeof *sp->tlist);
  for (i = 0; i < w->heads; i++) sp->hlist[i] = (uint32_t)i;
  for (sp->layer = 0; sp->layer < w->layers; sp->layer++) {
    sched_layer(w, sp->fx->width, sp->layer, &sp->s);
    for (i = 0; i < sp->nh; i++)
      if (sp_head(sp, (int)sp->hlist[i])) return ERR_RUN;
    if (sp->layer < w->layers - 1 && sp_end_layer(sp)) return ERR_RUN;
  }
  sp->layer = w->layers - 1; /* the context top-k is logged with it */
  k = sched_keep(sp->s.token_keep, n0 + 1) - 1;
  if (decode && unit < w->generate - 1 && k < sp->nc &&
      (sp->nc = sp_prune(sp, DEC_TOKENS, sp->clist, sp->nc, sp->timp, k)) < 0)
    return ERR_RUN;
  return 0;
}

static void sp_zero_importance(sp_t *sp, int L) {
  memset(sp->timp, 0, (size_t)(L > 1 ? L : 1) * sizeof *sp->timp);
  memset(sp->himp, 0, (size_t)sp->w->heads * sizeof *sp->himp);
}

/* Prefill: every case from scratch. Decode: importance zeroed once, then
 * step t over prompt + t + 1 tokens. */
static int sp_run(sp_t *sp, int L) {
  const wl_t *w = sp->w;
  int u;
  if (w->phase == WL_DECODE) {
    sp_zero_importance(sp, L);
    for (u = 0; u < w->generate; u++)
      if (sp_unit(sp, u, 0, w->prompt + u + 1)) return ERR_RUN;
    return 0;
  }
  for (u = 0; u < w->ncases; u++) {
    sp_zero_importance(sp, L);
    if (sp_unit(sp, u, u, w->tokens[u])) return ERR_RUN;
  }
  return 0;
}

int gold_spatten(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
                 declog_t *log, gold_sp_acc_t *acc) {
  sp_t sp;
  int cs, L = 0, rc;
  memset(&sp, 0, sizeof sp);
  sp.w = w, sp.t = t, sp.out = out, sp.log = log, sp.acc = acc;
  if (acc) memset(acc, 0, sizeof *acc);
  for (cs = 0; cs < w->ncases; cs++) {
    if (wl_ctx_tokens(w, cs) > L) L = wl_ctx_tokens(w, cs);
    if ((size_t)wl_queries(w, cs) > sp.maxq)
      sp.maxq = (size_t)wl_queries(w, cs);
  }
  if (out)
    memset(out, 0, (size_t)w->ncases * (size_t)w->layers * (size_t)w->heads *
                       sp.maxq * (size_t)w->head_dim * sizeof *out);
  rc = sp_alloc(&sp, L);
  if (rc == 0) {
    fx_init(sp.fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
    rc = sp_run(&sp, L);
  }
  sp_free(&sp);
  return rc == 0 && log && log->oom ? ERR_RUN : rc;
}

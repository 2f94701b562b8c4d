/* biformer.c - golden model of bi-level routing attention, from
 * docs/biformer.md: one plain loop over stages, blocks, heads, regions and
 * query tokens, every step one rule of common/biformer.h or one primitive
 * of common/fixed.h, so the simulator can be compared with it bit for bit
 * and region list by region list. Top-k is gold_topk (sorting). */
#include "biformer.h"

#include <stdlib.h>
#include <string.h>

#include "bfshape.h"
#include "fixed.h"
#include "kern.h"
#include "spatten.h"

typedef struct bfg {
  const wl_t *w;
  const ten_t *t;
  fx_t fx;
  bf_geo_t g;
  int stage, block;
  int16_t *out;     /* may be NULL */
  declog_t *log;    /* may be NULL */
  size_t maxq;      /* output rows per block */
  /* scratch, sized for the largest stage */
  int16_t *x[3];    /* Q, K, V of every head: [head][token][d] */
  float *rows;      /* one head's floats: [token][d] */
  int16_t *pq, *pk; /* pooled queries and keys: [head][region][d] */
  int64_t *aff;     /* region affinity: [region][region] */
  uint32_t *route;  /* routed regions: [region][k], ascending */
  int64_t *p;       /* one query's scores, then probabilities */
  int64_t *acc;     /* one query's output accumulators */
  int32_t *lw;      /* the current head's LCE weights (bf_lce_weights) */
} bfg_t;

static void bfg_free(bfg_t *b) {
  for (int i = 0; i < 3; i++) free(b->x[i]);
  free(b->rows), free(b->pq), free(b->pk), free(b->aff), free(b->route);
  free(b->p), free(b->acc), free(b->lw);
}

/* Buffers for the largest stage; 0 or ERR_RUN. */
static int bfg_alloc(bfg_t *b) {
  size_t hw = 1, nr = 1, taps = 1, d = (size_t)b->w->head_dim, h = (size_t)b->w->heads;
  for (int s = 0; s < b->w->ncases; s++) {
    bf_geo_t g;
    bf_geo(b->w, s, &g);
    if ((size_t)(g.H * g.W) > hw) hw = (size_t)(g.H * g.W);
    if ((size_t)g.nreg > nr) nr = (size_t)g.nreg;
    if ((size_t)(g.kern * g.kern) > taps) taps = (size_t)(g.kern * g.kern);
  }
  for (int i = 0; i < 3; i++) b->x[i] = malloc(h * hw * d * sizeof *b->x[i]);
  b->rows = malloc(hw * d * sizeof *b->rows);
  b->pq = malloc(h * nr * d * sizeof *b->pq);
  b->pk = malloc(h * nr * d * sizeof *b->pk);
  b->aff = malloc(nr * nr * sizeof *b->aff);
  b->route = malloc(nr * nr * sizeof *b->route);
  b->p = malloc(hw * sizeof *b->p);
  b->acc = malloc(d * sizeof *b->acc);
  b->lw = malloc(taps * d * sizeof *b->lw);
  return b->x[0] && b->x[1] && b->x[2] && b->rows && b->pq && b->pk &&
                 b->aff && b->route && b->p && b->acc && b->lw
             ? 0 : ERR_RUN;
}

/* Row `tok` of head h of tensor kind (0 Q, 1 K, 2 V). */
static const int16_t *row(const bfg_t *b, int kind, int h, int tok) {
  size_t n = (size_t)(b->g.H * b->g.W), d = (size_t)b->w->head_dim;
  return b->x[kind] + ((size_t)h * n + (size_t)tok) * d;
}

/* Q, K and V of every head of the current block, through fx_quant. */
static void bfg_load(bfg_t *b) {
  size_t n = (size_t)(b->g.H * b->g.W) * (size_t)b->w->head_dim;
  for (int kind = 0; kind < 3; kind++)
    for (int h = 0; h < b->g.heads; h++) {
      ten_rows(b->t, (ten_kind_t)kind, b->stage, b->block, h, 0,
               b->g.H * b->g.W, b->rows);
      (void)fx_quant_row(&b->fx, b->rows, n, /* fx_quant each */
                         b->x[kind] + (size_t)h * n);
    }
}

/* dst[r][j] = bf_mean over region r's tokens of element j (rounded). */
static void pool(const bfg_t *b, int kind, int h, int16_t *dst) {
  int d = b->w->head_dim;
  for (int r = 0; r < b->g.nreg; r++)
    for (int j = 0; j < d; j++) {
      int64_t sum = 0;
      for (int u = 0; u < b->g.R; u++) sum += row(b, kind, h, r * b->g.R + u)[j];
      dst[(size_t)r * (size_t)d + (size_t)j] = bf_mean(sum, b->g.R);
    }
}

/* route[i] = the k regions of the largest affinity sum_h Qr_h[i] . Kr_h[j]
 * (every region when k = regions^2, which routes nothing). */
static int bfg_route(bfg_t *b) {
  int nr = b->g.nreg, d = b->w->head_dim, k = b->g.k;
  size_t hd = (size_t)nr * (size_t)d;
  if (k == nr) {
    for (int i = 0; i < nr; i++)
      for (int j = 0; j < nr; j++) b->route[i * k + j] = (uint32_t)j;
    return 0;
  }
  memset(b->aff, 0, (size_t)nr * (size_t)nr * sizeof *b->aff);
  for (int h = 0; h < b->g.heads; h++) {
    pool(b, 0, h, b->pq + (size_t)h * hd);
    pool(b, 1, h, b->pk + (size_t)h * hd);
    for (int i = 0; i < nr; i++)
      for (int j = 0; j < nr; j++)
        for (int c = 0; c < d; c++)
          b->aff[i * nr + j] += (int64_t)b->pq[h * hd + (size_t)(i * d + c)] *
                                b->pk[h * hd + (size_t)(j * d + c)];
  }
  for (int i = 0; i < nr; i++) {
    uint32_t *sel = b->route + (size_t)i * (size_t)k;
    dec_t dc = {DEC_REGIONS, b->stage, b->block, -1, i, nr, k, 0, 0};
    if (gold_topk(b->aff + (size_t)i * (size_t)nr, nr, k, sel) < 0) return ERR_RUN;
    dc.hash = dec_hash(sel, (size_t)k);
    if (b->log) dec_add(b->log, &dc);
  }
  return 0;
}

/* Softmax of p[0..n) in place (the fixed.h contract). */
static void softmax(const bfg_t *b, int64_t *p, int n) {
  int64_t m = INT64_MIN, sum = 0;
  for (int j = 0; j < n; j++)
    if (p[j] > m) m = p[j];
  for (int j = 0; j < n; j++) sum += p[j] = fx_exp(&b->fx, p[j] - m);
  for (int j = 0; j < n; j++) p[j] = fx_prob(&b->fx, p[j], sum);
}

/* acc += the LCE of head h at token tok: sum over in-grid taps of
 * weight x V (zero padding elsewhere); b->lw holds head h's weights. */
static void lce(const bfg_t *b, int h, int tok) {
  int y, x, y0, y1, x0, x1, d = b->w->head_dim, pad = b->g.kern / 2;
  if (!b->g.kern) return;
  bf_coord(&b->g, tok, &y, &x);
  bf_taps(&b->g, y, x, &y0, &y1, &x0, &x1);
  for (int ty = y0; ty < y1; ty++)
    for (int tx = x0; tx < x1; tx++) {
      const int16_t *v = row(b, 2, h, bf_token(&b->g, y + ty - pad, x + tx - pad));
      gk_axpyw(b->acc, b->lw + (size_t)(ty * b->g.kern + tx) * (size_t)d, v, d);
    }
}

/* Query token tok of region i, head h, over the tokens of the regions i
 * routes to (ascending region, then token): its output row. */
static void query(bfg_t *b, int h, int i, int tok) {
  const uint32_t *sel = b->route + (size_t)i * (size_t)b->g.k;
  int d = b->w->head_dim, R = b->g.R, n = b->g.k * R;
  const int16_t *q = row(b, 0, h, tok);
  for (int j = 0; j < n; j++) {
    const int16_t *k = row(b, 1, h, (int)sel[j / R] * R + j % R);
    b->p[j] = fx_scale(&b->fx, gk_dot(q, k, d));
  }
  softmax(b, b->p, n);
  memset(b->acc, 0, (size_t)d * sizeof *b->acc);
  for (int j = 0; j < n; j++) {
    const int16_t *v = row(b, 2, h, (int)sel[j / R] * R + j % R);
    gk_axpy(b->acc, b->p[j], v, d);
  }
  lce(b, h, tok);
  if (b->out) {
    size_t blk = ((size_t)b->stage * (size_t)b->w->layers + (size_t)b->block) *
                     (size_t)b->w->heads + (size_t)h;
    int16_t *o = b->out + (blk * b->maxq + (size_t)tok) * (size_t)d;
    for (int c = 0; c < d; c++) o[c] = fx_out(&b->fx, b->acc[c]);
  }
}

/* One block of the current stage: routing, then every head's queries. */
static int bfg_block(bfg_t *b) {
  bfg_load(b);
  if (bfg_route(b)) return ERR_RUN;
  for (int h = 0; h < b->g.heads; h++) {
    bf_lce_weights(b->fx.prob_bits, b->g.kern, b->stage, b->block, h,
                   b->w->head_dim, b->lw);
    for (int i = 0; i < b->g.nreg; i++)
      for (int u = 0; u < b->g.R; u++) query(b, h, i, i * b->g.R + u);
  }
  return 0;
}

int gold_biformer(const cfg_t *c, const wl_t *w, const ten_t *t,
                  int16_t *out, declog_t *log) {
  bfg_t b;
  int rc;
  memset(&b, 0, sizeof b);
  b.w = w, b.t = t, b.out = out, b.log = log;
  for (int s = 0; s < w->ncases; s++)
    if ((size_t)w->tokens[s] > b.maxq) b.maxq = (size_t)w->tokens[s];
  if (out)
    memset(out, 0, (size_t)w->ncases * (size_t)w->layers * (size_t)w->heads *
                       b.maxq * (size_t)w->head_dim * sizeof *out);
  fx_init(&b.fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  rc = bfg_alloc(&b);
  for (b.stage = 0; !rc && b.stage < w->ncases; b.stage++) {
    bf_geo(w, b.stage, &b.g);
    for (b.block = 0; !rc && b.block < b.g.blocks; b.block++) rc = bfg_block(&b);
  }
  bfg_free(&b);
  return rc == 0 && log && log->oom ? ERR_RUN : rc;
}

/* lower_gated.c - gated attention (docs/gated.md): dense attention whose
 * every output row is scaled by the sigmoid of its gate row before the
 * store. Per case, layer and head (decode: step, layer, head) a HEAD
 * marker, then per query row:
 *   LDQ  the gate row (region G) into QBUF
 *   GATE its sigmoid into SBUF (softmax unit); with gated.threshold also
 *        the open test into a predicate register
 *   LDQ  the query row, QK, SMAX, AV (predicated on the register: a
 *        closed row runs none of them)
 *   GMUL the output row times its gates (P x V array), STO.
 * The gate is known before the attention, so a closed row's QK, softmax
 * and P x V are all skipped; its K/V rows are fetched all the same (in
 * prefill they are the head's, shared by its open rows; in decode the
 * fetch also appends the new row to the cache), so DRAM bytes are dense
 * attention's plus the gate rows. Keys and values stay resident for a
 * head when they fit (prefill), else stream in chunks per row (as
 * lower_dense.c with one query head per K/V head: model.kv_heads is
 * refused). */
#include "lower.h"

#include <string.h>

#include "fixed.h"

/* Gates run ahead of the attention: GT_AHEAD rows (prefill: of the head;
 * decode: heads of the step) have their gate computed before the first
 * of them attends, so a row's QK never waits behind the softmax unit's
 * previous SMAX for its predicate (the unit runs in order). The gates of
 * GT_AHEAD + 1 rows live at once, in their own ring of GT_SLOTS rows at
 * the top of SBUF: a GATE reuses the entries of the row GT_SLOTS back,
 * whose GMUL is long done (with GT_AHEAD + 1 slots the GATE would wait
 * for the previous row's AV, and the softmax unit behind it). */
#define GT_AHEAD 4
#define GT_SLOTS (2 * GT_AHEAD)
/* G rows one LDQ fetches in prefill (at most; fewer when QBUF is small) */
#define GT_BLOCK 8

typedef struct gt {
  ring_t g;           /* gate entries: SBUF[gbase + ..] */
  int gbase, n, thr;  /* n gates a row; thr: Q0.16 threshold (0: none) */
  int go[GT_AHEAD + 1], pr[GT_AHEAD + 1]; /* by row % (GT_AHEAD + 1) */
  int kb, vb;         /* resident keys and values, or -1: streamed */
  int blk, gq;        /* gate rows a fetch brings (prefill); the QBUF row
                         of the current block's first */
} gt_t;

/* Row slot i's gate, k-th of its fetch block of nb rows from position
 * pos - k: the block's LDQ of G rows first (k = 0), then GATE (CHECK into
 * a fresh predicate register when there is a threshold). */
static void gt_gate(comp_t *c, gt_t *p, int i, int cs, int l, int h, int pos,
                    int k, int nb) {
  if (!k) {
    p->gq = ring_alloc(&c->q, nb);
    emit(c, OP_LDQ, p->gq, nb, 0, 0, 0, lay_addr(&c->lay, LAY_G, cs, l, h, pos));
  }
  p->go[i] = p->gbase + ring_alloc(&p->g, p->n);
  p->pr[i] = p->thr > 0 ? ring_alloc(&c->pr, 1) : 0;
  emit(c, OP_GATE, p->go[i], p->n, p->gq + k,
       p->thr > 0 ? ISA_CHECK | p->pr[i] << 4 : 0, p->thr, 0);
}

/* Query q of head h of case cs, layer l, whose gate is in slot i: its
 * attention under the gate's predicate, then the gated output. */
static void gt_attend(comp_t *c, const gt_t *p, int i, int cs, int l, int h,
                      int q) {
  const wl_t *w = c->w;
  int pos = wl_query_pos(w, cs, q), nk = wl_keys(w, cs, q);
  int pred = p->thr > 0 ? ISA_PRED | p->pr[i] << 4 : 0, qr, so, orow, j, m;
  qr = ring_alloc(&c->q, 1);
  so = ring_alloc(&c->s, nk);
  orow = ring_alloc(&c->o, 1);
  emit(c, OP_LDQ, qr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_Q, cs, l, h, pos));
  if (p->kb >= 0) {
    emit(c, OP_QK, qr, p->kb, nk, pred, so, 0);
    emit(c, OP_SMAX, so, nk, 0, pred, 0, 0);
    emit(c, OP_AV, orow, p->vb, nk, pred, so, 0);
  } else {
    for (j = 0; j < nk; j += m) {
      m = nk - j < c->chunk ? nk - j : c->chunk;
      emit(c, OP_QK, qr, fetch_cache_rows(c, LAY_K, cs, l, h, j, m), m, pred,
           so + j, 0);
    }
    emit(c, OP_SMAX, so, nk, 0, pred, 0, 0);
    for (j = 0; j < nk; j += m) {
      m = nk - j < c->chunk ? nk - j : c->chunk;
      emit(c, OP_AV, orow, fetch_cache_rows(c, LAY_V, cs, l, h, j, m), m,
           (j ? ISA_ACC : 0) | pred, so + j, 0);
    }
  }
  emit(c, OP_GMUL, orow, p->go[i], p->n, 0, 0, 0);
  emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
}

/* Query q's gate in prefill, its G row fetched with those of the next
 * p->blk - 1 queries when q starts a block (positions are consecutive). */
static void gt_gate_q(comp_t *c, gt_t *p, int cs, int l, int h, int q) {
  int nq = wl_queries(c->w, cs), k = q % p->blk;
  int nb = nq - (q - k) < p->blk ? nq - (q - k) : p->blk;
  gt_gate(c, p, q % (GT_AHEAD + 1), cs, l, h, wl_query_pos(c->w, cs, q), k, nb);
}

/* Every query of head h: the first GT_AHEAD gates, K and V once when
 * they fit, then per row the gate GT_AHEAD rows on and the row. */
static void gt_head(comp_t *c, gt_t *p, int cs, int l, int h) {
  int ntok = wl_ctx_tokens(c->w, cs), nq = wl_queries(c->w, cs), j, n, q;
  emit(c, OP_HEAD, h, 0, 0, 0, 0, 0);
  for (q = 0; q < GT_AHEAD && q < nq; q++) gt_gate_q(c, p, cs, l, h, q);
  p->kb = p->vb = -1;
  if (ntok <= c->k.cap && ntok <= c->v.cap) {
    p->kb = c->k.head + ntok > c->k.cap ? 0 : c->k.head;
    p->vb = c->v.head + ntok > c->v.cap ? 0 : c->v.head;
    for (j = 0; j < ntok; j += n) { /* chunks: the first rows start early */
      n = ntok - j < c->chunk ? ntok - j : c->chunk;
      c->k.head = p->kb + j;
      fetch_rows(c, LAY_K, cs, l, h, j, n);
    }
    for (j = 0; j < ntok; j += n) {
      n = ntok - j < c->chunk ? ntok - j : c->chunk;
      c->v.head = p->vb + j;
      fetch_rows(c, LAY_V, cs, l, h, j, n);
    }
  }
  for (q = 0; q < nq; q++) {
    if (q + GT_AHEAD < nq) gt_gate_q(c, p, cs, l, h, q + GT_AHEAD);
    gt_attend(c, p, q % (GT_AHEAD + 1), cs, l, h, q);
  }
}

/* Decode: step, layer (one sequence: decode.batch 1), then heads in
 * groups of GT_AHEAD: each head's gate under its HEAD marker, then each
 * head's row under a resumed one. The step's new K/V row comes from the
 * projection and is appended (c->fresh). */
static void gt_decode(comp_t *c, gt_t *p) {
  const wl_t *w = c->w;
  p->kb = p->vb = -1;
  c->fresh_store = 1;
  for (int t = 0; t < w->generate; t++)
    for (int l = 0; l < w->layers; l++) {
      int q = wl_queries(w, 0) - w->generate + t, pos = wl_query_pos(w, 0, q);
      emit(c, OP_LAYER, 0, l, 0, 0, 0, 0);
      c->fresh = pos + 1;
      for (int h0 = 0; h0 < w->heads; h0 += GT_AHEAD) {
        int h1 = h0 + GT_AHEAD < w->heads ? h0 + GT_AHEAD : w->heads;
        for (int h = h0; h < h1; h++) {
          emit(c, OP_HEAD, h, 0, 0, 0, 0, 0);
          gt_gate(c, p, h - h0, 0, l, h, pos, 0, 1);
        }
        for (int h = h0; h < h1; h++) {
          emit(c, OP_HEAD, h, 1, 0, 0, 0, 0);
          gt_attend(c, p, h - h0, 0, l, h, q);
        }
      }
      emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
      c->fresh = 0;
    }
}

/* SBUF: the gate ring at the top, the scores below; a row's scores and
 * the gate ring must fit together. */
void lower_gated(comp_t *c) {
  const wl_t *w = c->w;
  int scap = c->s.cap, span = 1;
  gt_t p;
  memset(&p, 0, sizeof p);
  p.n = w->gt_mode ? 1 : w->head_dim;
  p.thr = fx_gate_thr16(w->gt_threshold);
  p.g.cap = GT_SLOTS * p.n;
  for (int cs = 0; cs < wl_cases(w); cs++)
    if (wl_max_span(w, cs) > span) span = wl_max_span(w, cs);
  if (span + p.g.cap > scap) {
    c->em.rc = err_at(c->em.e, "(config)", 0, 0, "buffers.score_entries",
                      "score buffer too small for gated attention (got %d "
                      "entries, expected at least %d: a row's scores and %d "
                      "rows' gates)", scap, span + p.g.cap, GT_SLOTS);
    return;
  }
  p.gbase = c->s.cap = scap - p.g.cap;
  /* G rows per fetch: a block stays in QBUF while its rows' gates and
   * about as many query rows and the next block pass through the ring */
  p.blk = (c->q.cap - GT_AHEAD - 2) / 3;
  p.blk = p.blk > GT_BLOCK ? GT_BLOCK : p.blk < 1 ? 1 : p.blk;
  emit(c, OP_TINIT, 0, w->heads, 0, 0, 0, 0); /* every head kept */
  if (wl_generates(w)) {
    gt_decode(c, &p);
  } else {
    for (int cs = 0; cs < w->ncases; cs++)
      for (int l = 0; l < w->layers; l++) {
        emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
        for (int h = 0; h < w->heads; h++) gt_head(c, &p, cs, l, h);
        emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
      }
  }
  c->s.cap = scap;
}

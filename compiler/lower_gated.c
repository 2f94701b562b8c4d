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

#include "fixed.h"

/* Where a row's keys and values are: resident from kb, vb, or (-1)
 * streamed in chunks. */
typedef struct gt_kv {
  int kb, vb;
} gt_kv_t;

/* Query q of head h of case cs, layer l: its gate, then its attention
 * under the gate's predicate, then the gated output. */
static void gt_row(comp_t *c, int cs, int l, int h, int q, gt_kv_t kv) {
  const wl_t *w = c->w;
  int pos = wl_query_pos(w, cs, q), nk = wl_keys(w, cs, q);
  int n = w->gt_mode ? 1 : w->head_dim, thr = fx_gate_thr16(w->gt_threshold);
  int gr = ring_alloc(&c->q, 1), go = ring_alloc(&c->s, n), pr = 0, pred = 0;
  int qr, so, orow, j, m;
  if (thr > 0) pr = ring_alloc(&c->pr, 1), pred = ISA_PRED | pr << 4;
  emit(c, OP_LDQ, gr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_G, cs, l, h, pos));
  emit(c, OP_GATE, go, n, gr, thr > 0 ? ISA_CHECK | pr << 4 : 0, thr, 0);
  qr = ring_alloc(&c->q, 1);
  so = ring_alloc(&c->s, nk);
  orow = ring_alloc(&c->o, 1);
  emit(c, OP_LDQ, qr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_Q, cs, l, h, pos));
  if (kv.kb >= 0) {
    emit(c, OP_QK, qr, kv.kb, nk, pred, so, 0);
    emit(c, OP_SMAX, so, nk, 0, pred, 0, 0);
    emit(c, OP_AV, orow, kv.vb, nk, pred, so, 0);
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
  emit(c, OP_GMUL, orow, go, n, 0, 0, 0);
  emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
}

/* Every query of head h: K and V loaded once when they fit. */
static void gt_head(comp_t *c, int cs, int l, int h) {
  int ntok = wl_ctx_tokens(c->w, cs), j, n, q;
  gt_kv_t kv = {-1, -1};
  emit(c, OP_HEAD, h, 0, 0, 0, 0, 0);
  if (ntok <= c->k.cap && ntok <= c->v.cap) {
    kv.kb = c->k.head + ntok > c->k.cap ? 0 : c->k.head;
    kv.vb = c->v.head + ntok > c->v.cap ? 0 : c->v.head;
    for (j = 0; j < ntok; j += n) { /* chunks: the first rows start early */
      n = ntok - j < c->chunk ? ntok - j : c->chunk;
      c->k.head = kv.kb + j;
      fetch_rows(c, LAY_K, cs, l, h, j, n);
    }
    for (j = 0; j < ntok; j += n) {
      n = ntok - j < c->chunk ? ntok - j : c->chunk;
      c->v.head = kv.vb + j;
      fetch_rows(c, LAY_V, cs, l, h, j, n);
    }
  }
  for (q = 0; q < wl_queries(c->w, cs); q++) gt_row(c, cs, l, h, q, kv);
}

/* Decode: step, layer (one sequence: decode.batch 1), head; the step's
 * new K/V row comes from the projection and is appended (c->fresh). */
static void gt_decode(comp_t *c) {
  const wl_t *w = c->w;
  gt_kv_t kv = {-1, -1};
  c->fresh_store = 1;
  for (int t = 0; t < w->generate; t++)
    for (int l = 0; l < w->layers; l++) {
      int q = wl_queries(w, 0) - w->generate + t;
      emit(c, OP_LAYER, 0, l, 0, 0, 0, 0);
      c->fresh = wl_query_pos(w, 0, q) + 1;
      for (int h = 0; h < w->heads; h++) {
        emit(c, OP_HEAD, h, 0, 0, 0, 0, 0);
        gt_row(c, 0, l, h, q, kv);
      }
      emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
      c->fresh = 0;
    }
}

void lower_gated(comp_t *c) {
  emit(c, OP_TINIT, 0, c->w->heads, 0, 0, 0, 0); /* every head kept */
  if (wl_generates(c->w)) {
    gt_decode(c);
    return;
  }
  for (int cs = 0; cs < c->w->ncases; cs++)
    for (int l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (int h = 0; h < c->w->heads; h++) gt_head(c, cs, l, h);
      emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
    }
}

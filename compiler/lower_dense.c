/* lower_dense.c - dense multi-head attention (compile.h): per case,
 * layer and head (decode: per generated token, then layer, then head) LDQ,
 * QK, SMAX, AV, STO, with keys and values resident for a head when they
 * fit and streamed in chunks otherwise. */
#include "lower.h"

/* One query whose keys and values stream through in chunks. */
static void query_streamed(comp_t *c, int cs, int l, int h, int q) {
  int nk = wl_keys(c->w, cs, q), qr = ring_alloc(&c->q, 1);
  int so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1), j, n;
  emit(c, OP_LDQ, qr, 1, 0, 0, 0,
       lay_addr(&c->lay, LAY_Q, cs, l, h, wl_query_pos(c->w, cs, q)));
  for (j = 0; j < nk; j += n) {
    n = nk - j < c->chunk ? nk - j : c->chunk;
    emit(c, OP_QK, qr, fetch_rows(c, LAY_K, cs, l, h, j, n), n, 0, so + j, 0);
  }
  emit(c, OP_SMAX, so, nk, 0, 0, 0, 0);
  for (j = 0; j < nk; j += n) {
    n = nk - j < c->chunk ? nk - j : c->chunk;
    emit(c, OP_AV, orow, fetch_rows(c, LAY_V, cs, l, h, j, n), n, j > 0,
         so + j, 0);
  }
  emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
}

/* All queries of a head against keys and values loaded once. */
static void head_resident(comp_t *c, int cs, int l, int h) {
  int ntok = wl_ctx_tokens(c->w, cs), nq = wl_queries(c->w, cs);
  int kb = c->k.head + ntok > c->k.cap ? 0 : c->k.head;
  int vb = c->v.head + ntok > c->v.cap ? 0 : c->v.head;
  int j, n, q;
  /* chunked loads so the first queries can start before the last rows */
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->k.head = kb + j;
    fetch_rows(c, LAY_K, cs, l, h, j, n);
  }
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->v.head = vb + j;
    fetch_rows(c, LAY_V, cs, l, h, j, n);
  }
  for (q = 0; q < nq; q++) {
    int nk = wl_keys(c->w, cs, q), qr = ring_alloc(&c->q, 1);
    int so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1);
    emit(c, OP_LDQ, qr, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, cs, l, h, wl_query_pos(c->w, cs, q)));
    emit(c, OP_QK, qr, kb, nk, 0, so, 0);
    emit(c, OP_SMAX, so, nk, 0, 0, 0, 0);
    emit(c, OP_AV, orow, vb, nk, 0, so, 0);
    emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
  }
}

static void lower_prefill(comp_t *c) {
  int cs, l, h, q;
  for (cs = 0; cs < c->w->ncases; cs++) {
    int ntok = wl_ctx_tokens(c->w, cs);
    int resident = ntok <= c->k.cap && ntok <= c->v.cap;
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (h = 0; h < c->w->heads; h++) {
        if (resident)
          head_resident(c, cs, l, h);
        else
          for (q = 0; q < wl_queries(c->w, cs); q++)
            query_streamed(c, cs, l, h, q);
      }
    }
  }
}

/* Decode: token-major, since each token's layers run in order. */
static void lower_decode(comp_t *c) {
  int t, l, h;
  for (t = 0; t < c->w->generate; t++)
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, 0, l, 0, 0, 0, 0);
      for (h = 0; h < c->w->heads; h++) query_streamed(c, 0, l, h, t);
    }
}

void lower_dense(comp_t *c) {
  if (c->w->phase == WL_DECODE)
    lower_decode(c);
  else
    lower_prefill(c);
}

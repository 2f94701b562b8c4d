/* lower_landmark.c - Landmark Attention's decode (docs/landmark.md).
 * Per step, layer and head, for the step's query (common/lmshape.h):
 *   LDQ; the L candidate blocks' landmark keys (LDK from the LM region,
 *   in chunks) scored on the Q x K array (QK ROUTE: routing MACs); TOPK
 *   (regions mode) picks k blocks into IBUF; the selected blocks' key rows
 *   (LDK REGION, whole blocks through IBUF) and the local rows [lo, nkeys)
 *   (the new one from KN, appended by STK) scored into one SBUF row; SMAX;
 *   the same rows of V (LDV REGION, then the local rows, STV) into AV; STO.
 * With no candidate (L = 0) only the local rows run, as dense decode. */
#include "lower.h"

#include "lmshape.h"

/* Buffers too small for one block or one chunk: a located error. */
static int lm_fits(comp_t *c, const char *key, int need, int cap) {
  if (need <= cap || c->em.rc) return !c->em.rc;
  c->em.rc = err_at(c->em.e, "(config)", 0, 0, key,
                    "buffer too small for landmark attention (got %d rows, "
                    "expected at least landmark.block = %d)", cap, need);
  return 0;
}

/* Score the L landmark keys of (l, h) against QBUF[qr] into SBUF from
 * so; TOPK keeps k block numbers in IBUF; returns their IBUF offset. */
static int lm_select(comp_t *c, const lm_geo_t *g, int l, int h, int qr) {
  int so = ring_alloc(&c->s, g->L), io, j, n;
  for (j = 0; j < g->L; j += n) {
    int kr;
    n = g->L - j < c->chunk ? g->L - j : c->chunk;
    kr = ring_alloc(&c->k, n);
    emit(c, OP_LDK, kr, n, 0, 0, 0, lay_addr(&c->lay, LAY_LM, 0, l, h, j));
    emit(c, OP_QK, qr, kr, n, ISA_ROUTE, so + j, 0);
  }
  io = ring_alloc(&c->ib, g->k);
  emit(c, OP_TOPK, io, g->L, g->k, TOPK_REGIONS, so, 0);
  return io;
}

/* The selected blocks' rows of t, whole blocks per fetch (at least one,
 * about c->chunk rows), each chunk then QK (keys) or AV (values) on the
 * score entries from so. */
static void lm_blocks(comp_t *c, const lm_geo_t *g, lay_tensor_t t, int l,
                      int h, int io, int qr, int orow, int so) {
  int per = c->chunk / g->B > 0 ? c->chunk / g->B : 1, j, n;
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  uint64_t blk = lay_addr(&c->lay, t, 0, l, h, 0);
  for (j = 0; j < g->k; j += n) {
    int at;
    n = g->k - j < per ? g->k - j : per;
    at = ring_alloc(ring, n * g->B);
    emit(c, t == LAY_K ? OP_LDK : OP_LDV, at, n * g->B, io + j, ISA_REGION,
         0, blk);
    if (t == LAY_K)
      emit(c, OP_QK, qr, at, n * g->B, 0, so + j * g->B, 0);
    else
      emit(c, OP_AV, orow, at, n * g->B, j ? ISA_ACC : 0, so + j * g->B, 0);
  }
}

/* The local rows [lo, nkeys) of t in chunks, after the blocks' entries. */
static void lm_local(comp_t *c, const lm_geo_t *g, lay_tensor_t t, int l,
                     int h, int qr, int orow, int so) {
  int base = g->k * g->B, j, n;
  for (j = g->lo; j < g->nkeys; j += n) {
    int at;
    n = g->nkeys - j < c->chunk ? g->nkeys - j : c->chunk;
    at = fetch_cache_rows(c, t, 0, l, h, j, n);
    if (t == LAY_K)
      emit(c, OP_QK, qr, at, n, 0, so + base + j - g->lo, 0);
    else
      emit(c, OP_AV, orow, at, n, base || j > g->lo ? ISA_ACC : 0,
           so + base + j - g->lo, 0);
  }
}

/* Query q (the step) of head h in layer l. */
static void lm_query(comp_t *c, int l, int h, int q) {
  lm_geo_t g;
  int qr = ring_alloc(&c->q, 1), io = 0, so, orow;
  lm_geo(c->w, 0, q, &g);
  emit(c, OP_LDQ, qr, 1, 0, 0, 0,
       lay_addr(&c->lay, LAY_Q, 0, l, h, wl_query_pos(c->w, 0, q)));
  if (g.L) io = lm_select(c, &g, l, h, qr);
  so = ring_alloc(&c->s, g.nk);
  orow = ring_alloc(&c->o, 1);
  if (g.k) lm_blocks(c, &g, LAY_K, l, h, io, qr, orow, so);
  lm_local(c, &g, LAY_K, l, h, qr, orow, so);
  emit(c, OP_SMAX, so, g.nk, 0, 0, 0, 0);
  if (g.k) lm_blocks(c, &g, LAY_V, l, h, io, qr, orow, so);
  lm_local(c, &g, LAY_V, l, h, qr, orow, so);
  emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, 0, l, h, q));
}

/* As dense decode: token-major, each step's layers in order; the step's
 * new K/V rows from KN / VN, appended to the cache (one sequence). */
void lower_landmark(comp_t *c) {
  int B = c->w->lm_block, t, l, h;
  if (!lm_fits(c, "buffers.key_bytes", B, c->k.cap) ||
      !lm_fits(c, "buffers.value_bytes", B, c->v.cap))
    return;
  c->fresh_store = 1;
  for (t = 0; t < c->w->generate; t++)
    for (l = 0; l < c->w->layers; l++) {
      int q = wl_queries(c->w, 0) - c->w->generate + t;
      emit(c, OP_LAYER, 0, l, 0, 0, 0, 0);
      c->fresh = wl_query_pos(c->w, 0, q) + 1;
      for (h = 0; h < c->w->heads; h++) lm_query(c, l, h, q);
      c->fresh = 0;
    }
}

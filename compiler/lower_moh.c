/* lower_moh.c - Mixture-of-Head attention (docs/moh.md), prefill. Per
 * case and layer: the routing, per token MRS (router scores of the
 * routed heads into SBUF), TOPK (moh.topk of them into IBUF) and MGATE
 * (the scores become gates in place); the gates of every token stay in
 * a region at the top of SBUF for the layer. Then per head its keys and
 * values resident, and per token: a shared head runs LDQ QK SMAX AV STO;
 * a routed head first MPRED (a predicate register from the pair's gate)
 * and runs the same with PRED plus MSCL (the row times its gate) before
 * the store, so an unrouted pair fetches, computes and stores nothing. */
#include "lower.h"

typedef struct mohplan {
  int cs, l, T, S, R, k;
  int gbase; /* SBUF entry of token 0's gates: token t's at gbase + t R */
} mohplan_t;

static int moh_fits(comp_t *c, const char *key, int need, int cap) {
  if (need <= cap || c->em.rc) return !c->em.rc;
  c->em.rc = err_at(c->em.e, "(config)", 0, 0, key,
                    "buffer too small for MoH (got %d entries or rows, "
                    "expected at least %d)", cap, need);
  return 0;
}

/* Each token's routing: scores, top-k, gates (decision query = token). */
static void moh_route(comp_t *c, const mohplan_t *p) {
  for (int t = 0; t < p->T; t++) {
    int g = p->gbase + t * p->R, io = ring_alloc(&c->ib, p->k);
    emit(c, OP_MRS, g, t, p->R, 0, p->S, 0);
    emit(c, OP_TOPK, io, p->R, p->k, TOPK_REGIONS, g, 0);
    emit(c, OP_MGATE, g, p->R, io, 0, p->k, 0);
  }
}

/* Head h: keys and values in chunks (the first queries start before the
 * last rows are in), then every token's query. */
static void moh_head(comp_t *c, const mohplan_t *p, int h) {
  int kb = c->k.head + p->T > c->k.cap ? 0 : c->k.head;
  int vb = c->v.head + p->T > c->v.cap ? 0 : c->v.head, j, n, t;
  for (j = 0; j < p->T; j += n) {
    n = p->T - j < c->chunk ? p->T - j : c->chunk;
    emit_rows(c, LAY_K, p->cs, p->l, h, j, n, kb + j);
  }
  for (j = 0; j < p->T; j += n) {
    n = p->T - j < c->chunk ? p->T - j : c->chunk;
    emit_rows(c, LAY_V, p->cs, p->l, h, j, n, vb + j);
  }
  c->k.head = kb + p->T, c->v.head = vb + p->T;
  for (t = 0; t < p->T; t++) {
    int nk = wl_keys(c->w, p->cs, t), qr = ring_alloc(&c->q, 1);
    int so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1), f = 0;
    int gate = p->gbase + t * p->R + h - p->S;
    if (h >= p->S) {
      int pr = ring_alloc(&c->pr, 1);
      f = ISA_PRED | pr << 4;
      emit(c, OP_MPRED, pr, 0, 0, 0, gate, 0);
    }
    emit(c, OP_LDQ, qr, 1, 0, f, 0, lay_addr(&c->lay, LAY_Q, p->cs, p->l, h, t));
    emit(c, OP_QK, qr, kb, nk, f, so, 0);
    emit(c, OP_SMAX, so, nk, 0, f, 0, 0);
    emit(c, OP_AV, orow, vb, nk, f, so, 0);
    if (f) emit(c, OP_MSCL, orow, 0, 0, f, gate, 0);
    emit(c, OP_STO, orow, 0, 0, f, 0, lay_addr(&c->lay, LAY_O, p->cs, p->l, h, t));
  }
}

/* Per case and layer: routing (when any head is routed), then the heads
 * that can run (all, or the shared ones when moh.topk is 0). The gate
 * region is taken off the top of SBUF's ring. */
void lower_moh(comp_t *c) {
  int scap = c->s.cap;
  mohplan_t p;
  p.S = c->w->moh_shared, p.R = c->w->heads - p.S, p.k = c->w->moh_topk;
  for (p.cs = 0; p.cs < c->w->ncases && !c->em.rc; p.cs++) {
    int need;
    p.T = c->w->tokens[p.cs];
    need = p.k ? p.T * p.R : 0; /* the layer's gates */
    c->s.cap = scap;
    if (!moh_fits(c, "buffers.key_bytes", p.T, c->k.cap) ||
        !moh_fits(c, "buffers.value_bytes", p.T, c->v.cap) ||
        !moh_fits(c, "buffers.score_entries", need + p.T, scap) ||
        !moh_fits(c, "buffers.score_entries", p.k, c->ib.cap))
      break;
    c->s.cap = scap - need;
    c->s.head = 0;
    p.gbase = c->s.cap;
    for (p.l = 0; p.l < c->w->layers; p.l++) {
      emit(c, OP_LAYER, p.cs, p.l, 0, 0, 0, 0);
      if (p.k) moh_route(c, &p);
      for (int h = 0; h < (p.k ? c->w->heads : p.S); h++) moh_head(c, &p, h);
    }
  }
  c->s.cap = scap;
}

/* lower_routing.c - the Routing Transformer's content-based sparse
 * attention (docs/routing.md). Per case a TINIT (every head kept); per
 * layer and head: the centroids into QBUF and KBUF (rows 0..C-1 of each,
 * resident for the head), every key's centroid (keys in chunks: one QK
 * with ROUTE per centroid over the chunk, then one RASN per key, stride
 * the chunk), then per query: its centroid (QK with ROUTE, RASN), its
 * cluster's keys into TLIST (RLST), their K and V rows gathered (RLDK,
 * RLDV) and the counted QK, softmax and AV (RQK, RSMX, RAV), STO. A
 * query reserves its candidates' rows (t + 1 causal, T else); the
 * counted instructions use only the count RLST leaves in IBUF. */
#include "lower.h"

/* IBUF: key clusters at [0, T), then two (cluster, count) pairs of
 * queries in flight; KBUF and QBUF: centroids at rows [0, C), the rings
 * above them. */
typedef struct rtplan {
  int cs, l, h, T, C;
  ring_t k, q;        /* KBUF, QBUF rows above the centroids */
  int kc;             /* keys per assignment chunk */
} rtplan_t;

static int rt_fits(comp_t *c, const char *key, int need, int cap) {
  if (need <= cap || c->em.rc) return !c->em.rc;
  c->em.rc = err_at(c->em.e, "(config)", 0, 0, key,
                    "buffer too small for the Routing Transformer (got %d "
                    "entries or rows, expected at least %d)", cap, need);
  return 0;
}

/* Every key's centroid: keys [j0, j0 + n) in KBUF, C QKs (centroid c in
 * QBUF row c against the chunk: SBUF[s + c n + i]), one RASN per key. */
static void rt_keys(comp_t *c, rtplan_t *p) {
  for (int j0 = 0, n; j0 < p->T; j0 += n) {
    n = p->T - j0 < p->kc ? p->T - j0 : p->kc;
    int kr = p->C + ring_alloc(&p->k, n), s = ring_alloc(&c->s, p->C * n);
    emit(c, OP_LDK, kr, n, 0, 0, 0, lay_addr(&c->lay, LAY_K, p->cs, p->l, p->h, j0));
    for (int ci = 0; ci < p->C; ci++)
      emit(c, OP_QK, ci, kr, n, ISA_ROUTE, s + ci * n, 0);
    for (int i = 0; i < n; i++)
      emit(c, OP_RASN, j0 + i, p->C, p->T + j0 + i, 0, s + i, (uint64_t)n);
  }
}

/* Query t: its centroid into IBUF pair e, its cluster's keys, the counted
 * attention over them, its output row. */
static void rt_query(comp_t *c, rtplan_t *p, int t) {
  int n = c->w->causal ? t + 1 : p->T, e = p->T + 2 * (t % 2);
  int qr = p->C + ring_alloc(&p->q, 1), sa = ring_alloc(&c->s, p->C), kr, vr, ss, o;
  emit(c, OP_LDQ, qr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_Q, p->cs, p->l, p->h, t));
  emit(c, OP_QK, qr, 0, p->C, ISA_ROUTE, sa, 0);
  emit(c, OP_RASN, e, p->C, t, 0, sa, 1);
  emit(c, OP_RLST, 0, n, 0, 0, e, (uint64_t)t);
  kr = p->C + ring_alloc(&p->k, n);
  vr = ring_alloc(&c->v, n);
  emit(c, OP_RLDK, kr, n, 0, ISA_GATHER, e + 1, lay_addr(&c->lay, LAY_K, p->cs, p->l, p->h, 0));
  emit(c, OP_RLDV, vr, n, 0, ISA_GATHER, e + 1, lay_addr(&c->lay, LAY_V, p->cs, p->l, p->h, 0));
  ss = ring_alloc(&c->s, n);
  emit(c, OP_RQK, qr, kr, n, 0, ss, (uint64_t)(e + 1));
  emit(c, OP_RSMX, ss, n, 0, 0, 0, (uint64_t)(e + 1));
  o = ring_alloc(&c->o, 1);
  emit(c, OP_RAV, o, vr, n, 0, ss, (uint64_t)(e + 1));
  emit(c, OP_STO, o, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, p->cs, p->l, p->h, t));
}

/* One head: the centroids, the keys' clusters, the queries. */
static void rt_head(comp_t *c, rtplan_t *p) {
  emit(c, OP_HEAD, p->h, 0, 0, 0, 0, 0);
  emit(c, OP_LDQ, 0, p->C, 0, 0, 0, lay_addr(&c->lay, LAY_RC, p->cs, p->l, p->h, 0));
  emit(c, OP_LDK, 0, p->C, 0, 0, 0, lay_addr(&c->lay, LAY_RC, p->cs, p->l, p->h, 0));
  rt_keys(c, p);
  for (int t = 0; t < p->T; t++) rt_query(c, p, t);
}

/* The room one case needs: a query's candidates (T) in KBUF, VBUF and
 * SBUF above the centroids, the key clusters and two pairs in IBUF. */
static int rt_case_fits(comp_t *c, const rtplan_t *p) {
  return rt_fits(c, "buffers.key_bytes", p->C + p->T, c->k.cap) &&
         rt_fits(c, "buffers.query_bytes", p->C + 2, c->q.cap) &&
         rt_fits(c, "buffers.value_bytes", p->T, c->v.cap) &&
         rt_fits(c, "buffers.score_entries", p->T + p->C, c->s.cap) &&
         rt_fits(c, "buffers.score_entries", p->T + 4, c->ib.cap);
}

void lower_routing(comp_t *c) {
  rtplan_t p = {0};
  p.C = c->w->rt_clusters;
  for (p.cs = 0; p.cs < c->w->ncases && !c->em.rc; p.cs++) {
    p.T = c->w->tokens[p.cs];
    if (!rt_case_fits(c, &p)) return;
    p.k.cap = c->k.cap - p.C;
    p.q.cap = c->q.cap - p.C;
    p.kc = c->chunk < p.T ? c->chunk : p.T; /* keys per assignment chunk */
    if (p.kc * p.C > c->s.cap) p.kc = c->s.cap / p.C;
    if (p.kc > p.k.cap) p.kc = p.k.cap;
    emit(c, OP_TINIT, 0, c->w->heads, 0, 0, 0, 0);
    for (p.l = 0; p.l < c->w->layers; p.l++) {
      emit(c, OP_LAYER, p.cs, p.l, 0, 0, 0, 0);
      for (p.h = 0; p.h < c->w->heads; p.h++) rt_head(c, &p);
      emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
    }
  }
}

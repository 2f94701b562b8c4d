/* lower_biformer.c - BiFormer's bi-level routing attention
 * (docs/biformer.md). Per stage a TINIT (every head kept), then per block:
 * the routing step (when topk < regions^2), then per head and region the
 * gathered keys and values of the routed regions, the LCE tile of V, and
 * every query token of the region against the same gathered set. */
#include "lower.h"

#include <string.h>

#include "bfshape.h"

typedef struct bfplan {
  bf_geo_t g;
  int cs, l;
  int so;   /* SBUF entry of region 0's affinity row (routing) */
  int *io;  /* IBUF offset of region i's routed list */
  int kres, vres; /* no routing: KBUF/VBUF row of the head's resident
                     keys and values, else -1 (gathered per region) */
  ring_t vt;      /* LCE tiles: two at the top of VBUF, from vt_base */
  int vt_base;
} bfplan_t;

static int ring_fits(comp_t *c, const char *key, int need, int cap) {
  if (need <= cap || c->em.rc) return !c->em.rc;
  c->em.rc = err_at(c->em.e, "(config)", 0, 0, key,
                 "buffer too small for BiFormer (got %d entries or rows, "
                 "expected at least %d)", cap, need);
  return 0;
}

/* Routing: per head the pooled keys of every region and, per region, its
 * pooled query against them, summed over heads in SBUF (SACC); then one
 * TOPK per region into IBUF. */
static void bf_route(comp_t *c, bfplan_t *p) {
  const bf_geo_t *g = &p->g;
  p->so = ring_alloc(&c->s, g->nreg * g->nreg);
  for (int h = 0; h < g->heads; h++) {
    int kp = ring_alloc(&c->k, g->nreg);
    for (int j = 0; j < g->nreg; j++)
      emit(c, OP_POOL, kp + j, g->R, 1, 0, 0,
           lay_addr(&c->lay, LAY_K, p->cs, p->l, h, j * g->R));
    for (int i = 0; i < g->nreg; i++) {
      int qr = ring_alloc(&c->q, 1);
      emit(c, OP_POOL, qr, g->R, 0, 0, 0,
           lay_addr(&c->lay, LAY_Q, p->cs, p->l, h, i * g->R));
      emit(c, OP_QK, qr, kp, g->nreg, ISA_ROUTE | (h ? ISA_SACC : 0),
           p->so + i * g->nreg, 0);
    }
  }
  for (int i = 0; i < g->nreg; i++) {
    p->io[i] = ring_alloc(&c->ib, g->k);
    emit(c, OP_TOPK, p->io[i], g->nreg, g->k, TOPK_REGIONS,
         p->so + i * g->nreg, 0);
  }
}

/* Keys or values of region i's routed set into ring rows: whole regions
 * through IBUF (REGION), or with no routing every row in order. */
static int bf_gather(comp_t *c, const bfplan_t *p, lay_tensor_t t, int h,
                     int i) {
  const bf_geo_t *g = &p->g;
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  int nk = g->k * g->R, at = ring_alloc(ring, nk), per, j, n;
  uint8_t op = t == LAY_K ? OP_LDK : OP_LDV;
  uint64_t blk = lay_addr(&c->lay, t, p->cs, p->l, h, 0);
  per = c->chunk / g->R > 0 ? c->chunk / g->R : 1; /* regions per fetch */
  for (j = 0; j < nk; j += n) {
    n = nk - j < per * g->R ? nk - j : per * g->R;
    if (g->k < g->nreg)
      emit(c, op, at + j, n, p->io[i] + j / g->R, ISA_REGION, 0, blk);
    else
      emit(c, op, at + j, n, 0, 0, 0, lay_addr(&c->lay, t, p->cs, p->l, h, j));
  }
  return at;
}

/* The LCE tile of region i: (rh + kern - 1) x (rw + kern - 1) V rows
 * around it, row-major in VBUF; positions outside the grid are not
 * loaded (their taps are outside every query's tap box). Each in-grid
 * run of one tile row inside one region is one plain LDV. */
static int bf_tile(comp_t *c, bfplan_t *p, int h, int i) {
  const bf_geo_t *g = &p->g;
  int pad = g->kern / 2, tw = g->rw + g->kern - 1, th = g->rh + g->kern - 1;
  int y0 = (i / g->S) * g->rh - pad, x0 = (i % g->S) * g->rw - pad;
  int tb = p->vt_base + ring_alloc(&p->vt, th * tw);
  for (int ty = 0; ty < th; ty++) {
    int y = y0 + ty, xa = x0 < 0 ? 0 : x0;
    int xe = x0 + tw > g->W ? g->W : x0 + tw;
    if (y < 0 || y >= g->H) continue;
    for (int x = xa, xn; x < xe; x = xn) {
      xn = (x / g->rw + 1) * g->rw; /* end of this region's columns */
      if (xn > xe) xn = xe;
      emit(c, OP_LDV, tb + ty * tw + (x - x0), xn - x, 0, 0, 0,
           lay_addr(&c->lay, LAY_V, p->cs, p->l, h, bf_token(g, y, x)));
    }
  }
  return tb;
}

/* Region i of head h: gathered keys and values, the LCE tile, then every
 * query token of the region against them (one LDQ for the region). */
static void bf_region(comp_t *c, bfplan_t *p, int h, int i) {
  const bf_geo_t *g = &p->g;
  int nk = g->k * g->R, kb, vb, tb = 0, qb, tw = g->rw + g->kern - 1;
  kb = p->kres >= 0 ? p->kres : bf_gather(c, p, LAY_K, h, i);
  vb = p->vres >= 0 ? p->vres : bf_gather(c, p, LAY_V, h, i);
  if (g->kern) tb = bf_tile(c, p, h, i);
  qb = ring_alloc(&c->q, g->R);
  emit(c, OP_LDQ, qb, g->R, 0, 0, 0,
       lay_addr(&c->lay, LAY_Q, p->cs, p->l, h, i * g->R));
  for (int u = 0; u < g->R; u++) {
    int tok = i * g->R + u, so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1);
    int y, x, t0, t1, s0, s1, py = u / g->rw, px = u % g->rw;
    emit(c, OP_QK, qb + u, kb, nk, 0, so, 0);
    emit(c, OP_SMAX, so, nk, 0, 0, 0, 0);
    emit(c, OP_AV, orow, vb, nk, 0, so, 0);
    if (g->kern) {
      bf_coord(g, tok, &y, &x);
      bf_taps(g, y, x, &t0, &t1, &s0, &s1);
      emit(c, OP_LCE, orow, tb + py * tw + px, tw, ISA_ACC, ISA_TAPS(t0, t1, s0, s1), 0);
    }
    emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, p->cs, p->l, h, tok));
  }
}

/* Buffer room one stage needs (each ring holds what one region uses). */
static int bf_fits(comp_t *c, const bf_geo_t *g) {
  int tile = g->kern ? (g->rh + g->kern - 1) * (g->rw + g->kern - 1) : 0;
  return ring_fits(c, "buffers.key_bytes", g->k * g->R, c->k.cap) &&
         ring_fits(c, "buffers.key_bytes", g->nreg, c->k.cap) &&
         ring_fits(c, "buffers.value_bytes", g->k * g->R + 2 * tile, c->v.cap) &&
         ring_fits(c, "buffers.query_bytes", g->R, c->q.cap) &&
         ring_fits(c, "buffers.score_entries", g->nreg * g->nreg, c->s.cap) &&
         ring_fits(c, "buffers.score_entries", g->k * g->R, c->s.cap) &&
         ring_fits(c, "buffers.score_entries", g->nreg * g->k, c->ib.cap);
}

/* One head of a block: with no routing every region attends to the same
 * keys and values, fetched once for the head. */
static void bf_head(comp_t *c, bfplan_t *p, int h) {
  emit(c, OP_HEAD, h, 0, 0, 0, 0, 0);
  p->kres = p->vres = -1;
  if (p->g.k == p->g.nreg) {
    p->kres = bf_gather(c, p, LAY_K, h, 0);
    p->vres = bf_gather(c, p, LAY_V, h, 0);
  }
  for (int i = 0; i < p->g.nreg; i++) bf_region(c, p, h, i);
}

/* Every stage: VBUF's top 2 tiles hold LCE tiles (double-buffered), the
 * rest the gathered values, so a tile never lands on values in use. */
void lower_biformer(comp_t *c) {
  int io[64 * 64], vcap = c->v.cap;
  bfplan_t p;
  memset(&p, 0, sizeof p);
  p.io = io;
  for (p.cs = 0; p.cs < c->w->ncases && !c->em.rc; p.cs++) {
    const bf_geo_t *g = &p.g;
    bf_geo(c->w, p.cs, &p.g);
    c->v.cap = vcap;
    if (!bf_fits(c, g)) return;
    p.vt.cap = g->kern ? 2 * (g->rh + g->kern - 1) * (g->rw + g->kern - 1) : 0;
    c->v.cap = vcap - p.vt.cap;
    p.vt_base = c->v.cap;
    emit(c, OP_TINIT, 0, g->heads, 0, 0, 0, 0);
    for (p.l = 0; p.l < g->blocks; p.l++) {
      emit(c, OP_LAYER, p.cs, p.l, 0, 0, 0, 0);
      if (g->k < g->nreg) bf_route(c, &p);
      for (int h = 0; h < g->heads; h++) bf_head(c, &p, h);
      emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
    }
  }
  c->v.cap = vcap;
}

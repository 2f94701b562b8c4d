#include "compile.h"

#include <string.h>

#include "bfshape.h"
#include "emit.h"
#include "layout.h"
#include "schedule.h"

/* Where one query's work happens. */
typedef struct qplan {
  int cs, l, h;
  int nk;           /* keys: the kept tokens */
  sched_layer_t r;
  int kb;           /* KBUF row of the keys when resident, else -1 */
  int vb;           /* VBUF row of the values when resident, else -1 */
  int qslot;        /* prefill: TLIST slot of the query; decode: -1 */
  int qpos;         /* decode: query row */
  int orow_pos;     /* decode: output row */
} qplan_t;

/* A query between its two halves (software pipelining): the front
 * (fetch, MSB scores, the softmax with its refetch test) of query q is
 * emitted before the back (the predicated refetch, values, store) of
 * query q-1, so the refetch, which waits for q-1's softmax, never blocks
 * q's front in the in-order units. */
typedef struct qstate {
  qplan_t p;
  int qr, so, orow, pr;
  bool valid;
} qstate_t;

typedef struct comp {
  const wl_t *w;
  lay_t lay;
  emitter_t em;
  ring_t q, k, v, s, o, ib, pr;
  int chunk;   /* rows per streamed K/V fetch */
  int width;
  bool imp, himp; /* the schedule prunes tokens / heads somewhere */
  int open_head;  /* head whose code the last HEAD marker opened */
  qstate_t pend;  /* a query whose back half is still to emit */
} comp_t;

static void emit(comp_t *c, uint8_t op, int a, int b, int cc, int d, int e,
                 uint64_t addr) {
  em_put(&c->em, op, a, b, cc, d, e, addr);
}

/* Fetch rows [r0, r0+n) of K or V for (cs, l, h) into ring rows. */
static int fetch_rows(comp_t *c, lay_tensor_t t, int cs, int l, int h,
                      int r0, int n) {
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  int at = ring_alloc(ring, n);
  emit(c, t == LAY_K ? OP_LDK : OP_LDV, at, n, 0, 0, 0,
       lay_addr(&c->lay, t, cs, l, h, r0));
  return at;
}

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

/* ---- SpAtten schedules (docs/spatten.md) ----------------------------
 * Tokens are addressed through TLIST (GATHER): slot i of the kept list,
 * whose count the compiler knows, is token TLIST[i], which only the
 * hardware knows. Heads are emitted for every head behind HEAD markers;
 * the dispatcher skips pruned ones. */


/* Gathered fetch of TLIST slots [j, j+n) of tensor t into ring rows. */
static int gather_rows(comp_t *c, const qplan_t *p, lay_tensor_t t, int j,
                       int n, int at, int pred) {
  uint8_t op = t == LAY_V ? OP_LDV : OP_LDK;
  emit(c, op, at, n, j, ISA_GATHER | pred, 0,
       lay_addr(&c->lay, t, p->cs, p->l, p->h, 0));
  return at;
}

/* Keys of the query into KBUF (or streamed chunk by chunk) and scores at
 * so; pass 0 the MSBs, pass 1 (predicated) the refetch. Resident keys
 * take one QK over all of them (the refetch loads their LSBs first). */
static void scores(comp_t *c, const qplan_t *p, int qr, int so, int pass,
                   int pred) {
  int j, n, full = pass ? ISA_FULL : 0;
  if (p->kb >= 0) {
    for (j = 0; pass && j < p->nk; j += n) {
      n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
      gather_rows(c, p, LAY_KL, j, n, p->kb + j, pred);
    }
    emit(c, OP_QK, qr, p->kb, p->nk, full | (pass ? pred : 0), so, 0);
    return;
  }
  for (j = 0; j < p->nk; j += n) { /* streamed: a refetch needs the MSBs too */
    int at;
    n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
    at = gather_rows(c, p, LAY_K, j, n, ring_alloc(&c->k, n), pass ? pred : 0);
    if (pass) gather_rows(c, p, LAY_KL, j, n, at, pred);
    emit(c, OP_QK, qr, at, n, full | (pass ? pred : 0), so + j, 0);
  }
}

/* P x V: every value, or with value pruning the top-kv through IBUF. */
static void weigh(comp_t *c, const qplan_t *p, int so, int orow) {
  int kv = sched_keep(p->r.value_keep, p->nk), j, n;
  if (kv < p->nk) {
    int io = ring_alloc(&c->ib, kv);
    emit(c, OP_TOPK, io, p->nk, kv, TOPK_VALUES, so, 0);
    if (p->vb >= 0) { /* resident values: the kept rows through IBUF */
      emit(c, OP_AV, orow, p->vb, kv, ISA_VSEL | ISA_VIDX, so,
           (uint64_t)io | ((uint64_t)p->nk << 16));
      return;
    }
    for (j = 0; j < kv; j += n) {
      int at;
      n = kv - j < c->chunk ? kv - j : c->chunk;
      at = ring_alloc(&c->v, n);
      emit(c, OP_LDV, at, n, 0, ISA_GATHER | ISA_VSEL, io + j,
           lay_addr(&c->lay, LAY_V, p->cs, p->l, p->h, 0));
      emit(c, OP_AV, orow, at, n, (j > 0) | ISA_VSEL, so,
           (uint64_t)(io + j) | ((uint64_t)p->nk << 16));
    }
    return;
  }
  if (p->vb >= 0) { /* resident values: one pass over all of them */
    emit(c, OP_AV, orow, p->vb, p->nk, 0, so, 0);
    return;
  }
  for (j = 0; j < p->nk; j += n) {
    n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
    emit(c, OP_AV, orow, gather_rows(c, p, LAY_V, j, n, ring_alloc(&c->v, n), 0),
         n, j > 0, so + j, 0);
  }
}


/* Open head h's code: its first HEAD marker, or a resumed one (a HEAD
 * with resume set: skipped again if pruned, not counted twice). */
static void open_head(comp_t *c, int h, bool resume) {
  if (c->open_head == h) return;
  emit(c, OP_HEAD, h, resume, 0, 0, 0, 0);
  c->open_head = h;
}

static void query_front(comp_t *c, const qplan_t *p, qstate_t *q) {
  int imp = c->imp ? ISA_IMP : 0;
  q->p = *p;
  q->qr = ring_alloc(&c->q, 1);
  q->so = ring_alloc(&c->s, p->nk);
  q->orow = ring_alloc(&c->o, 1);
  q->pr = ring_alloc(&c->pr, 1);
  if (p->qslot >= 0)
    emit(c, OP_LDQ, q->qr, 1, p->qslot, ISA_GATHER, 0,
         lay_addr(&c->lay, LAY_Q, p->cs, p->l, p->h, 0));
  else
    emit(c, OP_LDQ, q->qr, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, p->cs, p->l, p->h, p->qpos));
  scores(c, p, q->qr, q->so, 0, 0);
  emit(c, OP_SMAX, q->so, p->nk, 0,
       imp | (p->r.refetch ? ISA_CHECK | (q->pr << 4) : 0),
       p->r.refetch ? (int)p->r.thr16 : 0, 0);
}

static void query_back(comp_t *c, const qstate_t *q) {
  const qplan_t *p = &q->p;
  int pred = ISA_PRED | (q->pr << 4), himp = c->himp ? ISA_HIMP : 0;
  if (p->r.refetch) {
    scores(c, p, q->qr, q->so, 1, pred);
    emit(c, OP_SMAX, q->so, p->nk, 0, (c->imp ? ISA_IMP : 0) | pred, 0, 0);
  }
  weigh(c, p, q->so, q->orow);
  if (p->qslot >= 0)
    emit(c, OP_STO, q->orow, himp ? p->h : 0, p->qslot, ISA_GATHER | himp, 0,
         lay_addr(&c->lay, LAY_O, p->cs, p->l, p->h, 0));
  else
    emit(c, OP_STO, q->orow, himp ? p->h : 0, 0, himp, 0,
         lay_addr(&c->lay, LAY_O, p->cs, p->l, p->h, p->orow_pos));
}

/* The pending query's back half, under its own head. */
static void flush_query(comp_t *c) {
  if (!c->pend.valid) return;
  open_head(c, c->pend.p.h, true);
  query_back(c, &c->pend);
  c->pend.valid = false;
}

/* One query under the schedule: its front now, its back after the next
 * query's front (or at the end of the layer). */
static void query_sp(comp_t *c, const qplan_t *p) {
  qstate_t cur;
  query_front(c, p, &cur);
  flush_query(c);
  open_head(c, p->h, true);
  c->pend = cur;
  c->pend.valid = true;
}

/* Resident rows for the head's keys, and for its values when several
 * queries share them (prefill) or none is pruned, loaded once when they
 * fit twice over (so the next head can load). A decode query with value
 * pruning fetches only its kept values instead. */
static void head_sp(comp_t *c, qplan_t *p, int nq, bool prefill) {
  int j, n, kv = sched_keep(p->r.value_keep, p->nk);
  p->kb = p->vb = -1;
  if (2 * p->nk <= c->k.cap) {
    p->kb = c->k.head + p->nk > c->k.cap ? 0 : c->k.head;
    for (j = 0; j < p->nk; j += n) {
      n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
      c->k.head = p->kb + j;
      gather_rows(c, p, LAY_K, j, n, ring_alloc(&c->k, n), 0);
    }
  }
  if ((prefill || kv == p->nk) && 2 * p->nk <= c->v.cap) {
    p->vb = c->v.head + p->nk > c->v.cap ? 0 : c->v.head;
    for (j = 0; j < p->nk; j += n) {
      n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
      c->v.head = p->vb + j;
      gather_rows(c, p, LAY_V, j, n, ring_alloc(&c->v, n), 0);
    }
  }
  for (int q = 0; q < nq; q++) {
    if (prefill) p->qslot = q;
    query_sp(c, p);
  }
}

/* One layer of a case (prefill) or step (decode) over ntok kept tokens
 * and nh kept heads; end-of-layer top-ks unless it is the last layer.
 * Returns the kept token count after it; *nh is updated. */
static int layer_sp(comp_t *c, int cs, int l, int n0, int ntok, int *nh,
                    bool decode, int t) {
  qplan_t p;
  int k, kh;
  memset(&p, 0, sizeof p);
  p.cs = cs;
  p.l = l;
  p.nk = ntok;
  p.qslot = -1;
  p.qpos = decode ? wl_query_pos(c->w, cs, t) : 0;
  p.orow_pos = t;
  sched_layer(c->w, c->width, l, &p.r);
  emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
  c->open_head = -1;
  for (p.h = 0; p.h < c->w->heads; p.h++) {
    emit(c, OP_HEAD, p.h, 0, 0, 0, 0, 0);
    c->open_head = p.h;
    head_sp(c, &p, decode ? 1 : ntok, !decode);
  }
  flush_query(c);
  emit(c, OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0);
  if (l == c->w->layers - 1) return ntok;
  k = sched_keep(p.r.token_keep, n0);
  if (k < ntok) {
    emit(c, OP_TOPK, 0, ntok, k, TOPK_TOKENS, 0, 0);
    ntok = k;
  }
  kh = sched_keep(p.r.head_keep, c->w->heads);
  if (kh < *nh) {
    emit(c, OP_TOPK, 0, *nh, kh, TOPK_HEADS, 0, 0);
    *nh = kh;
  }
  return ntok;
}

static void lower_sp(comp_t *c) {
  bool decode = c->w->phase == WL_DECODE;
  int units = decode ? c->w->generate : c->w->ncases;
  for (int u = 0; u < units; u++) {
    int cs = decode ? 0 : u, n0 = decode ? wl_query_pos(c->w, 0, u) + 1
                                         : wl_ctx_tokens(c->w, u);
    int ntok = n0, nh = c->w->heads;
    emit(c, OP_TINIT, n0, c->w->heads, 0, decode && u > 0 ? 0 : 3, 0, 0);
    for (int l = 0; l < c->w->layers; l++)
      ntok = layer_sp(c, cs, l, n0, ntok, &nh, decode, u);
  }
}

/* ---- BiFormer's bi-level routing attention (docs/biformer.md) --------
 * Per stage a TINIT (every head kept), then per block: the routing step
 * (when topk < regions^2), then per head and region the gathered keys and
 * values of the routed regions, the LCE tile of V, and every query token
 * of the region against the same gathered set. */

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
static void lower_bf(comp_t *c) {
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

/* Does any layer prune what the key names (a keep fraction below 1)? */
static bool prunes(const comp_t *c, int key) {
  for (int l = 0; l < c->w->layers; l++) {
    sched_layer_t r;
    sched_layer(c->w, c->width, l, &r);
    if ((key == WL_S_TOKEN_KEEP ? r.token_keep : r.head_keep) <
        (1u << SCHED_FRAC_BITS))
      return true;
  }
  return false;
}

int comp_compile(const cfg_t *cfg, const wl_t *w, const char *cfg_name,
                 FILE *f, err_t *e) {
  comp_t c;
  memset(&c, 0, sizeof c);
  c.w = w;
  c.em.e = e;
  if (lay_init(&c.lay, cfg, w, cfg_name, e)) return ERR_BAD_INPUT;
  c.q.cap = c.lay.qbuf_rows;
  c.k.cap = c.lay.kbuf_rows;
  c.v.cap = c.lay.vbuf_rows;
  c.o.cap = c.lay.obuf_rows;
  c.s.cap = c.lay.sbuf_entries;
  c.ib.cap = c.lay.sbuf_entries;
  c.pr.cap = ISA_PREGS;
  c.width = cfg->width;
  c.imp = prunes(&c, WL_S_TOKEN_KEEP);
  c.himp = prunes(&c, WL_S_HEAD_KEEP);
  /* two chunks in flight per ring at least, so fetch overlaps compute */
  c.chunk = cfg->chunk_rows;
  if (c.chunk > c.k.cap / 2) c.chunk = c.k.cap / 2;
  if (c.chunk > c.v.cap / 2) c.chunk = c.v.cap / 2;
  if (c.chunk < 1) c.chunk = 1;
  if (!cfg->pruning && sched_active(w, cfg->width))
    return err_at(e, cfg_name, 0, 0, "features.pruning",
                  "the workload's SpAtten schedule needs pruning hardware "
                  "(got false, expected true, or run the workload with --dense)");
  if (trw_open(&c.em.tw, f, cfg_hash(cfg), w, e)) return e->status;
  if (w->kind == WL_BIFORMER)
    lower_bf(&c);
  else if (sched_active(w, cfg->width))
    lower_sp(&c);
  else if (w->phase == WL_DECODE)
    lower_decode(&c);
  else
    lower_prefill(&c);
  if (c.em.rc) return c.em.rc;
  return trw_close(&c.em.tw, e);
}

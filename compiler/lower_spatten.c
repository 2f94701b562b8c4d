/* lower_spatten.c - SpAtten's schedules (docs/spatten.md).
 * Tokens are addressed through TLIST (GATHER): slot i of the kept list,
 * whose count the compiler knows, is token TLIST[i], which only the
 * hardware knows. Heads are emitted for every head behind HEAD markers;
 * the dispatcher skips pruned ones. */
#include "lower.h"

#include <string.h>

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

/* The lowering's state besides the shared context. */
typedef struct sp {
  comp_t *c;
  bool imp, himp; /* the schedule prunes tokens / heads somewhere */
  int open_head;  /* head whose code the last HEAD marker opened */
  qstate_t pend;  /* a query whose back half is still to emit */
} sp_t;

/* K/V head of the query head (model.kv_heads; docs/gqa.md). Every
 * surviving query head fetches its K/V head's rows itself: a fetch is not
 * shared across a group (docs/spatten.md, "Grouped-query attention"). */
static int kv_head(const comp_t *c, const qplan_t *p) {
  return p->h / wl_group(c->w);
}

/* Gathered fetch of TLIST slots [j, j+n) of tensor t into ring rows. */
static int gather_rows(comp_t *c, const qplan_t *p, lay_tensor_t t, int j,
                       int n, int at, int pred) {
  uint8_t op = t == LAY_V ? OP_LDV : OP_LDK;
  emit(c, op, at, n, j, ISA_GATHER | pred, 0,
       lay_addr(&c->lay, t, p->cs, p->l, kv_head(c, p), 0));
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
           AV_ADDR(io, p->nk));
      return;
    }
    for (j = 0; j < kv; j += n) {
      int at;
      n = kv - j < c->chunk ? kv - j : c->chunk;
      at = ring_alloc(&c->v, n);
      emit(c, OP_LDV, at, n, 0, ISA_GATHER | ISA_VSEL, io + j,
           lay_addr(&c->lay, LAY_V, p->cs, p->l, kv_head(c, p), 0));
      emit(c, OP_AV, orow, at, n, (j > 0) | ISA_VSEL, so,
           AV_ADDR(io + j, p->nk));
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
static void open_head(sp_t *s, int h, bool resume) {
  if (s->open_head == h) return;
  emit(s->c, OP_HEAD, h, resume, 0, 0, 0, 0);
  s->open_head = h;
}

/* The query's row into QBUF[qr]: prefill through TLIST, decode by row. */
static void load_query(comp_t *c, const qplan_t *p, int qr) {
  if (p->qslot >= 0)
    emit(c, OP_LDQ, qr, 1, p->qslot, ISA_GATHER, 0,
         lay_addr(&c->lay, LAY_Q, p->cs, p->l, p->h, 0));
  else
    emit(c, OP_LDQ, qr, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, p->cs, p->l, p->h, p->qpos));
}

/* OBUF[orow] to the query's output row (HIMP: its head's importance). */
static void store_out(sp_t *s, const qplan_t *p, int orow) {
  comp_t *c = s->c;
  int himp = s->himp ? ISA_HIMP : 0;
  if (p->qslot >= 0)
    emit(c, OP_STO, orow, himp ? p->h : 0, p->qslot, ISA_GATHER | himp, 0,
         lay_addr(&c->lay, LAY_O, p->cs, p->l, p->h, 0));
  else
    emit(c, OP_STO, orow, himp ? p->h : 0, 0, himp, 0,
         lay_addr(&c->lay, LAY_O, p->cs, p->l, p->h, p->orow_pos));
}

/* ---- the tiled mapping (docs/spatten.md, "Tiled mapping") -------------
 * A query's keys in tiles of map.bc TLIST slots, met three times: pass 0
 * (QK, TSM max) finds the row's max m, pass 1 (QK, TSM sum) its exp sum S,
 * then TROW (the refetch test on prob(exp(0), S)); with a low-bit refetch,
 * passes 0 and 1 again on full keys, predicated; pass 2 (QK, TSM prob
 * with IMP, AV) the probabilities, each SMAX's, and the output. Keys are
 * fetched per tile and pass unless resident (head_sp); values per tile in
 * pass 2 unless resident. Local value pruning is refused (mapping.c). */

/* KBUF rows of tile [j, j+n) for a pass: resident rows, or fetched ones:
 * the MSBs (predicated by mpred, 0: always) and, when lpred is set (a
 * PRED flag with its register), the LSBs under it. */
static int tile_keys(comp_t *c, const qplan_t *p, int j, int n, int mpred,
                     int lpred) {
  int at;
  if (p->kb >= 0) return p->kb + j;
  at = gather_rows(c, p, LAY_K, j, n, ring_alloc(&c->k, n), mpred);
  if (lpred) gather_rows(c, p, LAY_KL, j, n, at, lpred);
  return at;
}

/* Pass `mode` (TSM's: 0 max, 1 sum) over every tile; refetch: the
 * predicated recomputation on full keys (pred its register). */
static void tiled_pass(sp_t *s, const qplan_t *p, const qstate_t *q, int mode,
                       bool refetch) {
  comp_t *c = s->c;
  int j, n, pred = refetch ? ISA_PRED | (q->pr << 4) : 0;
  /* resident keys: their LSBs once, before the first refetch pass */
  for (j = 0; refetch && mode == 0 && p->kb >= 0 && j < p->nk; j += n) {
    n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
    gather_rows(c, p, LAY_KL, j, n, p->kb + j, pred);
  }
  for (j = 0; j < p->nk; j += n) {
    int kr, so;
    n = p->nk - j < c->map.bc ? p->nk - j : c->map.bc;
    kr = tile_keys(c, p, j, n, pred, pred);
    so = ring_alloc(&c->s, n);
    emit(c, OP_QK, q->qr, kr, n, refetch ? ISA_FULL | pred : 0, so, 0);
    emit(c, OP_TSM, so, n, 0, (j ? 0 : ISA_FIRST) | pred, q->orow, mode);
  }
}

/* Pass 2: scores again (the MSBs' QK, overwritten by the full keys' when
 * the refetch ran), probabilities with importance, P x V per tile. */
static void tiled_out(sp_t *s, const qplan_t *p, const qstate_t *q) {
  comp_t *c = s->c;
  int j, n, pred = ISA_PRED | (q->pr << 4);
  for (j = 0; j < p->nk; j += n) {
    int kr, so, vr;
    n = p->nk - j < c->map.bc ? p->nk - j : c->map.bc;
    kr = tile_keys(c, p, j, n, 0, p->r.refetch ? pred : 0);
    so = ring_alloc(&c->s, n);
    emit(c, OP_QK, q->qr, kr, n, 0, so, 0);
    if (p->r.refetch) emit(c, OP_QK, q->qr, kr, n, ISA_FULL | pred, so, 0);
    emit(c, OP_TSM, so, n, j, s->imp ? ISA_IMP : 0, q->orow, 2);
    vr = p->vb >= 0 ? p->vb + j
                    : gather_rows(c, p, LAY_V, j, n, ring_alloc(&c->v, n), 0);
    emit(c, OP_AV, q->orow, vr, n, j ? ISA_ACC : 0, so, 0);
  }
}

/* One query under the tiled mapping, whole (no software pipelining: the
 * passes already keep the units busy with the next tile's work). */
static void query_tiled(sp_t *s, const qplan_t *p) {
  comp_t *c = s->c;
  qstate_t q;
  q.p = *p;
  q.qr = ring_alloc(&c->q, 1);
  q.orow = ring_alloc(&c->o, 1);
  q.pr = ring_alloc(&c->pr, 1);
  load_query(c, p, q.qr);
  tiled_pass(s, p, &q, 0, false);
  tiled_pass(s, p, &q, 1, false);
  emit(c, OP_TROW, q.orow, p->nk, 0,
       p->r.refetch ? ISA_CHECK | (q.pr << 4) : 0,
       p->r.refetch ? (int)p->r.thr16 : 0, 0);
  if (p->r.refetch) {
    tiled_pass(s, p, &q, 0, true);
    tiled_pass(s, p, &q, 1, true);
  }
  tiled_out(s, p, &q);
  store_out(s, p, q.orow);
}

static void query_front(sp_t *s, const qplan_t *p, qstate_t *q) {
  comp_t *c = s->c;
  int imp = s->imp ? ISA_IMP : 0;
  q->p = *p;
  q->qr = ring_alloc(&c->q, 1);
  q->so = ring_alloc(&c->s, p->nk);
  q->orow = ring_alloc(&c->o, 1);
  q->pr = ring_alloc(&c->pr, 1);
  load_query(c, p, q->qr);
  scores(c, p, q->qr, q->so, 0, 0);
  emit(c, OP_SMAX, q->so, p->nk, 0,
       imp | (p->r.refetch ? ISA_CHECK | (q->pr << 4) : 0),
       p->r.refetch ? (int)p->r.thr16 : 0, 0);
}

static void query_back(sp_t *s, const qstate_t *q) {
  comp_t *c = s->c;
  const qplan_t *p = &q->p;
  int pred = ISA_PRED | (q->pr << 4);
  if (p->r.refetch) {
    scores(c, p, q->qr, q->so, 1, pred);
    emit(c, OP_SMAX, q->so, p->nk, 0, (s->imp ? ISA_IMP : 0) | pred, 0, 0);
  }
  weigh(c, p, q->so, q->orow);
  store_out(s, p, q->orow);
}

/* The pending query's back half, under its own head. */
static void flush_query(sp_t *s) {
  if (!s->pend.valid) return;
  open_head(s, s->pend.p.h, true);
  query_back(s, &s->pend);
  s->pend.valid = false;
}

/* Where ring_alloc(r, n) would place n rows, without allocating. */
static int ring_next(const ring_t *r, int n) {
  return r->head + n > r->cap ? 0 : r->head;
}

static bool overlap(int a, int na, int b, int nb);

/* Would query p's front write rows the pending back half still reads: its
 * query row, score entries (softmax, refetch, value top-k and P x V read
 * them), output row or predicate register? With a score buffer that holds
 * a query's row but not two (configs/spatten-eighth.yaml at a 993-token
 * context) the ring puts every query's scores at entry 0. */
static bool front_clobbers(const sp_t *s, const qplan_t *p) {
  const comp_t *c = s->c;
  const qstate_t *q = &s->pend;
  return s->pend.valid &&
         (overlap(ring_next(&c->q, 1), 1, q->qr, 1) ||
          overlap(ring_next(&c->s, p->nk), p->nk, q->so, q->p.nk) ||
          overlap(ring_next(&c->o, 1), 1, q->orow, 1) ||
          overlap(ring_next(&c->pr, 1), 1, q->pr, 1));
}

/* One query under the schedule: its front now, its back after the next
 * query's front (or at the end of the layer). When the front would
 * overwrite what the back reads, the back is emitted first (no overlap
 * between the two queries). */
static void query_sp(sp_t *s, const qplan_t *p) {
  qstate_t cur;
  if (s->c->map.tiled) {
    query_tiled(s, p);
    return;
  }
  if (front_clobbers(s, p)) {
    flush_query(s);
    open_head(s, p->h, true);
  }
  query_front(s, p, &cur);
  flush_query(s);
  open_head(s, p->h, true);
  s->pend = cur;
  s->pend.valid = true;
}

/* Resident rows for the head's keys, and for its values when several
 * queries share them (prefill) or none is pruned, loaded once when they
 * fit twice over (so the next head can load). A decode query with value
 * pruning fetches only its kept values instead.
 * Invariant: the pending back half (the previous head's last query,
 * emitted after these loads: software pipelining) still reads that head's
 * resident values, and with a low-bit refetch its resident keys (the
 * refetch loads their LSBs into those rows and scores them), so no load
 * here may overwrite them. When the ring puts this head's values or keys
 * over them (an earlier layer left the ring's head mid-buffer, so the ring
 * wraps onto them), the pending back half is emitted first: a key MSB load
 * over rows a pending refetch reads would pair this head's high bits with
 * the other head's low bits. */
static bool overlap(int a, int na, int b, int nb) {
  return a >= 0 && b >= 0 && a < b + nb && b < a + na;
}

static void head_sp(sp_t *s, qplan_t *p, int nq, bool prefill) {
  comp_t *c = s->c;
  const qplan_t *pq = &s->pend.p;
  int j, n, kv = sched_keep(p->r.value_keep, p->nk);
  p->kb = p->vb = -1;
  if ((prefill || kv == p->nk) && 2 * p->nk <= c->v.cap)
    p->vb = c->v.head + p->nk > c->v.cap ? 0 : c->v.head;
  if (2 * p->nk <= c->k.cap)
    p->kb = c->k.head + p->nk > c->k.cap ? 0 : c->k.head;
  if (s->pend.valid &&
      (overlap(p->vb, p->nk, pq->vb, pq->nk) ||
       (pq->r.refetch && overlap(p->kb, p->nk, pq->kb, pq->nk)))) {
    /* Same layer, so the same plan: its keys are resident here (no K
     * ring rows), its values too or else pruned, and then so are this
     * head's (no V row this head has placed). */
    flush_query(s);
    open_head(s, p->h, true);
  }
  for (j = 0; p->kb >= 0 && j < p->nk; j += n) {
    n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
    c->k.head = p->kb + j;
    gather_rows(c, p, LAY_K, j, n, ring_alloc(&c->k, n), 0);
  }
  for (j = 0; p->vb >= 0 && j < p->nk; j += n) {
    n = p->nk - j < c->chunk ? p->nk - j : c->chunk;
    c->v.head = p->vb + j;
    gather_rows(c, p, LAY_V, j, n, ring_alloc(&c->v, n), 0);
  }
  for (int q = 0; q < nq; q++) {
    if (prefill) p->qslot = q;
    query_sp(s, p);
  }
}

/* One layer of a case (prefill) or step (decode) over ntok kept tokens
 * and nh kept heads; end-of-layer top-ks unless it is the last layer.
 * Returns the kept token count after it; *nh is updated. */
static int layer_sp(sp_t *s, int cs, int l, int n0, int ntok, int *nh,
                    bool decode, int t) {
  comp_t *c = s->c;
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
  s->open_head = -1;
  for (p.h = 0; p.h < c->w->heads; p.h++) {
    emit(c, OP_HEAD, p.h, 0, 0, 0, 0, 0);
    s->open_head = p.h;
    head_sp(s, &p, decode ? 1 : ntok, !decode);
  }
  flush_query(s);
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

/* Per case (prefill) or generated token (decode): a TINIT, then every
 * layer with its end-of-layer top-ks. Decode carries the cascade across
 * steps (docs/spatten.md): step u > 0 starts from the tokens not pruned
 * for good plus its new one (TINIT CARRY), and every step but the last
 * ends with the context top-k of its last layer's token_keep. */
void lower_spatten(comp_t *c) {
  bool decode = c->w->phase == WL_DECODE;
  int units = decode ? c->w->generate : c->w->ncases, carried = 0;
  sp_t s;
  sched_layer_t last;
  memset(&s, 0, sizeof s);
  s.c = c;
  s.imp = prunes(c, WL_S_TOKEN_KEEP);
  s.himp = prunes(c, WL_S_HEAD_KEEP);
  sched_layer(c->w, c->width, c->w->layers - 1, &last);
  for (int u = 0; u < units; u++) {
    int cs = decode ? 0 : u, n0 = decode ? wl_query_pos(c->w, 0, u) + 1
                                         : wl_ctx_tokens(c->w, u);
    bool carry = decode && u > 0;
    int ntok = carry ? carried + 1 : n0, nctx = ntok, nh = c->w->heads, k;
    emit(c, OP_TINIT, n0, c->w->heads, 0, carry ? TINIT_CARRY : 3, 0, 0);
    for (int l = 0; l < c->w->layers; l++)
      ntok = layer_sp(&s, cs, l, n0, ntok, &nh, decode, u);
    carried = nctx;
    k = sched_keep(last.token_keep, n0 + 1) - 1;
    if (decode && u < units - 1 && k < nctx) {
      emit(c, OP_TOPK, 0, nctx, k, TOPK_CONTEXT, 0, 0);
      carried = k;
    }
  }
}

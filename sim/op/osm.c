/* osm.c - OSM and ONRM on the softmax pipeline: the online softmax of the
 * tiled mapping (docs/tiling.md, arithmetic in common/fixed.h). OSM runs
 * two passes over a tile's scores (scale + max, then exp + sum) and
 * updates the row's MBUF entry (m, l, alpha); ONRM divides the row's
 * output accumulators by l on the normalisation pass's divider. */
#include "op.h"

/* Two passes over the tile; the state update (one rescale multiply and an
 * add) sits in the exp pass's pipeline, its depth the exp pass's. */
static void osm_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                     uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = tm_osm_cycles(t, in->b);
  *depth = (uint64_t)t->smax_exp;
}

/* SBUF[soff..+len): scores -> e_j against m' = max(m, max t); MBUF[orow]
 * (m, l, alpha) as common/fixed.h states. */
static void osm_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, m, sum = 0;
  int i, n = in->b, r = in->c;
  bool first = in->d & ISA_FIRST;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)n;
  st->c[ST_SBUF_READ_BYTES] += 8 * (uint64_t)n;
  st->c[ST_SBUF_WRITE_BYTES] += 4 * (uint64_t)n;
  if (!b->data) return;
  for (i = 0; i < n; i++) s[i] = fx_scale(b->fx, s[i]);
  m = first ? s[0] : b->om[r];
  for (i = 0; i < n; i++)
    if (s[i] > m) m = s[i];
  b->oalpha[r] = first ? 0 : fx_exp(b->fx, b->om[r] - m);
  for (i = 0; i < n; i++) {
    s[i] = fx_exp(b->fx, s[i] - m);
    sum += s[i];
  }
  b->ol[r] = (first ? 0 : fx_rescale(b->ol[r], b->oalpha[r])) + sum;
  b->om[r] = m;
}

/* SBUF[soff..+len) in place, MBUF[orow] read and written. */
static int osm_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_S, 1, in->a, in->b) ||
         op_use(x, sl, BUF_M, 1, in->c, 1) ? x->e->status : 0;
}

/* head_dim divisions through the normalisation pass's divider. */
static void onrm_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)in;
  *occ = (uint64_t)((b->dv + t->smax_units - 1) / t->smax_units);
  *depth = (uint64_t)t->smax_depth;
}

/* OBUF[orow] = fx_div_round(O, l) << P: STO's rsh by P then saturates it
 * to the width, which is o = sat_W(fx_div_round(O, l)). */
static void onrm_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *o = b->o + (size_t)in->a * (size_t)b->d, l = b->ol[in->a];
  uint64_t d = (uint64_t)b->dv; /* the output row's elements (the rest 0) */
  st->c[ST_OBUF_READ_BYTES] += 4 * d;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * d;
  if (!b->data) return;
  for (int j = 0; j < b->dv; j++)
    o[j] = fx_div_round(o[j], l > 0 ? l : 1) * ((int64_t)1 << b->fx->prob_bits);
}

static int onrm_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_O, 1, in->a, 1) ||
         op_use(x, sl, BUF_M, 0, in->a, 1) ? x->e->status : 0;
}

const op_sem_t op_osm = {
    .flags = ISA_FIRST,
    .reads = BUFM(BUF_M), .writes = BUFM(BUF_S) | BUFM(BUF_M),
    .decode = osm_decode, .cost = osm_cost, .exec = osm_exec,
    .busy_stat = ST_SOFTMAX_BUSY,
};

const op_sem_t op_onrm = {
    .reads = BUFM(BUF_O) | BUFM(BUF_M), .writes = BUFM(BUF_O),
    .decode = onrm_decode, .cost = onrm_cost, .exec = onrm_exec,
    .busy_stat = ST_SOFTMAX_BUSY,
};

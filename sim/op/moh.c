/* moh.c - Mixture-of-Head attention's operations (docs/moh.md): MRS puts
 * a token's router scores in SBUF (top-k engine), MGATE turns the routed
 * heads' scores into Q0.16 gates once TOPK has picked them (softmax
 * unit), MPRED sets a predicate register from one gate (top-k engine) and
 * MSCL scales an output row by its gate (P x V array, as ORSC). */
#include "mohroute.h"

#include "op.h"

static void one_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                     uint64_t *occ, uint64_t *depth) {
  (void)t, (void)b, (void)in;
  *occ = 1;
  *depth = 1;
}

/* MRS: the scores are an input of the router (docs/moh.md, simplified:
 * they arrive with the token); written at completion, where the workload's
 * seed and the decision context (case, layer) are at hand. */
static void mrs_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  (void)b;
  st->c[ST_SBUF_WRITE_BYTES] += 8 * (uint64_t)in->c;
}

static int mrs_complete(opctx_t *x, slot_t *sl, bool ran) {
  const insn_t *in = &sl->in;
  if (!ran || !x->b->data) return 0;
  moh_scores(mi_ten(x->mi), x->w, x->b->fx, sl->ctx.unit, sl->ctx.layer,
             (int)in->b, (int)in->e, (int)in->c, x->b->s + in->a);
  return 0;
}

static int mrs_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->e + in->c > x->w->heads)
    return op_bad(x, "MRS", "heads past model.heads (got %ld, expected <= %ld)",
                  in->e + in->c, x->w->heads);
  /* moh.router holds routed heads' scores, read only when routing */
  if (x->w->source == WL_NPY &&
      (x->w->kind != WL_MOH || !x->w->moh_topk || in->e < x->w->moh_shared))
    return op_bad(x, "MRS", "a head without a score in moh.router (got h0 "
                  "%ld, expected a routed head of a moh workload: >= "
                  "moh.shared = %ld, moh.topk > 0)", in->e,
                  (long)x->w->moh_shared);
  return op_use(x, sl, BUF_S, 1, in->a, in->c);
}

/* MGATE: over the k picked positions j of SBUF[soff..soff+n), m their
 * largest score, e_j = fx_exp(s_j - m), S = sum e_j, gate
 * g_j = max(1, floor((e_j 2^16 + S/2) / S)); every other entry 0. */
static void mgate_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                       uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = tm_smax_cycles(t, in->b);
  *depth = (uint64_t)t->smax_depth;
}

static void mgate_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, m = INT64_MIN, sum = 0, e[64];
  const uint32_t *sel = b->sp->ibuf + in->c;
  int k = (int)in->e, i;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)k;
  st->c[ST_SBUF_READ_BYTES] += 8 * (uint64_t)in->b;
  st->c[ST_SBUF_WRITE_BYTES] += 8 * (uint64_t)in->b;
  if (!b->data) return;
  for (i = 0; i < k; i++)
    if (s[sel[i]] > m) m = s[sel[i]];
  for (i = 0; i < k; i++) sum += e[i] = fx_exp(b->fx, s[sel[i]] - m);
  for (i = 0; i < k; i++) e[i] = ((e[i] << 16) + sum / 2) / sum;
  for (i = 0; i < in->b; i++) s[i] = 0;
  for (i = 0; i < k; i++) s[sel[i]] = e[i] > 1 ? e[i] : 1;
}

static int mgate_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->e < 1 || in->e > in->b || in->b > 64)
    return op_bad(x, "MGATE", "k outside 1..n (got %ld, expected <= %ld, n "
                  "at most 64)", in->e, in->b < 64 ? in->b : 64);
  return op_use(x, sl, BUF_S, 1, in->a, in->b) ||
         op_use(x, sl, BUF_I, 0, in->c, in->e) ? x->e->status : 0;
}

/* MPRED: the pair runs when its gate is not 0. */
static void mpred_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  st->c[ST_SBUF_READ_BYTES] += 8;
  if (b->data) b->sp->preg[in->a] = b->s[in->e] != 0;
}

static int mpred_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->a >= ISA_PREGS)
    return op_bad(x, "MPRED", "predicate register out of range (got %ld, "
                  "expected < %ld)", in->a, ISA_PREGS);
  return op_use(x, sl, BUF_P, 1, in->a, 1) ||
         op_use(x, sl, BUF_S, 0, in->e, 1) ? x->e->status : 0;
}

/* MSCL: one pass of the accumulator row through the array, times g. */
static void mscl_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)b, (void)in;
  *occ = tm_av_cycles(t, 1);
  *depth = (uint64_t)t->av_depth;
}

static void mscl_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *o = b->o + (size_t)in->a * (size_t)b->d;
  uint64_t d = (uint64_t)b->dv;
  st->c[ST_AV_MACS] += d;
  st->c[ST_OBUF_READ_BYTES] += 4 * d;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * d;
  st->c[ST_SBUF_READ_BYTES] += 8;
  if (!b->data) return;
  for (int j = 0; j < b->dv; j++) o[j] = fx_rescale(o[j], (int32_t)b->s[in->e]);
}

static int mscl_decode(opctx_t *x, slot_t *sl) {
  return op_use(x, sl, BUF_O, 1, sl->in.a, 1) ||
         op_use(x, sl, BUF_S, 0, sl->in.e, 1) || op_pred_use(x, sl)
             ? x->e->status : 0;
}

const op_sem_t op_mrs = {
    .writes = BUFM(BUF_S),
    .decode = mrs_decode, .complete = mrs_complete,
    .cost = one_cost, .exec = mrs_exec,
};

const op_sem_t op_mgate = {
    .reads = BUFM(BUF_I), .writes = BUFM(BUF_S),
    .decode = mgate_decode, .cost = mgate_cost, .exec = mgate_exec,
    .busy_stat = ST_SOFTMAX_BUSY,
};

const op_sem_t op_mpred = {
    .reads = BUFM(BUF_S), .writes = BUFM(BUF_P),
    .decode = mpred_decode, .cost = one_cost, .exec = mpred_exec,
};

const op_sem_t op_mscl = {
    .flags = ISA_PRED | ISA_PREG_FIELD,
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_O) | BUFM(BUF_S) | BUFM(BUF_P), .writes = BUFM(BUF_O),
    .decode = mscl_decode, .cost = mscl_cost, .exec = mscl_exec,
};

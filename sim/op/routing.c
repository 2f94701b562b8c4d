/* routing.c - the Routing Transformer's operations (docs/routing.md):
 * RASN (a token's nearest centroid, top-1 on the top-k engine) and RLST
 * (a query's cluster keys into TLIST, their count into IBUF) on the top-k
 * engine, and RLDK, RLDV, RQK, RSMX, RAV: LDK, LDV (GATHER), QK, SMAX and
 * AV whose row count is the count RLST left in IBUF[cnt], at most the
 * instruction's own (the rows the compiler reserved). Each counted
 * operation runs the existing semantics on a copy of itself with the
 * count in place, so its cost, data and counters are exactly theirs. */
#include "op.h"

extern const op_sem_t op_ldk, op_ldv;

/* The count RLST left in IBUF[at], clipped to [1, max]. */
static int rt_count(const bufs_t *b, uint64_t at, long max) {
  long m = b->data ? (long)b->sp->ibuf[at] : max;
  return (int)(m < 1 ? 1 : m > max ? max : m);
}

/* ---- RASN: top-1 of a token's centroid scores ------------------------- */

static void rasn_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)t, (void)in;
  *occ = b->sp->last.cycles;
  *depth = 1;
}

/* IBUF[ioff] = argmax_i SBUF[soff + i stride] (ties: the lowest i, the
 * top-k engine's rule); one DEC_CLUSTER record. */
static void rasn_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  spat_t *sp = b->sp;
  int n = in->b;
  if (!b->data) {
    topk_estimate(n, 1, sp->topk_p, &sp->last);
  } else {
    for (int i = 0; i < n; i++) sp->score[i] = b->s[in->e + (uint64_t)i * in->addr];
    topk_run(sp->score, n, 1, sp->topk_p, sp->keep, sp->scratch, &sp->last);
    sp->ibuf[in->a] = sp->keep[0];
    dec_t d = {DEC_CLUSTER, sp->ctx.unit, sp->ctx.layer, sp->ctx.head,
               (int)in->c, n, 1, dec_hash(sp->keep, 1), sp->ctx.seq};
    if (sp->log) dec_add(sp->log, &d);
  }
  st->c[ST_TOPK_RUNS]++;
  st->c[ST_TOPK_CYCLES] += sp->last.cycles;
  st->c[ST_TOPK_ROUNDS] += sp->last.rounds;
  st->c[ST_TOPK_COMPARISONS] += sp->last.comparisons;
}

static int rasn_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->addr < 1 || in->addr > (uint64_t)x->b->cap[BUF_S])
    return op_bad(x, "RASN", "stride outside the score buffer (got %ld, "
                  "expected 1 to %ld)", (long)in->addr, x->b->cap[BUF_S]);
  if (in->b < 1)
    return op_bad(x, "RASN", "no centroid (got n = %ld, expected >= %ld)", in->b, 1);
  return op_use(x, sl, BUF_S, 0, in->e, (long)(in->b - 1) * (long)in->addr + 1) ||
         op_use(x, sl, BUF_I, 1, in->a, 1) ? x->e->status : 0;
}

/* ---- RLST: the query's cluster keys ------------------------------------ */

/* One pass of the engine's P comparators over the n assignments, and a
 * cycle to write the count: ceil(n / P) + 1. */
static uint64_t rlst_cycles(const bufs_t *b, const insn_t *in) {
  uint64_t P = (uint64_t)b->sp->topk_p;
  return ((uint64_t)in->b + P - 1) / P + 1;
}

static void rlst_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)t;
  *occ = rlst_cycles(b, in);
  *depth = 1;
}

/* The candidates of the query's cluster into TLIST, ascending; the
 * engine's cycles and comparisons counted as a TOPK's are. */
static void rlst_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  spat_t *sp = b->sp;
  uint32_t m = 0, cl;
  st->c[ST_TOPK_CYCLES] += rlst_cycles(b, in);
  st->c[ST_TOPK_COMPARISONS] += (uint64_t)in->b;
  if (!b->data) return;
  cl = sp->ibuf[in->e];
  for (long j = 0; j < in->b; j++)
    if (sp->ibuf[in->c + j] == cl) sp->tlist[in->a + m++] = (uint32_t)j;
  if (!m) sp->tlist[in->a + m++] = (uint32_t)in->addr; /* the fallback */
  sp->ibuf[in->e + 1] = m;
}

static int rlst_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if ((long)in->addr >= in->b)
    return op_bad(x, "RLST", "self not a candidate (got %ld, expected < %ld)",
                  (long)in->addr, in->b);
  return op_use(x, sl, BUF_TL, 1, in->a, in->b) ||
         op_use(x, sl, BUF_I, 0, in->c, in->b) ||
         op_use(x, sl, BUF_I, 0, in->e, 1) ||
         op_use(x, sl, BUF_I, 1, in->e + 1, 1) ? x->e->status : 0;
}

/* ---- RLDK, RLDV: gathered loads of the counted rows -------------------- */

/* The load's own decode over the reserved rows, then the count entry. */
static int rld_decode(opctx_t *x, slot_t *sl, const op_sem_t *ld) {
  int rc = ld->decode(x, sl);
  return rc ? rc : op_use(x, sl, BUF_I, 0, sl->in.e, 1);
}
static int rldk_decode(opctx_t *x, slot_t *sl) { return rld_decode(x, sl, &op_ldk); }
static int rldv_decode(opctx_t *x, slot_t *sl) { return rld_decode(x, sl, &op_ldv); }

/* At its start the count is known (RLST wrote it before: the scoreboard
 * orders them): the transfer shrinks to the counted rows. */
static int rld_start(opctx_t *x, slot_t *sl) {
  sl->in.b = rt_count(x->b, sl->in.e, sl->in.b);
  sl->nrows = (int)sl->in.b;
  return op_rows_in_block(x, sl);
}
static int rldk_complete(opctx_t *x, slot_t *sl, bool ran) { return op_ldk.complete(x, sl, ran); }
static int rldv_complete(opctx_t *x, slot_t *sl, bool ran) { return op_ldv.complete(x, sl, ran); }

/* ---- RQK, RSMX, RAV: the compute steps over the counted rows ----------- */

static insn_t rt_counted(const bufs_t *b, const insn_t *in, int field) {
  insn_t p = *in;
  if (field == 'b') p.b = rt_count(b, in->addr, in->b);
  else p.c = rt_count(b, in->addr, in->c);
  p.addr = 0;
  return p;
}

static void rqk_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                     uint64_t *occ, uint64_t *depth) {
  insn_t p = rt_counted(b, in, 'c');
  qk_cost(t, b, &p, occ, depth);
}
static void rqk_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  insn_t p = rt_counted(b, in, 'c');
  qk_exec(b, &p, st);
}
static int rqk_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_Q, 0, in->a, 1) || op_use(x, sl, BUF_K, 0, in->b, in->c) ||
         op_use(x, sl, BUF_S, 1, in->e, in->c) ||
         op_use(x, sl, BUF_I, 0, (long)in->addr, 1) ? x->e->status : 0;
}

static void rsmx_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  insn_t p = rt_counted(b, in, 'b');
  smax_cost(t, b, &p, occ, depth);
}
static void rsmx_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  insn_t p = rt_counted(b, in, 'b');
  smax_exec(b, &p, st);
}
static int rsmx_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_S, 1, in->a, in->b) ||
         op_use(x, sl, BUF_I, 0, (long)in->addr, 1) ? x->e->status : 0;
}

static void rav_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                     uint64_t *occ, uint64_t *depth) {
  insn_t p = rt_counted(b, in, 'c');
  av_cost(t, b, &p, occ, depth);
}
static void rav_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  insn_t p = rt_counted(b, in, 'c');
  av_exec(b, &p, st);
}
static int rav_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_O, 1, in->a, 1) || op_use(x, sl, BUF_V, 0, in->b, in->c) ||
         op_use(x, sl, BUF_S, 0, in->e, in->c) ||
         op_use(x, sl, BUF_I, 0, (long)in->addr, 1) ? x->e->status : 0;
}

const op_sem_t op_rasn = {
    .reads = BUFM(BUF_S), .writes = BUFM(BUF_I),
    .decode = rasn_decode, .cost = rasn_cost, .exec = rasn_exec,
};

const op_sem_t op_rlst = {
    .reads = BUFM(BUF_I), .writes = BUFM(BUF_TL) | BUFM(BUF_I),
    .decode = rlst_decode, .cost = rlst_cost, .exec = rlst_exec,
};

const op_sem_t op_rldk = {
    .flags = ISA_GATHER,
    .reads = BUFM(BUF_TL) | BUFM(BUF_I), .writes = BUFM(BUF_K) | BUFM(BUF_KL),
    .dram_fill = true,
    .decode = rldk_decode, .start = rld_start, .complete = rldk_complete,
};

const op_sem_t op_rldv = {
    .flags = ISA_GATHER,
    .reads = BUFM(BUF_TL) | BUFM(BUF_I), .writes = BUFM(BUF_V),
    .dram_fill = true,
    .decode = rldv_decode, .start = rld_start, .complete = rldv_complete,
};

const op_sem_t op_rqk = {
    .reads = BUFM(BUF_Q) | BUFM(BUF_K) | BUFM(BUF_I), .writes = BUFM(BUF_S),
    .decode = rqk_decode, .cost = rqk_cost, .exec = rqk_exec,
};

const op_sem_t op_rsmx = {
    .reads = BUFM(BUF_S) | BUFM(BUF_I), .writes = BUFM(BUF_S),
    .decode = rsmx_decode, .cost = rsmx_cost, .exec = rsmx_exec,
    .busy_stat = ST_SOFTMAX_BUSY,
};

const op_sem_t op_rav = {
    .reads = BUFM(BUF_V) | BUFM(BUF_S) | BUFM(BUF_I), .writes = BUFM(BUF_O),
    .decode = rav_decode, .cost = rav_cost, .exec = rav_exec,
};

/* gate.c - gated attention's operations (docs/gated.md): GATE on the
 * softmax pipeline (the sigmoid of a gate row, from the exp table, and
 * the open/closed test that predicates the row's attention), GMUL on the
 * P x V array (the output row scaled by its gates before the store). The
 * arithmetic is common/fixed.h's fx_sigmoid and fx_rescale, which the
 * golden model (golden/gated.c) calls too. */
#include "op.h"

/* A sigmoid is two of the softmax's three passes over its n elements:
 * the exp pass (no max to find: the argument is -|x|) and the divide pass
 * (1 / (1 + e) or e / (1 + e)); the exp pipeline's fill (smax_fixed less
 * the max stage) once, the divider's depth as SMAX's. */
static void gate_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = 2 * (uint64_t)((in->b + t->smax_units - 1) / t->smax_units) +
         (uint64_t)(t->smax_fixed - t->smax_max);
  *depth = (uint64_t)t->smax_depth;
}

/* The decision: the row at the executing context opened (1) or not. */
static void gate_log(const spat_t *sp, int n, int open) {
  dec_t d = {DEC_GATE, sp->ctx.unit, sp->ctx.layer, sp->ctx.head,
             sp->ctx.query, n, open, 0, sp->ctx.seq};
  if (sp->log) dec_add(sp->log, &d);
}

/* SBUF[soff+j] = fx_sigmoid(QBUF[qrow][j]), j < n; CHECK: the predicate
 * is max_j g_j >= thr16, and a closed row's gates are zeroed (its GMUL
 * then writes a zero row whatever OBUF held). Timing only: open. */
static void gate_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, gmax = 0;
  const int16_t *g = b->q + (size_t)in->c * (size_t)b->d;
  int n = in->b, open = 1;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)n;
  st->c[ST_QBUF_READ_BYTES] += (uint64_t)b->row_bytes;
  st->c[ST_SBUF_WRITE_BYTES] += 4 * (uint64_t)n;
  if (b->data) {
    for (int j = 0; j < n; j++) {
      s[j] = fx_sigmoid(b->fx, g[j]);
      if (s[j] > gmax) gmax = s[j];
    }
    open = gmax >= in->e;
  }
  if (!(in->d & ISA_CHECK)) return;
  b->sp->preg[ISA_PREG(in->d)] = (uint8_t)open;
  for (int j = 0; b->data && !open && j < n; j++) s[j] = 0;
  gate_log(b->sp, n, open);
}

/* A checked GATE opens the next query of its head in the decision
 * context (the row's SMAX is predicated, so it does not). */
static void gate_context(opctx_t *x, slot_t *sl) {
  if (!(sl->in.d & ISA_CHECK)) return;
  x->ctx->query = x->ctx->head >= 0 ? x->qcount[x->ctx->head]++ : -1;
  sl->ctx.query = x->ctx->query;
}

/* QBUF[qrow], SBUF[soff..+n) written, the predicate with CHECK. */
static int gate_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->b > x->b->d)
    return op_bad(x, "GATE", "more gates than a row holds (got %ld, expected "
                  "<= %ld)", in->b, x->b->d);
  if (op_use(x, sl, BUF_Q, 0, in->c, 1) || op_use(x, sl, BUF_S, 1, in->a, in->b))
    return x->e->status;
  return (in->d & ISA_CHECK) ? op_use(x, sl, BUF_P, 1, ISA_PREG(in->d), 1) : 0;
}

const op_sem_t op_gate = {
    .flags = ISA_CHECK | ISA_PREG_FIELD,
    .preg_with = ISA_CHECK,
    .reads = BUFM(BUF_Q),
    .writes = BUFM(BUF_S) | BUFM(BUF_P),
    .decode = gate_decode, .context = gate_context,
    .cost = gate_cost, .exec = gate_exec, .busy_stat = ST_SOFTMAX_BUSY,
};

/* One pass of the accumulator row through the array (as ORSC). */
static void gmul_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)b, (void)in;
  *occ = tm_av_cycles(t, 1);
  *depth = (uint64_t)t->av_depth;
}

/* OBUF[orow][j] = fx_rescale(OBUF[orow][j], g_j), g_j = SBUF[soff + j]
 * (n = 1: SBUF[soff] for every j). */
static void gmul_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *o = b->o + (size_t)in->a * (size_t)b->d;
  const int64_t *g = b->s + in->b;
  uint64_t d = (uint64_t)b->dv;
  st->c[ST_AV_MACS] += d;
  st->c[ST_SBUF_READ_BYTES] += 4 * (uint64_t)in->c;
  st->c[ST_OBUF_READ_BYTES] += 4 * d;
  st->c[ST_OBUF_WRITE_BYTES] += 4 * d;
  if (!b->data) return;
  for (int j = 0; j < b->dv; j++)
    o[j] = fx_rescale(o[j], (int32_t)g[in->c == 1 ? 0 : j]);
}

/* OBUF[orow] rewritten, SBUF[soff..+n) read; n is 1 or a row. */
static int gmul_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->c != 1 && in->c != x->b->dv)
    return op_bad(x, "GMUL", "gates neither one nor a row (got %ld, expected "
                  "1 or %ld)", in->c, x->b->dv);
  return op_use(x, sl, BUF_O, 1, in->a, 1) ||
         op_use(x, sl, BUF_S, 0, in->b, in->c) ? x->e->status : 0;
}

const op_sem_t op_gmul = {
    .reads = BUFM(BUF_S) | BUFM(BUF_O), .writes = BUFM(BUF_O),
    .decode = gmul_decode, .cost = gmul_cost, .exec = gmul_exec,
};

/* tsm.c - TSM and TROW on the softmax pipeline: the softmax of SpAtten's
 * tiled mapping (docs/spatten.md, "Tiled mapping"), three passes over a
 * row's score tiles whose probabilities equal SMAX's bit for bit.
 * MBUF[orow] holds the row's max m (om) and exp sum S (ol):
 *   mode 0 (max):  m = max(m, max_j fx_scale(s_j))          (FIRST: no m yet)
 *   mode 1 (sum):  S += sum_j fx_exp(fx_scale(s_j) - m)     (FIRST: S = 0)
 *   mode 2 (prob): s_j = fx_prob(fx_exp(fx_scale(s_j) - m), S), in place;
 *                  IMP: TIMP[TLIST[list+j]] += p_j
 * m is the row's max once pass 0 has met every tile, so each exp term,
 * the exact integer S and each probability are SMAX's. TROW opens the
 * row's query in the decision context and, with CHECK, sets the refetch
 * predicate from the row's largest probability, fx_prob(fx_exp(0), S)
 * (the max score's term is fx_exp(0) = 2^16, the largest any term can be,
 * and fx_prob grows with its term: SMAX CHECK's max over the row). */
#include "op.h"

enum { TSM_MAX = 0, TSM_SUM = 1, TSM_PROB = 2 };

static uint64_t cdiv_u(int n, int d) { return (uint64_t)((n + d - 1) / d); }

/* One pass over the tile: max (scale + compare), sum (scale + exp + add)
 * or prob (scale + exp + divide); the depth is that pass's. */
static void tsm_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                     uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = cdiv_u(in->b, t->smax_units);
  *depth = (uint64_t)(in->addr == TSM_MAX   ? t->smax_max
                      : in->addr == TSM_SUM ? t->smax_exp
                                            : t->smax_exp + t->smax_depth);
}

static void tsm_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, m, sum = 0;
  int i, n = in->b, r = in->e;
  bool first = in->d & ISA_FIRST;
  spat_t *sp = b->sp;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)n;
  st->c[ST_SBUF_READ_BYTES] += 4 * (uint64_t)n;
  if (in->addr == TSM_PROB) {
    st->c[ST_SBUF_WRITE_BYTES] += 4 * (uint64_t)n;
    if (in->d & ISA_IMP) st->c[ST_IMP_UPDATES] += (uint64_t)n;
  }
  if (!b->data) return;
  if (in->addr == TSM_MAX) {
    m = first ? fx_scale(b->fx, s[0]) : b->om[r];
    for (i = 0; i < n; i++)
      if (fx_scale(b->fx, s[i]) > m) m = fx_scale(b->fx, s[i]);
    b->om[r] = m;
    return;
  }
  m = b->om[r];
  if (in->addr == TSM_SUM) {
    for (i = 0; i < n; i++) sum += fx_exp(b->fx, fx_scale(b->fx, s[i]) - m);
    b->ol[r] = (first ? 0 : b->ol[r]) + sum;
    return;
  }
  for (i = 0; i < n; i++)
    s[i] = fx_prob(b->fx, fx_exp(b->fx, fx_scale(b->fx, s[i]) - m), b->ol[r]);
  if (in->d & ISA_IMP)
    for (i = 0; i < n; i++) sp->timp[sp->tlist[in->c + i]] += s[i];
}

/* SBUF[soff..+len) (written by prob), MBUF[orow] (written by max and
 * sum), TLIST and TIMP with IMP. */
static int tsm_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->addr > TSM_PROB)
    return op_bad(x, "TSM", "unknown mode (got %ld, expected at most %ld)",
                  (long)in->addr, TSM_PROB);
  if ((in->d & ISA_IMP) && in->addr != TSM_PROB)
    return op_bad(x, "TSM", "IMP outside the prob pass (got mode %ld, "
                  "expected %ld)", (long)in->addr, TSM_PROB);
  if (op_use(x, sl, BUF_S, in->addr == TSM_PROB, in->a, in->b) ||
      op_use(x, sl, BUF_M, in->addr != TSM_PROB, in->e, 1) ||
      op_pred_use(x, sl) ||
      ((in->d & ISA_IMP) && (op_use(x, sl, BUF_TL, 0, in->c, in->b) ||
                             op_use(x, sl, BUF_TI, ACC_ADD, 0, 1))))
    return x->e->status;
  return 0;
}

/* The row's end of pass 1: one division (the largest probability). */
static void trow_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)b, (void)in;
  *occ = 1;
  *depth = (uint64_t)t->smax_depth;
}

static void trow_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  spat_t *sp = b->sp;
  int64_t pmax;
  bool r;
  if (!(in->d & ISA_CHECK)) return;
  if (!b->data) return; /* SpAtten needs data (mech needs_data) */
  pmax = fx_prob(b->fx, fx_exp(b->fx, 0), b->ol[in->a]);
  r = sched_refetch(&sp->rule, (uint32_t)pmax, b->fx->prob_bits);
  sp->preg[ISA_PREG(in->d)] = r;
  st->c[ST_REFETCH_CHECKS]++;
  st->c[ST_REFETCHES] += r;
  if (sp->log) {
    dec_t d = {DEC_REFETCH, sp->ctx.unit, sp->ctx.layer, sp->ctx.head,
               sp->ctx.query, in->b, r, 0, sp->ctx.seq};
    dec_add(sp->log, &d);
  }
}

/* A query's row opens here in the decision context (SMAX's role in the
 * row mapping); its length is the row's keys. */
static void trow_context(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  x->ctx->query = x->ctx->head >= 0 ? x->qcount[x->ctx->head]++ : -1;
  sl->ctx.query = x->ctx->query;
  if (x->layer_rec >= 0 && in->b > x->st->layers[x->layer_rec].tokens)
    x->st->layers[x->layer_rec].tokens = in->b;
}

static int trow_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->b < 1) return op_bad(x, "TROW", "empty row (got %ld keys, expected >= %ld)",
                               (long)in->b, 1);
  if (op_use(x, sl, BUF_M, 0, in->a, 1)) return x->e->status;
  return (in->d & ISA_CHECK) ? op_use(x, sl, BUF_P, 1, ISA_PREG(in->d), 1) : 0;
}

const op_sem_t op_tsm = {
    .flags = ISA_FIRST | ISA_IMP | ISA_PRED | ISA_PREG_FIELD,
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_S) | BUFM(BUF_M) | BUFM(BUF_TL) | BUFM(BUF_P),
    .writes = BUFM(BUF_S) | BUFM(BUF_M) | BUFM(BUF_TI),
    .decode = tsm_decode, .cost = tsm_cost, .exec = tsm_exec,
    .busy_stat = ST_SOFTMAX_BUSY,
};

const op_sem_t op_trow = {
    .flags = ISA_CHECK | ISA_PREG_FIELD,
    .preg_with = ISA_CHECK,
    .reads = BUFM(BUF_M), .writes = BUFM(BUF_P),
    .decode = trow_decode, .context = trow_context, .cost = trow_cost,
    .exec = trow_exec, .busy_stat = ST_SOFTMAX_BUSY,
};

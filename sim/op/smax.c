/* smax.c - SMAX on the softmax pipeline: scale and max pass, exp and sum pass,
 * normalisation pass, in the datapath's fixed point (common/fixed.h).
 * With CHECK it also compares the largest probability with the layer's
 * threshold and sets the refetch predicate; with IMP the normalisation
 * pass also adds each probability to its token's importance (one adder
 * and a TIMP port per lane: no extra cycles). */
#include "op.h"

void smax_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
               uint64_t *occ, uint64_t *depth) {
  (void)b;
  *occ = tm_smax_cycles(t, in->b);
  *depth = (uint64_t)t->smax_depth;
}

static void log_dec(const spat_t *sp, int kind, int n, int kept,
                    uint64_t hash) {
  dec_t d = {kind, sp->ctx.unit, sp->ctx.layer, sp->ctx.head, sp->ctx.query,
             n, kept, hash, sp->ctx.seq};
  if (sp->log) dec_add(sp->log, &d);
}

/* The refetch test on the probabilities SBUF[soff..soff+n). */
static void check(const bufs_t *b, const insn_t *in, const int64_t *p, int n,
                  stats_t *st) {
  spat_t *sp = b->sp;
  int64_t pmax = 0;
  bool r;
  for (int i = 0; i < n; i++)
    if (p[i] > pmax) pmax = p[i];
  r = sched_refetch(&sp->rule, (uint32_t)pmax, b->fx->prob_bits);
  sp->preg[ISA_PREG(in->d)] = r;
  st->c[ST_REFETCH_CHECKS]++;
  st->c[ST_REFETCHES] += r;
  log_dec(sp, DEC_REFETCH, n, r, 0);
}

/* TIMP[TLIST[list+i]] += p_i, unless a refetch will recompute p (CHECK
 * with the predicate set: the recomputing SMAX accumulates instead). */
static void imp(const bufs_t *b, const insn_t *in, const int64_t *p,
                stats_t *st) {
  spat_t *sp = b->sp;
  if ((in->d & ISA_CHECK) && sp->preg[ISA_PREG(in->d)]) return;
  st->c[ST_IMP_UPDATES] += in->b;
  if (!b->data) return;
  for (int i = 0; i < in->b; i++) sp->timp[sp->tlist[in->c + i]] += p[i];
}

/* In place over SBUF[soff..soff+len): scores -> probabilities. */
void smax_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  int64_t *s = b->s + in->a, m, sum = 0;
  int i, n = in->b;
  st->c[ST_SOFTMAX_ELEMS] += (uint64_t)n;
  st->c[ST_SBUF_READ_BYTES] += 12 * (uint64_t)n;
  st->c[ST_SBUF_WRITE_BYTES] += 8 * (uint64_t)n;
  if (!b->data) {
    if (in->d & ISA_IMP) imp(b, in, s, st);
    return;
  }
  for (i = 0; i < n; i++) s[i] = fx_scale(b->fx, s[i]);
  m = s[0];
  for (i = 1; i < n; i++)
    if (s[i] > m) m = s[i];
  for (i = 0; i < n; i++) {
    s[i] = fx_exp(b->fx, s[i] - m);
    sum += s[i];
  }
  for (i = 0; i < n; i++) s[i] = fx_prob(b->fx, s[i], sum);
  if (in->d & ISA_CHECK && !(in->d & ISA_PRED)) check(b, in, s, n, st);
  if (in->d & ISA_IMP) imp(b, in, s, st);
}

/* A query's first softmax (not the predicated recomputation) opens the
 * query in the decision context, and its length is the layer's tokens. */
static void smax_context(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->d & ISA_PRED) return;
  x->ctx->query = x->ctx->head >= 0 ? x->qcount[x->ctx->head]++ : -1;
  sl->ctx.query = x->ctx->query;
  if (in->a < x->b->cap[BUF_S]) x->qof[in->a] = x->ctx->query;
  if (x->layer_rec >= 0 && in->b > x->st->layers[x->layer_rec].tokens)
    x->st->layers[x->layer_rec].tokens = in->b;
}

/* SBUF[soff..+len) in place; IMP reads TLIST and adds to TIMP (commuting
 * accumulations); CHECK writes its predicate register. */
static int smax_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (op_use(x, sl, BUF_S, 1, in->a, in->b) || op_pred_use(x, sl) ||
      ((in->d & ISA_IMP) && (op_use(x, sl, BUF_TL, 0, in->c, in->b) ||
                             op_use(x, sl, BUF_TI, ACC_ADD, 0, 1))))
    return x->e->status;
  return (in->d & ISA_CHECK) ? op_use(x, sl, BUF_P, 1, ISA_PREG(in->d), 1) : 0;
}

const op_sem_t op_smax = {
    .flags = ISA_CHECK | ISA_IMP | ISA_PRED | ISA_PREG_FIELD,
    .one_of = ISA_CHECK | ISA_PRED,
    .preg_with = ISA_CHECK | ISA_PRED,
    .reads = BUFM(BUF_TL) | BUFM(BUF_P),
    .writes = BUFM(BUF_S) | BUFM(BUF_TI) | BUFM(BUF_P),
    .decode = smax_decode, .context = smax_context,
    .cost = smax_cost, .exec = smax_exec, .busy_stat = ST_SOFTMAX_BUSY,
};

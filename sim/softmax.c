/* softmax.c - the softmax pipeline: scale and max pass, exp and sum pass,
 * normalisation pass, in the datapath's fixed point (common/fixed.h).
 * With CHECK it also compares the largest probability with the layer's
 * threshold and sets the refetch predicate; with IMP the normalisation
 * pass also adds each probability to its token's importance (one adder
 * and a TIMP port per lane: no extra cycles). */
#include "pipe.h"

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
void smax_exec(const bufs_t *b, const insn_t *in, stats_t *st) {
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

/* topk.c - TOPK and TINIT on the top-k engine, a pipelined block: TOPK
 * selects kept tokens, heads, value rows or regions with the quick-select
 * model of sim/topk.c (its cycles are this instruction's occupancy); TINIT
 * resets the lists. */
#include <string.h>

#include "op.h"

static void topk_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                      uint64_t *occ, uint64_t *depth) {
  (void)t, (void)in;
  *occ = b->sp->last.cycles;
  *depth = 1;
}

static void tinit_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
                       uint64_t *occ, uint64_t *depth) {
  (void)t, (void)b, (void)in;
  *occ = 1;
  *depth = 1;
}

static void log_dec(const spat_t *sp, int kind, int head, int query, int n,
                    int kept, const uint32_t *idx) {
  dec_t d = {kind, sp->ctx.unit, sp->ctx.layer, head, query,
             n, kept, dec_hash(idx, (size_t)kept), sp->ctx.seq};
  if (sp->log) dec_add(sp->log, &d);
}

/* Keep list[0..n) entries by score[list[i]]: the list shrinks to the kept
 * entries in order. Returns how many are kept. */
static int select_list(spat_t *sp, uint32_t *list, int n, int k,
                       const int64_t *score) {
  int kept;
  for (int i = 0; i < n; i++) sp->score[i] = score[list[i]];
  kept = topk_run(sp->score, n, k, sp->topk_p, sp->keep, sp->scratch,
                  &sp->last);
  for (int i = 0; i < kept; i++) list[i] = list[sp->keep[i]];
  return kept;
}

/* The context top-k (decode, after a step's last layer): the n tokens not
 * pruned for good (TIMP != TIMP_PRUNED, the lowest positions: later ones
 * were never seen) are ranked by TIMP; the n - k losers are marked pruned
 * for good, so the next step's TINIT CARRY leaves them out. TLIST (free
 * after the last layer) holds the candidates, then the k kept. */
static int prune_context(spat_t *sp, int n, int k) {
  int m = 0, kept, i, j = 0;
  uint32_t last;
  for (i = 0; m < n && i < sp->ntimp; i++)
    if (sp->timp[i] != TIMP_PRUNED) sp->tlist[m++] = (uint32_t)i;
  if (m == 0) return 0;
  last = sp->tlist[m - 1];
  kept = select_list(sp, sp->tlist, m, k, sp->timp);
  for (uint32_t t = 0; t <= last; t++) { /* merge with the kept, ascending */
    if (sp->timp[t] == TIMP_PRUNED) continue;
    if (j < kept && sp->tlist[j] == t) j++;
    else sp->timp[t] = TIMP_PRUNED;
  }
  sp->ntl = kept;
  return kept;
}

static void topk_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  spat_t *sp = b->sp;
  int n = in->b, k = in->c, kept;
  if (!b->data) {
    topk_estimate(n, k, sp->topk_p, &sp->last);
  } else if (in->d == TOPK_TOKENS) {
    sp->ntl = kept = select_list(sp, sp->tlist, n, k, sp->timp);
    log_dec(sp, DEC_TOKENS, -1, -1, n, kept, sp->tlist);
  } else if (in->d == TOPK_CONTEXT) {
    kept = prune_context(sp, n, k);
    log_dec(sp, DEC_TOKENS, -1, -1, n, kept, sp->tlist);
  } else if (in->d == TOPK_HEADS) {
    sp->nhl = kept = select_list(sp, sp->hlist, n, k, sp->himp);
    log_dec(sp, DEC_HEADS, -1, -1, n, kept, sp->hlist);
  } else {
    kept = topk_run(b->s + in->e, n, k, sp->topk_p, sp->keep, sp->scratch,
                    &sp->last);
    for (int i = 0; i < kept; i++) sp->ibuf[in->a + i] = sp->keep[i];
    if (in->d == TOPK_REGIONS) /* BiFormer: query = the routing region */
      log_dec(sp, DEC_REGIONS, -1, sp->ctx.query, n, kept, sp->keep);
    else
      log_dec(sp, DEC_VALUES, sp->ctx.head, sp->ctx.query, n, kept, sp->keep);
  }
  st->c[ST_TOPK_RUNS]++;
  st->c[ST_TOPK_CYCLES] += sp->last.cycles;
  st->c[ST_TOPK_ROUNDS] += sp->last.rounds;
  st->c[ST_TOPK_COMPARISONS] += sp->last.comparisons;
}

/* TLIST = 0..tokens-1 (CARRY: those of them not pruned for good; the
 * newest, tokens-1, is new and so always kept), HLIST = 0..heads-1,
 * importance reset by flag (before the list is built). */
static void tinit_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  (void)st;
  spat_t *sp = b->sp;
  int n = 0;
  if (in->d & TINIT_ZERO_TIMP) memset(sp->timp, 0, (size_t)sp->ntimp * sizeof *sp->timp);
  for (int i = 0; i < in->a; i++)
    if (!(in->d & TINIT_CARRY) || sp->timp[i] != TIMP_PRUNED)
      sp->tlist[n++] = (uint32_t)i;
  for (int i = 0; i < in->b; i++) sp->hlist[i] = (uint32_t)i;
  sp->ntl = n;
  sp->nhl = in->b;
  if (in->d & TINIT_ZERO_HIMP) memset(sp->himp, 0, (size_t)sp->nhimp * sizeof *sp->himp);
}

/* TOPK's reads and writes by mode: token or head importance into the
 * list it shrinks, or scores into IBUF positions. */
static int topk_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->c > in->b)
    return op_bad(x, "TOPK", "k above n (got %ld, expected <= %ld)", in->c, in->b);
  if (in->d > TOPK_CONTEXT)
    return op_bad(x, "TOPK", "unknown mode (got %ld, expected 0 to %d)",
                  (long)in->d, TOPK_CONTEXT);
  if (in->d == TOPK_TOKENS || in->d == TOPK_CONTEXT)
    return op_use(x, sl, BUF_TI, 0, 0, 1) || op_use(x, sl, BUF_TL, 1, 0, in->b)
               ? x->e->status : 0;
  if (in->d == TOPK_HEADS)
    return op_use(x, sl, BUF_HI, 0, 0, 1) || op_use(x, sl, BUF_HL, 1, 0, in->b)
               ? x->e->status : 0;
  return op_use(x, sl, BUF_S, 0, in->e, in->b) ||
         (in->c && op_use(x, sl, BUF_I, 1, in->a, in->c)) ? x->e->status : 0;
}

/* Value selections belong to the query whose scores they read; routing
 * selections are numbered within the layer. */
static void topk_context(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->d == TOPK_VALUES && in->e < x->b->cap[BUF_S])
    sl->ctx.query = x->qof[in->e];
  if (in->d == TOPK_REGIONS) sl->ctx.query = (*x->routing)++;
}

static int tinit_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  return op_use(x, sl, BUF_TL, 1, 0, in->a ? in->a : 1) ||
         op_use(x, sl, BUF_HL, 1, 0, in->b ? in->b : 1) ||
         op_use(x, sl, BUF_TI, 1, 0, 1) || op_use(x, sl, BUF_HI, 1, 0, 1)
             ? x->e->status : 0;
}

const op_sem_t op_topk = {
    .flags = 7, /* not flags: the mode, TOPK_TOKENS .. TOPK_CONTEXT */
    .reads = BUFM(BUF_TI) | BUFM(BUF_HI) | BUFM(BUF_S),
    .writes = BUFM(BUF_TL) | BUFM(BUF_HL) | BUFM(BUF_I),
    .decode = topk_decode, .context = topk_context,
    .cost = topk_cost, .exec = topk_exec,
};

const op_sem_t op_tinit = {
    .flags = TINIT_ZERO_TIMP | TINIT_ZERO_HIMP | TINIT_CARRY,
    .writes = BUFM(BUF_TL) | BUFM(BUF_HL) | BUFM(BUF_TI) | BUFM(BUF_HI),
    .decode = tinit_decode, .cost = tinit_cost, .exec = tinit_exec,
};

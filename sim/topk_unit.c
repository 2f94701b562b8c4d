/* topk_unit.c - the top-k engine as a pipelined block: TOPK selects kept
 * tokens, heads or value rows with the quick-select model of topk.c (its
 * cycles are this instruction's occupancy); TINIT resets the lists. */
#include <string.h>

#include "pipe.h"

void tku_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
              uint64_t *occ, uint64_t *depth) {
  (void)t;
  *occ = in->op == OP_TOPK ? b->sp->last.cycles : 1;
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

static void topk_exec(const bufs_t *b, const insn_t *in, stats_t *st) {
  spat_t *sp = b->sp;
  int n = in->b, k = in->c, kept;
  if (!b->data) {
    topk_estimate(n, k, sp->topk_p, &sp->last);
  } else if (in->d == TOPK_TOKENS) {
    sp->ntl = kept = select_list(sp, sp->tlist, n, k, sp->timp);
    log_dec(sp, DEC_TOKENS, -1, -1, n, kept, sp->tlist);
  } else if (in->d == TOPK_HEADS) {
    sp->nhl = kept = select_list(sp, sp->hlist, n, k, sp->himp);
    log_dec(sp, DEC_HEADS, -1, -1, n, kept, sp->hlist);
  } else {
    kept = topk_run(b->s + in->e, n, k, sp->topk_p, sp->keep, sp->scratch,
                    &sp->last);
    for (int i = 0; i < kept; i++) sp->ibuf[in->a + i] = (uint16_t)sp->keep[i];
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

/* TLIST = 0..tokens-1, HLIST = 0..heads-1, importance reset by flag. */
static void tinit_exec(const bufs_t *b, const insn_t *in) {
  spat_t *sp = b->sp;
  for (int i = 0; i < in->a; i++) sp->tlist[i] = (uint32_t)i;
  for (int i = 0; i < in->b; i++) sp->hlist[i] = (uint32_t)i;
  sp->ntl = in->a;
  sp->nhl = in->b;
  if (in->d & 1) memset(sp->timp, 0, (size_t)sp->ntimp * sizeof *sp->timp);
  if (in->d & 2) memset(sp->himp, 0, (size_t)sp->nhimp * sizeof *sp->himp);
}

void tku_exec(const bufs_t *b, const insn_t *in, stats_t *st) {
  if (in->op == OP_TOPK) topk_exec(b, in, st);
  else tinit_exec(b, in);
}

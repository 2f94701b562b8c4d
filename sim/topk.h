/* topk.h - SpAtten's top-k engine: quick-select over P parallel
 * comparators with zero eliminators (docs/spatten.md, "The top-k engine").
 *
 * topk_run keeps exactly the indices the tie rule keeps (score desc, then
 * index asc) and counts the cycles the engine spends on these scores: the
 * rounds split by score three ways (above, equal and dropped, below), as
 * SpAtten's QuickSelect does, each ceil(m/P) + TOPK_ROUND_OVERHEAD; the
 * final in-order pass ceil(n/P) + TOPK_ROUND_OVERHEAD; k = 0 one cycle.
 * The RTL in rtl_models/ is held to the same count.
 */
#ifndef ATTN_TOPK_H
#define ATTN_TOPK_H

#include <stdint.h>

#define TOPK_ROUND_OVERHEAD 2 /* pivot read, then compare/compact drain */

typedef struct topk_cost {
  uint64_t cycles;      /* engine busy cycles */
  uint64_t rounds;      /* quick-select rounds (final pass not counted) */
  uint64_t comparisons; /* candidate-versus-pivot/threshold comparisons */
} topk_cost_t;

/* Top-k of score[0..n) on P comparators. Writes the kept indices in
 * ascending order to keep (n entries of room) and returns their number;
 * scratch holds 3n uint32 entries. */
int topk_run(const int64_t *score, int n, int k, int P, uint32_t *keep,
             uint32_t *scratch, topk_cost_t *c);
/* The cost without data (imported traces): rounds assumed to halve the
 * candidates, m = n, ceil(n/2), ..., 1. */
void topk_estimate(int n, int k, int P, topk_cost_t *c);

#endif

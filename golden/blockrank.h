/* blockrank.h - golden model of block-sparse document masks
 * (docs/blockrank.md).
 *
 * Written from the mask, independent of the compiler's blocks: query q of
 * case cs (position q, in segment s(q)) attends to key j when
 *   (not causal or j <= q) and (s(j) = s(q) or s(j) is global or
 *   (query_last and s(q) is the last segment)),
 * with the fixed-point attention of common/fixed.h over those keys in
 * ascending order (dense attention with the mask; masked keys contribute
 * nothing). The mask is static: no decisions are logged.
 */
#ifndef ATTN_GOLDEN_BLOCKRANK_H
#define ATTN_GOLDEN_BLOCKRANK_H

#include <stdint.h>

#include "config.h"
#include "tensor.h"
#include "workload.h"

/* Every output of blockrank workload w on datapath c into out, laid out
 * as chk_gold_alloc (sim/check.h): head (cs, l, h) at ((cs * layers + l)
 * * heads + h) * maxq * head_dim, maxq = the most queries of a case.
 * Returns 0, or ERR_RUN when out of memory. */
int gold_blockrank(const cfg_t *c, const wl_t *w, const ten_t *t,
                   int16_t *out);

#endif

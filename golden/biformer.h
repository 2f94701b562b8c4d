/* biformer.h - golden model of BiFormer's bi-level routing attention
 * (docs/biformer.md).
 *
 * Written from the algorithm, independent of the simulator: per stage and
 * block, region queries and keys as rounded means, the region affinity
 * summed over heads, each region's top-k regions (gold_topk's tie rule),
 * then per head and query token the fixed-point attention of common/fixed.h
 * over the tokens of the routed regions, plus the LCE convolution on V.
 */
#ifndef ATTN_GOLDEN_BIFORMER_H
#define ATTN_GOLDEN_BIFORMER_H

#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "tensor.h"
#include "workload.h"

/* Run biformer workload w on datapath c. out (may be NULL) gets every
 * output as the simulator's DRAM holds it: for (stage, block, head) the
 * block out + ((stage * layers + block) * heads + head) * maxq * head_dim,
 * maxq = the most tokens of a stage, rows region-major (common/biformer.h),
 * blocks and heads a stage does not have 0. Decisions go to log (may be
 * NULL): per stage and block that routes (topk < regions^2), one
 * DEC_REGIONS per region in order, head -1, query = the region. Returns 0,
 * or ERR_RUN when out of memory. */
int gold_biformer(const cfg_t *c, const wl_t *w, const ten_t *t,
                  int16_t *out, declog_t *log);

#endif

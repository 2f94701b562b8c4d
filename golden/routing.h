/* routing.h - golden model of the Routing Transformer's content-based
 * sparse attention (docs/routing.md).
 *
 * Written from the algorithm, independent of the simulator: per case,
 * layer and head, every key's and every query's nearest centroid (largest
 * exact dot product, lowest centroid on ties), then per query the
 * fixed-point attention of common/fixed.h over the keys of its own
 * cluster (causal: positions <= the query's; none: its own key).
 */
#ifndef ATTN_GOLDEN_ROUTING_H
#define ATTN_GOLDEN_ROUTING_H

#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "tensor.h"
#include "workload.h"

/* Run routing workload w on datapath c. out (may be NULL) gets every
 * output in chk_gold_alloc's layout: head (cs, l, h) at ((cs * layers + l)
 * * heads + h) * maxq * head_dim, maxq the most tokens of a case. Every
 * assignment goes to log (may be NULL) as a DEC_CLUSTER record: query =
 * T + j for key j, t for query t (T the case's tokens), n = clusters,
 * kept 1, hash of the centroid. keys (may be NULL) adds up the keys every
 * query attends to (the attention's K/V rows). Returns 0, or ERR_RUN when
 * out of memory. */
int gold_routing(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
                 declog_t *log, uint64_t *keys);

#endif

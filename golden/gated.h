/* gated.h - golden model of gated attention (docs/gated.md; Qiu et al.
 * 2025): Y = SDPA(Q, K, V) * sigmoid(G) per head, elementwise or one
 * gate per (token, head), rows whose largest gate is below
 * gated.threshold skipped (output 0).
 *
 * Written from the contract, independent of the simulator: a plain loop
 * over (case, layer, head, query) in common/fixed.h's arithmetic
 * (fx_sigmoid, then the attention, then fx_rescale by the gate).
 */
#ifndef ATTN_GOLDEN_GATED_H
#define ATTN_GOLDEN_GATED_H

#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "tensor.h"
#include "workload.h"

/* Run gated workload w on datapath c. out gets every output as the
 * simulator's DRAM holds it: head (cs, l, h) at ((cs * layers + l) *
 * heads + h) * maxq * head_dim, query q's row at q * head_dim (q <
 * wl_queries). With gated.threshold > 0 every query logs one DEC_GATE
 * (unit: the case, or in decode the step; query: its ordinal in its head
 * this layer; kept 1 when open) to log (may be NULL). Returns 0, or
 * ERR_RUN when out of memory. */
int gold_gated(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
               size_t maxq, declog_t *log);

#endif

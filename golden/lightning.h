/* lightning.h - golden model of Lightning Attention-2's causal prefill
 * (docs/lightning.md): per case, layer and head, blocks of
 * lightning.block tokens; the intra-block part as masked scores times
 * values, the inter-block part from the running d x d state, all in the
 * fixed-point contract of common/ltfixed.h. Written from the algorithm,
 * independent of the simulator's instruction sequence. */
#ifndef ATTN_GOLDEN_LIGHTNING_H
#define ATTN_GOLDEN_LIGHTNING_H

#include <stdint.h>

#include "config.h"
#include "tensor.h"
#include "workload.h"

/* lambda of head h as the contract's Q0.16 integer (lightning.decay: one
 * entry, every head's; else entry h). */
int32_t lt_head_lam(const wl_t *w, int h);

/* Run workload w on datapath c; out gets every output in chk_gold_alloc's
 * layout (maxq rows per head). Returns 0, or ERR_RUN when out of memory. */
int gold_lightning(const cfg_t *c, const wl_t *w, const ten_t *t,
                   int16_t *out, size_t maxq);

#endif

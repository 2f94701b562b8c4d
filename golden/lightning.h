/* lightning.h - golden model of Lightning Attention-2 (docs/lightning.md):
 * causal prefill per case, layer and head in blocks of lightning.block
 * tokens (the intra-block part as masked scores times values, the
 * inter-block part from the running d x d state), and decode, one token at
 * a time through the state of the prompt; all in the fixed-point contract
 * of common/ltfixed.h. Written from the algorithm, independent of the
 * simulator's instruction sequence. */
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

/* The decode state after n tokens (docs/lightning.md, "Decode"): from
 * S = 0, per token j < n the recurrence S = rescale(S, w_1) +
 * rsh(k_j^T v_j w_0, 16 + F) in int64, then each element saturated to the
 * LS region's 32 bits into S32 (d x d). k and v hold n rows of d; F the
 * fraction bits. The memory image builds the prompt's state with it.
 * Returns 0, or ERR_RUN when out of memory. */
int lt_prompt_state(const int16_t *k, const int16_t *v, int n, int d,
                    int32_t lam, int F, int32_t *S32);

/* The LS region's 32-bit element of a state accumulator (saturating). */
static inline int32_t lt_sat32(int64_t x) {
  return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x;
}

#endif

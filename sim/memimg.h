/* memimg.h - what DRAM holds: the functional side of the memory system.
 *
 * Reads return the quantized rows of Q, K and V that the layout places at
 * an address; writes to the output region are kept so --check can compare
 * them with the golden model. K and V blocks are quantized once, on first
 * touch, and cached (decoding re-reads the whole cache every token).
 * The K and V regions are the K/V cache: before the run a block holds its
 * wl_cache_rows rows (decode: the prompt's; serve: none), the rest are
 * zero until STK / STV append them (mi_write), when the mechanism's
 * program appends (mech_t.appends_cache; SpAtten's decode only reads a
 * cache that holds every position's rows); the KN and VN regions hold
 * every position's projected rows (docs/serve.md). The LS region holds
 * Lightning's decode state (mi_state), the prompt's before the run.
 */
#ifndef ATTN_MEMIMG_H
#define ATTN_MEMIMG_H

#include <stdbool.h>
#include <stdint.h>

#include "fixed.h"
#include "layout.h"
#include "tensor.h"

typedef struct memimg memimg_t;

/* appends: the program appends the K/V cache's rows after
 * wl_cache_rows (mech_t.appends_cache); else the cache starts full. */
memimg_t *mi_new(const lay_t *lay, const fx_t *fx, const wl_t *w,
                 const ten_t *ten, bool appends);
void mi_free(memimg_t *m);
/* Copy nrows rows at a location (a whole run inside one block, checked by
 * the caller with lay_decode) into dst, nrows x head_dim. Returns -1 when
 * out of memory. */
int mi_read(memimg_t *m, const lay_loc_t *at, int nrows, int16_t *dst);
/* Rows of a K or V block from at->row on, for zero-copy buffers: valid
 * until mi_free. NULL when out of memory. A KQ or VQ location gives the
 * rows as the fetcher dequantizes them from the quantized cache
 * (common/kvquant.h: the block quantized, whole key groups only). */
const int16_t *mi_rows(memimg_t *m, const lay_loc_t *at);
/* The whole block at->row lies in (its row 0; at->row is ignored), so
 * mi_rows(m, at) == mi_block(m, at) + at->row * head_dim: for loads of
 * many rows of one block. NULL when out of memory. */
const int16_t *mi_block(memimg_t *m, const lay_loc_t *at);
/* Store one output row, or one K or V cache row. Returns -1 when out of
 * memory. */
int mi_write(memimg_t *m, const lay_loc_t *at, const int16_t *row);
/* The tensor source the image was made from (inputs that are not rows
 * of DRAM: MoH's router scores, sim/op/moh.c). */
const ten_t *mi_ten(const memimg_t *m);
/* Output block of (cs, layer, head), wl_queries x head_dim, or NULL when
 * nothing was written there. */
const int16_t *mi_output(const memimg_t *m, int cs, int layer, int head);
/* The K (key true) or V cache block of (cs, layer, K/V head),
 * wl_ctx_tokens x head_dim as it stands, or NULL when never touched. */
const int16_t *mi_cache(const memimg_t *m, bool key, int cs, int layer,
                        int head);
/* The d x d state of (cs, layer, head) in the LS region (lightning's
 * decode, docs/lightning.md), row x holding S[x][.], 32-bit elements,
 * writable (STS): before the run it holds the prompt's state, built on
 * first touch from the prompt's K and V rows (golden/lightning.h's
 * lt_prompt_state). NULL when out of memory. */
int32_t *mi_state(memimg_t *m, const lay_loc_t *at);
/* Elements clipped when quantizing inputs so far. */
uint64_t mi_saturated(const memimg_t *m);

#endif

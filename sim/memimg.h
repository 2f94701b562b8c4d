/* memimg.h - what DRAM holds: the functional side of the memory system.
 *
 * Reads return the quantized rows of Q, K and V that the layout places at
 * an address; writes to the output region are kept so --check can compare
 * them with the golden model. K and V rows are made (generated or read,
 * quantized) in chunks when fetched and held within a budget (192 MiB, or
 * the bytes in the environment's ATTNSIM_KV_BUDGET): the least recently
 * used chunk that no registered buffer row (mi_pin) points into is freed
 * first and made again, the same, when next read (docs/memory.md).
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
/* Registers list i (0 or 1) of n buffer rows that hold mi_rows pointers:
 * a chunk a listed row points into is kept. */
void mi_pin(memimg_t *m, int i, const int16_t *const *rows, int n);
/* Copy nrows rows at a location (a whole run inside one block, checked by
 * the caller with lay_decode) into dst, nrows x head_dim. Returns -1 when
 * out of memory. */
int mi_read(memimg_t *m, const lay_loc_t *at, int nrows, int16_t *dst);
/* The row at at->row of a block, for zero-copy buffers: valid while a
 * pinned buffer row points at it (mi_pin) or until the next mi_ call that
 * reads, writes or makes K/V rows; the K/V cache's rows see later writes
 * (STK, STV) in place. NULL when out of memory. A KQ or VQ location gives
 * the rows as the fetcher dequantizes them from the quantized cache
 * (common/kvquant.h: the block quantized, whole key groups only), LM, KQ,
 * VQ and RC rows the rest of their block (valid until mi_free). */
const int16_t *mi_rows(memimg_t *m, const lay_loc_t *at);
/* mi_rows for rows of one block in turn (at's tensor, cs, layer and head
 * the same each call, no other mi_ call in between), from a cursor
 * zeroed before the first: rows of the chunk the last one came from skip
 * the lookup. */
typedef struct mi_cur {
  struct chunk *ch; /* the last row's chunk, NULL before the first */
  int c;            /* its index in the block */
} mi_cur_t;
const int16_t *mi_rows_next(memimg_t *m, mi_cur_t *cur, const lay_loc_t *at);
/* Store one output row, or one K or V cache row. Returns -1 when out of
 * memory. */
int mi_write(memimg_t *m, const lay_loc_t *at, const int16_t *row);
/* The tensor source the image was made from (inputs that are not rows
 * of DRAM: MoH's router scores, sim/op/moh.c). */
const ten_t *mi_ten(const memimg_t *m);
/* Output block of (cs, layer, head), wl_queries x head_dim, or NULL when
 * nothing was written there. */
const int16_t *mi_output(const memimg_t *m, int cs, int layer, int head);
/* Copies the K (key true) or V cache block of (cs, layer, K/V head),
 * wl_ctx_tokens x head_dim as it stands, into dst. Returns 0, 1 when the
 * block was never touched (dst untouched), -1 when out of memory. */
int mi_cache(const memimg_t *m, bool key, int cs, int layer, int head,
             int16_t *dst);
/* The d x d state of (cs, layer, head) in the LS region (lightning's
 * decode, docs/lightning.md), row x holding S[x][.], 32-bit elements,
 * writable (STS): before the run it holds the prompt's state, built on
 * first touch from the prompt's K and V rows (golden/lightning.h's
 * lt_prompt_state). NULL when out of memory. */
int32_t *mi_state(memimg_t *m, const lay_loc_t *at);
/* Elements clipped when quantizing inputs so far. */
uint64_t mi_saturated(const memimg_t *m);

#endif

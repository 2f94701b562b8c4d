/* memimg.h - what DRAM holds: the functional side of the memory system.
 *
 * Reads return the quantized rows of Q, K and V that the layout places at
 * an address; writes to the output region are kept so --check can compare
 * them with the golden model. K and V blocks are quantized on first touch
 * and cached up to a fixed budget; rows of blocks past it are made again
 * when fetched (memimg.c, docs/memory.md), so memory stays bounded
 * whatever the context, layers and heads.
 */
#ifndef ATTN_MEMIMG_H
#define ATTN_MEMIMG_H

#include <stdint.h>

#include "fixed.h"
#include "layout.h"
#include "tensor.h"

typedef struct memimg memimg_t;

memimg_t *mi_new(const lay_t *lay, const fx_t *fx, const wl_t *w,
                 const ten_t *ten);
void mi_free(memimg_t *m);
/* Copy nrows rows at a location (a whole run inside one block, checked by
 * the caller with lay_decode) into dst, nrows x head_dim. Returns -1 when
 * out of memory. */
int mi_read(memimg_t *m, const lay_loc_t *at, int nrows, int16_t *dst);
/* K or V row at->row: valid until the next mi_rows or mi_free (copy it).
 * NULL when out of memory. */
const int16_t *mi_rows(memimg_t *m, const lay_loc_t *at);
/* Drop every cached K/V block (the outputs stay): after a run, before
 * --check, whose golden model makes its own rows. */
void mi_drop_inputs(memimg_t *m);
/* Store one output row. Returns -1 when out of memory. */
int mi_write(memimg_t *m, const lay_loc_t *at, const int16_t *row);
/* Output block of (cs, layer, head), wl_queries x head_dim, or NULL when
 * nothing was written there. */
const int16_t *mi_output(const memimg_t *m, int cs, int layer, int head);
/* Elements clipped when quantizing inputs so far. */
uint64_t mi_saturated(const memimg_t *m);

#endif

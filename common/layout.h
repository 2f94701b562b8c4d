/* layout.h - where tensors live in DRAM and how many rows each on-chip
 * buffer holds. Shared by the compiler (which emits addresses and buffer
 * rows) and the simulator (which checks them and maps addresses back to
 * tensor rows), so the two can never disagree.
 *
 * DRAM holds five regions, each aligned to 1 MiB:
 *   Q, K, KL, V: for every (case, layer, head) a block of wl_ctx_tokens rows;
 *   O:           for every (case, layer, head) a block of wl_queries rows.
 * Q and O have model.heads heads per layer; K, KL and V have
 * wl_kv_heads (grouped-query attention: query head h reads K/V head
 * h / wl_group), and a K, KL or V address names a K/V head.
 * Blocks follow each other case-major, then layer, then head. A row is
 * head_dim elements packed at the bits its region holds for the layer
 * (docs/spatten.md): Q and O the datapath width W; K a key's first-fetch
 * bits (the schedule's MSBs, or W); KL the bits a low-bit refetch adds (0
 * when no layer refetches); V the value bits. Rows of a region are spaced
 * by its widest layer (stride[t]); a layer with fewer bits uses the start
 * of each row (lay_bytes).
 */
#ifndef ATTN_LAYOUT_H
#define ATTN_LAYOUT_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "workload.h"

/* KQ, KM, VQ: the quantized K/V cache (kv_quant, docs/kivi.md), empty
 * when off: KQ a key row's b-bit codes, KM one row per key group of G
 * tokens (a 16-bit zero and scale per channel), VQ a value row's codes
 * then its per-group zeros and scales.
 * KN, VN (decode and serve, docs/serve.md): the K and V rows the
 * projection produced for each position, read once to be appended to the
 * cache (K, V); for every (case, layer, K/V head) a block of
 * wl_ctx_tokens rows at the datapath width; empty in prefill. They follow
 * O, so the other regions' addresses do not depend on them.
 * LM (model.kind landmark, docs/landmark.md): one landmark key row per
 * block of landmark.block tokens, lm_rows(w, cs) rows per (case, layer,
 * K/V head) at the datapath width; empty for every other kind.
 * G (model.kind gated, docs/gated.md): the gate logits, laid out as Q
 * (head_dim elements a row, or 1 with gated.mode headwise); empty for
 * every other kind.
 * RC (model.kind routing, docs/routing.md): the centroids, for every
 * (case, layer, head) a block of routing.clusters rows at the datapath
 * width.
 * LS (model.kind lightning, decode, docs/lightning.md): the d x d state
 * S of each (case, layer, head), head_dim rows of head_dim 32-bit
 * elements (row x holds S[x][.]); empty for every other kind and in
 * prefill.
 * The mechanisms' regions come last and are empty for every other kind, so
 * they move no other region. */
typedef enum {
  LAY_Q = 0, LAY_K, LAY_KL, LAY_V, LAY_O, LAY_KQ, LAY_KM, LAY_VQ, LAY_KN,
  LAY_VN, LAY_LM, LAY_G, LAY_RC, LAY_LS, LAY_TENSORS
} lay_tensor_t;

#define LAY_MAX_LAYERS 1024 /* model.layers' upper bound */
#define LAY_STATE_BITS 32   /* bits of an LS element (a state accumulator) */

typedef struct lay {
  int row_bytes;     /* bytes of a full-width row (on-chip buffers) */
  int stride[LAY_TENSORS];                  /* DRAM bytes between rows */
  uint8_t bits[LAY_TENSORS][LAY_MAX_LAYERS]; /* bits per element, by layer */
  int extra[LAY_TENSORS];   /* bytes a row holds past its elements' bits
                               (KM, VQ: quantization metadata) */
  int head_dim, layers, heads, ncases;
  int elems[LAY_TENSORS];  /* elements per row: head_dim, but V and O rows
                            * hold wl_v_dim (model.v_from_k) */
  int nheads[LAY_TENSORS];                  /* heads per layer, by region */
  uint64_t base[LAY_TENSORS];               /* region start, bytes */
  uint64_t end[LAY_TENSORS];                /* region end (exclusive) */
  int rows[LAY_TENSORS][WL_MAX_SEQS];       /* rows per block, per case */
  uint64_t case_row0[LAY_TENSORS][WL_MAX_SEQS]; /* first row of a case */
  /* on-chip capacities */
  int qbuf_rows, kbuf_rows, vbuf_rows, obuf_rows; /* rows of head_dim */
  int sbuf_entries;
  int obuf_row_bytes; /* accumulator bytes per output row (4 B/element) */
} lay_t;

/* Derive the layout; fails (ERR_BAD_INPUT) when the hardware cannot run
 * the workload at all (a buffer smaller than one row; whether a score row
 * must fit the score buffer is the mapping's call, map_choose in
 * mapping.h). cfg_name names the config in messages. */
int lay_init(lay_t *l, const cfg_t *c, const wl_t *w, const char *cfg_name,
             err_t *e);
uint64_t lay_addr(const lay_t *l, lay_tensor_t t, int cs, int layer,
                  int head, int row);
/* DRAM bytes one row of tensor t holds in layer `layer`. */
static inline int lay_bytes(const lay_t *l, lay_tensor_t t, int layer) {
  return (l->elems[t] * l->bits[t][layer] + 7) / 8 + l->extra[t];
}

typedef struct lay_loc {
  lay_tensor_t t;
  int cs, layer, head, row;
} lay_loc_t;
/* Map [addr, addr + nrows rows) back to one block; -1 if it is not a whole
 * run of rows inside one block. */
int lay_decode(const lay_t *l, uint64_t addr, int nrows, lay_loc_t *out);

#endif

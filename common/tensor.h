/* tensor.h - where a workload's Q, K and V come from.
 *
 * A ten_t serves float rows of Q, K or V for any (case, layer, head, row).
 * Synthetic tensors are a pure function of (seed, kind, case, layer, head,
 * row, dim) (counter-based: any element can be computed alone, in any
 * order, with the same result). NumPy tensors are checked once and read
 * from their files when fetched (no copy held, docs/memory.md).
 */
#ifndef ATTN_TENSOR_H
#define ATTN_TENSOR_H

#include "err.h"
#include "workload.h"

/* TEN_G: gated attention's gate logits (docs/gated.md), rows like Q's
 * (generator stream 5: 3 and 4 are the directions and the salience). */
typedef enum { TEN_Q = 0, TEN_K = 1, TEN_V = 2, TEN_G = 5 } ten_kind_t;

typedef struct ten ten_t;

/* Prepare the source for w (reads and checks .npy files). */
int ten_open(ten_t **out, const wl_t *w, err_t *e);
void ten_close(ten_t *t);
/* Rows [row0, row0+n) of tensor kind for (case, layer, head) as floats,
 * row-major n x head_dim. Rows index positions in the case's sequence
 * (wl_ctx_tokens rows; Q rows are positions too, see wl_query_pos). For
 * K and V, head is a K/V head (< wl_kv_heads). */
void ten_rows(const ten_t *t, ten_kind_t kind, int cs, int layer, int head,
              int row0, int n, float *out);
/* MoH's router scores of token tok in layer `layer` from moh.router
 * (tensors.source npy only; the synthetic ones are mohroute.h's):
 * model.heads - moh.shared floats, routed head i at out[i]. */
void ten_router(const ten_t *t, int layer, int tok, float *out);
/* The Routing Transformer's centroids of (layer, head): routing.clusters
 * rows of head_dim floats, row-major; synthetic (rtshape.h) or from
 * routing.centroids (npy). The same for every case. */
void ten_centroids(const ten_t *t, int layer, int head, float *out);

#endif

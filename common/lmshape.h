/* lmshape.h - Landmark Attention's decode geometry (docs/landmark.md is
 * the contract), shared by the layout, the mapping, the compiler and the
 * golden model so they never disagree.
 *
 * The query at position p attends to nkeys = p + 1 keys. Its local part
 * is the rows [lo, nkeys), lo = B floor(max(0, nkeys - W) / B) (the last
 * W tokens widened down to a block boundary, so the incomplete last block
 * is always local); the blocks before lo, L = lo / B of them, are the
 * candidates: their landmark keys are scored and the top k = min(topk, L)
 * blocks attended, whole. Scores row: k B + (nkeys - lo) entries.
 */
#ifndef ATTN_LMSHAPE_H
#define ATTN_LMSHAPE_H

#include "workload.h"

typedef struct lm_geo {
  int B;     /* tokens per block */
  int nkeys; /* keys the query may attend to (p + 1) */
  int lo;    /* first row of the local part */
  int L;     /* candidate blocks (landmark keys scored) */
  int k;     /* blocks selected */
  int nk;    /* keys attended: k B + nkeys - lo */
} lm_geo_t;

/* The geometry of query q of case cs (decode: q < wl_queries). */
void lm_geo(const wl_t *w, int cs, int q, lm_geo_t *g);
/* Landmark key rows of case cs in the layout: ceil(ctx / B) for a
 * landmark workload, 0 for any other. */
int lm_rows(const wl_t *w, int cs);
/* The longest score row any query of the workload holds (the landmark
 * scores or its attention row); 0 for another kind. */
int lm_max_row(const wl_t *w);
/* Landmark key of block j: the rounded mean (bf_mean) of its rows,
 * element by element; k: the case's key rows [rows][d], n of them. */
void lm_key(const int16_t *k, int n, int d, int B, int j, int16_t *out);

#endif

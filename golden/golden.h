/* golden.h - golden CPU reference models of attention.
 *
 * Written from the algorithm, independent of the simulator: a plain loop
 * over (case, layer, head, query). Two flavours:
 *   float: double-precision softmax attention on the unquantized inputs;
 *   fixed: the datapath's arithmetic (common/fixed.h), bit for bit.
 */
#ifndef ATTN_GOLDEN_H
#define ATTN_GOLDEN_H

#include <stdint.h>

#include "fixed.h"
#include "tensor.h"
#include "workload.h"

/* Outputs of one head: out[q * head_dim + i] for q < wl_queries(w, cs). */
void gold_head_fixed(const fx_t *fx, const wl_t *w, const ten_t *t, int cs,
                     int layer, int head, int16_t *out);
/* The same through the tiled mapping's online softmax (docs/tiling.md,
 * common/fixed.h): K/V tiles [k bc, (k+1) bc), each query's span rows
 * inside a tile one step. */
void gold_head_fixed_tiled(const fx_t *fx, const wl_t *w, const ten_t *t,
                           int cs, int layer, int head, int bc, int16_t *out);
void gold_head_float(const wl_t *w, const ten_t *t, int cs, int layer,
                     int head, double *out);

/* One query over keys [0, nk) of row-major k and v ([nk][d]): scores,
 * softmax and weighted sum in double; s holds nk scratch scores. */
void gold_query_float(const float *q, const float *k, const float *v, int nk,
                      int d, double *s, double *out);

#endif

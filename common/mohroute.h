/* mohroute.h - Mixture-of-Head attention's router scores (docs/moh.md): an
 * input, like Q, K and V: synthetic, a pure function of the workload's
 * seed and the position, or read from moh.router (tensors.source npy);
 * shared by the simulator (MRS), the golden model and the report's
 * per-head load. */
#ifndef ATTN_MOHROUTE_H
#define ATTN_MOHROUTE_H

#include <stdint.h>

#include "fixed.h"
#include "tensor.h"
#include "workload.h"

/* Router score of head h for token t of case cs, layer `layer`: an
 * integer with frac_bits fraction bits, uniform over [-4, 4) in real
 * units (splitmix64 of the seed and the coordinates). */
int64_t moh_score(uint64_t seed, int cs, int layer, int t, int h,
                  int frac_bits);

/* The router scores of heads [h0, h0 + n) for token tok of case cs,
 * layer `layer`, head h0 + i at out[i]: moh_score's, or with
 * tensors.source npy moh.router's through fx_quant (docs/moh.md; then
 * moh.topk > 0 and the heads are routed ones: h0 >= moh.shared,
 * h0 + n <= model.heads). The one source of scores for the simulator
 * (MRS), the golden model and the report. */
void moh_scores(const ten_t *t, const wl_t *w, const fx_t *fx, int cs,
                int layer, int tok, int h0, int n, int64_t *out);

#endif

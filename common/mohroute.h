/* mohroute.h - Mixture-of-Head attention's router scores (docs/moh.md): an
 * input, like Q, K and V, a pure function of the workload's seed and the
 * position, shared by the simulator (MRS), the golden model and the
 * report's per-head load. */
#ifndef ATTN_MOHROUTE_H
#define ATTN_MOHROUTE_H

#include <stdint.h>

/* Router score of head h for token t of case cs, layer `layer`: an
 * integer with frac_bits fraction bits, uniform over [-4, 4) in real
 * units (splitmix64 of the seed and the coordinates). */
int64_t moh_score(uint64_t seed, int cs, int layer, int t, int h,
                  int frac_bits);

#endif

/* bfshape.h - BiFormer's bi-level routing attention: the shapes and the
 * arithmetic rules the golden model, the compiler and the simulator share
 * (docs/biformer.md is the contract).
 *
 * A workload with model.kind biformer runs one case per stage. Stage s has
 * an H x W token grid cut into S x S regions of rh x rw tokens (rh = H/S,
 * rw = W/S, R = rh rw tokens). Tokens are numbered region-major: token t
 * of region r = ry S + rx sits at
 *   y = ry rh + (t % R) / rw,  x = rx rw + (t % R) % rw,  t = r R + (t % R),
 * so a region's tokens are R adjacent rows of every Q/K/V/O block.
 */
#ifndef ATTN_BFSHAPE_H
#define ATTN_BFSHAPE_H

#include <stdint.h>

#include "workload.h"

typedef struct bf_geo {
  int H, W;       /* token grid */
  int S;          /* regions per side */
  int rh, rw, R;  /* region height, width, tokens per region */
  int nreg;       /* S * S */
  int k;          /* regions each region routes to (k = nreg: no routing) */
  int heads;      /* channels / head_dim */
  int blocks;     /* transformer blocks of the stage */
  int kern;       /* LCE kernel side (0: no LCE) */
} bf_geo_t;

/* The geometry of stage s (0 <= s < w->ncases) of a biformer workload. */
void bf_geo(const wl_t *w, int s, bf_geo_t *g);
/* Region-major token index of grid position (y, x), and back. */
int bf_token(const bf_geo_t *g, int y, int x);
void bf_coord(const bf_geo_t *g, int t, int *y, int *x);
/* Rounded mean of R values summing to sum: floor(sum / R + 1/2). */
int16_t bf_mean(int64_t sum, int R);
/* LCE weight of tap (ty, tx) for channel ch of (stage, block, head), in
 * units of 2^-prob_bits (the probabilities' scale). */
int32_t bf_lce_weight(int prob_bits, int kern, int stage, int block,
                      int head, int ch, int ty, int tx);
/* Every LCE weight of (stage, block, head) for channels [0, d), the
 * table the per-element loops read: w[(ty * kern + tx) * d + ch] =
 * bf_lce_weight(prob_bits, kern, stage, block, head, ch, ty, tx). */
void bf_lce_weights(int prob_bits, int kern, int stage, int block, int head,
                    int d, int32_t *w);
/* The LCE taps of the query at grid (y, x) that fall inside the grid:
 * ty in [*ty0, *ty1), tx in [*tx0, *tx1) (zero padding outside). */
void bf_taps(const bf_geo_t *g, int y, int x, int *ty0, int *ty1, int *tx0,
             int *tx1);

#endif

/* biformer.c - BiFormer's bi-level routing attention (docs/biformer.md):
 * region routing on the top-k engine, gathered regions, local context
 * enhancement on the P x V array, per-stage reports. Lowered by
 * compiler/lower_biformer.c. */
#include "mech.h"

#include "bfshape.h"
#include "lower.h"

static bool bf_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_BIFORMER;
}

static int bf_region_rows(const wl_t *w, int cs) {
  bf_geo_t g;
  bf_geo(w, cs, &g);
  return g.R;
}

static int bf_lce_kernel(const wl_t *w) { return w->bf_lce_kernel; }

const mech_t mech_biformer = {
    .name = "biformer",
    .doc = "docs/biformer.md",
    .claims = bf_claims,
    .lower = lower_biformer,
    .head_markers = bf_claims,
    .per_layer = true,
    .region_rows = bf_region_rows,
    .lce_kernel = bf_lce_kernel,
};

/* spatten.c - SpAtten's schedule (docs/spatten.md): cascade token and
 * head pruning, local value pruning, progressive quantization, every
 * decision made on the simulated data. */
#include "mech.h"

#include "schedule.h"

static bool sp_claims(const wl_t *w, int width) { return sched_active(w, width); }

const mech_t mech_spatten = {
    .name = "spatten",
    .doc = "docs/spatten.md",
    .claims = sp_claims,
    .head_markers = sp_claims, /* HEAD markers let pruned heads be skipped */
};

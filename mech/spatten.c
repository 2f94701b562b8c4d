/* spatten.c - SpAtten's schedule (docs/spatten.md): cascade token and
 * head pruning, local value pruning, progressive quantization, every
 * decision made on the simulated data. Lowered by
 * compiler/lower_spatten.c. */
#include "mech.h"

#include "lower.h"
#include "schedule.h"

static bool sp_claims(const wl_t *w, int width) { return sched_active(w, width); }

/* Token, head and value pruning need the pruning hardware. */
static int sp_hw_check(const cfg_t *c, const char *cfg_name, err_t *e) {
  if (c->pruning) return 0;
  return err_at(e, cfg_name, 0, 0, "features.pruning",
                "the workload's SpAtten schedule needs pruning hardware "
                "(got false, expected true, or run the workload with --dense)");
}

const mech_t mech_spatten = {
    .name = "spatten",
    .doc = "docs/spatten.md",
    .claims = sp_claims,
    .lower = lower_spatten,
    .hw_check = sp_hw_check,
    .head_markers = sp_claims, /* HEAD markers let pruned heads be skipped */
};

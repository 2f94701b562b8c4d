/* spatten.c - SpAtten's schedule (docs/spatten.md): cascade token and
 * head pruning, local value pruning, progressive quantization, every
 * decision made on the simulated data. Lowered by
 * compiler/lower_spatten.c; checked against golden/spatten.c. */
#include "mech.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lower.h"
#include "schedule.h"
#include "spatten.h"

static bool sp_claims(const wl_t *w, int width) { return sched_active(w, width); }

/* Token, head and value pruning need the pruning hardware. */
static int sp_hw_check(const cfg_t *c, const char *cfg_name, err_t *e) {
  if (c->pruning) return 0;
  return err_at(e, cfg_name, 0, 0, "features.pruning",
                "the workload's SpAtten schedule needs pruning hardware "
                "(got false, expected true, or run the workload with --dense)");
}

static const chk_shape_t sp_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "SpAtten schedule",
};

/* Outputs bit for bit against gold_spatten's, then every decision; the
 * accuracy cost against dense float attention in the summary. */
static int sp_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  declog_t glog = {0};
  gold_sp_acc_t acc;
  size_t maxq;
  int16_t *gold = chk_gold_alloc(w, &sp_shape, &maxq);
  int rc;
  memset(&acc, 0, sizeof acc);
  rc = gold ? gold_spatten(c, w, t, gold, &glog, &acc) : ERR_RUN;
  r->pruned = true;
  if (!rc && !glog.oom && !(simlog && simlog->oom)) {
    chk_compare_outputs(w, mi, gold, maxq, &sp_shape, r);
    if (!r->mismatches && simlog && !chk_decisions(simlog, &glog, r))
      r->mismatches++;
    r->rel_err = acc.ref2 > 0 ? sqrt(acc.err2 / acc.ref2) : 0;
    r->mass_kept = acc.queries ? acc.mass / (double)acc.queries : 0;
  } else {
    rc = ERR_RUN;
  }
  free(gold);
  dec_free(&glog);
  if (rc) return ERR_RUN;
  r->ok = !r->mismatches;
  if (r->ok)
    snprintf(r->msg, sizeof r->msg,
             "%llu output elements and %llu decisions equal the SpAtten golden "
             "model; accuracy cost: output error %.3g relative to dense, %.1f%% "
             "of the dense attention mass kept",
             (unsigned long long)r->compared, (unsigned long long)r->decisions,
             r->rel_err, 100 * r->mass_kept);
  return 0;
}

const mech_t mech_spatten = {
    .name = "spatten",
    .doc = "docs/spatten.md",
    .claims = sp_claims,
    .lower = lower_spatten,
    .hw_check = sp_hw_check,
    .check = sp_check,
    .needs_data = "--timing-only cannot make the schedule's pruning "
                  "decisions (they come from the data): drop it, or add --dense",
    .head_markers = sp_claims, /* HEAD markers let pruned heads be skipped */
};

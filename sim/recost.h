/* recost.h - a saved run's counts, read back from its --json report, so
 * that `attnsim recost` can cost them with another config's energy and
 * area tables without simulating again (energy and area are computed at
 * report time from counts: docs/stats.md).
 *
 * Read: every counter of stats.def (all must be there, as whole numbers),
 * the unit states, the workload's identity (name, path, phase, layers,
 * heads, head_dim), the config's path and hash, the per-layer records,
 * the --check result (check, accuracy) and BiFormer's per-stage rows
 * (stages). Derived figures in the file are ignored: they are recomputed,
 * except a stage's energy, which the file's counts cannot give (only a
 * stage's MACs and DRAM bytes are kept): it is read back, and a recost
 * that would change it is refused (rc_match_config). A malformed or incomplete file is
 * ERR_BAD_INPUT, "file:line:col: key: what is wrong (got X, expected Y)".
 */
#ifndef ATTN_RECOST_H
#define ATTN_RECOST_H

#include <stddef.h>

#include "err.h"
#include "stats.h"
#include "workload.h"

typedef struct rc_run {
  stats_t st;             /* the run's counters (st_free when done) */
  wl_t wl;                /* name, phase, layers, heads, head_dim */
  char wl_path[512];      /* the run's workload path */
  int has_wl_path;        /* 0 when it was null */
  char config_hash[24];   /* the run's config.hash, as written */
  char config_path[512];  /* the run's config.path ("" when null) */
  /* --check: as rep_t's fields of the same names (report.h) */
  int checked, check_ok, check_pruned;
  char check_msg[256];
  double check_max_float_err, check_float_tol, acc_rel_err, acc_mass_kept;
  double acc_rel_err_renorm;  /* NaN when the report predates the key */
  uint64_t check_decisions;
  /* stages (BiFormer): one row per case; counters go to the case's first
   * layer record, so rep_case_figures sums them back */
  int nstages;
  double *stage_energy_pj; /* [nstages], as written */
} rc_run_t;

/* Read text[0..len) (a report written by attnsim run/sim --json; name
 * for messages) into r. Returns 0, or ERR_BAD_INPUT / ERR_RUN. */
int rc_load(const char *name, const char *text, size_t len, rc_run_t *r,
            err_t *e);

/* Release what rc_load allocated. */
void rc_free(rc_run_t *r);

struct cfg;
/* May r's counts be costed with `given`? Its config is found as `given`
 * itself (same hash), else as the file r's config.path names, with the
 * given --set overrides of keys that time runs (cfg_key_cost_only) applied
 * or not, whichever has r's hash. Refused (ERR_BAD_INPUT) when no such
 * config is found, when a key that times runs differs ("recost: KEY
 * differs (got G, expected R as in the report's config): ..."), and when
 * r has stages and a cost key differs. *same: given is r's config. */
int rc_match_config(const rc_run_t *r, const struct cfg *given,
                    const char *const *sets, int nsets, int *same, err_t *e);

#endif

/* recost.h - a saved run's counts, read back from its --json report, so
 * that `attnsim recost` can cost them with another config's energy and
 * area tables without simulating again (energy and area are computed at
 * report time from counts: docs/stats.md).
 *
 * Read: every counter of stats.def (all must be there, as whole numbers),
 * the unit states, the workload's identity (name, path, phase, layers,
 * heads, head_dim) and the per-layer records. Derived figures in the file
 * are ignored: they are recomputed. A malformed or incomplete file is
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
} rc_run_t;

/* Read text[0..len) (a report written by attnsim run/sim --json; name
 * for messages) into r. Returns 0, or ERR_BAD_INPUT / ERR_RUN. */
int rc_load(const char *name, const char *text, size_t len, rc_run_t *r,
            err_t *e);

#endif

/* run.h - running a sweep: locally in a pool of processes, one point at a
 * time (the jobs of --emit), or by emitting job scripts for GNU parallel
 * and Slurm; and merging what the jobs left into results.csv.
 *
 * Every point runs in its own process: the attnsim binary itself, exec'd
 * as "attnsim run ... --json DIR/points/KEY.run.json" (stdout to
 * /dev/null, stderr to DIR/points/KEY.log). When it exits the parent
 * writes DIR/points/KEY.json (results.h) and deletes the two scratch
 * files. A point counts as finished once its point file exists; a rerun
 * skips finished points, so a sweep killed at any moment (SIGKILL
 * included) loses only the points that were running. Runs killed with
 * SIGINT, SIGTERM or SIGHUP, or that exit 130, are interrupted, not
 * failed: nothing is recorded and a rerun runs them again. Children ask
 * the kernel for SIGTERM when the sweep dies (Linux), so none outlives it.
 */
#ifndef ATTN_SWEEP_RUN_H
#define ATTN_SWEEP_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "spec.h"

typedef struct swr_opts {
  const char *dir;   /* the sweep folder (created if absent) */
  const char *self;  /* the attnsim binary to exec for each point */
  int jobs;          /* points run at once (>= 1) */
  bool force;        /* rerun finished points too */
  bool retry_failed; /* rerun failed points (not ok ones) */
  int progress;      /* 1 bar (a terminal), 0 a line per point, -1 none */
  FILE *log;         /* where progress goes (stderr) */
} swr_opts_t;

/* Run every unfinished point, at most o->jobs at once; keep
 * DIR/results.csv current. Returns 0 when every point is ok, 1 when some
 * failed, 2 bad input (another sweep holds DIR), 130 never (signals exit
 * through outfile's handler). */
int swr_sweep(const sw_spec_t *s, const swr_opts_t *o, err_t *e);
/* Run point index alone (a job of --emit): writes its point file only.
 * 0 ok or already finished, 1 the point failed. */
int swr_point(const sw_spec_t *s, int index, const swr_opts_t *o, err_t *e);
/* Write DIR/sweep.json and DIR/jobs.txt (kind "parallel": one command
 * per line) or DIR/sweep.slurm (kind "slurm": a job array). */
int swr_emit(const sw_spec_t *s, const char *kind, const swr_opts_t *o,
             err_t *e);
/* DIR/results.csv from DIR/sweep.json and the point files present.
 * 0 when every point is ok, 1 when some failed or are missing. */
int swr_merge(const char *dir, FILE *log, err_t *e);

/* The time-left estimate of a local sweep, in seconds, or -1 before any
 * point has finished. Each point still to run costs the mean wall time of
 * the finished points of its workload (of all finished points while its
 * workload has none; workloads differ by orders of magnitude, so one mean
 * over all of them misjudges the rest of a sweep); a running one costs
 * that less what it has run already (never below 0). The work is shared
 * by min(jobs, points left) workers, and takes at least as long as its
 * longest point. sum_s[w] and nfin[w]: seconds and count of workload w's
 * finished points; nqueued[w]: its points not started; running_wl[i] and
 * running_s[i]: the workload and seconds so far of running point i. */
double swr_time_left(int nworkloads, const double *sum_s, const int *nfin,
                     const int *nqueued, int nrunning, const int *running_wl,
                     const double *running_s, int jobs);

#endif

/* results.h - a sweep folder on disk: manifest, point files, results.csv.
 *
 *   DIR/sweep.json          manifest: the sweep's points in order (index,
 *                           key, Pareto group, workload name, the varied
 *                           parameters' values). Written by a local sweep
 *                           and by --emit; read by --merge and plot.
 *   DIR/points/KEY.json     one finished point (ok or failed): status,
 *                           exit status, error text, the command, the
 *                           effective config, and the run's JSON report.
 *                           Written once, temp+rename: present = finished.
 *   DIR/results.csv         one row per finished point, sorted by index,
 *                           regenerated from the point files (never
 *                           appended to, so it cannot hold duplicates).
 *
 * A point file is keyed by the point's hash (spec.h), not its index, so a
 * spec that gains values keeps every finished point.
 */
#ifndef ATTN_SWEEP_RESULTS_H
#define ATTN_SWEEP_RESULTS_H

#include <stdio.h>

#include "config.h"
#include "err.h"
#include "spec.h"

#define RES_ERR_MAX 1000 /* bytes of a failed point's error text kept */

/* Numbers read from a point file ("result." = the run's report). */
typedef enum {
  RV_CYCLES, RV_SECONDS, RV_READ, RV_WRITE, RV_MOVED, RV_MACS, RV_TFLOPS,
  RV_ENERGY, RV_AREA, RV_PEAK_GBPS, RV_CLOCK, RV_QK_MULT, RV_AV_MULT,
  RV_COUNT
} res_val_t;

typedef enum { RES_MISSING, RES_OK, RES_FAILED } res_state_t;

typedef struct res_row {
  res_state_t state;
  char status[16];       /* ok | failed | timeout */
  int exit_status;       /* the run's exit status; -1 when killed */
  int signal;            /* the signal that ended it, else 0 */
  char *error;           /* failed: what the run printed on stderr */
  double v[RV_COUNT];
  unsigned char has[RV_COUNT];
  int nenergy;           /* energy_pj.* parts other than total */
  char (*ename)[48];
  double *evalue;
  int pareto;            /* 1 on the frontier, 0 not, -1 not ranked */
} res_row_t;

typedef struct res_point {
  int index;
  char key[17], group[17];
  char workload[64];     /* the workload's name */
  char **params;         /* one value per varied key */
} res_point_t;

typedef struct res_table {
  char name[64];
  int nparams;
  char **param_names;    /* "set:key" spelled as the key itself */
  int npoints;
  res_point_t *points;
  res_row_t *rows;       /* one per point, RES_MISSING until loaded */
} res_table_t;

/* The outcome of one run, for res_write_point. */
typedef struct res_outcome {
  const char *status;    /* ok | failed | timeout */
  int exit_status, signal;
  const char *error;     /* NULL when ok */
} res_outcome_t;

/* Paths inside a sweep folder. */
void res_point_path(const char *dir, const char *key, char *buf, size_t len);

/* Build the table of a spec's points (all RES_MISSING). */
int res_from_spec(const sw_spec_t *s, res_table_t *t, err_t *e);
/* Write DIR/sweep.json for the table. */
int res_write_manifest(const char *dir, const res_table_t *t, err_t *e);
/* Read DIR/sweep.json, then every point file present. A point file that
 * does not parse is bad input, located in it. */
int res_load(const char *dir, res_table_t *t, err_t *e);
/* Read point file of row i (DIR/points/KEY.json) if present. */
int res_load_row(const char *dir, res_table_t *t, int i, err_t *e);
/* Write a point file: the outcome, argv (the run's options), the
 * effective config, and run_json (the report's text, or NULL). */
int res_write_point(const char *dir, const char *key, const res_outcome_t *o,
                    const char *const *argv, int argc, const cfg_t *cfg,
                    const char *run_json, err_t *e);
/* Mark the Pareto frontier (latency, energy, area where every point of
 * the group reports it) within each group of finished points. */
void res_pareto(res_table_t *t);
/* Write DIR/results.csv (finished points only, by index). */
int res_write_csv(const char *dir, res_table_t *t, err_t *e);
/* Counts of finished points. */
void res_counts(const res_table_t *t, int *ok, int *failed, int *missing);
void res_free(res_table_t *t);

#endif

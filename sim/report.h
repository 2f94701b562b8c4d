/* report.h - the text summary, JSON and CSV of a run (docs/stats.md).
 *
 * Every figure comes from two tables walked in order: the counters of
 * stats.def, then the derived metrics of report.c (seconds, energy, area,
 * bandwidth, bounds), which are computed here, at report time, from the
 * counters and the config's coefficients; the simulator never accumulates
 * energy. Writers never use positional lists, so the JSON keys, the CSV
 * header and the text summary cannot drift apart. Same inputs give
 * byte-identical JSON and CSV (no timestamps, no pointers, no wall time).
 */
#ifndef ATTN_REPORT_H
#define ATTN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "stats.h"
#include "workload.h"

#ifndef ATTNSIM_VERSION
#define ATTNSIM_VERSION "0.1.0"
#endif

/* A baseline run's figures (--baseline), to report speedups against. */
typedef struct rep_base {
  uint64_t cycles, dram_read_bytes;
  double energy_pj;
} rep_base_t;

typedef struct rep {
  const cfg_t *cfg;
  const wl_t *wl;
  const stats_t *st;
  const char *config_path;   /* as given; NULL prints null */
  const char *workload_path; /* NULL when the workload came from a trace */
  uint64_t config_hash;      /* cfg_hash(cfg) */
  int checked;               /* --check ran: the check fields are valid */
  int check_ok;
  char check_msg[256];
  double check_max_float_err; /* max |sim - float golden| */
  double check_float_tol;     /* the bound it was held to */
  int check_pruned;           /* a SpAtten schedule was checked */
  uint64_t check_decisions;   /* run-time decisions compared */
  double acc_rel_err;         /* accuracy cost against dense attention */
  double acc_mass_kept;
  double acc_rel_err_renorm;  /* ... with kept probabilities renormalised
                                 (NaN: not known, written as null) */
  int acc_kvq;                /* kv_quant was checked (docs/kivi.md): the
                                 output error against unquantized, real
                                 units (not carried through recost) */
  double acc_kvq_max_err, acc_kvq_rms_err, acc_kvq_rel_err;
  const rep_base_t *base;     /* --baseline ran, or NULL */
  const double *case_energy_pj; /* recost: each case's energy as read
                                   back (rep_case_figures); NULL: computed */
} rep_t;

/* A case's figures, for mechanisms that report per case (BiFormer's
 * stages, mech.h): its counters summed over its layer records (counters
 * attributed event by event, sim/engine.c), c[ST_CYCLES] the sum of its
 * layers' cycles, its MACs and energy over those counters. */
typedef struct rep_case {
  stats_t st;
  uint64_t macs;
  double energy_pj;
} rep_case_t;
void rep_case_figures(const rep_t *r, int cs, rep_case_t *f);
/* 1234567 as "1,234,567"; 1.5e9 "B" as "1.50 GB" (the text summary's). */
const char *rep_fmt_count(uint64_t v, char *buf, size_t len);
const char *rep_fmt_si(double v, const char *unit, char *buf, size_t len);

/* One derived metric of report.c's table (docs/stats.md documents each). */
typedef struct rep_metric {
  const char *path; /* dotted JSON path, e.g. "energy_pj.total" */
  const char *unit;
  const char *doc;  /* meaning and formula */
} rep_metric_t;
int rep_metric_count(void);
const rep_metric_t *rep_metric(int i); /* 0 <= i < rep_metric_count() */

/* Human summary (engineering units, thousands separators). */
void rep_text(const rep_t *r, FILE *f);
/* Nested JSON / one-row CSV, written through an outfile ("-" = stdout).
 * Return 0 or ERR_RUN (I/O or out of memory; no partial file is left). */
int rep_json(const rep_t *r, const char *path, err_t *e);
int rep_csv(const rep_t *r, const char *path, err_t *e);
/* One CSV row per layer record (--layers-csv; docs/stats.md "Per-layer
 * table"): its counters must have been attributed (sim_attribute_layers).
 * Returns 0 or ERR_RUN. */
int rep_layers_csv(const rep_t *r, const char *path, err_t *e);
void rep_layers_csv_to(const rep_t *r, FILE *f);
/* The same documents written to an open stream (no commit). */
int rep_json_to(const rep_t *r, FILE *f, err_t *e);
void rep_csv_to(const rep_t *r, FILE *f);
/* Any numeric scalar of the JSON by its dotted path ("dram.read_bytes",
 * "energy_pj.total", "units.qk_array.busy", "workload.layers",
 * "check.ok"...); booleans read as 0/1. Returns 0, or -1 when the path is
 * unknown, a string, or null (check.* when --check did not run). */
int rep_value(const rep_t *r, const char *path, double *out);

#endif

/* spec.h - a design-space sweep: the spec file and its points.
 *
 * A spec (YAML, README "Sweeps") names a base config, one or more
 * workloads, overrides applied to every point, and the keys to vary:
 *
 *   config: ../configs/spatten.yaml        # relative to the spec's folder
 *   workloads: [../workloads/gpt2-small.yaml]
 *   set: {dram.latency_ns: 40}             # config keys, every point
 *   wset: {decode.generate: 8}             # workload keys, every point
 *   timing_only: true                      # run --timing-only
 *   layers: 2                              # run --layers 2 (0 = all)
 *   combine: product                       # product | zip of the axes
 *   vary:
 *     - set: qk_array.multipliers          # or wset: a workload key
 *       values: [64, 128, 256, 512]
 *     - set: dram.channels
 *       range: {start: 2, stop: 16, step: 2}    # or factor: 2
 *     - zip:                               # axes that advance together
 *         - {set: qk_array.multipliers, values: [64, 512]}
 *         - {set: av_array.multipliers, values: [64, 512]}
 *
 * Loading checks every key against the config or workload schema and every
 * value against its key's type and range, so a bad value is reported once,
 * at its place in the spec, and never reaches a point. Cross-field rules
 * (frac_bits < width...) are left to each point's run: an invalid
 * combination is a failed point, not a bad spec.
 *
 * Points are numbered from 0: workloads outermost, then the groups (an
 * axis, or a zip of axes) in spec order, the last varying fastest; with
 * combine: zip every group advances together. Each point's identity is its
 * key: a hash of the attnsim and trace format versions, the effective
 * config and workload (canonical text, so comments and key order do not
 * matter) and the run flags.
 */
#ifndef ATTN_SWEEP_SPEC_H
#define ATTN_SWEEP_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "workload.h"

#define SW_MAX_AXES 16         /* keys varied at once */
#define SW_MAX_VALUES 10000    /* values of one axis */
#define SW_MAX_POINTS 1000000  /* points of one sweep */
#define SW_MAX_WORKLOADS 64
#define SW_MAX_SETS 48         /* fixed overrides of each kind (the CLI
                                  takes 64 --set, axes included) */
#define SW_PATH_MAX 1024

typedef struct sw_axis {
  char key[128];     /* dotted config or workload key */
  bool workload;     /* a workload key (--wset), else a config key (--set) */
  int group;         /* zip group: axes of one group advance together */
  int nvalues;
  char **values;     /* canonical value text (what --set reads back) */
} sw_axis_t;

typedef struct sw_spec {
  char path[SW_PATH_MAX];   /* the spec file as given */
  char name[64];            /* default: the spec's file name without .yaml */
  char config[SW_PATH_MAX]; /* base config, resolved against the spec */
  int nworkloads;
  char workloads[SW_MAX_WORKLOADS][SW_PATH_MAX];
  int nsets, nwsets;
  char *sets[SW_MAX_SETS];  /* "key=value", canonical */
  char *wsets[SW_MAX_SETS];
  int naxes, ngroups;
  sw_axis_t axes[SW_MAX_AXES];
  int group_len[SW_MAX_AXES]; /* values of each group */
  int combine;              /* 0 product, 1 zip */
  bool timing_only, check, dense;
  double timeout_s;         /* per point; 0 = none */
  char runner[SW_PATH_MAX]; /* runs each point (argv: runner attnsim run
                               ...), resolved against the spec; "" = none */
  int layers;               /* keep each workload's first N (0 = all) */
  char layers_arg[16];      /* the same as --layers' text */
  int npoints;
  cfg_t base;               /* the base config, loaded */
  wl_t wl[SW_MAX_WORKLOADS];/* each workload, loaded */
  uint64_t wl_bytes_hash[SW_MAX_WORKLOADS]; /* a .csv trace's contents */
} sw_spec_t;

/* One point: which workload, and each axis's value index. */
typedef struct sw_point {
  int index;
  int workload;
  int vi[SW_MAX_AXES];
} sw_point_t;

/* Load and check a spec; every error located in the spec (or in the
 * config/workload it names). Returns 0, ERR_BAD_INPUT or ERR_RUN. */
int sw_load(const char *path, sw_spec_t *s, err_t *e);
void sw_free(sw_spec_t *s);
/* Point number index (0 <= index < npoints). */
void sw_point_at(const sw_spec_t *s, int index, sw_point_t *p);
/* The point's effective config and workload (overrides applied without
 * cross-field checks: the run reports those). */
void sw_point_apply(const sw_spec_t *s, const sw_point_t *p, cfg_t *c,
                    wl_t *w);
/* The point's key: 16 hex digits into key[17]. */
void sw_point_key(const sw_spec_t *s, const sw_point_t *p, char key[17]);
/* Hash of the point's effective workload (points that share it form one
 * Pareto group): 16 hex digits. */
void sw_point_group(const sw_spec_t *s, const sw_point_t *p, char key[17]);
/* The run options of a point as argv entries after "attnsim run" (without
 * --json): --config, --workload, --quiet, flags, --set/--wset pairs.
 * Returns the count (at most SW_MAX_ARGS); the pointers point into s. */
#define SW_MAX_ARGS (16 + 4 * (SW_MAX_SETS + SW_MAX_AXES))
int sw_point_args(const sw_spec_t *s, const sw_point_t *p, const char **argv);

#endif

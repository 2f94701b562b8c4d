/* mech.h - attention mechanisms as data. Each mechanism (dense attention,
 * SpAtten's schedule, BiFormer's routing, SpAtten's CSV traces) is one
 * module with one entry in the table mech.c holds: how a workload is
 * claimed, lowered, checked against its golden model, what the simulator
 * must know of it and what it adds to the report. The compiler driver,
 * the engine, the checker and the report reach a mechanism only through
 * its entry and never test a workload's kind (docs/extending.md).
 */
#ifndef ATTN_MECH_H
#define ATTN_MECH_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "workload.h"
#include "yload.h"

struct comp;    /* compiler/lower.h */
struct chk;     /* sim/check.h */
struct ten;     /* common/tensor.h */
struct memimg;  /* sim/memimg.h */
struct declog;  /* sim/declog.h */
struct rep;     /* sim/report.h */
struct jw;      /* common/json writer */

typedef struct mech {
  const char *name; /* "dense", "spatten", "biformer", "spatten-csv" */
  const char *doc;  /* its contract, docs/... */
  /* Does it own workload w on a datapath of `width` bits? The table is
   * tried in order; the last entry (dense) claims everything. */
  bool (*claims)(const wl_t *w, int width);
  /* Workload: its keys (the schema is the base keys, then every
   * mechanism's in table order), its cross-field rules (run on every
   * workload: they concern its own keys), and cutting its per-layer
   * lists to the first n layers (--layers). */
  const yl_key_t *wl_keys;
  int wl_nkeys;
  int (*wl_check)(const wl_t *w, const yl_schema_t *sc, const char *origin,
                  const yl_mark_t *marks, err_t *e);
  void (*wl_keep_layers)(wl_t *w, int n);
  /* Input of its own: a workload file it reads instead of a YAML
   * workload (SpAtten's CSV traces), named `file_noun` in messages
   * ("a .csv workload"); NULL when it has none. load_file fills the
   * workload the file describes, lower_file writes its program. */
  bool (*owns_file)(const char *path);
  const char *file_noun;
  int (*load_file)(const char *path, wl_t *w, err_t *e);
  int (*lower_file)(const cfg_t *c, const char *path, const char *cfg_name,
                    FILE *f, err_t *e);
  /* Compiler: emit the program (compiler/lower.h's context). Every entry
   * that claims workloads has one; SpAtten's CSV traces are lowered by
   * spc_compile instead. */
  void (*lower)(struct comp *c);
  /* its lowering has a tiled mapping (docs/tiling.md; common/mapping.h) */
  bool tiles;
  /* Compiler: refuse a config whose hardware cannot run the mechanism,
   * before anything is emitted. Returns 0, or err_at's status with e set
   * (cfg_name: the config's file, for the message). NULL: any config. */
  int (*hw_check)(const cfg_t *c, const char *cfg_name, err_t *e);
  /* Golden model and comparison (sim/check.h); NULL: no --check. */
  int (*check)(const cfg_t *c, const wl_t *w, const struct ten *t,
               const struct memimg *mi, const struct declog *simlog,
               struct chk *r);
  /* Why --timing-only cannot run it (its decisions come from the data),
   * or NULL when it can. */
  const char *needs_data;
  /* Simulator: HEAD markers count the heads and may skip pruned ones. */
  bool (*head_markers)(const wl_t *w, int width);
  /* Simulator: counters are attributed to layer records event by event. */
  bool per_layer;
  /* Simulator: its decode program appends each new token's K/V rows to
   * the cache (STK, STV; docs/serve.md), so the memory image's cache
   * starts with the prompt's rows only; false: the program only reads the
   * cache, which holds every position's rows from the start. */
  bool appends_cache;
  /* Simulator: tokens per region of case cs for REGION fetches (0: the
   * mechanism has none, and a REGION fetch is an error). */
  int (*region_rows)(const wl_t *w, int cs);
  /* Simulator: the LCE kernel's side (0: none). */
  int (*lce_kernel)(const wl_t *w);
  /* Report (NULL: nothing): JSON members after the common ones, a text
   * line after the compute line, and text after the summary. */
  void (*report_json)(const struct rep *r, struct jw *w);
  void (*report_ops_text)(const struct rep *r, FILE *f);
  void (*report_text)(const struct rep *r, FILE *f);
  /* Report: what a decode's DRAM writes past its outputs hold, in the
   * text summary's serve line; NULL: "K/V appended" (the cache rows). */
  const char *extra_writes;
  /* Compiler: hw_check with the workload (buffers its shape needs); NULL:
   * none. Run after hw_check, with the same contract. */
  int (*hw_check_wl)(const cfg_t *c, const wl_t *w, const char *cfg_name,
                     err_t *e);
} mech_t;

/* The mechanism that owns w (never NULL). */
const mech_t *mech_of(const wl_t *w, int width);
/* The mechanism that reads workload file `path` itself, or NULL (a YAML
 * workload). */
const mech_t *mech_for_file(const char *path);
/* By name, or NULL. */
const mech_t *mech_by_name(const char *name);
extern const mech_t *const mech_table[];
extern const int mech_count;

#endif

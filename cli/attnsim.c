/* attnsim - command-line front end. Every subcommand parses its options,
 * calls the library, prints errors as "attnsim: <message>" and exits with
 * 0 (success), 1 (check mismatch or run failure), 2 (bad input or usage)
 * or 130 (interrupted). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "config.h"
#include "cpu.h"
#include "dram_hbm2.h"
#include "dram_replay.h"
#include "engine.h"
#include "err.h"
#include "file.h"
#include "gpu.h"
#include "jsonw.h"
#include "memtrace.h"
#include "outfile.h"
#include "plot.h"
#include "recost.h"
#include "report.h"
#include "run.h"
#include "schedule.h"
#include "mech.h"
#include "spec.h"
#include "tensor.h"
#include "timeline.h"
#include "trace.h"
#include "workload.h"
#include "yload.h"

#define MAX_SETS 64

typedef struct opts {
  const char *argv0; /* this program as invoked (sweep runs it per point) */
  const char *config, *workload, *out, *json, *csv, *timeline, *input;
  const char *jobs, *emit, *merge, *point, *gpu, *reps; /* sweep, baselines */
  const char *issue;  /* dram: --issue-per-cycle */
  const char *layers; /* --layers N: keep the workload's first N layers */
  const char *layers_csv; /* --layers-csv FILE: one row per layer record */
  const char *tl_window;  /* --timeline-window FROM:TO, parsed into: */
  uint64_t tl_from, tl_to; /* cycles; 0, UINT64_MAX without it */
  const char *sets[MAX_SETS], *wsets[MAX_SETS];
  int nsets, nwsets;
  int check, quiet, doc, timing_only, dense, force, retry_failed;
  const char *baseline;  /* --baseline FILE */
  rep_base_t *base_out;  /* running the baseline: capture, report nothing */
  const rep_base_t *base;
} opts_t;

static const char exit_status_text[] =
    "exit status: 0 ok, 1 check mismatch or run failure, 2 bad input or "
    "usage, 130 interrupted\n";

static int fail(const err_t *e) {
  fprintf(stderr, "attnsim: %s\n", e->msg);
  return e->status ? e->status : ERR_RUN;
}

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "attnsim: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(attnsim help for usage)\n");
  return ERR_BAD_INPUT;
}

/* fopen for an input file; a folder or a missing file is bad input. */
static FILE *open_input(const char *path, const char *mode, err_t *e) {
  struct stat st;
  FILE *f = fopen(path, mode);
  if (!f) {
    err_at(e, path, 0, 0, "input", "cannot open: %s", strerror(errno));
    return NULL;
  }
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    err_at(e, path, 0, 0, "input", "cannot open: %s", strerror(EISDIR));
    return NULL;
  }
  return f;
}

static int load_config(const opts_t *o, cfg_t *c, err_t *e) {
  int i;
  if (!o->config) return err_set(e, ERR_BAD_INPUT, "--config FILE is required");
  if (cfg_load(o->config, c, e)) return e->status;
  for (i = 0; i < o->nsets; i++)
    if (cfg_set(c, o->sets[i], e)) return e->status;
  return 0;
}

/* --layers N: a whole number from 1 to the workload's model.layers. */
static int keep_layers(const opts_t *o, wl_t *w, err_t *e) {
  char *end;
  long v;
  errno = 0;
  v = strtol(o->layers, &end, 10);
  if (end == o->layers || *end || errno || (o->layers[0] != '-' &&
                                            (o->layers[0] < '0' || o->layers[0] > '9')))
    return err_set(e, ERR_BAD_INPUT, "--layers: not a whole number (got %s, "
                   "expected 1..%d, the model.layers of %s)", o->layers,
                   w->layers, o->workload);
  if (v < 1 || v > w->layers)
    return err_set(e, ERR_BAD_INPUT, "--layers: out of range (got %s, "
                   "expected 1..%d, the model.layers of %s)", o->layers,
                   w->layers, o->workload);
  wl_keep_layers(w, (int)v);
  return 0;
}

/* The size limits are judged last, on the workload --layers and --wset
 * leave (so they can bring a large one within them), at the key's place
 * in the file or at "<--wset>". */
static int load_workload(const opts_t *o, wl_t *w, err_t *e) {
  yl_mark_t marks[WL_NMARKS];
  int i;
  if (!o->workload)
    return err_set(e, ERR_BAD_INPUT, "--workload FILE is required");
  if (wl_load_marked(o->workload, w, marks, e)) return e->status;
  if (o->layers && keep_layers(o, w, e)) return e->status;
  for (i = 0; i < o->nwsets; i++)
    if (wl_set_marked(w, o->wsets[i], marks, e)) return e->status;
  if (o->dense) wl_clear_schedule(w);
  if (o->nwsets && wl_validate_unsized(w, "<--wset>", e)) return e->status;
  return wl_check_size(w, o->workload, marks, e);
}

/* A mechanism whose decisions come from the data needs values. */
static int timing_only_ok(const opts_t *o, const cfg_t *c, const wl_t *w,
                          err_t *e) {
  const mech_t *m = mech_of(w, c->width);
  if (o->timing_only && m->needs_data)
    return err_set(e, ERR_BAD_INPUT, "%s", m->needs_data);
  return 0;
}

/* ---- simulate a trace and report --------------------------------------- */

typedef struct run_ctx {
  const opts_t *o;
  const cfg_t *cfg;
  const char *workload_path;
  err_t *e;
} run_ctx_t;

static int write_reports(const run_ctx_t *x, const wl_t *w, const stats_t *st,
                         const chk_t *chk) {
  rep_t r;
  memset(&r, 0, sizeof r);
  r.cfg = x->cfg;
  r.wl = w;
  r.st = st;
  r.config_path = x->o->config;
  r.workload_path = x->workload_path;
  r.config_hash = cfg_hash(x->cfg);
  r.base = x->o->base;
  if (x->o->base_out) { /* a baseline run: keep its figures, print nothing */
    double v;
    x->o->base_out->cycles = st->c[ST_CYCLES];
    x->o->base_out->dram_read_bytes = st->c[ST_DRAM_READ_BYTES];
    x->o->base_out->energy_pj = rep_value(&r, "energy_pj.total", &v) ? 0 : v;
    return 0;
  }
  if (chk) {
    r.checked = 1;
    r.check_ok = chk->ok;
    snprintf(r.check_msg, sizeof r.check_msg, "%s", chk->msg);
    r.check_max_float_err = chk->max_float_err;
    r.check_float_tol = chk->float_tol;
    r.check_pruned = chk->pruned;
    r.check_decisions = chk->decisions;
    r.acc_rel_err = chk->rel_err;
    r.acc_mass_kept = chk->mass_kept;
    r.acc_rel_err_renorm = chk->rel_err_renorm;
    r.acc_kvq = chk->kvq;
    r.acc_kvq_max_err = chk->kvq_max_err;
    r.acc_kvq_rms_err = chk->kvq_rms_err;
    r.acc_kvq_rel_err = chk->kvq_rel_err;
  }
  if (!x->o->quiet) rep_text(&r, stdout);
  if (x->o->json && rep_json(&r, x->o->json, x->e)) return x->e->status;
  if (x->o->csv && rep_csv(&r, x->o->csv, x->e)) return x->e->status;
  if (x->o->layers_csv && rep_layers_csv(&r, x->o->layers_csv, x->e))
    return x->e->status;
  return 0;
}

static int simulate(const run_ctx_t *x, trace_reader_t *tr, const ten_t *ten,
                    stats_t *st, chk_t *chk) {
  outfile_t tlf;
  timeline_t tl;
  sim_t *s = sim_new(x->cfg, &tr->hdr.wl, ten, x->o->config, x->e);
  declog_t log = {0};
  int rc;
  if (!s) return x->e->status;
  if (x->o->timing_only) sim_timing_only(s);
  if (x->o->layers_csv) sim_attribute_layers(s);
  if (x->o->check) sim_log_decisions(s, &log);
  if (x->o->timeline) {
    if (of_open(&tlf, x->o->timeline, x->e)) {
      sim_free(s);
      return x->e->status;
    }
    tl_begin(&tl, tlf.f, x->cfg->clock_ghz, x->o->tl_from, x->o->tl_to);
    sim_on_span(s, tl_span, &tl);
    sim_on_state(s, tl_state, &tl);
    sim_on_sample(s, tl_sample, &tl);
  }
  rc = sim_run(s, tr, st, x->e);
  if (x->o->timeline) {
    tl_end(&tl, st->c[ST_CYCLES]);
    if (rc) of_abort(&tlf);
    else rc = of_commit(&tlf, x->e);
  }
  if (!rc && x->o->check &&
      chk_run(x->cfg, &tr->hdr.wl, ten, sim_memimg(s), &log, chk))
    rc = err_set(x->e, ERR_RUN, "out of memory during --check");
  sim_free(s);
  dec_free(&log);
  return rc;
}

static int sim_and_report(const run_ctx_t *x, trace_reader_t *tr) {
  stats_t st;
  chk_t chk;
  ten_t *ten = NULL;
  int rc;
  st_init(&st);
  if (ten_open(&ten, &tr->hdr.wl, x->e)) return fail(x->e);
  rc = simulate(x, tr, ten, &st, &chk);
  if (!rc) rc = write_reports(x, &tr->hdr.wl, &st, x->o->check ? &chk : NULL);
  ten_close(ten);
  st_free(&st);
  if (rc) return fail(x->e);
  if (x->o->check && !chk.ok) {
    fprintf(stderr, "attnsim: check failed: %s\n", chk.msg);
    return ERR_RUN;
  }
  if (x->o->check && x->o->quiet) printf("check: %s\n", chk.msg);
  return 0;
}

/* A workload file its mechanism reads itself (mech.h): no --wset or
 * --layers, since its contents define the workload. */
static int file_opts_ok(const mech_t *m, const opts_t *o, err_t *e) {
  if (o->nwsets || o->layers)
    return err_set(e, ERR_BAD_INPUT, "%s does not apply to %s (its rows "
                   "define the workload)", o->nwsets ? "--wset" : "--layers",
                   m->file_noun);
  return 0;
}

/* run on a .csv trace: import, lower and simulate timing only (no tensor
 * data exists, so no --check). */
static int cmd_run_one(const opts_t *o);

/* --baseline: run FILE first with the same config, capture its figures,
 * then the workload itself reporting against them. The same file as the
 * workload is run dense (its schedule cleared). */
static int cmd_run(const opts_t *o) {
  opts_t b = *o, m = *o;
  rep_base_t base;
  int rc;
  if (!o->baseline) return cmd_run_one(o);
  memset(&base, 0, sizeof base);
  b.workload = o->baseline;
  b.baseline = NULL;
  b.json = b.csv = b.timeline = b.layers_csv = NULL;
  b.check = 0;
  b.quiet = 1;
  b.dense = o->dense || strcmp(o->baseline, o->workload ? o->workload : "") == 0;
  b.base_out = &base;
  if ((rc = cmd_run_one(&b))) return rc;
  m.baseline = NULL;
  m.base = &base;
  return cmd_run_one(&m);
}

/* run on a workload file its mechanism reads itself: import, lower and
 * simulate timing only (no tensor data exists, so no --check). */
static int cmd_run_file(const mech_t *m, const opts_t *o) {
  cfg_t c;
  err_t e;
  trace_reader_t tr;
  FILE *f;
  opts_t ot = *o;
  run_ctx_t x = {&ot, &c, o->workload, &e};
  int rc;
  err_clear(&e);
  if (o->check && !m->check)
    return usage_error("--check needs tensor data, which %s does not have "
                       "(it runs timing only)", m->file_noun);
  ot.timing_only = 1;
  if (load_config(o, &c, &e) || file_opts_ok(m, o, &e)) return fail(&e);
  if (!(f = tmpfile())) rc = err_set(&e, ERR_RUN, "cannot create a temporary trace");
  else rc = m->lower_file(&c, o->workload, o->config, f, &e) || fflush(f) ||
            fseek(f, 0, SEEK_SET) || trr_open(&tr, f, "<compiled trace>", &e);
  if (rc) {
    if (f) fclose(f);
    return fail(&e);
  }
  rc = sim_and_report(&x, &tr);
  fclose(f);
  return rc;
}

static int cmd_run_one(const opts_t *o) {
  cfg_t c;
  wl_t w;
  err_t e;
  trace_reader_t tr;
  FILE *f;
  run_ctx_t x = {o, &c, o->workload, &e};
  int rc;
  err_clear(&e);
  if (mech_for_file(o->workload)) return cmd_run_file(mech_for_file(o->workload), o);
  if (load_config(o, &c, &e) || load_workload(o, &w, &e) ||
      timing_only_ok(o, &c, &w, &e))
    return fail(&e);
  if (!(f = tmpfile())) return err_set(&e, ERR_RUN, "cannot create a temporary trace"), fail(&e);
  if (comp_compile(&c, &w, o->config, f, &e) || fflush(f) || fseek(f, 0, SEEK_SET) ||
      trr_open(&tr, f, "<compiled trace>", &e)) {
    fclose(f);
    return fail(&e);
  }
  rc = sim_and_report(&x, &tr);
  fclose(f);
  return rc;
}

static int cmd_sim(const opts_t *o) {
  cfg_t c;
  err_t e;
  trace_reader_t tr;
  FILE *f;
  run_ctx_t x = {o, &c, NULL, &e};
  int rc;
  err_clear(&e);
  if (!o->input) return usage_error("%s", "sim needs a TRACE file");
  if (load_config(o, &c, &e)) return fail(&e);
  if (!(f = open_input(o->input, "rb", &e))) return fail(&e);
  if (trr_open(&tr, f, o->input, &e) || timing_only_ok(o, &c, &tr.hdr.wl, &e)) {
    fclose(f);
    return fail(&e);
  }
  rc = sim_and_report(&x, &tr);
  fclose(f);
  return rc;
}

static int cmd_compile(const opts_t *o) {
  cfg_t c;
  wl_t w;
  err_t e;
  outfile_t of;
  err_clear(&e);
  if (!o->out) return usage_error("%s", "compile needs -o TRACE");
  if (mech_for_file(o->workload))
    return usage_error("%s is simulated with run (timing only), not compiled "
                       "to a trace", mech_for_file(o->workload)->file_noun);
  if (load_config(o, &c, &e) || load_workload(o, &w, &e)) return fail(&e);
  if (strcmp(o->out, "-") == 0) return usage_error("%s", "compile cannot write a trace to stdout (it must be seekable)");
  if (of_open(&of, o->out, &e)) return fail(&e);
  if (comp_compile(&c, &w, o->config, of.f, &e)) {
    of_abort(&of);
    return fail(&e);
  }
  return of_commit(&of, &e) ? fail(&e) : 0;
}

/* asm and disasm: stream in to a committed output file. */
static int cmd_convert(const opts_t *o, int to_text) {
  err_t e;
  outfile_t of;
  trace_reader_t tr;
  FILE *in;
  int rc;
  err_clear(&e);
  if (!o->input) return usage_error("%s", "expected an input file");
  if (!(in = open_input(o->input, to_text ? "rb" : "r", &e))) return fail(&e);
  if (!to_text && (!o->out || strcmp(o->out, "-") == 0)) {
    fclose(in);
    return usage_error("%s", "asm needs -o TRACE (a seekable file)");
  }
  if (of_open(&of, o->out ? o->out : "-", &e)) {
    fclose(in);
    return fail(&e);
  }
  if (to_text)
    rc = trr_open(&tr, in, o->input, &e) || trace_disasm(&tr, of.f, &e);
  else
    rc = trace_asm(in, o->input, of.f, &e);
  fclose(in);
  if (rc) {
    of_abort(&of);
    return fail(&e);
  }
  return of_commit(&of, &e) ? fail(&e) : 0;
}

/* ---- attnsim dram: standalone DRAM replay ------------------------------ */

/* --issue-per-cycle: a plain decimal 1..1024 (default 1). */
static int parse_issue(const char *s, int *k) {
  char *end;
  long v;
  *k = 1;
  if (!s) return 0;
  errno = 0;
  v = strtol(s, &end, 10);
  if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > 1024)
    return usage_error("--issue-per-cycle: not a whole number of requests "
                       "(got %s, expected 1 to 1024)", s);
  *k = (int)v;
  return 0;
}

/* The replay's figures as (name, value) rows: one table for the text
 * summary and the JSON, so the two never drift. */
typedef struct drow {
  const char *name;
  int real; /* print v.d, else v.u */
  uint64_t u;
  double d;
} drow_t;

static int dram_rows(const drp_result_t *r, drow_t *rows) {
  const uint64_t *c = r->st.c;
  const drow_t tab[] = {
      {"requests", 0, r->requests, 0},
      {"reads", 0, r->reads, 0},
      {"writes", 0, r->writes, 0},
      {"cycles", 0, r->cycles, 0},
      {"bandwidth_GBps", 1, 0, r->bandwidth_gbps},
      {"mean_read_latency_cycles", 1, 0, r->mean_read_latency_cycles},
      {"activates", 0, c[ST_DRAM_ACTIVATES], 0},
      {"precharges", 0, c[ST_DRAM_PRECHARGES], 0},
      {"row_hits", 0, c[ST_DRAM_ROW_HITS], 0},
      {"row_hit_rate", 1, 0, r->row_hit_rate},
      {"refreshes", 0, c[ST_DRAM_REFRESHES], 0},
      {"energy_pj", 1, 0, r->energy.total},
      {"energy_parts_pj.activate", 1, 0, r->energy.activate},
      {"energy_parts_pj.read", 1, 0, r->energy.read},
      {"energy_parts_pj.write", 1, 0, r->energy.write},
      {"energy_parts_pj.refresh", 1, 0, r->energy.refresh},
      {"energy_parts_pj.active_standby", 1, 0, r->energy.act_standby},
      {"energy_parts_pj.precharged_standby", 1, 0, r->energy.pre_standby},
      {"pj_per_bit", 1, 0, r->pj_per_bit},
  };
  memcpy(rows, tab, sizeof tab);
  return (int)(sizeof tab / sizeof tab[0]);
}

static void dram_value(FILE *f, const drow_t *w) {
  if (w->real) fprintf(f, "%.10g", w->d);
  else fprintf(f, "%llu", (unsigned long long)w->u);
}

/* JSON: one object; "energy_parts_pj.x" rows form a nested object, laid
 * out as it always was: braces hugging its members (JW_HUG). */
static void dram_json(FILE *f, const drow_t *rows, int n) {
  static const char pre[] = "energy_parts_pj.";
  const size_t np = sizeof pre - 1;
  int i, in_parts = 0;
  jw_t w;
  jw_init(&w, f);
  jw_object(&w, JW_LINES);
  for (i = 0; i < n; i++) {
    int part = strncmp(rows[i].name, pre, np) == 0;
    if (in_parts && !part) jw_end(&w), in_parts = 0;
    if (part && !in_parts) {
      jw_key(&w, "energy_parts_pj");
      jw_object(&w, JW_HUG);
      in_parts = 1;
    }
    jw_key(&w, part ? rows[i].name + np : rows[i].name);
    if (rows[i].real) jw_real(&w, rows[i].d);
    else jw_u64(&w, rows[i].u);
  }
  if (in_parts) jw_end(&w);
  jw_end(&w);
}

static int cmd_dram(const opts_t *o) {
  cfg_t c;
  err_t e;
  mtr_t tr;
  drp_result_t r;
  drow_t rows[32];
  outfile_t of;
  FILE *f;
  int k, n, i, rc;
  err_clear(&e);
  if (parse_issue(o->issue, &k)) return ERR_BAD_INPUT;
  if (!o->input) return usage_error("%s", "dram needs a TRACE file");
  if (load_config(o, &c, &e)) return fail(&e);
  if (!cfg_dram_is_hbm2(&c)) {
    err_at(&e, o->config, 0, 0, "dram.model", "the replay needs the "
           "bank-level model (got %s, expected hbm2)", c.dram_model);
    return fail(&e);
  }
  if (!(f = open_input(o->input, "r", &e))) return fail(&e);
  mtr_open(&tr, f, o->input);
  rc = drp_run(&c, &tr, k, &r, &e);
  mtr_close(&tr);
  fclose(f);
  if (rc) return fail(&e);
  n = dram_rows(&r, rows);
  if (!o->quiet) {
    printf("attnsim dram: %s on %s, ", o->input, o->config);
    if (k == 1) printf("one request issued per cycle at most\n");
    else printf("up to %d requests issued per cycle\n", k);
    for (i = 0; i < n; i++) {
      printf("  %-36s ", rows[i].name);
      dram_value(stdout, &rows[i]);
      putchar('\n');
    }
  }
  if (!o->json) return 0;
  if (of_open(&of, o->json, &e)) return fail(&e);
  dram_json(of.f, rows, n);
  return of_commit(&of, &e) ? fail(&e) : 0;
}

/* ---- attnsim recost: a saved run with another energy and area table --- */

#define RECOST_MAX_BYTES ((size_t)1 << 30) /* a report is far smaller */

static int cmd_recost(const opts_t *o) {
  cfg_t c;
  err_t e;
  rc_run_t run;
  rep_t r;
  size_t len = 0;
  char *text;
  int rc = 0, same;
  err_clear(&e);
  if (!o->input) return usage_error("%s", "recost needs a STATS.json file");
  if (load_config(o, &c, &e)) return fail(&e);
  if (!(text = file_read_all(o->input, RECOST_MAX_BYTES, "input", &len, &e)))
    return fail(&e);
  rc = rc_load(o->input, text, len, &run, &e);
  free(text);
  if (rc) return fail(&e);
  if (rc_match_config(&run, &c, o->sets, o->nsets, &same, &e)) {
    rc_free(&run);
    return fail(&e);
  }
  memset(&r, 0, sizeof r);
  r.cfg = &c;
  r.wl = &run.wl;
  r.st = &run.st;
  r.config_path = o->config;
  r.workload_path = run.has_wl_path ? run.wl_path : NULL;
  r.config_hash = cfg_hash(&c);
  r.checked = run.checked;
  r.check_ok = run.check_ok;
  snprintf(r.check_msg, sizeof r.check_msg, "%s", run.check_msg);
  r.check_max_float_err = run.check_max_float_err;
  r.check_float_tol = run.check_float_tol;
  r.check_pruned = run.check_pruned;
  r.check_decisions = run.check_decisions;
  r.acc_rel_err = run.acc_rel_err;
  r.acc_mass_kept = run.acc_mass_kept;
  r.acc_rel_err_renorm = run.acc_rel_err_renorm;
  r.case_energy_pj = run.stage_energy_pj;
  if (!o->quiet) {
    printf("attnsim recost: the counts of %s (config hash %s), costed with "
           "%s (config hash 0x%016llx)\n", o->input, run.config_hash,
           o->config, (unsigned long long)r.config_hash);
    rep_text(&r, stdout);
  }
  if (o->json && rep_json(&r, o->json, &e)) rc = e.status;
  if (!rc && o->csv && rep_csv(&r, o->csv, &e)) rc = e.status;
  rc_free(&run);
  return rc ? fail(&e) : 0;
}

static int cmd_config(const opts_t *o) {
  cfg_t c;
  err_t e;
  err_clear(&e);
  if (o->doc) {
    cfg_doc(stdout);
    return 0;
  }
  cfg_defaults(&c);
  if (o->config && load_config(o, &c, &e)) return fail(&e);
  cfg_dump(&c, stdout);
  return 0;
}

static int cmd_workload(const opts_t *o) {
  wl_t w;
  err_t e;
  err_clear(&e);
  if (o->doc) {
    wl_doc(stdout);
    return 0;
  }
  if (mech_for_file(o->workload)) { /* the workload the file describes */
    const mech_t *m = mech_for_file(o->workload);
    if (file_opts_ok(m, o, &e) || m->load_file(o->workload, &w, &e)) return fail(&e);
    wl_dump(&w, stdout);
    return 0;
  }
  if (load_workload(o, &w, &e)) return fail(&e);
  wl_dump(&w, stdout);
  return 0;
}

/* ---- sweeps, plots and baselines ----------------------------------------- */

/* A whole number in lo..hi from an option's text; -1 after a usage error. */
static int parse_count(const char *name, const char *text, int lo, int hi,
                       int *out) {
  char *end;
  long v;
  errno = 0;
  v = strtol(text, &end, 10);
  if (!*text || *end || errno || v < lo || v > hi) {
    fprintf(stderr, "attnsim: %s: not a whole number in %d..%d (got %s)\n",
            name, lo, hi, text);
    return -1;
  }
  *out = (int)v;
  return 0;
}

/* This program, to exec for each point of a sweep. */
static const char *self_path(const char *argv0) {
  static char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return argv0;
  buf[n] = '\0';
  return buf;
}

/* A status from the sweep library: its message when it set one. */
static int sweep_status(const err_t *e, int rc) {
  if (rc && e->msg[0]) return fail(e);
  return rc;
}

static int cmd_merge(const opts_t *o) {
  err_t e;
  err_clear(&e);
  if (o->input || o->emit || o->point || o->out)
    return usage_error("%s", "sweep --merge DIR takes no SPEC, -o, --emit or --point");
  return sweep_status(&e, swr_merge(o->merge, o->quiet ? NULL : stderr, &e));
}

static int sweep_opts(const opts_t *o, const char *argv0, swr_opts_t *so,
                      int *point) {
  *so = (swr_opts_t){o->out, self_path(argv0), 1, o->force, o->retry_failed,
                     isatty(2) ? 1 : 0, stderr};
  if (o->quiet) so->progress = -1;
  if (!o->input) return usage_error("%s", "sweep needs a SPEC file (or --merge DIR)");
  if (!o->out) return usage_error("%s", "sweep needs -o DIR");
  if (o->emit && o->point) return usage_error("%s", "--emit and --point exclude each other");
  if (o->jobs && parse_count("-j", o->jobs, 1, 256, &so->jobs)) return ERR_BAD_INPUT;
  if (o->point && parse_count("--point", o->point, 0, SW_MAX_POINTS - 1, point))
    return ERR_BAD_INPUT;
  return 0;
}

static int cmd_sweep(const opts_t *o) {
  swr_opts_t so;
  sw_spec_t *s;
  err_t e;
  int rc, point = -1;
  err_clear(&e);
  if (o->merge) return cmd_merge(o);
  if ((rc = sweep_opts(o, o->argv0, &so, &point))) return rc;
  if (!(s = calloc(1, sizeof *s))) return err_set(&e, ERR_RUN, "out of memory"), fail(&e);
  if (sw_load(o->input, s, &e)) {
    free(s);
    return fail(&e);
  }
  if (o->emit) rc = swr_emit(s, o->emit, &so, &e);
  else if (point >= 0) rc = swr_point(s, point, &so, &e);
  else rc = swr_sweep(s, &so, &e);
  sw_free(s);
  free(s);
  return sweep_status(&e, rc);
}

static int cmd_plot(const opts_t *o) {
  err_t e;
  err_clear(&e);
  if (!o->input) return usage_error("%s", "plot needs a sweep folder");
  return plot_dir(o->input, o->quiet ? NULL : stderr, &e) ? fail(&e) : 0;
}

/* "name (phase, L layers x H heads, head_dim D)" of a workload ("1 layer"
 * and "1 head" in the singular). */
static void wl_line(const wl_t *w, char *buf, size_t len) {
  snprintf(buf, len, "%s (%s, %d layer%s x %d head%s, head_dim %d)", w->name,
           wl_phase_name(w->phase), w->layers,
           w->layers == 1 ? "" : "s", w->heads, w->heads == 1 ? "" : "s",
           w->head_dim);
}

/* "workload": {name, path, phase, layers, heads, head_dim} on one line. */
static void json_workload(jw_t *j, const opts_t *o, const wl_t *w) {
  jw_key(j, "workload");
  jw_object(j, JW_INLINE);
  jw_key(j, "name");
  jw_str(j, w->name);
  jw_key(j, "path");
  jw_str(j, o->workload);
  jw_key(j, "phase");
  jw_str(j, wl_phase_name(w->phase));
  jw_key(j, "layers");
  jw_i64(j, w->layers);
  jw_key(j, "heads");
  jw_i64(j, w->heads);
  jw_key(j, "head_dim");
  jw_i64(j, w->head_dim);
  jw_end(j);
}

/* key: v (%.10g) in the object open in j. */
static void json_real_member(jw_t *j, const char *key, double v) {
  jw_key(j, key);
  jw_real(j, v);
}

static void json_gpu(jw_t *j, const gpu_t *g) {
  jw_key(j, "gpu");
  jw_object(j, JW_INLINE);
  jw_key(j, "name");
  jw_str(j, g->name);
  json_real_member(j, "peak_tflops", g->peak_tflops);
  json_real_member(j, "bandwidth_GBps", g->bandwidth_GBps);
  jw_key(j, "bytes_per_element");
  jw_i64(j, g->bytes_per_element);
  jw_end(j);
}

static int gpu_json(const opts_t *o, const gpu_t *g, const wl_t *w,
                    const gpu_roof_t *r, err_t *e) {
  outfile_t f;
  jw_t j;
  if (of_open(&f, o->json, e)) return e->status;
  jw_init(&j, f.f);
  jw_object(&j, JW_LINES);
  jw_key(&j, "baseline");
  jw_str(&j, "gpu-roofline");
  json_gpu(&j, g);
  json_workload(&j, o, w);
  json_real_member(&j, "flops", r->flops);
  json_real_member(&j, "bytes", r->bytes);
  json_real_member(&j, "t_compute", r->t_compute);
  json_real_member(&j, "t_memory", r->t_memory);
  json_real_member(&j, "seconds", r->seconds);
  jw_key(&j, "bound");
  jw_str(&j, r->bound);
  json_real_member(&j, "tflops", r->tflops);
  jw_end(&j);
  return of_commit(&f, e);
}

static int cmd_baseline_gpu(const opts_t *o) {
  gpu_t g;
  wl_t w;
  attn_work_t a;
  gpu_roof_t r;
  opts_t dense = *o; /* baselines are dense attention */
  err_t e;
  dense.dense = 1;
  char wl[200];
  err_clear(&e);
  if (!o->gpu) return usage_error("%s", "baseline-gpu needs --gpu FILE");
  if (gpu_load(o->gpu, &g, &e) || load_workload(&dense, &w, &e)) return fail(&e);
  attn_work(&w, &a);
  gpu_roofline(&g, &a, &r);
  wl_line(&w, wl, sizeof wl);
  if (!o->quiet) {
    printf("baseline-gpu: roofline of %s on %s\n", g.name, wl);
    printf("  work     %.4g FLOP (2 x %.4g MACs), %.4g B of DRAM at %d B per "
           "element (%.3g FLOP/B)\n", r.flops, a.macs, r.bytes,
           g.bytes_per_element, r.bytes > 0 ? r.flops / r.bytes : 0);
    printf("  roofs    %.4g TFLOP/s, %.4g GB/s (ridge %.3g FLOP/B)\n",
           g.peak_tflops, g.bandwidth_GBps, g.peak_tflops * 1e3 / g.bandwidth_GBps);
    printf("  time     %.4g s, %s bound (compute alone %.4g s, memory alone "
           "%.4g s), %.4g TFLOP/s\n", r.seconds, r.bound, r.t_compute,
           r.t_memory, r.tflops);
  }
  return o->json && gpu_json(o, &g, &w, &r, &e) ? fail(&e) : 0;
}

/* "machine": what the timing ran on, on one line. */
static void json_machine(jw_t *j, const cpu_result_t *r) {
  jw_key(j, "machine");
  jw_object(j, JW_INLINE);
  jw_key(j, "cpu");
  jw_str(j, r->cpu);
  jw_key(j, "cpus_online");
  jw_i64(j, r->cpus_online);
  jw_key(j, "load1");
  jw_fixed(j, r->load1, 2);
  jw_key(j, "threads");
  jw_i64(j, 1);
  jw_key(j, "compiler");
  jw_str(j, r->compiler);
  jw_key(j, "build");
  jw_str(j, r->build);
  jw_end(j);
}

static int cpu_json(const opts_t *o, const wl_t *w, const cpu_result_t *r,
                    err_t *e) {
  outfile_t f;
  jw_t j;
  if (of_open(&f, o->json, e)) return e->status;
  jw_init(&j, f.f);
  jw_object(&j, JW_LINES);
  jw_key(&j, "baseline");
  jw_str(&j, "cpu-golden");
  json_machine(&j, r);
  json_workload(&j, o, w);
  jw_key(&j, "reps");
  jw_i64(&j, r->reps);
  json_real_member(&j, "seconds_min", r->seconds_min);
  json_real_member(&j, "seconds_median", r->seconds_median);
  json_real_member(&j, "flops", r->flops);
  json_real_member(&j, "gflops", r->gflops);
  jw_end(&j);
  return of_commit(&f, e);
}

static int cmd_baseline_cpu(const opts_t *o) {
  cpu_result_t r;
  wl_t w;
  opts_t dense = *o; /* baselines are dense attention */
  err_t e;
  dense.dense = 1;
  char wl[200];
  int reps = 3;
  err_clear(&e);
  if (o->reps && parse_count("--reps", o->reps, 1, CPU_MAX_REPS, &reps))
    return ERR_BAD_INPUT;
  if (load_workload(&dense, &w, &e) || cpu_bench(&w, reps, &r, &e)) return fail(&e);
  wl_line(&w, wl, sizeof wl);
  if (!o->quiet) {
    printf("baseline-cpu: golden model (double precision, 1 thread) on %s\n", wl);
    printf("  machine  %s, %d CPUs online, load %.2f at start; %s; build %s\n",
           r.cpu, r.cpus_online, r.load1, r.compiler, r.build);
    printf("  time     min %.4g s, median %.4g s over %d repetitions (attention "
           "only, tensors generated untimed)\n", r.seconds_min,
           r.seconds_median, r.reps);
    printf("  rate     %.4g GFLOP/s (%.4g FLOP)\n", r.gflops, r.flops);
  }
  return o->json && cpu_json(o, &w, &r, &e) ? fail(&e) : 0;
}

static int cmd_disasm(const opts_t *o) { return cmd_convert(o, 1); }
static int cmd_asm(const opts_t *o) { return cmd_convert(o, 0); }

static int cmd_version(const opts_t *o) {
  (void)o;
  printf("attnsim %s (trace format %u)\n", ATTNSIM_VERSION, TRACE_VERSION);
  return 0;
}

static int cmd_help(const opts_t *o);

/* ---- the command table ---------------------------------------------------
 *
 * Every option is one row of opt_tab; every command one row of cmd_tab,
 * naming the options it takes. The parser, the top-level usage, each
 * command's --help and the up-front check of output paths all read these
 * two tables, so a command cannot take an option its help leaves out. */

enum {
  OPT_CONFIG, OPT_WORKLOAD, OPT_LAYERS, OPT_GPU, OPT_OUT, OPT_JSON, OPT_CSV,
  OPT_TIMELINE, OPT_TL_WINDOW, OPT_LAYERS_CSV, OPT_CHECK, OPT_TIMING_ONLY, OPT_DENSE, OPT_BASELINE,
  OPT_ISSUE, OPT_REPS, OPT_JOBS, OPT_EMIT, OPT_POINT, OPT_MERGE, OPT_FORCE,
  OPT_RETRY_FAILED, OPT_DOC, OPT_SET, OPT_WSET, OPT_QUIET, OPT_COUNT
};
#define B(opt) (1u << (opt))

typedef enum {
  ARG_FLAG,  /* sets an int field to 1 */
  ARG_VALUE, /* takes the next argument (the last one given wins) */
  ARG_REPEAT /* takes the next argument each time (--set, --wset) */
} arg_kind_t;

typedef enum {
  OUT_NONE,
  OUT_FILE, /* a file written through outfile.h: its folder must exist */
  OUT_DIR   /* a folder created with its parents (sweep -o) */
} out_kind_t;

typedef struct opt_def {
  const char *name; /* as typed */
  const char *arg;  /* the value's placeholder; NULL for a flag */
  arg_kind_t kind;
  size_t off;       /* the opts_t field it sets (ARG_REPEAT: the array) */
  size_t off_n;     /* ARG_REPEAT: the opts_t count field */
  out_kind_t out;   /* an output path, checked before any work */
  const char *help; /* one line; -o's comes from the command */
} opt_def_t;

#define FLAG(n, f, h) {n, NULL, ARG_FLAG, offsetof(opts_t, f), 0, OUT_NONE, h}
#define VAL(n, a, f, out, h) \
  {n, a, ARG_VALUE, offsetof(opts_t, f), 0, out, h}

static const opt_def_t opt_tab[OPT_COUNT] = {
    [OPT_CONFIG] = VAL("--config", "FILE", config, OUT_NONE,
                       "hardware config (configs/*.yaml)"),
    [OPT_WORKLOAD] = VAL("--workload", "FILE", workload, OUT_NONE,
                         "workload (workloads/*.yaml)"),
    [OPT_LAYERS] = VAL("--layers", "N", layers, OUT_NONE,
                       "keep the workload's first N layers (every per-layer\n"
                       "list; model.layers = N)"),
    [OPT_GPU] = VAL("--gpu", "FILE", gpu, OUT_NONE,
                    "GPU config (configs/baseline/*.yaml)"),
    [OPT_OUT] = VAL("-o", "PATH", out, OUT_FILE, NULL),
    [OPT_JSON] = VAL("--json", "FILE", json, OUT_FILE,
                     "results as JSON (a run's statistics: docs/stats.md)"),
    [OPT_CSV] = VAL("--csv", "FILE", csv, OUT_FILE, "statistics as one CSV row"),
    [OPT_TIMELINE] = VAL("--timeline", "FILE", timeline, OUT_FILE,
                         "each unit's instructions and states, DRAM bandwidth:\n"
                         "Chrome trace-event JSON (Perfetto; docs/timeline.md)"),
    [OPT_TL_WINDOW] = VAL("--timeline-window", "FROM:TO", tl_window, OUT_NONE,
                          "only cycles FROM to TO of the timeline (slices\n"
                          "clipped, events outside dropped; docs/timeline.md)"),
    [OPT_LAYERS_CSV] = VAL("--layers-csv", "FILE", layers_csv, OUT_FILE,
                           "one CSV row per layer record (decode: per step):\n"
                           "cycles, DRAM bytes, MACs, Q x K utilisation, bound"),
    [OPT_CHECK] = FLAG("--check", check,
                       "compare outputs with the golden models (exit 1 if not)"),
    [OPT_TIMING_ONLY] = FLAG("--timing-only", timing_only,
                             "skip the datapath's values (dense attention: same\n"
                             "cycles and counts, faster; not with --check)"),
    [OPT_DENSE] = FLAG("--dense", dense,
                       "ignore the workload's SpAtten schedule (dense baseline)"),
    [OPT_BASELINE] = VAL("--baseline", "FILE", baseline, OUT_NONE,
                         "also run workload FILE (.yaml or .csv; the same file:\n"
                         "dense) and report speedup, DRAM reduction and energy\n"
                         "saving against it"),
    [OPT_ISSUE] = VAL("--issue-per-cycle", "K", issue, OUT_NONE,
                      "requests issued per cycle, 1..1024 (default 1)"),
    [OPT_REPS] = VAL("--reps", "N", reps, OUT_NONE,
                     "timed repetitions, 1..100 (default 3)"),
    [OPT_JOBS] = VAL("-j", "N", jobs, OUT_NONE, "points run at once (default 1)"),
    [OPT_EMIT] = VAL("--emit", "KIND", emit, OUT_NONE,
                     "write DIR/jobs.txt (parallel) or DIR/sweep.slurm (slurm)\n"
                     "instead of running"),
    [OPT_POINT] = VAL("--point", "I", point, OUT_NONE,
                      "run point I alone (a job of --emit)"),
    [OPT_MERGE] = VAL("--merge", "DIR", merge, OUT_NONE,
                      "DIR/results.csv from the point files the jobs wrote"),
    [OPT_FORCE] = FLAG("--force", force, "rerun finished points too"),
    [OPT_RETRY_FAILED] = FLAG("--retry-failed", retry_failed,
                              "rerun failed points"),
    [OPT_DOC] = FLAG("--doc", doc, "the table of every key instead"),
    [OPT_SET] = {"--set", "KEY=VALUE", ARG_REPEAT, offsetof(opts_t, sets),
                 offsetof(opts_t, nsets), OUT_NONE,
                 "override a config key (repeatable)"},
    [OPT_WSET] = {"--wset", "KEY=VALUE", ARG_REPEAT, offsetof(opts_t, wsets),
                  offsetof(opts_t, nwsets), OUT_NONE,
                  "override a workload key (repeatable)"},
    [OPT_QUIET] = FLAG("--quiet", quiet, "no summary (sweep, plot: no progress)"),
};

typedef struct cmd_def {
  const char *name;
  const char *synopsis; /* after "attnsim NAME" on its usage line */
  const char *summary;  /* one line: the top-level usage and --help */
  const char *details;  /* further lines of --help, or NULL */
  const char *input;    /* its positional argument, or NULL: takes none */
  unsigned opts;        /* B(OPT_...) of the options it takes */
  const char *o_arg, *o_help; /* -o: its placeholder, what it names */
  out_kind_t o_kind;    /* -o: a file or a folder */
  int (*run)(const opts_t *o);
} cmd_def_t;

#define RUN_SIM_OPTS                                                       \
  (B(OPT_CONFIG) | B(OPT_JSON) | B(OPT_CSV) | B(OPT_TIMELINE) |             \
   B(OPT_TL_WINDOW) | B(OPT_LAYERS_CSV) |                                   \
   B(OPT_CHECK) | B(OPT_TIMING_ONLY) | B(OPT_QUIET) | B(OPT_SET))

static const cmd_def_t cmd_tab[] = {
    {"run", "--config C --workload W [options]",
     "compile and simulate in one step",
     "W.csv: one of SpAtten's per-request traces, run timing only.", NULL,
     RUN_SIM_OPTS | B(OPT_WORKLOAD) | B(OPT_LAYERS) | B(OPT_DENSE) |
         B(OPT_BASELINE) | B(OPT_WSET),
     NULL, NULL, OUT_NONE, cmd_run},
    {"compile", "--config C --workload W -o TRACE [options]",
     "compile a workload to a binary instruction trace", NULL, NULL,
     B(OPT_CONFIG) | B(OPT_WORKLOAD) | B(OPT_LAYERS) | B(OPT_OUT) |
         B(OPT_DENSE) | B(OPT_SET) | B(OPT_WSET),
     "TRACE", "the binary trace to write (a file, not stdout)", OUT_FILE,
     cmd_compile},
    {"sim", "--config C [options] TRACE", "simulate a compiled trace",
     "The workload comes from the trace's header; a trace compiled for\n"
     "another config or format version is refused.", "TRACE",
     RUN_SIM_OPTS, NULL, NULL, OUT_NONE, cmd_sim},
    {"asm", "TEXT -o TRACE", "text trace to binary trace", NULL, "TEXT",
     B(OPT_OUT), "TRACE", "the binary trace to write (a file, not stdout)",
     OUT_FILE, cmd_asm},
    {"disasm", "TRACE [-o TEXT]", "binary trace to text trace", NULL, "TRACE",
     B(OPT_OUT), "TEXT", "the text trace to write (default: stdout)",
     OUT_FILE, cmd_disasm},
    {"dram", "--config C [options] TRACE",
     "replay a memory trace on the bank-level DRAM model",
     "TRACE: one request per line, 0xADDR R|W.", "TRACE",
     B(OPT_CONFIG) | B(OPT_ISSUE) | B(OPT_JSON) | B(OPT_QUIET) | B(OPT_SET),
     NULL, NULL, OUT_NONE, cmd_dram},
    {"recost", "--config C [options] STATS.json",
     "cost a saved run (its --json) with C's energy and area tables",
     "C may differ from the run's config only in cost keys (energy.*,\n"
     "area.*, dram.power.*, name); any other difference is refused (exit 2),\n"
     "as cycles are not re-simulated. The run's config is C itself (same\n"
     "config.hash) or the file its config.path names.",
     "STATS.json",
     B(OPT_CONFIG) | B(OPT_JSON) | B(OPT_CSV) | B(OPT_QUIET) | B(OPT_SET),
     NULL, NULL, OUT_NONE, cmd_recost},
    {"config", "[--config C] [options]",
     "the effective config (defaults marked), or the key table", NULL, NULL,
     B(OPT_CONFIG) | B(OPT_DOC) | B(OPT_SET), NULL, NULL, OUT_NONE,
     cmd_config},
    {"workload", "[--workload W] [options]",
     "the effective workload (defaults marked), or the key table", NULL, NULL,
     B(OPT_WORKLOAD) | B(OPT_LAYERS) | B(OPT_DOC) | B(OPT_DENSE) | B(OPT_WSET),
     NULL, NULL, OUT_NONE, cmd_workload},
    {"sweep", "SPEC -o DIR [options] | --merge DIR",
     "a design-space sweep, one process per point, resumable",
     "SPEC: a sweep spec (README \"Sweeps\"); a rerun skips finished points.",
     "SPEC",
     B(OPT_OUT) | B(OPT_JOBS) | B(OPT_EMIT) | B(OPT_POINT) | B(OPT_MERGE) |
         B(OPT_FORCE) | B(OPT_RETRY_FAILED) | B(OPT_QUIET),
     "DIR", "the sweep folder (created with its parents)", OUT_DIR,
     cmd_sweep},
    {"plot", "DIR [--quiet]",
     "SVG plots of a sweep folder: latency vs area, energy, roofline", NULL,
     "DIR", B(OPT_QUIET), NULL, NULL, OUT_NONE, cmd_plot},
    {"baseline-gpu", "--gpu G --workload W [options]",
     "roofline time of the same attention on a GPU (dense)", NULL, NULL,
     B(OPT_GPU) | B(OPT_WORKLOAD) | B(OPT_LAYERS) | B(OPT_WSET) | B(OPT_JSON) |
         B(OPT_QUIET),
     NULL, NULL, OUT_NONE, cmd_baseline_gpu},
    {"baseline-cpu", "--workload W [options]",
     "measured time of the golden model on this CPU (dense)", NULL, NULL,
     B(OPT_WORKLOAD) | B(OPT_LAYERS) | B(OPT_WSET) | B(OPT_REPS) |
         B(OPT_JSON) | B(OPT_QUIET),
     NULL, NULL, OUT_NONE, cmd_baseline_cpu},
    {"version", "", "the version and the trace format", NULL, NULL, 0, NULL,
     NULL, OUT_NONE, cmd_version},
    {"help", "[COMMAND]", "this list, or a command's usage and options", NULL,
     "COMMAND", 0, NULL, NULL, OUT_NONE, cmd_help},
};
#define NCMDS (int)(sizeof cmd_tab / sizeof cmd_tab[0])

static const cmd_def_t *find_cmd(const char *name) {
  int i;
  for (i = 0; i < NCMDS; i++)
    if (strcmp(cmd_tab[i].name, name) == 0) return &cmd_tab[i];
  return NULL;
}

static void print_usage(FILE *f) {
  int i;
  fputs("usage: attnsim COMMAND [options]\n"
        "       attnsim COMMAND --help   (or -h) that command's usage and "
        "options\n\ncommands:\n", f);
  for (i = 0; i < NCMDS; i++)
    fprintf(f, "  %-13s %s\n", cmd_tab[i].name, cmd_tab[i].summary);
  fputc('\n', f);
  fputs(exit_status_text, f);
}

/* An option's help: its lines after the first indented under the first. */
static void print_opt(FILE *f, const char *name, const char *arg,
                      const char *help) {
  char left[40];
  const char *p = help;
  snprintf(left, sizeof left, "%s%s%s", name, arg ? " " : "", arg ? arg : "");
  if (strlen(left) > 22) fprintf(f, "  %s\n  %-22s ", left, ""); /* too wide */
  else fprintf(f, "  %-22s ", left);
  for (; *p; p++) {
    fputc(*p, f);
    if (*p == '\n') fprintf(f, "  %-22s ", "");
  }
  fputc('\n', f);
}

static void print_cmd_usage(const cmd_def_t *c, FILE *f) {
  int k;
  fprintf(f, "usage: attnsim %s%s%s\n\n%s\n", c->name, c->synopsis[0] ? " " : "",
          c->synopsis, c->summary);
  if (c->details) fprintf(f, "%s\n", c->details);
  fputs("\noptions:\n", f);
  for (k = 0; k < OPT_COUNT; k++) {
    const opt_def_t *d = &opt_tab[k];
    if (!(c->opts & B(k))) continue;
    if (k == OPT_OUT)
      print_opt(f, d->name, c->o_arg, c->o_help);
    else
      print_opt(f, d->name, d->arg, d->help);
  }
  print_opt(f, "-h, --help", NULL, "this help");
  fputc('\n', f);
  fputs(exit_status_text, f);
}

static int cmd_help(const opts_t *o) {
  const cmd_def_t *c;
  if (!o->input) {
    print_usage(stdout);
    return 0;
  }
  if (!(c = find_cmd(o->input)))
    return usage_error("help: unknown command %s", o->input);
  print_cmd_usage(c, stdout);
  return 0;
}

/* The option row of name, or -1. */
static int find_opt(const char *name) {
  int k;
  for (k = 0; k < OPT_COUNT; k++)
    if (strcmp(opt_tab[k].name, name) == 0) return k;
  return -1;
}

/* Fill o from a command's arguments; options the command does not take
 * are errors naming the option and the command. */
static int parse_opts(const cmd_def_t *c, int argc, char **argv, opts_t *o) {
  int i, k;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    const opt_def_t *d;
    if (a[0] != '-' || !a[1]) {
      if (c->input && !o->input) o->input = a;
      else return fprintf(stderr, "attnsim: unexpected argument %s for %s "
                          "(attnsim %s --help for its usage)\n", a, c->name,
                          c->name), ERR_BAD_INPUT;
      continue;
    }
    if ((k = find_opt(a)) < 0 || !(c->opts & B(k))) {
      if (k < 0) fprintf(stderr, "attnsim: unknown option %s for %s", a, c->name);
      else fprintf(stderr, "attnsim: %s does not take %s", c->name, a);
      fprintf(stderr, " (attnsim %s --help lists its options)\n", c->name);
      return ERR_BAD_INPUT;
    }
    d = &opt_tab[k];
    if (d->kind == ARG_FLAG) {
      *(int *)((char *)o + d->off) = 1;
      continue;
    }
    if (i + 1 >= argc)
      return usage_error(d->kind == ARG_REPEAT ? "%s needs KEY=VALUE"
                                               : "%s needs a value", a);
    if (d->kind == ARG_VALUE) {
      *(const char **)((char *)o + d->off) = argv[++i];
    } else {
      const char **arr = (const char **)((char *)o + d->off);
      int *n = (int *)((char *)o + d->off_n);
      if (*n >= MAX_SETS) return usage_error("too many %s options", a);
      arr[(*n)++] = argv[++i];
    }
  }
  return 0;
}

/* Whether an output can be written, before any work: a file's folder
 * must exist, be a folder and be writable (outfile.h writes a temporary
 * there and renames it), and the file must not be a folder; a folder made
 * with its parents needs its nearest existing ancestor to be a writable
 * folder. Nothing is created. Returns 0 or errno. */
static int output_errno(const char *path, out_kind_t kind) {
  char dir[PATH_MAX];
  struct stat st;
  char *slash;
  if (strcmp(path, "-") == 0 && kind == OUT_FILE) return 0; /* stdout */
  if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return 0;
  if (kind == OUT_FILE) {
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return EISDIR;
    slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else slash[slash == dir] = '\0'; /* "/x" keeps the root */
  } else {
    /* climb to the nearest existing ancestor */
    while (stat(dir, &st) != 0 && errno == ENOENT && (slash = strrchr(dir, '/'))) {
      while (slash > dir && slash[-1] == '/') slash--;
      if (slash == dir) snprintf(dir, sizeof dir, "/");
      else *slash = '\0';
    }
    if (stat(dir, &st) != 0 && errno == ENOENT && !strchr(dir, '/'))
      snprintf(dir, sizeof dir, ".");
  }
  if (stat(dir, &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  if (access(dir, W_OK | X_OK) != 0) return errno;
  return 0;
}

static int check_outputs(const cmd_def_t *c, const opts_t *o) {
  int k, err;
  for (k = 0; k < OPT_COUNT; k++) {
    const opt_def_t *d = &opt_tab[k];
    out_kind_t kind = k == OPT_OUT ? c->o_kind : d->out;
    const char *path;
    if (!(c->opts & B(k)) || kind == OUT_NONE) continue;
    path = *(const char *const *)((const char *)o + d->off);
    if (path && (err = output_errno(path, kind))) {
      fprintf(stderr, "attnsim: %s: cannot write %s: %s\n", d->name, path,
              strerror(err));
      return ERR_BAD_INPUT;
    }
  }
  return 0;
}

/* A whole number of cycles: plain digits, no sign, fits 64 bits. */
static int parse_cycles(const char *p, const char *stop, uint64_t *out) {
  char *end;
  if (p == stop || *p < '0' || *p > '9') return -1;
  errno = 0;
  *out = strtoull(p, &end, 10);
  return end != stop || errno ? -1 : 0;
}

/* --timeline-window FROM:TO into o->tl_from, o->tl_to (the whole run
 * without it). */
static int parse_window(opts_t *o) {
  const char *w = o->tl_window, *colon;
  char msg[600];
  o->tl_from = 0;
  o->tl_to = UINT64_MAX;
  if (!w) return 0;
  if (!o->timeline)
    return usage_error("%s", "--timeline-window needs --timeline FILE (it "
                       "limits the timeline)");
  colon = strchr(w, ':');
  if (!colon)
    snprintf(msg, sizeof msg, "--timeline-window: no ':' (got %.500s, "
             "expected FROM:TO in cycles, e.g. 0:100000)", w);
  else if (parse_cycles(w, colon, &o->tl_from))
    snprintf(msg, sizeof msg, "--timeline-window: FROM is not a whole number "
             "of cycles (got %.500s, expected FROM:TO, e.g. 0:100000)", w);
  else if (parse_cycles(colon + 1, colon + strlen(colon), &o->tl_to))
    snprintf(msg, sizeof msg, "--timeline-window: TO is not a whole number "
             "of cycles (got %.500s, expected FROM:TO, e.g. 0:100000)", w);
  else if (o->tl_from >= o->tl_to)
    snprintf(msg, sizeof msg, "--timeline-window: empty window (got %.500s, "
             "expected FROM < TO)", w);
  else
    return 0;
  return usage_error("%s", msg);
}

static int wants_help(int argc, char **argv) {
  int i;
  for (i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  opts_t o;
  const cmd_def_t *c;
  int rc;
  of_install_signals();
  /* hidden: the DRAM model's reference mode (dram_hbm2.h), for tests */
  dram_hbm2_reference(getenv("ATTNSIM_REFERENCE") != NULL);
  sim_reference(getenv("ATTNSIM_REFERENCE") != NULL);
  if (argc < 2) {
    print_usage(stderr);
    return ERR_BAD_INPUT;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    print_usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) return cmd_version(NULL);
  if (!(c = find_cmd(argv[1]))) return usage_error("unknown command %s", argv[1]);
  if (wants_help(argc - 2, argv + 2)) {
    print_cmd_usage(c, stdout);
    return 0;
  }
  memset(&o, 0, sizeof o);
  o.argv0 = argv[0];
  if ((rc = parse_opts(c, argc - 2, argv + 2, &o))) return rc;
  if (o.check && o.timing_only)
    return usage_error("%s", "--check needs the datapath's values: drop --timing-only");
  if ((rc = parse_window(&o))) return rc;
  if ((rc = check_outputs(c, &o))) return rc;
  return c->run(&o);
}

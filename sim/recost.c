/* recost.c - read a run's counts back from its JSON report (recost.h). */
#include "recost.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"

/* A required member: its node, or a located "missing" error at the
 * object it should be in. */
static int rc_need(const js_doc_t *d, int at, const char *path, int *out,
                   err_t *e) {
  if ((*out = js_path(d, at, path)) >= 0) return 0;
  return err_at(e, d->origin, d->n[at].line, d->n[at].col, path,
                "missing (got no such member, expected one)");
}

static int rc_u64(const js_doc_t *d, int at, const char *path, uint64_t *v,
                  err_t *e) {
  int i;
  if (rc_need(d, at, path, &i, e)) return e->status;
  return js_u64(d, i, path, v, e);
}

/* A count that must fit an int (layers, heads, indices). */
static int rc_int(const js_doc_t *d, int at, const char *path, int *v,
                  err_t *e) {
  uint64_t u;
  int i;
  if (rc_need(d, at, path, &i, e) || js_u64(d, i, path, &u, e)) return e->status;
  if (u > INT_MAX)
    return err_at(e, d->origin, d->n[i].line, d->n[i].col, path,
                  "out of range (got %llu, expected at most %d)",
                  (unsigned long long)u, INT_MAX);
  *v = (int)u;
  return 0;
}

static int rc_counters(const js_doc_t *d, rc_run_t *r, err_t *e) {
  char path[128];
  int i, u, s;
  for (i = 0; i < ST_COUNT; i++)
    if (rc_u64(d, 0, stat_info[i].path, &r->st.c[i], e)) return e->status;
  for (u = 0; u < UNIT_COUNT; u++)
    for (s = 0; s < US_COUNT; s++) {
      snprintf(path, sizeof path, "units.%s.%s", unit_names[u], ustate_names[s]);
      if (rc_u64(d, 0, path, &r->st.unit[u][s], e)) return e->status;
    }
  return 0;
}

static int rc_workload(const js_doc_t *d, rc_run_t *r, err_t *e) {
  char phase[16];
  int i;
  if (rc_need(d, 0, "workload.name", &i, e) ||
      js_copy_str(d, i, "workload.name", r->wl.name, sizeof r->wl.name, e) ||
      rc_need(d, 0, "workload.phase", &i, e) ||
      js_copy_str(d, i, "workload.phase", phase, sizeof phase, e))
    return e->status;
  if (strcmp(phase, "prefill") && strcmp(phase, "decode") && strcmp(phase, "serve"))
    return err_at(e, d->origin, d->n[i].line, d->n[i].col, "workload.phase",
                  "not a phase (got \"%s\", expected prefill, decode or serve)",
                  phase);
  r->wl.phase = phase[0] == 'd' ? WL_DECODE : phase[0] == 's' ? WL_SERVE : WL_PREFILL;
  if (rc_int(d, 0, "workload.layers", &r->wl.layers, e) ||
      rc_int(d, 0, "workload.heads", &r->wl.heads, e) ||
      rc_int(d, 0, "workload.head_dim", &r->wl.head_dim, e) ||
      rc_need(d, 0, "workload.path", &i, e))
    return e->status;
  r->has_wl_path = d->n[i].type != JS_NULL;
  if (r->has_wl_path &&
      js_copy_str(d, i, "workload.path", r->wl_path, sizeof r->wl_path, e))
    return e->status;
  if (rc_need(d, 0, "config.path", &i, e)) return e->status;
  if (d->n[i].type != JS_NULL &&
      js_copy_str(d, i, "config.path", r->config_path, sizeof r->config_path, e))
    return e->status;
  if (rc_need(d, 0, "config.hash", &i, e)) return e->status;
  return js_copy_str(d, i, "config.hash", r->config_hash, sizeof r->config_hash, e);
}

/* serve and sequence_latency (report.c's walk_serve, json_serve): the
 * batch, the tokens each sequence generated and its prompt, from which
 * the report's serve figures are made again; a decode report without
 * them (older than docs/serve.md) reads as one sequence. */
static int rc_serve(const js_doc_t *d, rc_run_t *r, err_t *e) {
  int arr, x, n = 0, i;
  uint64_t gen;
  r->wl.batch = r->wl.nprompts = 1;
  if (!wl_generates(&r->wl) || js_path(d, 0, "serve") < 0) return 0;
  if (rc_int(d, 0, "serve.sequences", &r->wl.batch, e) ||
      rc_u64(d, 0, "serve.generated_tokens", &gen, e) ||
      rc_need(d, 0, "sequence_latency", &arr, e))
    return e->status;
  i = js_path(d, 0, "serve.sequences");
  if (r->wl.batch < 1 || r->wl.batch > WL_MAX_SEQS ||
      gen % (uint64_t)r->wl.batch || gen / (uint64_t)r->wl.batch > INT_MAX)
    return err_at(e, d->origin, d->n[i].line, d->n[i].col, "serve.sequences",
                  "out of range (got %d sequences for %llu tokens, expected 1 "
                  "to %d dividing them)", r->wl.batch, (unsigned long long)gen,
                  WL_MAX_SEQS);
  r->wl.generate = (int)(gen / (uint64_t)r->wl.batch);
  if (d->n[arr].type != JS_ARR)
    return err_at(e, d->origin, d->n[arr].line, d->n[arr].col, "sequence_latency",
                  "wrong type (got no array, expected one entry per sequence)");
  for (x = d->n[arr].first; x >= 0 && n < r->wl.batch; x = d->n[x].next, n++)
    if (rc_int(d, x, "prompt", &r->wl.prompts[n], e)) return e->status;
  if (n != r->wl.batch || x >= 0)
    return err_at(e, d->origin, d->n[arr].line, d->n[arr].col, "sequence_latency",
                  "wrong length (got %s%d entries, expected serve.sequences = %d)",
                  x >= 0 ? "more than " : "", n, r->wl.batch);
  r->wl.nprompts = n;
  return 0;
}

/* A number (a double as written), else a located error. */
static int rc_num(const js_doc_t *d, int at, const char *path, double *v,
                  err_t *e) {
  int i;
  if (rc_need(d, at, path, &i, e)) return e->status;
  if (d->n[i].type != JS_NUM)
    return js_fail(d, i, path, e, "wrong type (got no number, expected a number)");
  *v = d->n[i].num;
  return 0;
}

static int rc_bool(const js_doc_t *d, int at, const char *path, int *v,
                   err_t *e) {
  int i;
  if (rc_need(d, at, path, &i, e)) return e->status;
  if (d->n[i].type != JS_BOOL)
    return js_fail(d, i, path, e, "wrong type (got no boolean, expected true or false)");
  *v = d->n[i].num != 0;
  return 0;
}

/* check and accuracy (report.c's walk_check): read when check.ran. */
static int rc_check(const js_doc_t *d, rc_run_t *r, err_t *e) {
  int i;
  if (js_path(d, 0, "check") < 0) return 0; /* a report before --check was kept */
  if (rc_bool(d, 0, "check.ran", &r->checked, e)) return e->status;
  if (!r->checked) return 0;
  if (rc_bool(d, 0, "check.ok", &r->check_ok, e) ||
      rc_need(d, 0, "check.message", &i, e) ||
      js_copy_str(d, i, "check.message", r->check_msg, sizeof r->check_msg, e) ||
      rc_num(d, 0, "check.max_float_error", &r->check_max_float_err, e) ||
      rc_num(d, 0, "check.float_tolerance", &r->check_float_tol, e) ||
      rc_u64(d, 0, "check.decisions", &r->check_decisions, e) ||
      rc_need(d, 0, "accuracy.output_rel_error", &i, e))
    return e->status;
  r->check_pruned = d->n[i].type != JS_NULL;
  if (r->check_pruned &&
      (rc_num(d, 0, "accuracy.output_rel_error", &r->acc_rel_err, e) ||
       rc_num(d, 0, "accuracy.attention_mass_kept", &r->acc_mass_kept, e)))
    return e->status;
  r->acc_rel_err_renorm = NAN; /* an older report may not have it */
  if (r->check_pruned && js_path(d, 0, "accuracy.output_rel_error_renorm") >= 0 &&
      rc_num(d, 0, "accuracy.output_rel_error_renorm", &r->acc_rel_err_renorm, e))
    return e->status;
  return 0;
}

/* stages: [{case, stage, cycles, <counter path>: n, ..., energy_pj}]. A
 * row's counters go to its case's first layer record. */
static int rc_stage(const js_doc_t *d, int x, rc_run_t *r, int k, err_t *e) {
  st_layer_t *l = NULL;
  int cs, m, j;
  if (d->n[x].type != JS_OBJ)
    return js_fail(d, x, "stages", e, "wrong type (got no object, expected a stage row)");
  if (rc_int(d, x, "case", &cs, e) ||
      rc_num(d, x, "energy_pj", &r->stage_energy_pj[k], e))
    return e->status;
  if (cs != k)
    return js_fail(d, x, "stages", e, "out of order (got case %d, expected %d)", cs, k);
  for (j = 0; j < r->st.nlayers && !l; j++)
    if (r->st.layers[j].cs == cs) l = &r->st.layers[j];
  if (!l)
    return js_fail(d, x, "stages", e, "no layer record of case %d (got a "
                   "stage row, expected a layers entry for it)", cs);
  for (m = d->n[x].first; m >= 0; m = d->n[m].next)
    for (j = 0; j < ST_COUNT; j++)
      if (j != ST_CYCLES && strcmp(d->n[m].key, stat_info[j].path) == 0 &&
          js_u64(d, m, stat_info[j].path, &l->c[j], e))
        return e->status;
  return 0;
}

static int rc_stages(const js_doc_t *d, rc_run_t *r, err_t *e) {
  int arr = js_member(d, 0, "stages"), x, k = 0;
  if (arr < 0) return 0;
  if (d->n[arr].type != JS_ARR)
    return js_fail(d, arr, "stages", e, "wrong type (got no array, expected an array of stage rows)");
  r->nstages = d->n[arr].count;
  if (!(r->stage_energy_pj = calloc((size_t)r->nstages + 1, sizeof(double))))
    return err_set(e, ERR_RUN, "%s: out of memory", d->origin);
  for (x = d->n[arr].first; x >= 0; x = d->n[x].next, k++)
    if (rc_stage(d, x, r, k, e)) return e->status;
  /* stages are BiFormer's member (mech/biformer.c): its report hooks
   * write them again */
  r->wl.kind = WL_BIFORMER;
  r->wl.ncases = r->nstages;
  return 0;
}

/* layers: [{case, layer, step, end_cycle, tokens, heads}, ...] in order. */
static int rc_layers(const js_doc_t *d, rc_run_t *r, err_t *e) {
  int arr, x, k;
  if (rc_need(d, 0, "layers", &arr, e)) return e->status;
  if (d->n[arr].type != JS_ARR)
    return err_at(e, d->origin, d->n[arr].line, d->n[arr].col, "layers",
                  "wrong type (got no array, expected an array of layer records)");
  for (x = d->n[arr].first; x >= 0; x = d->n[x].next) {
    int cs, layer, step, tokens, heads;
    uint64_t end;
    if (d->n[x].type != JS_OBJ)
      return err_at(e, d->origin, d->n[x].line, d->n[x].col, "layers",
                    "wrong type (got no object, expected a layer record)");
    if (rc_int(d, x, "case", &cs, e) || rc_int(d, x, "layer", &layer, e) ||
        rc_int(d, x, "step", &step, e) || rc_u64(d, x, "end_cycle", &end, e) ||
        rc_int(d, x, "tokens", &tokens, e) || rc_int(d, x, "heads", &heads, e))
      return e->status;
    if ((k = st_add_layer(&r->st, cs, layer)) < 0)
      return err_set(e, ERR_RUN, "%s: out of memory", d->origin);
    r->st.layers[k].step = step;
    r->st.layers[k].end_cycle = end;
    r->st.layers[k].tokens = tokens;
    r->st.layers[k].heads = heads;
  }
  return 0;
}

int rc_load(const char *name, const char *text, size_t len, rc_run_t *r,
            err_t *e) {
  js_doc_t d;
  int rc;
  memset(r, 0, sizeof *r);
  st_init(&r->st);
  if ((rc = js_parse(&d, text, len, name, e))) return rc;
  if (d.n[0].type != JS_OBJ)
    rc = err_at(e, name, d.n[0].line, d.n[0].col, "(root)",
                "wrong type (got no object, expected an attnsim --json report)");
  else if (!(rc = rc_counters(&d, r, e)) && !(rc = rc_workload(&d, r, e)) &&
           !(rc = rc_serve(&d, r, e)))
    if (!(rc = rc_layers(&d, r, e)) && !(rc = rc_check(&d, r, e)))
      rc = rc_stages(&d, r, e);
  js_free(&d);
  if (rc) rc_free(r);
  return rc;
}

void rc_free(rc_run_t *r) {
  st_free(&r->st);
  free(r->stage_energy_pj);
  r->stage_energy_pj = NULL;
}

static const char rc_rerun[] = "cycles are not re-simulated; rerun attnsim "
                               "run with this config";

/* r's config from its config.path: as the file is, or with the timing
 * keys of sets applied; 0 when one of them has r's hash. */
static int rc_find_config(const rc_run_t *r, const char *const *sets,
                          int nsets, cfg_t *c) {
  char hash[24];
  err_t e;
  int pass, i;
  for (pass = 0; pass < 2; pass++) {
    if (cfg_load(r->config_path, c, &e)) return -1;
    for (i = 0; pass && i < nsets; i++) {
      char key[128];
      snprintf(key, sizeof key, "%.*s", (int)strcspn(sets[i], "="), sets[i]);
      if (!cfg_key_cost_only(key) && cfg_set(c, sets[i], &e)) return -1;
    }
    snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)cfg_hash(c));
    if (strcmp(hash, r->config_hash) == 0) return 0;
  }
  return -1;
}

int rc_match_config(const rc_run_t *r, const cfg_t *given,
                    const char *const *sets, int nsets, int *same, err_t *e) {
  char hash[24], vg[128], vr[128];
  const char *key;
  cfg_t rcfg;
  snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)cfg_hash(given));
  *same = strcmp(hash, r->config_hash) == 0;
  if (*same) return 0;
  if (!r->config_path[0] || rc_find_config(r, sets, nsets, &rcfg))
    return err_set(e, ERR_BAD_INPUT, "recost: cannot find the report's "
                   "config (got config.path %s, expected a file whose "
                   "effective config has the report's config.hash %s; the "
                   "file changed, or the run used --set) to check that this "
                   "config differs only in cost keys: %s",
                   r->config_path[0] ? r->config_path : "null",
                   r->config_hash, rc_rerun);
  if ((key = cfg_timing_diff(given, &rcfg, vg, vr, sizeof vg)))
    return err_set(e, ERR_BAD_INPUT, "recost: %s differs (got %s, expected "
                   "%s as in the report's config): %s", key, vg, vr, rc_rerun);
  if (r->nstages)
    return err_set(e, ERR_BAD_INPUT, "recost: per-stage energy (stages) "
                   "cannot be recosted (got a cost key that differs, expected "
                   "the report's config: a stage row keeps its MACs and DRAM "
                   "bytes, not every count its energy needs); rerun attnsim "
                   "run with this config");
  return 0;
}

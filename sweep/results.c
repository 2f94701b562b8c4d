/* results.c - manifest, point files, Pareto frontier and results.csv.
 *
 * Invariant: a row's fields come only from its point file (res_load_row),
 * whether the point finished in this process or another one (a GNU
 * parallel job, a Slurm task, an earlier sweep), so a live results.csv and
 * one made by --merge are the same bytes.
 */
#include "results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "outfile.h"
#include "report.h"
#include "yload.h"

/* Where each number of a row comes from, and its results.csv column
 * (NULL: read for plots only). "config." paths are effective config keys. */
static const struct {
  const char *path;
  const char *column;
} res_vals[RV_COUNT] = {
    [RV_CYCLES] = {"result.cycles", "cycles"},
    [RV_SECONDS] = {"result.seconds", "seconds"},
    [RV_READ] = {"result.dram.read_bytes", "dram.read_bytes"},
    [RV_WRITE] = {"result.dram.write_bytes", "dram.write_bytes"},
    [RV_MOVED] = {"result.dram.transferred_bytes", "dram.transferred_bytes"},
    [RV_MACS] = {"result.ops.macs", "ops.macs"},
    [RV_TFLOPS] = {"result.ops.tflops", "ops.tflops"},
    [RV_ENERGY] = {"result.energy_pj.total", "energy_pj.total"},
    [RV_AREA] = {"result.area_mm2.total", "area_mm2.total"},
    [RV_PEAK_GBPS] = {"result.dram.peak_GBps", "dram.peak_GBps"},
    [RV_CLOCK] = {"config.clock_ghz", NULL},
    [RV_QK_MULT] = {"config.qk_array.multipliers", NULL},
    [RV_AV_MULT] = {"config.av_array.multipliers", NULL},
};

void res_point_path(const char *dir, const char *key, char *buf, size_t len) {
  snprintf(buf, len, "%s/points/%s.json", dir, key);
}

static char *res_dup(const char *s) {
  char *p = malloc(strlen(s) + 1);
  if (p) memcpy(p, s, strlen(s) + 1);
  return p;
}

/* ---- the table ----------------------------------------------------------- */

static void res_row_clear(res_row_t *r) {
  free(r->error);
  free(r->ename);
  free(r->evalue);
  memset(r, 0, sizeof *r);
  r->pareto = -1;
}

void res_free(res_table_t *t) {
  for (int i = 0; i < t->npoints && t->points; i++) {
    for (int k = 0; k < t->nparams && t->points[i].params; k++)
      free(t->points[i].params[k]);
    free(t->points[i].params);
    if (t->rows) res_row_clear(&t->rows[i]);
  }
  for (int k = 0; k < t->nparams && t->param_names; k++) free(t->param_names[k]);
  free(t->param_names);
  free(t->points);
  free(t->rows);
  memset(t, 0, sizeof *t);
}

/* Allocate n points with np parameters each, rows all missing. */
static int res_alloc(res_table_t *t, int n, int np, err_t *e) {
  t->npoints = n;
  t->nparams = np;
  t->points = calloc((size_t)n + 1, sizeof *t->points);
  t->rows = calloc((size_t)n + 1, sizeof *t->rows);
  t->param_names = calloc((size_t)np + 1, sizeof *t->param_names);
  if (!t->points || !t->rows || !t->param_names) goto oom;
  for (int i = 0; i < n; i++) {
    t->rows[i].pareto = -1;
    if (!(t->points[i].params = calloc((size_t)np + 1, sizeof(char *)))) goto oom;
  }
  return 0;
oom:
  res_free(t);
  return err_set(e, ERR_RUN, "out of memory");
}

int res_from_spec(const sw_spec_t *s, res_table_t *t, err_t *e) {
  memset(t, 0, sizeof *t);
  if (res_alloc(t, s->npoints, s->naxes, e)) return e->status;
  snprintf(t->name, sizeof t->name, "%s", s->name);
  for (int a = 0; a < s->naxes; a++)
    if (!(t->param_names[a] = res_dup(s->axes[a].key))) goto oom;
  for (int i = 0; i < s->npoints; i++) {
    res_point_t *p = &t->points[i];
    sw_point_t sp;
    cfg_t c;
    wl_t w;
    sw_point_at(s, i, &sp);
    sw_point_apply(s, &sp, &c, &w);
    p->index = i;
    sw_point_key(s, &sp, p->key);
    sw_point_group(s, &sp, p->group);
    snprintf(p->workload, sizeof p->workload, "%s", w.name);
    for (int a = 0; a < s->naxes; a++) {
      const char *v = strchr(s->axes[a].values[sp.vi[a]], '=');
      if (!(p->params[a] = res_dup(v ? v + 1 : ""))) goto oom;
    }
  }
  return 0;
oom:
  res_free(t);
  return err_set(e, ERR_RUN, "out of memory");
}

/* ---- manifest ------------------------------------------------------------ */

static void res_manifest_point(FILE *f, const res_table_t *t, int i) {
  const res_point_t *p = &t->points[i];
  fprintf(f, "    {\"index\": %d, \"key\": \"%s\", \"group\": \"%s\", "
             "\"workload\": ", p->index, p->key, p->group);
  jw_write_str(f, p->workload);
  fputs(", \"params\": [", f);
  for (int k = 0; k < t->nparams; k++) {
    if (k) fputs(", ", f);
    jw_write_str(f, p->params[k]);
  }
  fprintf(f, "]}%s\n", i + 1 < t->npoints ? "," : "");
}

int res_write_manifest(const char *dir, const res_table_t *t, err_t *e) {
  char path[4200];
  outfile_t o;
  snprintf(path, sizeof path, "%s/sweep.json", dir);
  if (of_open(&o, path, e)) return e->status;
  fputs("{\n  \"name\": ", o.f);
  jw_write_str(o.f, t->name);
  fprintf(o.f, ",\n  \"attnsim\": \"%s\",\n  \"params\": [", ATTNSIM_VERSION);
  for (int k = 0; k < t->nparams; k++) {
    if (k) fputs(", ", o.f);
    jw_write_str(o.f, t->param_names[k]);
  }
  fputs("],\n  \"points\": [\n", o.f);
  for (int i = 0; i < t->npoints; i++) res_manifest_point(o.f, t, i);
  fputs("  ]\n}\n", o.f);
  return of_commit(&o, e);
}

/* A string member of obj into buf (at most len - 1 bytes, no more). */
static int res_js_text(const js_doc_t *d, int obj, const char *key, char *buf,
                       size_t len, err_t *e) {
  int n = js_member(d, obj, key);
  if (n < 0 || d->n[n].type != JS_STR || strlen(d->n[n].str) >= len)
    return js_fail(d, n < 0 ? obj : n, key, e, "wrong type (got %s, expected "
                   "a string of at most %zu bytes)", n < 0 ? "nothing" :
                   d->n[n].type == JS_STR ? "a longer string" : "another type",
                   len - 1);
  snprintf(buf, len, "%s", d->n[n].str);
  return 0;
}

/* A list of exactly want strings; each copied to out[i] (heap). */
static int res_js_strings(const js_doc_t *d, int arr, const char *key, int want,
                          char **out, err_t *e) {
  int i = 0;
  if (arr < 0 || d->n[arr].type != JS_ARR || (want >= 0 && d->n[arr].count != want))
    return js_fail(d, arr, key, e, "wrong type (got %s, expected a list of %d "
                   "strings)", arr < 0 ? "nothing" : d->n[arr].type == JS_ARR
                   ? "a list of another length" : "another type", want);
  for (int c = d->n[arr].first; c >= 0; c = d->n[c].next, i++) {
    if (d->n[c].type != JS_STR)
      return js_fail(d, c, key, e, "wrong type (got another type, expected a "
                     "string)");
    if (!(out[i] = res_dup(d->n[c].str))) return err_set(e, ERR_RUN, "out of memory");
  }
  return 0;
}

static int res_is_hex16(const char *s) {
  return strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

/* Manifest entry i (node n). */
static int res_manifest_entry(const js_doc_t *d, int n, res_table_t *t, int i,
                              err_t *e) {
  res_point_t *p = &t->points[i];
  double idx;
  if (d->n[n].type != JS_OBJ)
    return js_fail(d, n, "points", e, "wrong type (got another type, expected "
                   "an object)");
  if (js_num_at(d, n, "index", &idx) || idx != i)
    return js_fail(d, n, "index", e, "wrong index (got %s, expected %d: "
                   "points in order)", js_member(d, n, "index") < 0 ? "none"
                   : "another", i);
  p->index = i;
  if (res_js_text(d, n, "key", p->key, sizeof p->key, e) ||
      res_js_text(d, n, "group", p->group, sizeof p->group, e) ||
      res_js_text(d, n, "workload", p->workload, sizeof p->workload, e) ||
      res_js_strings(d, js_member(d, n, "params"), "params", t->nparams,
                     p->params, e))
    return e->status;
  if (!res_is_hex16(p->key) || !res_is_hex16(p->group))
    return js_fail(d, js_member(d, n, "key"), "key", e, "bad key (got a key "
                   "that is not 16 hex digits, expected 16 lowercase hex "
                   "digits)");
  return 0;
}

static int res_read_manifest(const js_doc_t *d, res_table_t *t, err_t *e) {
  int params = js_member(d, 0, "params"), pts = js_member(d, 0, "points");
  int np, i = 0;
  if (d->n[0].type != JS_OBJ || pts < 0 || d->n[pts].type != JS_ARR ||
      params < 0 || d->n[params].type != JS_ARR)
    return js_fail(d, 0, "(root)", e, "not a sweep manifest (got no params "
                   "and points lists, expected sweep.json as attnsim writes "
                   "it)");
  if (d->n[pts].count > SW_MAX_POINTS || d->n[params].count > SW_MAX_AXES)
    return js_fail(d, pts, "points", e, "too many (got %d points, %d params, "
                   "expected at most %d and %d)", d->n[pts].count,
                   d->n[params].count, SW_MAX_POINTS, SW_MAX_AXES);
  np = d->n[params].count;
  if (res_alloc(t, d->n[pts].count, np, e)) return e->status;
  if (res_js_text(d, 0, "name", t->name, sizeof t->name, e) ||
      res_js_strings(d, params, "params", np, t->param_names, e))
    return e->status;
  for (int c = d->n[pts].first; c >= 0; c = d->n[c].next, i++)
    if (res_manifest_entry(d, c, t, i, e)) return e->status;
  return 0;
}

int res_load(const char *dir, res_table_t *t, err_t *e) {
  char path[4200];
  js_doc_t d;
  memset(t, 0, sizeof *t);
  snprintf(path, sizeof path, "%s/sweep.json", dir);
  if (js_load(&d, path, e)) return e->status;
  if (res_read_manifest(&d, t, e)) {
    js_free(&d);
    res_free(t);
    return e->status;
  }
  js_free(&d);
  for (int i = 0; i < t->npoints; i++)
    if (res_load_row(dir, t, i, e)) {
      res_free(t);
      return e->status;
    }
  return 0;
}

/* ---- point files --------------------------------------------------------- */

/* A number under "config" (the effective config, as text values). */
static int res_config_num(const js_doc_t *d, const char *key, double *out) {
  int c = js_member(d, 0, "config"), n;
  char *end;
  if ((n = js_member(d, c, key)) < 0 || d->n[n].type != JS_STR) return -1;
  *out = strtod(d->n[n].str, &end);
  return *end || end == d->n[n].str || !isfinite(*out) ? -1 : 0;
}

/* energy_pj's parts other than the total, in file order. */
static int res_energy_parts(const js_doc_t *d, res_row_t *r, err_t *e) {
  int en = js_path(d, 0, "result.energy_pj"), k = 0;
  if (en < 0 || d->n[en].type != JS_OBJ || d->n[en].count == 0) return 0;
  r->ename = calloc((size_t)d->n[en].count, sizeof *r->ename);
  r->evalue = calloc((size_t)d->n[en].count, sizeof *r->evalue);
  if (!r->ename || !r->evalue) return err_set(e, ERR_RUN, "out of memory");
  for (int c = d->n[en].first; c >= 0; c = d->n[c].next) {
    if (d->n[c].type != JS_NUM || !strcmp(d->n[c].key, "total")) continue;
    snprintf(r->ename[k], sizeof r->ename[k], "%s", d->n[c].key);
    r->evalue[k++] = d->n[c].num;
  }
  r->nenergy = k;
  return 0;
}

/* The outcome fields: status, exit status, signal, error. */
static int res_outcome(const js_doc_t *d, res_row_t *r, err_t *e) {
  double x, sig;
  int en = js_member(d, 0, "error");
  if (d->n[0].type != JS_OBJ)
    return js_fail(d, 0, "(root)", e, "not a point file (got another type, "
                   "expected an object)");
  if (res_js_text(d, 0, "status", r->status, sizeof r->status, e)) return e->status;
  if (strcmp(r->status, "ok") && strcmp(r->status, "failed") &&
      strcmp(r->status, "timeout"))
    return js_fail(d, js_member(d, 0, "status"), "status", e, "not a choice "
                   "(got %s, expected ok, failed or timeout)", r->status);
  if (js_num_at(d, 0, "exit_status", &x) || js_num_at(d, 0, "signal", &sig) ||
      x < -1 || x > 255 || sig < 0 || sig > 128 || x != floor(x) || sig != floor(sig))
    return js_fail(d, 0, "exit_status", e, "missing or bad exit_status/signal "
                   "(expected integers, -1..255 and 0..128)");
  r->exit_status = (int)x;
  r->signal = (int)sig;
  r->state = strcmp(r->status, "ok") ? RES_FAILED : RES_OK;
  if (en >= 0 && d->n[en].type == JS_STR) {
    if (!(r->error = res_dup(d->n[en].str))) return err_set(e, ERR_RUN, "out of memory");
    if (strlen(r->error) > RES_ERR_MAX) r->error[RES_ERR_MAX] = '\0';
  }
  if (r->state == RES_OK && js_path(d, 0, "result.cycles") < 0)
    return js_fail(d, 0, "result", e, "no report (got status ok without "
                   "result.cycles, expected the run's JSON report)");
  return 0;
}

static int res_row_from(const js_doc_t *d, res_row_t *r, err_t *e) {
  if (res_outcome(d, r, e)) return e->status;
  for (int k = 0; k < RV_COUNT; k++) {
    const char *p = res_vals[k].path;
    r->has[k] = !strncmp(p, "config.", 7) ? !res_config_num(d, p + 7, &r->v[k])
                                          : !js_num_at(d, 0, p, &r->v[k]);
  }
  return res_energy_parts(d, r, e);
}

int res_load_row(const char *dir, res_table_t *t, int i, err_t *e) {
  char path[4200];
  js_doc_t d;
  FILE *f;
  res_row_t *r = &t->rows[i];
  res_row_clear(r);
  res_point_path(dir, t->points[i].key, path, sizeof path);
  if (!(f = fopen(path, "rb"))) return 0; /* not finished yet */
  fclose(f);
  if (js_load(&d, path, e)) return e->status;
  if (res_row_from(&d, r, e)) {
    js_free(&d);
    res_row_clear(r);
    return e->status;
  }
  js_free(&d);
  return 0;
}

/* The run report's text indented by two spaces, as the "result" member. */
static void res_embed(FILE *f, const char *json) {
  const char *p = json;
  size_t n = strlen(json);
  while (n && (json[n - 1] == '\n' || json[n - 1] == ' ')) n--;
  for (size_t i = 0; i < n; i++) {
    fputc(p[i], f);
    if (p[i] == '\n') fputs("  ", f);
  }
}

/* "config": the effective config as "key": "value as --set takes it". */
static void res_config_obj(FILE *f, const cfg_t *cfg) {
  int n = yl_text(cfg_schema_get(), cfg, NULL, 0);
  char *buf = malloc((size_t)n + 1), *line;
  fputs("  \"config\": {", f);
  if (buf) {
    yl_text(cfg_schema_get(), cfg, buf, (size_t)n + 1);
    for (line = buf; *line;) {
      char *nl = strchr(line, '\n'), *eq = strchr(line, '=');
      if (!nl || !eq || eq > nl) break;
      *nl = *eq = '\0';
      fprintf(f, "%s\n    ", line == buf ? "" : ",");
      jw_write_str(f, line);
      fputs(": ", f);
      jw_write_str(f, eq + 1);
      line = nl + 1;
    }
  }
  fputs("\n  },\n", f);
  free(buf);
}

int res_write_point(const char *dir, const char *key, const res_outcome_t *o,
                    const char *const *argv, int argc, const cfg_t *cfg,
                    const char *run_json, err_t *e) {
  char path[4200];
  outfile_t of;
  res_point_path(dir, key, path, sizeof path);
  if (of_open(&of, path, e)) return e->status;
  fprintf(of.f, "{\n  \"key\": \"%s\",\n  \"attnsim\": \"%s\",\n  \"status\": ",
          key, ATTNSIM_VERSION);
  jw_write_str(of.f, o->status);
  fprintf(of.f, ",\n  \"exit_status\": %d,\n  \"signal\": %d,\n  \"error\": ",
          o->exit_status, o->signal);
  if (o->error) jw_write_str(of.f, o->error);
  else fputs("null", of.f);
  fputs(",\n  \"command\": [\"attnsim\", \"run\"", of.f);
  for (int i = 0; i < argc; i++) {
    fputs(", ", of.f);
    jw_write_str(of.f, argv[i]);
  }
  fputs("],\n", of.f);
  res_config_obj(of.f, cfg);
  fputs("  \"result\": ", of.f);
  if (run_json) res_embed(of.f, run_json);
  else fputs("null", of.f);
  fputs("\n}\n", of.f);
  return of_commit(&of, e);
}

/* ---- Pareto ------------------------------------------------------------- */

/* Does a dominate b in the first n objectives (all <=, one <)? */
static int res_dominates(const double *a, const double *b, int n) {
  int less = 0;
  for (int k = 0; k < n; k++) {
    if (a[k] > b[k]) return 0;
    if (a[k] < b[k]) less = 1;
  }
  return less;
}

static int res_rankable(const res_row_t *r) {
  return r->state == RES_OK && r->has[RV_SECONDS] && r->has[RV_ENERGY];
}

/* Objectives of row r: latency, energy, area. */
static void res_objectives(const res_row_t *r, double *o) {
  o[0] = r->v[RV_SECONDS];
  o[1] = r->v[RV_ENERGY];
  o[2] = r->v[RV_AREA];
}

/* Frontier of the group of point g (not yet ranked rows only). */
static void res_pareto_group(res_table_t *t, int g) {
  const char *grp = t->points[g].group;
  int nobj = 3;
  for (int i = g; i < t->npoints; i++)
    if (!strcmp(t->points[i].group, grp) && res_rankable(&t->rows[i]) &&
        !t->rows[i].has[RV_AREA])
      nobj = 2; /* area only where every point reports it */
  for (int i = g; i < t->npoints; i++) {
    double a[3], b[3];
    if (strcmp(t->points[i].group, grp) || !res_rankable(&t->rows[i])) continue;
    res_objectives(&t->rows[i], a);
    t->rows[i].pareto = 1;
    for (int j = g; j < t->npoints && t->rows[i].pareto; j++) {
      if (j == i || strcmp(t->points[j].group, grp) || !res_rankable(&t->rows[j]))
        continue;
      res_objectives(&t->rows[j], b);
      if (res_dominates(b, a, nobj)) t->rows[i].pareto = 0;
    }
  }
}

void res_pareto(res_table_t *t) {
  for (int i = 0; i < t->npoints; i++) t->rows[i].pareto = -1;
  for (int i = 0; i < t->npoints; i++)
    if (res_rankable(&t->rows[i]) && t->rows[i].pareto < 0)
      res_pareto_group(t, i);
}

/* ---- results.csv --------------------------------------------------------- */

static void csv_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
  }
  fputc('"', f);
}

/* A parameter: unquoted when it is a plain number, else quoted. */
static void csv_param(FILE *f, const char *s) {
  char *end;
  (void)strtod(s, &end);
  if (*s && !*end && !strpbrk(s, " \t")) fputs(s, f);
  else csv_str(f, s);
}

static void csv_num(FILE *f, double v) {
  if (!isfinite(v)) return;
  if (v == floor(v) && fabs(v) < 1e17) fprintf(f, "%.0f", v);
  else fprintf(f, "%.10g", v);
}

/* Energy part names over all finished rows, first seen first. */
static int csv_energy_names(const res_table_t *t, char (**names)[48]) {
  int n = 0, cap = 0;
  *names = NULL;
  for (int i = 0; i < t->npoints; i++)
    for (int k = 0; k < t->rows[i].nenergy; k++) {
      int j = 0;
      while (j < n && strcmp((*names)[j], t->rows[i].ename[k])) j++;
      if (j < n) continue;
      if (n == cap) {
        char (*p)[48] = realloc(*names, (size_t)(cap = cap ? 2 * cap : 8) * 48);
        if (!p) return n;
        *names = p;
      }
      snprintf((*names)[n++], 48, "%s", t->rows[i].ename[k]);
    }
  return n;
}

static void csv_header(FILE *f, const res_table_t *t, char (*en)[48], int nen) {
  fputs("index,key,status,exit_status,workload", f);
  for (int k = 0; k < t->nparams; k++) fprintf(f, ",%s", t->param_names[k]);
  for (int k = 0; k < RV_COUNT; k++)
    if (res_vals[k].column) fprintf(f, ",%s", res_vals[k].column);
  for (int k = 0; k < nen; k++) fprintf(f, ",energy_pj.%s", en[k]);
  fputs(",pareto,error\n", f);
}

static void csv_row(FILE *f, const res_table_t *t, int i, char (*en)[48],
                    int nen) {
  const res_row_t *r = &t->rows[i];
  fprintf(f, "%d,\"%s\",\"%s\",%d,", i, t->points[i].key, r->status,
          r->exit_status);
  csv_str(f, t->points[i].workload);
  for (int k = 0; k < t->nparams; k++) {
    fputc(',', f);
    csv_param(f, t->points[i].params[k]);
  }
  for (int k = 0; k < RV_COUNT; k++) {
    if (!res_vals[k].column) continue;
    fputc(',', f);
    if (r->has[k]) csv_num(f, r->v[k]);
  }
  for (int k = 0; k < nen; k++) {
    int j = 0;
    while (j < r->nenergy && strcmp(r->ename[j], en[k])) j++;
    fputc(',', f);
    if (j < r->nenergy) csv_num(f, r->evalue[j]);
  }
  fputc(',', f);
  if (r->pareto >= 0) fprintf(f, "%d", r->pareto);
  fputc(',', f);
  if (r->error) csv_str(f, r->error);
  fputc('\n', f);
}

int res_write_csv(const char *dir, res_table_t *t, err_t *e) {
  char path[4200], (*en)[48];
  outfile_t o;
  int nen;
  res_pareto(t);
  snprintf(path, sizeof path, "%s/results.csv", dir);
  if (of_open(&o, path, e)) return e->status;
  nen = csv_energy_names(t, &en);
  csv_header(o.f, t, en, nen);
  for (int i = 0; i < t->npoints; i++)
    if (t->rows[i].state != RES_MISSING) csv_row(o.f, t, i, en, nen);
  free(en);
  return of_commit(&o, e);
}

void res_counts(const res_table_t *t, int *ok, int *failed, int *missing) {
  *ok = *failed = *missing = 0;
  for (int i = 0; i < t->npoints; i++) {
    if (t->rows[i].state == RES_OK) ++*ok;
    else if (t->rows[i].state == RES_FAILED) ++*failed;
    else ++*missing;
  }
}

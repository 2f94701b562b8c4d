/* spec.c - load a sweep spec (rules in spec.h) and enumerate its points.
 *
 * The spec's own keys are yload schemas (one per kind of mapping), so they
 * get the same strict scalars and located errors as configs; values of
 * config and workload keys are parsed with those schemas' rows, onto a
 * scratch copy of the base config or workload, and kept as canonical text.
 */
#include "spec.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "mech.h"
#include "trace.h"
#include "yload.h"

#define F(field) offsetof(sw_spec_t, field)
#define SZ(field) sizeof(((sw_spec_t *)0)->field)
#define SW_INF INFINITY
/* Keys whose value is a structure, walked by hand (type unused). */
#define SW_NODE(k, doc) {k, YL_STRING, 0, 1, 0, "", 0, 0, 0, NULL, "", doc}

static const yl_key_t sw_top_keys[] = {
  {"name", YL_STRING, F(name), SZ(name), 0, "", 0, 0, 0, NULL, "",
   "sweep name (default: the spec's file name)"},
  {"config", YL_PATH, F(config), SZ(config), 0, "", 0, 0, 0, NULL, "",
   "base hardware config (relative to the spec's folder)"},
  SW_NODE("workloads", "a workload file, or a list of them"),
  SW_NODE("set", "config overrides for every point: {key: value}"),
  SW_NODE("wset", "workload overrides for every point: {key: value}"),
  SW_NODE("vary", "the axes: a list of {set|wset, values|range} or {zip}"),
  {"combine", YL_ENUM, F(combine), 0, 0, "product", 0, 0, 0, "product|zip",
   "", "product: every combination; zip: the groups advance together"},
  {"timing_only", YL_BOOL, F(timing_only), 0, 0, "false", 0, 0, 0, NULL, "",
   "run each point with --timing-only"},
  {"dense", YL_BOOL, F(dense), 0, 0, "false", 0, 0, 0, NULL, "",
   "run each point with --dense (ignore the workloads' SpAtten schedules)"},
  {"check", YL_BOOL, F(check), 0, 0, "false", 0, 0, 0, NULL, "",
   "run each point with --check"},
  {"layers", YL_INT, F(layers), 0, 0, "0", 0, 1024, 0, NULL, "layers",
   "keep the first N layers of every workload, as run --layers (0 = all)"},
  {"timeout_s", YL_DOUBLE, F(timeout_s), 0, 0, "0", 0, 1e7, 0, NULL, "s",
   "stop a point after this long and record it as timed out (0 = never)"},
  {"runner", YL_PATH, F(runner), SZ(runner), 0, "", 0, 0, 0, NULL, "",
   "a program that runs each point, given attnsim's path and arguments "
   "(e.g. a wrapper for nice, taskset or a profiler; not part of the "
   "points' keys)"},
};
static const yl_schema_t sw_top = {sw_top_keys,
                                   (int)(sizeof sw_top_keys / sizeof sw_top_keys[0])};

static const yl_key_t sw_axis_keys[] = {
  SW_NODE("set", "a config key to vary"),
  SW_NODE("wset", "a workload key to vary"),
  SW_NODE("values", "the values, a list"),
  SW_NODE("range", "{start, stop, step} or {start, stop, factor}"),
  SW_NODE("zip", "a list of axes of equal length that advance together"),
};
static const yl_schema_t sw_axis = {sw_axis_keys,
                                    (int)(sizeof sw_axis_keys / sizeof sw_axis_keys[0])};

typedef struct sw_range {
  double start, stop, step, factor;
} sw_range_t;
#define R(field) offsetof(sw_range_t, field)
static const yl_key_t sw_range_keys[] = {
  {"start", YL_DOUBLE, R(start), 0, 0, "0", -SW_INF, SW_INF, 0, NULL, "",
   "first value"},
  {"stop", YL_DOUBLE, R(stop), 0, 0, "0", -SW_INF, SW_INF, 0, NULL, "",
   "last value (included when the steps land on it)"},
  {"step", YL_DOUBLE, R(step), 0, 0, "0", -SW_INF, SW_INF, 0, NULL, "",
   "added each time (not 0)"},
  {"factor", YL_DOUBLE, R(factor), 0, 0, "0", 0, SW_INF, YL_MIN_OPEN, NULL, "",
   "multiplied each time (> 0, not 1)"},
};
static const yl_schema_t sw_range_schema = {
    sw_range_keys, (int)(sizeof sw_range_keys / sizeof sw_range_keys[0])};

/* Loading state: the tree, the spec, scratch copies values are parsed on. */
typedef struct sw_ctx {
  const yl_tree_t *t;
  sw_spec_t *s;
  cfg_t cfg;  /* base config with the fixed sets applied */
  wl_t wl;    /* first workload with the fixed wsets applied */
  err_t *e;
} sw_ctx_t;

static char *sw_strdup(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s", a, b);
  return p;
}

static const yl_schema_t *sw_schema(bool workload) {
  return workload ? wl_schema_get() : cfg_schema_get();
}

/* Parse value node n for key idx of a config or workload schema onto the
 * scratch copy; *text gets its canonical "key=value" (heap). */
static int sw_value(sw_ctx_t *x, bool workload, int idx, int n, char **text) {
  const yl_key_t *k = &sw_schema(workload)->keys[idx];
  void *obj = workload ? (void *)&x->wl : (void *)&x->cfg;
  char val[4200];
  if (yl_tree_get(x->t, n, k, obj, x->e)) return x->e->status;
  yl_fmt_key(k, obj, val, sizeof val);
  *text = sw_strdup(k->key, "=");
  if (*text) {
    char *full = sw_strdup(*text, val);
    free(*text);
    *text = full;
  }
  return *text ? 0 : err_set(x->e, ERR_RUN, "out of memory");
}

/* ---- top level ---------------------------------------------------------- */

static int sw_workloads(sw_ctx_t *x, int n) {
  yl_key_t k = {"workloads", YL_PATH, 0, SW_PATH_MAX, 0, "", 0, 0, 0, NULL,
                "", ""};
  bool list = yl_tree_kind(x->t, n) == YL_LIST;
  int count = list ? yl_tree_len(x->t, n) : 1;
  if (yl_tree_kind(x->t, n) == YL_MAP || count < 1 || count > SW_MAX_WORKLOADS)
    return yl_tree_fail(x->t, n, "workloads", x->e,
                        "wrong type (got %s of %d, expected a path or a list "
                        "of 1..%d paths)", yl_tree_kind_name(x->t, n), count,
                        SW_MAX_WORKLOADS);
  for (int i = 0; i < count; i++) {
    int item = list ? yl_tree_item(x->t, n, i) : n;
    if (yl_tree_get(x->t, item, &k, x->s->workloads[i], x->e))
      return x->e->status;
    if (!x->s->workloads[i][0])
      return yl_tree_fail(x->t, item, "workloads", x->e,
                          "missing value (got an empty path, expected a "
                          "workload file)");
  }
  x->s->nworkloads = count;
  return 0;
}

/* set: / wset: a mapping of schema keys to values. */
static int sw_fixed(sw_ctx_t *x, int n, bool workload) {
  const yl_schema_t *sch = sw_schema(workload);
  const char *where = workload ? "wset" : "set";
  int *count = workload ? &x->s->nwsets : &x->s->nsets;
  char **out = workload ? x->s->wsets : x->s->sets;
  if (yl_tree_map_check(x->t, n, sch, where, x->e)) return x->e->status;
  if (yl_tree_len(x->t, n) > SW_MAX_SETS)
    return yl_tree_fail(x->t, n, where, x->e, "too many keys (got %d, "
                        "expected at most %d)", yl_tree_len(x->t, n),
                        SW_MAX_SETS);
  for (int i = 0; i < yl_tree_len(x->t, n); i++) {
    int idx = yl_find(sch, yl_tree_str(x->t, yl_tree_key(x->t, n, i)));
    if (sw_value(x, workload, idx, yl_tree_val(x->t, n, i), &out[*count]))
      return x->e->status;
    ++*count;
  }
  return 0;
}

/* ---- axes --------------------------------------------------------------- */

/* Append value text (heap, owned by the axis afterwards). */
static int sw_push(sw_ctx_t *x, sw_axis_t *a, char *text, int node) {
  char **v;
  if (!text) return err_set(x->e, ERR_RUN, "out of memory");
  if (a->nvalues >= SW_MAX_VALUES) {
    free(text);
    return yl_tree_fail(x->t, node, a->key, x->e, "too many values (got "
                        "more than %d, expected at most %d)", SW_MAX_VALUES,
                        SW_MAX_VALUES);
  }
  if (!(v = realloc(a->values, (size_t)(a->nvalues + 1) * sizeof *v))) {
    free(text);
    return err_set(x->e, ERR_RUN, "out of memory");
  }
  a->values = v;
  a->values[a->nvalues++] = text;
  return 0;
}

static int sw_values(sw_ctx_t *x, sw_axis_t *a, int idx, int n) {
  char *text;
  if (yl_tree_kind(x->t, n) != YL_LIST || yl_tree_len(x->t, n) < 1)
    return yl_tree_fail(x->t, n, a->key, x->e, "wrong type (got %s, expected "
                        "a non-empty list of values)",
                        yl_tree_kind(x->t, n) == YL_LIST ? "an empty list"
                                                         : yl_tree_kind_name(x->t, n));
  for (int i = 0; i < yl_tree_len(x->t, n); i++) {
    int item = yl_tree_item(x->t, n, i);
    if (sw_value(x, a->workload, idx, item, &text) ||
        sw_push(x, a, text, item))
      return x->e->status;
  }
  return 0;
}

/* How many values a range has, or 0 with a located error. */
static int sw_range_count(sw_ctx_t *x, const sw_range_t *r, bool geo, int n,
                          const char *key) {
  double span, k;
  if (geo ? r->factor == 1 || r->start == 0 : r->step == 0)
    return yl_tree_fail(x->t, n, key, x->e, "range never ends (got %s, "
                        "expected %s)", geo ? "factor 1 or start 0" : "step 0",
                        geo ? "factor != 1 and start != 0" : "step != 0"), 0;
  span = geo ? log(r->stop / r->start) / log(r->factor)
             : (r->stop - r->start) / r->step;
  if (!(span >= -1e-9))
    return yl_tree_fail(x->t, n, key, x->e, "empty range (got start %g, stop "
                        "%g, expected the steps to move from start towards "
                        "stop)", r->start, r->stop), 0;
  k = floor(span + 1e-9) + 1;
  if (k > SW_MAX_VALUES)
    return yl_tree_fail(x->t, n, key, x->e, "too many values (got %.0f, "
                        "expected at most %d)", k, SW_MAX_VALUES), 0;
  return (int)k;
}

/* Value i of a range as text: whole numbers without a point. */
static void sw_range_text(const sw_range_t *r, bool geo, int i, char *buf,
                          size_t len) {
  double v = geo ? r->start * pow(r->factor, i) : r->start + i * r->step;
  double whole = floor(v + 0.5);
  if (fabs(v - whole) <= 1e-9 * (fabs(v) > 1 ? fabs(v) : 1)) v = whole;
  if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, len, "%.0f", v);
  else snprintf(buf, len, "%.12g", v);
}

static int sw_range(sw_ctx_t *x, sw_axis_t *a, int n) {
  sw_range_t r = {0, 0, 0, 0};
  int line, col, count;
  bool has[4] = {false, false, false, false};
  if (yl_tree_map_check(x->t, n, &sw_range_schema, "range", x->e))
    return x->e->status;
  for (int i = 0; i < yl_tree_len(x->t, n); i++) {
    int idx = yl_find(&sw_range_schema, yl_tree_str(x->t, yl_tree_key(x->t, n, i)));
    if (yl_tree_get(x->t, yl_tree_val(x->t, n, i), &sw_range_keys[idx], &r, x->e))
      return x->e->status;
    has[idx] = true;
  }
  if (!has[0] || !has[1] || has[2] == has[3])
    return yl_tree_fail(x->t, n, "range", x->e, "incomplete range (got %s%s"
                        "%s%s, expected start, stop and one of step or "
                        "factor)", has[0] ? "start " : "", has[1] ? "stop " : "",
                        has[2] ? "step " : "", has[3] ? "factor" : "");
  if (!(count = sw_range_count(x, &r, has[3], n, a->key))) return x->e->status;
  yl_tree_pos(x->t, n, &line, &col);
  for (int i = 0; i < count; i++) {
    char val[64], *text;
    void *obj = a->workload ? (void *)&x->wl : (void *)&x->cfg;
    sw_range_text(&r, has[3], i, val, sizeof val);
    text = sw_strdup(a->key, "=");
    if (text) {
      char *full = sw_strdup(text, val);
      free(text);
      text = full;
    }
    if (!text) return err_set(x->e, ERR_RUN, "out of memory");
    /* located at the range: the value column is col0 + strlen(key) + 1 */
    if (yl_set(sw_schema(a->workload), text, yl_tree_origin(x->t), line,
               col - (int)strlen(a->key) - 1, obj, NULL, x->e)) {
      free(text);
      return x->e->status;
    }
    if (sw_push(x, a, text, n)) return x->e->status;
  }
  return 0;
}

static int sw_zip(sw_ctx_t *x, int n);

/* The key of an axis mapping: exactly one of set/wset, a schema key. */
static int sw_axis_key(sw_ctx_t *x, int n, sw_axis_t *a, int *idx) {
  int kn = -1;
  for (int i = 0; i < yl_tree_len(x->t, n); i++) {
    const char *k = yl_tree_str(x->t, yl_tree_key(x->t, n, i));
    if (strcmp(k, "set") && strcmp(k, "wset")) continue;
    if (kn >= 0)
      return yl_tree_fail(x->t, yl_tree_key(x->t, n, i), k, x->e,
                          "two keys in one axis (got set and wset, expected "
                          "one: use a zip to vary both)");
    kn = yl_tree_val(x->t, n, i);
    a->workload = k[0] == 'w';
  }
  if (kn < 0)
    return yl_tree_fail(x->t, n, "vary", x->e, "missing key (got an axis "
                        "without set or wset, expected the key to vary)");
  snprintf(a->key, sizeof a->key, "%s", yl_tree_str(x->t, kn));
  *idx = yl_find(sw_schema(a->workload), a->key);
  if (yl_tree_kind(x->t, kn) != YL_SCALAR || *idx < 0)
    return yl_tree_fail(x->t, kn, a->workload ? "wset" : "set", x->e,
                        "unknown %s key (got %s, expected a key of attnsim "
                        "%s --doc)", a->workload ? "workload" : "config",
                        yl_tree_kind(x->t, kn) == YL_SCALAR ? a->key
                                                            : yl_tree_kind_name(x->t, kn),
                        a->workload ? "workload" : "config");
  for (int i = 0; i < x->s->naxes; i++)
    if (x->s->axes[i].workload == a->workload && !strcmp(x->s->axes[i].key, a->key))
      return yl_tree_fail(x->t, kn, a->key, x->e, "varied twice (got a "
                          "second axis for it, expected one)");
  return 0;
}

/* One axis mapping {set|wset, values|range} into group g. */
static int sw_one_axis(sw_ctx_t *x, int n, int g) {
  sw_axis_t *a;
  int idx = -1, vn = -1, rn = -1;
  if (x->s->naxes >= SW_MAX_AXES)
    return yl_tree_fail(x->t, n, "vary", x->e, "too many axes (got more than "
                        "%d, expected at most %d)", SW_MAX_AXES, SW_MAX_AXES);
  a = &x->s->axes[x->s->naxes];
  memset(a, 0, sizeof *a);
  a->group = g;
  if (sw_axis_key(x, n, a, &idx)) return x->e->status;
  x->s->naxes++;
  for (int i = 0; i < yl_tree_len(x->t, n); i++) {
    const char *k = yl_tree_str(x->t, yl_tree_key(x->t, n, i));
    if (!strcmp(k, "values")) vn = yl_tree_val(x->t, n, i);
    if (!strcmp(k, "range")) rn = yl_tree_val(x->t, n, i);
    if (!strcmp(k, "zip"))
      return yl_tree_fail(x->t, yl_tree_key(x->t, n, i), "zip", x->e,
                          "zip inside an axis (got zip next to %s, expected "
                          "it alone)", a->workload ? "wset" : "set");
  }
  if ((vn < 0) == (rn < 0))
    return yl_tree_fail(x->t, n, a->key, x->e, "%s (got %s, expected one of "
                        "values or range)", vn < 0 ? "no values" : "two value "
                        "lists", vn < 0 ? "neither" : "both");
  return vn >= 0 ? sw_values(x, a, idx, vn) : sw_range(x, a, rn);
}

/* One entry of vary: an axis, or a zip of axes; opens a group. */
static int sw_group(sw_ctx_t *x, int n) {
  int g = x->s->ngroups, first = x->s->naxes;
  if (yl_tree_map_check(x->t, n, &sw_axis, "vary", x->e)) return x->e->status;
  if (yl_tree_len(x->t, n) == 1 &&
      !strcmp(yl_tree_str(x->t, yl_tree_key(x->t, n, 0)), "zip")) {
    if (sw_zip(x, yl_tree_val(x->t, n, 0))) return x->e->status;
  } else if (sw_one_axis(x, n, g)) {
    return x->e->status;
  }
  x->s->group_len[g] = x->s->axes[first].nvalues;
  for (int i = first + 1; i < x->s->naxes; i++)
    if (x->s->axes[i].nvalues != x->s->group_len[g])
      return yl_tree_fail(x->t, n, "zip", x->e, "zipped axes differ in "
                          "length (got %d values for %s and %d for %s, "
                          "expected the same)", x->s->group_len[g],
                          x->s->axes[first].key, x->s->axes[i].nvalues,
                          x->s->axes[i].key);
  x->s->ngroups++;
  return 0;
}

static int sw_zip(sw_ctx_t *x, int n) {
  if (yl_tree_kind(x->t, n) != YL_LIST || yl_tree_len(x->t, n) < 1)
    return yl_tree_fail(x->t, n, "zip", x->e, "wrong type (got %s, expected "
                        "a list of axes)", yl_tree_kind_name(x->t, n));
  for (int i = 0; i < yl_tree_len(x->t, n); i++) {
    int item = yl_tree_item(x->t, n, i);
    if (yl_tree_map_check(x->t, item, &sw_axis, "zip", x->e) ||
        sw_one_axis(x, item, x->s->ngroups))
      return x->e->status;
  }
  return 0;
}

static int sw_vary(sw_ctx_t *x, int n) {
  if (yl_tree_kind(x->t, n) != YL_LIST || yl_tree_len(x->t, n) < 1)
    return yl_tree_fail(x->t, n, "vary", x->e, "wrong type (got %s, expected "
                        "a non-empty list of axes)", yl_tree_kind_name(x->t, n));
  for (int i = 0; i < yl_tree_len(x->t, n); i++)
    if (sw_group(x, yl_tree_item(x->t, n, i))) return x->e->status;
  return 0;
}

/* ---- loading ------------------------------------------------------------ */

/* The node of a top-level key, or -1. */
static int sw_top_val(const yl_tree_t *t, const char *key) {
  int root = yl_tree_root(t);
  for (int i = 0; i < yl_tree_len(t, root); i++)
    if (!strcmp(yl_tree_str(t, yl_tree_key(t, root, i)), key))
      return yl_tree_val(t, root, i);
  return -1;
}

/* Scalars, then the config and workloads (which the values are parsed
 * against), then set, wset and vary. */
/* Workload i: a YAML workload, or a file its mechanism reads itself
 * (SpAtten's CSV traces: its rows define it; their bytes go into the
 * point key, since wl_t does not hold them). */
static int sw_workload(sw_spec_t *s, int i, err_t *e) {
  const mech_t *m = mech_for_file(s->workloads[i]);
  FILE *f;
  int ch;
  uint64_t h = 0xcbf29ce484222325ULL;
  if (!m) return wl_load(s->workloads[i], &s->wl[i], e);
  if (!(f = fopen(s->workloads[i], "rb")))
    return err_at(e, s->workloads[i], 0, 0, "workloads", "cannot open (got "
                  "an unreadable path, expected %s)", m->file_noun);
  while ((ch = getc(f)) != EOF) h = (h ^ (uint64_t)ch) * 0x100000001b3ULL;
  fclose(f);
  s->wl_bytes_hash[i] = h;
  return m->load_file(s->workloads[i], &s->wl[i], e);
}

/* layers: N cuts every workload to its first N layers, as run --layers
 * does for each point (which gets --layers N). */
static int sw_layers(sw_ctx_t *x) {
  sw_spec_t *s = x->s;
  int n = sw_top_val(x->t, "layers");
  for (int i = 0; i < s->nworkloads; i++) {
    if (mech_for_file(s->workloads[i]))
      return yl_tree_fail(x->t, n, "layers", x->e, "does not apply to %s "
                          "(got %s, whose rows define the workload; expected "
                          ".yaml workloads)", mech_for_file(s->workloads[i])->file_noun,
                          s->workloads[i]);
    if (s->layers > s->wl[i].layers)
      return yl_tree_fail(x->t, n, "layers", x->e, "out of range (got %d, "
                          "expected 0..%d, the model.layers of %s)", s->layers,
                          s->wl[i].layers, s->workloads[i]);
    wl_keep_layers(&s->wl[i], s->layers);
  }
  snprintf(s->layers_arg, sizeof s->layers_arg, "%d", s->layers);
  return 0;
}

static int sw_walk(sw_ctx_t *x) {
  const yl_tree_t *t = x->t;
  int root = yl_tree_root(t), n;
  if (yl_tree_map_check(t, root, &sw_top, "", x->e)) return x->e->status;
  for (int i = 0; i < yl_tree_len(t, root); i++) {
    int idx = yl_find(&sw_top, yl_tree_str(t, yl_tree_key(t, root, i)));
    if (sw_top_keys[idx].size == 1) continue; /* a structure */
    if (yl_tree_get(t, yl_tree_val(t, root, i), &sw_top_keys[idx], x->s, x->e))
      return x->e->status;
  }
  if (!x->s->config[0] || (n = sw_top_val(t, "workloads")) < 0)
    return err_at(x->e, yl_tree_origin(t), 1, 1, "(root)", "missing key (got "
                  "no %s, expected config: and workloads:)",
                  x->s->config[0] ? "workloads" : "config");
  if (sw_workloads(x, n) || cfg_load(x->s->config, &x->s->base, x->e))
    return x->e->status;
  for (int i = 0; i < x->s->nworkloads; i++)
    if (sw_workload(x->s, i, x->e)) return x->e->status;
  if (x->s->layers && sw_layers(x)) return x->e->status;
  x->cfg = x->s->base;
  x->wl = x->s->wl[0];
  if (((n = sw_top_val(t, "set")) >= 0 && sw_fixed(x, n, false)) ||
      ((n = sw_top_val(t, "wset")) >= 0 && sw_fixed(x, n, true)))
    return x->e->status;
  if ((n = sw_top_val(t, "vary")) >= 0 && sw_vary(x, n)) return x->e->status;
  return 0;
}

/* The first axis of group g. */
static const sw_axis_t *sw_group_axis(const sw_spec_t *s, int g) {
  int a = 0;
  while (a + 1 < s->naxes && s->axes[a].group != g) a++;
  return &s->axes[a];
}

/* Points: workloads x the groups' product (or their common length). */
static int sw_count(sw_ctx_t *x) {
  sw_spec_t *s = x->s;
  double n = s->nworkloads;
  for (int g = 0; g < s->ngroups; g++) {
    if (s->combine == 1 && s->group_len[g] != s->group_len[0])
      return err_at(x->e, s->path, 0, 0, "combine", "zip of groups of "
                    "different lengths (got %d values for %s and %d for %s, "
                    "expected the same)", s->group_len[0], s->axes[0].key,
                    s->group_len[g], sw_group_axis(s, g)->key);
    if (s->combine == 0 || g == 0) n *= s->group_len[g];
  }
  if (n > SW_MAX_POINTS)
    return err_at(x->e, s->path, 0, 0, "vary", "too many points (got %.0f, "
                  "expected at most %d)", n, SW_MAX_POINTS);
  s->npoints = (int)n;
  return 0;
}

/* Default name: the file name without folder and .yaml/.yml. */
static void sw_default_name(sw_spec_t *s) {
  const char *b = strrchr(s->path, '/'), *dot;
  b = b ? b + 1 : s->path;
  dot = strrchr(b, '.');
  snprintf(s->name, sizeof s->name, "%.*s",
           (int)(dot && dot != b ? (size_t)(dot - b) : strlen(b)), b);
}

int sw_load(const char *path, sw_spec_t *s, err_t *e) {
  yl_tree_t *t;
  sw_ctx_t *x;
  int rc;
  memset(s, 0, sizeof *s);
  snprintf(s->path, sizeof s->path, "%s", path);
  if (yl_tree_load(path, &t, e)) return e->status;
  if (!(x = calloc(1, sizeof *x))) {
    yl_tree_free(t);
    return err_set(e, ERR_RUN, "out of memory");
  }
  x->t = t;
  x->s = s;
  x->e = e;
  rc = sw_walk(x);
  if (!rc) rc = sw_count(x);
  if (!rc && !s->name[0]) sw_default_name(s);
  free(x);
  yl_tree_free(t);
  if (rc) sw_free(s);
  return rc;
}

void sw_free(sw_spec_t *s) {
  for (int i = 0; i < s->nsets; i++) free(s->sets[i]);
  for (int i = 0; i < s->nwsets; i++) free(s->wsets[i]);
  for (int a = 0; a < s->naxes; a++) {
    for (int v = 0; v < s->axes[a].nvalues; v++) free(s->axes[a].values[v]);
    free(s->axes[a].values);
  }
  s->nsets = s->nwsets = s->naxes = s->ngroups = 0;
}

/* ---- points ------------------------------------------------------------- */

void sw_point_at(const sw_spec_t *s, int index, sw_point_t *p) {
  int gi[SW_MAX_AXES], rest = index;
  memset(p, 0, sizeof *p);
  p->index = index;
  for (int g = s->ngroups - 1; g >= 0; g--) {
    if (s->combine == 1) {
      gi[g] = rest % s->group_len[0];
      continue;
    }
    gi[g] = rest % s->group_len[g];
    rest /= s->group_len[g];
  }
  if (s->combine == 1 && s->ngroups) rest /= s->group_len[0];
  p->workload = rest;
  for (int a = 0; a < s->naxes; a++) p->vi[a] = gi[s->axes[a].group];
}

/* Apply "key=value" (validated at load) without cross-field checks. */
static void sw_apply_one(bool workload, const char *text, void *obj) {
  err_t e;
  yl_set(sw_schema(workload), text, workload ? "<--wset>" : "<--set>", 0, 0,
         obj, NULL, &e);
}

void sw_point_apply(const sw_spec_t *s, const sw_point_t *p, cfg_t *c,
                    wl_t *w) {
  *c = s->base;
  *w = s->wl[p->workload];
  for (int i = 0; i < s->nsets; i++) sw_apply_one(false, s->sets[i], c);
  for (int i = 0; i < s->nwsets; i++) sw_apply_one(true, s->wsets[i], w);
  for (int a = 0; a < s->naxes; a++)
    sw_apply_one(s->axes[a].workload, s->axes[a].values[p->vi[a]],
                 s->axes[a].workload ? (void *)w : (void *)c);
}

static uint64_t sw_fnv(uint64_t h, const char *t) {
  for (; *t; t++) {
    h ^= (unsigned char)*t;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* FNV-1a 64 of an object's canonical text under a schema. */
static uint64_t sw_text_hash(uint64_t h, const yl_schema_t *sch,
                             const void *obj) {
  int n = yl_text(sch, obj, NULL, 0);
  char *buf = malloc((size_t)n + 1);
  if (!buf) return h ^ yl_hash(sch, obj); /* same identity, other spelling */
  yl_text(sch, obj, buf, (size_t)n + 1);
  h = sw_fnv(h, buf);
  free(buf);
  return h;
}

void sw_point_key(const sw_spec_t *s, const sw_point_t *p, char key[17]) {
  cfg_t c;
  wl_t w;
  char flags[64];
  uint64_t h = 0xcbf29ce484222325ULL;
  sw_point_apply(s, p, &c, &w);
  snprintf(flags, sizeof flags, "attnsim %s trace %u\n", ATTNSIM_VERSION,
           (unsigned)TRACE_VERSION);
  h = sw_fnv(h, flags);
  h = sw_text_hash(h, cfg_schema_get(), &c);
  h = sw_fnv(h, "--\n");
  h = sw_text_hash(h, wl_schema_get(), &w);
  snprintf(flags, sizeof flags, "--\ntiming_only=%d check=%d dense=%d %016llx\n",
           s->timing_only, s->check, s->dense,
           (unsigned long long)s->wl_bytes_hash[p->workload]);
  h = sw_fnv(h, flags);
  snprintf(key, 17, "%016llx", (unsigned long long)h);
}

void sw_point_group(const sw_spec_t *s, const sw_point_t *p, char key[17]) {
  cfg_t c;
  wl_t w;
  sw_point_apply(s, p, &c, &w);
  snprintf(key, 17, "%016llx",
           (unsigned long long)sw_text_hash(0xcbf29ce484222325ULL,
                                            wl_schema_get(), &w));
}

int sw_point_args(const sw_spec_t *s, const sw_point_t *p, const char **argv) {
  int n = 0;
  argv[n++] = "--config";
  argv[n++] = s->config;
  argv[n++] = "--workload";
  argv[n++] = s->workloads[p->workload];
  argv[n++] = "--quiet";
  if (s->timing_only) argv[n++] = "--timing-only";
  if (s->dense) argv[n++] = "--dense";
  if (s->check) argv[n++] = "--check";
  if (s->layers) argv[n++] = "--layers", argv[n++] = s->layers_arg;
  for (int i = 0; i < s->nsets; i++) argv[n++] = "--set", argv[n++] = s->sets[i];
  for (int i = 0; i < s->nwsets; i++) argv[n++] = "--wset", argv[n++] = s->wsets[i];
  for (int a = 0; a < s->naxes; a++) {
    argv[n++] = s->axes[a].workload ? "--wset" : "--set";
    argv[n++] = s->axes[a].values[p->vi[a]];
  }
  return n;
}

/* recost.c - read a run's counts back from its JSON report (recost.h). */
#include "recost.h"

#include <limits.h>
#include <string.h>

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
  if (strcmp(phase, "prefill") && strcmp(phase, "decode"))
    return err_at(e, d->origin, d->n[i].line, d->n[i].col, "workload.phase",
                  "not a phase (got \"%s\", expected prefill or decode)", phase);
  r->wl.phase = phase[0] == 'd' ? WL_DECODE : WL_PREFILL;
  if (rc_int(d, 0, "workload.layers", &r->wl.layers, e) ||
      rc_int(d, 0, "workload.heads", &r->wl.heads, e) ||
      rc_int(d, 0, "workload.head_dim", &r->wl.head_dim, e) ||
      rc_need(d, 0, "workload.path", &i, e))
    return e->status;
  r->has_wl_path = d->n[i].type != JS_NULL;
  if (r->has_wl_path &&
      js_copy_str(d, i, "workload.path", r->wl_path, sizeof r->wl_path, e))
    return e->status;
  if (rc_need(d, 0, "config.hash", &i, e)) return e->status;
  return js_copy_str(d, i, "config.hash", r->config_hash, sizeof r->config_hash, e);
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
  else if (!(rc = rc_counters(&d, r, e)) && !(rc = rc_workload(&d, r, e)))
    rc = rc_layers(&d, r, e);
  js_free(&d);
  if (rc) st_free(&r->st);
  return rc;
}

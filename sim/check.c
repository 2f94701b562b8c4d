/* check.c - chk_run and the comparators the mechanisms' checks share
 * (check.h); the dense check. */
#include "check.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "spatten.h"
#include "mapping.h"
#include "mech.h"
#include "serve.h"

typedef struct scratch {
  int16_t *gfix;
  double *gflt;
  float *rows;
} scratch_t;

/* Over rows [r0, r0+n) of one head: the largest row L1 norm, or with
 * elem set the largest |element|. */
static double max_norm(const ten_t *t, ten_kind_t k, int cs, int l, int h,
                       int r0, int n, int d, float *rows, int elem) {
  double m = 0, v;
  size_t i, j;
  ten_rows(t, k, cs, l, h, r0, n, rows);
  for (i = 0; i < (size_t)n; i++) {
    for (j = 0, v = 0; j < (size_t)d; j++) {
      double a = fabs(rows[i * (size_t)d + j]);
      v = elem ? (a > v ? a : v) : v + a;
    }
    if (v > m) m = v;
  }
  return m;
}

/* The float bound of one head (docs/tiling.md for the tiled mapping's:
 * bc > 0). */
static double head_tol(const cfg_t *c, const wl_t *w, const ten_t *t, int cs,
                       int l, int h, int bc, float *rows) {
  int d = w->head_dim, nq = wl_queries(w, cs), nk = wl_ctx_tokens(w, cs);
  double lsb = ldexp(1.0, -(c->frac_bits + 1)), sd = sqrt((double)d);
  double qn = max_norm(t, TEN_Q, cs, l, h, wl_query_pos(w, cs, 0), nq, d, rows, 0);
  /* over every key of the K/V head: a bound for any window of it */
  double kn = max_norm(t, TEN_K, cs, l, h / wl_group(w), 0, nk, d, rows, 0);
  double vmax = max_norm(t, TEN_V, cs, l, h / wl_group(w), 0, nk, d, rows, 1);
  double ds = (qn + kn) * lsb / sd + d * lsb * lsb / sd + lsb + 0.6931471805599453 * lsb +
              ldexp(1.0, -16);
  if (bc) { /* per tile: alpha's and e's relative error; 1 LSB per weight */
    double nt = (nk + bc - 1) / bc + 2.0;
    double eta = 0.6931471805599453 * ldexp(1.0, -(c->frac_bits + 1)) +
                 ldexp(1.0, -15);
    return vmax * (2 * ds + 2 * nt * eta + (nk + 2 * nt) * ldexp(1.0, -16)) +
           2 * lsb;
  }
  return vmax * (2 * ds + nk * ldexp(1.0, -(c->prob_bits + 1))) + 2 * lsb;
}

void chk_compare_head(const chk_shape_t *s, const int16_t *sim,
                      const int16_t *gold, int rows, int d, int cs, int l,
                      int h, chk_t *r) {
  for (int i = 0; i < rows * d; i++) {
    int16_t got = sim ? sim[i] : 0;
    r->compared++;
    if (got != gold[i] && r->mismatches++ == 0)
      snprintf(r->msg, sizeof r->msg,
               "mismatch at %s %d %s %d %s %d %s %d element %d: simulator "
               "%d, golden %d (%s)",
               s->names[0], cs, s->names[1], l, s->names[2], h, s->names[3],
               i / d, i % d, got, gold[i], s->note);
  }
}

static int shape_layers(const chk_shape_t *s, const wl_t *w, int cs) {
  return s->layers ? s->layers(w, cs) : w->layers;
}

static int shape_heads(const chk_shape_t *s, const wl_t *w, int cs) {
  return s->heads ? s->heads(w, cs) : w->heads;
}

static int shape_rows(const chk_shape_t *s, const wl_t *w, int cs) {
  return s->rows ? s->rows(w, cs) : wl_queries(w, cs);
}

int16_t *chk_gold_alloc(const wl_t *w, const chk_shape_t *s, size_t *maxq) {
  *maxq = 1;
  for (int cs = 0; cs < wl_cases(w); cs++)
    if ((size_t)shape_rows(s, w, cs) > *maxq) *maxq = (size_t)shape_rows(s, w, cs);
  return calloc((size_t)wl_cases(w) * w->layers * w->heads * *maxq * w->head_dim,
                sizeof(int16_t));
}

void chk_compare_outputs(const wl_t *w, const memimg_t *mi,
                         const int16_t *gold, size_t maxq,
                         const chk_shape_t *s, chk_t *r) {
  int d = w->head_dim;
  for (int cs = 0; cs < wl_cases(w); cs++)
    for (int l = 0; l < shape_layers(s, w, cs); l++)
      for (int h = 0; h < shape_heads(s, w, cs); h++)
        chk_compare_head(s, mi_output(mi, cs, l, h),
                         gold + ((size_t)(cs * w->layers + l) * w->heads + h) *
                                    maxq * (size_t)d,
                         shape_rows(s, w, cs), d, cs, l, h, r);
}

/* Dense outputs: named by case, layer, head and query. */
static const chk_shape_t dense_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "fixed point, LSBs",
};

/* KIVI: head (cs, l, h)'s outputs against the unquantized fixed-point
 * golden outputs (the same workload with kv_quant off), in real units,
 * into r's kvq_* sums; sc->gflt holds them as scratch. */
static void kvq_error(const fx_t *fx, const wl_t *w, const ten_t *t, int cs,
                      int l, int h, const int16_t *sim, scratch_t *sc,
                      chk_t *r) {
  wl_t off = *w;
  int16_t *ref = (int16_t *)sc->gflt; /* nq x d int16 fit in doubles */
  double scale = ldexp(1.0, -fx->frac_bits);
  int n = wl_queries(w, cs) * w->head_dim;
  off.kvq_bits = 0;
  gold_head_fixed(fx, &off, t, cs, l, h, ref);
  r->kvq = true;
  for (int i = 0; i < n; i++) {
    double got = (sim ? sim[i] : 0) * scale, want = ref[i] * scale;
    double err = fabs(got - want);
    if (err > r->kvq_max_err) r->kvq_max_err = err;
    r->kvq_err2 += err * err;
    r->kvq_ref2 += want * want;
  }
}

/* One head: bit for bit against gold_head_fixed, then every element
 * within the head's float bound of gold_head_float. The first mismatch
 * names itself in r->msg; the first element beyond the bound does when
 * no element mismatches. */
static void dense_head(const cfg_t *c, const wl_t *w, const ten_t *t,
                       const memimg_t *mi, const map_t *map, int cs, int l,
                       int h, scratch_t *sc, chk_t *r) {
  const int16_t *sim = mi_output(mi, cs, l, h);
  fx_t fx;
  int d = w->head_dim, nq = wl_queries(w, cs), i;
  int bc = map->tiled ? map->bc : 0;
  double tol = head_tol(c, w, t, cs, l, h, bc, sc->rows), scale;
  fx_init(&fx, c->width, c->frac_bits, c->prob_bits, d);
  scale = ldexp(1.0, -c->frac_bits);
  if (bc)
    gold_head_fixed_tiled(&fx, w, t, cs, l, h, bc, sc->gfix);
  else
    gold_head_fixed(&fx, w, t, cs, l, h, sc->gfix);
  chk_compare_head(&dense_shape, sim, sc->gfix, nq, d, cs, l, h, r);
  if (w->kvq_bits) {
    kvq_error(&fx, w, t, cs, l, h, sim, sc, r);
    return;
  }
  gold_head_float(w, t, cs, l, h, sc->gflt);
  for (i = 0; i < nq * d; i++) {
    double err = fabs((sim ? sim[i] : 0) * scale - sc->gflt[i]);
    if (err > r->max_float_err) r->max_float_err = err;
    if (err > tol && r->float_ok) {
      r->float_ok = false;
      r->float_tol = tol;
      if (!r->mismatches)
        snprintf(r->msg, sizeof r->msg,
                 "float error %.4g above bound %.4g at case %d layer %d head "
                 "%d query %d element %d", err, tol, cs, l, h, i / d, i % d);
    }
  }
  if (r->float_ok && tol > r->float_tol) r->float_tol = tol;
}

/* Decode and serve: every K and V cache block as the run left it against
 * the golden cache (serve.h), bit for bit; returns the elements compared
 * (r->compared keeps counting output elements only; a mismatch counts in
 * r->mismatches). */
static const chk_shape_t cache_shape[2] = {
    {.names = {"sequence", "layer", "kv head", "row"}, .note = "V cache"},
    {.names = {"sequence", "layer", "kv head", "row"}, .note = "K cache"},
};

static uint64_t check_cache(const cfg_t *c, const wl_t *w, const ten_t *t,
                            const memimg_t *mi, int16_t *gold, int16_t *sim,
                            chk_t *r) {
  uint64_t before = r->compared;
  fx_t fx;
  fx_init(&fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  for (int cs = 0; cs < wl_cases(w); cs++)
    for (int l = 0; l < w->layers; l++)
      for (int h = 0; h < wl_kv_heads(w); h++)
        for (int key = w->v_from_k ? 1 : 0; key < 2; key++) { /* MLA: K only */
          int got = mi_cache(mi, key, cs, l, h, sim); /* 1: never touched */
          gold_cache_fixed(&fx, w, t, key, cs, l, h, gold);
          chk_compare_head(&cache_shape[key], got ? NULL : sim, gold,
                           wl_ctx_tokens(w, cs), w->head_dim, cs, l, h, r);
        }
  uint64_t n = r->compared - before;
  r->compared = before;
  return n;
}

/* Decisions in the golden model's order: case or step, layer, the heads'
 * per-query decisions, then the layer's top-ks. The simulator's units run
 * concurrently and its compiler interleaves queries, so both logs are
 * sorted by this key, unique per decision, before they are compared. */
static int dec_cmp(const void *a, const void *b) {
  const dec_t *x = a, *y = b;
  int hx = x->head < 0 ? INT_MAX : x->head, hy = y->head < 0 ? INT_MAX : y->head;
  if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
  if (x->layer != y->layer) return x->layer < y->layer ? -1 : 1;
  if (hx != hy) return hx < hy ? -1 : 1;
  if (x->query != y->query) return x->query < y->query ? -1 : 1;
  return (x->kind > y->kind) - (x->kind < y->kind);
}

static dec_t *sorted(const declog_t *l) {
  dec_t *d = malloc((l->n ? l->n : 1) * sizeof *d);
  if (!d) return NULL;
  if (l->n) memcpy(d, l->d, l->n * sizeof *d);
  qsort(d, l->n, sizeof *d, dec_cmp);
  return d;
}

static void dec_text(const dec_t *d, char *buf, size_t len) {
  snprintf(buf, len, "%s, %s %d layer %d head %d query %d: %d of %d kept",
           dec_kind_names[d->kind], "unit", d->unit, d->layer, d->head,
           d->query, d->kept, d->n);
}

bool chk_decisions(const declog_t *sim, const declog_t *gold, chk_t *r) {
  char a[160], b[160];
  dec_t *s = sorted(sim), *g = sorted(gold);
  size_t i, n = sim->n < gold->n ? sim->n : gold->n;
  if (!s || !g) {
    free(s), free(g);
    snprintf(r->msg, sizeof r->msg, "out of memory comparing decisions");
    return false;
  }
  for (i = 0; i < n; i++) {
    const dec_t *x = &s[i], *y = &g[i];
    if (x->kind == y->kind && x->unit == y->unit && x->layer == y->layer &&
        x->head == y->head && x->query == y->query && x->n == y->n &&
        x->kept == y->kept && x->hash == y->hash)
      continue;
    dec_text(x, a, sizeof a);
    dec_text(y, b, sizeof b);
    snprintf(r->msg, sizeof r->msg, "decision %zu differs: simulator %.80s%s; "
             "golden %.80s", i, a, x->hash != y->hash ? " (other indices)" : "",
             b);
    free(s), free(g);
    return false;
  }
  free(s), free(g);
  r->decisions = n;
  if (sim->n != gold->n)
    snprintf(r->msg, sizeof r->msg, "decision count differs: simulator %zu, "
             "golden %zu", sim->n, gold->n);
  return sim->n == gold->n;
}

/* The accuracy cost against dense attention from a golden model's sums. */
static void chk_accuracy(const gold_sp_acc_t *a, chk_t *r) {
  r->rel_err = a->ref2 > 0 ? sqrt(a->err2 / a->ref2) : 0;
  r->mass_kept = a->queries ? a->mass / (double)a->queries : 0;
  r->rel_err_renorm = a->ref2 > 0 ? sqrt(a->err2_renorm / a->ref2) : 0;
}

int chk_finish(const wl_t *w, const memimg_t *mi, const chk_shape_t *s,
               chk_gold_t *g, const declog_t *simlog, chk_t *r) {
  bool ran = g->out && !g->rc && !g->log.oom && !(simlog && simlog->oom);
  char dec[64] = "", acc[128] = "";
  if (ran) {
    chk_compare_outputs(w, mi, g->out, g->maxq, s, r);
    if (s->decisions && !r->mismatches && simlog &&
        !chk_decisions(simlog, &g->log, r))
      r->mismatches++;
    if (g->acc) chk_accuracy(g->acc, r);
  }
  free(g->out);
  dec_free(&g->log);
  if (!ran) return ERR_RUN;
  r->ok = !r->mismatches;
  if (!r->ok) return 0;
  if (s->decisions)
    snprintf(dec, sizeof dec, " and %llu %s", (unsigned long long)r->decisions,
             s->decisions);
  if (g->acc)
    snprintf(acc, sizeof acc, "; accuracy cost: output error %.3g relative "
             "to dense, %.1f%% of the dense attention mass kept", r->rel_err,
             100 * r->mass_kept);
  snprintf(r->msg, sizeof r->msg, "%llu output elements%s equal the %s%s",
           (unsigned long long)r->compared, dec, s->model, acc);
  return 0;
}

int chk_dense(const cfg_t *c, const wl_t *w, const ten_t *t,
              const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  scratch_t sc;
  int cs, l, h, maxq = 1, maxk = 1;
  lay_t lay;
  map_t map;
  err_t e;
  (void)simlog;
  /* the golden model of the mapping the compiler chose (mapping.h) */
  if (lay_init(&lay, c, w, "config", &e) ||
      map_choose(c, &lay, w, true, "config", &map, &e)) {
    snprintf(r->msg, sizeof r->msg, "%.200s", e.msg);
    return ERR_RUN;
  }
  uint64_t ncache = 0;
  int16_t *gcache, *scache;
  for (cs = 0; cs < wl_cases(w); cs++) {
    if (wl_queries(w, cs) > maxq) maxq = wl_queries(w, cs);
    if (wl_ctx_tokens(w, cs) > maxk) maxk = wl_ctx_tokens(w, cs);
  }
  sc.gfix = malloc((size_t)maxq * (size_t)w->head_dim * sizeof *sc.gfix);
  sc.gflt = malloc((size_t)maxq * (size_t)w->head_dim * sizeof *sc.gflt);
  sc.rows = malloc((size_t)maxk * (size_t)w->head_dim * sizeof *sc.rows);
  gcache = malloc((size_t)maxk * (size_t)w->head_dim * sizeof *gcache);
  scache = malloc((size_t)maxk * (size_t)w->head_dim * sizeof *scache);
  if (sc.gfix && sc.gflt && sc.rows && gcache)
    for (cs = 0; cs < wl_cases(w); cs++)
      for (l = 0; l < w->layers; l++)
        for (h = 0; h < w->heads; h++)
          dense_head(c, w, t, mi, &map, cs, l, h, &sc, r);
  if (sc.gfix && sc.gflt && sc.rows && gcache && scache && wl_generates(w))
    ncache = check_cache(c, w, t, mi, gcache, scache, r);
  free(gcache);
  free(scache);
  free(sc.gfix);
  free(sc.gflt);
  free(sc.rows);
  if (!r->compared) return ERR_RUN;
  r->ok = !r->mismatches && r->float_ok;
  if (r->kvq) {
    r->kvq_rms_err = sqrt(r->kvq_err2 / (double)r->compared);
    r->kvq_rel_err = r->kvq_ref2 > 0 ? sqrt(r->kvq_err2 / r->kvq_ref2) : 0;
  }
  if (r->ok && r->kvq)
    snprintf(r->msg, sizeof r->msg,
             "%llu output elements: bit-exact with the fixed-point golden "
             "model of the quantized cache; against unquantized: max error "
             "%.4g, RMS %.4g", (unsigned long long)r->compared,
             r->kvq_max_err, r->kvq_rms_err);
  else if (r->ok)
    snprintf(r->msg, sizeof r->msg,
             "%llu output elements%s: bit-exact with the fixed-point golden "
             "model; max float error %.4g within bound %.4g",
             (unsigned long long)r->compared,
             ncache ? " and the K/V cache written" : "", r->max_float_err,
             r->float_tol);
  return 0;
}

int chk_run(const cfg_t *c, const wl_t *w, const ten_t *t,
            const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  const mech_t *m = mech_of(w, c->width);
  memset(r, 0, sizeof *r);
  r->float_ok = true;
  return m->check ? m->check(c, w, t, mi, simlog, r) : ERR_RUN;
}

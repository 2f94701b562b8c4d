#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

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

static double head_tol(const cfg_t *c, const wl_t *w, const ten_t *t, int cs,
                       int l, int h, float *rows) {
  int d = w->head_dim, nq = wl_queries(w, cs), nk = wl_ctx_tokens(w, cs);
  double lsb = ldexp(1.0, -(c->frac_bits + 1)), sd = sqrt((double)d);
  double qn = max_norm(t, TEN_Q, cs, l, h, wl_query_pos(w, cs, 0), nq, d, rows, 0);
  double kn = max_norm(t, TEN_K, cs, l, h, 0, nk, d, rows, 0);
  double vmax = max_norm(t, TEN_V, cs, l, h, 0, nk, d, rows, 1);
  double ds = (qn + kn) * lsb / sd + d * lsb * lsb / sd + lsb + 0.6931471805599453 * lsb +
              ldexp(1.0, -16);
  return vmax * (2 * ds + nk * ldexp(1.0, -(c->prob_bits + 1))) + 2 * lsb;
}

static void compare_head(const cfg_t *c, const wl_t *w, const ten_t *t,
                         const memimg_t *mi, int cs, int l, int h,
                         scratch_t *sc, chk_t *r) {
  const int16_t *sim = mi_output(mi, cs, l, h);
  fx_t fx;
  int d = w->head_dim, nq = wl_queries(w, cs), i;
  double tol = head_tol(c, w, t, cs, l, h, sc->rows), scale;
  fx_init(&fx, c->width, c->frac_bits, c->prob_bits, d);
  scale = ldexp(1.0, -c->frac_bits);
  gold_head_fixed(&fx, w, t, cs, l, h, sc->gfix);
  gold_head_float(w, t, cs, l, h, sc->gflt);
  for (i = 0; i < nq * d; i++) {
    int16_t got = sim ? sim[i] : 0;
    double err = fabs(got * scale - sc->gflt[i]);
    r->compared++;
    if (got != sc->gfix[i] && r->mismatches++ == 0)
      snprintf(r->msg, sizeof r->msg,
               "mismatch at case %d layer %d head %d query %d element %d: "
               "simulator %d, golden %d (fixed point, LSBs)",
               cs, l, h, i / d, i % d, got, sc->gfix[i]);
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

int chk_run(const cfg_t *c, const wl_t *w, const ten_t *t,
            const memimg_t *mi, chk_t *r) {
  scratch_t sc;
  int cs, l, h, maxq = 1, maxk = 1;
  memset(r, 0, sizeof *r);
  r->float_ok = true;
  for (cs = 0; cs < w->ncases; cs++) {
    if (wl_queries(w, cs) > maxq) maxq = wl_queries(w, cs);
    if (wl_ctx_tokens(w, cs) > maxk) maxk = wl_ctx_tokens(w, cs);
  }
  sc.gfix = malloc((size_t)maxq * (size_t)w->head_dim * sizeof *sc.gfix);
  sc.gflt = malloc((size_t)maxq * (size_t)w->head_dim * sizeof *sc.gflt);
  sc.rows = malloc((size_t)maxk * (size_t)w->head_dim * sizeof *sc.rows);
  if (sc.gfix && sc.gflt && sc.rows)
    for (cs = 0; cs < w->ncases; cs++)
      for (l = 0; l < w->layers; l++)
        for (h = 0; h < w->heads; h++)
          compare_head(c, w, t, mi, cs, l, h, &sc, r);
  free(sc.gfix);
  free(sc.gflt);
  free(sc.rows);
  if (!r->compared) return ERR_RUN;
  r->ok = !r->mismatches && r->float_ok;
  if (r->ok)
    snprintf(r->msg, sizeof r->msg,
             "%llu output elements: bit-exact with the fixed-point golden "
             "model; max float error %.4g within bound %.4g",
             (unsigned long long)r->compared, r->max_float_err, r->float_tol);
  return 0;
}

/* tensor.c - Q, K and V rows from the synthetic generator or .npy files.
 *
 * Synthetic generator (counter-based, so any element can be made alone):
 *   n(kind, c, l, h, p, i)  iid, mean 0, variance 1, bell-shaped: the
 *                           Irwin-Hall sum of the four 16-bit uniforms of
 *                           one splitmix64 output keyed by
 *                           (seed, kind, c, l, h, p) and counter i,
 *                           standardised (bounded at +-sqrt(12) = 3.46;
 *                           no libm call, so generation is cheap)
 *   a(c, p)                 salience weight of position p of case c, shared
 *                           by every layer and head: a(c, 0) = 1 (the
 *                           first token is an attention sink); otherwise
 *                           a = min(1/2, 1 / (32 u)) with u uniform in
 *                           (0, 1] (Pareto tail: median 1/16, 1 position
 *                           in 16 at the cap 1/2, like punctuation)
 *   u(l, h)                 unit direction per layer and head (normalized
 *                           Gaussian vector, the same in every case)
 *   g = sqrt(salience) * head_dim^(1/4)
 *   Q[p] = std * n + g * u
 *   K[p] = std * n + g * a(c, p) * u
 *   V[p] = std * n
 * Grouped-query attention (model.kv_heads): K and V have kv_heads heads;
 * K/V head g is generated as above with head index g and the direction
 * u(l, g * group), and query head h uses u(l, (h / group) * group), the
 * direction of its K/V head (group = heads / kv_heads; with group 1 both
 * are u(l, h), as before).
 * So the scaled score q.k / sqrt(head_dim) of a key gains salience * a(c, p)
 * (plus random terms): salience is the logit boost of a fully salient key
 * in nats, whatever the head dimension. salience = 0 gives iid
 * n with variance std^2. n never exceeds 3.47 in magnitude and the
 * salient part of an element is typically sqrt(salience / sqrt(head_dim))
 * (0.7 for salience 4, head_dim 64), so with std = 1 elements fit a 12-bit
 * datapath with 8 fractional bits (range +-8).
 * Elements are clamped to +-FLT_MAX, so huge std or salience give large
 * but finite values, never Inf or NaN.
 *
 * Gate logits (model.kind gated, docs/gated.md), stream TEN_G:
 *   G[p][i] = gated.bias + std * (r(c, l, h, p) + n(c, l, h, p, i) / 2)
 *   r: one variate per row (counter head_dim of the row's key), so a row's
 *   gates move together and some rows' largest gate is low; headwise
 *   (gated.mode): element 0 only, the rest 0.
 * NumPy source: q, k and v are [layers, heads, tokens, head_dim] arrays
 * of one sequence, checked whole when opened and read row by row when
 * fetched (npy_open, npy_get: no copy of the data is held; K and V:
 * [layers, kv_heads, tokens, head_dim] with model.kv_heads). K and V hold the whole context; Q holds
 * the context too, or (decode) only the generated tokens, whose row r is
 * position prompt + r. A mechanism's own inputs come from files of their
 * own with the npy source: gated.gate (as Q), moh.router ([layers,
 * tokens, routed heads]) and routing.centroids ([layers, heads, clusters,
 * head_dim]).
 */
#include "tensor.h"

#include <assert.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "rtshape.h"
#include "simd.h"

#define TEN_GOLDEN UINT64_C(0x9E3779B97F4A7C15) /* splitmix64 increment */

/* Streams of the generator beyond TEN_Q, TEN_K, TEN_V. */
enum { STREAM_DIR = 3, STREAM_SAL = 4 };

struct ten {
  wl_t w;          /* copy: shapes and generator parameters */
  double *dir;     /* synthetic: g * u(l, h), layers x heads x head_dim */
  npy_t a[3];      /* npy: Q, K, V */
  int q_row0;      /* npy: position of Q's row 0 (0, or prompt) */
  npy_t g;         /* npy: gate logits (model.kind gated) */
  npy_t aux;       /* npy: router scores (moh) or centroids (routing) */
};

/* ---- synthetic generator --------------------------------------------- */

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* The x-th splitmix64 output from state key: folds one index into a key. */
static uint64_t fold(uint64_t key, uint64_t x) {
  return mix64(key + TEN_GOLDEN * (x + 1));
}

static uint64_t row_key(uint64_t seed, int stream, int cs, int layer,
                        int head, int row) {
  uint64_t k = fold(mix64(seed), (uint64_t)stream);
  k = fold(k, (uint64_t)cs);
  k = fold(k, (uint64_t)layer);
  k = fold(k, (uint64_t)head);
  return fold(k, (uint64_t)row);
}

/* A standardised Irwin-Hall(4) variate from one 64-bit hash: the sum of
 * four 16-bit uniforms (each +1/2 so the sum is symmetric about 0) has
 * variance 4 * 2^32 / 12, hence the scale. The sum is made in integers
 * (it is below 2^18, so exactly the double sum it replaces) and converted
 * once: the same bits as four conversions, and vectorisable. */
static double bell(uint64_t z) {
  int32_t s = (int32_t)(z & 0xffff) + (int32_t)(z >> 16 & 0xffff) +
              (int32_t)(z >> 32 & 0xffff) + (int32_t)(z >> 48) + 2 -
              2 * 65536;
  return (double)s * (1.7320508075688772 / 65536.0); /* sqrt(12 / 4) / 2^16 */
}

/* Element i of a row, hashed from the row's key and i. */
static void normals(uint64_t key, int n, double *out) {
  int i;
  for (i = 0; i < n; i++) out[i] = bell(fold(key, (uint64_t)i));
}

/* Salience weight a(c, p) in [0, 1]; see the top comment. */
static double salience_weight(uint64_t seed, int cs, int pos) {
  double u, a;
  if (pos == 0) return 1.0;
  u = ((double)(fold(row_key(seed, STREAM_SAL, cs, 0, 0, 0),
                     (uint64_t)pos) >> 11) + 1.0) * 0x1p-53;
  a = 1.0 / (32.0 * u);
  return a < 0.5 ? a : 0.5;
}

/* dir[(l * heads + h) * d + i] = g * u(l, h)_i. */
static int make_dirs(ten_t *t, err_t *e) {
  const wl_t *w = &t->w;
  int d = w->head_dim, lh, i;
  double g = sqrt(w->salience) * pow((double)d, 0.25);
  t->dir = malloc((size_t)w->layers * (size_t)w->heads * (size_t)d *
                  sizeof *t->dir);
  if (!t->dir) return err_set(e, ERR_RUN, "out of memory for tensors");
  for (lh = 0; lh < w->layers * w->heads; lh++) {
    double *u = t->dir + (size_t)lh * (size_t)d, norm = 0.0;
    normals(row_key(w->seed, STREAM_DIR, 0, lh / w->heads, lh % w->heads, 0),
            d, u);
    for (i = 0; i < d; i++) norm += u[i] * u[i];
    norm = norm > 0.0 ? sqrt(norm) : 1.0;
    for (i = 0; i < d; i++) u[i] *= g / norm;
  }
  return 0;
}

/* x limited to +-FLT_MAX as a float (NaN stays NaN): two selects, so a
 * loop of them vectorises. */
static float clamp_float(double x) {
  double c = x > FLT_MAX ? FLT_MAX : x;
  return (float)(c < -FLT_MAX ? -FLT_MAX : c);
}

/* One row of d elements, o[i] = std * n_i + gain * u[i] clamped to float,
 * n_i hashed from the row's key and i (as normals(), without a row
 * buffer). Each element is its own function of (key, i), made by the same
 * operations in the same order whatever the vector width (the file is
 * built without FMA contraction), so any element alone has these bits. */
SIMD_CLONES static void synth_row(uint64_t key, int d, double std,
                                  double gain, const double *u, float *o) {
  for (int i = 0; i < d; i++)
    o[i] = clamp_float(std * bell(fold(key, (uint64_t)i)) + gain * u[i]);
}

/* Gate logits (the top comment); headwise rows keep element 0 only. */
static void synth_gate(const ten_t *t, int cs, int layer, int head, int row0,
                       int n, float *out) {
  const wl_t *w = &t->w;
  int d = w->head_dim, r, i, ne = w->gt_mode ? 1 : d;
  for (r = 0; r < n; r++) {
    uint64_t key = row_key(w->seed, TEN_G, cs, layer, head, row0 + r);
    double rr = bell(fold(key, (uint64_t)d));
    float *o = out + (size_t)r * (size_t)d;
    for (i = 0; i < d; i++)
      o[i] = i < ne ? clamp_float(w->gt_bias +
                                  w->std * (rr + 0.5 * bell(fold(key, (uint64_t)i))))
                    : 0.0f;
  }
}

static void synth_rows(const ten_t *t, ten_kind_t kind, int cs, int layer,
                       int head, int row0, int n, float *out) {
  const wl_t *w = &t->w;
  int d = w->head_dim, r;
  int g = wl_group(w), dh = kind == TEN_Q ? head / g * g : head * g;
  const double *u = t->dir + ((size_t)layer * (size_t)w->heads +
                              (size_t)dh) * (size_t)d;
  for (r = 0; r < n; r++) {
    int p = row0 + r;
    uint64_t key = row_key(w->seed, (int)kind, cs, layer, head, p);
    float *o = out + (size_t)r * (size_t)d;
    double gain = kind == TEN_Q   ? 1.0
                  : kind == TEN_K ? salience_weight(w->seed, cs, p)
                                  : 0.0;
    synth_row(key, d, w->std, gain, u, o);
  }
}

/* ---- NumPy source ----------------------------------------------------- */

static const char *const axis_names[4] = {"layers", "heads", "tokens",
                                          "head_dim"};

/* Check one array's shape against the workload. q_alt is a second token
 * count accepted for Q in decode (generate), or -1. */
static int check_shape(const npy_t *a, const char *path, const int want[4],
                       int q_alt, err_t *e) {
  int ax;
  if (a->ndim != 4)
    return err_at(e, path, 0, 0, "shape",
                  "wrong number of axes (got %d, expected 4: layers, heads, "
                  "tokens, head_dim)", a->ndim);
  for (ax = 0; ax < 4; ax++) {
    if (a->shape[ax] == want[ax] || (ax == 2 && a->shape[ax] == q_alt))
      continue;
    if (ax == 2 && q_alt >= 0)
      return err_at(e, path, 0, 0, "shape",
                    "axis 2 (tokens) does not match the workload (got "
                    "%" PRId64 ", expected %d (context) or %d (generated "
                    "tokens))", a->shape[ax], want[ax], q_alt);
    return err_at(e, path, 0, 0, "shape",
                  "axis %d (%s) does not match the workload (got %" PRId64
                  ", expected %d)", ax, axis_names[ax], a->shape[ax],
                  want[ax]);
  }
  return 0;
}

/* A mechanism's own input file (moh.router, routing.centroids): npy_open's
 * errors and a shape other than want[0..n) name the key, "PATH: KEY: what
 * is wrong (got X, expected Y)" (a .npy file has no lines to locate). */
static int open_aux(npy_t *a, const char *path, const char *key, int n,
                    const int64_t *want, const char *axes, err_t *e) {
  char got[128] = "", exp[128] = "";
  int ok = 1;
  if (npy_open(path, a, e)) {
    size_t pl = strlen(path);
    char inner[sizeof e->msg];
    /* "PATH: field: ..." from npy.c, re-keyed as "PATH: KEY: field: ..." */
    snprintf(inner, sizeof inner, "%s",
             strncmp(e->msg, path, pl) == 0 && e->msg[pl] == ':'
                 ? e->msg + pl + 2 : e->msg);
    return err_at(e, path, 0, 0, key, "%s", inner);
  }
  ok = a->ndim == n;
  for (int ax = 0; ax < n && ok; ax++) ok = a->shape[ax] == want[ax];
  if (ok) return 0;
  for (int ax = 0; ax < a->ndim; ax++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%" PRId64,
             ax ? ", " : "", a->shape[ax]);
  for (int ax = 0; ax < n; ax++)
    snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%" PRId64,
             ax ? ", " : "", want[ax]);
  return err_at(e, path, 0, 0, key, "shape does not match the workload (got "
                "[%s], expected [%s]: %s)", got, exp, axes);
}

static int open_npy(ten_t *t, err_t *e) {
  const wl_t *w = &t->w;
  const char *paths[3] = {w->q_path, w->k_path, w->v_path};
  int want[4] = {w->layers, w->heads, wl_ctx_tokens(w, 0), w->head_dim};
  int k, rc;
  int want_kv[4] = {w->layers, wl_kv_heads(w), wl_ctx_tokens(w, 0),
                    w->head_dim};
  if (w->ncases != 1)
    return err_at(e, w->name, 0, 0, "prefill.tokens",
                  "got %d cases with tensors.source npy, expected 1 (a .npy "
                  "file holds one sequence)", w->ncases);
  for (k = 0; k < (w->v_from_k ? 2 : 3); k++) { /* v_from_k: V is K's */
    int alt = k == TEN_Q && w->phase == WL_DECODE ? w->generate : -1;
    if ((rc = npy_open(paths[k], &t->a[k], e)) ||
        (rc = check_shape(&t->a[k], paths[k], k == TEN_Q ? want : want_kv,
                          alt, e)))
      return rc;
  }
  t->q_row0 = t->a[TEN_Q].shape[2] == want[2] ? 0 : w->prompt;
  if (w->kind == WL_GATED) { /* the gate logits: Q's shape, all positions */
    int want_g[4] = {w->layers, w->heads, wl_ctx_tokens(w, 0),
                     w->gt_mode ? 1 : w->head_dim};
    if ((rc = npy_open(w->gt_path, &t->g, e)) ||
        (rc = check_shape(&t->g, w->gt_path, want_g, -1, e)))
      return rc;
  }
  if (w->kind == WL_MOH && w->moh_topk) { /* routed heads' scores */
    int64_t want_r[3] = {w->layers, wl_ctx_tokens(w, 0),
                         w->heads - w->moh_shared};
    return open_aux(&t->aux, w->moh_router, "moh.router", 3, want_r,
                    "layers, tokens, model.heads - moh.shared", e);
  }
  if (w->kind == WL_ROUTING) {
    int64_t want_c[4] = {w->layers, w->heads, w->rt_clusters, w->head_dim};
    return open_aux(&t->aux, w->rt_centroids, "routing.centroids", 4, want_c,
                    "layers, heads, routing.clusters, head_dim", e);
  }
  return 0;
}

/* Gate rows from the .npy file: head_dim or (headwise) 1 element a row,
 * widened to head_dim with zeros. */
static void npy_gate(const ten_t *t, int layer, int head, int row0, int n,
                     float *out) {
  const npy_t *a = &t->g;
  int64_t e = a->shape[3], rows = a->shape[2];
  int d = t->w.head_dim;
  int64_t first = (((int64_t)layer * a->shape[1] + head) * rows + row0) * e;
  memset(out, 0, (size_t)n * (size_t)d * sizeof *out);
  for (int r = 0; r < n; r++)
    (void)npy_get(a, first + r * e, e, out + (size_t)r * (size_t)d);
}

static void npy_rows(const ten_t *t, ten_kind_t kind, int layer, int head,
                     int row0, int n, float *out) {
  const npy_t *a = &t->a[kind];
  int64_t d = a->shape[3], rows = a->shape[2], first;
  if (kind == TEN_Q) row0 -= t->q_row0;
  assert(row0 >= 0 && row0 + n <= rows);
  first = (((int64_t)layer * a->shape[1] + head) * rows + row0) * d;
  /* read when fetched; the file was checked whole by ten_open, so a
   * failure means it changed since: the rows read as zeros */
  (void)npy_get(a, first, (int64_t)n * d, out);
}

/* ---- public ----------------------------------------------------------- */

int ten_open(ten_t **out, const wl_t *w, err_t *e) {
  ten_t *t;
  int rc;
  *out = NULL;
  if (w->source == WL_SYNTHETIC && !(isfinite(w->std) && w->std >= 0))
    return err_at(e, w->name, 0, 0, "tensors.std",
                  "got %g, expected a finite value >= 0", w->std);
  if (w->source == WL_SYNTHETIC &&
      !(isfinite(w->salience) && w->salience >= 0))
    return err_at(e, w->name, 0, 0, "tensors.salience",
                  "got %g, expected a finite value >= 0", w->salience);
  if (!(t = calloc(1, sizeof *t)))
    return err_set(e, ERR_RUN, "out of memory for tensors");
  t->w = *w;
  rc = w->source == WL_SYNTHETIC ? make_dirs(t, e) : open_npy(t, e);
  if (rc) {
    ten_close(t);
    return rc;
  }
  *out = t;
  return 0;
}

void ten_close(ten_t *t) {
  int k;
  if (!t) return;
  free(t->dir);
  for (k = 0; k < 3; k++) npy_free(&t->a[k]);
  npy_free(&t->g);
  npy_free(&t->aux);
  free(t);
}

void ten_rows(const ten_t *t, ten_kind_t kind, int cs, int layer, int head,
              int row0, int n, float *out) {
  assert(layer >= 0 && layer < t->w.layers && head >= 0 &&
         head < (kind == TEN_Q || kind == TEN_G ? t->w.heads
                                                : wl_kv_heads(&t->w)) &&
         row0 >= 0 && n >= 0);
  if (kind == TEN_V && t->w.v_from_k) { /* the keys' first v_from_k columns */
    int d = t->w.head_dim;
    ten_rows(t, TEN_K, cs, layer, head, row0, n, out);
    for (int r = 0; r < n; r++)
      for (int i = t->w.v_from_k; i < d; i++) out[(size_t)r * (size_t)d + i] = 0;
    return;
  }
  if (kind == TEN_G && t->w.source == WL_SYNTHETIC)
    synth_gate(t, cs, layer, head, row0, n, out);
  else if (kind == TEN_G)
    npy_gate(t, layer, head, row0, n, out);
  else if (t->w.source == WL_SYNTHETIC)
    synth_rows(t, kind, cs, layer, head, row0, n, out);
  else
    npy_rows(t, kind, layer, head, row0, n, out);
}

void ten_router(const ten_t *t, int layer, int tok, float *out) {
  const npy_t *a = &t->aux;
  int64_t n = a->shape[2];
  assert(t->w.source == WL_NPY && t->w.kind == WL_MOH && a->ndim == 3);
  (void)npy_get(a, ((int64_t)layer * a->shape[1] + tok) * n, n, out);
}

void ten_centroids(const ten_t *t, int layer, int head, float *out) {
  const npy_t *a = &t->aux;
  int64_t n;
  if (t->w.source != WL_NPY) {
    rt_centroids(&t->w, layer, head, out);
    return;
  }
  assert(t->w.kind == WL_ROUTING && a->ndim == 4);
  n = a->shape[2] * a->shape[3];
  (void)npy_get(a, ((int64_t)layer * a->shape[1] + head) * n, n, out);
}

/* test_spatten_golden.c - the golden SpAtten model (golden/spatten.c)
 * against docs/spatten.md. Expected values are derived by hand in the
 * comments, or come from the independent dense models of golden.c where a
 * schedule must reduce to dense attention; never from the code under test.
 * Datapath throughout: W 12, F 8, P 12.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "config.h"
#include "fixed.h"
#include "golden.h"
#include "npy.h"
#include "schedule.h"
#include "spatten.h"
#include "tensor.h"
#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

static void datapath(cfg_t *c) {
  cfg_defaults(c);
  c->width = 12, c->frac_bits = 8, c->prob_bits = 12;
}

static void set1(wl_t *w, int key, double v) {
  w->sched_n[key] = 1;
  w->sched[key][0] = v;
}

static void set_layers(wl_t *w, int key, int n, const double *v) {
  w->sched_n[key] = n;
  for (int i = 0; i < n; i++) w->sched[key][i] = v[i];
}

static void wl_synth(wl_t *w, int layers, int heads, int tokens, int d) {
  wl_defaults(w);
  snprintf(w->name, sizeof w->name, "sp");
  w->layers = layers, w->heads = heads, w->head_dim = d;
  w->phase = WL_PREFILL, w->ncases = 1, w->tokens[0] = tokens;
  w->causal = false;
  w->source = WL_SYNTHETIC, w->seed = 777, w->std = 1.0, w->salience = 3.0;
}

/* Write a [layers, heads, tokens, d] array: element (l, h, t, i) is
 * rows[t * d + i] times scale[l * heads + h] (scale NULL: 1). */
static void write_npy(char *path, size_t len, const char *tag, int layers,
                      int heads, int tokens, int d, const float *rows,
                      const float *scale) {
  int64_t shape[4] = {layers, heads, tokens, d};
  size_t per = (size_t)tokens * (size_t)d, n = per * (size_t)(layers * heads);
  float *f = malloc(n * sizeof *f);
  err_t e;
  cr_assert_not_null(f);
  for (size_t i = 0; i < n; i++)
    f[i] = rows[i % per] * (scale ? scale[i / per] : 1.0f);
  tu_write(path, len, tag, "");
  cr_assert_eq(npy_write_f32(path, 4, shape, f, &e), 0, "%s", e.msg);
  free(f);
}

/* A prefill npy workload whose Q, K and V rows are given (the same in
 * every layer and head but V times vscale[l * heads + h]). tag keeps the
 * files of a test apart. */
static void wl_rows(wl_t *w, const char *tag, int layers, int heads,
                    int tokens, int d, const float *q, const float *k,
                    const float *v, const float *vscale) {
  char name[64];
  wl_synth(w, layers, heads, tokens, d);
  w->source = WL_NPY;
  snprintf(name, sizeof name, "%s-q.npy", tag);
  write_npy(w->q_path, sizeof w->q_path, name, layers, heads, tokens, d, q,
            NULL);
  snprintf(name, sizeof name, "%s-k.npy", tag);
  write_npy(w->k_path, sizeof w->k_path, name, layers, heads, tokens, d, k,
            NULL);
  snprintf(name, sizeof name, "%s-v.npy", tag);
  write_npy(w->v_path, sizeof w->v_path, name, layers, heads, tokens, d, v,
            vscale);
}

static void to_decode(wl_t *w, int prompt, int generate) {
  w->phase = WL_DECODE, w->ncases = 1, w->tokens[0] = 0;
  w->prompt = prompt, w->generate = generate;
}

static ten_t *open_ok(const wl_t *w) {
  ten_t *t = NULL;
  err_t e;
  err_clear(&e);
  cr_assert_eq(ten_open(&t, w, &e), 0, "%s", e.msg);
  return t;
}

static int maxq_of(const wl_t *w) {
  int m = 0;
  for (int c = 0; c < w->ncases; c++)
    if (wl_queries(w, c) > m) m = wl_queries(w, c);
  return m;
}

/* Run gold_spatten on datapath W12 F8 P12; returns the outputs (free). */
static int16_t *run(const wl_t *w, declog_t *log, gold_sp_acc_t *acc) {
  cfg_t c;
  size_t n = (size_t)w->ncases * (size_t)w->layers * (size_t)w->heads *
             (size_t)maxq_of(w) * (size_t)w->head_dim;
  int16_t *out = malloc(n * sizeof *out);
  ten_t *t = open_ok(w);
  datapath(&c);
  cr_assert_not_null(out);
  memset(out, 0x55, n * sizeof *out); /* pruned rows must be written 0 */
  cr_assert_eq(gold_spatten(&c, w, t, out, log, acc), 0);
  cr_assert_eq(log ? log->oom : 0, 0);
  ten_close(t);
  return out;
}

/* Output row q of (case, layer, head), as the header lays it out. */
static const int16_t *out_row(const int16_t *out, const wl_t *w, int cs,
                              int l, int h, int q) {
  size_t b = ((size_t)cs * (size_t)w->layers + (size_t)l) * (size_t)w->heads +
             (size_t)h;
  return out + (b * (size_t)maxq_of(w) + (size_t)q) * (size_t)w->head_dim;
}

static bool row_zero(const int16_t *r, int d) {
  for (int i = 0; i < d; i++)
    if (r[i]) return false;
  return true;
}

/* Rows q0 .. q0+n-1 of (cs, l, h) equal rows 0 .. n-1 of ref. */
static void expect_rows(const int16_t *out, const wl_t *w, int cs, int l,
                        int h, const int16_t *ref, int q0, int n) {
  int d = w->head_dim;
  for (int q = 0; q < n; q++)
    cr_expect_eq(memcmp(out_row(out, w, cs, l, h, q0 + q), ref + q * d,
                        (size_t)d * sizeof *ref), 0,
                 "case %d layer %d head %d query %d differs", cs, l, h,
                 q0 + q);
}

/* Every query row of (cs, l, h) equals gold_head_fixed's (dense). */
static void expect_dense_head(const int16_t *out, const wl_t *w,
                              const ten_t *t, int cs, int l, int h) {
  static fx_t fx;
  int16_t *ref = malloc((size_t)wl_queries(w, cs) * (size_t)w->head_dim *
                        sizeof *ref);
  cr_assert_not_null(ref);
  fx_init(&fx, 12, 8, 12, w->head_dim);
  gold_head_fixed(&fx, w, t, cs, l, h, ref);
  expect_rows(out, w, cs, l, h, ref, 0, wl_queries(w, cs));
  free(ref);
}

/* dec_hash of a short list of indices. */
static uint64_t hash_of(int n, uint32_t a, uint32_t b, uint32_t c) {
  const uint32_t idx[3] = {a, b, c};
  return dec_hash(idx, (size_t)n);
}

static void expect_dec(const dec_t *d, int kind, int unit, int layer,
                       int head, int query, int n, int kept, uint64_t hash) {
  cr_expect_eq(d->kind, kind, "kind %d, expected %d", d->kind, kind);
  cr_expect_eq(d->unit, unit, "unit %d, expected %d", d->unit, unit);
  cr_expect_eq(d->layer, layer, "layer %d, expected %d", d->layer, layer);
  cr_expect_eq(d->head, head, "head %d, expected %d", d->head, head);
  cr_expect_eq(d->query, query, "query %d, expected %d", d->query, query);
  cr_expect_eq(d->n, n, "n %d, expected %d", d->n, n);
  cr_expect_eq(d->kept, kept, "kept %d, expected %d", d->kept, kept);
  cr_expect_eq(d->hash, hash, "hash differs (kind %d)", kind);
}

/* ---- gold_topk -------------------------------------------------------- */

/* Scores 5 3 5 7 3: order by the rule is 7@3, 5@0, 5@2, 3@1, 3@4. */
Test(spatten_topk, ties_go_to_the_lower_index) {
  const int64_t s[5] = {5, 3, 5, 7, 3};
  uint32_t keep[5];
  cr_assert_eq(gold_topk(s, 5, 2, keep), 2);
  cr_expect(keep[0] == 0 && keep[1] == 3, "%u %u", keep[0], keep[1]);
  cr_assert_eq(gold_topk(s, 5, 3, keep), 3);
  cr_expect(keep[0] == 0 && keep[1] == 2 && keep[2] == 3);
  cr_assert_eq(gold_topk(s, 5, 4, keep), 4);
  cr_expect(keep[0] == 0 && keep[1] == 1 && keep[2] == 2 && keep[3] == 3);
  cr_assert_eq(gold_topk(s, 5, 1, keep), 1);
  cr_expect_eq(keep[0], 3);
}

Test(spatten_topk, all_equal_keeps_the_first_k) {
  const int64_t s[4] = {4, 4, 4, 4};
  uint32_t keep[4];
  cr_assert_eq(gold_topk(s, 4, 2, keep), 2);
  cr_expect(keep[0] == 0 && keep[1] == 1);
}

Test(spatten_topk, extremes_of_k_and_score) {
  const int64_t s[5] = {-1, -5, INT64_MIN, INT64_MAX, 0};
  uint32_t keep[5] = {99, 99, 99, 99, 99};
  cr_expect_eq(gold_topk(s, 5, 0, keep), 0);
  cr_expect_eq(keep[0], 99, "k = 0 wrote an index");
  cr_expect_eq(gold_topk(s, 5, -3, keep), 0);
  cr_expect_eq(gold_topk(s, 0, 2, keep), 0);
  cr_assert_eq(gold_topk(s, 5, 5, keep), 5);
  for (uint32_t i = 0; i < 5; i++) cr_expect_eq(keep[i], i);
  for (uint32_t i = 0; i < 5; i++) keep[i] = 99;
  cr_assert_eq(gold_topk(s, 5, 9, keep), 5);
  for (uint32_t i = 0; i < 5; i++) cr_expect_eq(keep[i], i);
  cr_assert_eq(gold_topk(s, 5, 2, keep), 2); /* INT64_MAX@3, 0@4 */
  cr_expect(keep[0] == 3 && keep[1] == 4, "%u %u", keep[0], keep[1]);
  cr_assert_eq(gold_topk(s, 5, 4, keep), 4); /* INT64_MIN@2 out */
  cr_expect(keep[0] == 0 && keep[1] == 1 && keep[2] == 3 && keep[3] == 4);
}

/* ---- a dense schedule is dense attention ------------------------------ */

/* Dense float outputs of (cs, l, h) summed into err2/ref2 as the header
 * defines them, from golden.c's models. */
static void dense_acc(const wl_t *w, const ten_t *t, const int16_t *out,
                      double *err2, double *ref2) {
  int d = w->head_dim;
  double *f = malloc((size_t)maxq_of(w) * (size_t)d * sizeof *f);
  cr_assert_not_null(f);
  for (int cs = 0; cs < w->ncases; cs++)
    for (int l = 0; l < w->layers; l++)
      for (int h = 0; h < w->heads; h++) {
        gold_head_float(w, t, cs, l, h, f);
        for (int q = 0; q < wl_queries(w, cs); q++)
          for (int i = 0; i < d; i++) {
            double o = out_row(out, w, cs, l, h, q)[i] / 256.0,
                   r = f[q * d + i];
            *err2 += (o - r) * (o - r), *ref2 += r * r;
          }
      }
  free(f);
}

/* With sched_active false: every output equals gold_head_fixed, nothing is
 * logged, every query is counted, the mass used is 1 per query (all keys
 * kept) and err2/ref2 match the float model. Prefill (2 cases, plain and
 * causal) and decode. */
static void check_dense(const wl_t *w) {
  declog_t log = {0};
  gold_sp_acc_t acc;
  double err2 = 0, ref2 = 0;
  uint64_t nq = 0;
  ten_t *t = open_ok(w);
  int16_t *out = run(w, &log, &acc);
  cr_assert(!sched_active(w, 12));
  for (int cs = 0; cs < w->ncases; cs++) {
    nq += (uint64_t)(wl_queries(w, cs) * w->layers * w->heads);
    for (int l = 0; l < w->layers; l++)
      for (int h = 0; h < w->heads; h++) expect_dense_head(out, w, t, cs, l, h);
  }
  cr_expect_eq(log.n, 0, "a dense run logged %zu decisions", log.n);
  cr_expect_eq(acc.queries, nq);
  cr_expect(fabs(acc.mass - (double)nq) < 1e-9 * (double)nq, "mass %.12g",
            acc.mass);
  dense_acc(w, t, out, &err2, &ref2);
  cr_expect(fabs(acc.err2 - err2) <= 1e-9 * err2, "%g vs %g", acc.err2, err2);
  cr_expect(fabs(acc.ref2 - ref2) <= 1e-9 * ref2, "%g vs %g", acc.ref2, ref2);
  cr_expect(acc.err2 > 0 && acc.err2 < 1e-3 * acc.ref2);
  cr_expect_eq(gold_spatten(&(cfg_t){.width = 12, .frac_bits = 8,
                                     .prob_bits = 12},
                            w, t, NULL, NULL, NULL), 0);
  free(out);
  dec_free(&log);
  ten_close(t);
}

Test(spatten_golden, dense_schedule_is_gold_head_fixed) {
  wl_t w;
  wl_synth(&w, 2, 3, 6, 8);
  w.ncases = 2, w.tokens[1] = 9;
  check_dense(&w);
  w.causal = true;
  check_dense(&w);
  wl_synth(&w, 2, 3, 6, 8);
  to_decode(&w, 5, 4);
  set1(&w, WL_S_KEY_LSB, 4); /* no MSB quantization: cannot refetch */
  set1(&w, WL_S_THRESHOLD, 1);
  check_dense(&w);
}

/* ---- keep counts ------------------------------------------------------ */

/* One DEC_VALUES entry, its hash aside (that depends on the data). */
static void expect_values(const dec_t *d, int layer, int head, int query,
                          int n, int kept) {
  expect_dec(d, DEC_VALUES, 0, layer, head, query, n, kept, d->hash);
}

/* Prefill 7 tokens, 3 heads, 3 layers, token_keep [0.3, 0.3, 0.15],
 * head_keep [0.34, 0.34, 0.1], value_keep 0.2. By ceil(r n) (fractions
 * x 2^20: 0.3 -> 314573, 0.34 -> 356516, 0.2 -> 209715, each off by less
 * than 1/n of a keep):
 *   layer 0, each of 3 x 7 queries: values ceil(0.2 * 7 = 1.4) = 2 of 7;
 *   end of layer 0: tokens ceil(0.3 * 7 = 2.1) = 3 of 7, heads
 *   ceil(0.34 * 3 = 1.02) = 2 of 3;
 *   layer 1, each of 2 x 3 queries: values ceil(0.2 * 3 = 0.6) = 1 of 3;
 *   end of layer 1: tokens ceil(0.3 * 7) = 3 and heads ceil(0.34 * 3) = 2
 *   keep all that is left: no top-k (shares of the 3 tokens and 2 heads
 *   left would keep 1 of each);
 *   layer 2: as layer 1; the last layer's 0.15 and 0.1 would keep 2
 *   tokens and 1 head, but no top-k runs after the last layer.
 * 21 + 1 + 1 + 6 + 6 = 35 decisions. */
Test(spatten_golden, keep_counts_are_hand_ceilings) {
  const double tk[3] = {0.3, 0.3, 0.15}, hk[3] = {0.34, 0.34, 0.1};
  declog_t log = {0};
  wl_t w;
  int16_t *out;
  int kept[2];
  size_t i = 0;
  wl_synth(&w, 3, 3, 7, 4);
  set_layers(&w, WL_S_TOKEN_KEEP, 3, tk);
  set_layers(&w, WL_S_HEAD_KEEP, 3, hk);
  set1(&w, WL_S_VALUE_KEEP, 0.2);
  out = run(&w, &log, NULL);
  cr_assert_eq(log.n, 35);
  for (int h = 0; h < 3; h++)
    for (int q = 0; q < 7; q++) expect_values(&log.d[i++], 0, h, q, 7, 2);
  expect_dec(&log.d[i], DEC_TOKENS, 0, 0, -1, -1, 7, 3, log.d[i].hash);
  i++;
  expect_dec(&log.d[i], DEC_HEADS, 0, 0, -1, -1, 3, 2, log.d[i].hash);
  i++;
  kept[0] = log.d[i].head, kept[1] = log.d[i + 3].head;
  cr_expect_lt(kept[0], kept[1], "heads out of order");
  for (int l = 1; l < 3; l++)
    for (int k = 0; k < 2; k++)
      for (int q = 0; q < 3; q++)
        expect_values(&log.d[i++], l, kept[k], q, 3, 1);
  /* later layers: the pruned head writes nothing, a kept one 3 of 7 rows */
  for (int l = 1; l < 3; l++)
    for (int h = 0; h < 3; h++) {
      int zero = 0;
      for (int q = 0; q < 7; q++)
        zero += row_zero(out_row(out, &w, 0, l, h, q), 4);
      cr_expect_eq(zero, h == kept[0] || h == kept[1] ? 4 : 7,
                   "layer %d head %d: %d zero rows", l, h, zero);
    }
  free(out);
  dec_free(&log);
}

/* ---- hand-computed queries -------------------------------------------- */

/* The two-token head of test_tensor_golden's hand_computed_two_tokens,
 * d = 2: q0 = (1, 0.75), q1 = (2, -2); k0 = (0, 0), k1 = (1, k1x);
 * v0 = (7.5, 0), v1 = (0, 7.5). With k1x = 1 (derived there):
 * q0: p = (921, 3175); q1: p = (2048, 2048); v = 7.5 * 256 = 1920;
 * dense float q0: p = (0.22488245, 0.77511755); q1: (0.5, 0.5). */
static void wl_two(wl_t *w, const char *tag, float k1x) {
  const float q[4] = {1, 0.75f, 2, -2}, k[4] = {0, 0, k1x, k1x};
  const float v[4] = {7.5f, 0, 0, 7.5f};
  wl_rows(w, tag, 1, 1, 2, 2, q, k, v, NULL);
}

/* value_keep 0.5 of 2 keys: kv = 1, so o = rsh(p_argmax * v_argmax, P)
 * with nothing renormalised. q0: argmax j = 1, o = (0, rsh(3175 * 1920,
 * 12) = 1488). q1: p0 = p1, the tie goes to j = 0: o = (rsh(2048 * 1920,
 * 12) = 960, 0). Accuracy: mass = 0.77511755 + 0.5; dense outputs
 * 7.5 p = (1.68661838, 5.81338163) and (3.75, 3.75) against (0, 5.8125)
 * and (3.75, 0). Renormalised, the one kept probability divided by
 * itself is 1, so the outputs are the kept value rows (0, 7.5) and
 * (7.5, 0) exactly. */
Test(spatten_golden, one_value_is_the_argmax_row) {
  const double a = 7.5 * 0.22488245, b = 7.5 * 0.77511755;
  declog_t log = {0};
  gold_sp_acc_t acc;
  wl_t w;
  int16_t *out;
  wl_two(&w, "vk", 1.0f);
  set1(&w, WL_S_VALUE_KEEP, 0.5);
  out = run(&w, &log, &acc);
  cr_expect(out[0] == 0 && out[1] == 1488, "q0: %d %d", out[0], out[1]);
  cr_expect(out[2] == 960 && out[3] == 0, "q1: %d %d", out[2], out[3]);
  cr_assert_eq(log.n, 2);
  expect_dec(&log.d[0], DEC_VALUES, 0, 0, 0, 0, 2, 1, hash_of(1, 1, 0, 0));
  expect_dec(&log.d[1], DEC_VALUES, 0, 0, 0, 1, 2, 1, hash_of(1, 0, 0, 0));
  cr_expect_eq(acc.queries, 2);
  cr_expect(fabs(acc.mass - 1.27511755) < 1e-7, "mass %.9f", acc.mass);
  cr_expect(fabs(acc.err2 - (a * a + (b - 5.8125) * (b - 5.8125) + 3.75 * 3.75))
                < 1e-6, "err2 %.9f", acc.err2);
  cr_expect(fabs(acc.ref2 - (a * a + b * b + 2 * 3.75 * 3.75)) < 1e-6,
            "ref2 %.9f", acc.ref2);
  cr_expect(fabs(acc.err2_renorm - (a * a + (b - 7.5) * (b - 7.5) +
                                    2 * 3.75 * 3.75)) < 1e-6,
            "err2_renorm %.9f", acc.err2_renorm);
  free(out);
  dec_free(&log);
}

/* k1 = (1.1, 1.1): fx_quant gives 282 = 0b1_0001_1010; 6 MSBs of 12 leave
 * the interval [256, 320), reconstructed at its middle 288 = 1.125 exactly
 * (and k0 = 0 at the middle of [0, 64), 32 = 0.125): without refetch the
 * outputs are dense attention's with k0 = (0.125, 0.125) and k1 = (1.125,
 * 1.125), which msb_ref computes with no schedule at all.
 * With the full 12 bits, q0 = (256, 192): s1 = 448 * 282 = 126336;
 * t1 = rsh(126336 * 46341 = 5854536576, 24) = 349 (348.96);
 * z = -rsh(-349 * 94548, 16) = 503 = 1 * 256 + 247, LUT[247] =
 * round(2^16 * 2^(-247/256)) = 33576, e0 = 16788, S = 82324;
 * p0 = (16788 * 4096 + 41162) / 82324 = 835, p1 = (2^28 + 41162) / 82324
 * = 3261; o = (rsh(835 * 1920, 12) = 391, rsh(3261 * 1920, 12) = 1529).
 * q1 = (512, -512) scores 0 against either key: o = (960, 960).
 * The largest probabilities on MSB keys: q0 3175 << 4 = 50800, q1 2048 <<
 * 4 = 32768. */
static void msb_ref(int16_t ref[4]) {
  const float q[4] = {1, 0.75f, 2, -2}, k[4] = {0.125f, 0.125f, 1.125f, 1.125f};
  const float v[4] = {7.5f, 0, 0, 7.5f};
  wl_t w;
  int16_t *o;
  wl_rows(&w, "rf-msb", 1, 1, 2, 2, q, k, v, NULL);
  o = run(&w, NULL, NULL);
  memcpy(ref, o, 4 * sizeof *ref);
  free(o);
}

static int16_t *run_refetch(double threshold, declog_t *log) {
  wl_t w;
  wl_two(&w, "rf", 1.1f);
  set1(&w, WL_S_KEY_MSB, 6);
  set1(&w, WL_S_KEY_LSB, 6);
  set1(&w, WL_S_THRESHOLD, threshold);
  return run(&w, log, NULL);
}

static void expect_out(const int16_t *o, int a, int b, int c, int d) {
  cr_expect(o[0] == a && o[1] == b && o[2] == c && o[3] == d,
            "got (%d %d) (%d %d), expected (%d %d) (%d %d)", o[0], o[1], o[2],
            o[3], a, b, c, d);
}

static void expect_refetch_log(const declog_t *log, int r0, int r1) {
  cr_assert_eq(log->n, 2);
  expect_dec(&log->d[0], DEC_REFETCH, 0, 0, 0, 0, 2, r0, 0);
  expect_dec(&log->d[1], DEC_REFETCH, 0, 0, 0, 1, 2, r1, 0);
}

/* threshold 0 (thr16 0): nothing is below it, no refetch. 1 (thr16
 * 65535): every pmax << 4 <= 65520 is, all refetch. 0.6 (thr16 39322):
 * only q1. 0.5 (thr16 32768): q1's 32768 is not below it (strict). */
Test(spatten_golden, refetch_threshold) {
  declog_t log = {0};
  int16_t m[4], *out = run_refetch(0, &log);
  msb_ref(m);
  cr_expect(m[0] != 391 || m[1] != 1529, "the MSB keys must change q0");
  expect_out(out, m[0], m[1], m[2], m[3]);
  expect_refetch_log(&log, 0, 0);
  free(out), dec_free(&log);
  out = run_refetch(1, &log);
  expect_out(out, 391, 1529, 960, 960);
  expect_refetch_log(&log, 1, 1);
  free(out), dec_free(&log);
  out = run_refetch(0.6, &log);
  expect_out(out, m[0], m[1], 960, 960);
  expect_refetch_log(&log, 0, 1);
  free(out), dec_free(&log);
  out = run_refetch(0.5, &log);
  expect_refetch_log(&log, 0, 0);
  free(out), dec_free(&log);
}

/* key_lsb_bits 0: the layer cannot refetch, so no refetch is logged even
 * with threshold 1, and the 6-bit keys stay: the hand values again. */
Test(spatten_golden, no_lsb_bits_no_refetch) {
  declog_t log = {0};
  wl_t w;
  int16_t m[4], *out;
  msb_ref(m);
  wl_two(&w, "nr", 1.1f);
  set1(&w, WL_S_KEY_MSB, 6);
  set1(&w, WL_S_THRESHOLD, 1);
  out = run(&w, &log, NULL);
  expect_out(out, m[0], m[1], m[2], m[3]);
  cr_expect_eq(log.n, 0);
  free(out), dec_free(&log);
}

/* value_bits 4 of 12 keeps floor(v / 2^8) and reconstructs the middle of
 * that 2^8 interval, zeros included (0 -> 128): v0 = (7.6 -> 1946, 0) ->
 * (7 * 256 + 128, 128) = (1920, 128), v1 = (0, -1946) -> (128, -8 * 256 +
 * 128) = (128, -1920) (-7.6 floors to -8). q0, p = (921, 3175): o0 =
 * rsh(921 * 1920 + 3175 * 128 = 2174720, 12) = 531 (530.9), o1 =
 * rsh(921 * 128 - 3175 * 1920 = -5978112, 12) = -1459 (-1459.5 rounds
 * up); q1, p = (2048, 2048): o = (2048 * 2048 / 4096 = 1024, 2048 * (128 -
 * 1920) / 4096 = -896). */
Test(spatten_golden, value_bits_midpoint) {
  const float q[4] = {1, 0.75f, 2, -2}, k[4] = {0, 0, 1, 1};
  const float v[4] = {7.6f, 0, 0, -7.6f};
  declog_t log = {0};
  wl_t w;
  int16_t *out;
  wl_rows(&w, "vb", 1, 1, 2, 2, q, k, v, NULL);
  set1(&w, WL_S_VALUE_BITS, 4);
  out = run(&w, &log, NULL);
  expect_out(out, 531, -1459, 1024, -896);
  cr_expect_eq(log.n, 0);
  free(out), dec_free(&log);
}

/* ---- head pruning ----------------------------------------------------- */

/* 3 heads with the same Q and K, so the same probabilities; head 1's V is
 * 3x the others', so its outputs (and sum |o|, its importance) are about
 * 3x theirs. head_keep 0.3: ceil(0.9) = 1 head after layer 0, head 1.
 * Keys 11 MSBs + 1 LSB with threshold 1: every query logs a refetch (and
 * refetches the full 12 bits, so outputs are dense). Layer 1 runs head 1
 * only: heads 0 and 2 stay 0, head 1 is gold_head_fixed. */
Test(spatten_golden, all_heads_but_one_pruned) {
  const float q[8] = {1, 0, 0, 1, 1, 1, 0.5f, -0.5f};
  const float k[8] = {1, 0, 0, 1, -1, 0, 0.5f, 0.5f};
  const float v[8] = {1, 2, -1, 0.5f, 0.25f, -1, 2, 1};
  const float vs[6] = {1, 3, 1, 1, 3, 1};
  declog_t log = {0};
  wl_t w;
  ten_t *t;
  int16_t *out;
  size_t i = 0;
  wl_rows(&w, "hd", 2, 3, 4, 2, q, k, v, vs);
  set1(&w, WL_S_HEAD_KEEP, 0.3);
  set1(&w, WL_S_KEY_MSB, 11);
  set1(&w, WL_S_KEY_LSB, 1);
  set1(&w, WL_S_THRESHOLD, 1);
  out = run(&w, &log, NULL);
  t = open_ok(&w);
  cr_assert_eq(log.n, 3 * 4 + 1 + 4);
  for (int h = 0; h < 3; h++)
    for (int qi = 0; qi < 4; qi++)
      expect_dec(&log.d[i++], DEC_REFETCH, 0, 0, h, qi, 4, 1, 0);
  expect_dec(&log.d[i++], DEC_HEADS, 0, 0, -1, -1, 3, 1, hash_of(1, 1, 0, 0));
  for (int qi = 0; qi < 4; qi++)
    expect_dec(&log.d[i++], DEC_REFETCH, 0, 1, 1, qi, 4, 1, 0);
  for (int h = 0; h < 3; h++) expect_dense_head(out, &w, t, 0, 0, h);
  expect_dense_head(out, &w, t, 0, 1, 1);
  for (int qi = 0; qi < 4; qi++) {
    cr_expect(row_zero(out_row(out, &w, 0, 1, 0, qi), 2), "head 0 q %d", qi);
    cr_expect(row_zero(out_row(out, &w, 0, 1, 2, qi), 2), "head 2 q %d", qi);
  }
  ten_close(t);
  free(out), dec_free(&log);
}

/* ---- token pruning ---------------------------------------------------- */

/* Every query is (1, 0); keys k0 = k2 = (0, 0), k1 = (2, 0), k3 = (1, 0),
 * k4 = (0.25, 0): every query scores k1 > k3 > k4 > k0 = k2, so token
 * importance within one pass ranks 1, 3, (4,) then 0 = 2. */
static const float tq_q[10] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
static const float tq_k[10] = {0, 0, 2, 0, 0, 0, 1, 0, 0.25f, 0};
static const float tq_v[10] = {1, 0, 0, 1, -1, 0, 0.5f, 0.5f, -0.5f, 2};

/* Dense fixed outputs of the sub-sequence of tokens idx[0..n) (same rows,
 * V times vs, non-causal prefill): what a query attending to exactly those
 * keys gets. All queries are equal, so every row of ref is the same. */
static void sub_dense(const char *tag, const int *idx, int n, float vs,
                      int16_t *ref) {
  static fx_t fx;
  float q[10], k[10], v[10];
  wl_t w;
  ten_t *t;
  for (int r = 0; r < n; r++)
    for (int i = 0; i < 2; i++) {
      q[2 * r + i] = tq_q[2 * idx[r] + i];
      k[2 * r + i] = tq_k[2 * idx[r] + i];
      v[2 * r + i] = vs * tq_v[2 * idx[r] + i];
    }
  wl_rows(&w, tag, 1, 1, n, 2, q, k, v, NULL);
  t = open_ok(&w);
  fx_init(&fx, 12, 8, 12, 2);
  gold_head_fixed(&fx, &w, t, 0, 0, 0, ref);
  ten_close(t);
}

/* Prefill, 4 tokens, 4 layers, token_keep [0.5, 0.5, 0.25, 1]; keep
 * counts are shares of the case's 4 tokens, not of those left:
 *   after layer 0: ceil(2) = 2 of 4, {1, 3};
 *   after layer 1: ceil(2) = 2 >= 2 left: no top-k (0.5 of the 2 left
 *   would have kept 1);
 *   after layer 2: ceil(1) = 1 of {1, 3}: token 1 (logged as token 1, not
 *   as list position 0).
 * Tokens 0 and 2 stay pruned in layers 1 to 3 (rows 0); in layers 1 and 2
 * tokens 1 and 3 attend to keys {1, 3} only (dense attention over that
 * pair); in layer 3 token 1 is its only key: p = 2^12 - 1 (saturated),
 * o = rsh(4095 * v1, 12) with v1 = (0, 256): (0, 256) (255.94).
 * Accuracy: layer 0 uses every key (mass 1 for each of 4 queries); a
 * query over keys 1 and 3 uses their dense probabilities over all 4 keys
 * (scores 0, sqrt 2, 0, 1/sqrt 2; e^1.41421356 = 4.11325038,
 * e^0.70710678 = 2.02811498, sum 8.14136536): 0.50522857 + 0.24911239 =
 * 0.75434096, 4 such queries; layer 3's one query 0.50522857. */
Test(spatten_golden, pruned_token_stays_pruned) {
  const double tk[4] = {0.5, 0.5, 0.25, 1};
  const int pair[2] = {1, 3};
  declog_t log = {0};
  gold_sp_acc_t acc;
  int16_t ref[4 * 2], *out;
  const int16_t *r;
  wl_t w;
  ten_t *t;
  wl_rows(&w, "tp", 4, 1, 4, 2, tq_q, tq_k, tq_v, NULL);
  set_layers(&w, WL_S_TOKEN_KEEP, 4, tk);
  out = run(&w, &log, &acc);
  cr_expect_eq(acc.queries, 9);
  cr_expect(fabs(acc.mass - (4 + 4 * 0.75434096 + 0.50522857)) < 1e-7,
            "mass %.9f", acc.mass);
  cr_assert_eq(log.n, 2);
  expect_dec(&log.d[0], DEC_TOKENS, 0, 0, -1, -1, 4, 2, hash_of(2, 1, 3, 0));
  expect_dec(&log.d[1], DEC_TOKENS, 0, 2, -1, -1, 2, 1, hash_of(1, 1, 0, 0));
  t = open_ok(&w);
  expect_dense_head(out, &w, t, 0, 0, 0);
  sub_dense("tp-sub", pair, 2, 1, ref);
  cr_expect(!row_zero(ref, 2));
  for (int l = 1; l < 4; l++) {
    cr_expect(row_zero(out_row(out, &w, 0, l, 0, 0), 2), "layer %d row 0", l);
    cr_expect(row_zero(out_row(out, &w, 0, l, 0, 2), 2), "layer %d row 2", l);
  }
  for (int l = 1; l < 3; l++) {
    expect_rows(out, &w, 0, l, 0, ref, 1, 1);
    expect_rows(out, &w, 0, l, 0, ref + 2, 3, 1);
  }
  r = out_row(out, &w, 0, 3, 0, 1);
  cr_expect(r[0] == 0 && r[1] == 256, "layer 3 row 1: %d %d", r[0], r[1]);
  cr_expect(row_zero(out_row(out, &w, 0, 3, 0, 3), 2), "layer 3 row 3");
  ten_close(t);
  free(out), dec_free(&log);
}

/* Decode, prompt 3, generate 2, 3 layers, 2 heads (head 1's V doubled),
 * token_keep [0.5, 1, 1], head_keep [0.5, 1, 1] (the last layer's 1 keeps
 * the whole context for the next step: no context top-k).
 * Step 0 (context 4): tokens {1, 3} (ceil(2) of 4), heads ceil(1) = 1 of
 * 2: head 1 (its |o| about twice head 0's).
 * Step 1 (context 5): the cascade restarts: layer 0 runs both heads over
 * all 5 keys (dense), then tokens ceil(2.5) = 3 of 5 and again 1 head of
 * 2 (a cascade carried over would hold 2 tokens and 1 head: no top-k).
 * Importance accumulates over steps: 1 and 3 lead. In step 1's layer 0
 * token 4 outscores 0 and 2 (score 0.25 / sqrt 2 = 0.18 vs 0: e^0.18 =
 * 1.19 times their share), but 0 and 2 also carry step 0's layer-0 share,
 * for a total of about 2 x (0.123 + 0.107) = 0.46 vs 4's 2 x 0.128 = 0.26
 * (p from the scores over 4 and 5 keys). So 0 and 2 beat 4 (were
 * importance restarted per step, 4 would win) and tie with each other: 0
 * wins. Kept {0, 1, 3}; the step's query (token 4) is not among its own
 * keys after layer 0. */
Test(spatten_golden, decode_cascade_restarts_per_step) {
  const double keep[3] = {0.5, 1, 1}, tkeep[3] = {0.5, 1, 1};
  const float vs[6] = {1, 2, 1, 2, 1, 2};
  const int pair[2] = {1, 3}, three[3] = {0, 1, 3};
  declog_t log = {0};
  int16_t ref[5 * 2], *out;
  wl_t w;
  ten_t *t;
  wl_rows(&w, "dc", 3, 2, 5, 2, tq_q, tq_k, tq_v, vs);
  to_decode(&w, 3, 2);
  set_layers(&w, WL_S_TOKEN_KEEP, 3, tkeep);
  set_layers(&w, WL_S_HEAD_KEEP, 3, keep);
  out = run(&w, &log, NULL);
  cr_assert_eq(log.n, 4);
  expect_dec(&log.d[0], DEC_TOKENS, 0, 0, -1, -1, 4, 2, hash_of(2, 1, 3, 0));
  expect_dec(&log.d[1], DEC_HEADS, 0, 0, -1, -1, 2, 1, hash_of(1, 1, 0, 0));
  expect_dec(&log.d[2], DEC_TOKENS, 1, 0, -1, -1, 5, 3, hash_of(3, 0, 1, 3));
  expect_dec(&log.d[3], DEC_HEADS, 1, 0, -1, -1, 2, 1, hash_of(1, 1, 0, 0));
  t = open_ok(&w);
  for (int h = 0; h < 2; h++) expect_dense_head(out, &w, t, 0, 0, h);
  for (int l = 1; l < 3; l++)
    for (int s = 0; s < 2; s++)
      cr_expect(row_zero(out_row(out, &w, 0, l, 0, s), 2), "l%d s%d", l, s);
  /* head 1 after layer 0: step 0 over keys {1, 3}, step 1 over {0, 1, 3}
   * (its V doubled) */
  sub_dense("dc-pair", pair, 2, 2, ref);
  cr_expect(!row_zero(ref, 2));
  for (int l = 1; l < 3; l++) expect_rows(out, &w, 0, l, 1, ref, 0, 1);
  sub_dense("dc-three", three, 3, 2, ref);
  for (int l = 1; l < 3; l++) expect_rows(out, &w, 0, l, 1, ref, 1, 1);
  ten_close(t);
  free(out), dec_free(&log);
}

/* The cascade across steps: as above but token_keep [0.5, 1, 0.5].
 * Step 0 (context 4): layer 0 dense, then tokens {1, 3} and head 1 (as
 * above). After its last layer the context top-k keeps
 * sched_keep(0.5, 5) - 1 = ceil(2.5) - 1 = 2 of the 4 tokens by TIMP: 1 and
 * 3, which led after layer 0 and then took all of layers 1 and 2's
 * probability mass (a sum of 1 per layer); 0 and 2 are pruned for good.
 * Step 1 (context 5): TLIST = {1, 3} plus the new token 4, so layer 0 runs
 * both heads over keys {1, 3, 4} (not all 5: a restarted cascade would
 * see 0 and 2); after it, tokens ceil(2.5) = 3 >= 3 left: no token top-k;
 * heads 1 of 2 (head 1 again). The last step runs no context top-k. */
Test(spatten_golden, decode_cascade_carries_pruned_tokens_across_steps) {
  const double keep[3] = {0.5, 1, 1}, tkeep[3] = {0.5, 1, 0.5};
  const float vs[6] = {1, 2, 1, 2, 1, 2};
  const int kept[3] = {1, 3, 4};
  declog_t log = {0};
  int16_t ref[5 * 2], *out;
  wl_t w;
  ten_t *t;
  wl_rows(&w, "dcc", 3, 2, 5, 2, tq_q, tq_k, tq_v, vs);
  to_decode(&w, 3, 2);
  set_layers(&w, WL_S_TOKEN_KEEP, 3, tkeep);
  set_layers(&w, WL_S_HEAD_KEEP, 3, keep);
  out = run(&w, &log, NULL);
  cr_assert_eq(log.n, 4);
  expect_dec(&log.d[0], DEC_TOKENS, 0, 0, -1, -1, 4, 2, hash_of(2, 1, 3, 0));
  expect_dec(&log.d[1], DEC_HEADS, 0, 0, -1, -1, 2, 1, hash_of(1, 1, 0, 0));
  expect_dec(&log.d[2], DEC_TOKENS, 0, 2, -1, -1, 4, 2, hash_of(2, 1, 3, 0));
  expect_dec(&log.d[3], DEC_HEADS, 1, 0, -1, -1, 2, 1, hash_of(1, 1, 0, 0));
  t = open_ok(&w);
  /* step 1, layer 0: each head attends to {1, 3, 4} only */
  sub_dense("dcc-h0", kept, 3, 1, ref);
  expect_rows(out, &w, 0, 0, 0, ref, 1, 1);
  sub_dense("dcc-h1", kept, 3, 2, ref);
  for (int l = 0; l < 3; l++) expect_rows(out, &w, 0, l, 1, ref, 1, 1);
  for (int l = 1; l < 3; l++)
    cr_expect(row_zero(out_row(out, &w, 0, l, 0, 1), 2), "l%d head 0", l);
  ten_close(t);
  free(out), dec_free(&log);
}

/* Head importance accumulates over layers. Prefill, 3 layers, 2 heads,
 * same Q and K everywhere (same probabilities), V scaled by layer 0
 * (3, 1), layer 1 (1, 1.5), layer 2 (1, 1); head_keep [1, 0.5, 1]: one
 * top-k, after layer 1, keeping ceil(1) = 1 head. Sum |o| is about
 * proportional to the scale: head 0 has 3 + 1 = 4 units, head 1 1 + 1.5 =
 * 2.5, so head 0 stays (layer 1 alone would pick head 1). */
Test(spatten_golden, head_importance_accumulates_over_layers) {
  const double hk[3] = {1, 0.5, 1};
  const float vs[6] = {3, 1, 1, 1.5f, 1, 1};
  declog_t log = {0};
  wl_t w;
  int16_t *out;
  wl_rows(&w, "ha", 3, 2, 4, 2, tq_q, tq_k, tq_v, vs);
  set_layers(&w, WL_S_HEAD_KEEP, 3, hk);
  out = run(&w, &log, NULL);
  cr_assert_eq(log.n, 1);
  expect_dec(&log.d[0], DEC_HEADS, 0, 1, -1, -1, 2, 1, hash_of(1, 0, 0, 0));
  for (int q = 0; q < 4; q++)
    cr_expect(row_zero(out_row(out, &w, 0, 2, 1, q), 2) &&
                  !row_zero(out_row(out, &w, 0, 1, 1, q), 2),
              "query %d", q);
  free(out), dec_free(&log);
}

/* Decode keeps each (layer, K/V head)'s rows from step to step
 * (gold_sp_cache_bytes); made again every step (a budget of 0) they must
 * give the same outputs, decisions and accuracy sums, bit for bit. A
 * grouped-query decode (4 heads on 2 K/V heads) with every kind of
 * pruning and the refetch test, over 6 steps. */
Test(spatten_golden, decode_kept_rows_equal_rows_made_each_step) {
  const double tk[3] = {0.5, 0.75, 1}, hk[3] = {0.75, 1, 1};
  declog_t kept_log = {0}, made_log = {0};
  gold_sp_acc_t kept_acc, made_acc;
  size_t budget = gold_sp_cache_bytes, n;
  int16_t *kept, *made;
  wl_t w;
  wl_synth(&w, 3, 4, 1, 16);
  w.kv_heads = 2;
  to_decode(&w, 21, 6);
  set_layers(&w, WL_S_TOKEN_KEEP, 3, tk);
  set_layers(&w, WL_S_HEAD_KEEP, 3, hk);
  set1(&w, WL_S_VALUE_KEEP, 0.5);
  set1(&w, WL_S_KEY_MSB, 6);
  set1(&w, WL_S_KEY_LSB, 6);
  set1(&w, WL_S_THRESHOLD, 0.3);
  kept = run(&w, &kept_log, &kept_acc);
  gold_sp_cache_bytes = 0;
  made = run(&w, &made_log, &made_acc);
  gold_sp_cache_bytes = budget;
  n = (size_t)w.layers * (size_t)w.heads * (size_t)maxq_of(&w) * (size_t)w.head_dim;
  cr_expect_eq(memcmp(kept, made, n * sizeof *kept), 0);
  cr_assert_eq(kept_log.n, made_log.n);
  cr_expect_gt(kept_log.n, 6 * 3); /* refetch tests and top-ks were logged */
  for (size_t i = 0; i < kept_log.n; i++) {
    const dec_t *a = &kept_log.d[i], *b = &made_log.d[i];
    cr_expect(a->kind == b->kind && a->unit == b->unit && a->layer == b->layer &&
                  a->head == b->head && a->query == b->query && a->n == b->n &&
                  a->kept == b->kept && a->hash == b->hash,
              "decision %zu", i);
  }
  cr_expect_eq(kept_acc.err2, made_acc.err2);
  cr_expect_eq(kept_acc.err2_renorm, made_acc.err2_renorm);
  cr_expect_eq(kept_acc.mass, made_acc.mass);
  cr_expect_eq(kept_acc.queries, made_acc.queries);
  cr_expect_gt(kept_acc.queries, 0);
  free(kept), free(made), dec_free(&kept_log), dec_free(&made_log);
}

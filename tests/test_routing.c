/* The Routing Transformer (docs/routing.md): the compiler's program for a
 * tiny shape against a sequence derived by hand, the simulator against
 * the golden model over seeds, shapes and configs, MACs and DRAM bytes
 * against closed forms, and one centroid, where every query attends to
 * every key it may (dense attention's output). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "golden.h"
#include "npy.h"
#include "routing.h"
#include "simrun.h"

static wl_t rt_wl(int T, int C, int d, int layers, int heads, bool causal) {
  wl_t w;
  wl_defaults(&w);
  w.kind = WL_ROUTING;
  w.head_dim = d;
  w.heads = heads;
  w.layers = layers;
  w.ncases = 1;
  w.tokens[0] = T;
  w.causal = causal;
  w.rt_clusters = C;
  return w;
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  return run_at(c, w, st, NULL, NULL);
}

static bool slow(void) { return getenv("ATTNSIM_UNDER_VALGRIND") != NULL; }

/* ---- the program, by hand ------------------------------------------------ */

typedef struct ins { int op; long a, b, c, d, e; long long addr; } ins_t;
enum { ANY = -1 }; /* addr: a DRAM address, not pinned here */

/* T = 3 tokens, C = 2 centroids, causal, one layer and head, default
 * config (chunk 64: one key chunk). Rings: SBUF from 0 (the chunk's C x T
 * = 6 scores, then per query its C scores and its t + 1 reserved scores);
 * KBUF and QBUF above the C centroid rows; IBUF key clusters 0..2, query
 * pairs at 3 + 2 (t % 2). */
static const ins_t expect_prog[] = {
  {OP_TINIT, 0, 1, 0, 0, 0, 0},
  {OP_LAYER, 0, 0, 0, 0, 0, 0},
  {OP_HEAD, 0, 0, 0, 0, 0, 0},
  {OP_LDQ, 0, 2, 0, 0, 0, ANY},           /* centroids into QBUF 0..1 */
  {OP_LDK, 0, 2, 0, 0, 0, ANY},           /* ... and KBUF 0..1 */
  {OP_LDK, 2, 3, 0, 0, 0, ANY},           /* keys 0..2 */
  {OP_QK, 0, 2, 3, ISA_ROUTE, 0, 0},      /* centroid 0 . keys -> S 0..2 */
  {OP_QK, 1, 2, 3, ISA_ROUTE, 3, 0},      /* centroid 1 . keys -> S 3..5 */
  {OP_RASN, 0, 2, 3, 0, 0, 3},            /* key 0: S 0, 3 (id T + 0) */
  {OP_RASN, 1, 2, 4, 0, 1, 3},
  {OP_RASN, 2, 2, 5, 0, 2, 3},
  /* query 0 */
  {OP_LDQ, 2, 1, 0, 0, 0, ANY},
  {OP_QK, 2, 0, 2, ISA_ROUTE, 6, 0},
  {OP_RASN, 3, 2, 0, 0, 6, 1},
  {OP_RLST, 0, 1, 0, 0, 3, 0},            /* 1 candidate, self 0 */
  {OP_RLDK, 5, 1, 0, ISA_GATHER, 4, ANY},
  {OP_RLDV, 0, 1, 0, ISA_GATHER, 4, ANY},
  {OP_RQK, 2, 5, 1, 0, 8, 4},
  {OP_RSMX, 8, 1, 0, 0, 0, 4},
  {OP_RAV, 0, 0, 1, 0, 8, 4},
  {OP_STO, 0, 0, 0, 0, 0, ANY},
  /* query 1 */
  {OP_LDQ, 3, 1, 0, 0, 0, ANY},
  {OP_QK, 3, 0, 2, ISA_ROUTE, 9, 0},
  {OP_RASN, 5, 2, 1, 0, 9, 1},
  {OP_RLST, 0, 2, 0, 0, 5, 1},
  {OP_RLDK, 6, 2, 0, ISA_GATHER, 6, ANY},
  {OP_RLDV, 1, 2, 0, ISA_GATHER, 6, ANY},
  {OP_RQK, 3, 6, 2, 0, 11, 6},
  {OP_RSMX, 11, 2, 0, 0, 0, 6},
  {OP_RAV, 1, 1, 2, 0, 11, 6},
  {OP_STO, 1, 0, 0, 0, 0, ANY},
  /* query 2: pair 0 again */
  {OP_LDQ, 4, 1, 0, 0, 0, ANY},
  {OP_QK, 4, 0, 2, ISA_ROUTE, 13, 0},
  {OP_RASN, 3, 2, 2, 0, 13, 1},
  {OP_RLST, 0, 3, 0, 0, 3, 2},
  {OP_RLDK, 8, 3, 0, ISA_GATHER, 4, ANY},
  {OP_RLDV, 3, 3, 0, ISA_GATHER, 4, ANY},
  {OP_RQK, 4, 8, 3, 0, 15, 4},
  {OP_RSMX, 15, 3, 0, 0, 0, 4},
  {OP_RAV, 2, 3, 3, 0, 15, 4},
  {OP_STO, 2, 0, 0, 0, 0, ANY},
  {OP_HEAD, ISA_HEAD_NONE, 0, 0, 0, 0, 0},
};

Test(routing, program_equals_the_hand_derived_sequence) {
  cfg_t c;
  wl_t w = rt_wl(3, 2, 8, 1, 1, true);
  FILE *f = tmpfile();
  trace_reader_t tr;
  err_t e;
  insn_t in;
  size_t n = sizeof expect_prog / sizeof expect_prog[0], i = 0;
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  while (trr_next(&tr, &in, &e) == 1) {
    const ins_t *x = &expect_prog[i];
    cr_assert_lt(i, n, "more instructions than derived (%zu)", n);
    cr_expect_eq(in.op, x->op, "instruction %zu: opcode 0x%x, expected 0x%x", i, in.op, x->op);
    cr_expect(in.a == x->a && in.b == x->b && in.c == x->c && in.d == x->d &&
                  in.e == x->e,
              "instruction %zu (%s): fields %ld %ld %ld %ld %ld, expected %ld "
              "%ld %ld %ld %ld", i, isa_lookup(in.op)->name, (long)in.a,
              (long)in.b, (long)in.c, (long)in.d, (long)in.e, x->a, x->b,
              x->c, x->d, x->e);
    if (x->addr != ANY)
      cr_expect_eq((long long)in.addr, x->addr, "instruction %zu: addr", i);
    i++;
  }
  cr_expect_eq(i, n, "instructions: %zu, derived %zu", i, n);
  fclose(f);
}

/* ---- the simulator against the golden model ---------------------------- */

/* Closed forms per (layer, head), K the keys the queries attend to in
 * all (sum over queries of their cluster's keys, from the golden model):
 * routing 2 T C d MACs, Q x K = P x V = K d; DRAM read, in rows of
 * R = d W / 8 bytes: centroids twice (QBUF and KBUF), keys once for their
 * assignment, queries once, each query's cluster keys' K and V rows
 * (fetched once per query): 2 C + 2 T + 2 K; written T rows. */
static void expect_closed_forms(const cfg_t *c, const wl_t *w,
                                const stats_t *st, uint64_t keys,
                                const char *what) {
  uint64_t T = (uint64_t)w->tokens[0], C = (uint64_t)w->rt_clusters;
  uint64_t d = (uint64_t)w->head_dim, lh = (uint64_t)(w->layers * w->heads);
  uint64_t R = (d * (uint64_t)c->width + 7) / 8;
  cr_expect_eq(st->c[ST_ROUTING_MACS], lh * 2 * T * C * d, "%s: routing MACs", what);
  cr_expect_eq(st->c[ST_QK_MACS], keys * d, "%s: Q x K MACs", what);
  cr_expect_eq(st->c[ST_AV_MACS], keys * d, "%s: P x V MACs", what);
  cr_expect_eq(st->c[ST_DRAM_READ_BYTES], (lh * (2 * C + 2 * T) + 2 * keys) * R,
               "%s: DRAM read %llu", what, (unsigned long long)st->c[ST_DRAM_READ_BYTES]);
  cr_expect_eq(st->c[ST_DRAM_WRITE_BYTES], lh * T * R, "%s: DRAM written", what);
}

static uint64_t gold_keys(const cfg_t *c, const wl_t *w) {
  ten_t *ten;
  err_t e;
  uint64_t keys = 0;
  cr_assert_eq(ten_open(&ten, w, &e), 0, "%s", e.msg);
  cr_assert_eq(gold_routing(c, w, ten, NULL, NULL, &keys), 0);
  ten_close(ten);
  return keys;
}

Test(routing, simulator_equals_golden_over_seeds_and_shapes) {
  struct { int T, C, d, layers, heads; bool causal; } shapes[] = {
    {24, 3, 16, 2, 2, true}, {24, 3, 16, 1, 2, false}, {40, 6, 8, 1, 1, true},
    {17, 1, 8, 1, 1, true}, {33, 5, 32, 1, 1, false}, {64, 8, 16, 1, 1, true},
  };
  cfg_t cf[2];
  cfg_defaults(&cf[0]);
  cfg_defaults(&cf[1]);
  cf[1].chunk_rows = 5; /* keys assigned in chunks of 5 */
  cf[1].topk_parallelism = 3;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (uint64_t seed = 1; seed <= (slow() ? 1u : 3u); seed++)
      for (int k = 0; k < 2; k++) {
        wl_t w = rt_wl(shapes[i].T, shapes[i].C, shapes[i].d, shapes[i].layers,
                       shapes[i].heads, shapes[i].causal);
        stats_t st;
        chk_t r;
        err_t e;
        char what[64];
        w.seed = seed;
        cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
        st_init(&st);
        r = run(&cf[k], &w, &st);
        snprintf(what, sizeof what, "shape %zu seed %d config %d", i, (int)seed, k);
        cr_expect(r.ok, "%s: %s", what, r.msg);
        cr_expect_eq(r.decisions, (size_t)(2 * shapes[i].T * shapes[i].layers *
                                           shapes[i].heads), "%s: decisions", what);
        expect_closed_forms(&cf[k], &w, &st, gold_keys(&cf[k], &w), what);
        st_free(&st);
      }
}

/* One centroid: every query and key in cluster 0, so each query attends
 * to every key it may: T (T + 1) / 2 keys causal, T^2 not, and the
 * output is dense attention's (golden/golden.c), bit for bit. */
Test(routing, one_cluster_is_dense_attention) {
  cfg_t c;
  cfg_defaults(&c);
  for (int causal = 0; causal < 2; causal++) {
    int T = 20, d = 16;
    wl_t w = rt_wl(T, 1, d, 1, 2, causal), dw;
    uint64_t keys = causal ? (uint64_t)T * (T + 1) / 2 : (uint64_t)T * T;
    FILE *f = tmpfile();
    trace_reader_t tr;
    ten_t *ten;
    sim_t *s;
    err_t e;
    stats_t st;
    fx_t fx;
    int16_t gold[20 * 16];
    cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
    cr_expect_eq(gold_keys(&c, &w), 2 * keys, "golden: keys of both heads");
    cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
    rewind(f);
    cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
    cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0, "%s", e.msg);
    s = sim_new(&c, &tr.hdr.wl, ten, "cfg", &e);
    cr_assert(s, "%s", e.msg);
    st_init(&st);
    cr_assert_eq(sim_run(s, &tr, &st, &e), 0, "%s", e.msg);
    expect_closed_forms(&c, &w, &st, 2 * keys, causal ? "causal" : "non-causal");
    dw = w;
    dw.kind = WL_TRANSFORMER;
    fx_init(&fx, c.width, c.frac_bits, c.prob_bits, d);
    for (int h = 0; h < 2; h++) {
      const int16_t *o = mi_output(sim_memimg(s), 0, 0, h);
      gold_head_fixed(&fx, &dw, ten, 0, 0, h, gold);
      cr_assert(o);
      cr_expect_arr_eq(o, gold, sizeof gold, "head %d: not dense attention", h);
    }
    st_free(&st);
    sim_free(s);
    ten_close(ten);
    fclose(f);
  }
}

/* --check names a corrupted output by case, layer, head and query. */
Test(routing, check_names_a_corrupted_element) {
  cfg_t c;
  wl_t w = rt_wl(12, 3, 8, 1, 2, true);
  lay_loc_t at = {LAY_O, 0, 0, 1, 7};
  stats_t st;
  err_t e;
  int16_t was = 0;
  chk_t r;
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, &at, &was);
  cr_expect(!r.ok);
  cr_expect(strstr(r.msg, "head 1 query 7 element 1"), "%s", r.msg);
  st_free(&st);
}

/* Two cases of different lengths (a centroid block per case, the same
 * centroids): bit-exact, one assignment per token, key and query. */
Test(routing, two_cases_are_bit_exact) {
  cfg_t c;
  wl_t w = rt_wl(12, 3, 8, 2, 2, true);
  stats_t st;
  err_t e;
  chk_t r;
  cfg_defaults(&c);
  w.ncases = 2;
  w.tokens[1] = 20;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(r.decisions, (size_t)(2 * (12 + 20) * 2 * 2));
  cr_expect_eq(st.c[ST_ROUTING_MACS], (uint64_t)(2 * (12 + 20) * 3 * 8 * 2 * 2));
  st_free(&st);
}

/* ---- centroids from routing.centroids (tensors.source npy) -------------- */

enum { RH = 2, RD = 8, RT = 6, RC = 3 }; /* heads, head_dim, tokens, clusters */

/* Q = K = V of shape [1, RH, RT, RD] (variant 0: every element positive;
 * 1: element 0 is +4 at even positions, -4 at odd ones, the rest
 * positive) and the workload reading them and the centroids (p[3]). */
static wl_t rt_npy_wl(int variant, char p[4][256]) {
  static float x[RH * RT * RD];
  int64_t shape[4] = {1, RH, RT, RD};
  const char *names[4] = {"q", "k", "v", "centroids"};
  wl_t w = rt_wl(RT, RC, RD, 1, RH, true);
  err_t e;
  for (int i = 0; i < RH * RT * RD; i++) {
    int pos = i / RD % RT;
    x[i] = (float)(1 + i % 5) / 8.0f;
    if (variant && i % RD == 0) x[i] = pos % 2 ? -4.0f : 4.0f;
  }
  for (int i = 0; i < 4; i++)
    snprintf(p[i], 256, "/tmp/attnsim-rt-%d-%s.npy", (int)getpid(), names[i]);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(npy_write_f32(p[i], 4, shape, x, &e), 0, "%s", e.msg);
  w.source = WL_NPY;
  snprintf(w.q_path, sizeof w.q_path, "%.500s", p[0]);
  snprintf(w.k_path, sizeof w.k_path, "%.500s", p[1]);
  snprintf(w.v_path, sizeof w.v_path, "%.500s", p[2]);
  snprintf(w.rt_centroids, sizeof w.rt_centroids, "%.500s", p[3]);
  return w;
}

/* Hand-chosen centroids force the clusters (both heads alike; causal,
 * T = 6, C = 3, d = 8):
 *  0: centroids -1 (every element), +1, 0. Every element of Q and K is
 *     positive, so x . mu is -sum < 0, +sum > 0, 0: every query and key
 *     in cluster 1, and each query t attends to its t + 1 candidates:
 *     21 keys a head.
 *  1: centroids e_0, -e_0, 0 (e_0: 1 at element 0). x . mu is x_0, -x_0,
 *     0: even positions (x_0 = +4) in cluster 0, odd ones in 1; query t
 *     attends to the keys j <= t of its parity, t / 2 + 1 of them:
 *     1 + 1 + 2 + 2 + 3 + 3 = 12 a head.
 * Q x K MACs = P x V MACs = keys d over both heads; routing MACs 2 T C d
 * a head. One decision per key (query T + j) and per query (t): its
 * cluster's hash. */
Test(routing, npy_centroids_force_the_clusters) {
  cfg_t c;
  cfg_defaults(&c);
  for (int v = 0; v < 2; v++) {
    char p[4][256];
    wl_t w = rt_npy_wl(v, p);
    static float mu[RH * RC * RD];
    int64_t shape[4] = {1, RH, RC, RD};
    uint64_t keys = RH * (v ? 12 : 21);
    stats_t st;
    declog_t log = {0};
    chk_t r;
    err_t e;
    for (int h = 0; h < RH; h++)
      for (int cl = 0; cl < RC; cl++)
        for (int i = 0; i < RD; i++)
          mu[(h * RC + cl) * RD + i] =
              v ? (i == 0 && cl < 2 ? (cl ? -1.0f : 1.0f) : 0.0f)
                : (cl == 2 ? 0.0f : cl ? 1.0f : -1.0f);
    cr_assert_eq(npy_write_f32(p[3], 4, shape, mu, &e), 0, "%s", e.msg);
    cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
    st_init(&st);
    r = run_log_at(&c, &w, &st, NULL, NULL, &log);
    cr_expect(r.ok, "variant %d: %s", v, r.msg);
    cr_expect_eq(r.decisions, (uint64_t)RH * 2 * RT, "variant %d", v);
    cr_assert_eq(log.n, (size_t)RH * 2 * RT, "variant %d", v);
    for (size_t i = 0; i < log.n; i++) {
      const dec_t *d = &log.d[i];
      int pos = d->query >= RT ? d->query - RT : d->query;
      uint32_t cl = v ? (uint32_t)(pos % 2) : 1u;
      cr_expect_eq(d->kind, DEC_CLUSTER);
      cr_expect_eq(d->n, RC);
      cr_expect_eq(d->hash, dec_hash(&cl, 1), "variant %d head %d id %d: "
                   "not cluster %u", v, d->head, d->query, cl);
    }
    cr_expect_eq(st.c[ST_QK_MACS], keys * RD, "variant %d", v);
    cr_expect_eq(st.c[ST_AV_MACS], keys * RD, "variant %d", v);
    cr_expect_eq(st.c[ST_ROUTING_MACS], (uint64_t)RH * 2 * RT * RC * RD);
    dec_free(&log);
    st_free(&st);
    for (int i = 0; i < 4; i++) remove(p[i]);
  }
}

/* routing.centroids of another cluster count is refused naming file and
 * key, as is a missing file; so is source npy without the key. */
Test(routing, npy_centroids_of_the_wrong_shape_are_refused) {
  char p[4][256], want[600];
  static float mu[RH * 2 * RD];
  int64_t shape[4] = {1, RH, 2, RD};
  wl_t w = rt_npy_wl(0, p);
  ten_t *ten = NULL;
  err_t e;
  cr_assert_eq(npy_write_f32(p[3], 4, shape, mu, &e), 0, "%s", e.msg);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_expect_eq(ten_open(&ten, &w, &e), ERR_BAD_INPUT);
  cr_expect_null(ten);
  snprintf(want, sizeof want, "%s: routing.centroids: shape does not match the "
           "workload (got [1, 2, 2, 8], expected [1, 2, 3, 8]: layers, heads, "
           "routing.clusters, head_dim)", p[3]);
  cr_expect_str_eq(e.msg, want);
  remove(p[3]);
  cr_expect_eq(ten_open(&ten, &w, &e), ERR_BAD_INPUT);
  snprintf(want, sizeof want, "%s: routing.centroids: file: cannot open", p[3]);
  cr_expect(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
  w.rt_centroids[0] = '\0';
  cr_expect_eq(wl_validate(&w, "test", &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "tensors.source: npy with model.kind routing needs "
                   "the centroids"), "%s", e.msg);
  for (int i = 0; i < 3; i++) remove(p[i]);
}

/* Landmark Attention's decode (docs/landmark.md): the compiler's output
 * for a tiny shape against an instruction sequence derived by hand, the
 * simulator against golden/landmark.c over seeds, shapes and chunk sizes,
 * MACs and DRAM bytes against closed forms derived here, and the
 * degenerate case (every block selected) against dense attention's golden
 * model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "golden.h"
#include "landmark.h"
#include "layout.h"
#include "npy.h"
#include "simrun.h"
#include "testutil.h"

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  return run_at(c, w, st, NULL, NULL);
}

/* A landmark decode: one sequence of P prompt tokens, T generated. */
static wl_t lm_wl(int layers, int heads, int d, int P, int T, int B, int k,
                  int win) {
  wl_t w;
  wl_defaults(&w);
  w.kind = WL_LANDMARK;
  w.phase = WL_DECODE;
  w.layers = layers, w.heads = heads, w.head_dim = d;
  w.prompt = P, w.nprompts = 1, w.generate = T, w.batch = 1;
  w.lm_block = B, w.lm_topk = k, w.lm_window = win;
  return w;
}

/* The geometry of generated token t, derived again from the contract
 * (not lmshape.c): it attends to n = P + t + 1 keys; the local part
 * starts at the block boundary at or below n - window (0 when that is
 * negative); the L blocks before it are candidates, min(topk, L) picked. */
typedef struct geo { int n, lo, L, k; } geo_t;
static geo_t geo(const wl_t *w, int t) {
  geo_t g;
  int far;
  g.n = w->prompt + t + 1;
  far = g.n - w->lm_window;
  g.lo = far <= 0 ? 0 : (far / w->lm_block) * w->lm_block;
  g.L = g.lo / w->lm_block;
  g.k = g.L < w->lm_topk ? g.L : w->lm_topk;
  return g;
}

/* Closed forms per query-head, summed over steps, layers and heads:
 * scoring L d MACs; Q x K = P x V = (k B + n - lo) d; DRAM read: the
 * query row, L landmark rows, k B + n - lo K rows and as many V rows
 * (the new token's from the projection); written: the output row and the
 * appended K and V rows. Rows are d x width bits. */
typedef struct forms { uint64_t route, qk, av, rd, wr, sel; } forms_t;
static forms_t closed_form(const wl_t *w, int width) {
  forms_t f = {0, 0, 0, 0, 0, 0};
  uint64_t row = ((uint64_t)w->head_dim * (uint64_t)width + 7) / 8;
  uint64_t lh = (uint64_t)w->layers * (uint64_t)w->heads, d = (uint64_t)w->head_dim;
  for (int t = 0; t < w->generate; t++) {
    geo_t g = geo(w, t);
    uint64_t att = (uint64_t)g.k * (uint64_t)w->lm_block + (uint64_t)(g.n - g.lo);
    f.route += lh * (uint64_t)g.L * d;
    f.qk += lh * att * d;
    f.av += lh * att * d;
    f.rd += lh * (1 + (uint64_t)g.L + 2 * att) * row;
    f.wr += lh * 3 * row;
    f.sel += g.L ? lh : 0;
  }
  return f;
}

static void expect_forms(const stats_t *st, const wl_t *w, int width,
                         const char *what) {
  forms_t f = closed_form(w, width);
  cr_expect_eq(st->c[ST_ROUTING_MACS], f.route, "%s: scoring %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_ROUTING_MACS],
               (unsigned long long)f.route);
  cr_expect_eq(st->c[ST_QK_MACS], f.qk, "%s: Q x K", what);
  cr_expect_eq(st->c[ST_AV_MACS], f.av, "%s: P x V", what);
  cr_expect_eq(st->c[ST_DRAM_READ_BYTES], f.rd, "%s: read %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_DRAM_READ_BYTES],
               (unsigned long long)f.rd);
  cr_expect_eq(st->c[ST_DRAM_WRITE_BYTES], f.wr, "%s: written", what);
  cr_expect_eq(st->c[ST_TOPK_RUNS], f.sel, "%s: top-k runs", what);
}

/* One layer, one head, d 8, a prompt of 20, one token (position 20, 21
 * keys), B 4, topk 2, window 3: n - window = 18, lo = 16, L = 4 landmark
 * rows, k = 2 blocks (8 rows) and the local rows 16..20 (the new row 20
 * from KN, appended by STK/STV): 13 scores. Rings start at 0: QBUF 0;
 * KBUF 0..3 landmarks, 4..11 blocks, 12..16 local; SBUF 0..3 landmark
 * scores, 4..16 the row; IBUF 0..1; VBUF 0..7 blocks, 8..12 local. */
Test(landmark, compiler_emits_the_hand_derived_sequence) {
  wl_t w = lm_wl(1, 1, 8, 20, 1, 4, 2, 3);
  cfg_t c;
  lay_t lay;
  err_t e;
  FILE *f = tmpfile();
  trace_reader_t tr;
  insn_t in;
  size_t i = 0;
  cfg_defaults(&c);
  c.chunk_rows = 64;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(lay_init(&lay, &c, &w, "cfg", &e), 0, "%s", e.msg);
#define A(t, row) lay_addr(&lay, t, 0, 0, 0, row)
  const struct { int op, a, b, c, d, e; uint64_t addr; } want[] = {
    {OP_LAYER, 0, 0, 0, 0, 0, 0},
    {OP_LDQ, 0, 1, 0, 0, 0, A(LAY_Q, 20)},
    {OP_LDK, 0, 4, 0, 0, 0, A(LAY_LM, 0)},
    {OP_QK, 0, 0, 4, ISA_ROUTE, 0, 0},
    {OP_TOPK, 0, 4, 2, TOPK_REGIONS, 0, 0},
    {OP_LDK, 4, 8, 0, ISA_REGION, 0, A(LAY_K, 0)},
    {OP_QK, 0, 4, 8, 0, 4, 0},
    {OP_LDK, 12, 4, 0, 0, 0, A(LAY_K, 16)},
    {OP_LDK, 16, 1, 0, 0, 0, A(LAY_KN, 20)},
    {OP_STK, 16, 1, 0, 0, 0, A(LAY_K, 20)},
    {OP_QK, 0, 12, 5, 0, 12, 0},
    {OP_SMAX, 4, 13, 0, 0, 0, 0},
    {OP_LDV, 0, 8, 0, ISA_REGION, 0, A(LAY_V, 0)},
    {OP_AV, 0, 0, 8, 0, 4, 0},
    {OP_LDV, 8, 4, 0, 0, 0, A(LAY_V, 16)},
    {OP_LDV, 12, 1, 0, 0, 0, A(LAY_VN, 20)},
    {OP_STV, 12, 1, 0, 0, 0, A(LAY_V, 20)},
    {OP_AV, 0, 8, 5, ISA_ACC, 12, 0},
    {OP_STO, 0, 0, 0, 0, 0, A(LAY_O, 0)},
  };
#undef A
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  while (trr_next(&tr, &in, &e) == 1) {
    cr_assert(i < sizeof want / sizeof want[0], "more than %zu instructions", i);
    cr_expect(in.op == want[i].op && in.a == want[i].a && in.b == want[i].b &&
                  in.c == want[i].c && in.d == want[i].d && in.e == want[i].e &&
                  in.addr == want[i].addr,
              "instruction %zu: got op 0x%x a %d b %d c %d d %d e %d addr 0x%llx, "
              "expected op 0x%x a %d b %d c %d d %d e %d addr 0x%llx", i, in.op,
              (int)in.a, (int)in.b, (int)in.c, in.d, (int)in.e,
              (unsigned long long)in.addr, want[i].op, want[i].a, want[i].b,
              want[i].c, want[i].d, want[i].e, (unsigned long long)want[i].addr);
    i++;
  }
  cr_expect_eq(i, sizeof want / sizeof want[0]);
  fclose(f);
}

/* Simulator = golden, bit for bit and selection by selection, over
 * seeds and shapes (blocks dividing the prompt or not, windows of one
 * token to several blocks, chunks smaller than a block); MACs and DRAM
 * bytes equal the closed forms every time. */
Test(landmark, simulator_equals_golden_over_seeds_and_shapes) {
  struct { int layers, heads, d, P, T, B, k, win; } shapes[] = {
    {2, 2, 16, 100, 5, 8, 3, 12}, {1, 3, 8, 63, 9, 7, 2, 1},
    {2, 1, 16, 200, 3, 16, 4, 40}, {1, 2, 8, 40, 4, 1, 5, 2},
    {1, 1, 8, 30, 3, 8, 9, 4},
  };
  cfg_t cf[2];
  int big = !getenv("ATTNSIM_UNDER_VALGRIND");
  cfg_defaults(&cf[0]);
  cfg_defaults(&cf[1]);
  cf[1].chunk_rows = 5; /* below a block: one block per REGION fetch */
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (uint64_t seed = 1; seed <= (big ? 3u : 1u); seed++)
      for (int k = 0; k < 2; k++) {
        wl_t w = lm_wl(shapes[i].layers, shapes[i].heads, shapes[i].d,
                       shapes[i].P, shapes[i].T, shapes[i].B, shapes[i].k,
                       shapes[i].win);
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
        cr_expect_eq(r.decisions, closed_form(&w, cf[k].width).sel, "%s", what);
        expect_forms(&st, &w, cf[k].width, what);
        st_free(&st);
      }
}

/* A corrupted output element is caught (the check can fail). */
Test(landmark, check_catches_a_flipped_output) {
  wl_t w = lm_wl(1, 2, 8, 40, 2, 8, 2, 8);
  cfg_t c;
  stats_t st;
  chk_t r;
  err_t e;
  int16_t was;
  lay_loc_t at = {LAY_O, 0, 0, 1, 1};
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, &at, &was);
  cr_expect(!r.ok);
  cr_expect_eq(r.mismatches, 1u);
  st_free(&st);
}

/* Every block selected (topk >= L): the attended keys are all of them,
 * so the golden model's outputs equal dense attention's (gold_head_fixed
 * on the same shape as a transformer), and the simulator equals both. */
Test(landmark, selecting_every_block_is_dense_attention) {
  wl_t w = lm_wl(2, 2, 16, 90, 4, 8, 64, 5), dense;
  cfg_t c;
  fx_t fx;
  ten_t *ten;
  err_t e;
  stats_t st;
  chk_t r;
  size_t maxq;
  static const chk_shape_t shape = {.names = {"case", "layer", "head", "step"},
                                    .note = "test"};
  int16_t *gold, *ref = malloc(4 * 16 * sizeof *ref);
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  dense = w;
  dense.kind = WL_TRANSFORMER;
  gold = chk_gold_alloc(&w, &shape, &maxq);
  cr_assert(gold && ref);
  cr_assert_eq(maxq, 4u);
  cr_assert_eq(ten_open(&ten, &w, &e), 0, "%s", e.msg);
  cr_assert_eq(gold_landmark(&c, &w, ten, gold, NULL, NULL), 0);
  fx_init(&fx, c.width, c.frac_bits, c.prob_bits, w.head_dim);
  for (int l = 0; l < 2; l++)
    for (int h = 0; h < 2; h++) {
      gold_head_fixed(&fx, &dense, ten, 0, l, h, ref);
      cr_expect_arr_eq(gold + (size_t)(l * 2 + h) * 4 * 16, ref,
                       4 * 16 * sizeof *ref, "layer %d head %d", l, h);
    }
  ten_close(ten);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect(r.mass_kept > 0.999999, "mass kept %g", r.mass_kept);
  st_free(&st);
  free(gold);
  free(ref);
}

/* The block selections the golden model logs: one per step, layer and
 * head with candidates, L of them, min(topk, L) kept, ascending. */
Test(landmark, golden_logs_one_selection_per_step_layer_and_head) {
  wl_t w = lm_wl(2, 3, 8, 50, 3, 8, 2, 10);
  cfg_t c;
  ten_t *ten;
  err_t e;
  declog_t log = {0};
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &w, &e), 0, "%s", e.msg);
  cr_assert_eq(gold_landmark(&c, &w, ten, NULL, &log, NULL), 0);
  cr_assert_eq(log.n, 2u * 3u * 3u);
  for (size_t i = 0; i < log.n; i++) {
    geo_t g = geo(&w, log.d[i].unit);
    cr_expect_eq(log.d[i].kind, DEC_REGIONS);
    cr_expect_eq(log.d[i].head, -1);
    cr_expect(log.d[i].query >= 0 && log.d[i].query < 3);
    cr_expect_eq(log.d[i].n, g.L); /* n 51..53: lo 40, 5 blocks */
    cr_expect_eq(log.d[i].kept, 2);
  }
  dec_free(&log);
  ten_close(ten);
}

/* Hand-made keys whose selection is known: d 4, a prompt of 30, one
 * token (31 keys), B 4, topk 2, window 3: lo 28, L 7 blocks. Every key
 * row of block j is val[j] e_0, so its landmark is val[j] e_0 (the mean
 * of equal rows); the query is e_0, so the scores rank the blocks by
 * val: blocks 2 (0.9) and 5 (0.8) win. */
Test(landmark, hand_made_keys_select_the_known_blocks) {
  static const float val[8] = {0.1f, 0.2f, 0.9f, 0.3f, 0.0f, 0.8f, 0.4f, 0.5f};
  static const char *names[3] = {"q", "k", "v"};
  int64_t shape[4] = {1, 1, 31, 4};
  float x[3][31 * 4];
  char dir[256], paths[3][256];
  uint32_t want[2] = {2, 5};
  wl_t w = lm_wl(1, 1, 4, 30, 1, 4, 2, 3);
  declog_t log = {0};
  cfg_t c;
  ten_t *ten;
  err_t e;
  stats_t st;
  chk_t r;
  cfg_defaults(&c);
  memset(x, 0, sizeof x);
  for (int t = 0; t < 31; t++) {
    x[0][t * 4] = 1.0f;
    x[1][t * 4] = val[t / 4];
    for (int i = 0; i < 4; i++) x[2][t * 4 + i] = (float)((t * 5 + i * 3) % 7) / 4.0f;
  }
  snprintf(dir, sizeof dir, "build/tests/tmp/lm-hand-%d", (int)getpid());
  mkdir("build/tests/tmp", 0777);
  for (int i = 0; i < 3; i++) {
    snprintf(paths[i], 256, "%.200s-%s.npy", dir, names[i]);
    cr_assert_eq(npy_write_f32(paths[i], 4, shape, x[i], &e), 0, "%s", e.msg);
  }
  w.source = WL_NPY;
  strcpy(w.q_path, paths[0]), strcpy(w.k_path, paths[1]), strcpy(w.v_path, paths[2]);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &w, &e), 0, "%s", e.msg);
  cr_assert_eq(gold_landmark(&c, &w, ten, NULL, &log, NULL), 0);
  cr_assert_eq(log.n, 1u);
  cr_expect_eq(log.d[0].n, 7);
  cr_expect_eq(log.d[0].kept, 2);
  cr_expect_eq(log.d[0].hash, dec_hash(want, 2));
  dec_free(&log);
  ten_close(ten);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(r.decisions, 1u);
  st_free(&st);
  for (int i = 0; i < 3; i++) remove(paths[i]);
}

/* Same inputs and seed, same statistics, counter for counter. */
Test(landmark, runs_are_deterministic) {
  wl_t w = lm_wl(2, 2, 8, 70, 3, 8, 2, 6);
  cfg_t c;
  stats_t a, b;
  err_t e;
  chk_t r;
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&a);
  st_init(&b);
  r = run(&c, &w, &a);
  cr_expect(r.ok, "%s", r.msg);
  r = run(&c, &w, &b);
  cr_expect(r.ok, "%s", r.msg);
  for (int i = 0; i < ST_COUNT; i++)
    cr_expect_eq(a.c[i], b.c[i], "counter %s", stat_info[i].path);
  cr_expect_gt(a.c[ST_CYCLES], 0u);
  st_free(&a);
  st_free(&b);
}

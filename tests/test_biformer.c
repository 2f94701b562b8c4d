/* BiFormer's bi-level routing attention (docs/biformer.md): hand-made
 * grids whose routing is known, MAC counts against closed forms derived
 * here, and the simulator against the golden model over seeds, shapes and
 * buffer sizes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bfshape.h"
#include "biformer.h"
#include "check.h"
#include "compile.h"
#include "engine.h"
#include "npy.h"
#include "testutil.h"
#include "simrun.h"

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  return run_at(c, w, st, NULL, NULL);
}

/* A one-stage biformer workload of an H x W grid, S regions per side. */
static wl_t grid_wl(int H, int W, int S, int k, int C, int d, int blocks,
                    int kern) {
  wl_t w;
  wl_defaults(&w);
  w.kind = WL_BIFORMER;
  w.head_dim = d;
  w.heads = C / d;
  w.layers = blocks;
  w.ncases = 1;
  w.tokens[0] = H * W;
  w.bf_regions = S;
  w.bf_height[0] = H, w.bf_width[0] = W, w.bf_topk[0] = k;
  w.bf_channels[0] = C, w.bf_blocks[0] = blocks;
  w.bf_nheight = w.bf_nwidth = w.bf_ntopk = w.bf_nchannels = w.bf_nblocks = 1;
  w.bf_lce_kernel = kern;
  return w;
}

/* Closed forms (docs/biformer.md), summed over a workload's stages:
 * routing [k < S^2] S^4 C, Q x K = P x V = HW (k HW / S^2) C, LCE
 * HW C kern^2, each per block. */
typedef struct macs { uint64_t route, qk, av, lce; } macs_t;
static macs_t closed_form(const wl_t *w) {
  macs_t m = {0, 0, 0, 0};
  for (int s = 0; s < w->ncases; s++) {
    uint64_t S = (uint64_t)w->bf_regions, C = (uint64_t)w->bf_channels[s];
    uint64_t hw = (uint64_t)w->bf_height[s] * (uint64_t)w->bf_width[s];
    uint64_t k = (uint64_t)w->bf_topk[s], b = (uint64_t)w->bf_blocks[s];
    uint64_t kk = (uint64_t)w->bf_lce_kernel * (uint64_t)w->bf_lce_kernel;
    m.route += k < S * S ? b * S * S * S * S * C : 0;
    m.qk += b * hw * (k * hw / (S * S)) * C;
    m.av += b * hw * (k * hw / (S * S)) * C;
    m.lce += b * hw * C * kk;
  }
  return m;
}

static void expect_macs(const stats_t *st, const wl_t *w, const char *what) {
  macs_t m = closed_form(w);
  cr_expect_eq(st->c[ST_ROUTING_MACS], m.route, "%s: routing %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_ROUTING_MACS], (unsigned long long)m.route);
  cr_expect_eq(st->c[ST_QK_MACS], m.qk, "%s: Q x K", what);
  cr_expect_eq(st->c[ST_AV_MACS], m.av, "%s: P x V", what);
  cr_expect_eq(st->c[ST_LCE_MACS], m.lce, "%s: LCE", what);
}

/* Region i's query is the unit vector e_i, region j's key e_{perm^-1(j)}:
 * the affinity is 1 exactly at j = perm(i), 0 elsewhere. With k = 1 each
 * region routes to perm(i); with k = 2 the tie among the zeros goes to
 * the lowest other index (the tie rule). 4 x 4 grid, S = 2, one head. */
static const int perm[4] = {2, 3, 0, 1};

static void write_grid_npy(const char *dir, char paths[3][256]) {
  static const char *names[3] = {"q", "k", "v"};
  int64_t shape[4] = {1, 1, 16, 4};
  float x[3][16 * 4];
  err_t e;
  memset(x, 0, sizeof x);
  for (int t = 0; t < 16; t++) {
    int r = t / 4; /* region-major: tokens 4r..4r+3 are region r */
    x[0][t * 4 + r] = 1.0f;
    for (int j = 0; j < 4; j++)
      if (perm[j] == r) x[1][t * 4 + j] = 1.0f;
    for (int c = 0; c < 4; c++) x[2][t * 4 + c] = (float)((t * 7 + c * 3) % 11) / 8.0f;
  }
  for (int i = 0; i < 3; i++) {
    snprintf(paths[i], 256, "%.200s-%s.npy", dir, names[i]);
    cr_assert_eq(npy_write_f32(paths[i], 4, shape, x[i], &e), 0, "%s", e.msg);
  }
}

static uint32_t expected_route(int i, int k, uint32_t *sel) {
  int n = 0;
  for (int j = 0; j < 4 && n < k - 1; j++)
    if (j != perm[i]) sel[n++] = (uint32_t)j;
  sel[n++] = (uint32_t)perm[i];
  for (int a = 0; a < n; a++) /* ascending */
    for (int b = a + 1; b < n; b++)
      if (sel[b] < sel[a]) { uint32_t t = sel[a]; sel[a] = sel[b]; sel[b] = t; }
  return (uint32_t)n;
}

Test(biformer, hand_made_grid_routes_as_constructed) {
  char dir[256], paths[3][256];
  cfg_t c;
  cfg_defaults(&c);
  snprintf(dir, sizeof dir, "build/tests/tmp/bf-grid-%d", (int)getpid());
  tu_write(dir, sizeof dir, "bf-grid", "");
  write_grid_npy(dir, paths);
  for (int k = 1; k <= 2; k++) {
    wl_t w = grid_wl(4, 4, 2, k, 4, 4, 1, 3);
    declog_t log = {0};
    ten_t *ten;
    err_t e;
    stats_t st;
    chk_t r;
    w.source = WL_NPY;
    strcpy(w.q_path, paths[0]), strcpy(w.k_path, paths[1]), strcpy(w.v_path, paths[2]);
    cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
    cr_assert_eq(ten_open(&ten, &w, &e), 0, "%s", e.msg);
    cr_assert_eq(gold_biformer(&c, &w, ten, NULL, &log), 0);
    cr_assert_eq(log.n, 4u);
    for (int i = 0; i < 4; i++) {
      uint32_t sel[4], n = expected_route(i, k, sel);
      cr_expect_eq(log.d[i].kind, DEC_REGIONS);
      cr_expect_eq(log.d[i].query, i);
      cr_expect_eq(log.d[i].kept, (int)n);
      cr_expect_eq(log.d[i].hash, dec_hash(sel, n), "k %d region %d", k, i);
    }
    dec_free(&log);
    ten_close(ten);
    st_init(&st);
    r = run(&c, &w, &st);
    cr_expect(r.ok, "k %d: %s", k, r.msg);
    cr_expect_eq(r.decisions, 4u);
    expect_macs(&st, &w, "hand-made grid");
    st_free(&st);
  }
  for (int i = 0; i < 3; i++) remove(paths[i]);
  remove(dir);
}

/* The rounded mean: round half up, also for negative sums. */
Test(biformer, region_mean_rounds_half_up) {
  cr_expect_eq(bf_mean(1, 2), 1);   /* 0.5 -> 1 */
  cr_expect_eq(bf_mean(-1, 2), 0);  /* -0.5 -> 0 */
  cr_expect_eq(bf_mean(-3, 2), -1); /* -1.5 -> -1 */
  cr_expect_eq(bf_mean(5, 4), 1);   /* 1.25 -> 1 */
  cr_expect_eq(bf_mean(-5, 4), -1); /* -1.25 -> -1 */
  cr_expect_eq(bf_mean(-7, 4), -2); /* -1.75 -> -2 */
}

/* Region-major numbering: the token of (y, x) and back. */
Test(biformer, token_order_is_region_major) {
  wl_t w = grid_wl(4, 6, 2, 1, 8, 8, 1, 3);
  bf_geo_t g;
  int y, x;
  bf_geo(&w, 0, &g);
  cr_expect_eq(g.rh, 2);
  cr_expect_eq(g.rw, 3);
  cr_expect_eq(g.R, 6);
  cr_expect_eq(bf_token(&g, 0, 3), 6);  /* region 1, first token */
  cr_expect_eq(bf_token(&g, 1, 1), 4);  /* region 0, row 1, column 1 */
  cr_expect_eq(bf_token(&g, 3, 5), 23); /* the last token */
  for (int t = 0; t < 24; t++) {
    bf_coord(&g, t, &y, &x);
    cr_expect_eq(bf_token(&g, y, x), t);
  }
}

/* Simulator = golden across seeds, shapes (square and rectangular grids,
 * routing and not, LCE kernels 0, 3 and 5) and buffer sizes; MACs equal
 * the closed forms every time. */
Test(biformer, simulator_equals_golden_over_seeds) {
  struct { int H, W, S, k, C, d, blocks, kern; } shapes[] = {
    {8, 8, 2, 1, 16, 8, 2, 3}, {8, 8, 2, 2, 16, 8, 1, 5},
    {12, 8, 4, 5, 8, 8, 1, 3}, {6, 6, 3, 9, 16, 8, 1, 3},
    {8, 4, 2, 3, 24, 8, 2, 0},
  };
  cfg_t cf[2];
  cfg_defaults(&cf[0]);
  cfg_defaults(&cf[1]);
  cf[1].chunk_rows = 8;
  cf[1].topk_parallelism = 4;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (uint64_t seed = 1; seed <= 3; seed++)
      for (int k = 0; k < 2; k++) {
        wl_t w = grid_wl(shapes[i].H, shapes[i].W, shapes[i].S, shapes[i].k,
                         shapes[i].C, shapes[i].d, shapes[i].blocks, shapes[i].kern);
        stats_t st;
        chk_t r;
        err_t e;
        w.seed = seed;
        cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
        st_init(&st);
        r = run(&cf[k], &w, &st);
        cr_expect(r.ok, "shape %zu seed %d config %d: %s", i, (int)seed, k, r.msg);
        expect_macs(&st, &w, "shape");
        st_free(&st);
      }
}

/* --check names a corrupted output by stage, block, head, token and
 * element, against the BiFormer golden model. */
Test(biformer, check_names_a_corrupted_element) {
  cfg_t c;
  wl_t w = grid_wl(8, 8, 2, 1, 16, 8, 2, 3);
  stats_t st;
  chk_t r;
  err_t e;
  lay_loc_t at = {LAY_O, 0, 1, 1, 9};
  int16_t was;
  char want[256];
  cfg_defaults(&c);
  w.seed = 2;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, &at, &was);
  snprintf(want, sizeof want, "mismatch at stage 0 block 1 head 1 token 9 "
           "element 1: simulator %d, golden %d (BiFormer)", was ^ 1, was);
  cr_expect(!r.ok);
  cr_expect_eq(r.mismatches, 1);
  cr_expect_str_eq(r.msg, want);
  st_free(&st);
}

/* BiFormer-T as bundled: MACs by kind, in total and per stage (the layer
 * records' attributed counters), equal the closed forms; check passes. */
Test(biformer, biformer_t_macs_equal_closed_forms, .timeout = 3600) {
  cfg_t c;
  wl_t w;
  err_t e;
  stats_t st;
  chk_t r;
  cfg_defaults(&c);
  cr_assert_eq(wl_load("workloads/biformer-t.yaml", &w, &e), 0, "%s", e.msg);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(r.decisions, (uint64_t)(2 + 2 + 8) * 49);
  expect_macs(&st, &w, "biformer-t");
  for (int s = 0; s < w.ncases; s++) {
    wl_t one = grid_wl(w.bf_height[s], w.bf_width[s], 7, w.bf_topk[s],
                       w.bf_channels[s], 32, w.bf_blocks[s], 5);
    macs_t m = closed_form(&one), got = {0, 0, 0, 0};
    for (int i = 0; i < st.nlayers; i++)
      if (st.layers[i].cs == s) {
        got.route += st.layers[i].c[ST_ROUTING_MACS];
        got.qk += st.layers[i].c[ST_QK_MACS];
        got.av += st.layers[i].c[ST_AV_MACS];
        got.lce += st.layers[i].c[ST_LCE_MACS];
      }
    cr_expect(got.route == m.route && got.qk == m.qk && got.av == m.av &&
              got.lce == m.lce, "stage %d MACs differ from the closed forms", s);
  }
  st_free(&st);
}

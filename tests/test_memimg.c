/* The memory image's bounded K/V chunks (sim/memimg.c, docs/memory.md):
 * chunks freed under a budget and made again give the same run, and
 * rows written to the K/V cache and rows a buffer points at survive.
 *
 * Expected values are independent of the chunk cache: the golden model
 * (--check: outputs and the K/V cache as the run left it, bit for bit)
 * and the same run with a budget that never frees anything. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "simrun.h"
#include "stats.h"

static wl_t decode_wl(int layers, int prompt, int generate) {
  wl_t w;
  wl_defaults(&w);
  w.layers = layers;
  w.heads = 2;
  w.kv_heads = 2;
  w.head_dim = 16;
  w.phase = WL_DECODE;
  w.ncases = 1;
  w.prompt = prompt;
  w.generate = generate;
  return w;
}

/* Runs w on c with ATTNSIM_KV_BUDGET set to budget (NULL: the default,
 * which holds every chunk of these small runs); the check must pass. */
static void run_budget(const cfg_t *c, const wl_t *w, const char *budget,
                       stats_t *st) {
  chk_t r;
  if (budget) setenv("ATTNSIM_KV_BUDGET", budget, 1);
  else unsetenv("ATTNSIM_KV_BUDGET");
  st_init(st);
  r = run_at(c, w, st, NULL, NULL);
  unsetenv("ATTNSIM_KV_BUDGET");
  cr_expect(r.ok, "budget %s: %s", budget ? budget : "default", r.msg);
}

/* w on c under budget gives ref's counters, unit cycles and layers. */
static void expect_budget_same(const cfg_t *c, const wl_t *w,
                               const stats_t *ref, const char *budget,
                               const char *what) {
  stats_t st;
  run_budget(c, w, budget, &st);
  cr_expect_eq(memcmp(ref->c, st.c, sizeof st.c), 0, "%s: counters differ",
               what);
  cr_expect_eq(memcmp(ref->unit, st.unit, sizeof st.unit), 0,
               "%s: unit cycles differ", what);
  cr_expect_eq(ref->nlayers, st.nlayers, "%s: layer records differ", what);
  st_free(&st);
}

/* A dense decode over 5 chunks of context per block: nothing held (budget
 * 0: every chunk no buffer row points at is freed) or a few chunks held,
 * against the default. */
Test(memimg, dense_decode_same_under_any_budget) {
  cfg_t c;
  wl_t w = decode_wl(2, 4700, 3);
  stats_t ref;
  cfg_defaults(&c);
  c.score_buffer_entries = 1 << 14;
  run_budget(&c, &w, NULL, &ref);
  cr_expect_gt(ref.c[ST_DRAM_KEY_MSB_BYTES], 0);
  expect_budget_same(&c, &w, &ref, "0", "budget 0");
  /* three chunks of 32 KB */
  expect_budget_same(&c, &w, &ref, "100000", "budget 100000");
  st_free(&ref);
}

/* The tiled mapping (the row of scores does not fit SBUF) and SpAtten's
 * pruning (gathered rows through TLIST) with nothing held. */
Test(memimg, tiled_and_pruned_decode_same_with_nothing_held) {
  cfg_t c;
  wl_t w = decode_wl(2, 3000, 2);
  stats_t ref;
  err_t e;
  cfg_defaults(&c); /* 4,096 score entries: a GQA-free 3k row tiles */
  c.score_buffer_entries = 1024;
  run_budget(&c, &w, NULL, &ref);
  expect_budget_same(&c, &w, &ref, "0", "tiled");
  st_free(&ref);
  cfg_defaults(&c);
  c.score_buffer_entries = 1 << 14;
  cr_assert_eq(wl_set(&w, "schedule.token_keep=0.5", &e), 0, "%s", e.msg);
  cr_assert_eq(wl_validate(&w, "w", &e), 0, "%s", e.msg);
  run_budget(&c, &w, NULL, &ref);
  expect_budget_same(&c, &w, &ref, "0", "pruned");
  st_free(&ref);
}

/* What a memory image of w on the default config is made from. */
typedef struct fix {
  cfg_t c;
  lay_t lay;
  fx_t fx;
  ten_t *ten;
} fix_t;

static void fix_open(fix_t *f, const wl_t *w) {
  err_t e;
  cfg_defaults(&f->c);
  cr_assert_eq(lay_init(&f->lay, &f->c, w, "cfg", &e), 0, "%s", e.msg);
  fx_init(&f->fx, f->c.width, f->c.frac_bits, f->c.prob_bits, w->head_dim);
  cr_assert_eq(ten_open(&f->ten, w, &e), 0, "%s", e.msg);
}

/* A memory image of w (the program appends to the cache) with a K/V
 * budget of 0: every chunk no buffer row points into is freed. */
static memimg_t *fix_image(fix_t *f, const wl_t *w) {
  memimg_t *m;
  setenv("ATTNSIM_KV_BUDGET", "0", 1);
  m = mi_new(&f->lay, &f->fx, w, f->ten, true);
  unsetenv("ATTNSIM_KV_BUDGET");
  cr_assert(m);
  return m;
}

/* Through the API: a written cache row and a pinned row survive chunks
 * freed and made again; an unwritten row comes back as first made. */
Test(memimg, written_and_pinned_rows_survive_eviction) {
  wl_t w = decode_wl(1, 3000, 2);
  fix_t f;
  memimg_t *m;
  int16_t row[16], first[16], got[16];
  const int16_t *pins[1], *p;
  lay_loc_t at = {LAY_K, 0, 0, 0, 3001}, far = {LAY_K, 0, 0, 1, 0};
  fix_open(&f, &w);
  m = fix_image(&f, &w);
  for (int i = 0; i < 16; i++) row[i] = (int16_t)(100 + i);
  cr_assert_eq(mi_write(m, &at, row), 0); /* the first generated row */
  at.row = 5; /* a prompt row, pinned by a "buffer" */
  cr_assert(p = mi_rows(m, &at));
  memcpy(first, p, sizeof first);
  pins[0] = p;
  mi_pin(m, 0, pins, 1);
  for (far.row = 0; far.row < 3002; far.row += 500) /* every other chunk */
    cr_assert(mi_rows(m, &far));
  cr_expect_eq(memcmp(p, first, sizeof first), 0, "pinned row changed");
  cr_expect_eq(mi_rows(m, &at), p, "pinned chunk was made again");
  mi_pin(m, 0, NULL, 0);
  for (far.row = 0; far.row < 3002; far.row += 500)
    cr_assert(mi_rows(m, &far));
  cr_assert_eq(mi_read(m, &at, 1, got), 0);
  cr_expect_eq(memcmp(got, first, sizeof got), 0, "row made again differs");
  at.row = 3001;
  cr_assert_eq(mi_read(m, &at, 1, got), 0);
  cr_expect_eq(memcmp(got, row, sizeof got), 0, "written row lost");
  at.row = 3000; /* not written: zero, as the cache's appends leave it */
  cr_assert_eq(mi_read(m, &at, 1, got), 0);
  for (int i = 0; i < 16; i++) cr_expect_eq(got[i], 0);
  mi_free(m);
  ten_close(f.ten);
}

/* The overlay's index covers the rows written, not the block: rows
 * written up, down and far apart (each growth of the index), then read
 * back after their chunks were freed and made again, give what was
 * written; rows not written give what a memory image with no writes
 * gives (generated below the prompt's end, zero past it). */
Test(memimg, rows_written_in_any_order_read_back) {
  const int rows[] = {3001, 3002, 3040, 2990, 12, 3001, 3300, 0};
  const int n = (int)(sizeof rows / sizeof rows[0]);
  wl_t w = decode_wl(1, 3000, 400);
  fix_t f;
  memimg_t *m, *clean;
  int16_t row[16], got[16], want[16];
  lay_loc_t at = {LAY_V, 0, 0, 1, 0}, far = {LAY_V, 0, 0, 0, 0};
  fix_open(&f, &w);
  m = fix_image(&f, &w);
  clean = fix_image(&f, &w);
  for (int k = 0; k < n; k++) { /* row 3001 twice: the last write wins */
    at.row = rows[k];
    for (int i = 0; i < 16; i++) row[i] = (int16_t)(1000 * k + i + 1);
    cr_assert_eq(mi_write(m, &at, row), 0);
  }
  for (far.row = 0; far.row < 3400; far.row += 500) /* free the chunks */
    cr_assert(mi_rows(m, &far));
  for (at.row = 0; at.row < 3400; at.row++) {
    int last = -1;
    for (int k = 0; k < n; k++)
      if (rows[k] == at.row) last = k;
    cr_assert_eq(mi_read(m, &at, 1, got), 0);
    if (last >= 0)
      for (int i = 0; i < 16; i++) want[i] = (int16_t)(1000 * last + i + 1);
    else
      cr_assert_eq(mi_read(clean, &at, 1, want), 0);
    cr_assert_eq(memcmp(got, want, sizeof got), 0, "row %d", at.row);
    if (last < 0 && at.row >= 3000)
      for (int i = 0; i < 16; i++) cr_assert_eq(want[i], 0, "row %d", at.row);
  }
  mi_free(m);
  mi_free(clean);
  ten_close(f.ten);
}

/* A cursor (mi_rows_next) over gathered rows of one block, crossing
 * chunks back and forth, with the rows it gave pinned as a buffer would
 * pin them: each row equals the same row of another image read with
 * mi_read, and stays so until the last. */
Test(memimg, cursor_rows_match_mi_read) {
  const int rows[] = {5, 6, 7, 1500, 1501, 9, 2999, 1024, 1023, 0};
  const int n = (int)(sizeof rows / sizeof rows[0]);
  wl_t w = decode_wl(1, 3000, 2);
  fix_t f;
  memimg_t *m, *ref;
  mi_cur_t cur = {NULL, 0};
  const int16_t *got[10];
  int16_t want[10][16];
  lay_loc_t at = {LAY_K, 0, 0, 1, 0};
  fix_open(&f, &w);
  m = fix_image(&f, &w);
  ref = fix_image(&f, &w);
  for (int k = 0; k < n; k++) {
    at.row = rows[k];
    cr_assert(got[k] = mi_rows_next(m, &cur, &at));
    mi_pin(m, 0, got, k + 1);
    cr_assert_eq(mi_read(ref, &at, 1, want[k]), 0);
  }
  for (int k = 0; k < n; k++)
    cr_expect_eq(memcmp(got[k], want[k], sizeof want[k]), 0, "row %d", rows[k]);
  mi_pin(m, 0, NULL, 0);
  mi_free(m);
  mi_free(ref);
  ten_close(f.ten);
}

/* Grouped-query attention (model.kv_heads) and sliding-window attention
 * with sinks (attention.window, attention.sinks) in dense attention:
 * the simulator equals the golden model bit for bit over seeds and shapes
 * (prefill and decode, resident and streamed K/V), and the DRAM bytes of
 * queries, keys and values equal closed forms derived by hand from the
 * lowering (compiler/lower_dense.c):
 *   queries (Q):   layers x heads x queries x row_bytes (one LDQ per query
 *                  and query head, whatever kv_heads);
 *   keys, values:  K/V rows fetched once per K/V head and serve the group:
 *     prefill, resident (the context fits KBUF and VBUF): layers x
 *       kv_heads x tokens x row_bytes, each;
 *     prefill, streamed, and decode: per query and K/V head, the rows the
 *       query attends to. With window W > 0 and S sinks, the query at
 *       position p attends to keys p-W+1 .. p (clipped at 0) and to the
 *       sinks 0 .. S-1 not already in the window: min(p + 1, W + S) keys
 *       (p + 1 <= W: all p + 1; else W + min(S, p + 1 - W)). So
 *       K bytes = layers x kv_heads x sum over queries of min(p+1, W+S) x
 *       row_bytes (no window: W + S read as infinity), V the same;
 *     when the score buffer cannot hold group x keys entries, each query
 *       head streams its K/V rows itself: kv_heads becomes heads.
 * row_bytes = head_dim x width / 8 (16 x 12 / 8 = 24 bytes here). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "simrun.h"

#define D 16
#define ROW (D * 12 / 8)

typedef struct shape {
  const char *name;
  int heads, kv_heads, window, sinks;
} shape_t;

static const shape_t shapes[] = {
  {"gqa", 4, 2, 0, 0},
  {"mqa", 4, 1, 0, 0},
  {"mha-explicit", 4, 4, 0, 0},
  {"window", 4, 0, 7, 0},
  {"window-sinks", 4, 0, 9, 3},
  {"gqa-window-sinks", 6, 2, 11, 2},
  {"mqa-window-1", 4, 1, 1, 0},
  {"window-past-context", 4, 2, 500, 4},
};

static wl_t small_wl(const shape_t *s, int decode, uint64_t seed) {
  wl_t w;
  wl_defaults(&w);
  w.layers = 2;
  w.heads = s->heads;
  w.kv_heads = s->kv_heads;
  w.head_dim = D;
  w.window = s->window;
  w.sinks = s->sinks;
  w.seed = seed;
  if (decode) {
    w.phase = WL_DECODE;
    w.prompt = 40;
    w.generate = 3;
  } else {
    w.causal = true;
    w.ncases = 2;
    w.tokens[0] = 24;
    w.tokens[1] = 37;
  }
  return w;
}

/* Default buffers (prefill resident), and small ones (K/V streamed in
 * chunks of 8 rows). */
static void configs(cfg_t *big, cfg_t *small) {
  cfg_defaults(big);
  cfg_defaults(small);
  small->key_buffer_bytes = small->value_buffer_bytes = 20 * ROW;
  small->chunk_rows = 8;
  small->map_softmax = CFG_SMAX_ROW; /* the row mapping's closed forms */
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

/* Keys a query at position p attends to, by hand (see the top). */
static uint64_t keys_at(int p, int window, int sinks) {
  uint64_t all = (uint64_t)p + 1;
  if (!window || all <= (uint64_t)(window + sinks)) return all;
  return (uint64_t)(window + sinks);
}

/* K (= V) bytes of a streamed run fetching per `fetch_heads` heads. */
static uint64_t streamed_kv_bytes(const wl_t *w, int fetch_heads) {
  uint64_t rows = 0;
  if (w->phase == WL_DECODE)
    for (int t = 0; t < w->generate; t++)
      rows += keys_at(w->prompt + t, w->window, w->sinks);
  else
    for (int cs = 0; cs < w->ncases; cs++)
      for (int p = 0; p < w->tokens[cs]; p++)
        rows += keys_at(p, w->window, w->sinks);
  return (uint64_t)w->layers * (uint64_t)fetch_heads * rows * ROW;
}

static uint64_t queries_total(const wl_t *w) {
  uint64_t n = 0;
  if (w->phase == WL_DECODE) return (uint64_t)w->generate;
  for (int cs = 0; cs < w->ncases; cs++) n += (uint64_t)w->tokens[cs];
  return n;
}

static int kv_of(const shape_t *s) { return s->kv_heads ? s->kv_heads : s->heads; }

Test(gqa, check_is_bit_exact_over_seeds_and_shapes) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int decode = 0; decode < 2; decode++)
      for (uint64_t seed = 1; seed <= 3; seed++)
        for (int k = 0; k < 2; k++) {
          wl_t w = small_wl(&shapes[i], decode, seed);
          stats_t st;
          chk_t r;
          st_init(&st);
          r = run(&cf[k], &w, &st);
          cr_expect(r.ok, "%s %s seed %d %s config: %s", shapes[i].name,
                    decode ? "decode" : "prefill", (int)seed,
                    k ? "small" : "default", r.msg);
          cr_expect_eq(r.compared,
                       (size_t)2 * (size_t)shapes[i].heads * queries_total(&w) * D);
          st_free(&st);
        }
}

Test(gqa, dram_bytes_equal_the_closed_forms) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int decode = 0; decode < 2; decode++)
      for (int k = 0; k < 2; k++) {
        const shape_t *s = &shapes[i];
        wl_t w = small_wl(s, decode, 1);
        stats_t st;
        uint64_t kv, q = 2 * (uint64_t)s->heads * queries_total(&w) * ROW;
        st_init(&st);
        cr_assert(run(&cf[k], &w, &st).ok);
        if (!decode && k == 0) /* resident: every row once per K/V head */
          kv = 2 * (uint64_t)kv_of(s) * (24 + 37) * ROW;
        else
          kv = streamed_kv_bytes(&w, kv_of(s));
        cr_expect_eq(st.c[ST_DRAM_QUERY_BYTES], q, "%s", s->name);
        cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], kv, "%s %s %s: K %llu, want %llu",
                     s->name, decode ? "decode" : "prefill", k ? "small" : "default",
                     (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                     (unsigned long long)kv);
        cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], kv, "%s", s->name);
        cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES], q, "%s", s->name);
        st_free(&st);
      }
}

/* A score buffer too small for group x keys entries: each query head
 * streams its own K/V rows (bytes as if kv_heads = heads), still exact. */
Test(gqa, small_score_buffer_streams_per_query_head) {
  cfg_t c;
  const shape_t s = {"gqa", 4, 1, 0, 0};
  wl_t w = small_wl(&s, 1, 2);
  stats_t st;
  chk_t r;
  cfg_defaults(&c);
  c.map_softmax = CFG_SMAX_ROW; /* auto tiles instead (docs/tiling.md) */
  c.score_buffer_entries = 2 * (40 + 3) - 1; /* < 4 x 43, fits one query */
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], streamed_kv_bytes(&w, 4));
  st_free(&st);
  /* with room for the group, the K/V rows are fetched once */
  c.score_buffer_entries = 4 * 43;
  st_init(&st);
  cr_expect(run(&c, &w, &st).ok);
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], streamed_kv_bytes(&w, 1));
  st_free(&st);
}

/* Window 1, no sinks: each query's softmax has one key, probability 1,
 * so its output is its own position's value row (quantized): the window's
 * placement checked apart from the golden model. */
Test(gqa, window_one_outputs_the_own_value_row) {
  cfg_t c;
  const shape_t s = {"w1", 4, 2, 1, 0};
  wl_t w = small_wl(&s, 1, 3);
  FILE *f = tmpfile();
  trace_reader_t tr;
  ten_t *ten;
  sim_t *sim;
  stats_t st;
  err_t e;
  fx_t fx;
  float v[D];
  cfg_defaults(&c);
  fx_init(&fx, c.width, c.frac_bits, c.prob_bits, D);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0, "%s", e.msg);
  sim = sim_new(&c, &tr.hdr.wl, ten, "cfg", &e);
  cr_assert(sim, "%s", e.msg);
  st_init(&st);
  cr_assert_eq(sim_run(sim, &tr, &st, &e), 0, "%s", e.msg);
  for (int l = 0; l < 2; l++)
    for (int h = 0; h < 4; h++) {
      const int16_t *o = mi_output(sim_memimg(sim), 0, l, h);
      cr_assert(o);
      for (int t = 0; t < 3; t++) {
        ten_rows(ten, TEN_V, 0, l, h / 2, 40 + t, 1, v);
        for (int i = 0; i < D; i++)
          cr_expect_eq(o[t * D + i], fx_quant(&fx, v[i]),
                       "layer %d head %d step %d element %d", l, h, t, i);
      }
    }
  st_free(&st);
  sim_free(sim);
  ten_close(ten);
  fclose(f);
}

/* kv_heads = 0 and kv_heads = heads are the same workload: the same
 * program, bit for bit. */
Test(gqa, kv_heads_zero_means_heads) {
  cfg_t c;
  char *a, *b;
  size_t na, nb;
  const shape_t s0 = {"0", 4, 0, 0, 0}, s4 = {"4", 4, 4, 0, 0};
  wl_t w0 = small_wl(&s0, 0, 1), w4 = small_wl(&s4, 0, 1);
  err_t e;
  FILE *f0, *f4;
  cfg_defaults(&c);
  f0 = open_memstream(&a, &na);
  f4 = open_memstream(&b, &nb);
  cr_assert_eq(comp_compile(&c, &w0, "cfg", f0, &e), 0, "%s", e.msg);
  cr_assert_eq(comp_compile(&c, &w4, "cfg", f4, &e), 0, "%s", e.msg);
  fclose(f0);
  fclose(f4);
  /* the headers carry the workload text (kv_heads 0 vs 4); the
   * instructions after it must match */
  cr_assert(na > 64 && nb > 64);
  cr_expect_eq(na, nb);
  cr_expect(memcmp(a + na - (na / 2), b + nb - (nb / 2), na / 2) == 0);
  free(a);
  free(b);
}

/* The cross-field rules, located at the key. */
Test(gqa, bad_values_are_located_errors) {
  static const struct {
    const char *text, *want;
  } rows[] = {
    {"model.heads=12\nmodel.kv_heads=5\n", "t:2:1: model.kv_heads: does not divide"},
    {"attention.sinks=4\n", "t:1:1: attention.sinks: sinks without a window"},
    {"attention.window=8\n", "t:1:1: attention.window: a window needs causal"},
    {"model.kv_heads=-1\n", "t:1:16: model.kv_heads: out of range (got -1"},
    {"prefill.causal=true\nattention.window=8\nschedule.token_keep=0.5\n",
     "t:2:1: attention.window: not supported with a SpAtten schedule"},
    {"model.v_from_k=8\nschedule.value_bits=8\n",
     "t:1:1: model.v_from_k: not supported with a SpAtten schedule"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wl_t w;
    err_t e;
    int rc = wl_from_text(&w, rows[i].text, "t", &e);
    cr_expect_eq(rc, 2, "%s", rows[i].text);
    cr_expect(strncmp(e.msg, rows[i].want, strlen(rows[i].want)) == 0,
              "\"%s\" does not start with \"%s\"", e.msg, rows[i].want);
  }
}

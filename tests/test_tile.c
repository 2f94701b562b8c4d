/* The tiled mapping with an online softmax (docs/tiling.md): --check
 * bit-exact over seeds and shapes (prefill causal and not, decode, GQA,
 * sliding window with sinks), DRAM bytes equal to closed forms derived by
 * hand below, the golden model's tiled output against a double-precision
 * softmax attention computed here within the bound docs/tiling.md
 * derives, and the mapping rule (auto keeps the row mapping where it fits
 * without refetching K/V).
 *
 * Closed forms (row_bytes = D x 12 / 8; g = heads / kv_heads; pairs of a
 * K/V head are (query, query head) in query-major order, cut into blocks
 * of Br; a block fetches each K/V row any of its pairs attends to once):
 *   prefill, not causal, no window: K bytes = layers x kv_heads x
 *     ceil(queries x g / Br) x tokens x row_bytes (V the same);
 *   prefill, causal, g = 1: the block of queries [b Br, e) fetches rows
 *     [0, e): K bytes = layers x heads x sum_b e_b x row_bytes;
 *   decode: per step (position p) and K/V head, ceil(g / Br) blocks each
 *     fetching the keys p attends to, keys_at(p) (test_gqa.c's count).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "simrun.h"

#define D 16
#define ROW (D * 12 / 8)

typedef struct shape {
  const char *name;
  int heads, kv_heads, window, sinks, causal;
} shape_t;

static const shape_t shapes[] = {
  {"mha", 2, 0, 0, 0, 1},
  {"mha-bidir", 2, 0, 0, 0, 0},
  {"gqa", 4, 2, 0, 0, 1},
  {"mqa", 4, 1, 0, 0, 1},
  {"window-sinks", 2, 0, 9, 3, 1},
  {"gqa-window-sinks", 6, 2, 11, 2, 1},
  {"window-1", 2, 1, 1, 0, 1},
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
    w.causal = s->causal;
    w.ncases = 2;
    w.tokens[0] = 24;
    w.tokens[1] = 37;
  }
  return w;
}

static cfg_t tiled_cfg(int br, int bc) {
  cfg_t c;
  cfg_defaults(&c);
  c.map_softmax = CFG_SMAX_TILED;
  c.tile_q = br;
  c.tile_kv = bc;
  return c;
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

static const int tiles[][2] = {{1, 5}, {3, 8}, {5, 16}, {8, 64}};

Test(tile, check_is_bit_exact_over_seeds_shapes_and_tiles) {
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int decode = 0; decode < 2; decode++)
      for (uint64_t seed = 1; seed <= 2; seed++)
        for (size_t t = 0; t < sizeof tiles / sizeof tiles[0]; t++) {
          cfg_t c = tiled_cfg(tiles[t][0], tiles[t][1]);
          wl_t w = small_wl(&shapes[i], decode, seed);
          stats_t st;
          chk_t r;
          st_init(&st);
          r = run(&c, &w, &st);
          cr_expect(r.ok, "%s %s seed %d tiles %dx%d: %s", shapes[i].name,
                    decode ? "decode" : "prefill", (int)seed, tiles[t][0],
                    tiles[t][1], r.msg);
          cr_expect_gt(r.compared, 0);
          st_free(&st);
        }
}

/* Keys a query at position p attends to (test_gqa.c's count). */
static uint64_t keys_at(int p, int window, int sinks) {
  uint64_t all = (uint64_t)p + 1;
  if (!window || all <= (uint64_t)(window + sinks)) return all;
  return (uint64_t)(window + sinks);
}

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

Test(tile, prefill_bidirectional_kv_bytes_once_per_block) {
  const shape_t *s = &shapes[1];
  for (int br = 1; br <= 8; br += 3) {
    cfg_t c = tiled_cfg(br, 10);
    wl_t w = small_wl(s, 0, 1);
    stats_t st;
    uint64_t want = 0;
    for (int cs = 0; cs < 2; cs++)
      want += (uint64_t)w.layers * (uint64_t)s->heads *
              cdiv((uint64_t)w.tokens[cs], (uint64_t)br) *
              (uint64_t)w.tokens[cs] * ROW;
    st_init(&st);
    cr_assert(run(&c, &w, &st).ok);
    cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], want, "Br %d: K %llu, want %llu",
                 br, (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                 (unsigned long long)want);
    cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], want, "Br %d", br);
    st_free(&st);
  }
}

Test(tile, prefill_gqa_bidirectional_blocks_span_the_group) {
  shape_t s = {"gqa-bidir", 4, 2, 0, 0, 0};
  cfg_t c = tiled_cfg(3, 7);
  wl_t w = small_wl(&s, 0, 1);
  stats_t st;
  uint64_t want = 0;
  for (int cs = 0; cs < 2; cs++) /* pairs: queries x g = 2 tokens */
    want += 2ull * 2 * cdiv(2ull * (uint64_t)w.tokens[cs], 3) *
            (uint64_t)w.tokens[cs] * ROW;
  st_init(&st);
  cr_assert(run(&c, &w, &st).ok);
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], want);
  cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], want);
  st_free(&st);
}

Test(tile, prefill_causal_kv_bytes_per_block_prefix) {
  const shape_t *s = &shapes[0];
  int br = 5;
  cfg_t c = tiled_cfg(br, 6);
  wl_t w = small_wl(s, 0, 1);
  stats_t st;
  uint64_t want = 0;
  for (int cs = 0; cs < 2; cs++)
    for (int b = 0; b < w.tokens[cs]; b += br) {
      int e = b + br < w.tokens[cs] ? b + br : w.tokens[cs];
      want += (uint64_t)w.layers * (uint64_t)s->heads * (uint64_t)e * ROW;
    }
  st_init(&st);
  cr_assert(run(&c, &w, &st).ok);
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], want);
  cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], want);
  st_free(&st);
}

Test(tile, decode_kv_bytes_once_per_group_block) {
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int br = 1; br <= 6; br += 5) {
      const shape_t *s = &shapes[i];
      int kv = s->kv_heads ? s->kv_heads : s->heads, g = s->heads / kv;
      cfg_t c = tiled_cfg(br, 8);
      wl_t w = small_wl(s, 1, 1);
      stats_t st;
      uint64_t want = 0;
      for (int t = 0; t < w.generate; t++)
        want += (uint64_t)w.layers * (uint64_t)kv * cdiv((uint64_t)g, (uint64_t)br) *
                keys_at(w.prompt + t, s->window, s->sinks) * ROW;
      st_init(&st);
      cr_assert(run(&c, &w, &st).ok);
      cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], want, "%s Br %d: %llu, want %llu",
                   s->name, br, (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                   (unsigned long long)want);
      cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], want, "%s", s->name);
      st_free(&st);
    }
}

/* The golden model's tiled output against softmax attention in double on
 * the unquantized inputs, computed here, within docs/tiling.md's bound:
 *   |o - o*| <= vmax (2 ds + 2 T eta + (n + 2 T) 2^-16) + 2 lsb,
 * ds the score error, eta = ln2 2^-(F+1) + 2^-15 the relative error of one
 * exp or alpha, T the query's tiles + 2, n its keys, vmax the largest |v|,
 * lsb = 2^-(F+1). */
static double ref_query(const float *q, const float *k, const float *v,
                        int nk, int j, double *s) {
  double m = -INFINITY, sum = 0, o = 0;
  for (int r = 0; r < nk; r++) {
    double dot = 0;
    for (int i = 0; i < D; i++) dot += (double)q[i] * k[r * D + i];
    s[r] = dot / sqrt((double)D);
    if (s[r] > m) m = s[r];
  }
  for (int r = 0; r < nk; r++) sum += exp(s[r] - m);
  for (int r = 0; r < nk; r++) o += exp(s[r] - m) / sum * v[r * D + j];
  return o;
}

static double norm1(const float *x) {
  double n = 0;
  for (int i = 0; i < D; i++) n += fabs(x[i]);
  return n;
}

Test(tile, golden_tiled_within_the_float_bound) {
  static const int bcs[] = {1, 4, 16, 200};
  static const int lens[] = {7, 64, 200};
  fx_t fx;
  fx_init(&fx, 12, 8, 12, D);
  for (uint64_t seed = 1; seed <= 3; seed++)
    for (size_t li = 0; li < 3; li++)
      for (size_t bi = 0; bi < 4; bi++) {
        shape_t s = {"bidir", 1, 0, 0, 0, 0};
        wl_t w = small_wl(&s, 0, seed);
        int n = lens[li], bc = bcs[bi];
        ten_t *ten;
        err_t e;
        float *q = malloc((size_t)n * D * sizeof *q), *k = malloc((size_t)n * D * sizeof *k),
              *v = malloc((size_t)n * D * sizeof *v);
        int16_t *out = malloc((size_t)n * D * sizeof *out);
        double *sc = malloc((size_t)n * sizeof *sc), qn = 0, kn = 0, vmax = 0;
        double lsb = ldexp(1.0, -9), worst = 0, bound;
        w.ncases = 1, w.tokens[0] = n, w.layers = 1;
        cr_assert_eq(ten_open(&ten, &w, &e), 0, "%s", e.msg);
        ten_rows(ten, TEN_Q, 0, 0, 0, 0, n, q);
        ten_rows(ten, TEN_K, 0, 0, 0, 0, n, k);
        ten_rows(ten, TEN_V, 0, 0, 0, 0, n, v);
        for (int r = 0; r < n; r++) {
          if (norm1(q + r * D) > qn) qn = norm1(q + r * D);
          if (norm1(k + r * D) > kn) kn = norm1(k + r * D);
          for (int i = 0; i < D; i++)
            if (fabs(v[r * D + i]) > vmax) vmax = fabs(v[r * D + i]);
        }
        gold_head_fixed_tiled(&fx, &w, ten, 0, 0, 0, bc, out);
        for (int qi = 0; qi < n; qi++)
          for (int j = 0; j < D; j++) {
            double err = fabs(out[qi * D + j] / 256.0 -
                              ref_query(q + qi * D, k, v, n, j, sc));
            if (err > worst) worst = err;
          }
        {
          double T = (double)cdiv((uint64_t)n, (uint64_t)bc) + 2;
          double ds = (qn + kn) * lsb / 4 + D * lsb * lsb / 4 + lsb +
                      0.6931471805599453 * lsb + ldexp(1.0, -16);
          double eta = 0.6931471805599453 * lsb + ldexp(1.0, -15);
          bound = vmax * (2 * ds + 2 * T * eta + (n + 2 * T) * ldexp(1.0, -16)) +
                  2 * lsb;
        }
        cr_expect_leq(worst, bound, "seed %d n %d bc %d: error %g above %g",
                      (int)seed, n, bc, worst, bound);
        cr_expect_gt(worst, 0.0); /* the test sees the rounding at all */
        ten_close(ten);
        free(q), free(k), free(v), free(out), free(sc);
      }
}

/* The trace of a run: whether it holds an OSM (tiled) and an SMAX (row). */
static void ops_of(const cfg_t *c, const wl_t *w, int *osm, int *smax) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  insn_t in;
  err_t e;
  int rc;
  cr_assert_eq(comp_compile(c, w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  *osm = *smax = 0;
  while ((rc = trr_next(&tr, &in, &e)) == 1) {
    *osm += in.op == OP_OSM;
    *smax += in.op == OP_SMAX;
  }
  cr_assert_eq(rc, 0, "%s", e.msg);
  fclose(f);
}

Test(tile, auto_keeps_rows_where_they_fit_and_tiles_otherwise) {
  cfg_t c;
  wl_t w = small_wl(&shapes[0], 0, 1);
  int osm, smax;
  cfg_defaults(&c);
  ops_of(&c, &w, &osm, &smax); /* resident, rows fit: row mapping */
  cr_expect(smax > 0 && osm == 0);
  c.score_buffer_entries = 30; /* a 37-key row no longer fits */
  ops_of(&c, &w, &osm, &smax);
  cr_expect(osm > 0 && smax == 0);
  cfg_defaults(&c); /* K/V not resident: the row mapping would refetch */
  c.key_buffer_bytes = c.value_buffer_bytes = 20 * ROW;
  ops_of(&c, &w, &osm, &smax);
  cr_expect(osm > 0 && smax == 0);
  c.map_softmax = CFG_SMAX_ROW; /* forced */
  ops_of(&c, &w, &osm, &smax);
  cr_expect(smax > 0 && osm == 0);
}

Test(tile, a_tile_larger_than_the_buffers_is_refused) {
  cfg_t c = tiled_cfg(0, 0);
  wl_t w = small_wl(&shapes[0], 0, 1);
  FILE *f = tmpfile();
  err_t e;
  c.output_buffer_bytes = 4 * 4 * D; /* 4 output rows */
  c.tile_q = 5;
  cr_expect_eq(comp_compile(&c, &w, "tiny.yaml", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "tiny.yaml: mapping.tile_q: query block does not "
                          "fit the buffers (got 5 rows") == e.msg, "%s", e.msg);
  c.tile_q = 0;
  c.tile_kv = 4097; /* more than the 4096 score entries */
  cr_expect_eq(comp_compile(&c, &w, "tiny.yaml", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "tiny.yaml: mapping.tile_kv: K/V tile does not fit") == e.msg,
            "%s", e.msg);
  fclose(f);
}

/* Llama-3-8B's attention shape (32 heads, 8 K/V heads, head_dim 128),
 * decoding at a 4,096-token prompt: its score row (4,097 entries) does
 * not fit the default 4,096 score entries, so the row mapping refused it;
 * tiled, it runs, exact, and each K/V row is fetched once per group:
 * 8 x 4,097 x 128 x 12 / 8 bytes of keys. */
Test(tile, llama_decode_at_4k_runs_tiled_on_the_default_chip) {
  cfg_t c;
  wl_t w;
  stats_t st;
  chk_t r;
  cfg_defaults(&c);
  wl_defaults(&w);
  w.layers = 1, w.heads = 32, w.kv_heads = 8, w.head_dim = 128;
  w.phase = WL_DECODE, w.prompt = 4096, w.generate = 1;
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], 8ull * 4097 * 128 * 12 / 8);
  cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], 8ull * 4097 * 128 * 12 / 8);
  st_free(&st);
}

/* bert-base's 384-token sequence on configs/spatten-eighth.yaml: its K/V
 * buffers (25,088 B = 261 rows of 64 x 12 bits) cannot hold a head's 384
 * rows, so the row mapping streamed every head's K and V once per query:
 * 12 layers x 12 heads x 384 queries x 384 rows x 96 B x 2 = 4.08 GB.
 * Tiled, they are read once per query block: at least 10x fewer bytes. */
Test(tile, bert384_on_the_eighth_chip_reads_kv_once_per_block) {
  cfg_t c;
  wl_t w;
  stats_t st;
  err_t e;
  uint64_t row_mapping = 12ull * 12 * 384 * 384 * 96 * 2, kv;
  if (getenv("ATTNSIM_UNDER_VALGRIND")) /* 8 s here, many minutes there */
    cr_skip_test("a full bert-base layer stack under memcheck");
  cr_assert_eq(cfg_load("configs/spatten-eighth.yaml", &c, &e), 0, "%s", e.msg);
  wl_defaults(&w);
  w.layers = 12, w.heads = 12, w.head_dim = 64;
  w.ncases = 1, w.tokens[0] = 384;
  st_init(&st);
  cr_assert(run_at(&c, &w, &st, NULL, NULL).ok);
  kv = st.c[ST_DRAM_KEY_MSB_BYTES] + st.c[ST_DRAM_VALUE_BYTES];
  cr_expect_leq(kv * 10, row_mapping, "K/V %llu bytes, row mapping %llu",
                (unsigned long long)kv, (unsigned long long)row_mapping);
  st_free(&st);
}

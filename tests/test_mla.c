/* Latent attention's absorbed decode (model.v_from_k, docs/gqa.md): the
 * value rows are the first V = v_from_k elements of the key rows, so the
 * fetcher's one read of a key row fills KBUF and VBUF (LDK with VTOO).
 * Checked apart from the simulator:
 *   - bit-exact with the golden model (whose V is K's first V columns,
 *     common/tensor.c) over seeds, shapes, prefill and decode;
 *   - a window of one key: the output is that key row's first V
 *     elements, quantized, and zeros after them;
 *   - DRAM bytes, by hand from the lowering (compiler/lower_dense.c):
 *       values:  0 (never fetched as values);
 *       keys:    resident prefill: layers x kv_heads x tokens x row_bytes
 *                (one read serves both); decode, tiled (the compiler's
 *                choice for latent decode, docs/tiling.md): the key rows
 *                once per query and K/V head; decode forced to the row
 *                mapping (mapping.softmax: row): twice (its value pass
 *                fetches them again);
 *       outputs: layers x heads x queries x ceil(V x width / 8);
 *   - P x V MACs: layers x heads x sum over queries of keys x V.
 * row_bytes = head_dim x 12 / 8 (the default 12-bit datapath). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "simrun.h"

#define D 24
#define ROW (D * 12 / 8)

typedef struct shape {
  const char *name;
  int heads, kv_heads, vdim, window;
} shape_t;

static const shape_t shapes[] = {
  {"mqa", 4, 1, 16, 0},  {"gqa", 4, 2, 8, 0},   {"mha", 2, 2, 24, 0},
  {"one", 3, 1, 1, 0},   {"mqa-window", 4, 1, 16, 9},
};

static wl_t mla_wl(const shape_t *s, int decode, uint64_t seed) {
  wl_t w;
  wl_defaults(&w);
  w.layers = 2;
  w.heads = s->heads;
  w.kv_heads = s->kv_heads;
  w.head_dim = D;
  w.v_from_k = s->vdim;
  w.window = s->window;
  w.seed = seed;
  if (decode) {
    w.phase = WL_DECODE;
    w.prompt = 30;
    w.generate = 3;
  } else {
    w.causal = true;
    w.ncases = 2;
    w.tokens[0] = 20;
    w.tokens[1] = 33;
  }
  return w;
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

/* Keys the query at position p attends to (window W, no sinks). */
static uint64_t keys_at(int p, int window) {
  return window && p + 1 > window ? (uint64_t)window : (uint64_t)p + 1;
}

static uint64_t keys_total(const wl_t *w) {
  uint64_t n = 0;
  if (w->phase == WL_DECODE)
    for (int t = 0; t < w->generate; t++) n += keys_at(w->prompt + t, w->window);
  else
    for (int cs = 0; cs < w->ncases; cs++)
      for (int p = 0; p < w->tokens[cs]; p++) n += keys_at(p, w->window);
  return n;
}

static uint64_t queries_total(const wl_t *w) {
  return w->phase == WL_DECODE ? (uint64_t)w->generate
                               : (uint64_t)(w->tokens[0] + w->tokens[1]);
}

Test(mla, check_is_bit_exact_over_seeds_and_shapes) {
  cfg_t c;
  cfg_defaults(&c);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int decode = 0; decode < 2; decode++)
      for (uint64_t seed = 1; seed <= 3; seed++) {
        wl_t w = mla_wl(&shapes[i], decode, seed);
        stats_t st;
        chk_t r;
        st_init(&st);
        r = run(&c, &w, &st);
        cr_expect(r.ok, "%s %s seed %d: %s", shapes[i].name,
                  decode ? "decode" : "prefill", (int)seed, r.msg);
        st_free(&st);
      }
}

Test(mla, dram_bytes_and_macs_equal_the_closed_forms) {
  cfg_t c;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int decode = 0; decode < 3; decode++) { /* 2: decode, row mapping */
      const shape_t *s = &shapes[i];
      wl_t w = mla_wl(s, decode, 1);
      stats_t st;
      uint64_t k, o, macs;
      cfg_defaults(&c);
      if (decode == 2) c.map_softmax = CFG_SMAX_ROW;
      st_init(&st);
      cr_assert(run(&c, &w, &st).ok);
      if (decode)
        k = (uint64_t)decode * 2 * (uint64_t)s->kv_heads * keys_total(&w) * ROW;
      else
        k = 2 * (uint64_t)s->kv_heads * (20 + 33) * ROW;
      o = 2 * (uint64_t)s->heads * queries_total(&w) * (uint64_t)((s->vdim * 12 + 7) / 8);
      macs = 2 * (uint64_t)s->heads * keys_total(&w) * (uint64_t)s->vdim;
      cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], 0, "%s", s->name);
      cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], k, "%s %s: K %llu, want %llu",
                   s->name, decode ? "decode" : "prefill",
                   (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                   (unsigned long long)k);
      cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES], o, "%s", s->name);
      cr_expect_eq(st.c[ST_AV_MACS], macs, "%s", s->name);
      st_free(&st);
    }
}

/* Window 1: each query's one probability is 1, so its output row is its
 * own key row's first V elements (quantized), then zeros. */
Test(mla, window_one_outputs_the_key_rows_head) {
  cfg_t c;
  const shape_t s = {"w1", 4, 2, 10, 1};
  wl_t w = mla_wl(&s, 1, 5);
  FILE *f = tmpfile();
  trace_reader_t tr;
  ten_t *ten;
  sim_t *sim;
  stats_t st;
  err_t e;
  fx_t fx;
  float k[D];
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
        ten_rows(ten, TEN_K, 0, l, h / 2, 30 + t, 1, k);
        for (int i = 0; i < D; i++)
          cr_expect_eq(o[t * D + i], i < 10 ? fx_quant(&fx, k[i]) : 0,
                       "layer %d head %d step %d element %d", l, h, t, i);
      }
    }
  st_free(&st);
  sim_free(sim);
  ten_close(ten);
  fclose(f);
}

Test(mla, bad_values_are_located_errors) {
  static const struct {
    const char *text, *want;
  } rows[] = {
    {"model.head_dim=64\nmodel.v_from_k=65\n",
     "t:2:1: model.v_from_k: longer than a key row (got 65 with model.head_dim 64"},
    {"model.v_from_k=-1\n", "t:1:16: model.v_from_k: out of range (got -1"},
    {"model.v_from_k=32\nschedule.value_bits=8\n",
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

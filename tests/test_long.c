/* Long contexts (docs/memory.md, docs/isa.md "Wide fields"): token
 * positions and counts past 65535 through the EXT prefix, the size limits
 * judged after --wset, and runs past 65,536 tokens.
 *
 * Closed forms, from the dense decode lowering (compiler/lower_dense.c):
 * generated token t sits at position P + t and attends to keys
 * 0 .. P + t, so per layer and K/V head it fetches P + t + 1 key rows and
 * as many value rows, and one query row per query head:
 *   K bytes = layers x kv_heads x sum_t (P + t + 1) x row_bytes, V the same,
 *   Q bytes = layers x heads x T x row_bytes,
 * row_bytes = head_dim x 12 / 8 (12-bit datapath). With window W and S
 * sinks a query past W + S attends to W + S keys (test_gqa.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "npy.h"
#include "simrun.h"
#include "stats.h"
#include "testutil.h"

static wl_t long_wl(int heads, int d, int prompt, int generate) {
  wl_t w;
  wl_defaults(&w);
  w.layers = 1;
  w.heads = heads;
  w.head_dim = d;
  w.phase = WL_DECODE;
  w.ncases = 1;
  w.prompt = prompt;
  w.generate = generate;
  return w;
}

/* A config whose score buffer holds a whole long row (no tiling). */
static void long_cfg(cfg_t *c) {
  cfg_defaults(c);
  c->score_buffer_entries = 1 << 20;
}

static uint64_t kv_bytes(const wl_t *w, int row) {
  uint64_t rows = 0;
  for (int t = 0; t < w->generate; t++) rows += (uint64_t)w->prompt + t + 1;
  return (uint64_t)w->layers * (uint64_t)wl_kv_heads(w) * rows *
         (uint64_t)row;
}

/* Compile and simulate timing only. */
static void run_timing(const cfg_t *c, const wl_t *w, stats_t *st) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  sim_t *s;
  err_t e;
  cr_assert_eq(comp_compile(c, w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  s = sim_new(c, &tr.hdr.wl, NULL, "cfg", &e);
  cr_assert(s, "%s", e.msg);
  sim_timing_only(s);
  cr_assert_eq(sim_run(s, &tr, st, &e), 0, "%s", e.msg);
  sim_free(s);
  fclose(f);
}

Test(long_ctx, decode_at_131072_tokens_timing_only_dram_closed_form) {
  cfg_t c;
  wl_t w = long_wl(2, 64, 131070, 2); /* last query at position 131071 */
  stats_t st;
  err_t e;
  long_cfg(&c);
  cr_assert_eq(wl_validate(&w, "w", &e), 0, "%s", e.msg);
  st_init(&st);
  run_timing(&c, &w, &st);
  /* 2 heads x (131071 + 131072) rows x 96 B = 50,331,456 B, each */
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], kv_bytes(&w, 96));
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], UINT64_C(50331456));
  cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], UINT64_C(50331456));
  cr_expect_eq(st.c[ST_DRAM_QUERY_BYTES], UINT64_C(2 * 2 * 96));
  st_free(&st);
}

/* One token past the limit is refused. */
Test(long_ctx, limit_is_131072_positions) {
  wl_t w = long_wl(1, 16, 131071, 1);
  err_t e;
  cr_expect_eq(wl_validate(&w, "w", &e), 0, "%s", e.msg);
  w.generate = 2;
  cr_expect_eq(wl_validate(&w, "w", &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "expected <= 131072"), "%s", e.msg);
}

/* Data past 65,536 tokens: bit-exact with the golden model (K/V rows
 * made per (layer, head) on demand), DRAM bytes by the closed form. */
Test(long_ctx, data_decode_past_65536_is_bit_exact) {
  cfg_t c;
  wl_t w = long_wl(2, 16, 66000, 2);
  stats_t st;
  chk_t r;
  if (getenv("ATTNSIM_UNDER_VALGRIND"))
    cr_skip_test("66k-token golden runs: left to the plain suite");
  long_cfg(&c);
  w.kv_heads = 1;
  st_init(&st);
  r = run_at(&c, &w, &st, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(r.compared, (uint64_t)2 * 2 * 16); /* heads x T x d */
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], kv_bytes(&w, 24));
  st_free(&st);
}

/* Positions past 65535 in a window (32-bit positions in LDK addresses and
 * the sinks/window split) and in SpAtten's token list (TINIT tokens,
 * TLIST entries, TOPK counts through EXT): both bit-exact. */
Test(long_ctx, window_and_spatten_positions_past_65535) {
  cfg_t c;
  wl_t w = long_wl(2, 16, 70000, 2);
  stats_t st;
  chk_t r;
  err_t e;
  if (getenv("ATTNSIM_UNDER_VALGRIND"))
    cr_skip_test("70k-token golden runs: left to the plain suite");
  cfg_defaults(&c); /* a window fits the default score buffer */
  w.window = 32;
  w.sinks = 4;
  st_init(&st);
  r = run_at(&c, &w, &st, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  /* 2 heads x 2 queries x (32 + 4) rows x 24 B */
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], UINT64_C(2 * 2 * 36 * 24));
  st_free(&st);
  long_cfg(&c);
  w = long_wl(2, 16, 69999, 2);
  w.layers = 2;
  cr_assert_eq(wl_set(&w, "schedule.token_keep=0.5", &e), 0, "%s", e.msg);
  cr_assert_eq(wl_validate(&w, "w", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect(r.decisions > 0);
  /* layer 0 is dense over 70,000 and 70,001 keys: more than 65,535 rows
   * of 24 B per head, which 16-bit counts could not have fetched */
  cr_expect_gt(st.c[ST_DRAM_KEY_MSB_BYTES], UINT64_C(2 * 2 * 65535 * 24));
  st_free(&st);
}

/* EXT: a wide instruction round-trips through the binary trace as two
 * records, and a lone or malformed EXT is refused. */
Test(long_ctx, ext_prefix_round_trips_and_is_checked) {
  FILE *f = tmpfile();
  trace_writer_t tw;
  trace_reader_t tr;
  insn_t in, out;
  wl_t w;
  err_t e;
  uint8_t raw[16];
  wl_defaults(&w);
  memset(&in, 0, sizeof in);
  in.op = OP_TINIT;
  in.a = 131072;
  in.b = 8;
  in.d = 3;
  cr_assert_eq(trw_open(&tw, f, 1, &w, &e), 0, "%s", e.msg);
  cr_assert_eq(trw_put(&tw, &in, &e), 0, "%s", e.msg);
  in.a = 5; /* narrow: one record */
  cr_assert_eq(trw_put(&tw, &in, &e), 0, "%s", e.msg);
  cr_assert_eq(tw.count, 3); /* EXT + TINIT, TINIT */
  cr_assert_eq(trw_close(&tw, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "t", &e), 0, "%s", e.msg);
  cr_assert_eq(trr_next(&tr, &out, &e), 1, "%s", e.msg);
  cr_expect_eq(out.op, OP_TINIT);
  cr_expect_eq(out.a, 131072);
  cr_expect_eq(out.b, 8);
  cr_assert_eq(trr_next(&tr, &out, &e), 1, "%s", e.msg);
  cr_expect_eq(out.a, 5);
  cr_expect_eq(trr_next(&tr, &out, &e), 0);
  fclose(f);
  /* EXT alone is refused by the writer */
  memset(&in, 0, sizeof in);
  in.op = OP_EXT;
  in.a = 1;
  f = tmpfile();
  cr_assert_eq(trw_open(&tw, f, 1, &w, &e), 0, "%s", e.msg);
  cr_expect_eq(trw_put(&tw, &in, &e), ERR_BAD_INPUT);
  /* an EXT setting bits of a field NOP does not use, hand-encoded */
  isa_encode(&in, raw);
  cr_assert_eq(fwrite(raw, 1, 16, f), 16);
  memset(&in, 0, sizeof in);
  in.op = OP_NOP;
  isa_encode(&in, raw);
  cr_assert_eq(fwrite(raw, 1, 16, f), 16);
  tw.count = 2;
  cr_assert_eq(trw_close(&tw, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "t", &e), 0, "%s", e.msg);
  cr_expect_eq(trr_next(&tr, &out, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "EXT sets the upper bits of unused field a"), "%s",
            e.msg);
  fclose(f);
}

/* The size limits are judged after --wset: model.layers=1 brings a
 * workload of 1024 x 64 x 131072 x 128 = 2^40 elements (past 2^36)
 * within them, and the run goes through; without it the error is located
 * at the key in the file, exit 2. */
Test(long_ctx, wset_rescues_a_workload_past_the_cap) {
  char path[256], cmd[1024], *msg;
  int rc;
  tu_write(path, sizeof path, "huge-long.yaml",
           "phase: decode\nmodel: {layers: 1024, heads: 64, head_dim: 128}\n"
           "decode: {prompt: 131071, generate: 1}\n");
  snprintf(cmd, sizeof cmd, "attnsim workload --workload %s "
           ">/dev/null 2>%s.err", path, path);
  cr_expect_eq(tu_sh(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s.err", path);
  msg = tu_slurp(cmd);
  cr_assert(msg);
  snprintf(cmd, sizeof cmd, "%s:2:9: model.layers: workload too large", path);
  cr_expect(strstr(msg, cmd), "%s", msg);
  free(msg);
  snprintf(cmd, sizeof cmd, "attnsim run --config configs/spatten.yaml "
           "--workload %s --dense --timing-only --wset model.layers=1 "
           "--wset model.heads=1 --set buffers.score_entries=1048576 "
           "--quiet >/dev/null 2>%s.err", path, path);
  rc = tu_sh(cmd);
  snprintf(cmd, sizeof cmd, "%s.err", path);
  msg = tu_slurp(cmd);
  cr_expect_eq(rc, 0, "%s", msg ? msg : "");
  free(msg);
  /* an override that makes it too large is blamed on <--wset> */
  snprintf(cmd, sizeof cmd, "attnsim workload --workload %s --wset "
           "model.layers=1 --wset decode.prompt=131072 >/dev/null 2>%s.err",
           path, path);
  cr_expect_eq(tu_sh(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s.err", path);
  msg = tu_slurp(cmd);
  cr_assert(msg);
  cr_expect(strstr(msg, "<--wset>: decode.prompt: sequence too long"), "%s",
            msg);
  free(msg);
}


/* A .npy array opened without its data (npy_open) reads the same
 * elements as one read whole, and a NaN is still refused when opened. */
Test(long_ctx, npy_rows_read_when_fetched) {
  char path[256];
  int64_t shape[4] = {2, 3, 70, 4};
  float data[2 * 3 * 70 * 4], got[100];
  npy_t a, b;
  err_t e;
  for (int i = 0; i < 2 * 3 * 70 * 4; i++) data[i] = (float)i * 0.25f - 7;
  tu_write(path, sizeof path, "lazy.npy", "");
  cr_assert_eq(npy_write_f32(path, 4, shape, data, &e), 0, "%s", e.msg);
  cr_assert_eq(npy_open(path, &a, &e), 0, "%s", e.msg);
  cr_assert_eq(npy_read(path, &b, &e), 0, "%s", e.msg);
  cr_expect_null(a.data);
  cr_expect_eq(a.count, b.count);
  cr_assert_eq(npy_get(&a, 1234, 100, got), 0);
  cr_expect_arr_eq(got, b.data + 1234, sizeof got);
  cr_assert_eq(npy_get(&a, 0, 1, got), 0);
  cr_expect_eq(got[0], -7.0f);
  npy_free(&a);
  npy_free(&b);
  data[999] = NAN;
  cr_assert_eq(npy_write_f32(path, 4, shape, data, &e), 0, "%s", e.msg);
  cr_expect_eq(npy_open(path, &a, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "element 999 is NaN"), "%s", e.msg);
}

/* float16 elements read on demand: offsets count 2-byte elements. */
Test(long_ctx, npy_float16_rows_read_when_fetched) {
  char path[256], hdr[128];
  /* 1.0, -2.0, 0.5, 65504 (the largest half) as IEEE binary16 LE */
  const uint8_t data[8] = {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b};
  float got[3];
  npy_t a;
  err_t e;
  FILE *f;
  int n = snprintf(hdr, sizeof hdr, "{'descr': '<f2', 'fortran_order': "
                   "False, 'shape': (4,), }");
  while ((10 + n + 1) % 64) hdr[n++] = ' ';
  hdr[n++] = '\n';
  tu_write(path, sizeof path, "half.npy", "");
  cr_assert(f = fopen(path, "wb"));
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(n & 0xff, f);
  fputc(n >> 8, f);
  fwrite(hdr, 1, (size_t)n, f);
  fwrite(data, 1, sizeof data, f);
  fclose(f);
  cr_assert_eq(npy_open(path, &a, &e), 0, "%s", e.msg);
  cr_assert_eq(npy_get(&a, 1, 3, got), 0);
  cr_expect_eq(got[0], -2.0f);
  cr_expect_eq(got[1], 0.5f);
  cr_expect_eq(got[2], 65504.0f);
  npy_free(&a);
}

/* configs/spatten.yaml's values (the schema defaults: 4,096 score
 * entries) decode 32k- and 131,072-token contexts as they are: a row of
 * scores does not fit SBUF, so the compiler tiles the softmax
 * (docs/tiling.md), and each K/V row is read once per step and K/V head,
 * the newest from the projection (KN, VN; docs/serve.md): the closed form
 * above. */
Test(long_ctx, default_chip_decodes_32k_and_128k_tiled) {
  static const int prompts[2] = {32766, 131070};
  for (int i = 0; i < 2; i++) {
    cfg_t c;
    wl_t w = long_wl(2, 64, prompts[i], 2);
    stats_t st;
    err_t e;
    cfg_defaults(&c);
    cr_assert_eq(wl_validate(&w, "w", &e), 0, "%s", e.msg);
    st_init(&st);
    run_timing(&c, &w, &st);
    cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], kv_bytes(&w, 96), "prompt %d",
                 prompts[i]);
    cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], kv_bytes(&w, 96), "prompt %d",
                 prompts[i]);
    st_free(&st);
  }
}

/* What a run with data keeps whatever the K/V budget (wl_data_elems),
 * by hand for Llama 2 7B's shape (32 layers, 32 heads of 128) decoding 4
 * tokens after 65,532: the outputs, 4 x 32 x 32 x 128 = 2^19 elements,
 * as many K rows written when the program appends; with a 4-bit cache
 * the whole of K, 65,536 x 32 x 32 x 128 = 2^33, past WL_MAX_DATA_ELEMS
 * (2^30). Serving writes every row: 2^33 too. So the run with data is
 * refused (exit 2, naming the kept elements) only with the quantized
 * cache. */
Test(long_ctx, data_runs_are_judged_on_what_they_keep) {
  wl_t w = long_wl(32, 128, 65532, 4);
  char path[256], cmd[1024], *msg;
  w.layers = 32;
  cr_expect_eq(wl_data_elems(&w, false), (int64_t)1 << 19);
  cr_expect_eq(wl_data_elems(&w, true), (int64_t)1 << 19);
  w.kvq_bits = 4;
  cr_expect_eq(wl_data_elems(&w, true), (int64_t)1 << 33);
  w.kvq_bits = 0;
  w.phase = WL_SERVE;
  cr_expect_eq(wl_data_elems(&w, true), (int64_t)1 << 33);
  w.phase = WL_PREFILL, w.tokens[0] = 384, w.layers = 12, w.heads = 12;
  w.head_dim = 64;
  cr_expect_eq(wl_data_elems(&w, true), 384 * 12 * 12 * 64);
  tu_write(path, sizeof path, "kivi-64k.err", "");
  snprintf(cmd, sizeof cmd, "attnsim run --config configs/llm.yaml --workload "
           "workloads/llama2-7b.yaml --wset decode.prompt=65532 --wset "
           "kv_quant.bits=4 --set mapping.softmax=auto --set "
           "buffers.score_entries=65536 --quiet >/dev/null "
           "2>%s", path);
  cr_expect_eq(tu_sh(cmd), 2);
  msg = tu_slurp(path);
  cr_assert(msg);
  cr_expect(strstr(msg, "workload too large for a run with data (got "
                        "8589934592 elements of a tensor kept, expected <= "
                        "1073741824"), "%s", msg);
  free(msg);
}

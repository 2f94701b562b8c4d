/* Batched ragged decode and serve (docs/serve.md): the simulator equals
 * the golden model bit for bit, outputs and the K/V cache it writes, over
 * seeds and shapes; DRAM bytes equal closed forms derived by hand from
 * the lowering (compiler/lower_dense.c, compiler/lower_serve.c):
 *   B sequences, sequence s with prompt P_s, T generated tokens, L layers,
 *   H query heads, G K/V heads (the group fits the buffers here),
 *   row = head_dim x width / 8 bytes.
 *   Decode step t of sequence s, per layer and K/V head, reads the cache's
 *   rows the query at p = P_s + t attends to except the newest (p itself),
 *   which comes from the projection (KN / VN): keys(p) rows of K and of V
 *   in all, keys(p) = p + 1, or with window W and S sinks min(p+1, W+S).
 *     K bytes (= V bytes) = L x G x sum_s sum_t keys(P_s + t) x row
 *   Serve first prefills each prompt, its K/V resident here: P_s rows of
 *   KN and of VN per layer and K/V head, so it adds L x G x sum_s P_s x row.
 *   Appends: one K and one V row per token the cache gains, per layer and
 *   K/V head: write bytes - output bytes =
 *     2 x L x G x sum_s (decode: T, serve: P_s + T) x row
 *   Outputs: L x H x queries x row, queries = B x T (decode) or
 *   sum_s (P_s + T) (serve); queries read as many Q rows.
 *   tokens/s = B x T / (cycles / (clock_ghz x 1e9)). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "dram_hbm2.h"
#include "engine.h"
#include "report.h"
#include "simrun.h"
#include "testutil.h"

#define D 16

typedef struct shape {
  const char *name;
  int heads, kv_heads, window, sinks, batch, nprompts;
  int prompts[4];
} shape_t;

static const shape_t shapes[] = {
  {"mha-ragged", 4, 0, 0, 0, 3, 3, {5, 17, 0}},
  {"gqa-ragged", 4, 2, 0, 0, 4, 4, {9, 1, 30, 12}},
  {"mqa-equal", 4, 1, 0, 0, 3, 1, {11}},
  {"window-sinks", 4, 2, 6, 2, 3, 3, {20, 3, 9}},
  {"one", 2, 0, 0, 0, 1, 1, {7}},
};

static wl_t wl_of(const shape_t *s, wl_phase_t phase, uint64_t seed) {
  wl_t w;
  wl_defaults(&w);
  w.layers = 2;
  w.heads = s->heads;
  w.kv_heads = s->kv_heads;
  w.head_dim = D;
  w.window = s->window;
  w.sinks = s->sinks;
  w.seed = seed;
  w.phase = phase;
  w.batch = s->batch;
  w.nprompts = s->nprompts;
  memcpy(w.prompts, s->prompts, sizeof s->prompts);
  w.generate = 3;
  return w;
}

static int P(const shape_t *s, int i) {
  return s->prompts[s->nprompts == 1 ? 0 : i];
}

static int kv_of(const shape_t *s) { return s->kv_heads ? s->kv_heads : s->heads; }

static uint64_t keys_at(int p, int window, int sinks) {
  uint64_t all = (uint64_t)p + 1;
  if (!window || all <= (uint64_t)(window + sinks)) return all;
  return (uint64_t)(window + sinks);
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

/* Default buffers, and small ones that stream serve's longer prompts. */
static void configs(cfg_t *big, cfg_t *small) {
  cfg_defaults(big);
  cfg_defaults(small);
  small->key_buffer_bytes = small->value_buffer_bytes = 12 * (D * 12 / 8);
  small->chunk_rows = 4;
}

Test(serve, check_is_bit_exact_over_seeds_and_shapes) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int ph = 0; ph < 2; ph++)
      for (uint64_t seed = 1; seed <= 3; seed++)
        for (int k = 0; k < 2; k++) {
          wl_t w = wl_of(&shapes[i], ph ? WL_SERVE : WL_DECODE, seed);
          stats_t st;
          chk_t r;
          uint64_t q = 0;
          for (int s = 0; s < w.batch; s++)
            q += (uint64_t)w.generate + (ph ? (uint64_t)P(&shapes[i], s) : 0);
          st_init(&st);
          r = run(&cf[k], &w, &st);
          cr_expect(r.ok, "%s %s seed %d cfg %d: %s", shapes[i].name,
                    ph ? "serve" : "decode", (int)seed, k, r.msg);
          cr_expect(strstr(r.msg, "K/V cache"), "%s", r.msg);
          cr_expect_eq(r.compared, (size_t)2 * (size_t)w.heads * q * D);
          st_free(&st);
        }
}

/* A cache row the run never appends is caught: the golden cache has it. */
Test(serve, a_missing_append_fails_the_check) {
  cfg_t c;
  wl_t w = wl_of(&shapes[0], WL_DECODE, 1);
  stats_t st;
  err_t e;
  FILE *f = tmpfile();
  trace_reader_t tr;
  ten_t *ten;
  sim_t *s;
  chk_t r;
  lay_loc_t at = {LAY_K, 1, 1, 0, 17 + 2, };
  int16_t zero[D] = {0};
  cfg_defaults(&c);
  st_init(&st);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0, "%s", e.msg);
  s = sim_new(&c, &tr.hdr.wl, ten, "cfg", &e);
  cr_assert(s, "%s", e.msg);
  cr_assert_eq(sim_run(s, &tr, &st, &e), 0, "%s", e.msg);
  /* undo sequence 1's last append in layer 1 (row P + T - 1) */
  cr_assert_eq(mi_write((memimg_t *)sim_memimg(s), &at, zero), 0);
  cr_assert_eq(chk_run(&c, &tr.hdr.wl, ten, sim_memimg(s), NULL, &r), 0);
  cr_expect(!r.ok && r.mismatches > 0 && strstr(r.msg, "K cache"), "%s",
            r.msg);
  sim_free(s);
  ten_close(ten);
  fclose(f);
  st_free(&st);
}

Test(serve, dram_bytes_equal_the_closed_forms) {
  cfg_t c;
  cfg_defaults(&c);
  uint64_t row = (uint64_t)D * (uint64_t)c.width / 8;
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int ph = 0; ph < 2; ph++) {
      const shape_t *sh = &shapes[i];
      wl_t w = wl_of(sh, ph ? WL_SERVE : WL_DECODE, 5);
      uint64_t kv = 0, app = 0, q = 0, L = 2, G = (uint64_t)kv_of(sh);
      stats_t st;
      chk_t r;
      for (int s = 0; s < w.batch; s++) {
        for (int t = 0; t < w.generate; t++)
          kv += keys_at(P(sh, s) + t, sh->window, sh->sinks);
        if (ph) kv += (uint64_t)P(sh, s); /* serve's prefill, resident */
        app += (uint64_t)w.generate + (ph ? (uint64_t)P(sh, s) : 0);
        q += (uint64_t)w.generate + (ph ? (uint64_t)P(sh, s) : 0);
      }
      st_init(&st);
      r = run(&c, &w, &st);
      cr_expect(r.ok, "%s: %s", sh->name, r.msg);
      cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], L * G * kv * row, "%s %d K",
                   sh->name, ph);
      cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], L * G * kv * row, "%s %d V",
                   sh->name, ph);
      cr_expect_eq(st.c[ST_DRAM_QUERY_BYTES],
                   L * (uint64_t)w.heads * q * row, "%s %d Q", sh->name, ph);
      cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES],
                   L * (uint64_t)w.heads * q * row, "%s %d O", sh->name, ph);
      cr_expect_eq(st.c[ST_DRAM_WRITE_BYTES] - st.c[ST_DRAM_OUTPUT_BYTES],
                   2 * L * G * app * row, "%s %d appends", sh->name, ph);
      st_free(&st);
    }
}

/* Regression: cache appends add writes, so a run can reach a point where
 * the store unit's only requests were writes, every one acknowledged,
 * and a channel's write queue is full and still draining: the next store
 * is refused while nothing is in flight. The HBM2 model's next_event must
 * still name the cycle its queue frees room (mem.h's contract), else the
 * engine found no event and reported "simulation stalled". MQA with a
 * window of 1 and small K/V buffers did it with the default core.window
 * (64): one K row and one V row appended per layer and step land in the
 * output stores' channel. Closed forms as at the top: keys(p) = 1. */
Test(serve, full_write_queue_with_nothing_in_flight_does_not_stall) {
  cfg_t c;
  wl_t w;
  uint64_t row = 16 * 12 / 8, L = 2, G = 1, H = 4, T = 3;
  cfg_defaults(&c);
  c.key_buffer_bytes = c.value_buffer_bytes = 20 * (int)row;
  c.chunk_rows = 8;
  wl_defaults(&w);
  w.layers = 2;
  w.heads = 4;
  w.kv_heads = 1;
  w.head_dim = 16;
  w.window = 1;
  w.phase = WL_DECODE;
  w.prompt = 40;
  w.generate = 3;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    stats_t st;
    chk_t r;
    w.seed = seed;
    st_init(&st);
    r = run(&c, &w, &st); /* asserts the run ends without an error */
    cr_expect(r.ok, "seed %d: %s", (int)seed, r.msg);
    cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], L * G * T * row);
    cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], L * G * T * row);
    cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES], L * H * T * row);
    cr_expect_eq(st.c[ST_DRAM_WRITE_BYTES] - st.c[ST_DRAM_OUTPUT_BYTES],
                 2 * L * G * T * row);
    st_free(&st);
  }
}

/* The same at the DRAM port alone: one-burst writes offered one per
 * cycle, each to another row of bank 0 of channel 0, so the bank's
 * command queue (dram.command_queue_depth) fills and drains one row miss
 * at a time while the write queue fills up. Driven as the engine does
 * (after a cycle with nothing pushed or popped, jump to next_event) every
 * write must be accepted, at the same cycles as when every cycle is
 * visited (which needs no next_event); some must have been refused. */
static void drive_writes(mem_t *m, uint64_t *acc, int n, bool every_cycle) {
  uint64_t now = 0;
  int i = 0, acked = 0;
  while (acked < n) {
    mem_req_t out, q = {0};
    bool moved = false;
    while (m->ops->pop_done(m, now, &out)) acked++, moved = true;
    if (i < n && (uint64_t)i <= now) {
      q.addr = (uint64_t)i << 20; /* rows above every other address field */
      q.bytes = 64;
      q.write = true;
      q.tag = (uint32_t)i;
      if (m->ops->can_accept(m, &q)) {
        m->ops->push(m, &q, now);
        acc[i++] = now, moved = true;
      }
    }
    if (acked == n) break;
    if (every_cycle || moved || (i < n && (uint64_t)i > now)) {
      now++;
    } else {
      uint64_t next = m->ops->next_event(m, UINT64_MAX);
      cr_assert(next > now && next != UINT64_MAX,
                "stalled at cycle %llu with write %d refused, none in flight",
                (unsigned long long)now, i);
      now = next;
    }
    cr_assert_lt(now, (uint64_t)10000000, "runaway");
  }
}

Test(serve, dram_names_the_cycle_a_full_write_queue_frees_room) {
  enum { N = 80 };
  static uint64_t a[N], b[N];
  cfg_t c;
  stats_t sa, sb;
  mem_t *m;
  int late = 0;
  cfg_defaults(&c);
  cr_assert_str_eq(c.dram_model, "hbm2");
  c.dram_channels = 1;
  st_init(&sa);
  st_init(&sb);
  m = dram_hbm2_new(&c, dram_clock_ghz(&c), &sa);
  cr_assert_not_null(m);
  drive_writes(m, a, N, true);
  m->ops->destroy(m);
  m = dram_hbm2_new(&c, dram_clock_ghz(&c), &sb);
  cr_assert_not_null(m);
  drive_writes(m, b, N, false);
  m->ops->destroy(m);
  for (int i = 0; i < N; i++) {
    cr_expect_eq(a[i], b[i], "write %d accepted at %llu, cycle by cycle %llu",
                 i, (unsigned long long)b[i], (unsigned long long)a[i]);
    late += a[i] > (uint64_t)i;
  }
  cr_expect_gt(late, 0, "no write was refused: the case is not exercised");
  st_free(&sa);
  st_free(&sb);
}

/* tokens/s and the per-sequence latencies through the report. */
Test(serve, tokens_per_second_and_latency) {
  cfg_t c;
  shape_t eq = {"equal", 4, 2, 0, 0, 4, 1, {13}};
  cfg_defaults(&c);
  c.clock_ghz = 1.5;
  for (int ph = 0; ph < 2; ph++) {
    wl_t w = wl_of(&eq, ph ? WL_SERVE : WL_DECODE, 2);
    stats_t st;
    rep_t rp;
    double tps, lat[4], mx;
    char path[64];
    st_init(&st);
    cr_assert(run(&c, &w, &st).ok);
    memset(&rp, 0, sizeof rp);
    rp.cfg = &c;
    rp.wl = &w;
    rp.st = &st;
    cr_assert_eq(rep_value(&rp, "serve.tokens_per_s", &tps), 0);
    cr_expect(fabs(tps - 4.0 * 3 * 1.5e9 / (double)st.c[ST_CYCLES]) <=
              1e-9 * tps, "%g", tps);
    cr_assert_eq(rep_value(&rp, "serve.latency_max_cycles", &mx), 0);
    cr_expect_eq((uint64_t)mx, st.c[ST_CYCLES]);
    /* equal prompts: sequences finish in batch order, the last one last */
    for (int s = 0; s < 4; s++) {
      uint64_t m = 0;
      for (int i = 0; i < st.nlayers; i++)
        if (st.layers[i].cs == s && st.layers[i].end_cycle > m)
          m = st.layers[i].end_cycle;
      lat[s] = (double)m;
      if (s) cr_expect_lt(lat[s - 1], lat[s], "%s seq %d", ph ? "serve" : "decode", s);
    }
    cr_expect_eq((uint64_t)lat[3], st.c[ST_CYCLES]);
    snprintf(path, sizeof path, "serve.sequences");
    cr_assert_eq(rep_value(&rp, path, &mx), 0);
    cr_expect_eq((int)mx, 4);
    st_free(&st);
  }
  {
    wl_t w;
    stats_t st;
    rep_t rp;
    double v;
    wl_defaults(&w);
    w.layers = 1;
    w.tokens[0] = 8;
    st_init(&st);
    memset(&rp, 0, sizeof rp);
    rp.cfg = &c;
    rp.wl = &w;
    rp.st = &st;
    cr_expect_neq(rep_value(&rp, "serve.tokens_per_s", &v), 0,
                  "prefill reports no serve figures");
    st_free(&st);
  }
}

/* Through the command line: the prompt list and the JSON's latency list. */
Test(serve, workload_file_and_json) {
  const char *bin = getenv("ATTNSIM") ? getenv("ATTNSIM") : "build/attnsim";
  char cmd[1024], *json;
  FILE *f = fopen("build/tests/tmp/serve.yaml", "w");
  if (!f) {
    cr_assert_eq(tu_sh("mkdir -p build/tests/tmp"), 0);
    f = fopen("build/tests/tmp/serve.yaml", "w");
  }
  cr_assert(f);
  fputs("name: t\nmodel: {layers: 1, heads: 2, head_dim: 16}\nphase: serve\n"
        "decode:\n  batch: 2\n  prompt: [3, 6]\n  generate: 2\n", f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "%s run --config configs/dense.yaml --workload "
           "build/tests/tmp/serve.yaml --check --json build/tests/tmp/serve.json"
           " > build/tests/tmp/serve.txt", bin);
  cr_assert_eq(tu_sh(cmd), 0);
  json = tu_slurp("build/tests/tmp/serve.json");
  cr_assert(json);
  cr_expect(strstr(json, "\"phase\": \"serve\""));
  cr_expect(strstr(json, "\"generated_tokens\": 4"));
  cr_expect(strstr(json, "{\"sequence\": 1, \"prompt\": 6, \"cycles\": "));
  free(json);
  json = tu_slurp("build/tests/tmp/serve.txt");
  cr_assert(json);
  cr_expect(strstr(json, "check      ok"), "%s", json);
  cr_expect(strstr(json, "tokens/s"));
  free(json);
}

/* SpAtten's tiled mapping (docs/spatten.md, "Tiled mapping"): three passes
 * over K tiles (max, exp sum, probabilities) give SMAX's probabilities bit
 * for bit, so --check against the unchanged golden model (golden/spatten.c)
 * passes with every decision equal; its DRAM key bytes and QK MACs follow
 * hand-derived closed forms; a decode whose row does not fit SBUF runs
 * tiled; local value pruning is refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "schedule.h"
#include "simrun.h"

/* token, head, value keep; key MSB, LSB bits; value bits; threshold */
typedef struct tcase {
  const char *name;
  double token, head, value;
  int msb, lsb, vbits;
  double thr;
} tcase_t;

static const tcase_t cases[] = {
  {"tokens+heads", 0.6, 0.7, 1, 0, 0, 0, 0},
  {"quant-some-refetch", 1, 1, 1, 6, 6, 0, 0.3},
  {"quant-all-refetch", 1, 1, 1, 6, 4, 0, 1.0},
  {"everything-but-values", 0.6, 0.7, 1, 7, 3, 8, 0.2},
};

static void set_sched(wl_t *w, const tcase_t *s) {
  double v[WL_S_COUNT] = {s->token, s->head, s->value, s->msb, s->lsb,
                          s->vbits, s->thr};
  for (int k = 0; k < WL_S_COUNT; k++) {
    w->sched_n[k] = 1;
    w->sched[k][0] = v[k];
  }
  if (s->token < 1 || s->head < 1) { /* none in layer 0, as SpAtten's */
    w->sched_n[WL_S_TOKEN_KEEP] = w->sched_n[WL_S_HEAD_KEEP] = w->layers;
    for (int l = 0; l < w->layers; l++) {
      w->sched[WL_S_TOKEN_KEEP][l] = l ? s->token : 1;
      w->sched[WL_S_HEAD_KEEP][l] = l ? s->head : 1;
    }
  }
}

static wl_t small_wl(int decode, uint64_t seed) {
  wl_t w;
  wl_defaults(&w);
  w.layers = 3;
  w.heads = 4;
  w.head_dim = 16;
  w.seed = seed;
  w.causal = false;
  if (decode) {
    w.phase = WL_DECODE;
    w.prompt = 40;
    w.generate = 3;
  } else {
    w.ncases = 2;
    w.tokens[0] = 24;
    w.tokens[1] = 37;
  }
  return w;
}

/* Tiled forced with 16-key tiles; small: K/V buffers of 768 bytes, 32
 * rows of 16 x 12 bits (the default width), so keys and values (24..43
 * per query, resident only when twice that fits) are never resident. */
static cfg_t tiled_cfg(bool small) {
  cfg_t c;
  cfg_defaults(&c);
  c.map_softmax = CFG_SMAX_TILED;
  c.tile_kv = 16;
  if (small) {
    c.key_buffer_bytes = c.value_buffer_bytes = 24 * 32;
    c.chunk_rows = 8;
    c.topk_parallelism = 4;
  }
  return c;
}

/* Opcode counts of the compiled trace: TSM (tiled) and SMAX (row). */
static void ops_of(const cfg_t *c, const wl_t *w, int *tsm, int *smax) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  insn_t in;
  err_t e;
  int rc;
  cr_assert_eq(comp_compile(c, w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  *tsm = *smax = 0;
  while ((rc = trr_next(&tr, &in, &e)) == 1) {
    *tsm += in.op == OP_TSM;
    *smax += in.op == OP_SMAX;
  }
  cr_assert_eq(rc, 0, "%s", e.msg);
  fclose(f);
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  return run_at(c, w, st, NULL, NULL);
}

/* Outputs and decisions equal the golden model's, over 3 seeds, prefill
 * and decode, resident and streamed keys; the trace is tiled. */
Test(spatten_tile, check_is_bit_exact_over_seeds_and_schedules) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (int decode = 0; decode < 2; decode++)
      for (int small = 0; small < 2; small++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
          cfg_t c = tiled_cfg(small);
          wl_t w = small_wl(decode, seed);
          stats_t st;
          chk_t r;
          int tsm, smax;
          set_sched(&w, &cases[i]);
          cr_assert(sched_active(&w, c.width));
          ops_of(&c, &w, &tsm, &smax);
          cr_expect(tsm > 0 && smax == 0, "%s: not tiled", cases[i].name);
          st_init(&st);
          r = run(&c, &w, &st);
          cr_expect(r.ok, "%s %s seed %d %s: %s", cases[i].name,
                    decode ? "decode" : "prefill", (int)seed,
                    small ? "streamed" : "resident", r.msg);
          cr_expect(r.compared > 0 && r.decisions > 0);
          if (cases[i].thr >= 1) /* every query refetches */
            cr_expect_eq(st.c[ST_REFETCHES], st.c[ST_REFETCH_CHECKS]);
          if (cases[i].lsb && cases[i].thr > 0)
            cr_expect(st.c[ST_REFETCHES] > 0, "%s: no refetch", cases[i].name);
          st_free(&st);
        }
}

/* Decode's cascade across steps (TOPK_CONTEXT, TINIT_CARRY): token_keep
 * 0.5 on the last layer only; tiled, the outputs and decisions equal the
 * golden model's and exactly one context top-k runs (as the row mapping,
 * tests/test_spatten_sim.c: 41 tokens keep sched_keep(0.5, 42) - 1 = 20;
 * step 1's 21 = sched_keep(0.5, 43) - 1 need none). */
Test(spatten_tile, decode_cascade_equals_golden) {
  for (int small = 0; small < 2; small++)
    for (uint64_t seed = 1; seed <= 3; seed++) {
      cfg_t c = tiled_cfg(small);
      wl_t w = small_wl(1, seed);
      stats_t st;
      chk_t r;
      w.sched_n[WL_S_TOKEN_KEEP] = w.layers;
      for (int l = 0; l < w.layers; l++)
        w.sched[WL_S_TOKEN_KEEP][l] = l == w.layers - 1 ? 0.5 : 1;
      st_init(&st);
      r = run(&c, &w, &st);
      cr_expect(r.ok, "seed %d: %s", (int)seed, r.msg);
      cr_expect_eq(st.c[ST_TOPK_RUNS], 1, "seed %d: %llu top-k runs",
                   (int)seed, (unsigned long long)st.c[ST_TOPK_RUNS]);
      st_free(&st);
    }
}

/* Closed forms (docs/spatten.md): non-causal prefill of N tokens, L
 * layers, H heads, d = 16, keys at the datapath's W bits, a row of
 * R = d W / 8 bytes (value_bits 8 alone makes the schedule SpAtten's: no
 * pruning, no refetch). Every query meets N keys in each of the three
 * passes: QK MACs 3 L H N^2 d (the row mapping: L H N^2 d). Keys
 * streamed: each pass fetches them, 3 L H N^2 R bytes (row: L H N^2 R);
 * resident (2 N <= KBUF rows): once per head, L H N R. */
Test(spatten_tile, key_bytes_and_qk_macs_follow_the_closed_forms) {
  const uint64_t L = 3, H = 4, d = 16;
  for (int small = 0; small < 2; small++)
    for (int tiled = 0; tiled < 2; tiled++) {
      cfg_t c = tiled_cfg(small);
      wl_t w = small_wl(0, 1);
      tcase_t s = {"vbits", 1, 1, 1, 0, 0, 8, 0};
      uint64_t n2 = 24 * 24 + 37 * 37, n1 = 24 + 37, passes = tiled ? 3 : 1;
      uint64_t R = d * (uint64_t)c.width / 8;
      uint64_t want_k = small ? passes * L * H * n2 * R : L * H * n1 * R;
      stats_t st;
      chk_t r;
      if (!tiled) c.map_softmax = CFG_SMAX_ROW;
      set_sched(&w, &s);
      st_init(&st);
      r = run(&c, &w, &st);
      cr_expect(r.ok, "%s", r.msg);
      cr_expect_eq(st.c[ST_QK_MACS], passes * L * H * n2 * d, "got %llu",
                   (unsigned long long)st.c[ST_QK_MACS]);
      cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], want_k,
                   "%s %s: got %llu want %llu", small ? "streamed" : "resident",
                   tiled ? "tiled" : "row",
                   (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                   (unsigned long long)want_k);
      /* each pass reads every key's score once */
      cr_expect_eq(st.c[ST_SOFTMAX_ELEMS], passes * L * H * n2);
      st_free(&st);
    }
}

/* Every query refetching (threshold 1; 6 MSB + 4 LSB bits), keys
 * streamed, tiled: passes 0 and 1 run again on full keys and pass 2 adds
 * a QK FULL, so QK MACs are 6 L H N^2 d; MSB loads: 3 passes plus the 2
 * repeated ones, 5 L H N^2 R_msb with R_msb = d 6 / 8 bytes; the LSBs are
 * loaded at most 3 times, and at least once, per key and query. */
Test(spatten_tile, refetch_costs_follow_the_closed_forms) {
  const uint64_t L = 3, H = 4, d = 16, n2 = 24 * 24 + 37 * 37;
  cfg_t c = tiled_cfg(true);
  wl_t w = small_wl(0, 1);
  stats_t st;
  chk_t r;
  set_sched(&w, &cases[2]);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(st.c[ST_REFETCHES], L * H * (24 + 37));
  cr_expect_eq(st.c[ST_QK_MACS], 6 * L * H * n2 * d, "got %llu",
               (unsigned long long)st.c[ST_QK_MACS]);
  cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], 5 * L * H * n2 * d * 6 / 8,
               "got %llu", (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES]);
  cr_expect(st.c[ST_DRAM_KEY_LSB_BYTES] <= 3 * L * H * n2 * d * 4 / 8 &&
                st.c[ST_DRAM_KEY_LSB_BYTES] >= L * H * n2 * d * 4 / 8,
            "got %llu", (unsigned long long)st.c[ST_DRAM_KEY_LSB_BYTES]);
  st_free(&st);
}

/* A SpAtten decode whose 41..43-key rows do not fit a 32-entry score
 * buffer: refused before, now tiled under mapping.softmax auto, equal to
 * the golden model; with local value pruning it is refused, naming the
 * score buffer (auto) or mapping.softmax (forced tiled). */
Test(spatten_tile, a_row_larger_than_sbuf_runs_tiled) {
  cfg_t c;
  wl_t w = small_wl(1, 2);
  tcase_t s = {"everything-but-values", 0.6, 0.7, 1, 7, 3, 8, 0.2};
  stats_t st;
  chk_t r;
  err_t e;
  int tsm, smax;
  FILE *f;
  cfg_defaults(&c);
  c.score_buffer_entries = 32;
  set_sched(&w, &s);
  ops_of(&c, &w, &tsm, &smax);
  cr_expect(tsm > 0 && smax == 0);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  st_free(&st);
  cfg_defaults(&c); /* rows fit: auto keeps the row mapping */
  ops_of(&c, &w, &tsm, &smax);
  cr_expect(smax > 0 && tsm == 0);
  w.sched[WL_S_VALUE_KEEP][0] = 0.5;
  c.score_buffer_entries = 32;
  f = tmpfile();
  cr_expect_eq(comp_compile(&c, &w, "cfg", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "cfg: buffers.score_entries: score buffer too small") == e.msg,
            "%s", e.msg);
  fclose(f);
  cfg_defaults(&c);
  c.map_softmax = CFG_SMAX_TILED;
  f = tmpfile();
  cr_expect_eq(comp_compile(&c, &w, "cfg", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "cfg: mapping.softmax: SpAtten's local value pruning") == e.msg,
            "%s", e.msg);
  fclose(f);
}

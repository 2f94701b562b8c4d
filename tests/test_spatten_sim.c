/* The simulator executes SpAtten's schedules on data: over many seeds and
 * schedules (prefill and decode, every technique alone and together), its
 * outputs and every run-time decision (tokens, heads and values kept, low-
 * bit refetches) equal the golden model's (golden/spatten.c), and the DRAM
 * bytes by kind follow from the decisions. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "schedule.h"
#include "simrun.h"

typedef struct sched_case {
  const char *name;
  double token, head, value;
  int msb, lsb, vbits;
  double thr;
} sched_case_t;

static const sched_case_t cases[] = {
  {"tokens", 0.5, 1, 1, 0, 0, 0, 0},
  {"heads", 1, 0.5, 1, 0, 0, 0, 0},
  {"values", 1, 1, 0.3, 0, 0, 0, 0},
  {"quant-all-refetch", 1, 1, 1, 6, 4, 0, 1.0},
  {"quant-no-refetch", 1, 1, 1, 6, 4, 8, 0.0},
  {"quant-some", 1, 1, 1, 6, 6, 0, 0.3},
  {"everything", 0.6, 0.7, 0.4, 7, 3, 8, 0.2},
};

static void set_sched(wl_t *w, const sched_case_t *s) {
  double v[WL_S_COUNT] = {s->token, s->head, s->value, s->msb, s->lsb,
                          s->vbits, s->thr};
  for (int k = 0; k < WL_S_COUNT; k++) {
    w->sched_n[k] = 1;
    w->sched[k][0] = v[k];
  }
  /* no token or head pruning in layer 0, as SpAtten's schedules */
  if (s->token < 1 || s->head < 1) {
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

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  return run_at(c, w, st, NULL, NULL);
}

/* Small buffers force the streamed paths (keys per query, chunks). */
static void configs(cfg_t *big, cfg_t *small) {
  cfg_defaults(big);
  cfg_defaults(small);
  small->key_buffer_bytes = small->value_buffer_bytes = 24 * 24;
  small->chunk_rows = 8;
  small->topk_parallelism = 4;
}

Test(spatten_sim, decisions_and_outputs_equal_golden_over_seeds) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (int decode = 0; decode < 2; decode++)
      for (uint64_t seed = 1; seed <= 3; seed++)
        for (int k = 0; k < 2; k++) {
          wl_t w = small_wl(decode, seed);
          stats_t st;
          chk_t r;
          set_sched(&w, &cases[i]);
          cr_assert(sched_active(&w, cf[k].width));
          st_init(&st);
          r = run(&cf[k], &w, &st);
          cr_expect(r.ok, "%s %s seed %d %s config: %s", cases[i].name,
                    decode ? "decode" : "prefill", (int)seed,
                    k ? "small" : "default", r.msg);
          cr_expect(r.compared > 0);
          st_free(&st);
        }
}

/* --check names a corrupted output by case, layer, head, query and
 * element, against the schedule's golden model. */
Test(spatten_sim, check_names_a_corrupted_element) {
  cfg_t c;
  wl_t w = small_wl(0, 1);
  stats_t st;
  chk_t r;
  lay_loc_t at = {LAY_O, 1, 0, 2, 5};
  int16_t was;
  char want[256];
  cfg_defaults(&c);
  set_sched(&w, &cases[0]);
  st_init(&st);
  r = run_at(&c, &w, &st, &at, &was);
  snprintf(want, sizeof want, "mismatch at case 1 layer 0 head 2 query 5 "
           "element 1: simulator %d, golden %d (SpAtten schedule)",
           was ^ 1, was);
  cr_expect(!r.ok);
  cr_expect_eq(r.mismatches, 1);
  cr_expect_str_eq(r.msg, want);
  st_free(&st);
}

/* Threshold 1 refetches every query, 0 none; key LSB bytes follow:
 * every refetch fetches nk rows of d * lsb / 8 bytes. Decode, one head,
 * one layer: step t has nk = prompt + t + 1 keys. */
Test(spatten_sim, refetch_bytes_follow_the_decisions) {
  cfg_t c;
  cfg_defaults(&c);
  for (int all = 0; all < 2; all++) {
    wl_t w;
    stats_t st;
    chk_t r;
    uint64_t want = 0;
    sched_case_t s = {"q", 1, 1, 1, 6, 4, 0, all ? 1.0 : 0.0};
    wl_defaults(&w);
    w.layers = 1;
    w.heads = 1;
    w.head_dim = 16;
    w.phase = WL_DECODE;
    w.prompt = 30;
    w.generate = 4;
    set_sched(&w, &s);
    st_init(&st);
    r = run(&c, &w, &st);
    cr_expect(r.ok, "%s", r.msg);
    for (int t = 0; t < 4; t++) want += all ? (uint64_t)(30 + t + 1) * 16 * 4 / 8 : 0;
    cr_expect_eq(st.c[ST_REFETCHES], all ? 4u : 0u);
    cr_expect_eq(st.c[ST_DRAM_KEY_LSB_BYTES], want, "got %llu want %llu",
                 (unsigned long long)st.c[ST_DRAM_KEY_LSB_BYTES],
                 (unsigned long long)want);
    cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], (uint64_t)(31 + 32 + 33 + 34) * 16 * 6 / 8);
    st_free(&st);
  }
}

/* Regression: make reproduce's token-only ablation (gpt2-small.yaml on
 * spatten.yaml, every technique but token pruning off), cut to 7 layers
 * and 2 decode steps, failed --check at step 1, layer 0, head 0 ("simulator
 * -4, golden -22" on the whole run): layer 6 of step 0 left the value
 * ring's head mid-buffer, so step 1's head 0 kept its values at rows
 * 398..1391 and head 1's resident values wrapped to rows 0..993 while head
 * 0's P x V, software-pipelined behind head 1's loads, was still to read
 * them. The compiler now emits the pending P x V before such loads. */
Test(spatten_sim, token_only_ablation_of_gpt2_small_equals_golden) {
  static const char *const sets[] = {
      "schedule.head_keep=1", "schedule.value_keep=1",
      "schedule.key_msb_bits=0", "schedule.key_lsb_bits=0",
      "schedule.value_bits=0", "decode.generate=2"};
  cfg_t c;
  wl_t w;
  err_t e;
  stats_t st;
  chk_t r;
  cr_assert_eq(cfg_load("configs/spatten.yaml", &c, &e), 0, "%s", e.msg);
  cr_assert_eq(wl_load("workloads/gpt2-small.yaml", &w, &e), 0, "%s", e.msg);
  wl_keep_layers(&w, 7);
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
    cr_assert_eq(wl_set(&w, sets[i], &e), 0, "%s", e.msg);
  cr_assert_eq(wl_validate(&w, "<test>", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(r.compared, (uint64_t)2 * 7 * 12 * 64, "got %llu",
               (unsigned long long)r.compared);
  st_free(&st);
}

/* Regression: gpt2-small.yaml on spatten-eighth.yaml failed --check ("head
 * 9 query 0 element 0: simulator 15, golden 0" with one layer and one
 * step). Its 1,024 score entries hold one query's 993 scores but not two,
 * so every query's scores sat at entry 0, and the next head's front half
 * (QK, softmax), software-pipelined before this head's back half, wrote
 * over the scores its value top-k and P x V still had to read. Shrunk to
 * 2 heads and local value pruning alone it fails at head 0; with the whole
 * schedule a refetch rewriting the scores hides it for some heads, so the
 * reported 12-head case is kept too. The compiler now emits the pending
 * back half first when the front would overwrite what it reads. Expected:
 * every output equal to the golden model's, 1 step x 1 layer x heads x 64
 * elements compared. */
Test(spatten_sim, score_buffer_of_one_query_equals_golden) {
  static const char *const prune_only[] = {
      "model.heads=2", "schedule.key_msb_bits=0", "schedule.key_lsb_bits=0",
      "schedule.value_bits=0", "decode.generate=1"};
  static const char *const reported[] = {"decode.generate=1"};
  const char *const *sets[] = {prune_only, reported};
  const size_t nsets[] = {5, 1};
  const int heads[] = {2, 12};
  for (int v = 0; v < 2; v++) {
    cfg_t c;
    wl_t w;
    err_t e;
    stats_t st;
    chk_t r;
    cr_assert_eq(cfg_load("configs/spatten-eighth.yaml", &c, &e), 0, "%s",
                 e.msg);
    cr_assert_eq(wl_load("workloads/gpt2-small.yaml", &w, &e), 0, "%s",
                 e.msg);
    wl_keep_layers(&w, 1);
    for (size_t i = 0; i < nsets[v]; i++)
      cr_assert_eq(wl_set(&w, sets[v][i], &e), 0, "%s", e.msg);
    cr_assert_eq(wl_validate(&w, "<test>", &e), 0, "%s", e.msg);
    /* the case needs one query's scores to fit and two not to */
    cr_assert(w.prompt + 1 <= c.score_buffer_entries &&
              2 * (w.prompt + 1) > c.score_buffer_entries);
    st_init(&st);
    r = run(&c, &w, &st);
    cr_expect(r.ok, "%d heads: %s", heads[v], r.msg);
    cr_expect_eq(r.compared, (uint64_t)heads[v] * 64, "got %llu",
                 (unsigned long long)r.compared);
    st_free(&st);
  }
}

/* softmax.busy_cycles is the softmax's occupancy (sim/timing.h): decode
 * without refetch or pruning runs one SMAX per step, layer and head over
 * prompt + t + 1 = 41..43 keys; at 32 lanes each takes 3 * ceil(n / 32)
 * = 6 cycles of passes plus max_latency 4 + exp_latency 8: 18 cycles,
 * 3 steps x 3 layers x 4 heads x 18 = 648. */
Test(spatten_sim, softmax_busy_cycles_follow_the_cost_formula) {
  cfg_t c;
  wl_t w = small_wl(1, 1);
  stats_t st;
  chk_t r;
  cfg_defaults(&c);
  c.softmax_units = 32;
  c.softmax_max_latency = 4;
  c.softmax_exp_latency = 8;
  set_sched(&w, &cases[4]); /* quant-no-refetch: threshold 0 */
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(st.c[ST_SOFTMAX_BUSY], 648u, "got %llu",
               (unsigned long long)st.c[ST_SOFTMAX_BUSY]);
  cr_expect_eq(st.c[ST_SOFTMAX_ELEMS], (uint64_t)(41 + 42 + 43) * 3 * 4);
  st_free(&st);
}

/* The cascade across decode steps alone: token_keep 1 but for the last
 * layer (0.5), so the only top-ks are context top-ks (docs/spatten.md):
 * after step 0 (41 tokens) one keeps sched_keep(0.5, 42) - 1 = 20; step 1
 * starts from those and its new token, 21 = sched_keep(0.5, 43) - 1, so
 * none runs after it (and none after the last step): exactly 1 TOPK run;
 * a restarted cascade would run none. The outputs and
 * decisions equal the golden model, whose context list is kept apart from
 * the simulator's pruned-for-good marks. */
Test(spatten_sim, context_carried_across_steps_equals_golden_over_seeds) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (uint64_t seed = 1; seed <= 3; seed++)
    for (int k = 0; k < 2; k++) {
      wl_t w = small_wl(1, seed);
      stats_t st;
      chk_t r;
      w.sched_n[WL_S_TOKEN_KEEP] = w.layers;
      for (int l = 0; l < w.layers; l++)
        w.sched[WL_S_TOKEN_KEEP][l] = l == w.layers - 1 ? 0.5 : 1;
      st_init(&st);
      r = run(&cf[k], &w, &st);
      cr_expect(r.ok, "seed %d %s config: %s", (int)seed,
                k ? "small" : "default", r.msg);
      cr_expect(r.compared > 0);
      cr_expect_eq(st.c[ST_TOPK_RUNS], 1, "seed %d: %llu top-k runs",
                   (int)seed, (unsigned long long)st.c[ST_TOPK_RUNS]);
      st_free(&st);
    }
}

/* baseline.dram_reduction of `attnsim run --check` on
 * workloads/gpt2-small-spatten.yaml against itself dense, with extra
 * options; -1 when the run fails or prints none. */
static double spatten_dram_reduction(const char *extra) {
  const char *json = "build/tests/tmp/gpt2-small-spatten.json";
  char cmd[1024];
  const char *bin = getenv("ATTNSIM");
  double r = -1;
  FILE *p;
  mkdir("build", 0777); /* a fresh checkout has no scratch folder yet */
  mkdir("build/tests", 0777);
  mkdir("build/tests/tmp", 0777);
  snprintf(cmd, sizeof cmd,
           "\"%s\" run --quiet --check --config configs/spatten.yaml "
           "--workload workloads/gpt2-small-spatten.yaml --baseline "
           "workloads/gpt2-small-spatten.yaml --json %s %s >/dev/null && "
           "grep -o '\"dram_reduction\": [0-9.e+]*' %s | head -1 | "
           "cut -d' ' -f2", bin ? bin : "build/attnsim", json, extra, json);
  p = popen(cmd, "r");
  cr_assert_not_null(p);
  if (fscanf(p, "%lf", &r) != 1) r = -1;
  pclose(p);
  return r;
}

/* The workload shaped like SpAtten's published GPT-2 run reproduces its
 * DRAM reductions within 15%: token pruning alone (head, value and
 * quantization off, as studies/reproduce.sh's ablation) 3.8x (the paper,
 * HPCA 2021, on GPT-2), and every technique 10.8x (attnsim on SpAtten's
 * own traces, workloads/spatten-gpt2/: pruned against dense). The 15%
 * covers what the shape does not copy: the trace's counts are fixed
 * (716, 204, 102, 921) while the workload's fractions follow the growing
 * context, step 0 prunes within the step here (the trace's step 0 keeps
 * every token), and which queries refetch comes from the data. */
Test(spatten_sim, gpt2_small_spatten_reproduces_dram_reductions,
     .timeout = 3600) {
  /* four whole gpt2-small runs: minutes under memcheck; the plain and
   * ASan suites run it (a bound against hangs only above) */
  if (getenv("ATTNSIM_UNDER_VALGRIND"))
    cr_skip_test("four gpt2-small runs: left to the plain and ASan suites");
  double tok = spatten_dram_reduction(
      "--wset schedule.head_keep=1 --wset schedule.value_keep=1 "
      "--wset schedule.key_msb_bits=0 --wset schedule.key_lsb_bits=0 "
      "--wset schedule.value_bits=0");
  double all = spatten_dram_reduction("");
  cr_expect(tok > 3.8 * 0.85 && tok < 3.8 * 1.15, "token only: %.3fx", tok);
  cr_expect(all > 10.8 * 0.85 && all < 10.8 * 1.15, "all: %.3fx", all);
}

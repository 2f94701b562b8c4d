/* The run-ahead against the reference loop (issue 15, dram_hbm2.h): the
 * bundled workloads run twice, once as shipped and once with
 * ATTNSIM_REFERENCE set (the memory never runs ahead, so the engine wakes
 * at every cycle the DRAM model ticks, each burst handled alone), and
 * every report must be byte-identical: the JSON, the CSV and the
 * per-layer table (whose DRAM counters are attributed by the wake at
 * which they were simulated, so a wrong run-ahead shows there first).
 * The same variable turns off the engine's shortcut in that table (a
 * counter snapshot taken only after something was counted outside an
 * event: sim_reference), so a wrong one shows there too. The DRAM
 * replays of ../shared's reference traces (when present) compare their
 * JSON the same way. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define DIR "build/tests/tmp/reference"

static bool memcheck(void) { return getenv("ATTNSIM_UNDER_VALGRIND") != NULL; }

/* Files a and b hold the same bytes (and a is not empty). */
static void expect_same(const char *tag, const char *a, const char *b) {
  char *x = tu_slurp(a), *y = tu_slurp(b);
  cr_assert(x && y, "%s: missing %s or %s", tag, a, b);
  cr_expect_gt(strlen(x), 0, "%s: %s is empty", tag, a);
  cr_expect_str_eq(x, y, "%s: %s and %s differ", tag, a, b);
  free(x);
  free(y);
}

/* `attnsim run ARGS` both ways; every output compared. */
static void same_run(const char *tag, const char *args) {
  char cmd[2048], a[256], b[256];
  const char *mode[2] = {"", "ATTNSIM_REFERENCE=1 "};
  const char *ext[3] = {"json", "csv", "layers.csv"};
  int k;
  mkdir("build/tests/tmp", 0777);
  mkdir(DIR, 0777);
  for (k = 0; k < 2; k++) {
    snprintf(cmd, sizeof cmd,
             "%sattnsim run --quiet %s --json %s/%s.%d.json --csv %s/%s.%d.csv "
             "--layers-csv %s/%s.%d.layers.csv",
             mode[k], args, DIR, tag, k, DIR, tag, k, DIR, tag, k);
    cr_assert_eq(tu_sh(cmd), 0, "%s", cmd);
  }
  for (k = 0; k < 3; k++) {
    snprintf(a, sizeof a, "%s/%s.0.%s", DIR, tag, ext[k]);
    snprintf(b, sizeof b, "%s/%s.1.%s", DIR, tag, ext[k]);
    expect_same(tag, a, b);
  }
}

#define TRACES "../shared/dram-reference/traces"

/* `attnsim dram` replaying one reference trace both ways. */
static void same_replay(const char *trace) {
  char cmd[1024], a[256], b[256];
  int k;
  mkdir("build/tests/tmp", 0777);
  mkdir(DIR, 0777);
  for (k = 0; k < 2; k++) {
    snprintf(cmd, sizeof cmd,
             "%sattnsim dram --quiet --issue-per-cycle 8 --config "
             "configs/dram/hbm2-reference.yaml --json %s/%s.%d.json "
             TRACES "/%s.trace",
             k ? "ATTNSIM_REFERENCE=1 " : "", DIR, trace, k, trace);
    cr_assert_eq(tu_sh(cmd), 0, "%s", cmd);
  }
  snprintf(a, sizeof a, "%s/%s.0.json", DIR, trace);
  snprintf(b, sizeof b, "%s/%s.1.json", DIR, trace);
  expect_same(trace, a, b);
}

#define SP "--config configs/spatten.yaml "

Test(reference, dense_gpt2_with_data) {
  same_run("dense", SP "--workload workloads/gpt2-small.yaml --dense --layers 2");
}

Test(reference, dense_gpt2_timing_only_simple_dram) {
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  same_run("dense-simple", SP "--workload workloads/gpt2-small.yaml --dense "
                              "--layers 2 --timing-only --set dram.model=simple");
}

Test(reference, schedule_gpt2_checked) {
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  same_run("schedule", SP "--workload workloads/gpt2-small.yaml --layers 2 --check");
}

Test(reference, spatten_csv_trace) {
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  same_run("csv", SP "--workload workloads/spatten-gpt2/gpt2-small-wikitext2-pruned.csv");
}

Test(reference, biformer_checked) { /* per-layer attribution always on */
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  same_run("biformer", SP "--workload workloads/biformer-t.yaml --check");
}

Test(reference, landmark_decode_checked) { /* per-layer attribution */
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  same_run("landmark", SP "--workload workloads/landmark.yaml --layers 1 --check");
}

Test(reference, long_context_decode) { /* Llama 2 7B at 4k, HBM3 */
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  same_run("llama", "--config configs/llm.yaml --workload workloads/llama2-7b.yaml "
                    "--layers 1 --timing-only");
}

Test(reference, dram_replays) { /* the reference simulator's traces */
  struct stat sb;
  if (memcheck()) cr_skip_test("the plain and sanitizer suites run it");
  if (stat(TRACES, &sb)) cr_skip_test("no " TRACES);
  same_replay("stream_read");
  same_replay("random_read");
  same_replay("mixed_rw");
}

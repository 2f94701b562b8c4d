/* End to end: the simulator's outputs equal the golden model's on several
 * shapes, configs and seeds; a hand-timed trace takes the cycles the
 * documented model predicts; runs are deterministic; the CLI's exit
 * statuses and error locations. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "npy.h"
#include "testutil.h"

typedef struct shape {
  int layers, heads, d, phase, ncases, tokens[3], causal, prompt, generate;
} shape_t;

static wl_t make_wl(const shape_t *s, uint64_t seed) {
  wl_t w;
  int i;
  wl_defaults(&w);
  w.layers = s->layers;
  w.heads = s->heads;
  w.head_dim = s->d;
  w.phase = s->phase ? WL_DECODE : WL_PREFILL;
  if (s->phase) {
    w.prompt = s->prompt;
    w.generate = s->generate;
  } else {
    w.ncases = s->ncases;
    for (i = 0; i < s->ncases; i++) w.tokens[i] = s->tokens[i];
    w.causal = s->causal;
  }
  w.seed = seed;
  return w;
}

/* A compiled workload and a simulator built for it, in one process. */
typedef struct fixture {
  FILE *f;
  trace_reader_t tr;
  ten_t *ten;
  sim_t *s;
} fixture_t;

static void fix_open(fixture_t *x, const cfg_t *c, const wl_t *w) {
  err_t e;
  x->f = tmpfile();
  cr_assert_eq(comp_compile(c, w, "cfg", x->f, &e), 0, "%s", e.msg);
  rewind(x->f);
  cr_assert_eq(trr_open(&x->tr, x->f, "trace", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&x->ten, &x->tr.hdr.wl, &e), 0, "%s", e.msg);
  x->s = sim_new(c, &x->tr.hdr.wl, x->ten, "cfg", &e);
  cr_assert(x->s, "%s", e.msg);
}

static void fix_run(fixture_t *x, stats_t *st) {
  err_t e;
  cr_assert_eq(sim_run(x->s, &x->tr, st, &e), 0, "%s", e.msg);
}

static void fix_close(fixture_t *x) {
  sim_free(x->s);
  ten_close(x->ten);
  fclose(x->f);
}

/* Compile, simulate and check; returns the check. */
static chk_t run_checked(const cfg_t *c, const wl_t *w, stats_t *st) {
  fixture_t x;
  chk_t r;
  fix_open(&x, c, w);
  fix_run(&x, st);
  cr_assert_eq(chk_run(c, &x.tr.hdr.wl, x.ten, sim_memimg(x.s), NULL, &r), 0);
  fix_close(&x);
  return r;
}

static const shape_t shapes[] = {
    {2, 2, 8, 0, 1, {16}, 0, 0, 0},        /* prefill, resident K/V */
    {1, 3, 16, 0, 1, {20}, 1, 0, 0},       /* causal prefill */
    {2, 2, 8, 1, 1, {0}, 0, 10, 3},        /* decode, growing cache */
    {1, 2, 8, 0, 3, {5, 9, 1}, 0, 0, 0},   /* several cases */
    {1, 1, 64, 1, 1, {0}, 0, 200, 2},      /* decode, real head dim */
};

Test(e2e, sim_equals_golden_across_shapes_and_seeds) {
  size_t i;
  uint64_t seed;
  for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (seed = 1; seed <= 3; seed++) {
      cfg_t c;
      wl_t w = make_wl(&shapes[i], seed);
      stats_t st;
      chk_t r;
      cfg_defaults(&c);
      st_init(&st);
      r = run_checked(&c, &w, &st);
      cr_expect(r.ok, "shape %zu seed %llu: %s", i, (unsigned long long)seed, r.msg);
      cr_expect_gt(r.compared, 0);
      st_free(&st);
    }
}

/* Other datapaths and machines: 8-bit, narrow arrays (m < d), a key buffer
 * too small for a head (streaming prefill), one DRAM channel. */
Test(e2e, sim_equals_golden_across_configs) {
  shape_t sh = {1, 2, 16, 0, 1, {40}, 0, 0, 0};
  int k;
  for (k = 0; k < 4; k++) {
    cfg_t c;
    wl_t w = make_wl(&sh, 7 + (uint64_t)k);
    stats_t st;
    chk_t r;
    cfg_defaults(&c);
    if (k == 0) { c.width = 8; c.frac_bits = 4; c.prob_bits = 8; }
    if (k == 1) { c.qk_multipliers = 8; c.av_multipliers = 4; }
    if (k == 2) { c.key_buffer_bytes = 24 * 16; c.value_buffer_bytes = 24 * 16; c.chunk_rows = 8; }
    if (k == 3) { c.dram_channels = 1; c.fetch_request_bytes = 32; c.window = 4; }
    st_init(&st);
    r = run_checked(&c, &w, &st);
    cr_expect(r.ok, "config %d: %s", k, r.msg);
    st_free(&st);
  }
}

/* Dense attention MAC counts and DRAM payload from first principles. */
Test(e2e, counts_match_closed_forms) {
  shape_t sh = {2, 3, 16, 1, 1, {0}, 0, 30, 4};
  cfg_t c;
  wl_t w = make_wl(&sh, 1);
  stats_t st;
  uint64_t keys = 0, t, row = 16 * 12 / 8, heads = 2 * 3;
  cfg_defaults(&c);
  st_init(&st);
  run_checked(&c, &w, &st);
  for (t = 0; t < 4; t++) keys += 30 + t + 1;
  cr_expect_eq(st.c[ST_QK_MACS], heads * keys * 16);
  cr_expect_eq(st.c[ST_AV_MACS], heads * keys * 16);
  cr_expect_eq(st.c[ST_SOFTMAX_ELEMS], heads * keys);
  /* every step reads its query, all keys and values (the newest from the
   * projection's KN / VN rows, docs/serve.md); writes one output row and
   * appends one K and one V row to the cache (K/V heads = heads here) */
  cr_expect_eq(st.c[ST_DRAM_READ_BYTES], heads * (4 + 2 * keys) * row);
  cr_expect_eq(st.c[ST_DRAM_WRITE_BYTES], heads * 4 * row + 2 * heads * 4 * row);
  cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES], heads * 4 * row);
  cr_expect_eq(st.c[ST_QUERIES], heads * 4);
  st_free(&st);
}

/* A trace timed by hand from docs/isa.md's model, one 32 B/cycle channel of
 * the simple DRAM model (bandwidth + latency: the formulas below are its),
 * 50-cycle latency, d = 64 at 12 bits (96 B rows). The dispatcher runs last
 * in a cycle, so an instruction dispatched in cycle c starts at c + 1:
 *   cycle 1: LDQ starts and issues 96 B = 3 bursts: on the bus 51..54.
 *   cycle 2: LDK 8 rows starts, issues 768 B = 24 bursts: earliest data at
 *            52, but the bus is busy until 54, so 54..78.
 *   cycle 3: QK (dispatched in cycle 2) waits on the LDK: stalled on DRAM
 *            for 78 - 3 = 75 cycles; starts at 78, occupies
 *            ceil(8*64/512) = 1 cycle, depth 1 + log2(64) = 7: done at 86. */
Test(e2e, hand_timed_trace) {
  cfg_t c;
  wl_t w;
  err_t e;
  stats_t st;
  trace_reader_t tr;
  sim_t *s;
  ten_t *ten;
  FILE *text = tmpfile(), *bin = tmpfile();
  char buf[4096], line[256];
  int n;
  cfg_defaults(&c);
  snprintf(c.dram_model, sizeof c.dram_model, "simple");
  c.dram_channels = 1;
  c.dram_bus_bits = 128;
  c.dram_gbps_per_pin = 2;
  c.clock_ghz = 1;
  c.dram_burst_bytes = 32;
  c.dram_latency_ns = 50;
  c.fetch_request_bytes = 1024;
  c.qk_multipliers = 512;
  c.mult_latency = 1;
  c.adder_latency = 1;
  wl_defaults(&w);
  w.layers = 1; w.heads = 1; w.head_dim = 64; w.phase = WL_PREFILL;
  w.ncases = 1; w.tokens[0] = 8;
  n = wl_to_text(&w, buf, sizeof buf);
  cr_assert_lt(n, (int)sizeof buf);
  fprintf(text, ".version 1\n.config_hash 0x%llx\n", (unsigned long long)cfg_hash(&c));
  for (char *p = buf, *nl; (nl = strchr(p, '\n')); p = nl + 1)
    fprintf(text, ".workload %.*s\n", (int)(nl - p), p);
  fputs("LDQ qrow=0 rows=1 list=0 flags=0 addr=0x0\n", text);
  snprintf(line, sizeof line, "LDK krow=0 rows=8 list=0 flags=0 addr=0x%x\n"
           "QK qrow=0 krow=0 rows=8 flags=0 soff=0\n", 1 << 20);
  fputs(line, text);
  rewind(text);
  cr_assert_eq(trace_asm(text, "hand.s", bin, &e), 0, "%s", e.msg);
  rewind(bin);
  cr_assert_eq(trr_open(&tr, bin, "hand", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0, "%s", e.msg);
  s = sim_new(&c, &tr.hdr.wl, ten, "cfg", &e);
  st_init(&st);
  cr_assert_eq(sim_run(s, &tr, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.c[ST_CYCLES], 86, "cycles %llu", (unsigned long long)st.c[ST_CYCLES]);
  cr_expect_eq(st.c[ST_DRAM_READ_BYTES], 96 + 768);
  cr_expect_eq(st.unit[UNIT_QK][US_STALL_DRAM], 78 - 3);
  sim_free(s);
  ten_close(ten);
  st_free(&st);
  fclose(text);
  fclose(bin);
}

/* ---- the command line ------------------------------------------------- */

Test(cli, run_check_json_is_deterministic) {
  char *a, *b;
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "workloads/gpt2-small.yaml --wset decode.generate=2 --wset model.layers=2 --dense "
                  "--check --quiet --json build/tests/tmp/a.json >/dev/null"), 0);
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "workloads/gpt2-small.yaml --wset decode.generate=2 --wset model.layers=2 --dense "
                  "--check --quiet --json build/tests/tmp/b.json >/dev/null"), 0);
  a = tu_slurp("build/tests/tmp/a.json");
  b = tu_slurp("build/tests/tmp/b.json");
  cr_assert(a && b);
  cr_expect_str_eq(a, b);
  cr_expect(strstr(a, "\"read_bytes\"") && strstr(a, "\"energy_pj\"") &&
            strstr(a, "\"area_mm2\"") && strstr(a, "\"cycles\""));
  free(a);
  free(b);
}

Test(cli, compile_disasm_asm_sim_round_trip) {
  char *a;
  cr_assert_eq(tu_sh("attnsim compile --config configs/spatten.yaml --workload "
                  "workloads/bert-base.yaml --wset prefill.tokens=8 --wset model.layers=1 --dense "
                  "-o build/tests/tmp/t.trace"), 0);
  cr_assert_eq(tu_sh("attnsim disasm build/tests/tmp/t.trace -o build/tests/tmp/t.s"), 0);
  cr_assert_eq(tu_sh("attnsim asm build/tests/tmp/t.s -o build/tests/tmp/t2.trace"), 0);
  cr_assert_eq(tu_sh("cmp -s build/tests/tmp/t.trace build/tests/tmp/t2.trace"), 0);
  cr_assert_eq(tu_sh("attnsim sim --config configs/spatten.yaml build/tests/tmp/t2.trace "
                  "--check --quiet >/dev/null"), 0);
  /* a trace compiled for one config is refused by another */
  cr_expect_eq(tu_sh("attnsim sim --config configs/spatten-eighth.yaml "
                  "build/tests/tmp/t.trace 2>build/tests/tmp/err.txt"), 2);
  a = tu_slurp("build/tests/tmp/err.txt");
  cr_expect(a && strstr(a, "compiled for another config"), "%s", a);
  free(a);
}

Test(cli, malformed_config_is_located_and_exits_2) {
  char path[256], cmd[512], *msg;
  /* value "many" starts on line 3, column 13 */
  tu_write(path, sizeof path, "bad.yaml", "name: x\ndram:\n  channels: many\n");
  snprintf(cmd, sizeof cmd,
           "attnsim run --config %s --workload workloads/gpt2-small.yaml "
           "2>build/tests/tmp/err2.txt >/dev/null", path);
  cr_expect_eq(tu_sh(cmd), 2);
  msg = tu_slurp("build/tests/tmp/err2.txt");
  snprintf(cmd, sizeof cmd, "%s:3:13: dram.channels:", path);
  cr_expect(msg && strstr(msg, cmd), "%s", msg);
  free(msg);
}

Test(cli, failed_run_leaves_no_output_file) {
  unlink("build/tests/tmp/never.json");
  cr_expect_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "workloads/gpt2-small.yaml --wset model.layers=0 --dense --json "
                  "build/tests/tmp/never.json 2>/dev/null >/dev/null"), 2);
  cr_expect_eq(access("build/tests/tmp/never.json", F_OK), -1);
}

/* --check catches a wrong output and names where: corrupt one element the
 * simulator wrote, then compare again. */
Test(e2e, check_names_a_corrupted_element) {
  shape_t sh = {1, 2, 8, 0, 1, {6}, 0, 0, 0};
  cfg_t c;
  wl_t w = make_wl(&sh, 3);
  fixture_t x;
  stats_t st;
  chk_t r;
  lay_loc_t at = {LAY_O, 0, 0, 1, 4};
  int16_t row[8];
  cfg_defaults(&c);
  st_init(&st);
  fix_open(&x, &c, &w);
  fix_run(&x, &st);
  memcpy(row, mi_output(sim_memimg(x.s), 0, 0, 1) + 4 * 8, sizeof row);
  row[5] ^= 1;
  cr_assert_eq(mi_write((memimg_t *)sim_memimg(x.s), &at, row), 0);
  cr_assert_eq(chk_run(&c, &x.tr.hdr.wl, x.ten, sim_memimg(x.s), NULL, &r), 0);
  cr_expect(!r.ok);
  cr_expect_eq(r.mismatches, 1);
  cr_expect(strstr(r.msg, "case 0 layer 0 head 1 query 4 element 5"), "%s", r.msg);
  fix_close(&x);
  st_free(&st);
}

/* Tensors from NumPy files, as a user would dump them from a model. */
Test(cli, npy_workload_runs_and_checks) {
  int64_t shape[4] = {1, 2, 10, 8};
  float data[160];
  const char *names[3] = {"q", "k", "v"};
  char path[256], yaml[1024], cmd[1400];
  err_t e;
  int i, t;
  for (t = 0; t < 3; t++) {
    for (i = 0; i < 160; i++)
      data[i] = (float)(((i * 37 + t * 11) % 23) - 11) / 8.0f;
    snprintf(path, sizeof path, "build/tests/tmp/%s.npy", names[t]);
    cr_assert_eq(npy_write_f32(path, 4, shape, data, &e), 0, "%s", e.msg);
  }
  snprintf(yaml, sizeof yaml,
           "name: npy-test\nmodel: {layers: 1, heads: 2, head_dim: 8}\n"
           "phase: prefill\nprefill: {tokens: 10, causal: true}\n"
           "tensors: {source: npy, q: q.npy, k: k.npy, v: v.npy}\n");
  tu_write(path, sizeof path, "npy.yaml", yaml);
  snprintf(cmd, sizeof cmd,
           "attnsim run --config configs/spatten.yaml --workload %s --check --quiet "
           ">build/tests/tmp/npy.out 2>&1", path);
  cr_expect_eq(tu_sh(cmd), 0);
  /* a shape that does not match the workload is bad input */
  snprintf(cmd, sizeof cmd,
           "attnsim run --config configs/spatten.yaml --workload %s --wset prefill.tokens=9 "
           ">/dev/null 2>build/tests/tmp/npy.err", path);
  cr_expect_eq(tu_sh(cmd), 2);
}

Test(cli, foreign_trace_version_is_refused) {
  char *msg;
  cr_assert_eq(tu_sh("attnsim compile --config configs/spatten.yaml --workload "
                  "workloads/bert-base.yaml --wset prefill.tokens=4 --wset model.layers=1 --dense "
                  "-o build/tests/tmp/v.trace"), 0);
  /* byte 8 is the low byte of the format version */
  cr_assert_eq(tu_sh("printf '\\011' | dd of=build/tests/tmp/v.trace bs=1 seek=8 "
                  "conv=notrunc 2>/dev/null"), 0);
  cr_expect_eq(tu_sh("attnsim sim --config configs/spatten.yaml build/tests/tmp/v.trace "
                  "2>build/tests/tmp/v.err"), 2);
  msg = tu_slurp("build/tests/tmp/v.err");
  cr_expect(msg && strstr(msg, "version: trace format version 9 is not supported"), "%s", msg);
  free(msg);
}

Test(cli, timeline_has_every_unit_track_and_slices) {
  char *tl;
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "workloads/gpt2-small.yaml --wset decode.generate=1 --wset model.layers=1 --dense "
                  "--quiet --timeline build/tests/tmp/tl.json"), 0);
  tl = tu_slurp("build/tests/tmp/tl.json");
  cr_assert(tl);
  cr_expect(strstr(tl, "\"traceEvents\""));
  cr_expect(strstr(tl, "\"name\":\"qk_array\""));
  cr_expect(strstr(tl, "\"name\":\"QK\",\"ph\":\"X\""));
  cr_expect(strstr(tl, "\"name\":\"STO\",\"ph\":\"X\""));
  free(tl);
}

/* Timing only skips the values but must not change the timing of dense
 * attention: every counter and every unit's state cycles are the same. */
Test(e2e, timing_only_keeps_cycles_and_counts) {
  shape_t sh = {2, 2, 16, 1, 1, {0}, 0, 40, 3};
  stats_t st[2];
  int mode, i, u;
  for (mode = 0; mode < 2; mode++) {
    cfg_t c;
    wl_t w = make_wl(&sh, 5);
    fixture_t x;
    cfg_defaults(&c);
    st_init(&st[mode]);
    fix_open(&x, &c, &w);
    if (mode) sim_timing_only(x.s);
    fix_run(&x, &st[mode]);
    fix_close(&x);
  }
  for (i = 0; i < ST_COUNT; i++)
    if (i != ST_SATURATED)
      cr_expect_eq(st[0].c[i], st[1].c[i], "%s", stat_info[i].path);
  for (u = 0; u < UNIT_COUNT; u++)
    for (i = 0; i < US_COUNT; i++)
      cr_expect_eq(st[0].unit[u][i], st[1].unit[u][i]);
  cr_expect_gt(st[0].c[ST_CYCLES], 0);
  st_free(&st[0]);
  st_free(&st[1]);
}

/* A corrupted instruction stops the run with a located error (regression:
 * the decoder's error status was once taken for "one more instruction"
 * and the simulator spun forever). */
Test(e2e, corrupted_instruction_is_bad_input) {
  shape_t sh = {1, 1, 8, 0, 1, {2}, 0, 0, 0};
  cfg_t c;
  wl_t w = make_wl(&sh, 1);
  FILE *f = tmpfile(), *g;
  unsigned char buf[4096];
  size_t n;
  uint32_t hdr;
  trace_reader_t tr;
  ten_t *ten;
  sim_t *s;
  stats_t st;
  err_t e;
  cfg_defaults(&c);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0);
  rewind(f);
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  hdr = buf[12] | buf[13] << 8 | (uint32_t)buf[14] << 16;
  /* instructions: LAYER LDK LDV ...; LAYER has no address */
  cr_assert_eq(buf[hdr], 0x01, "instruction 0 is not LAYER");
  buf[hdr + 8] = 1;
  g = fmemopen(buf, n, "rb");
  cr_assert_eq(trr_open(&tr, g, "bad.trace", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0);
  s = sim_new(&c, &tr.hdr.wl, ten, "cfg", &e);
  st_init(&st);
  cr_expect_eq(sim_run(s, &tr, &st, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "bad.trace: insn: instruction 0: LAYER: unused field addr"),
            "%s", e.msg);
  sim_free(s);
  ten_close(ten);
  st_free(&st);
  fclose(g);
}

/* SIGTERM mid-run: exit status 130 and no output file, final or
 * temporary, left behind. The signal is sent once the timeline's
 * temporary file exists (so the run is under way); gpt2-medium then runs
 * for seconds more. */
Test(cli, killed_run_leaves_nothing) {
  int rc = tu_sh("rm -f build/tests/tmp/killed.*; "
              "\"${ATTNSIM:-build/attnsim}\" run --config configs/spatten.yaml "
              "--workload workloads/gpt2-medium.yaml --quiet "
              "--json build/tests/tmp/killed.json "
              "--timeline build/tests/tmp/killed.tl.json & pid=$!; "
              "i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 12000 ]; do "
              "ls build/tests/tmp/killed.tl.json.tmp.* >/dev/null 2>&1 && break; "
              "sleep 0.05; i=$((i + 1)); done; "
              "kill -TERM $pid; wait $pid; rc=$?; "
              "ls build/tests/tmp/killed.* >/dev/null 2>&1 && exit 3; exit $rc");
  cr_expect_eq(rc, 130, "exit %d (3: a file was left behind)", rc);
}

/* A NUL inside the header's workload text is refused, not read as the end
 * of the text (which would silently drop the keys after it). */
Test(e2e, nul_in_trace_header_is_refused) {
  shape_t sh = {1, 1, 8, 0, 1, {2}, 0, 0, 0};
  cfg_t c;
  wl_t w = make_wl(&sh, 1);
  FILE *f = tmpfile(), *g;
  unsigned char buf[4096];
  size_t n;
  trace_reader_t tr;
  err_t e;
  cfg_defaults(&c);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0);
  rewind(f);
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  buf[36 + 5] = 0; /* inside the first line of the workload text */
  g = fmemopen(buf, n, "rb");
  cr_expect_eq(trr_open(&tr, g, "nul.trace", &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "nul.trace: header: NUL byte in the workload text"), "%s", e.msg);
  fclose(g);
}

/* ---- help, strict options, outputs checked first, --layers ------------- */

/* Every command, as README lists them (not read from the CLI's table). */
static const char *const commands[] = {
    "run", "compile", "sim", "asm", "disasm", "dram", "recost", "config",
    "workload", "sweep", "plot", "baseline-gpu", "baseline-cpu", "version",
    "help"};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

Test(cli, every_command_answers_help_and_h) {
  static const char *const flags[2] = {"--help", "-h"};
  char cmd[256], want[64], *out, *via_help;
  size_t i;
  int k;
  mkdir("build/tests/tmp", 0777);
  for (i = 0; i < NCOMMANDS; i++) {
    snprintf(cmd, sizeof cmd, "attnsim help %s >build/tests/tmp/help-b.txt", commands[i]);
    cr_expect_eq(tu_sh(cmd), 0, "attnsim help %s", commands[i]);
    via_help = tu_slurp("build/tests/tmp/help-b.txt");
    for (k = 0; k < 2; k++) {
      snprintf(cmd, sizeof cmd, "attnsim %s %s >build/tests/tmp/help-a.txt "
               "2>build/tests/tmp/help-a.err", commands[i], flags[k]);
      cr_expect_eq(tu_sh(cmd), 0, "attnsim %s %s", commands[i], flags[k]);
      out = tu_slurp("build/tests/tmp/help-a.txt");
      cr_assert(out);
      snprintf(want, sizeof want, "usage: attnsim %s", commands[i]);
      cr_expect(strncmp(out, want, strlen(want)) == 0, "%s %s: %s", commands[i],
                flags[k], out);
      cr_expect(strstr(out, "\n  -h, --help "), "%s", out);
      cr_expect(strstr(out, "exit status: 0 ok"), "%s", out);
      cr_expect(via_help && strcmp(out, via_help) == 0,
                "attnsim help %s differs from attnsim %s %s", commands[i],
                commands[i], flags[k]);
      free(out);
    }
    free(via_help);
  }
}

Test(cli, usage_lists_every_command_and_bare_attnsim_exits_2) {
  char want[64], *out, *err, *help;
  size_t i;
  mkdir("build/tests/tmp", 0777);
  cr_assert_eq(tu_sh("attnsim help >build/tests/tmp/usage.txt"), 0);
  help = tu_slurp("build/tests/tmp/usage.txt");
  cr_assert(help);
  for (i = 0; i < NCOMMANDS; i++) {
    snprintf(want, sizeof want, "\n  %s ", commands[i]);
    cr_expect(strstr(help, want), "usage lacks %s:\n%s", commands[i], help);
  }
  cr_expect_eq(tu_sh("attnsim --help >build/tests/tmp/usage2.txt"), 0);
  out = tu_slurp("build/tests/tmp/usage2.txt");
  cr_expect(out && strcmp(out, help) == 0, "attnsim --help differs from attnsim help");
  free(out);
  /* no command: the same usage, on stderr, and a usage error */
  cr_expect_eq(tu_sh("attnsim >build/tests/tmp/usage3.txt 2>build/tests/tmp/usage3.err"), 2);
  out = tu_slurp("build/tests/tmp/usage3.txt");
  err = tu_slurp("build/tests/tmp/usage3.err");
  cr_expect(out && out[0] == '\0', "stdout: %s", out);
  cr_expect(err && strcmp(err, help) == 0, "stderr: %s", err);
  free(out), free(err), free(help);
}

/* Each command's help names the options it takes, and only those. */
Test(cli, help_shows_the_options_a_command_takes) {
  char *s;
  cr_assert_eq(tu_sh("attnsim run --help >build/tests/tmp/h-run.txt"), 0);
  s = tu_slurp("build/tests/tmp/h-run.txt");
  cr_expect(s && strstr(s, "\n  --layers N ") && strstr(s, "\n  --timeline FILE ") &&
            strstr(s, "\n  --baseline FILE ") && !strstr(s, "--doc"), "%s", s);
  free(s);
  cr_assert_eq(tu_sh("attnsim config -h >build/tests/tmp/h-config.txt"), 0);
  s = tu_slurp("build/tests/tmp/h-config.txt");
  cr_expect(s && strstr(s, "\n  --doc ") && !strstr(s, "--timeline") &&
            !strstr(s, "--check"), "%s", s);
  free(s);
  cr_assert_eq(tu_sh("attnsim compile --help >build/tests/tmp/h-compile.txt"), 0);
  s = tu_slurp("build/tests/tmp/h-compile.txt");
  cr_expect(s && strstr(s, "\n  -o TRACE ") && !strstr(s, "--json"), "%s", s);
  free(s);
  /* config --check used to be accepted and ignored */
  cr_expect_eq(tu_sh("attnsim config --check --timeline build/tests/tmp/x.json "
                  "2>/dev/null >/dev/null"), 2);
}

/* A missing output folder fails before the run: exit 2 naming the option
 * and the path, and no summary (the old run simulated, printed it, and
 * then failed to write, exit 1). */
Test(cli, outputs_are_checked_before_the_run) {
  char *out, *err;
  mkdir("build/tests/tmp", 0777);
  cr_expect_eq(tu_sh("rm -rf build/tests/tmp/nodir; attnsim run --config "
                  "configs/spatten.yaml --workload workloads/gpt2-small.yaml "
                  "--json build/tests/tmp/nodir/x.json >build/tests/tmp/ff.out "
                  "2>build/tests/tmp/ff.err"), 2);
  out = tu_slurp("build/tests/tmp/ff.out");
  err = tu_slurp("build/tests/tmp/ff.err");
  cr_expect(out && out[0] == '\0', "the run started: %s", out);
  cr_expect_str_eq(err, "attnsim: --json: cannot write build/tests/tmp/nodir/x.json: "
                        "No such file or directory\n");
  free(out), free(err);
  /* sweep -o creates missing parents, so only a file in the way fails */
  cr_expect_eq(tu_sh("attnsim sweep studies/gpt2-small-dse.yaml -o "
                  "build/tests/tmp/ff.err/sweep 2>build/tests/tmp/ff2.err"), 2);
  err = tu_slurp("build/tests/tmp/ff2.err");
  cr_expect_str_eq(err, "attnsim: -o: cannot write build/tests/tmp/ff.err/sweep: "
                        "Not a directory\n");
  free(err);
  cr_expect_eq(tu_sh("rm -rf build/tests/tmp/ff-new; attnsim sweep "
                  "studies/gpt2-small-dse.yaml -o build/tests/tmp/ff-new/a/b --emit "
                  "parallel 2>/dev/null && test -s build/tests/tmp/ff-new/a/b/jobs.txt"), 0);
}

/* The value of column name in a one-row CSV report, or "" (static). */
static const char *csv_value(const char *path, const char *name) {
  static char val[128];
  char *t = tu_slurp(path), *row, *h, *v;
  size_t n = strlen(name);
  val[0] = '\0';
  if (!t || !(row = strchr(t, '\n'))) return free(t), val;
  *row++ = '\0';
  for (h = t, v = row; h && v; h = strchr(h, ','), v = strchr(v, ',')) {
    if (*h == ',') h++, v++;
    if (strncmp(h, name, n) == 0 && (h[n] == ',' || h[n] == '\0')) {
      snprintf(val, sizeof val, "%.*s", (int)strcspn(v, ",\n"), v);
      break;
    }
  }
  free(t);
  return val;
}

/* --layers 2 on gpt2-small (12 layers, 12-entry schedule lists) equals a
 * copy of the file cut to 2 layers by hand: token_keep [1, 1] and
 * head_keep [1, 1] are the first two entries of its lists. */
Test(cli, layers_keeps_the_first_layers_of_every_list) {
  char cycles[128], *s;
  mkdir("build/tests/tmp", 0777);
  cr_assert_eq(tu_sh("sed -e 's/^  layers: 12$/  layers: 2/' "
                  "-e 's/^  token_keep: .*/  token_keep: [1, 1]/' "
                  "-e 's/^  head_keep: .*/  head_keep: [1, 1]/' "
                  "workloads/gpt2-small.yaml >build/tests/tmp/gpt2-2.yaml"), 0);
  cr_assert_eq(tu_sh("attnsim workload --workload workloads/gpt2-small.yaml --layers 2 "
                  ">build/tests/tmp/wl-a.txt"), 0);
  s = tu_slurp("build/tests/tmp/wl-a.txt");
  cr_expect(s && strstr(s, "  layers: 2\n") && strstr(s, "token_keep: [1, 1]\n") &&
            strstr(s, "head_keep: [1, 1]\n") && strstr(s, "value_keep: [0.2]\n"), "%s", s);
  free(s);
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "workloads/gpt2-small.yaml --layers 2 --wset decode.generate=2 "
                  "--quiet --csv build/tests/tmp/lay-a.csv"), 0);
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "build/tests/tmp/gpt2-2.yaml --wset decode.generate=2 "
                  "--quiet --csv build/tests/tmp/lay-b.csv"), 0);
  cr_expect_str_eq(csv_value("build/tests/tmp/lay-a.csv", "workload.layers"), "2");
  cr_expect_str_eq(csv_value("build/tests/tmp/lay-b.csv", "workload.layers"), "2");
  snprintf(cycles, sizeof cycles, "%s", csv_value("build/tests/tmp/lay-a.csv", "cycles"));
  cr_expect(cycles[0] != '\0');
  cr_expect_str_eq(csv_value("build/tests/tmp/lay-b.csv", "cycles"), cycles);
  snprintf(cycles, sizeof cycles, "%s", csv_value("build/tests/tmp/lay-a.csv", "dram.read_bytes"));
  cr_expect_str_eq(csv_value("build/tests/tmp/lay-b.csv", "dram.read_bytes"), cycles);
}

/* --set dram.preset=FILE puts the preset's memory under a chip: the run
 * reports HBM3's peak, worked out from configs/dram/hbm3.yaml's JESD238
 * figures (16 channels x 64 bits / 8 x 6.4 Gb/s = 819.2 GB/s, not
 * spatten.yaml's 512), and times alike with configs/spatten-hbm3.yaml,
 * which names the preset in the file. Two layers and two tokens keep it
 * short; the peak does not depend on them. */
Test(cli, set_dram_preset_reports_the_presets_peak) {
  char want[64], cycles[128], *s;
  mkdir("build/tests/tmp", 0777);
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --set "
                  "dram.preset=configs/dram/hbm3.yaml --workload "
                  "workloads/gpt2-small.yaml --dense --timing-only --layers 2 "
                  "--wset decode.generate=2 --csv build/tests/tmp/hbm3-a.csv "
                  ">build/tests/tmp/hbm3-a.txt"), 0);
  snprintf(want, sizeof want, "%.1f", 16 * 64 / 8 * 6.4);
  cr_expect_str_eq(csv_value("build/tests/tmp/hbm3-a.csv", "dram.peak_GBps"),
                   want);
  s = tu_slurp("build/tests/tmp/hbm3-a.txt");
  cr_expect(s && strstr(s, " of 819 GB/s peak ("), "%s", s);
  free(s);
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten-hbm3.yaml --workload "
                  "workloads/gpt2-small.yaml --dense --timing-only --layers 2 "
                  "--wset decode.generate=2 --quiet --csv "
                  "build/tests/tmp/hbm3-b.csv"), 0);
  snprintf(cycles, sizeof cycles, "%s",
           csv_value("build/tests/tmp/hbm3-a.csv", "cycles"));
  cr_expect(cycles[0] != '\0');
  cr_expect_str_eq(csv_value("build/tests/tmp/hbm3-b.csv", "cycles"), cycles);
  cr_expect_str_eq(csv_value("build/tests/tmp/hbm3-b.csv", "dram.peak_GBps"),
                   want);
}

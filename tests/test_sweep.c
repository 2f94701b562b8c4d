/* Sweeps: the spec's points and keys, the JSON reader, the Pareto
 * frontier, and the command line end to end: a sweep killed with SIGKILL
 * and rerun loses and duplicates nothing; GNU parallel and a simulated
 * Slurm array give the same results.csv as a local run; plots are
 * well-formed SVG with one marker per point; the baselines' counts agree
 * with the simulator's. Scratch files live under build/tests/tmp/sweep-*.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "gpu.h"
#include "json.h"
#include "results.h"
#include "run.h"
#include "spec.h"
#include "svg.h"
#include "testutil.h"

/* A spec in build/tests/tmp that uses the bundled files by relative path. */
static const char *spec_file(char *path, size_t len, const char *tag,
                             const char *body) {
  char text[4096];
  snprintf(text, sizeof text,
           "config: ../../../configs/spatten.yaml\n"
           "workloads: [../../../workloads/gpt2-small.yaml]\n%s", body);
  return tu_write(path, len, tag, text);
}

static sw_spec_t *load_ok(const char *body) {
  char path[256];
  err_t e;
  sw_spec_t *s = calloc(1, sizeof *s);
  cr_assert(s);
  spec_file(path, sizeof path, "spec.yaml", body);
  cr_assert_eq(sw_load(path, s, &e), 0, "%s", e.msg);
  return s;
}

static void spec_free(sw_spec_t *s) {
  sw_free(s);
  free(s);
}

/* The value text of axis a at point i. */
static const char *val(const sw_spec_t *s, int i, int a) {
  sw_point_t p;
  sw_point_at(s, i, &p);
  return strchr(s->axes[a].values[p.vi[a]], '=') + 1;
}

Test(spec, product_order_ranges_and_zip) {
  sw_spec_t *s = load_ok(
      "vary:\n"
      "  - zip:\n"
      "      - {set: qk_array.multipliers, range: {start: 64, stop: 512, factor: 2}}\n"
      "      - {set: av_array.multipliers, values: [1, 2, 3, 4]}\n"
      "  - set: dram.channels\n"
      "    range: {start: 2, stop: 7, step: 2}\n");
  cr_assert_eq(s->npoints, 4 * 3);
  cr_expect_eq(s->ngroups, 2);
  /* the last group varies fastest; zipped axes move together */
  cr_expect_str_eq(val(s, 0, 0), "64");
  cr_expect_str_eq(val(s, 0, 2), "2");
  cr_expect_str_eq(val(s, 2, 2), "6");
  cr_expect_str_eq(val(s, 3, 0), "128");
  cr_expect_str_eq(val(s, 3, 1), "2");
  cr_expect_str_eq(val(s, 11, 0), "512");
  cr_expect_str_eq(val(s, 11, 1), "4");
  spec_free(s);
}

Test(spec, combine_zip_and_fractional_ranges) {
  sw_spec_t *s = load_ok(
      "combine: zip\n"
      "vary:\n"
      "  - {set: clock_ghz, range: {start: 0.5, stop: 1.5, step: 0.25}}\n"
      "  - {wset: decode.generate, values: [1, 2, 3, 4, 5]}\n");
  cr_assert_eq(s->npoints, 5);
  cr_expect_str_eq(val(s, 1, 0), "0.75");
  cr_expect_str_eq(val(s, 4, 0), "1.5");
  cr_expect_str_eq(val(s, 4, 1), "5");
  spec_free(s);
}

/* Keys: equal effective configs give equal keys however they are spelled;
 * any change of config, workload or flags changes it. */
Test(spec, keys_follow_the_effective_config) {
  sw_spec_t *a = load_ok("vary:\n  - {set: dram.channels, values: [16, 8]}\n");
  sw_spec_t *b = load_ok("set: {dram.latency_ns: 50.0}\n"
                         "vary:\n  - {set: dram.channels, values: [8]}\n");
  sw_spec_t *c = load_ok("timing_only: true\n"  "dense: true\n"
                         "vary:\n  - {set: dram.channels, values: [8]}\n");
  sw_point_t p;
  char k0[17], k1[17], kb[17], kc[17], g0[17], g1[17];
  sw_point_at(a, 0, &p), sw_point_key(a, &p, k0), sw_point_group(a, &p, g0);
  sw_point_at(a, 1, &p), sw_point_key(a, &p, k1), sw_point_group(a, &p, g1);
  sw_point_at(b, 0, &p), sw_point_key(b, &p, kb);
  sw_point_at(c, 0, &p), sw_point_key(c, &p, kc);
  cr_expect_str_neq(k0, k1);
  cr_expect_str_eq(k1, kb, "50.0 ns is the default 50: the same config");
  cr_expect_str_neq(k1, kc, "timing_only changes the key");
  cr_expect_str_eq(g0, g1, "same workload: one Pareto group");
  spec_free(a);
  spec_free(b);
  spec_free(c);
}

/* Values are checked against their key's schema, located at the value. */
/* layers: 2 cuts the workload as run --layers 2 does, and every point's
 * run gets --layers 2. */
Test(spec, layers_key_cuts_every_workload) {
  sw_spec_t *s = load_ok("layers: 2\nvary:\n  - {set: dram.channels, values: [4, 8]}\n");
  const char *argv[SW_MAX_ARGS];
  sw_point_t p;
  cfg_t c;
  wl_t w;
  int n, i, found = 0;
  cr_expect_eq(s->wl[0].layers, 2);
  cr_expect_eq(s->wl[0].sched_n[WL_S_TOKEN_KEEP], 2);
  sw_point_at(s, 1, &p);
  sw_point_apply(s, &p, &c, &w);
  cr_expect_eq(w.layers, 2);
  cr_expect_eq(c.dram_channels, 8);
  n = sw_point_args(s, &p, argv);
  for (i = 0; i + 1 < n; i++)
    if (!strcmp(argv[i], "--layers") && !strcmp(argv[i + 1], "2")) found = 1;
  cr_expect(found, "no --layers 2 among the point's arguments");
  spec_free(s);
  /* absent or 0: every layer, no --layers */
  s = load_ok("vary:\n  - {set: dram.channels, values: [4]}\n");
  cr_expect_eq(s->wl[0].layers, 12);
  sw_point_at(s, 0, &p);
  n = sw_point_args(s, &p, argv);
  for (i = 0; i < n; i++) cr_expect_str_neq(argv[i], "--layers");
  spec_free(s);
}

/* The time left, by hand. Workload 0: finished in 1 s and 3 s (mean 2);
 * workload 1: one in 10 s (mean 10); workload 2: none yet (the mean of
 * all finished, 14 / 3). */
Test(sweep_eta, time_left_by_hand) {
  const double sum[3] = {4, 10, 0};
  const int nfin[3] = {2, 1, 0}, none[3] = {0, 0, 0};
  /* 3 + 2 queued, running: workload 0 for 0.5 s (1.5 s to go) and
   * workload 1 for 12 s (past its mean: 0). (6 + 20 + 1.5) / 2 jobs */
  const int q1[3] = {3, 2, 0}, rwl[2] = {0, 1};
  const double rs[2] = {0.5, 12};
  /* 3 queued of workload 2, one job: 3 x 14/3 */
  const int q2[3] = {0, 0, 3};
  /* one of each of workloads 0 and 1 and 4 jobs: (2 + 10) / 2 = 6, but
   * the 10 s point alone takes 10 */
  const int q3[3] = {1, 1, 0};
  cr_expect_eq(swr_time_left(3, (const double[3]){0, 0, 0}, none, q1, 0, NULL,
                             NULL, 2), -1);
  cr_expect_float_eq(swr_time_left(3, sum, nfin, q1, 2, rwl, rs, 2), 13.75, 1e-9);
  cr_expect_float_eq(swr_time_left(3, sum, nfin, q2, 0, NULL, NULL, 1), 14, 1e-9);
  cr_expect_float_eq(swr_time_left(3, sum, nfin, q2, 0, NULL, NULL, 8), 14.0 / 3, 1e-9);
  cr_expect_float_eq(swr_time_left(3, sum, nfin, q3, 0, NULL, NULL, 4), 10, 1e-9);
  cr_expect_eq(swr_time_left(3, sum, nfin, none, 0, NULL, NULL, 4), 0);
}

Test(spec, bad_values_are_located) {
  char path[256];
  err_t e;
  sw_spec_t *s = calloc(1, sizeof *s);
  spec_file(path, sizeof path, "bad.yaml",
            "vary:\n  - set: dram.channels\n    values: [2, many]\n");
  tu_expect_at(sw_load(path, s, &e), &e, path, 5, 17, "dram.channels");
  cr_expect(strstr(e.msg, "wrong type (got many, expected an integer)"), "%s", e.msg);
  spec_file(path, sizeof path, "bad2.yaml",
            "vary:\n  - set: dram.channels\n    range: {start: 1, stop: 2, step: 0.5}\n");
  tu_expect_at(sw_load(path, s, &e), &e, path, 5, 12, "dram.channels");
  spec_file(path, sizeof path, "bad3.yaml", "set: {dram.chanels: 4}\n");
  tu_expect_at(sw_load(path, s, &e), &e, path, 3, 7, "set.dram.chanels");
  cr_expect(strstr(e.msg, "did you mean dram.channels"), "%s", e.msg);
  free(s);
}

/* ---- JSON ------------------------------------------------------------------ */

Test(json, parses_and_finds_by_path) {
  const char *t = "{\"a\": {\"b.c\": 1, \"d\": [true, null, \"x\\u00e9\\ud83d\\ude00\"]},"
                  " \"n\": -1.5e3}";
  js_doc_t d;
  err_t e;
  double v;
  int arr;
  cr_assert_eq(js_parse(&d, t, strlen(t), "t.json", &e), 0, "%s", e.msg);
  cr_expect_eq(js_num_at(&d, 0, "n", &v), 0);
  cr_expect_eq(v, -1500);
  cr_expect_eq(js_num_at(&d, 0, "a.b.c", &v), -1, "dots split paths");
  cr_expect_eq(d.n[js_member(&d, js_member(&d, 0, "a"), "b.c")].num, 1);
  arr = js_path(&d, 0, "a.d");
  cr_assert_geq(arr, 0);
  cr_expect_eq(d.n[arr].count, 3);
  cr_expect_str_eq(d.n[d.n[d.n[d.n[arr].first].next].next].str,
                   "x\xc3\xa9\xf0\x9f\x98\x80");
  js_free(&d);
}

Test(json, errors_are_located) {
  static const struct { const char *text, *want; int line, col; } bad[] = {
      {"{\"a\": 1,}", "syntax error", 1, 9},
      {"{\"a\": 01}", "syntax error", 1, 7},
      {"{\"a\": 1, \"a\": 2}", "duplicate key", 1, 10},
      {"[1,\n 2\n", "syntax error", 3, 1},
      {"\"\\ud800\"", "lone surrogate", 1, 8},
      {"\"a\\u0000\"", "NUL in string", 1, 9},
      {"1e999", "overflow", 1, 1},
      {"{} x", "syntax error", 1, 4},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    js_doc_t d;
    err_t e;
    int rc = js_parse(&d, bad[i].text, strlen(bad[i].text), "b.json", &e);
    tu_expect_at(rc, &e, "b.json", bad[i].line, bad[i].col, "(json)");
    cr_expect(strstr(e.msg, bad[i].want), "%zu: %s", i, e.msg);
  }
}

Test(json, depth_is_bounded) {
  char deep[2 * JS_MAX_DEPTH + 8];
  js_doc_t d;
  err_t e;
  memset(deep, '[', JS_MAX_DEPTH + 1);
  memset(deep + JS_MAX_DEPTH + 1, ']', JS_MAX_DEPTH + 1);
  cr_expect_eq(js_parse(&d, deep, 2 * JS_MAX_DEPTH + 2, "d.json", &e), 2);
  cr_expect(strstr(e.msg, "nested too deep"), "%s", e.msg);
  cr_expect_eq(js_parse(&d, deep + 1, 2 * JS_MAX_DEPTH, "d.json", &e), 0);
  js_free(&d);
}

/* ---- Pareto ------------------------------------------------------------------ */

Test(results, pareto_by_hand) {
  /* (latency, energy, area): 0 dominates 3; 1 and 2 trade off; 4 is in
   * another group and ranked alone; 5 failed and is not ranked */
  static const double v[6][3] = {{1, 1, 3}, {2, 0.5, 3}, {3, 3, 1},
                                 {1, 2, 3}, {9, 9, 9}, {0, 0, 0}};
  res_table_t t;
  memset(&t, 0, sizeof t);
  t.npoints = 6;
  t.points = calloc(6, sizeof *t.points);
  t.rows = calloc(6, sizeof *t.rows);
  for (int i = 0; i < 6; i++) {
    snprintf(t.points[i].group, 17, "%s", i == 4 ? "b" : "a");
    t.rows[i].state = i == 5 ? RES_FAILED : RES_OK;
    t.rows[i].v[RV_SECONDS] = v[i][0];
    t.rows[i].v[RV_ENERGY] = v[i][1];
    t.rows[i].v[RV_AREA] = v[i][2];
    t.rows[i].has[RV_SECONDS] = t.rows[i].has[RV_ENERGY] = t.rows[i].has[RV_AREA] = 1;
  }
  res_pareto(&t);
  cr_expect_eq(t.rows[0].pareto, 1);
  cr_expect_eq(t.rows[1].pareto, 1);
  cr_expect_eq(t.rows[2].pareto, 1);
  cr_expect_eq(t.rows[3].pareto, 0);
  cr_expect_eq(t.rows[4].pareto, 1);
  cr_expect_eq(t.rows[5].pareto, -1);
  res_free(&t);
}

/* ---- the command line ------------------------------------------------------- */

static int sh(const char *cmd) {
  char full[4096];
  const char *bin = getenv("ATTNSIM");
  int rc;
  snprintf(full, sizeof full, "mkdir -p build/tests/tmp; A=\"%s\"; %s",
           bin && *bin ? bin : "build/attnsim", cmd);
  rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* 24 points of gpt2-small cut to 8 decode steps: about 0.1 s each. */
#define SMALL_SPEC                                                    \
  "wset: {decode.generate: 8}\n"                                      \
  "timing_only: true\n"  "dense: true\n"                                               \
  "vary:\n"                                                           \
  "  - zip:\n"                                                        \
  "      - {set: qk_array.multipliers, values: [64, 256, 512]}\n"     \
  "      - {set: av_array.multipliers, values: [64, 256, 512]}\n"     \
  "  - {set: dram.channels, values: [2, 4, 8, 16]}\n"                 \
  "  - {set: topk.parallelism, values: [4, 16]}\n"
#define SMALL_POINTS 24

/* Rows of a results.csv: each index 0..n-1 exactly once, status ok. */
static void expect_rows(const char *csv, int n) {
  char *t = tu_slurp(csv), *line;
  int seen[SMALL_POINTS + 1] = {0}, rows = 0;
  cr_assert(t, "no %s", csv);
  line = strchr(t, '\n');
  while (line && line[1]) {
    char row[2048];
    int idx = atoi(line + 1);
    snprintf(row, sizeof row, "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
    cr_assert(idx >= 0 && idx < n, "bad index in %.40s", row);
    seen[idx]++;
    rows++;
    cr_expect(strstr(row, ",\"ok\",0,") != NULL, "row %d not ok: %.200s", idx, row);
    line = strchr(line + 1, '\n');
  }
  cr_expect_eq(rows, n, "%d rows, expected %d", rows, n);
  for (int i = 0; i < n; i++) cr_expect_eq(seen[i], 1, "index %d seen %d times", i, seen[i]);
  free(t);
}

/* Well-formed XML: every tag closed in order, attributes quoted, only the
 * five predefined entities; returns how many times class="cls" occurs. */
static int xml_check(const char *path, const char *cls) {
  char *t = tu_slurp(path), *p, stack[64][32];
  char want[64];
  int depth = 0, count = 0;
  cr_assert(t, "no %s", path);
  snprintf(want, sizeof want, "class=\"%s\"", cls);
  for (p = t; (p = strstr(p, want)); p++) count++;
  for (p = t; *p; p++) {
    if (*p == '&') {
      cr_assert(!strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) || !strncmp(p, "&amp;", 5) ||
                    !strncmp(p, "&quot;", 6) || !strncmp(p, "&apos;", 6),
                "%s: bad entity %.10s", path, p);
      continue;
    }
    if (*p == '>') cr_assert_fail("%s: stray '>' at %.20s", path, p);
    if (*p != '<') continue;
    if (p[1] == '?') { p = strstr(p, "?>") + 1; continue; }
    if (p[1] == '/') {
      size_t n = strcspn(p + 2, ">");
      cr_assert(depth > 0 && strlen(stack[depth - 1]) == n &&
                    !strncmp(stack[depth - 1], p + 2, n),
                "%s: </%.*s> closes %s", path, (int)n, p + 2, depth ? stack[depth - 1] : "nothing");
      depth--;
      p += n + 2;
      continue;
    }
    size_t n = strcspn(p + 1, " />");
    char *q = p + 1 + n;
    for (;;) { /* attributes: name="value" */
      while (*q == ' ' || *q == '\n') q++;
      if (*q == '/' || *q == '>') break;
      q += strcspn(q, "=");
      cr_assert(q[0] == '=' && q[1] == '"', "%s: unquoted attribute", path);
      q = strchr(q + 2, '"');
      cr_assert(q, "%s: unterminated attribute", path);
      q++;
    }
    if (*q == '>') {
      cr_assert(depth < 64 && n < 32);
      snprintf(stack[depth++], 32, "%.*s", (int)n, p + 1);
    } else {
      cr_assert(q[1] == '>', "%s: bad empty tag", path);
      q++;
    }
    p = q;
  }
  cr_expect_eq(depth, 0, "%s: %d elements left open", path, depth);
  free(t);
  return count;
}


/* Texts of an SVG that an estimate of 0.6 em per character (wider than
 * DejaVu Sans' average glyph) puts past the canvas' left or right edge;
 * rotated texts are left out. */
static int texts_outside(const char *path) {
  char *t = tu_slurp(path), *p;
  int width = 0, out = 0;
  cr_assert(t, "no %s", path);
  p = strstr(t, "<svg ");
  cr_assert(p && sscanf(strstr(p, "width=\"") + 7, "%d", &width) == 1);
  for (p = t; (p = strstr(p, "<text ")); p++) {
    char *end = strchr(p, '>'), *close = strstr(p, "</text>"), *a;
    double x = 0, w;
    int size = 0, chars = 0;
    cr_assert(end && close);
    for (char *c = end + 1; c < close; c++) /* an entity is one character */
      if (*c == '&') c = strchr(c, ';'), chars++;
      else chars++;
    if (strstr(p, "transform=") && strstr(p, "transform=") < end) continue;
    sscanf(strstr(p, " x=\"") + 4, "%lf", &x);
    sscanf(strstr(p, "font-size=\"") + 11, "%d", &size);
    w = 0.6 * size * chars;
    a = strstr(p, "text-anchor=\"") + 13;
    if ((!strncmp(a, "start", 5) && x + w > width) ||
        (!strncmp(a, "end", 3) && x - w < 0) ||
        (!strncmp(a, "middle", 6) && (x - w / 2 < 0 || x + w / 2 > width))) {
      fprintf(stderr, "%s: outside the canvas: %.*s\n", path, (int)(close - p), p);
      out++;
    }
  }
  free(t);
  return out;
}

/* The texts of class cls in an SVG, joined by '|' (at most len). */
static void texts_of(const char *path, const char *cls, char *buf, size_t len) {
  char *t = tu_slurp(path), *p, want[64];
  size_t n = 0;
  cr_assert(t, "no %s", path);
  snprintf(want, sizeof want, "class=\"%s\"", cls);
  buf[0] = 0;
  for (p = t; (p = strstr(p, want)); p++) {
    char *s = strchr(p, '>') + 1, *e = strstr(s, "</text>");
    n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%.*s|", (int)(e - s), s);
    if (n >= len) break;
  }
  free(t);
}

/* The plots of SMALL_SPEC's sweep: legends inside the canvas; two roof
 * halves per distinct figure, labelled with it and the keys that set it:
 * compute (qk + av multipliers) x 2 FLOP x 1 GHz (configs/spatten.yaml's
 * clock), memory channels x 128 bits x 2 Gb/s / 8 (its HBM2); energy bars
 * labelled by the four varied keys' values. */
static void expect_small_plots(const char *d) {
  char path[256], buf[8192];
  static const char *plots[] = {"latency-area", "energy", "roofline"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/plots/%s.svg", d, plots[i]);
    cr_expect_eq(texts_outside(path), 0, "%s", path);
  }
  snprintf(path, sizeof path, "%s/plots/roofline.svg", d);
  cr_expect_eq(xml_check(path, "roof"), 3 + 4); /* 3 multiplier sizes, 4 channel counts */
  texts_of(path, "rooflabel", buf, sizeof buf);
  cr_expect(strstr(buf, "2.05 TFLOP/s: qk_array.multipliers=512, av_array.multipliers=512|"), "%s", buf);
  cr_expect(strstr(buf, "256 GFLOP/s: qk_array.multipliers=64, av_array.multipliers=64|"), "%s", buf);
  cr_expect(strstr(buf, "64 GB/s: dram.channels=2|"), "%s", buf);
  cr_expect(strstr(buf, "512 GB/s: dram.channels=16|"), "%s", buf);
  snprintf(path, sizeof path, "%s/plots/energy.svg", d);
  texts_of(path, "xkey", buf, sizeof buf);
  cr_expect_str_eq(buf, "qk_array.multipliers|av_array.multipliers|dram.channels|topk.parallelism|");
  cr_expect_eq(xml_check(path, "xval"), SMALL_POINTS * 4);
  texts_of(path, "xval", buf, sizeof buf);
  /* point 0: 64, 64, 2, 4; the last varied key moves fastest */
  cr_expect(!strncmp(buf, "64|64|2|4|64|64|2|16|64|64|4|4|", 31), "%.64s", buf);
}

/* -j 2, SIGKILL once 4 points are done, rerun: nothing lost or
 * duplicated, no scratch file left, the same results.csv as a run that was
 * never killed, plots with one marker per point. Nothing here depends on
 * how fast the machine is: the spec's runner (tests/gate.sh) lets 4 runs
 * through and holds every later one until the sweep dies, so the kill
 * always finds exactly 4 points finished and the others running. The wait
 * for them is bounded only to stop a broken sweep from hanging the suite. */
#define GATE_RUNNER "runner: ../../../tests/gate.sh\n"
Test(sweep_cli, killed_sweep_resumes_without_loss, .timeout = 3600) {
  char spec[256], cmd[2048];
  char *a, *b;
  int rc;
  /* 68 runs of attnsim: minutes under memcheck, which the ASan and plain
   * suites cover */
  if (getenv("ATTNSIM_UNDER_VALGRIND"))
    cr_skip_test("68 simulator runs: left to the plain and ASan suites");
  spec_file(spec, sizeof spec, "kill.yaml", SMALL_SPEC GATE_RUNNER);
  snprintf(cmd, sizeof cmd,
           "d=build/tests/tmp/sweep-kill; g=$PWD/$d-gate; rm -rf $d $g; mkdir -p $g; "
           "mkfifo $g/fifo || exit 5; "
           "GATE_DIR=$g GATE_PASS=4 \"$A\" sweep %s -j 2 -o $d 2>/dev/null & pid=$!; "
           "count() { ls $d/points 2>/dev/null | grep -c '^[0-9a-f]*\\.json$'; }; "
           "i=0; while [ $(count) -lt 4 ] && kill -0 $pid 2>/dev/null && [ $i -lt 60000 ]; "
           "do sleep 0.05; i=$((i + 1)); done; kill -KILL $pid; { wait $pid; } 2>/dev/null; "
           "n=$(count); echo \"finished before the kill: $n of %d\" >&2; "
           "[ \"$n\" -eq 4 ] || exit 3; "
           "for f in $d/points/*.json; do case $f in *.run.json) ;; *) "
           "grep -q '^}$' $f || exit 4;; esac; done; exit 0", spec, SMALL_POINTS);
  rc = sh(cmd);
  cr_assert_eq(rc, 0, "kill phase: %d (3: not exactly 4 points finished at the kill, "
               "4: a truncated point file, 5: no FIFO)", rc);
  snprintf(cmd, sizeof cmd, "\"$A\" sweep %s -j 2 -o build/tests/tmp/sweep-kill "
           "2>build/tests/tmp/sweep-kill.log", spec);
  cr_assert_eq(sh(cmd), 0);
  a = tu_slurp("build/tests/tmp/sweep-kill.log");
  cr_expect(a && strstr(a, "0 not finished") && !strstr(a, " 0 finished before"), "%s", a);
  free(a);
  expect_rows("build/tests/tmp/sweep-kill/results.csv", SMALL_POINTS);
  cr_expect_eq(sh("ls build/tests/tmp/sweep-kill/points | grep -v '^[0-9a-f]*\\.json$' "
                  "&& exit 1; exit 0"), 0, "scratch files left behind");
  /* the same bytes as an uninterrupted run */
  snprintf(cmd, sizeof cmd, "rm -rf build/tests/tmp/sweep-once; \"$A\" sweep %s -j 2 "
           "-o build/tests/tmp/sweep-once 2>/dev/null", spec);
  cr_assert_eq(sh(cmd), 0);
  a = tu_slurp("build/tests/tmp/sweep-kill/results.csv");
  b = tu_slurp("build/tests/tmp/sweep-once/results.csv");
  cr_assert(a && b);
  cr_expect_str_eq(a, b);
  free(a);
  free(b);
  cr_assert_eq(sh("\"$A\" plot build/tests/tmp/sweep-kill 2>/dev/null"), 0);
  cr_expect_eq(xml_check("build/tests/tmp/sweep-kill/plots/latency-area.svg", "pt"), SMALL_POINTS);
  cr_expect_eq(xml_check("build/tests/tmp/sweep-kill/plots/roofline.svg", "pt"), SMALL_POINTS);
  cr_expect_eq(xml_check("build/tests/tmp/sweep-kill/plots/energy.svg", "bar"), SMALL_POINTS);
  expect_small_plots("build/tests/tmp/sweep-kill");
}

/* 4 points, 2 invalid (frac_bits 12 of a 12-bit datapath): recorded with
 * their error, the sweep goes on and exits 1; the same through GNU
 * parallel (for real) and through the Slurm script run task by task. */
#define MIXED_SPEC                                                    \
  "wset: {model.layers: 2, decode.generate: 2}\n"                     \
  "timing_only: true\n"  "dense: true\n"                                               \
  "vary:\n"                                                           \
  "  - {set: datapath.frac_bits, values: [8, 12]}\n"                  \
  "  - {set: dram.channels, values: [2, 16]}\n"

Test(sweep_cli, failed_points_are_recorded) {
  char spec[256], cmd[1024], *csv;
  spec_file(spec, sizeof spec, "mixed.yaml", MIXED_SPEC);
  snprintf(cmd, sizeof cmd, "rm -rf build/tests/tmp/sweep-mixed; \"$A\" sweep %s -j 2 "
           "-o build/tests/tmp/sweep-mixed 2>/dev/null", spec);
  cr_expect_eq(sh(cmd), 1);
  csv = tu_slurp("build/tests/tmp/sweep-mixed/results.csv");
  cr_assert(csv);
  cr_expect(strstr(csv, "\n0,") && strstr(csv, "\n3,"));
  cr_expect(strstr(csv, "\"failed\",2,\"gpt2-small\",12,2,"), "%s", csv);
  cr_expect(strstr(csv, "fractional bits must leave a sign bit"), "%s", csv);
  free(csv);
  /* plotting it warns: 2 failed; then with one finished point's file
   * removed (index 0's key, from the manifest), 1 not finished too */
  cr_expect_eq(sh("\"$A\" plot build/tests/tmp/sweep-mixed --quiet "
                  "2>build/tests/tmp/sweep-mixed.plot1"), 0);
  csv = tu_slurp("build/tests/tmp/sweep-mixed.plot1");
  cr_expect(csv && strstr(csv, "warning") && strstr(csv, "2 of 4 points not plotted: "
                                                     "0 not finished, 2 failed"), "%s", csv);
  free(csv);
  cr_assert_eq(sh("d=build/tests/tmp/sweep-mixed; k=$(grep -o '\"key\": *\"[0-9a-f]*\"' "
                  "$d/sweep.json | head -1 | grep -o '[0-9a-f]\\{16\\}'); "
                  "[ -f $d/points/$k.json ] && rm $d/points/$k.json"), 0);
  cr_expect_eq(sh("\"$A\" plot build/tests/tmp/sweep-mixed --quiet "
                  "2>build/tests/tmp/sweep-mixed.plot2"), 0);
  csv = tu_slurp("build/tests/tmp/sweep-mixed.plot2");
  cr_expect(csv && strstr(csv, "3 of 4 points not plotted: 1 not finished, 2 failed"), "%s", csv);
  free(csv);
  cr_expect_eq(xml_check("build/tests/tmp/sweep-mixed/plots/latency-area.svg", "pt"), 1);
}

/* Tick labels: one format along an axis, derived by hand from the axis
 * (linear steps of 1, 2 or 5 x 10^k, about six; log axes by decade). */
static void expect_ticks(double lo, double hi, bool log, const char *want) {
  svg_axis_t a = {lo, hi, log, "", false};
  double t[32];
  char lab[32][16], got[600] = "";
  int n = svg_tick_labels(&a, t, lab, 32);
  for (int i = 0; i < n; i++) strcat(strcat(got, lab[i]), " ");
  cr_expect_str_eq(got, want);
}

Test(svg, tick_labels_share_one_format) {
  expect_ticks(2.5, 3.1, false, "2.5 2.6 2.7 2.8 2.9 3.0 3.1 ");
  expect_ticks(0, 4000, false, "0 500 1000 1500 2000 2500 3000 3500 4000 ");
  expect_ticks(0, 30000, false, "0 5k 10k 15k 20k 25k 30k ");
  expect_ticks(0, 1.5, false, "0 0.2 0.4 0.6 0.8 1.0 1.2 1.4 ");
  expect_ticks(0.1, 1000, true, "0.1 1 10 100 1k ");
  expect_ticks(1e10, 1e13, true, "10G 100G 1T 10T ");
}

Test(sweep_cli, gnu_parallel_and_slurm_match_a_local_run) {
  char spec[256], cmd[2048], *local, *par, *slurm;
  if (sh("command -v parallel >/dev/null") != 0) {
    fprintf(stderr, "skipped: GNU parallel is not installed (Debian package parallel)\n");
    return;
  }
  spec_file(spec, sizeof spec, "dist.yaml", MIXED_SPEC);
  snprintf(cmd, sizeof cmd,
           "t=build/tests/tmp; rm -rf $t/sweep-loc $t/sweep-par $t/sweep-slurm; "
           "\"$A\" sweep %s -o $t/sweep-loc 2>/dev/null; "
           "\"$A\" sweep %s --emit parallel -o $t/sweep-par 2>/dev/null || exit 5; "
           "[ $(wc -l < $t/sweep-par/jobs.txt) = 4 ] || exit 6; "
           "parallel -j 2 < $t/sweep-par/jobs.txt 2>/dev/null; "
           "\"$A\" sweep --merge $t/sweep-par 2>/dev/null; [ $? = 1 ] || exit 7; "
           "\"$A\" sweep %s --emit slurm -o $t/sweep-slurm 2>/dev/null || exit 8; "
           "for i in 0 1 2 3; do SLURM_ARRAY_TASK_ID=$i sh $t/sweep-slurm/sweep.slurm "
           ">/dev/null 2>&1; done; \"$A\" sweep --merge $t/sweep-slurm 2>/dev/null; "
           "[ $? = 1 ] || exit 9; exit 0", spec, spec, spec);
  cr_assert_eq(sh(cmd), 0);
  local = tu_slurp("build/tests/tmp/sweep-loc/results.csv");
  par = tu_slurp("build/tests/tmp/sweep-par/results.csv");
  slurm = tu_slurp("build/tests/tmp/sweep-slurm/results.csv");
  cr_assert(local && par && slurm);
  cr_expect_str_eq(par, local);
  cr_expect_str_eq(slurm, local);
  free(local), free(par), free(slurm);
}

/* A point past its timeout is stopped and recorded as timed out: the
 * runner holds the point (tests/gate.sh with no run let through), so it
 * cannot finish first however fast the machine is. */
Test(sweep_cli, timeout_is_recorded) {
  char spec[256], cmd[1024], *csv;
  spec_file(spec, sizeof spec, "slow.yaml",
            "timeout_s: 0.05\n" GATE_RUNNER "vary:\n  - {set: dram.channels, values: [1]}\n");
  snprintf(cmd, sizeof cmd, "d=build/tests/tmp/sweep-slow; g=$PWD/$d-gate; rm -rf $d $g; "
           "mkdir -p $g; mkfifo $g/fifo || exit 5; GATE_DIR=$g GATE_PASS=0 \"$A\" sweep %s "
           "-o $d 2>/dev/null", spec);
  cr_expect_eq(sh(cmd), 1);
  csv = tu_slurp("build/tests/tmp/sweep-slow/results.csv");
  cr_assert(csv);
  cr_expect(strstr(csv, "\"timeout\"") && strstr(csv, "timed out after 0.05 s"), "%s", csv);
  free(csv);
}

/* ---- baselines ------------------------------------------------------------- */

/* The A100 and H100 presets carry NVIDIA's datasheet figures (dense FP16
 * tensor TFLOP/s, SXM HBM bandwidth) and FP16 elements; on GPT-2 decode
 * (about 1 FLOP per byte at 2 B per element) both are memory-bound, so
 * the time is bytes / bandwidth with bytes counted as above. */
Test(baseline, a100_and_h100_presets) {
  static const struct { const char *file; double tflops, gbps; } gpus[] = {
      {"configs/baseline/a100.yaml", 312, 2039},  /* A100 80GB SXM datasheet */
      {"configs/baseline/h100.yaml", 989.4, 3350}, /* H100 SXM datasheet: 1979 sparse / 2 */
  };
  wl_t w;
  attn_work_t a;
  err_t e;
  double keys = 0, bytes;
  cr_assert_eq(wl_load("workloads/gpt2-small.yaml", &w, &e), 0, "%s", e.msg);
  attn_work(&w, &a);
  for (int t = 0; t < 32; t++) keys += 992 + t + 1;
  bytes = 144 * 2.0 * (32 * 64 * 2 + keys * 64 * 2);
  for (int i = 0; i < 2; i++) {
    gpu_t g;
    gpu_roof_t r;
    cr_assert_eq(gpu_load(gpus[i].file, &g, &e), 0, "%s", e.msg);
    cr_expect_eq(g.peak_tflops, gpus[i].tflops, "%s", gpus[i].file);
    cr_expect_eq(g.bandwidth_GBps, gpus[i].gbps, "%s", gpus[i].file);
    gpu_roofline(&g, &a, &r);
    cr_expect_eq(r.bytes, bytes, "%s", gpus[i].file);
    cr_expect(fabs(r.seconds - bytes / (gpus[i].gbps * 1e9)) < 1e-15, "%g", r.seconds);
    cr_expect_str_eq(r.bound, "memory");
  }
}

/* The GPU roofline's FLOPs are the simulator's counted MACs x 2, and its
 * time is max(FLOPs / peak, bytes / bandwidth), worked out by hand. */
Test(baseline, gpu_roofline_by_hand) {
  err_t e;
  gpu_t g;
  wl_t w;
  attn_work_t a;
  gpu_roof_t r;
  double keys = 0, bytes;
  cr_assert_eq(gpu_load("configs/baseline/titan-xp.yaml", &g, &e), 0, "%s", e.msg);
  cr_expect_eq(g.peak_tflops, 12.15);
  cr_expect_eq(g.bandwidth_GBps, 547.7);
  cr_assert_eq(wl_load("workloads/gpt2-small.yaml", &w, &e), 0, "%s", e.msg);
  attn_work(&w, &a);
  gpu_roofline(&g, &a, &r);
  for (int t = 0; t < 32; t++) keys += 992 + t + 1;
  cr_expect_eq(a.macs, 144 * keys * 64 * 2);
  bytes = 144 * 4.0 * (32 * 64 * 2 + keys * 64 * 2);
  cr_expect_eq(r.bytes, bytes);
  cr_expect(fabs(r.seconds - bytes / 547.7e9) < 1e-15, "%g", r.seconds);
  cr_expect_str_eq(r.bound, "memory");
  /* the simulator counts the same MACs */
  cr_assert_eq(sh("\"$A\" run --config configs/spatten.yaml --workload workloads/gpt2-small.yaml "
                  "--timing-only --dense --quiet --json build/tests/tmp/sweep-gpu.json"), 0);
  {
    js_doc_t d;
    double macs;
    cr_assert_eq(js_load(&d, "build/tests/tmp/sweep-gpu.json", &e), 0, "%s", e.msg);
    cr_assert_eq(js_num_at(&d, 0, "ops.macs", &macs), 0);
    cr_expect_eq(macs, a.macs);
    js_free(&d);
  }
}

Test(baseline, cpu_reports_a_measured_time) {
  char *j;
  cr_assert_eq(sh("\"$A\" baseline-cpu --workload workloads/gpt2-small.yaml --wset "
                  "model.layers=1 --wset decode.generate=2 --reps 2 --quiet --json "
                  "build/tests/tmp/sweep-cpu.json"), 0);
  j = tu_slurp("build/tests/tmp/sweep-cpu.json");
  cr_assert(j);
  cr_expect(strstr(j, "\"baseline\": \"cpu-golden\"") && strstr(j, "\"reps\": 2") &&
            strstr(j, "\"threads\": 1") && !strstr(j, "\"seconds_min\": 0,"), "%s", j);
  free(j);
}

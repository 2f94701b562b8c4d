/* test_timeline.c - the Chrome trace-event timeline (attnsim run
 * --timeline FILE [--timeline-window FROM:TO], docs/timeline.md), checked
 * against the run's own report (--json) of the same run: the file is
 * valid JSON, the DRAM bandwidth counter integrates to
 * dram.transferred_bytes, each unit's state row tiles the run and adds up
 * to the report's units.<unit>.<state> cycles, a window clips every event
 * and shrinks the file, and asking for a timeline changes no report. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "json.h"
#include "stats.h"
#include "testutil.h"

/* Two layers, two generated tokens of gpt2-small under SpAtten's schedule:
 * about 27k cycles, so the counter's buckets are merged (16 cycles each). */
#define RUN "run --config configs/spatten.yaml --workload workloads/gpt2-small.yaml " \
            "--wset decode.generate=2 --layers 2 --quiet "
#define DIR "build/tests/tmp/timeline"

/* Every %.4f timestamp or duration (µs) is within 5e-5 of its value, so
 * a sum or difference of two within 1e-4 µs: a tenth of a cycle at
 * 1 GHz, small enough that no missing or extra cycle hides in it. */
#define TS_TOL 1e-4

static int sh(const char *cmd) {
  char full[2048];
  const char *bin = getenv("ATTNSIM");
  int rc;
  snprintf(full, sizeof full, "attnsim() { \"%s\" \"$@\"; }; mkdir -p " DIR "; %s",
           bin ? bin : "build/attnsim", cmd);
  rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void load(js_doc_t *d, const char *path) {
  err_t e;
  cr_assert_eq(js_load(d, path, &e), 0, "%s", e.msg);
}

/* The simulated clock from the config itself (1 GHz, SpAtten's). */
static double clock_ghz(void) {
  cfg_t c;
  err_t e;
  cr_assert_eq(cfg_load("configs/spatten.yaml", &c, &e), 0, "%s", e.msg);
  return c.clock_ghz;
}

static double num(const js_doc_t *d, int node, const char *path) {
  double v = 0;
  cr_assert_eq(js_num_at(d, node, path, &v), 0, "no number at %s", path);
  return v;
}

static long file_size(const char *path) {
  struct stat st;
  cr_assert_eq(stat(path, &st), 0, "%s", path);
  return (long)st.st_size;
}

/* Events of the trace, in file order. */
static int events(const js_doc_t *d) {
  int ev = js_member(d, 0, "traceEvents");
  cr_assert(ev >= 0 && d->n[ev].type == JS_ARR);
  return ev;
}

static const char *ph(const js_doc_t *d, int n) { return js_str_at(d, n, "ph"); }

/* The tid of the row named name ("qk_array state"), or -1. */
static int row_tid(const js_doc_t *d, const char *name) {
  for (int n = d->n[events(d)].first; n >= 0; n = d->n[n].next) {
    const char *rn = js_str_at(d, n, "args.name");
    if (strcmp(ph(d, n), "M") == 0 && rn && strcmp(rn, name) == 0 &&
        strcmp(js_str_at(d, n, "name"), "thread_name") == 0)
      return (int)num(d, n, "tid");
  }
  return -1;
}

/* The counter's area: a "C" event holds its value until the next one, and
 * GB/s x µs = 1e9 B/s x 1e-6 s = 1e3 B, so the bytes a track shows are
 * sum_i GB/s_i x (ts_{i+1} - ts_i) x 1e3. Checks the point count and that
 * the last event closes the track at 0; *first, *last: its ends in µs. */
static double counter_bytes(const js_doc_t *d, double *first, double *last,
                            double *round_tol) {
  double prev_ts = 0, prev_v = 0, area = 0, tol = 0;
  int npts = 0;
  for (int n = d->n[events(d)].first; n >= 0; n = d->n[n].next) {
    double ts, v;
    if (strcmp(ph(d, n), "C") != 0) continue;
    cr_assert_str_eq(js_str_at(d, n, "name"), "DRAM bandwidth");
    ts = num(d, n, "ts");
    v = num(d, n, "args.GB/s");
    cr_assert_geq(v, 0);
    if (npts) {
      cr_assert_gt(ts, prev_ts, "counter events out of order at %f", ts);
      area += prev_v * (ts - prev_ts) * 1e3;
      /* rounding: the value to 9 digits (relative 5e-9), each ts to
       * 1e-6 µs (a bucket's length off by 1e-6 µs: 1e-3 B per GB/s) */
      tol += prev_v * (ts - prev_ts) * 1e3 * 5e-9 + prev_v * 1e-3;
    } else {
      *first = ts;
    }
    prev_ts = ts;
    prev_v = v;
    npts++;
  }
  cr_assert_gt(npts, 1);
  /* at most 2,000 buckets, plus the closing point */
  cr_expect_leq(npts, 2001, "%d counter points", npts);
  cr_expect_eq(prev_v, 0, "the track does not close at 0");
  *last = prev_ts;
  *round_tol = tol;
  return area;
}

/* Unit u's state slices, in file order, must tile [from, to) µs: the
 * first starts at from, each starts where the one before ended, the last
 * ends at to. Adds each slice's cycles to per_state[state]. */
static void expect_tiling(const js_doc_t *d, int u, double from, double to,
                          double us_per_cycle, double per_state[US_COUNT]) {
  char name[64];
  int tid, n, k = 0;
  double at = from;
  snprintf(name, sizeof name, "%s state", unit_names[u]);
  cr_assert((tid = row_tid(d, name)) >= 0, "no row %s", name);
  for (n = d->n[events(d)].first; n >= 0; n = d->n[n].next) {
    double ts, dur;
    int s;
    if (strcmp(ph(d, n), "X") != 0 || (int)num(d, n, "tid") != tid) continue;
    ts = num(d, n, "ts");
    dur = num(d, n, "dur");
    cr_assert_gt(dur, 0, "%s: empty slice at %f", name, ts);
    cr_assert(fabs(ts - at) <= TS_TOL, "%s: slice %d starts at %f, expected %f "
              "(a gap or an overlap)", name, k, ts, at);
    for (s = 0; s < US_COUNT; s++)
      if (strcmp(js_str_at(d, n, "name"), ustate_names[s]) == 0) break;
    cr_assert_lt(s, US_COUNT, "%s: unknown state %s", name, js_str_at(d, n, "name"));
    per_state[s] += dur / us_per_cycle;
    at = ts + dur;
    k++;
  }
  cr_assert_gt(k, 0, "%s: no slices", name);
  cr_expect(fabs(at - to) <= TS_TOL, "%s: ends at %f, expected %f", name, at, to);
}

/* The whole run: valid JSON, the counter's bytes equal the report's
 * dram.transferred_bytes, and each unit's state row tiles [0, cycles)
 * with the report's cycles per state. */
static void whole_run(const char *extra, const char *tag) {
  char cmd[1024], tl[256], rep[256];
  js_doc_t t, r;
  double us = 1e-3 / clock_ghz(), cycles, bytes, first, last, area, tol;
  snprintf(tl, sizeof tl, DIR "/%s.tl.json", tag);
  snprintf(rep, sizeof rep, DIR "/%s.json", tag);
  snprintf(cmd, sizeof cmd, "attnsim " RUN "%s --timeline %s --json %s", extra, tl, rep);
  cr_assert_eq(sh(cmd), 0, "%s", cmd);
  load(&t, tl);
  load(&r, rep);
  cycles = num(&r, 0, "cycles");
  bytes = num(&r, 0, "dram.transferred_bytes");
  cr_assert_gt(bytes, 0);
  area = counter_bytes(&t, &first, &last, &tol);
  cr_expect(fabs(first) <= TS_TOL, "track starts at %f µs", first);
  cr_expect(fabs(last - cycles * us) <= TS_TOL, "track ends at %f µs, run at %f",
            last, cycles * us);
  cr_expect(fabs(area - bytes) <= tol + 1, "counter area %.3f B, transferred %.0f B "
            "(rounding bound %.3f B)", area, bytes, tol + 1);
  for (int u = 0; u < UNIT_COUNT; u++) {
    double per[US_COUNT] = {0}, cnt = 0;
    expect_tiling(&t, u, 0, cycles * us, us, per);
    for (int s = 0; s < US_COUNT; s++) {
      char path[128];
      snprintf(path, sizeof path, "units.%s.%s", unit_names[u], ustate_names[s]);
      cnt += per[s];
      cr_expect(fabs(per[s] - num(&r, 0, path)) <= 0.5, "%s: %f cycles in the "
                "timeline, %f in the report", path, per[s], num(&r, 0, path));
    }
    cr_expect(fabs(cnt - cycles) <= 0.5);
  }
  js_free(&t);
  js_free(&r);
}

Test(timeline, whole_run_hbm2) { whole_run("", "hbm2"); }

Test(timeline, whole_run_simple_dram) { whole_run("--set dram.model=simple", "simple"); }

/* A window [from, to) of the run's second quarter: every slice inside it,
 * the counter limited to it and still adding up to less than the whole,
 * each state row tiling exactly the window, a smaller file. */
Test(timeline, window_clips_every_event) {
  char cmd[1024];
  js_doc_t t, r;
  double us = 1e-3 / clock_ghz(), first, last, area, tol, whole = 0;
  uint64_t cycles, from, to;
  int n, nx = 0;
  cr_assert_eq(sh("attnsim " RUN "--timeline " DIR "/all.tl.json --json " DIR "/all.json"), 0);
  load(&r, DIR "/all.json");
  cycles = (uint64_t)num(&r, 0, "cycles");
  whole = num(&r, 0, "dram.transferred_bytes");
  from = cycles / 4;
  to = cycles / 2;
  snprintf(cmd, sizeof cmd, "attnsim " RUN "--timeline " DIR "/win.tl.json "
           "--timeline-window %llu:%llu", (unsigned long long)from,
           (unsigned long long)to);
  cr_assert_eq(sh(cmd), 0);
  load(&t, DIR "/win.tl.json");
  for (n = t.n[events(&t)].first; n >= 0; n = t.n[n].next) {
    double ts, end;
    if (strcmp(ph(&t, n), "X") != 0) continue;
    ts = num(&t, n, "ts");
    end = ts + num(&t, n, "dur");
    cr_expect(ts >= from * us - TS_TOL && end <= to * us + TS_TOL,
              "slice [%f, %f] µs outside the window [%f, %f]", ts, end,
              from * us, to * us);
    nx++;
  }
  cr_expect_gt(nx, 0);
  area = counter_bytes(&t, &first, &last, &tol);
  cr_expect(fabs(first - from * us) <= TS_TOL && fabs(last - to * us) <= TS_TOL,
            "track [%f, %f] µs, window [%f, %f]", first, last, from * us, to * us);
  cr_expect(area > 0 && area < whole, "window's bytes %f, the run's %f", area, whole);
  for (int u = 0; u < UNIT_COUNT; u++) {
    double per[US_COUNT] = {0};
    expect_tiling(&t, u, from * us, to * us, us, per);
  }
  cr_expect_lt(file_size(DIR "/win.tl.json"), file_size(DIR "/all.tl.json"));
  js_free(&t);
  js_free(&r);
}

/* Timelines only watch: the reports of a run with a (windowed) timeline
 * are the bytes of the same run without one. */
Test(timeline, reports_do_not_change) {
  cr_assert_eq(sh("attnsim " RUN "--json " DIR "/plain.json --csv " DIR "/plain.csv"), 0);
  cr_assert_eq(sh("attnsim " RUN "--json " DIR "/tl.json --csv " DIR "/tl.csv "
                  "--timeline " DIR "/tl.tl.json --timeline-window 1000:9000"), 0);
  cr_expect_eq(sh("cmp " DIR "/plain.json " DIR "/tl.json"), 0);
  cr_expect_eq(sh("cmp " DIR "/plain.csv " DIR "/tl.csv"), 0);
}

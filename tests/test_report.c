/* Reports and output files. Derived metrics are pinned to formulas worked
 * out by hand below on a toy machine; the JSON is parsed by a strict
 * validator written here (not by the code under test); outfiles are
 * complete or absent, even when the process is killed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"
#include "report.h"
#include "testutil.h"

/* ---- a toy machine and run ------------------------------------------------
 * 1 GHz; 2 channels x 128 bits x 2 Gb/s = 64 GB/s = 64 B/cycle.
 * 8-bit datapath; energies and areas quoted at 4 bits, so x (8/4)^2 = 4.
 * 4 QK and 2 AV multipliers, 2 softmax units, 3 top-k comparators. */
static cfg_t toy_cfg(void) {
  cfg_t c;
  memset(&c, 0, sizeof c);
  snprintf(c.name, sizeof c.name, "toy");
  c.clock_ghz = 1;
  c.width = 8;
  c.qk_multipliers = 4;
  c.av_multipliers = 2;
  c.softmax_units = 2;
  c.topk_parallelism = 3;
  c.query_buffer_bytes = 1024;
  c.key_buffer_bytes = 2048;
  c.value_buffer_bytes = 2048;
  c.output_buffer_bytes = 1024;
  c.score_buffer_entries = 256;
  c.dram_channels = 2;
  c.dram_bus_bits = 128;
  c.dram_gbps_per_pin = 2;
  c.e_mac_pj = 0.5;
  c.e_mac_bits = 4;
  c.e_softmax_pj = 3;
  c.e_sram_access_bits = 64;
  c.e_query_buffer_pj = 1;
  c.e_key_buffer_pj = 2;
  c.e_value_buffer_pj = 3;
  c.e_score_buffer_pj = 4;
  c.e_output_buffer_pj = 5;
  c.e_dram_pj_per_bit = 2;
  c.e_static_mw = 10;
  c.a_mult_mm2 = 0.01;
  c.a_mult_bits = 4;
  /* buffers: 0.5 mm2 per KB of each; writes cost as reads */
  c.a_query_buffer_mm2 = 0.5, c.a_key_buffer_mm2 = 1, c.a_value_buffer_mm2 = 1;
  c.a_score_buffer_mm2 = 0.5, c.a_output_buffer_mm2 = 0.5;
  c.e_query_buffer_write_pj = 1, c.e_key_buffer_write_pj = 2;
  c.e_value_buffer_write_pj = 3, c.e_score_buffer_write_pj = 4;
  c.e_output_buffer_write_pj = 5;
  /* coefficients at the chip's own node and supply: no scaling */
  c.t_node_nm = c.t_ref_node_nm = 45;
  c.t_vdd = c.t_logic_ref_vdd = c.t_sram_ref_vdd = 1.0;
  c.a_softmax_mm2 = 0.1;
  c.a_topk_mm2 = 0.05;
  return c;
}

static wl_t toy_wl(void) {
  wl_t w;
  memset(&w, 0, sizeof w);
  snprintf(w.name, sizeof w.name, "tiny");
  w.layers = 3;
  w.heads = 2;
  w.head_dim = 16;
  w.phase = WL_DECODE;
  return w;
}

/* 1000 cycles; 400 + 600 MACs; 100 softmax elements; 32000 B on the bus;
 * SRAM bytes 128 (Q), 640 (K), 640 (V), 320 (S), 64 (O). */
static void toy_stats(stats_t *st) {
  static const int ends[3] = {100, 250, 400};
  int i;
  st_init(st);
  st->c[ST_CYCLES] = 1000;
  st->c[ST_INSNS] = 77;
  st->c[ST_QK_MACS] = 400;
  st->c[ST_AV_MACS] = 600;
  st->c[ST_SOFTMAX_ELEMS] = 100;
  st->c[ST_DRAM_READ_BYTES] = 30000;
  st->c[ST_DRAM_WRITE_BYTES] = 1500;
  st->c[ST_DRAM_TRANSFERRED_BYTES] = 32000;
  st->c[ST_DRAM_READ_REQUESTS] = 50;
  st->c[ST_DRAM_READ_LATENCY] = 5000;
  st->c[ST_QBUF_READ_BYTES] = 64;
  st->c[ST_QBUF_WRITE_BYTES] = 64;
  st->c[ST_KBUF_READ_BYTES] = 320;
  st->c[ST_KBUF_WRITE_BYTES] = 320;
  st->c[ST_VBUF_READ_BYTES] = 320;
  st->c[ST_VBUF_WRITE_BYTES] = 320;
  st->c[ST_SBUF_READ_BYTES] = 160;
  st->c[ST_SBUF_WRITE_BYTES] = 160;
  st->c[ST_OBUF_READ_BYTES] = 32;
  st->c[ST_OBUF_WRITE_BYTES] = 32;
  st->unit[UNIT_QK][US_BUSY] = 300;
  st->unit[UNIT_QK][US_IDLE] = 200;
  st->unit[UNIT_QK][US_STALL_DRAM] = 500;
  for (i = 0; i < 3; i++) {
    int k = st_add_layer(st, 0, i);
    cr_assert_geq(k, 0);
    st->layers[k].end_cycle = (uint64_t)ends[i];
  }
}

typedef struct toy {
  cfg_t c;
  wl_t w;
  stats_t st;
  rep_t r;
} toy_t;

static void toy_init(toy_t *t) {
  t->c = toy_cfg();
  t->w = toy_wl();
  toy_stats(&t->st);
  memset(&t->r, 0, sizeof t->r);
  t->r.cfg = &t->c;
  t->r.wl = &t->w;
  t->r.st = &t->st;
  t->r.config_path = "configs/toy.yaml";
  t->r.workload_path = "workloads/tiny.yaml";
  t->r.config_hash = 0x0123456789abcdefULL;
}

static double val(const rep_t *r, const char *path) {
  double v = -12345;
  cr_assert_eq(rep_value(r, path, &v), 0, "rep_value(%s) failed", path);
  return v;
}

#define EXPECT_NEAR(r, path, want)                                          \
  do {                                                                      \
    double got_ = val(r, path), want_ = (want);                             \
    cr_expect(fabs(got_ - want_) <= 1e-9 * fmax(1, fabs(want_)),            \
              "%s = %.12g, expected %.12g", path, got_, want_);             \
  } while (0)

/* ---- derived metrics -------------------------------------------------------- */

/* A string of the "bounds" object (written as `"name": "value"` in the
 * JSON), copied into a static buffer. */
static const char *str_val(const rep_t *r, const char *path) {
  static char out[64];
  char *buf = NULL, pat[80];
  const char *name = strrchr(path, '.') + 1, *at, *end;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  err_t e;
  cr_assert(f);
  cr_assert_eq(rep_json_to(r, f, &e), 0);
  fclose(f);
  snprintf(pat, sizeof pat, "\"%s\": \"", name);
  at = strstr(buf, pat);
  cr_assert(at, "%s not in the JSON", path);
  at += strlen(pat);
  end = strchr(at, '"');
  snprintf(out, sizeof out, "%.*s", (int)(end - at), at);
  free(buf);
  return out;
}

Test(report, derived_time_ops_and_dram) {
  toy_t t;
  toy_init(&t);
  EXPECT_NEAR(&t.r, "cycles", 1000);
  EXPECT_NEAR(&t.r, "seconds", 1000 / 1e9);
  EXPECT_NEAR(&t.r, "ops.macs", 400 + 600);
  EXPECT_NEAR(&t.r, "ops.tflops", 2.0 * 1000 / 1e-6 / 1e12); /* 0.002 */
  EXPECT_NEAR(&t.r, "dram.peak_GBps", 2 * 128 / 8 * 2);      /* 64 */
  EXPECT_NEAR(&t.r, "dram.bandwidth_GBps", 32000 / 1e-6 / 1e9); /* 32 */
  EXPECT_NEAR(&t.r, "dram.mean_read_latency_cycles", 5000.0 / 50);
  st_free(&t.st);
}

Test(report, derived_energy) {
  toy_t t;
  double compute = 1000 * 0.5 * 4;             /* (8/4)^2 */
  double softmax = 100 * 3;
  double sram = 128 * 8 / 64 * 1 + 640 * 8 / 64 * 2 + 640 * 8 / 64 * 3 +
                320 * 8 / 64 * 4 + 64 * 8 / 64 * 5; /* 16+160+240+160+40 */
  double dram = 32000 * 8 * 2;
  double stat = 10 * 1e-6 * 1e9;               /* 10 mW for 1 us = 10 nJ */
  toy_init(&t);
  EXPECT_NEAR(&t.r, "energy_pj.compute", compute);
  EXPECT_NEAR(&t.r, "energy_pj.softmax", softmax);
  EXPECT_NEAR(&t.r, "energy_pj.sram", 616);
  EXPECT_NEAR(&t.r, "energy_pj.sram", sram);
  EXPECT_NEAR(&t.r, "energy_pj.dram", dram);
  EXPECT_NEAR(&t.r, "energy_pj.static", stat);
  EXPECT_NEAR(&t.r, "energy_pj.total", compute + softmax + sram + dram + stat);
  EXPECT_NEAR(&t.r, "energy_pj.total", 524916);
  st_free(&t.st);
}

/* Re-costing: the same counts with another energy table. */
Test(report, energy_is_recosted_from_the_config) {
  toy_t t;
  toy_init(&t);
  t.c.e_dram_pj_per_bit = 1;
  t.c.e_mac_bits = 8;
  EXPECT_NEAR(&t.r, "energy_pj.dram", 32000 * 8 * 1);
  EXPECT_NEAR(&t.r, "energy_pj.compute", 1000 * 0.5);
  st_free(&t.st);
}

/* Every module's energy and area by hand on the toy: the arrays split the
 * compute energy by their MACs (400 and 600 at 0.5 pJ x 4) and the area
 * by their multipliers (4 and 2 at 0.01 mm2 x 4); each buffer is its
 * accesses and its KB. The parts add up to the totals (static energy is
 * the chip's, no module's). 1000 cycles at 1 GHz = 1 us: 2 x 1000 MACs
 * = 2 GOP/s; power is energy / 1 us. */
Test(report, modules_power_and_throughput) {
  toy_t t;
  double e_topk = 50 * 0.5, chip, total, e_sum = 0, a_sum = 0;
  static const char *mods[] = {"qk_array", "av_array", "softmax", "topk",
                               "query_buffer", "key_buffer", "value_buffer",
                               "score_buffer", "output_buffer", "dram",
                               "topk_fifo", "zero_elim", "importance",
                               "requant", "fetchers", "crossbar", "hbm_ctrl",
                               "hbm_phy", "control"};
  char path[96];
  size_t i;
  toy_init(&t);
  t.st.c[ST_TOPK_COMPARISONS] = 50;
  t.c.e_topk_pj = 0.5;
  EXPECT_NEAR(&t.r, "energy_pj.topk", e_topk);
  EXPECT_NEAR(&t.r, "energy_pj.total", 524916 + e_topk);
  EXPECT_NEAR(&t.r, "modules.qk_array.energy_pj", 400 * 0.5 * 4);
  EXPECT_NEAR(&t.r, "modules.av_array.energy_pj", 600 * 0.5 * 4);
  EXPECT_NEAR(&t.r, "modules.key_buffer.energy_pj", 640 * 8 / 64 * 2);
  EXPECT_NEAR(&t.r, "modules.score_buffer.area_mm2", 4 * 256 / 1024.0 * 0.5);
  EXPECT_NEAR(&t.r, "modules.qk_array.area_mm2", 4 * 0.01 * 4);
  EXPECT_NEAR(&t.r, "modules.av_array.area_mm2", 2 * 0.01 * 4);
  EXPECT_NEAR(&t.r, "modules.dram.energy_pj", 32000 * 8 * 2);
  EXPECT_NEAR(&t.r, "modules.dram.area_mm2", 0);
  for (i = 0; i < sizeof mods / sizeof mods[0]; i++) {
    snprintf(path, sizeof path, "modules.%s.energy_pj", mods[i]);
    e_sum += val(&t.r, path);
    snprintf(path, sizeof path, "modules.%s.area_mm2", mods[i]);
    a_sum += val(&t.r, path);
  }
  total = val(&t.r, "energy_pj.total");
  chip = total - 32000 * 8 * 2;
  /* a module's energy holds its leakage: the static 10 mW is control's */
  EXPECT_NEAR(&t.r, "energy_pj.total", e_sum);
  EXPECT_NEAR(&t.r, "area_mm2.total", a_sum);
  EXPECT_NEAR(&t.r, "power_mw.chip", chip * 1e-12 / 1e-6 * 1e3);
  EXPECT_NEAR(&t.r, "power_mw.total", total * 1e-12 / 1e-6 * 1e3);
  EXPECT_NEAR(&t.r, "ops.gops", 2.0);
  EXPECT_NEAR(&t.r, "ops.gops_per_j.chip", 2000 / (chip * 1e-12) / 1e9);
  EXPECT_NEAR(&t.r, "ops.gops_per_j.total", 2000 / (total * 1e-12) / 1e9);
  st_free(&t.st);
}

Test(report, derived_area) {
  toy_t t;
  toy_init(&t);
  EXPECT_NEAR(&t.r, "area_mm2.multipliers", (4 + 2) * 0.01 * 4);
  /* 1024 + 2048 + 2048 + 1024 + 4 * 256 = 7168 B = 7 KB */
  EXPECT_NEAR(&t.r, "area_mm2.sram", 7 * 0.5);
  EXPECT_NEAR(&t.r, "area_mm2.softmax", 2 * 0.1);
  EXPECT_NEAR(&t.r, "area_mm2.topk", 3 * 0.05);
  EXPECT_NEAR(&t.r, "area_mm2.total", 0.24 + 3.5 + 0.2 + 0.15);
  st_free(&t.st);
}

/* memory: 32000 B at 64 B/cycle = 500; compute: max(400/4, 600/2,
 * 3 passes * 100/2) = 300; floor 500 of 1000 cycles. */
Test(report, derived_bounds) {
  toy_t t;
  toy_init(&t);
  EXPECT_NEAR(&t.r, "bounds.memory_cycles", 500);
  EXPECT_NEAR(&t.r, "bounds.compute_cycles", 300);
  EXPECT_NEAR(&t.r, "bounds.efficiency", 0.5);
  /* one byte more needs one more cycle; one more AV MAC too */
  t.st.c[ST_DRAM_TRANSFERRED_BYTES] = 32001;
  t.st.c[ST_AV_MACS] = 601;
  EXPECT_NEAR(&t.r, "bounds.memory_cycles", 501);
  EXPECT_NEAR(&t.r, "bounds.compute_cycles", 301);
  cr_expect_str_eq(str_val(&t.r, "bounds.compute_unit"), "av_array");
  /* compute-bound on the softmax: 100 SMAX runs of 6 scores at 2 lanes
   * (sim/timing.h) take 3 * ceil(6 / 2) + max_latency 4 + exp_latency 8
   * = 21 cycles each, 2100 in all; three passes alone would say
   * 3 * 600 / 2 = 900 */
  t.c.softmax_max_latency = 4;
  t.c.softmax_exp_latency = 8;
  t.st.c[ST_SOFTMAX_ELEMS] = 600;
  t.st.c[ST_SOFTMAX_BUSY] = 100 * 21;
  t.st.c[ST_CYCLES] = 3000;
  t.st.c[ST_DRAM_TRANSFERRED_BYTES] = 0;
  EXPECT_NEAR(&t.r, "bounds.compute_cycles", 2100);
  EXPECT_NEAR(&t.r, "bounds.efficiency", 0.7);
  cr_expect_str_eq(str_val(&t.r, "bounds.compute_unit"), "softmax");
  /* the top-k engine, where it runs longer than every other block */
  t.st.c[ST_TOPK_CYCLES] = 2400;
  EXPECT_NEAR(&t.r, "bounds.compute_cycles", 2400);
  cr_expect_str_eq(str_val(&t.r, "bounds.compute_unit"), "topk");
  /* Q x K the busiest: 12000 MACs / 4 multipliers = 3000 cycles */
  t.st.c[ST_QK_MACS] = 12000;
  EXPECT_NEAR(&t.r, "bounds.compute_cycles", 3000);
  cr_expect_str_eq(str_val(&t.r, "bounds.compute_unit"), "qk_array");
  st_free(&t.st);
}

/* 1 channel x 128 bits x 1.6 Gb/s = 25.6 B/cycle: 256 B take exactly 10
 * cycles although 256 / 25.6 is not exact in binary. */
Test(report, memory_bound_ignores_rounding_noise) {
  toy_t t;
  toy_init(&t);
  t.c.dram_channels = 1;
  t.c.dram_gbps_per_pin = 1.6;
  t.st.c[ST_DRAM_TRANSFERRED_BYTES] = 256;
  EXPECT_NEAR(&t.r, "bounds.memory_cycles", 10);
  t.st.c[ST_DRAM_TRANSFERRED_BYTES] = 257;
  EXPECT_NEAR(&t.r, "bounds.memory_cycles", 11);
  t.c.clock_ghz = 0.7; /* 36.571... B/cycle: 2560 B -> 70 cycles */
  t.st.c[ST_DRAM_TRANSFERRED_BYTES] = 2560;
  EXPECT_NEAR(&t.r, "bounds.memory_cycles", 70);
  st_free(&t.st);
}

Test(report, empty_run_has_zero_rates_not_nan) {
  toy_t t;
  toy_init(&t);
  memset(t.st.c, 0, sizeof t.st.c);
  EXPECT_NEAR(&t.r, "seconds", 0);
  EXPECT_NEAR(&t.r, "ops.tflops", 0);
  EXPECT_NEAR(&t.r, "dram.bandwidth_GBps", 0);
  EXPECT_NEAR(&t.r, "dram.mean_read_latency_cycles", 0);
  EXPECT_NEAR(&t.r, "bounds.efficiency", 0);
  st_free(&t.st);
}

Test(report, rep_value_paths) {
  toy_t t;
  double v;
  toy_init(&t);
  EXPECT_NEAR(&t.r, "units.qk_array.stall_dram", 500);
  EXPECT_NEAR(&t.r, "workload.layers", 3);
  EXPECT_NEAR(&t.r, "sram.key_buffer.read_bytes", 320);
  cr_expect_eq(rep_value(&t.r, "no.such.path", &v), -1);
  cr_expect_eq(rep_value(&t.r, "bounds.bound", &v), -1); /* a string */
  cr_expect_eq(rep_value(&t.r, "check.ok", &v), -1);     /* did not run */
  t.r.checked = 1;
  t.r.check_ok = 1;
  EXPECT_NEAR(&t.r, "check.ok", 1);
  st_free(&t.st);
}

/* Every counter and derived metric is reachable by its documented path. */
Test(report, every_table_path_resolves) {
  toy_t t;
  double v;
  int i;
  toy_init(&t);
  for (i = 0; i < ST_COUNT; i++)
    cr_expect_eq(rep_value(&t.r, stat_info[i].path, &v), 0, "%s", stat_info[i].path);
  for (i = 0; i < rep_metric_count(); i++)
    if (strcmp(rep_metric(i)->path, "bounds.bound") != 0 &&
        strcmp(rep_metric(i)->path, "bounds.compute_unit") != 0) /* strings */
      cr_expect_eq(rep_value(&t.r, rep_metric(i)->path, &v), 0, "%s",
                   rep_metric(i)->path);
  cr_expect_null(rep_metric(rep_metric_count()));
  st_free(&t.st);
}

/* ---- a strict JSON validator (RFC 8259) that collects scalar paths -------- */

typedef struct jv {
  const char *p;
  char paths[512][128]; /* dotted paths of scalars; arrays add "[]" */
  int npaths;
  int dup;              /* a path seen twice outside arrays */
} jv_t;

static void jv_ws(jv_t *j) {
  while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r') j->p++;
}

/* A string; its raw text (escapes kept) goes to out when out is not NULL. */
static int jv_string(jv_t *j, char *out, size_t len) {
  size_t n = 0;
  if (*j->p != '"') return 0;
  j->p++;
  while (*j->p != '"') {
    unsigned char ch = (unsigned char)*j->p;
    if (ch == 0 || ch < 0x20) return 0;
    if (ch == '\\') {
      j->p++;
      if (*j->p == 'u') {
        int i;
        for (i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i]) return 0;
        j->p += 4;
      } else if (!*j->p || !strchr("\"\\/bfnrt", *j->p)) {
        return 0;
      }
    }
    if (out && n + 1 < len) out[n++] = *j->p;
    j->p++;
  }
  if (out) out[n] = '\0';
  j->p++;
  return 1;
}

static int jv_digits(jv_t *j) {
  const char *s = j->p;
  while (*j->p >= '0' && *j->p <= '9') j->p++;
  return j->p > s;
}

static int jv_number(jv_t *j) {
  if (*j->p == '-') j->p++;
  if (*j->p == '0') j->p++;
  else if (!jv_digits(j)) return 0;
  if (*j->p == '.' && (j->p++, !jv_digits(j))) return 0;
  if (*j->p == 'e' || *j->p == 'E') {
    j->p++;
    if (*j->p == '+' || *j->p == '-') j->p++;
    if (!jv_digits(j)) return 0;
  }
  return 1;
}

static void jv_leaf(jv_t *j, const char *path) {
  int i;
  if (!strstr(path, "[]"))
    for (i = 0; i < j->npaths; i++)
      if (strcmp(j->paths[i], path) == 0) j->dup = 1;
  if (j->npaths < 512) snprintf(j->paths[j->npaths++], 128, "%s", path);
}

static int jv_value(jv_t *j, const char *path);

static int jv_object(jv_t *j, const char *path) {
  char key[64], sub[128];
  j->p++;
  jv_ws(j);
  if (*j->p == '}') return j->p++, 1;
  for (;;) {
    jv_ws(j);
    if (!jv_string(j, key, sizeof key)) return 0;
    jv_ws(j);
    if (*j->p++ != ':') return 0;
    snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
    if (!jv_value(j, sub)) return 0;
    jv_ws(j);
    if (*j->p == '}') return j->p++, 1;
    if (*j->p++ != ',') return 0;
  }
}

static int jv_array(jv_t *j, const char *path) {
  char sub[128];
  snprintf(sub, sizeof sub, "%s[]", path);
  j->p++;
  jv_ws(j);
  if (*j->p == ']') return j->p++, 1;
  for (;;) {
    if (!jv_value(j, sub)) return 0;
    jv_ws(j);
    if (*j->p == ']') return j->p++, 1;
    if (*j->p++ != ',') return 0;
  }
}

static int jv_value(jv_t *j, const char *path) {
  jv_ws(j);
  if (*j->p == '{') return jv_object(j, path);
  if (*j->p == '[') return jv_array(j, path);
  jv_leaf(j, path);
  if (*j->p == '"') return jv_string(j, NULL, 0);
  if (strncmp(j->p, "true", 4) == 0) return j->p += 4, 1;
  if (strncmp(j->p, "false", 5) == 0) return j->p += 5, 1;
  if (strncmp(j->p, "null", 4) == 0) return j->p += 4, 1;
  return jv_number(j);
}

/* Whole document: one object, nothing after it. */
static int jv_parse(jv_t *j, const char *text) {
  memset(j, 0, sizeof *j);
  j->p = text;
  jv_ws(j);
  if (*j->p != '{' || !jv_value(j, "")) return 0;
  jv_ws(j);
  return *j->p == '\0';
}

static int jv_has(const jv_t *j, const char *path) {
  int i;
  for (i = 0; i < j->npaths; i++)
    if (strcmp(j->paths[i], path) == 0) return 1;
  return 0;
}

Test(json_validator, rejects_malformed) {
  static jv_t j;
  cr_expect(jv_parse(&j, "{\"a\": {\"b\": [1, -2.5e3, \"x\\n\", true, null]}}"));
  cr_expect(jv_has(&j, "a.b[]"));
  cr_expect_not(jv_parse(&j, "{\"a\": nan}"));
  cr_expect_not(jv_parse(&j, "{\"a\": 1,}"));
  cr_expect_not(jv_parse(&j, "{\"a\": \"x\ny\"}"));
  cr_expect_not(jv_parse(&j, "{\"a\": 01}"));
  cr_expect_not(jv_parse(&j, "{\"a\": 1} x"));
  cr_expect(jv_parse(&j, "{\"a\": 1, \"a\": 2}") && j.dup);
}

/* ---- JSON and CSV documents ----------------------------------------------- */

/* A scratch path that does not exist yet. */
static const char *scratch(char *buf, size_t len, const char *tag) {
  cr_assert(tu_write(buf, len, tag, ""));
  unlink(buf);
  return buf;
}

static char *json_of(const rep_t *r, const char *tag) {
  char path[256], *doc;
  err_t e;
  err_clear(&e);
  scratch(path, sizeof path, tag);
  cr_assert_eq(rep_json(r, path, &e), 0, "%s", e.msg);
  doc = tu_slurp(path);
  unlink(path);
  return doc;
}

Test(report, json_is_well_formed_and_nested) {
  static jv_t j;
  toy_t t;
  char *doc, path[128];
  int i, u, s;
  toy_init(&t);
  doc = json_of(&t.r, "rep.json");
  cr_assert(jv_parse(&j, doc), "invalid JSON near: %.60s\n%s", j.p, doc);
  cr_expect_not(j.dup, "duplicate key");
  for (i = 0; i < ST_COUNT; i++)
    cr_expect(jv_has(&j, stat_info[i].path), "missing %s", stat_info[i].path);
  for (i = 0; i < rep_metric_count(); i++)
    cr_expect(jv_has(&j, rep_metric(i)->path), "missing %s", rep_metric(i)->path);
  for (u = 0; u < UNIT_COUNT; u++)
    for (s = 0; s < US_COUNT; s++) {
      snprintf(path, sizeof path, "units.%s.%s", unit_names[u], ustate_names[s]);
      cr_expect(jv_has(&j, path), "missing %s", path);
    }
  cr_expect(jv_has(&j, "attnsim.version") && jv_has(&j, "config.hash") &&
            jv_has(&j, "workload.phase") && jv_has(&j, "layers[].cycles") &&
            jv_has(&j, "layers[].end_cycle") && jv_has(&j, "layers[].case"));
  cr_expect_not(jv_has(&j, "check.ran"), "check without --check");
  /* nesting and exact formatting of a few values */
  cr_expect(strstr(doc, "\"sram\": {\n    \"query_buffer\": {\"read_bytes\": 64, \"write_bytes\": 64},"),
            "%s", doc);
  cr_expect(strstr(doc, "\"hash\": \"0x0123456789abcdef\""));
  cr_expect(strstr(doc, "\"bound\": \"memory\""));
  cr_expect(strstr(doc, "\"efficiency\": 0.5"));
  cr_expect(strstr(doc, "\"macs\": 1000"));
  cr_expect(strstr(doc, "\"phase\": \"decode\""));
  cr_expect(strstr(doc, "{\"case\": 0, \"layer\": 1, \"step\": 0, \"cycles\": 150, \"end_cycle\": 250, \"tokens\": 0, \"heads\": 0}"));
  /* "ops.macs" (derived) joins the counters' "ops" object: one "ops" */
  cr_expect_null(strstr(strstr(doc, "\"ops\": {") + 1, "\"ops\": {"));
  free(doc);
  st_free(&t.st);
}

Test(report, json_check_object_and_escaping) {
  static jv_t j;
  toy_t t;
  char *doc;
  toy_init(&t);
  snprintf(t.w.name, sizeof t.w.name, "q\"b\\s\n\t\x01 \xe2\x82\xac bad\xff");
  t.r.workload_path = NULL;
  t.r.checked = 1;
  t.r.check_ok = 0;
  snprintf(t.r.check_msg, sizeof t.r.check_msg, "mismatch at \"out[3]\", 2 vs 3");
  t.r.check_max_float_err = 0.25;
  t.r.check_float_tol = NAN;
  doc = json_of(&t.r, "chk.json");
  cr_assert(jv_parse(&j, doc), "invalid JSON near: %.60s\n%s", j.p, doc);
  cr_expect(strstr(doc, "\"name\": \"q\\\"b\\\\s\\n\\t\\u0001 \xe2\x82\xac bad\\ufffd\""), "%s", doc);
  cr_expect(strstr(doc, "\"path\": null"));
  cr_expect(strstr(doc, "\"check\": {\n    \"ran\": true,\n    \"ok\": false,"), "%s", doc);
  cr_expect(strstr(doc, "\"max_float_error\": 0.25"));
  cr_expect(strstr(doc, "\"float_tolerance\": null"));
  cr_expect_null(strstr(doc, "nan"));
  free(doc);
  st_free(&t.st);
}

Test(report, two_writes_are_byte_identical) {
  toy_t t;
  char *a, *b, *c, *d, pc[256], pd[256];
  err_t e;
  toy_init(&t);
  a = json_of(&t.r, "det-a.json");
  b = json_of(&t.r, "det-b.json");
  cr_expect_str_eq(a, b);
  scratch(pc, sizeof pc, "det-c.csv");
  scratch(pd, sizeof pd, "det-d.csv");
  cr_assert_eq(rep_csv(&t.r, pc, &e), 0, "%s", e.msg);
  cr_assert_eq(rep_csv(&t.r, pd, &e), 0, "%s", e.msg);
  c = tu_slurp(pc);
  d = tu_slurp(pd);
  unlink(pc);
  unlink(pd);
  cr_expect_str_eq(c, d);
  free(a), free(b), free(c), free(d);
  st_free(&t.st);
}

/* Split one CSV record (RFC 4180) into fields; returns the count and
 * advances *p past the record's line break. */
static int csv_fields(const char **p, char fields[][256], int max) {
  const char *s = *p;
  int n = 0;
  for (;;) {
    size_t k = 0;
    char *out = n < max ? fields[n] : NULL;
    if (*s == '"') {
      for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
        if (*s == '"') s++;
        if (out && k + 1 < 256) out[k++] = *s;
      }
      if (*s == '"') s++;
    } else {
      for (; *s && *s != ',' && *s != '\n'; s++)
        if (out && k + 1 < 256) out[k++] = *s;
    }
    if (out) out[k] = '\0';
    n++;
    if (*s != ',') break;
    s++;
  }
  if (*s == '\n') s++;
  *p = s;
  return n;
}

static char csv_head[400][256], csv_row[400][256];

static const char *csv_get(int n, const char *name) {
  int i;
  for (i = 0; i < n; i++)
    if (strcmp(csv_head[i], name) == 0) return csv_row[i];
  return NULL;
}

Test(report, csv_header_matches_values) {
  toy_t t;
  FILE *f = tmpfile();
  char *doc;
  const char *p;
  long len;
  int nh, nv, want = ST_COUNT + rep_metric_count() + UNIT_COUNT * US_COUNT;
  toy_init(&t);
  t.r.checked = 1;
  t.r.check_ok = 1;
  snprintf(t.r.check_msg, sizeof t.r.check_msg, "all \"42\" equal, bit for bit");
  rep_csv_to(&t.r, f);
  len = ftell(f);
  rewind(f);
  doc = calloc(1, (size_t)len + 1);
  cr_assert_eq(fread(doc, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  p = doc;
  nh = csv_fields(&p, csv_head, 400);
  nv = csv_fields(&p, csv_row, 400);
  cr_expect_eq(*p, '\0', "more than two lines");
  cr_expect_eq(nh, nv, "header %d columns, row %d", nh, nv);
  cr_expect_gt(nh, want, "%d columns", nh);
  cr_expect_str_eq(csv_head[0], "cycles");
  cr_expect_str_eq(csv_get(nh, "cycles"), "1000");
  cr_expect_str_eq(csv_get(nh, "energy_pj.total"), "524916");
  cr_expect_str_eq(csv_get(nh, "bounds.bound"), "memory");
  cr_expect_str_eq(csv_get(nh, "units.qk_array.stall_dram"), "500");
  cr_expect_str_eq(csv_get(nh, "config.hash"), "0x0123456789abcdef");
  cr_expect_str_eq(csv_get(nh, "check.ok"), "1");
  cr_expect_str_eq(csv_get(nh, "check.message"), "all \"42\" equal, bit for bit");
  cr_expect(strstr(doc, ",\"all \"\"42\"\" equal, bit for bit\","));
  free(doc);
  st_free(&t.st);
}

/* The header is the same with or without --check (rows can be appended). */
Test(report, csv_header_does_not_depend_on_check) {
  toy_t t;
  char a[8192], b[8192];
  FILE *f;
  toy_init(&t);
  f = tmpfile();
  rep_csv_to(&t.r, f);
  rewind(f);
  cr_assert(fgets(a, sizeof a, f));
  fclose(f);
  t.r.checked = 1;
  f = tmpfile();
  rep_csv_to(&t.r, f);
  rewind(f);
  cr_assert(fgets(b, sizeof b, f));
  fclose(f);
  cr_expect_str_eq(a, b);
  cr_expect(strstr(a, ",check.ran,check.ok,check.message,"));
  st_free(&t.st);
}

static char *text_of(const rep_t *r) {
  FILE *f = tmpfile();
  char *b;
  long n;
  rep_text(r, f);
  n = ftell(f);
  rewind(f);
  b = calloc(1, (size_t)n + 1);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return b;
}

Test(report, text_summary) {
  toy_t t;
  char *s;
  toy_init(&t);
  t.st.c[ST_CYCLES] = 1234567;
  s = text_of(&t.r);
  cr_expect(strstr(s, "workload tiny on config toy"), "%s", s);
  cr_expect(strstr(s, "1,234,567 (1.23 ms at 1.00 GHz)"), "%s", s);
  cr_expect(strstr(s, "bound      memory: floor 500 cycles"), "%s", s);
  cr_expect(strstr(s, "of 64.0 GB/s peak"), "%s", s);
  cr_expect(strstr(s, "read 30.0 kB, written 1.50 kB"), "%s", s);
  cr_expect(strstr(s, "1,000 MACs = 1.62 MFLOP/s (Q x K 400, P x V 600)"), "%s", s);
  cr_expect(strstr(s, "qk_array"), "%s", s);
  cr_expect(strstr(s, "stall_buffer_full"), "%s", s);
  cr_expect(strstr(s, "  t0 L0            100  t0 L1            150"), "%s", s);
  cr_expect_null(strstr(s, "check"), "%s", s);
  free(s);
  st_free(&t.st);
}

/* The header counts layers and heads in words: "1 layer x 1 head". */
Test(report, text_header_singular_and_plural) {
  toy_t t;
  char *s;
  toy_init(&t);
  s = text_of(&t.r);
  cr_expect(strstr(s, "workload   decode, 3 layers x 2 heads, head_dim 16\n"), "%s", s);
  free(s);
  t.w.layers = 1;
  t.w.heads = 1;
  s = text_of(&t.r);
  cr_expect(strstr(s, "workload   decode, 1 layer x 1 head, head_dim 16\n"), "%s", s);
  free(s);
  st_free(&t.st);
}

/* Layer cycles are increments of the latest end: they sum to the last
 * end even if a layer finishes before the one listed ahead of it. */
Test(report, layer_cycles_sum_to_the_last_end) {
  static jv_t j;
  toy_t t;
  char *doc;
  toy_init(&t);
  t.st.layers[1].end_cycle = 300; /* ends 100, 300, 250 */
  t.st.layers[2].end_cycle = 250;
  cr_assert_eq(st_add_layer(&t.st, 0, 3), 3);
  t.st.layers[3].end_cycle = 400;
  doc = json_of(&t.r, "layers.json");
  cr_assert(jv_parse(&j, doc));
  cr_expect(strstr(doc, "\"layer\": 1, \"step\": 0, \"cycles\": 200, \"end_cycle\": 300, \"tokens\": 0, \"heads\": 0}"), "%s", doc);
  cr_expect(strstr(doc, "\"layer\": 2, \"step\": 0, \"cycles\": 0, \"end_cycle\": 250, \"tokens\": 0, \"heads\": 0}"), "%s", doc);
  cr_expect(strstr(doc, "\"layer\": 3, \"step\": 0, \"cycles\": 100, \"end_cycle\": 400, \"tokens\": 0, \"heads\": 0}"), "%s", doc);
  free(doc);
  st_free(&t.st);
}

Test(report, text_summarises_many_layers) {
  toy_t t;
  char *s;
  int i;
  toy_init(&t);
  t.w.phase = WL_PREFILL;
  t.st.nlayers = 0;
  for (i = 0; i < 60; i++) {
    int k = st_add_layer(&t.st, i / 30, i % 30);
    t.st.layers[k].end_cycle = (uint64_t)(i + 1) * 100 + (i == 7 ? 50 : 0);
  }
  s = text_of(&t.r);
  /* layer 7 takes 150 cycles, layer 8 50, the others 100 */
  cr_expect(strstr(s, "60 layer records (a layer of one case): cycles min 50 "
                      "(c0 L8), mean 100, max 150 (c0 L7)"), "%s", s);
  free(s);
  /* decode: records repeat per generated token; token 2's layer 5 */
  t.w.phase = WL_DECODE;
  t.st.nlayers = 0;
  for (i = 0; i < 60; i++) {
    int k = st_add_layer(&t.st, 0, i % 12);
    t.st.layers[k].end_cycle = (uint64_t)(i + 1) * 100 + (i >= 29 ? 200 : 0);
  }
  s = text_of(&t.r);
  cr_expect(strstr(s, "60 layer records (a layer at one generated token): "
                      "cycles min 100 (t0 L0), mean 103, max 300 (t2 L5)"), "%s", s);
  free(s);
  st_free(&t.st);
}

/* ---- docs ------------------------------------------------------------------ */

Test(report, every_derived_metric_in_stats_md) {
  char *doc = tu_slurp("docs/stats.md"), pat[128];
  int i;
  for (i = 0; i < rep_metric_count(); i++) {
    snprintf(pat, sizeof pat, "`%s`", rep_metric(i)->path);
    cr_expect(strstr(doc, pat), "docs/stats.md lacks %s", pat);
  }
  for (i = 0; i < US_COUNT; i++) {
    snprintf(pat, sizeof pat, "`%s`", ustate_names[i]);
    cr_expect(strstr(doc, pat), "docs/stats.md lacks %s", pat);
  }
  free(doc);
}

/* ---- outfiles ---------------------------------------------------------------- */

/* Files in path's folder whose name starts with path's base name + ".tmp". */
static int temporaries(const char *path) {
  char dir[256], base[256];
  const char *slash = strrchr(path, '/');
  DIR *d;
  struct dirent *de;
  int n = 0;
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  snprintf(base, sizeof base, "%s.tmp", slash + 1);
  cr_assert(d = opendir(dir));
  while ((de = readdir(d)))
    if (strncmp(de->d_name, base, strlen(base)) == 0) n++;
  closedir(d);
  return n;
}

Test(outfile, commit_writes_the_content) {
  char path[256], *s;
  outfile_t o;
  err_t e;
  struct stat sb;
  scratch(path, sizeof path, "of-commit");
  cr_assert_eq(of_open(&o, path, &e), 0, "%s", e.msg);
  fputs("hello\n", o.f);
  cr_expect_eq(access(path, F_OK), -1, "target visible before commit");
  cr_expect_eq(temporaries(path), 1);
  cr_assert_eq(of_commit(&o, &e), 0, "%s", e.msg);
  cr_expect_null(o.f);
  s = tu_slurp(path);
  cr_expect_str_eq(s, "hello\n");
  free(s);
  cr_expect_eq(temporaries(path), 0);
  cr_assert_eq(stat(path, &sb), 0);
  cr_expect(sb.st_mode & 0444, "not readable: mode %o", (unsigned)sb.st_mode);
  /* a second commit replaces the file as a whole */
  cr_assert_eq(of_open(&o, path, &e), 0, "%s", e.msg);
  fputs("bye\n", o.f);
  cr_assert_eq(of_commit(&o, &e), 0, "%s", e.msg);
  s = tu_slurp(path);
  cr_expect_str_eq(s, "bye\n");
  free(s);
  unlink(path);
}

Test(outfile, abort_leaves_nothing_and_keeps_the_old_file) {
  char path[256], *s;
  outfile_t o;
  err_t e;
  scratch(path, sizeof path, "of-abort");
  cr_assert_eq(of_open(&o, path, &e), 0, "%s", e.msg);
  fputs("partial", o.f);
  of_abort(&o);
  of_abort(&o); /* harmless twice */
  cr_expect_eq(access(path, F_OK), -1);
  cr_expect_eq(temporaries(path), 0);
  /* an existing file survives an aborted rewrite */
  tu_write(path, sizeof path, "of-abort", "old\n");
  cr_assert_eq(of_open(&o, path, &e), 0, "%s", e.msg);
  fputs("new", o.f);
  of_abort(&o);
  s = tu_slurp(path);
  cr_expect_str_eq(s, "old\n");
  free(s);
  cr_expect_eq(temporaries(path), 0);
  unlink(path);
}

Test(outfile, open_in_a_missing_folder_fails_cleanly) {
  outfile_t o;
  err_t e;
  err_clear(&e);
  cr_expect_eq(of_open(&o, "build/tests/tmp/no/such/dir/x.json", &e), ERR_RUN);
  cr_expect_null(o.f);
  cr_expect(strstr(e.msg, "build/tests/tmp/no/such/dir/x.json"), "%s", e.msg);
  cr_expect_eq(rep_json(NULL, "build/tests/tmp/no/such/dir/x.json", &e), ERR_RUN);
}

Test(outfile, dash_is_stdout) {
  outfile_t o;
  err_t e;
  cr_assert_eq(of_open(&o, "-", &e), 0);
  cr_expect_eq(o.f, stdout);
  cr_expect_eq(of_commit(&o, &e), 0, "%s", e.msg);
  cr_expect_null(o.f);
  cr_expect_geq(fflush(stdout), 0); /* stdout is still open */
}

Test(outfile, registry_has_a_limit) {
  outfile_t o[OF_MAX_OPEN + 1];
  char path[256];
  err_t e;
  int i;
  scratch(path, sizeof path, "of-many");
  for (i = 0; i < OF_MAX_OPEN; i++)
    cr_assert_eq(of_open(&o[i], path, &e), 0, "%s", e.msg);
  cr_expect_eq(of_open(&o[OF_MAX_OPEN], path, &e), ERR_RUN);
  cr_expect(strstr(e.msg, "open at once"), "%s", e.msg);
  for (i = 0; i < OF_MAX_OPEN; i++) of_abort(&o[i]);
  cr_expect_eq(temporaries(path), 0);
}

/* A killed run: the committed file stays, the open one vanishes (no
 * temporary either), and the exit status is 130. */
Test(outfile, signal_removes_temporaries) {
  char done[256], open_[256];
  pid_t pid;
  int status, sig;
  const int sigs[] = {SIGTERM, SIGINT};
  for (sig = 0; sig < 2; sig++) {
    scratch(done, sizeof done, sig ? "of-sig-done-int" : "of-sig-done-term");
    scratch(open_, sizeof open_, sig ? "of-sig-open-int" : "of-sig-open-term");
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
      outfile_t a, b;
      err_t e;
      signal(sigs[sig], SIG_DFL);
      of_install_signals();
      if (of_open(&a, done, &e) || fputs("kept\n", a.f) < 0 || of_commit(&a, &e))
        _exit(3);
      if (of_open(&b, open_, &e)) _exit(4);
      fputs("lost\n", b.f);
      fflush(b.f);
      raise(sigs[sig]);
      _exit(5);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 130,
              "status 0x%x", (unsigned)status);
    cr_expect_eq(access(done, F_OK), 0, "committed file lost");
    cr_expect_eq(access(open_, F_OK), -1, "partial file left");
    cr_expect_eq(temporaries(open_), 0, "temporary left");
    unlink(done);
  }
}

/* Decode repeats each layer once per token: the k-th record of a layer is
 * step k, whatever else is interleaved. */
Test(report, layer_steps_count_repeats) {
  stats_t st;
  st_init(&st);
  st_add_layer(&st, 0, 0);
  st_add_layer(&st, 0, 1);
  st_add_layer(&st, 0, 0);
  st_add_layer(&st, 0, 1);
  st_add_layer(&st, 0, 0);
  cr_expect_eq(st.layers[0].step, 0);
  cr_expect_eq(st.layers[1].step, 0);
  cr_expect_eq(st.layers[2].step, 1);
  cr_expect_eq(st.layers[3].step, 1);
  cr_expect_eq(st.layers[4].step, 2);
  st_free(&st);
}

/* --layers-csv on the toy machine (64 B/cycle, 4 QK multipliers, 2 AV,
 * 2 softmax units). Layer 0 runs cycles 0..100 with 800 QK MACs, 50 AV
 * MACs and 640 DRAM bytes read + 0 written: compute floor max(800/4,
 * 50/2) = 200 > memory 640/64 = 10, so compute-bound, QK utilisation
 * 800 / (4 x 100) = 2 (the attributed MACs need not fit the layer's own
 * span). Layer 1 runs 100..250 with 40 QK MACs and 64,000 bytes read
 * + 0 written: memory 1000 > compute 10, memory-bound, 40 / (4 x 150) =
 * 0.0666667. */
Test(report, layers_csv_rows) {
  toy_t t;
  char *buf = NULL;
  size_t len = 0;
  FILE *f;
  toy_init(&t);
  memset(t.st.layers[0].c, 0, sizeof t.st.layers[0].c);
  memset(t.st.layers[1].c, 0, sizeof t.st.layers[1].c);
  t.st.layers[0].c[ST_QK_MACS] = 800;
  t.st.layers[0].c[ST_AV_MACS] = 50;
  t.st.layers[0].c[ST_DRAM_READ_BYTES] = 640;
  t.st.layers[0].c[ST_DRAM_TRANSFERRED_BYTES] = 640;
  t.st.layers[1].c[ST_QK_MACS] = 40;
  t.st.layers[1].c[ST_DRAM_READ_BYTES] = 64000;
  t.st.layers[1].c[ST_DRAM_TRANSFERRED_BYTES] = 64000;
  f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  rep_layers_csv_to(&t.r, f);
  fclose(f);
  cr_expect(strncmp(buf, "case,step,layer,cycles,start_cycle,end_cycle,"
                    "dram_read_bytes,dram_write_bytes,macs,qk_utilization,bound\n"
                    "0,0,0,100,0,100,640,0,850,2,compute\n"
                    "0,0,1,150,100,250,64000,0,40,0.0666667,memory\n",
                    strlen("case,step,layer,cycles,start_cycle,end_cycle,"
                           "dram_read_bytes,dram_write_bytes,macs,qk_utilization,bound\n"
                           "0,0,0,100,0,100,640,0,850,2,compute\n"
                           "0,0,1,150,100,250,64000,0,40,0.0666667,memory\n")) == 0,
            "%s", buf);
  free(buf);
  st_free(&t.st);
}

/* A real run: the rows' DRAM bytes and MACs sum to the run's totals and
 * their cycles to its cycles (every event is attributed to the layer of
 * its instruction, and layer cycles tile the run); the JSON is unchanged
 * by asking for the table. */
Test(report, layers_csv_sums_to_the_run) {
  const char *bin = getenv("ATTNSIM");
  char cmd[1200], line[512];
  unsigned long long sum[4] = {0}, want[4] = {0};
  const char *keys[4] = {"\"cycles\": ", "\"read_bytes\": ", "\"write_bytes\": ",
                         "\"macs\": "};
  char *a, *b, *p;
  FILE *f;
  int rows = 0;
  for (int pass = 0; pass < 2; pass++) {
    snprintf(cmd, sizeof cmd, "%s run --config configs/spatten.yaml --workload "
             "workloads/gpt2-small.yaml --layers 3 --wset decode.generate=2 "
             "--quiet --json build/tests/tmp/lc-%d.json%s", bin ? bin : "build/attnsim",
             pass, pass ? " --layers-csv build/tests/tmp/lc.csv" : "");
    cr_assert_eq(system(cmd), 0, "%s", cmd);
  }
  a = tu_slurp("build/tests/tmp/lc-0.json");
  b = tu_slurp("build/tests/tmp/lc-1.json");
  cr_assert(a && b);
  cr_expect_str_eq(a, b);
  for (int k = 0; k < 4; k++) {
    cr_assert_not_null(p = strstr(a, keys[k]), "%s", keys[k]);
    want[k] = strtoull(p + strlen(keys[k]), NULL, 10);
  }
  f = fopen("build/tests/tmp/lc.csv", "r");
  cr_assert_not_null(f);
  cr_assert_not_null(fgets(line, sizeof line, f));
  while (fgets(line, sizeof line, f)) {
    unsigned long long v[9];
    cr_assert_eq(sscanf(line, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", &v[0],
                        &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]), 9, "%s", line);
    sum[0] += v[3], sum[1] += v[6], sum[2] += v[7], sum[3] += v[8];
    rows++;
  }
  fclose(f);
  cr_expect_eq(rows, 3 * 2, "3 layers x 2 decode steps, got %d rows", rows);
  for (int k = 0; k < 4; k++)
    cr_expect_eq(sum[k], want[k], "%s rows sum %llu, run %llu", keys[k], sum[k], want[k]);
  free(a), free(b);
}

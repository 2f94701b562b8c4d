/* The whole-chip area and power model against published figures and the
 * CACTI table. SpAtten (Wang et al., HPCA 2021, 40 nm): 18.71 mm2 and
 * 8.30 W; SpAtten-1/8: 1.55 mm2. The SRAM figures in the bundled configs
 * are recomputed here from ../shared/sram-reference/sram-reference.csv
 * (CACTI 7, 45 nm itrs-hp, 1 bank), not read back from the model. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "testutil.h"

#define CSV "../shared/sram-reference/sram-reference.csv"

typedef struct { double area, rd, wr, leak; } sram_row_t;

/* The CSV row (45 nm, itrs-hp, 1 bank, ok) of capacity cap and width w. */
static int csv_row(double cap, int w, sram_row_t *o) {
  FILE *f = fopen(CSV, "r");
  char line[1024];
  int found = 0;
  cr_assert_not_null(f, "cannot open %s", CSV);
  while (!found && fgets(line, sizeof line, f)) {
    int tech, width, banks;
    double c, a, r, wr, lk;
    char dev[32], status[8];
    if (sscanf(line, "%d,%lf,%d,%d,%31[^,],%lf,%lf,%lf,%lf", &tech, &c, &width,
               &banks, dev, &a, &r, &wr, &lk) != 9)
      continue;
    /* status is the 18th column */
    char *p = line;
    for (int k = 0; k < 17 && p; k++) p = strchr(p, ','), p = p ? p + 1 : NULL;
    if (!p || sscanf(p, "%7[a-z]", status) != 1) continue;
    if (tech == 45 && c == cap && width == w && banks == 1 &&
        strcmp(dev, "itrs-hp") == 0 && strcmp(status, "ok") == 0) {
      o->area = a, o->rd = r, o->wr = wr, o->leak = lk;
      found = 1;
    }
  }
  fclose(f);
  return found;
}

/* A row, or log-log interpolation in capacity between two rows. */
static sram_row_t lookup(double cap, int w, double lo, double hi) {
  sram_row_t a, b, o;
  double t;
  if (lo == 0) {
    cr_assert(csv_row(cap, w, &o), "no CSV row %g B %d bits", cap, w);
    return o;
  }
  cr_assert(csv_row(lo, w, &a) && csv_row(hi, w, &b));
  t = log(cap / lo) / log(hi / lo);
  o.area = a.area * pow(b.area / a.area, t);
  o.rd = a.rd * pow(b.rd / a.rd, t);
  o.wr = a.wr * pow(b.wr / a.wr, t);
  o.leak = a.leak * pow(b.leak / a.leak, t);
  return o;
}

/* A buffer's organisation (SpAtten: keys and values as 12 bit-planes, one
 * plane read per access) and the config figures that must hold it. */
typedef struct {
  const char *cfg, *buf;
  int planes;
  double plane_bytes;
  int width;
  double lo, hi; /* interpolation rows, or 0 for an exact row */
} org_t;

static const org_t orgs[] = {
    {"configs/spatten.yaml", "query", 1, 8192, 768, 4096, 16384},
    {"configs/spatten.yaml", "key", 12, 16704, 512, 0, 0},
    {"configs/spatten.yaml", "value", 12, 16704, 512, 0, 0},
    {"configs/spatten.yaml", "score", 1, 16384, 128, 0, 0},
    {"configs/spatten.yaml", "output", 1, 4096, 768, 0, 0},
    {"configs/spatten-eighth.yaml", "query", 1, 1024, 128, 0, 0},
    {"configs/spatten-eighth.yaml", "key", 12, 25088 / 12.0, 64, 1024, 4096},
    {"configs/spatten-eighth.yaml", "value", 12, 25088 / 12.0, 64, 1024, 4096},
    {"configs/spatten-eighth.yaml", "score", 1, 4096, 128, 0, 0},
    {"configs/spatten-eighth.yaml", "output", 1, 1024, 128, 0, 0},
};

static double field(const cfg_t *c, const char *buf, int k) {
  static const char *names[] = {"query", "key", "value", "score", "output"};
  const double *f[5][4] = {
      {&c->a_query_buffer_mm2, &c->e_query_buffer_pj, &c->e_query_buffer_write_pj, &c->e_query_buffer_leak_mw},
      {&c->a_key_buffer_mm2, &c->e_key_buffer_pj, &c->e_key_buffer_write_pj, &c->e_key_buffer_leak_mw},
      {&c->a_value_buffer_mm2, &c->e_value_buffer_pj, &c->e_value_buffer_write_pj, &c->e_value_buffer_leak_mw},
      {&c->a_score_buffer_mm2, &c->e_score_buffer_pj, &c->e_score_buffer_write_pj, &c->e_score_buffer_leak_mw},
      {&c->a_output_buffer_mm2, &c->e_output_buffer_pj, &c->e_output_buffer_write_pj, &c->e_output_buffer_leak_mw}};
  for (int i = 0; i < 5; i++)
    if (strcmp(buf, names[i]) == 0) return *f[i][k];
  cr_assert_fail("no buffer %s", buf);
  return 0;
}

/* configs hold 4 significant digits */
static void near4(double got, double want, const char *what) {
  cr_expect(fabs(got - want) <= 6e-4 * fabs(want), "%s: config %g, CSV %g",
            what, got, want);
}

Test(area, configs_hold_the_cacti_figures) {
  for (size_t i = 0; i < sizeof orgs / sizeof orgs[0]; i++) {
    const org_t *o = &orgs[i];
    cfg_t c;
    err_t e;
    char what[96];
    sram_row_t r = lookup(o->plane_bytes, o->width, o->lo, o->hi);
    double per64 = o->width / 64.0;
    cr_assert_eq(cfg_load(o->cfg, &c, &e), 0, "%s", e.msg);
    cr_expect_str_eq(c.t_device, "hp");
    cr_expect_eq(c.e_sram_access_bits, 64);
    cr_expect_eq(c.t_ref_node_nm, 45);
    snprintf(what, sizeof what, "%s %s area", o->cfg, o->buf);
    near4(field(&c, o->buf, 0), o->planes * r.area, what);
    snprintf(what, sizeof what, "%s %s read", o->cfg, o->buf);
    near4(field(&c, o->buf, 1), r.rd / per64, what);
    snprintf(what, sizeof what, "%s %s write", o->cfg, o->buf);
    near4(field(&c, o->buf, 2), r.wr / per64, what);
    snprintf(what, sizeof what, "%s %s leakage", o->cfg, o->buf);
    near4(field(&c, o->buf, 3), o->planes * r.leak, what);
  }
}

/* ---- calibration against the published figures ---------------------- */

static double json_num(const char *path, const char *key) {
  char *text = tu_slurp(path);
  js_doc_t d;
  err_t e;
  int i;
  double v;
  cr_assert_not_null(text, "%s", path);
  cr_assert_eq(js_parse(&d, text, strlen(text), path, &e), 0, "%s", e.msg);
  i = js_path(&d, 0, key);
  cr_assert_geq(i, 0, "%s lacks %s", path, key);
  v = strtod(d.n[i].str, NULL);
  js_free(&d);
  free(text);
  return v;
}

/* key of the report of a run (args: more run arguments). */
static double run_value(const char *cfg, const char *wl, const char *args,
                        const char *key) {
  char cmd[512], out[64];
  snprintf(out, sizeof out, "build/tests/tmp/area-%d.json", (int)getpid());
  snprintf(cmd, sizeof cmd, "mkdir -p build/tests/tmp && \"${ATTNSIM:-build/attnsim}\" run --config %s --workload %s %s --quiet --json %s", cfg, wl, args, out);
  cr_assert_eq(system(cmd), 0, "%s", cmd);
  return json_num(out, key);
}

/* The area is the config's alone: one layer's timing is run enough. */
#define AREA_RUN "--layers 1 --dense --timing-only"

Test(area, spatten_area_within_15_percent_of_18_71_mm2) {
  double a = run_value("configs/spatten.yaml", "workloads/gpt2-small.yaml",
                       AREA_RUN, "area_mm2.total");
  cr_expect(fabs(a - 18.71) <= 0.15 * 18.71, "area %.2f mm2", a);
}

Test(area, spatten_eighth_area_within_15_percent_of_1_55_mm2) {
  double a = run_value("configs/spatten-eighth.yaml",
                       "workloads/gpt2-small.yaml", AREA_RUN, "area_mm2.total");
  cr_expect(fabs(a - 1.55) <= 0.15 * 1.55, "area %.3f mm2", a);
}

Test(area, bert_base_chip_power_within_20_percent_of_8_30_w) {
  double p = run_value("configs/spatten.yaml", "workloads/bert-base.yaml", "",
                       "power_mw.chip");
  cr_expect(fabs(p - 8300) <= 0.2 * 8300, "chip power %.0f mW", p);
}

/* On the real preset (every coefficient non-zero), the modules' areas add
 * up to area_mm2.total and their energies (dynamic and leakage) to
 * energy_pj.total. */
Test(area, modules_sum_to_the_totals) {
  static const char *mods[] = {
      "qk_array", "av_array", "softmax", "topk", "topk_fifo", "zero_elim",
      "importance", "requant", "fetchers", "crossbar", "hbm_ctrl", "hbm_phy",
      "query_buffer", "key_buffer", "value_buffer", "score_buffer",
      "output_buffer", "control", "dram"};
  char out[64], cmd[256], key[96];
  double a = 0, e = 0;
  snprintf(out, sizeof out, "build/tests/tmp/area-sum-%d.json", (int)getpid());
  snprintf(cmd, sizeof cmd, "mkdir -p build/tests/tmp && \"${ATTNSIM:-build/attnsim}\" run --config configs/spatten.yaml --workload workloads/gpt2-small.yaml --layers 1 --quiet --json %s", out);
  cr_assert_eq(system(cmd), 0);
  for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
    snprintf(key, sizeof key, "modules.%s.area_mm2", mods[i]);
    a += json_num(out, key);
    snprintf(key, sizeof key, "modules.%s.energy_pj", mods[i]);
    e += json_num(out, key);
  }
  cr_expect(fabs(a - json_num(out, "area_mm2.total")) <= 1e-9 * a);
  cr_expect(fabs(e - json_num(out, "energy_pj.total")) <= 1e-9 * e);
  cr_expect_gt(json_num(out, "modules.hbm_phy.area_mm2"), 0);
  cr_expect_gt(json_num(out, "energy_pj.static"), 0);
}

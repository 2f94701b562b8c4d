/* Re-costing a saved run (attnsim recost) and the strict JSON reader it
 * uses. A report read back and written again with the same config is the
 * same bytes; with another energy table only the costs move, each by the
 * factor its coefficient moved; malformed JSON is refused at its place. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "config.h"
#include "json.h"
#include "recost.h"
#include "report.h"
#include "testutil.h"

#define RUN "attnsim run --config configs/spatten.yaml --workload workloads/gpt2-small.yaml " \
            "--wset decode.generate=2 --wset model.layers=2 --dense --quiet "

/* A report's number by dotted path, read with the reader under test. */
static double num(const char *path, const char *key) {
  char *text = tu_slurp(path);
  js_doc_t d;
  err_t e;
  int i;
  double v;
  cr_assert_not_null(text, "%s", path);
  cr_assert_eq(js_parse(&d, text, strlen(text), path, &e), 0, "%s", e.msg);
  i = js_path(&d, 0, key);
  cr_assert_geq(i, 0, "%s lacks %s", path, key);
  cr_assert_eq(d.n[i].type, JS_NUM);
  v = strtod(d.n[i].str, NULL);
  js_free(&d);
  free(text);
  return v;
}

Test(recost, same_config_gives_the_same_report) {
  char *a, *b;
  cr_assert_eq(tu_sh(RUN "--json build/tests/tmp/rc-a.json --csv build/tests/tmp/rc-a.csv"), 0);
  cr_assert_eq(tu_sh("attnsim recost --config configs/spatten.yaml build/tests/tmp/rc-a.json "
                  "--quiet --json build/tests/tmp/rc-b.json --csv build/tests/tmp/rc-b.csv"), 0);
  a = tu_slurp("build/tests/tmp/rc-a.json");
  b = tu_slurp("build/tests/tmp/rc-b.json");
  cr_assert(a && b);
  cr_expect_str_eq(a, b);
  free(a), free(b);
  a = tu_slurp("build/tests/tmp/rc-a.csv");
  b = tu_slurp("build/tests/tmp/rc-b.csv");
  cr_assert(a && b);
  cr_expect_str_eq(a, b);
  free(a), free(b);
}

/* Twice the MAC energy doubles the arrays' dynamic energy; half the key
 * buffer's area (0.8679 mm2 in the preset) halves it; the counts and the
 * cycles stay. */
Test(recost, another_table_moves_only_the_costs) {
  const char *a = "build/tests/tmp/rc-c.json", *b = "build/tests/tmp/rc-d.json";
  char cmd[600];
  cr_assert_eq(tu_sh(RUN "--json build/tests/tmp/rc-c.json"), 0);
  snprintf(cmd, sizeof cmd, "attnsim recost --config configs/spatten.yaml --set "
           "energy.mac_pj=3 --set area.key_buffer_mm2=0.43395 --quiet --json %s %s", b, a);
  cr_assert_eq(tu_sh(cmd), 0);
  cr_expect_eq(num(a, "cycles"), num(b, "cycles"));
  cr_expect_eq(num(a, "dram.activates"), num(b, "dram.activates"));
  cr_expect_float_eq(num(b, "energy_pj.compute"), 2 * num(a, "energy_pj.compute"), 1e-9);
  cr_expect_float_eq(num(b, "modules.key_buffer.area_mm2"),
                     num(a, "modules.key_buffer.area_mm2") / 2, 1e-9);
  cr_expect_eq(num(a, "modules.value_buffer.area_mm2"),
               num(b, "modules.value_buffer.area_mm2"));
  cr_expect_eq(num(a, "energy_pj.dram"), num(b, "energy_pj.dram"));
}

/* ---- what recost needs of the JSON reader (common/json.h) ---------------- */

/* Counters are read exactly from their text: 2^64 - 1 survives, where a
 * double would round it. Strings keep their escapes decoded. */
Test(json_exact, integers_and_escapes) {
  static const char text[] =
      "{\"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\",\n"
      " \"big\": 18446744073709551615, \"o\": {\"k\": {}}}";
  js_doc_t d;
  err_t e;
  uint64_t v;
  char out[16];
  cr_assert_eq(js_parse(&d, text, strlen(text), "t.json", &e), 0, "%s", e.msg);
  cr_expect_eq(js_copy_str(&d, js_path(&d, 0, "s"), "s", out, sizeof out, &e), 0);
  cr_expect_str_eq(out, "x\xc3\xa9\xf0\x9f\x98\x80\n\"");
  cr_expect_eq(js_copy_str(&d, js_path(&d, 0, "s"), "s", out, 4, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "s: too long"), "%s", e.msg);
  cr_expect_eq(js_u64(&d, js_path(&d, 0, "big"), "big", &v, &e), 0);
  cr_expect_eq(v, UINT64_MAX);
  cr_expect_geq(js_path(&d, 0, "o.k"), 0);
  cr_expect_lt(js_path(&d, 0, "o.k.z"), 0);
  js_free(&d);
}

/* Not every number is a counter: each refusal names the place and why. */
Test(json_exact, integers_are_checked) {
  static const char text[] = "{\"n\": -1, \"f\": 1.5, \"o\": 18446744073709551616, \"s\": \"7\"}";
  js_doc_t d;
  err_t e;
  uint64_t v;
  cr_assert_eq(js_parse(&d, text, strlen(text), "t.json", &e), 0, "%s", e.msg);
  cr_expect_eq(js_u64(&d, js_path(&d, 0, "n"), "n", &v, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "t.json:1:7: n: not a whole number (got -1"), "%s", e.msg);
  cr_expect_eq(js_u64(&d, js_path(&d, 0, "f"), "f", &v, &e), ERR_BAD_INPUT);
  cr_expect_eq(js_u64(&d, js_path(&d, 0, "o"), "o", &v, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "o: out of range"), "%s", e.msg);
  cr_expect_eq(js_u64(&d, js_path(&d, 0, "s"), "s", &v, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "s: wrong type (got a string"), "%s", e.msg);
  js_free(&d);
}

/* Raw bytes in strings must be UTF-8 (a report is written back as text):
 * a stray byte and an overlong '/' are refused where they stand. */
Test(json_exact, invalid_utf8_is_refused) {
  static const char *const bad[] = {"{\"a\": \"\xff\"}", "{\"a\": \"\xc0\xaf\"}",
                                    "{\"a\": \"\xed\xa0\x80\"}" /* a surrogate */};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    js_doc_t d;
    err_t e;
    cr_expect_eq(js_parse(&d, bad[i], strlen(bad[i]), "t.json", &e), ERR_BAD_INPUT,
                 "accepted %zu", i);
    cr_expect(strstr(e.msg, "t.json:1:8: ") && strstr(e.msg, "invalid UTF-8"), "%s",
              e.msg);
  }
}

/* A real report with one member removed is refused, naming the member. */
Test(recost, incomplete_report_names_what_is_missing) {
  char *text, *cut;
  rc_run_t run;
  err_t e;
  cr_assert_eq(tu_sh(RUN "--json build/tests/tmp/rc-e.json"), 0);
  text = tu_slurp("build/tests/tmp/rc-e.json");
  cr_assert_not_null(text);
  cr_assert_eq(rc_load("r.json", text, strlen(text), &run, &e), 0, "%s", e.msg);
  cr_expect_eq(run.st.nlayers, 4);
  cr_expect_eq(run.wl.phase, WL_DECODE);
  st_free(&run.st);
  cut = strstr(text, "\"activates\"");
  cr_assert_not_null(cut);
  memcpy(cut, "\"activatez\"", 11);
  cr_expect_eq(rc_load("r.json", text, strlen(text), &run, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "r.json:1:1: dram.activates: missing"), "%s", e.msg);
  free(text);
}

/* A --check run keeps its check and accuracy blocks through a recost with
 * its own config: the same bytes, and the blocks are there to compare. */
Test(recost, check_run_is_returned_byte_for_byte) {
  char *a, *b;
  cr_assert_eq(tu_sh("attnsim run --config configs/spatten.yaml --workload "
                  "workloads/gpt2-small.yaml --wset decode.generate=1 --layers 2 "
                  "--check --quiet --json build/tests/tmp/rc-k.json"), 0);
  cr_assert_eq(tu_sh("attnsim recost --config configs/spatten.yaml --quiet "
                  "build/tests/tmp/rc-k.json --json build/tests/tmp/rc-l.json"), 0);
  a = tu_slurp("build/tests/tmp/rc-k.json");
  b = tu_slurp("build/tests/tmp/rc-l.json");
  cr_assert(a && b);
  cr_expect(strstr(a, "\"check\": {\n    \"ran\": true") != NULL);
  cr_expect(strstr(a, "\"accuracy\": {") != NULL);
  cr_expect_str_eq(a, b);
  free(a), free(b);
}

/* Cost keys are energy.*, area.*, dram.power.* and name; everything else
 * times the run. cfg_timing_diff names the first timing key that differs,
 * in schema order, with both values as YAML writes them. */
Test(recost, cost_keys_and_the_first_timing_difference) {
  cfg_t a, b;
  char va[64], vb[64];
  cr_expect(cfg_key_cost_only("energy.mac_pj"));
  cr_expect(cfg_key_cost_only("area.key_buffer_mm2"));
  cr_expect(cfg_key_cost_only("technology.node_nm"));
  cr_expect(cfg_key_cost_only("dram.power.idd4r"));
  cr_expect(cfg_key_cost_only("name"));
  cr_expect(!cfg_key_cost_only("clock_ghz"));
  cr_expect(!cfg_key_cost_only("dram.timing.cl"));
  cr_expect(!cfg_key_cost_only("qk_array.multipliers"));
  cr_expect(!cfg_key_cost_only("energyx"));
  cfg_defaults(&a);
  b = a;
  b.e_mac_pj = 9;
  b.a_mult_mm2 = 1;
  b.dram_pw.idd0 = 1;
  snprintf(b.name, sizeof b.name, "other");
  cr_expect_null(cfg_timing_diff(&a, &b, va, vb, sizeof va));
  b.av_multipliers = 128; /* after qk_array.multipliers in the schema */
  b.qk_multipliers = 256;
  cr_assert_str_eq(cfg_timing_diff(&a, &b, va, vb, sizeof va), "qk_array.multipliers");
  cr_expect_str_eq(va, "512");
  cr_expect_str_eq(vb, "256");
}

/* A run made with a --set of a timing key can be recosted when the same
 * --set is given again (its config is then found: the report's hash); a
 * changed timing key is refused, with nothing written. */
Test(recost, a_run_with_set_is_found_again) {
  cr_assert_eq(tu_sh(RUN "--set core.window=32 --json build/tests/tmp/rc-s.json"), 0);
  cr_expect_eq(tu_sh("attnsim recost --config configs/spatten.yaml --set core.window=32 "
                  "--set energy.mac_pj=0.5 --quiet build/tests/tmp/rc-s.json "
                  "--json build/tests/tmp/rc-t.json"), 0);
  cr_expect(num("build/tests/tmp/rc-t.json", "cycles") ==
            num("build/tests/tmp/rc-s.json", "cycles"));
  remove("build/tests/tmp/rc-u.json");
  cr_expect_eq(tu_sh("attnsim recost --config configs/spatten.yaml --set core.window=16 "
                  "--quiet build/tests/tmp/rc-s.json --json build/tests/tmp/rc-u.json "
                  "2>/dev/null"), 2);
  cr_expect_null(tu_slurp("build/tests/tmp/rc-u.json"));
}

/* test_config.c - hardware config loading: presets, every error class,
 * --set overrides, hashing, dumps, dram.preset.
 *
 * Error locations are derived by hand from the YAML text in each test
 * (1-based line and column of the offending key or value), never copied
 * from the program's output. Run from the repository root.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "testutil.h"

#define MAX_PATHS 160

/* Load text as a config file named after tag; check the error prefix. */
static void load_fails_at(const char *tag, const char *yaml, int line,
                          int col, const char *key) {
  char path[256];
  cfg_t c;
  err_t e;
  cr_assert_not_null(tu_write(path, sizeof path, tag, yaml));
  tu_expect_at(cfg_load(path, &c, &e), &e, path, line, col, key);
}

/* As load_fails_at, and the message after the prefix starts with what. */
static void load_fails_with(const char *tag, const char *yaml, int line,
                            int col, const char *key, const char *what) {
  char path[256], prefix[700];
  cfg_t c;
  err_t e;
  cr_assert_not_null(tu_write(path, sizeof path, tag, yaml));
  tu_expect_at(cfg_load(path, &c, &e), &e, path, line, col, key);
  snprintf(prefix, sizeof prefix, "%s:%d:%d: %s: %s", path, line, col, key,
           what);
  cr_expect(strncmp(e.msg, prefix, strlen(prefix)) == 0,
            "message \"%s\" does not start with \"%s\"", e.msg, prefix);
}

static void load_ok(const char *path, cfg_t *c) {
  err_t e;
  int rc = cfg_load(path, c, &e);
  cr_assert_eq(rc, 0, "%s: %s", path, e.msg);
}

static cfg_t load_text(const char *tag, const char *yaml) {
  char path[256];
  cfg_t c;
  cr_assert_not_null(tu_write(path, sizeof path, tag, yaml));
  load_ok(path, &c);
  return c;
}

/* Dotted paths of every leaf (non-mapping value) of a YAML mapping. */
static int leaf_paths(yaml_document_t *d, yaml_node_t *map, const char *pre,
                      char paths[][128], int n) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(d, p->key);
    yaml_node_t *v = yaml_document_get_node(d, p->value);
    char path[128];
    snprintf(path, sizeof path, "%s%s%s", pre, *pre ? "." : "",
             (const char *)k->data.scalar.value);
    if (v->type == YAML_MAPPING_NODE) {
      n = leaf_paths(d, v, path, paths, n);
    } else {
      cr_assert_lt(n, MAX_PATHS);
      snprintf(paths[n++], 128, "%s", path);
    }
  }
  return n;
}

static int file_paths(const char *file, char paths[][128]) {
  FILE *f = fopen(file, "rb");
  yaml_parser_t p;
  yaml_document_t d;
  int n;
  cr_assert_not_null(f, "%s", file);
  yaml_parser_initialize(&p);
  yaml_parser_set_input_file(&p, f);
  cr_assert(yaml_parser_load(&p, &d), "%s does not parse", file);
  n = leaf_paths(&d, yaml_document_get_root_node(&d), "", paths, 0);
  yaml_document_delete(&d);
  yaml_parser_delete(&p);
  fclose(f);
  return n;
}

static double gbytes_per_s(const cfg_t *c) {
  return c->dram_channels * c->dram_bus_bits * c->dram_gbps_per_pin / 8;
}

/* ----------------------------------------------------------- presets */

Test(config, spatten_preset_has_the_issue_figures) {
  cfg_t c;
  load_ok("configs/spatten.yaml", &c);
  cr_expect_str_eq(c.name, "spatten");
  cr_expect_eq(c.clock_ghz, 1.0);
  cr_expect_eq(c.qk_multipliers, 512);
  cr_expect_eq(c.av_multipliers, 512);
  cr_expect_eq(c.width, 12);
  cr_expect_eq(c.dram_channels, 16);
  cr_expect_eq(c.dram_bus_bits, 128);
  cr_expect_eq(c.dram_gbps_per_pin, 2.0);
  cr_expect_eq(gbytes_per_s(&c), 512.0);
  cr_expect_eq(c.topk_parallelism, 16);
  cr_expect_eq(c.key_buffer_bytes, 196 * 1024);
  cr_expect_eq(c.value_buffer_bytes, 196 * 1024);
  cr_expect(c.pruning);
  cr_expect_str_eq(c.dram_model, "hbm2");
  cr_expect_eq(c.t_node_nm, 40); /* SpAtten: 40 nm */
  cr_expect_eq(c.e_mac_bits, 12);
  cr_expect_eq(c.e_dram_pj_per_bit, 3.9);
  /* HBM2 legacy mode BL4: 4 beats of 128 bits */
  cr_expect_eq(c.dram_burst_bytes, 4 * 128 / 8);
  /* 16 banks of 32768 rows of 2 KiB: 1 GiB per channel */
  cr_expect_eq((int64_t)c.dram_ranks * c.dram_bankgroups * c.dram_banks_per_group *
                   c.dram_rows * c.dram_row_bytes,
               (int64_t)1 << 30);
}

Test(config, eighth_preset_is_one_eighth_of_spatten) {
  cfg_t full, c;
  load_ok("configs/spatten.yaml", &full);
  load_ok("configs/spatten-eighth.yaml", &c);
  cr_expect_str_eq(c.name, "spatten-eighth");
  cr_expect_eq(c.qk_multipliers + c.av_multipliers, 128);
  cr_expect_eq(c.qk_multipliers, 64);
  cr_expect_eq(c.dram_channels, 2);
  cr_expect_eq(gbytes_per_s(&c), 64.0);
  cr_expect_eq(c.key_buffer_bytes, 25088);
  cr_expect_eq(c.value_buffer_bytes, 25088);
  /* the query and output buffers hold a tiled mapping's 16-row query
   * block (docs/tiling.md): 16 rows of 64 x 12 bits and of 64 x 32 bits */
  cr_expect_geq(c.query_buffer_bytes, 16 * 64 * 12 / 8);
  cr_expect_geq(c.output_buffer_bytes, 16 * 64 * 4);
  cr_expect_leq(c.query_buffer_bytes, full.query_buffer_bytes);
  cr_expect_leq(c.output_buffer_bytes, full.output_buffer_bytes);
  /* a query's score row must fit: GPT-2 contexts are 1024 tokens */
  cr_expect_eq(c.score_buffer_entries, 1024);
  cr_expect_eq(c.softmax_units * 8, full.softmax_units);
  cr_expect_eq(c.topk_parallelism * 8, full.topk_parallelism);
  cr_expect(c.pruning);
  /* the datapath itself is unchanged */
  cr_expect_eq(c.width, full.width);
  cr_expect_eq(c.clock_ghz, full.clock_ghz);
  cr_expect_eq(c.e_mac_pj, full.e_mac_pj);
}

Test(config, dense_preset_is_spatten_without_pruning) {
  cfg_t full, c;
  err_t e;
  load_ok("configs/spatten.yaml", &full);
  load_ok("configs/dense.yaml", &c);
  cr_expect_not(c.pruning);
  cr_expect_eq(c.topk_parallelism, 0);
  /* Put the two differences (and the name) back: the rest is identical. */
  cr_assert_eq(cfg_set(&c, "topk.parallelism=16", &e), 0, "%s", e.msg);
  cr_assert_eq(cfg_set(&c, "features.pruning=true", &e), 0, "%s", e.msg);
  cr_assert_eq(cfg_set(&c, "name=spatten", &e), 0, "%s", e.msg);
  cr_expect_eq(cfg_hash(&c), cfg_hash(&full));
}

Test(config, defaults_are_the_spatten_preset) {
  cfg_t d, c;
  cfg_defaults(&d);
  load_ok("configs/spatten.yaml", &c);
  cr_expect_eq(cfg_hash(&d), cfg_hash(&c));
  cr_expect_str_eq(d.name, "spatten");
  cr_expect_eq(d.key_buffer_bytes, 200704);
  cr_expect_eq(d.dram_latency_ns, 50.0);
}

/* Every key of the schema (as listed by a dump) appears in every preset. */
Test(config, presets_set_every_key) {
  static char want[MAX_PATHS][128], got[MAX_PATHS][128];
  const char *presets[] = {"configs/spatten.yaml",
                           "configs/spatten-eighth.yaml",
                           "configs/dense.yaml"};
  char dump[256];
  cfg_t d;
  FILE *f;
  int nwant;
  cfg_defaults(&d);
  cr_assert_not_null(tu_write(dump, sizeof dump, "dump", ""));
  f = fopen(dump, "w");
  cfg_dump(&d, f);
  fclose(f);
  nwant = file_paths(dump, want);
  /* 83 before the whole-chip model, -1 (area.sram_mm2_per_kb) + 6 technology
   * + 15 buffer (write pJ, leakage, area x 5) + 11 energy + 9 area = 123,
   * + 3 DRAM write-queue keys (depth, drain high and low watermarks) = 126,
   * + 3 mapping keys (softmax, tile_q, tile_kv: docs/tiling.md) = 129,
   * + fetch.dequant_lanes and energy.dequant_pj (docs/kivi.md) = 131 */
  cr_expect_eq(nwant, 131, "cfg_t has 131 fields");
  for (int p = 0; p < 3; p++) {
    int ngot = file_paths(presets[p], got);
    cr_expect_eq(ngot, nwant, "%s sets %d keys, schema has %d", presets[p],
                 ngot, nwant);
    for (int i = 0; i < nwant; i++) {
      int found = 0;
      for (int j = 0; j < ngot; j++) found |= strcmp(want[i], got[j]) == 0;
      cr_expect(found, "%s does not set %s", presets[p], want[i]);
    }
  }
}

Test(config, dump_reloads_and_marks_defaults) {
  char path[256], text[8192] = "";
  cfg_t c, back;
  FILE *f;
  load_ok("configs/spatten-eighth.yaml", &c);
  cr_assert_not_null(tu_write(path, sizeof path, "dump", ""));
  f = fopen(path, "w");
  cfg_dump(&c, f);
  fclose(f);
  load_ok(path, &back);
  cr_expect_eq(cfg_hash(&back), cfg_hash(&c));
  f = fopen(path, "r");
  cr_assert_eq(fread(text, 1, sizeof text - 1, f) > 0, 1);
  fclose(f);
  cr_expect_not_null(strstr(text, "\n  channels: 2\n"), "%s", text);
  cr_expect_not_null(strstr(text, "\n  width: 12  # default\n"), "%s", text);
}

Test(config, doc_lists_every_key_with_range_and_unit) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cfg_doc(f);
  fclose(f);
  cr_expect_not_null(strstr(buf, "| key | type | default | range | unit |"));
  cr_expect_not_null(
      strstr(buf, "| `dram.channels` | int | `16` | 1..1024 | channels |"));
  cr_expect_not_null(
      strstr(buf, "| `energy.mac_pj` | float | `1.5` | >= 0 |"));
  free(buf);
}

/* ----------------------------------------------------- error classes */

Test(config, cannot_open) {
  cfg_t c;
  err_t e;
  cr_expect_eq(cfg_load("build/tests/tmp/no-such-file.yaml", &c, &e), 2);
  cr_expect_str_eq(e.msg, "build/tests/tmp/no-such-file.yaml: cannot open: "
                          "No such file or directory");
}

Test(config, syntax_error) {
  /* line 2 starts with a tab, which cannot start a YAML token */
  load_fails_with("syntax", "dram:\n\tchannels: 2\n", 2, 1, "(syntax)",
                  "syntax error: ");
  /* an unterminated quote runs to the end of the stream: line 2, col 1 */
  load_fails_at("syntax2", "name: \"abc\n", 2, 1, "(syntax)");
}

Test(config, empty_file) {
  load_fails_with("empty", "", 1, 1, "(root)", "empty file (");
  load_fails_at("comments", "# nothing here\n", 1, 1, "(root)");
}

Test(config, root_not_a_mapping) {
  load_fails_at("rootseq", "- 1\n- 2\n", 1, 1, "(root)");
  load_fails_at("rootscalar", "\nhello\n", 2, 1, "(root)");
}

Test(config, unknown_key) {
  char path[256];
  cfg_t c;
  err_t e;
  /* "chanels" is the key on line 2 at col 3 */
  cr_assert_not_null(tu_write(path, sizeof path, "unknown",
                              "dram:\n  chanels: 2\n"));
  tu_expect_at(cfg_load(path, &c, &e), &e, path, 2, 3, "dram.chanels");
  cr_expect_not_null(strstr(e.msg, "did you mean dram.channels?"), "%s", e.msg);
  load_fails_at("unknown2", "clock_ghz: 1\nfoo: 3\n", 2, 1, "foo");
}

Test(config, dotted_key_in_file) {
  load_fails_at("dotted", "dram.channels: 4\n", 1, 1, "dram.channels");
}

Test(config, duplicate_key) {
  /* second "channels" on line 3, col 3 */
  load_fails_with("dup", "dram:\n  channels: 2\n  channels: 4\n", 3, 3,
                  "dram.channels",
                  "duplicate key (first set at line 2, col 3)");
  /* a section given twice: second "dram" on line 3, col 1 */
  load_fails_at("dupsec", "dram:\n  channels: 2\ndram:\n  bus_bits: 64\n", 3,
                1, "dram");
}

Test(config, wrong_type) {
  /* "  channels: " is 12 characters: the value starts at col 13 */
  load_fails_with("type1", "dram:\n  channels: abc\n", 2, 13, "dram.channels",
                  "wrong type (got abc, expected an integer)");
  load_fails_at("type2", "dram:\n  channels: 1.5\n", 2, 13, "dram.channels");
  load_fails_at("type3", "dram:\n  channels: {a: 1}\n", 2, 13,
                "dram.channels");
  load_fails_at("type4", "dram:\n  channels: [2]\n", 2, 13, "dram.channels");
  /* "features:\n  pruning: yes": value at col 12 */
  load_fails_at("type5", "features:\n  pruning: yes\n", 2, 12,
                "features.pruning");
  /* a section given a scalar: "dram: 4", value at col 7 */
  load_fails_at("type6", "dram: 4\n", 1, 7, "dram");
  /* enum outside its choices: "  model: " is 9 characters */
  load_fails_at("type7", "dram:\n  model: fancy\n", 2, 10, "dram.model");
  load_fails_at("type8", "clock_ghz: .inf\n", 1, 12, "clock_ghz");
  load_fails_at("type9", "dram:\n  channels:\n", 2, 12, "dram.channels");
}

Test(config, octal_and_separators_rejected) {
  load_fails_with("octal", "dram:\n  channels: 010\n", 2, 13, "dram.channels",
                  "leading zero");
  load_fails_at("under", "dram:\n  channels: 1_6\n", 2, 13, "dram.channels");
  load_fails_at("hex", "dram:\n  channels: 0x10\n", 2, 13, "dram.channels");
}

Test(config, quoted_number) {
  load_fails_with("quoted", "dram:\n  channels: \"4\"\n", 2, 13,
                  "dram.channels",
                  "quoted value (got \"4\", expected an unquoted");
  load_fails_at("quoted2", "clock_ghz: '1.0'\n", 1, 12, "clock_ghz");
  load_fails_at("quoted3", "features:\n  pruning: \"true\"\n", 2, 12,
                "features.pruning");
}

Test(config, out_of_range) {
  char path[256];
  cfg_t c;
  err_t e;
  cr_assert_not_null(tu_write(path, sizeof path, "range",
                              "dram:\n  channels: 2000\n"));
  tu_expect_at(cfg_load(path, &c, &e), &e, path, 2, 13, "dram.channels");
  cr_expect_not_null(strstr(e.msg, "out of range (got 2000, expected 1..1024)"),
                     "%s", e.msg);
  /* "  width: " is 9 characters */
  load_fails_at("range2", "datapath:\n  width: 1\n", 2, 10, "datapath.width");
  load_fails_at("range3", "energy:\n  mac_pj: -0.5\n", 2, 11, "energy.mac_pj");
  load_fails_at("range4", "clock_ghz: 0\n", 1, 12, "clock_ghz");
  load_fails_at("range5", "buffers:\n  key_bytes: 2147483648\n", 2, 14,
                "buffers.key_bytes");
}

Test(config, int_overflow) {
  /* beyond int64: an overflow, not a wrapped value */
  load_fails_with("ovf", "dram:\n  channels: 99999999999999999999\n", 2, 13,
                  "dram.channels", "overflow (");
  /* beyond int but within int64: out of range */
  load_fails_with("ovf2", "dram:\n  channels: 4294967297\n", 2, 13,
                  "dram.channels", "out of range (");
  load_fails_at("ovf3", "clock_ghz: 1e999\n", 1, 12, "clock_ghz");
}

Test(config, second_document) {
  /* the second document starts at "---" on line 2 */
  load_fails_at("multi", "clock_ghz: 1\n---\nclock_ghz: 2\n", 2, 1, "(root)");
}

Test(config, cross_field_frac_bits) {
  /* both set: blame frac_bits, the key on line 3 col 3 */
  load_fails_with("cross", "datapath:\n  width: 8\n  frac_bits: 8\n", 3, 3,
                  "datapath.frac_bits",
                  "fractional bits must leave a sign bit");
  /* only width set (frac_bits stays 8): blame width, line 2 col 3 */
  load_fails_at("cross2", "datapath:\n  width: 8\n", 2, 3, "datapath.width");
}

Test(config, cross_field_pruning_needs_topk) {
  load_fails_at("cross3", "topk:\n  parallelism: 0\n", 2, 3,
                "topk.parallelism");
  cfg_t c = load_text("cross4", "topk:\n  parallelism: 0\nfeatures:\n"
                                "  pruning: false\n");
  cr_expect_eq(c.topk_parallelism, 0);
}

/* ------------------------------------------------------------ --set */

Test(config, set_overrides_one_key) {
  cfg_t c;
  err_t e;
  cfg_defaults(&c);
  cr_assert_eq(cfg_set(&c, "dram.channels=4", &e), 0, "%s", e.msg);
  cr_expect_eq(c.dram_channels, 4);
  cr_assert_eq(cfg_set(&c, "clock_ghz=1.5", &e), 0, "%s", e.msg);
  cr_expect_eq(c.clock_ghz, 1.5);
  cr_assert_eq(cfg_set(&c, "name=my chip", &e), 0, "%s", e.msg);
  cr_expect_str_eq(c.name, "my chip");
  cr_assert_eq(cfg_set(&c, "features.pruning=false", &e), 0, "%s", e.msg);
  cr_expect_not(c.pruning);
}

Test(config, set_rejects_bad_keys_and_values) {
  cfg_t c, before;
  err_t e;
  cfg_defaults(&c);
  before = c;
  tu_expect_at(cfg_set(&c, "dram.chanels=4", &e), &e, "<--set>", 0, 0,
            "dram.chanels");
  cr_expect_not_null(strstr(e.msg, "did you mean dram.channels?"), "%s", e.msg);
  tu_expect_at(cfg_set(&c, "dram=4", &e), &e, "<--set>", 0, 0, "dram");
  tu_expect_at(cfg_set(&c, "dram.channels=abc", &e), &e, "<--set>", 0, 0,
            "dram.channels");
  tu_expect_at(cfg_set(&c, "dram.channels=\"4\"", &e), &e, "<--set>", 0, 0,
            "dram.channels");
  tu_expect_at(cfg_set(&c, "dram.channels=0", &e), &e, "<--set>", 0, 0,
            "dram.channels");
  tu_expect_at(cfg_set(&c, "dram.channels=", &e), &e, "<--set>", 0, 0,
            "dram.channels");
  tu_expect_at(cfg_set(&c, "dram.channels", &e), &e, "<--set>", 0, 0, "(set)");
  /* the override would break frac_bits < width */
  tu_expect_at(cfg_set(&c, "datapath.width=8", &e), &e, "<--set>", 0, 0,
            "datapath.width");
  cr_expect_eq(cfg_hash(&c), cfg_hash(&before), "failed sets change nothing");
}

/* ------------------------------------------------------------ hashing */

Test(config, hash_ignores_comments_order_and_format) {
  cfg_t a = load_text("h1", "dram:\n  channels: 8\n  bus_bits: 64\n"
                            "clock_ghz: 1.5\n");
  cfg_t b = load_text("h2", "# a comment\nclock_ghz: 1.50   # GHz\n"
                            "dram: {bus_bits: 64, channels: 8}\n");
  cfg_t c = load_text("h3", "dram:\n  channels: 8\n  bus_bits: 64\n"
                            "clock_ghz: 1.25\n");
  cfg_t d;
  cr_expect_eq(cfg_hash(&a), cfg_hash(&b));
  cr_expect_neq(cfg_hash(&a), cfg_hash(&c));
  cfg_defaults(&d);
  cr_expect_neq(cfg_hash(&a), cfg_hash(&d));
}

Test(config, hash_sees_every_value) {
  cfg_t a, b;
  err_t e;
  cfg_defaults(&a);
  b = a;
  cr_assert_eq(cfg_set(&b, "area.topk_mm2=0.003", &e), 0, "%s", e.msg);
  cr_expect_neq(cfg_hash(&a), cfg_hash(&b));
  cr_assert_eq(cfg_set(&b, "area.topk_mm2=0.00034", &e), 0, "%s", e.msg);
  cr_expect_eq(cfg_hash(&a), cfg_hash(&b));
}

/* A bad value is shown on one line and in plain ASCII, whatever bytes it
 * holds: control and non-ASCII bytes appear as \xNN. */
Test(config, bad_values_are_shown_escaped) {
  char path[256];
  cfg_t c;
  err_t e;
  cr_assert_not_null(tu_write(path, sizeof path, "esc.yaml",
                              "clock_ghz: \"1\\n\xc3\xa9\"\n"));
  cr_assert_eq(cfg_load(path, &c, &e), 2);
  cr_expect(strstr(e.msg, "(got \"1\\x0a\\xc3\\xa9\","), "%s", e.msg);
  cfg_defaults(&c);
  cr_assert_eq(cfg_set(&c, "no equals \x01 sign", &e), 2);
  cr_expect(strstr(e.msg, "(got no equals \\x01 sign,"), "%s", e.msg);
}

/* ------------------------------------------------- DRAM presets */

static const char *const dram_presets[] = {
    "configs/dram/hbm2e.yaml", "configs/dram/hbm3.yaml",
    "configs/dram/ddr5-4800.yaml", "configs/dram/lpddr5.yaml",
    "configs/dram/hbm2-reference.yaml"};
#define N_DRAM_PRESETS (int)(sizeof dram_presets / sizeof dram_presets[0])

/* cfg_dump's text (caller frees): the effective config, key by key. */
static char *dump_text(const cfg_t *c) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  cfg_dump(c, f);
  fclose(f);
  return buf;
}

/* The old way (README before dram.preset): configs/spatten.yaml with its
 * dram: block, from "dram:" to the next top-level line, replaced by the
 * preset's, which runs from its "dram:" line to its end. */
static cfg_t spatten_with_pasted(const char *preset, const char *tag) {
  char *chip = tu_slurp("configs/spatten.yaml"), *mem = tu_slurp(preset);
  char *text, *end;
  const char *block, *from;
  cfg_t c;
  cr_assert(chip && mem, "cannot read configs/spatten.yaml or %s", preset);
  from = strstr(chip, "\ndram:\n");
  block = strstr(mem, "\ndram:\n");
  cr_assert(from && block, "no dram: block in spatten.yaml or %s", preset);
  for (end = strchr(from + 1, '\n') + 1; *end; end = strchr(end, '\n') + 1)
    if (*end != ' ' && *end != '#' && *end != '\n') break;
  text = malloc(strlen(chip) + strlen(mem) + 2);
  cr_assert_not_null(text);
  sprintf(text, "%.*s%s%s", (int)(from - chip + 1), chip, block + 1, end);
  cr_assert_not_null(strstr(text, "\nenergy:\n"), "%s", text);
  c = load_text(tag, text);
  free(text);
  free(chip);
  free(mem);
  return c;
}

/* --set dram.preset=FILE on a chip gives the same effective config (dump
 * text and hash) as the chip with the preset's dram: block pasted in. */
Test(config, set_preset_equals_the_pasted_block) {
  for (int i = 0; i < N_DRAM_PRESETS; i++) {
    char set[300], tag[32];
    cfg_t viaset, pasted;
    err_t e;
    char *a, *b;
    snprintf(tag, sizeof tag, "pasted%d", i);
    pasted = spatten_with_pasted(dram_presets[i], tag);
    load_ok("configs/spatten.yaml", &viaset);
    snprintf(set, sizeof set, "dram.preset=%s", dram_presets[i]);
    cr_assert_eq(cfg_set(&viaset, set, &e), 0, "%s", e.msg);
    a = dump_text(&viaset);
    b = dump_text(&pasted);
    cr_expect_str_eq(a, b, "%s", dram_presets[i]);
    cr_expect_eq(cfg_hash(&viaset), cfg_hash(&pasted), "%s", dram_presets[i]);
    free(a);
    free(b);
  }
}

/* A config file naming the preset (relative to its own folder) is the
 * chip with the block pasted in; configs/spatten-hbm3.yaml is one. */
Test(config, file_preset_equals_the_pasted_block) {
  cfg_t viafile, pasted = spatten_with_pasted("configs/dram/hbm3.yaml", "p3");
  err_t e;
  char *a, *b;
  load_ok("configs/spatten-hbm3.yaml", &viafile);
  cr_expect_str_eq(viafile.name, "spatten-hbm3");
  cr_assert_eq(cfg_set(&pasted, "name=spatten-hbm3", &e), 0, "%s", e.msg);
  a = dump_text(&viafile);
  b = dump_text(&pasted);
  cr_expect_str_eq(a, b);
  cr_expect_eq(cfg_hash(&viafile), cfg_hash(&pasted));
  free(a);
  free(b);
  /* JESD238 as configs/dram/hbm3.yaml states it: 16 x 64 bits x 6.4 / 8 */
  cr_expect_eq(viafile.dram_channels, 16);
  cr_expect_eq(viafile.dram_bus_bits, 64);
  cr_expect_float_eq(gbytes_per_s(&viafile), 819.2, 1e-9);
  /* the chip's own keys are spatten.yaml's */
  cr_expect_eq(viafile.qk_multipliers, 512);
  cr_expect_eq(viafile.key_buffer_bytes, 196 * 1024);
}

/* The hash sees the preset's values, not its path: the same preset copied
 * elsewhere, with other comments, hashes alike; another preset does not. */
Test(config, preset_hash_covers_values_not_the_path) {
  char *mem = tu_slurp("configs/dram/hbm3.yaml"), path[256], set[300],
       *text;
  cfg_t a, b, c;
  err_t e;
  cr_assert_not_null(mem);
  text = malloc(strlen(mem) + 64);
  sprintf(text, "# a copy with another comment\n%s", mem);
  cr_assert_not_null(tu_write(path, sizeof path, "hbm3copy", text));
  cfg_defaults(&a);
  b = c = a;
  cr_assert_eq(cfg_set(&a, "dram.preset=configs/dram/hbm3.yaml", &e), 0,
               "%s", e.msg);
  snprintf(set, sizeof set, "dram.preset=%s", path);
  cr_assert_eq(cfg_set(&b, set, &e), 0, "%s", e.msg);
  cr_expect_eq(cfg_hash(&a), cfg_hash(&b));
  cr_assert_eq(cfg_set(&c, "dram.preset=configs/dram/hbm2e.yaml", &e), 0,
               "%s", e.msg);
  cr_expect_neq(cfg_hash(&a), cfg_hash(&c));
  free(text);
  free(mem);
}

/* In a file the file's own dram.* keys win, wherever preset: stands; keys
 * that neither sets keep their schema default. */
Test(config, file_keys_override_the_preset) {
  /* build/tests/tmp/X: the repository root is three folders up */
  cfg_t c = load_text("over", "dram:\n  channels: 8\n"
                              "  preset: ../../../configs/dram/hbm3.yaml\n"
                              "  timing:\n    cl: 50\n");
  cr_expect_eq(c.dram_channels, 8);       /* the file's, written before */
  cr_expect_eq(c.dram_tm.cl, 50);         /* the file's, written after */
  cr_expect_eq(c.dram_bus_bits, 64);      /* hbm3.yaml: 64-bit channels */
  cr_expect_eq(c.dram_gbps_per_pin, 6.4); /* hbm3.yaml */
  cr_expect_eq(c.dram_tm.trefi, 12480);   /* hbm3.yaml: 3.9 us / 0.3125 ns */
  cr_expect_eq(c.dram_latency_ns, 50.0);  /* neither: the default */
  cr_expect_str_eq(c.name, "spatten");    /* a preset's name is ignored */
}

/* --set dram.preset replaces every dram.* key (the preset's value or the
 * default) at its place in the --set list: later sets win over it, and
 * it wins over earlier ones and over the file. */
Test(config, set_preset_replaces_earlier_dram_keys) {
  cfg_t c;
  err_t e;
  load_ok("configs/spatten.yaml", &c);
  cr_assert_eq(cfg_set(&c, "dram.latency_ns=70", &e), 0, "%s", e.msg);
  cr_assert_eq(cfg_set(&c, " dram.preset = configs/dram/ddr5-4800.yaml", &e),
               0, "%s", e.msg);
  cr_expect_eq(c.dram_latency_ns, 50.0);
  /* JESD79-5 as configs/dram/ddr5-4800.yaml states it: 2 x 32 x 4.8 / 8 */
  cr_expect_float_eq(gbytes_per_s(&c), 38.4, 1e-9);
  cr_expect_eq(c.qk_multipliers, 512);
  cr_assert_eq(cfg_set(&c, "dram.channels=4", &e), 0, "%s", e.msg);
  cr_expect_eq(c.dram_channels, 4);
  cr_expect_eq(c.dram_bus_bits, 32);
}

Test(config, preset_errors_are_located) {
  char pre[256], nested[256], text[600];
  cfg_t c, before;
  err_t e;
  /* the value "nope.yaml" of line 2 starts at column 11 */
  load_fails_with("pmissing", "dram:\n  preset: nope.yaml\n", 2, 11,
                  "dram.preset", "cannot open the preset (got "
                  "build/tests/tmp/nope.yaml: ");
  load_fails_with("pempty", "dram:\n  preset:\n", 2, 10, "dram.preset",
                  "missing value");
  load_fails_with("plist", "dram:\n  preset: [a]\n", 2, 11, "dram.preset",
                  "wrong type (got a list");
  load_fails_with("pdup", "dram:\n  preset: a\n  preset: b\n", 3, 3,
                  "dram.preset", "duplicate key");
  load_fails_with("pdir", "dram:\n  preset: .\n", 2, 11, "dram.preset",
                  "cannot open the preset");
  /* a preset holding a chip key: located at that key in the preset (line
   * 2, column 1), naming where dram.preset stands */
  cr_assert_not_null(tu_write(pre, sizeof pre, "pchip",
                              "name: x\nclock_ghz: 2\ndram:\n  channels: 8\n"));
  snprintf(text, sizeof text, "\ndram:\n  preset: %s\n", strrchr(pre, '/') + 1);
  {
    char chip[256], want[700];
    cr_assert_not_null(tu_write(chip, sizeof chip, "pusechip", text));
    tu_expect_at(cfg_load(chip, &c, &e), &e, pre, 2, 1, "dram.preset");
    snprintf(want, sizeof want, "not a DRAM key (got clock_ghz, expected only "
             "dram.* keys and name in a preset, which %s:3:11 names)", chip);
    cr_expect_not_null(strstr(e.msg, want), "%s", e.msg);
  }
  /* a preset naming another: refused at the inner dram.preset's value */
  cr_assert_not_null(tu_write(nested, sizeof nested, "pnested",
                              "dram:\n  channels: 8\n  preset: x.yaml\n"));
  cfg_defaults(&c);
  before = c;
  snprintf(text, sizeof text, "dram.preset=%s", nested);
  tu_expect_at(cfg_set(&c, text, &e), &e, nested, 3, 11, "dram.preset");
  cr_expect_not_null(strstr(e.msg, "a preset names another"), "%s", e.msg);
  snprintf(text, sizeof text, "dram.preset=%s", pre);
  tu_expect_at(cfg_set(&c, text, &e), &e, pre, 2, 1, "dram.preset");
  /* --set: no place in a file; the path is relative to the current folder */
  tu_expect_at(cfg_set(&c, "dram.preset=dram/hbm3.yaml", &e), &e, "<--set>",
               0, 0, "dram.preset");
  cr_expect_not_null(strstr(e.msg, "relative to the current folder"), "%s",
                     e.msg);
  tu_expect_at(cfg_set(&c, "dram.preset=", &e), &e, "<--set>", 0, 0,
               "dram.preset");
  cr_expect_eq(cfg_hash(&c), cfg_hash(&before), "failed sets change nothing");
}

/* A cross-field rule broken by a key the preset set points at dram.preset
 * (the file does not write the key): queue_depth 8 holds 8 bursts, a
 * 1024-byte fetch needs 1024 / 64 + 1 = 17. */
Test(config, preset_keys_are_blamed_at_dram_preset) {
  char pre[256], text[300];
  cr_assert_not_null(tu_write(pre, sizeof pre, "pqueue",
                              "dram:\n  queue_depth: 8\n"));
  snprintf(text, sizeof text, "name: q\ndram:\n  preset: %s\n",
           strrchr(pre, '/') + 1);
  load_fails_with("pusequeue", text, 3, 11, "dram.queue_depth",
                  "a fetch request must fit");
}

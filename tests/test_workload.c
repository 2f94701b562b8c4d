/* test_workload.c - workload loading, validation, text round trip and the
 * shape helpers.
 *
 * Error locations are derived by hand from the YAML text in each test;
 * shapes are derived from the definitions in workload.h. Run from the
 * repository root.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "testutil.h"
#include "workload.h"

static void load_fails_at(const char *tag, const char *yaml, int line,
                          int col, const char *key) {
  char path[256];
  wl_t w;
  err_t e;
  cr_assert_not_null(tu_write(path, sizeof path, tag, yaml));
  tu_expect_at(wl_load(path, &w, &e), &e, path, line, col, key);
}

static wl_t load_path(const char *path) {
  wl_t w;
  err_t e;
  int rc = wl_load(path, &w, &e);
  cr_assert_eq(rc, 0, "%s: %s", path, e.msg);
  return w;
}

static wl_t load_text(const char *tag, const char *yaml) {
  char path[256];
  cr_assert_not_null(tu_write(path, sizeof path, tag, yaml));
  return load_path(path);
}

/* Field-by-field equality (no memcmp: padding and unused entries). */
static void expect_same(const wl_t *a, const wl_t *b) {
  cr_expect_str_eq(a->name, b->name);
  cr_expect_eq(a->layers, b->layers);
  cr_expect_eq(a->heads, b->heads);
  cr_expect_eq(a->head_dim, b->head_dim);
  cr_expect_eq(a->phase, b->phase);
  cr_assert_eq(a->ncases, b->ncases);
  for (int i = 0; i < a->ncases; i++) cr_expect_eq(a->tokens[i], b->tokens[i]);
  cr_expect_eq(a->causal, b->causal);
  cr_expect_eq(a->prompt, b->prompt);
  cr_expect_eq(a->generate, b->generate);
  cr_expect_eq(a->source, b->source);
  cr_expect_eq(a->seed, b->seed);
  cr_expect_eq(a->std, b->std);
  cr_expect_eq(a->salience, b->salience);
  cr_expect_str_eq(a->q_path, b->q_path);
  cr_expect_str_eq(a->k_path, b->k_path);
  cr_expect_str_eq(a->v_path, b->v_path);
}

/* ----------------------------------------------------------- presets */

Test(workload, bert_base) {
  wl_t w = load_path("workloads/bert-base.yaml");
  cr_expect_str_eq(w.name, "bert-base");
  cr_expect_eq(w.phase, WL_PREFILL);
  cr_expect_eq(w.layers, 12);
  cr_expect_eq(w.heads, 12);
  cr_expect_eq(w.head_dim, 64);
  cr_assert_eq(w.ncases, 2);
  cr_expect_eq(w.tokens[0], 128);
  cr_expect_eq(w.tokens[1], 384);
  cr_expect_not(w.causal);
  cr_expect_eq(w.source, WL_SYNTHETIC);
  cr_expect_eq(w.seed, 1);
  cr_expect_eq(w.std, 1.0);
  cr_expect_eq(w.salience, 2.0);
  cr_expect_eq(wl_ctx_tokens(&w, 1), 384);
  cr_expect_eq(wl_keys(&w, 1, 0), 384, "not causal: every key");
}

Test(workload, gpt2_small) {
  wl_t w = load_path("workloads/gpt2-small.yaml");
  cr_expect_str_eq(w.name, "gpt2-small");
  cr_expect_eq(w.phase, WL_DECODE);
  cr_expect_eq(w.layers, 12);
  cr_expect_eq(w.heads, 12);
  cr_expect_eq(w.head_dim, 64);
  cr_expect_eq(w.ncases, 1);
  cr_expect_eq(w.prompt, 992);
  cr_expect_eq(w.generate, 32);
  cr_expect_eq(wl_ctx_tokens(&w, 0), 1024);
  cr_expect_eq(wl_queries(&w, 0), 32);
  cr_expect_eq(w.source, WL_SYNTHETIC);
  cr_expect_eq(w.std, 1.0);
}

Test(workload, gpt2_medium) {
  wl_t w = load_path("workloads/gpt2-medium.yaml");
  cr_expect_str_eq(w.name, "gpt2-medium");
  cr_expect_eq(w.phase, WL_DECODE);
  cr_expect_eq(w.layers, 24);
  cr_expect_eq(w.heads, 16);
  cr_expect_eq(w.head_dim, 64);
  cr_expect_eq(w.ncases, 1);
  cr_expect_eq(w.prompt, 992);
  cr_expect_eq(w.generate, 32);
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
      cr_assert_lt(n, 64);
      snprintf(paths[n++], 128, "%s", path);
    }
  }
  return n;
}

/* Every key of wl_to_text (all keys, schema order) is set in each preset. */
Test(workload, presets_set_every_key) {
  const char *presets[] = {"workloads/bert-base.yaml",
                           "workloads/gpt2-small.yaml",
                           "workloads/gpt2-medium.yaml"};
  char text[8192], got[64][128];
  wl_t d;
  int nkeys = 0;
  wl_defaults(&d);
  wl_to_text(&d, text, sizeof text);
  for (const char *p = text; (p = strchr(p, '\n')); p++) nkeys++;
  cr_expect_eq(nkeys, 57, "wl_t has 57 keys"); /* 39 + landmark.* (3), lightning.* (2), moh.* (3), gated.* (4), routing.* (2), blockrank.* (4) */
  for (int i = 0; i < 3; i++) {
    FILE *f = fopen(presets[i], "rb");
    yaml_parser_t yp;
    yaml_document_t doc;
    int n;
    cr_assert_not_null(f);
    yaml_parser_initialize(&yp);
    yaml_parser_set_input_file(&yp, f);
    cr_assert(yaml_parser_load(&yp, &doc));
    n = leaf_paths(&doc, yaml_document_get_root_node(&doc), "", got, 0);
    yaml_document_delete(&doc);
    yaml_parser_delete(&yp);
    fclose(f);
    cr_expect_eq(n, nkeys, "%s sets %d of %d keys", presets[i], n, nkeys);
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
      int found = 0;
      size_t klen = strcspn(line, "=");
      for (int j = 0; j < n; j++)
        found |= strlen(got[j]) == klen && strncmp(got[j], line, klen) == 0;
      cr_expect(found, "%s does not set %.*s", presets[i], (int)klen, line);
    }
  }
}

/* ------------------------------------------------------- round trip */

Test(workload, text_round_trip_of_presets) {
  const char *presets[] = {"workloads/bert-base.yaml",
                           "workloads/gpt2-small.yaml",
                           "workloads/gpt2-medium.yaml"};
  for (int i = 0; i < 3; i++) {
    char t1[8192], t2[8192];
    wl_t w = load_path(presets[i]), back;
    err_t e;
    int n = wl_to_text(&w, t1, sizeof t1);
    cr_assert_lt(n, (int)sizeof t1);
    cr_assert_eq(wl_from_text(&back, t1, "hdr", &e), 0, "%s", e.msg);
    expect_same(&w, &back);
    wl_to_text(&back, t2, sizeof t2);
    cr_expect_str_eq(t1, t2);
  }
}

Test(workload, text_round_trip_of_awkward_values) {
  char text[16384];
  wl_t w, back;
  err_t e;
  wl_defaults(&w);
  snprintf(w.name, sizeof w.name, "a \"quoted\" \\ name:\twith\nnewline #x");
  w.ncases = WL_MAX_CASES;
  for (int i = 0; i < WL_MAX_CASES; i++) w.tokens[i] = 1 + i * 4000;
  w.causal = true;
  w.seed = UINT64_MAX;
  w.std = 0.1;
  w.salience = 1e-3 / 3;
  w.source = WL_NPY;
  w.ncases = 1;
  snprintf(w.q_path, sizeof w.q_path, "/data/my dir/q.npy");
  snprintf(w.k_path, sizeof w.k_path, "rel/k.npy");
  snprintf(w.v_path, sizeof w.v_path, "caf\xc3\xa9/v.npy");
  cr_assert_eq(wl_validate(&w, "mem", &e), 0, "%s", e.msg);
  cr_assert_lt(wl_to_text(&w, text, sizeof text), (int)sizeof text);
  cr_assert_eq(wl_from_text(&back, text, "hdr", &e), 0, "%s\n%s", e.msg, text);
  expect_same(&w, &back);
  /* sixteen cases survive too (one head keeps them within WL_MAX_ELEMS) */
  w.layers = w.heads = 1;
  w.source = WL_SYNTHETIC;
  w.ncases = WL_MAX_CASES;
  wl_to_text(&w, text, sizeof text);
  cr_assert_eq(wl_from_text(&back, text, "hdr", &e), 0, "%s", e.msg);
  expect_same(&w, &back);
}

/* Sizes are checked before anything is allocated: a workload bigger than
 * WL_MAX_ELEMS per tensor is refused with the limit named. */
Test(workload, refuses_workloads_past_the_element_limit) {
  char path[256];
  wl_t w;
  err_t e;
  /* 1024 x 64 x 131072 x 64 = 2^39 elements (heads and direction
   * tables within their limits); "model: {" is 8 columns, so the key
   * layers starts at 2:9 */
  tu_write(path, sizeof path, "huge.yaml",
           "phase: prefill\nmodel: {layers: 1024, heads: 64, head_dim: 64}\n"
           "prefill: {tokens: 131072}\n");
  tu_expect_at(wl_load(path, &w, &e), &e, path, 2, 9, "model.layers");
  cr_expect(strstr(e.msg, "expected <= 68719476736"), "%s", e.msg);
}

Test(workload, to_text_reports_the_size_needed) {
  char big[8192], small[16];
  wl_t w;
  wl_defaults(&w);
  int n = wl_to_text(&w, big, sizeof big);
  cr_expect_eq(n, (int)strlen(big));
  cr_expect_eq(wl_to_text(&w, small, sizeof small), n);
  cr_expect_eq(strlen(small), sizeof small - 1);
  cr_expect_eq(strncmp(small, big, sizeof small - 1), 0);
}

Test(workload, from_text_errors_point_at_the_line) {
  wl_t w;
  err_t e;
  /* line 2, value after "model.heads=" (12 characters): col 13 */
  tu_expect_at(wl_from_text(&w, "name=\"x\"\nmodel.heads=abc\n", "hdr", &e), &e,
            "hdr", 2, 13, "model.heads");
  tu_expect_at(wl_from_text(&w, "model.heads=4\nmodel.heads=5\n", "hdr", &e), &e,
            "hdr", 2, 1, "model.heads");
  tu_expect_at(wl_from_text(&w, "\nbogus=1\n", "hdr", &e), &e, "hdr", 2, 1,
            "bogus");
  /* cross-field: decode with two cases, tokens set on line 2 */
  tu_expect_at(wl_from_text(&w, "phase=decode\nprefill.tokens=[1, 2]\n", "hdr",
                         &e),
            &e, "hdr", 2, 1, "prefill.tokens");
}

/* ------------------------------------------------------------- shapes */

Test(workload, shapes_decode) {
  wl_t w;
  wl_defaults(&w);
  w.phase = WL_DECODE;
  w.prompt = 5;
  w.generate = 3;
  w.ncases = 1;
  /* K/V rows: the 5 prompt tokens then the 3 generated ones */
  cr_expect_eq(wl_ctx_tokens(&w, 0), 8);
  cr_expect_eq(wl_queries(&w, 0), 3);
  cr_expect_eq(wl_query_pos(&w, 0, 0), 5);
  cr_expect_eq(wl_query_pos(&w, 0, 2), 7);
  /* query 0 sees rows 0..5 (6 keys), query 2 sees rows 0..7 */
  cr_expect_eq(wl_keys(&w, 0, 0), 6);
  cr_expect_eq(wl_keys(&w, 0, 2), 8);
  w.prompt = 0;
  w.generate = 1;
  cr_expect_eq(wl_keys(&w, 0, 0), 1);
}

Test(workload, shapes_prefill_causal_and_not) {
  wl_t w;
  wl_defaults(&w);
  w.phase = WL_PREFILL;
  w.ncases = 2;
  w.tokens[0] = 4;
  w.tokens[1] = 7;
  w.causal = true;
  cr_expect_eq(wl_ctx_tokens(&w, 1), 7);
  cr_expect_eq(wl_queries(&w, 1), 7);
  cr_expect_eq(wl_query_pos(&w, 1, 3), 3);
  cr_expect_eq(wl_keys(&w, 1, 0), 1);
  cr_expect_eq(wl_keys(&w, 1, 6), 7);
  cr_expect_eq(wl_keys(&w, 0, 3), 4);
  w.causal = false;
  cr_expect_eq(wl_keys(&w, 1, 0), 7);
  cr_expect_eq(wl_keys(&w, 0, 0), 4);
}

/* ------------------------------------------------------------- errors */

Test(workload, syntax_empty_and_unknown) {
  load_fails_at("syn", "model:\n\theads: 2\n", 2, 1, "(syntax)");
  load_fails_at("empty", "", 1, 1, "(root)");
  /* "  head: 2": unknown key at line 2 col 3 */
  load_fails_at("unk", "model:\n  head: 2\n", 2, 3, "model.head");
  load_fails_at("dup", "phase: decode\nphase: prefill\n", 2, 1, "phase");
}

Test(workload, wrong_types_and_ranges) {
  /* "phase: " is 7 characters: value at col 8 */
  load_fails_at("enum", "phase: both\n", 1, 8, "phase");
  /* "  tokens: " is 10 characters: the list starts at col 11 */
  load_fails_at("empty_list", "prefill:\n  tokens: []\n", 2, 11,
                "prefill.tokens");
  load_fails_at("long_list",
                "prefill:\n  tokens: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]\n",
                2, 11, "prefill.tokens");
  /* the bad entry is the third one: "[128, 384, " is 11 characters */
  load_fails_at("entry", "prefill:\n  tokens: [128, 384, 0]\n", 2, 22,
                "prefill.tokens");
  load_fails_at("entry2", "prefill:\n  tokens: [128, \"384\"]\n", 2, 17,
                "prefill.tokens");
  load_fails_at("tok", "prefill:\n  tokens: 131073\n", 2, 11,
                "prefill.tokens");
  /* "  std: " is 7 characters; std must be > 0 */
  load_fails_at("std", "tensors:\n  std: 0\n", 2, 8, "tensors.std");
  /* "  seed: " is 8 characters */
  load_fails_at("seed", "tensors:\n  seed: -1\n", 2, 9, "tensors.seed");
  load_fails_at("seed2", "tensors:\n  seed: 18446744073709551616\n", 2, 9,
                "tensors.seed");
  load_fails_at("layers", "model:\n  layers: 0\n", 2, 11, "model.layers");
  load_fails_at("causal", "prefill:\n  causal: 1\n", 2, 11,
                "prefill.causal");
}

Test(workload, seed_takes_the_full_uint64_range) {
  wl_t w = load_text("seed", "tensors:\n  seed: 18446744073709551615\n");
  cr_expect_eq(w.seed, UINT64_MAX);
}

Test(workload, cross_field_errors_point_at_the_key) {
  /* decode with two cases: "tokens" key on line 3 col 3 */
  load_fails_at("x1", "phase: decode\nprefill:\n  tokens: [1, 2]\n", 3, 3,
                "prefill.tokens");
  /* prompt + generate > 131072: blame generate, line 4 col 3 */
  load_fails_at("x2", "phase: decode\ndecode:\n  prompt: 131000\n"
                      "  generate: 1000\n", 4, 3, "decode.generate");
  /* only prompt set: blame prompt, line 3 col 3 */
  load_fails_at("x3", "phase: decode\ndecode:\n  prompt: 131072\n", 3, 3,
                "decode.prompt");
  /* npy without paths: blame source, "  source: npy" on line 2 */
  load_fails_at("x4", "tensors:\n  source: npy\n", 2, 3, "tensors.source");
  /* npy with two prefill cases */
  load_fails_at("x5", "prefill:\n  tokens: [4, 8]\ntensors:\n  source: npy\n"
                      "  q: q.npy\n  k: k.npy\n  v: v.npy\n", 2, 3,
                "prefill.tokens");
}

Test(workload, npy_paths_resolve_against_the_file) {
  char path[256], want[512];
  wl_t w = load_text("npy", "prefill:\n  tokens: 16\ntensors:\n"
                            "  source: npy\n  q: q.npy\n  k: sub/k.npy\n"
                            "  v: /abs/v.npy\n");
  cr_assert_not_null(tu_write(path, sizeof path, "npy", ""));
  *strrchr(path, '/') = '\0';
  cr_expect_eq(w.source, WL_NPY);
  snprintf(want, sizeof want, "%s/q.npy", path);
  cr_expect_str_eq(w.q_path, want);
  snprintf(want, sizeof want, "%s/sub/k.npy", path);
  cr_expect_str_eq(w.k_path, want);
  cr_expect_str_eq(w.v_path, "/abs/v.npy");
}

/* ---------------------------------------------------------- overrides */

Test(workload, set_overrides_and_rejects) {
  wl_t w = load_path("workloads/bert-base.yaml");
  err_t e;
  cr_assert_eq(wl_set(&w, "prefill.tokens=384", &e), 0, "%s", e.msg);
  cr_expect_eq(w.ncases, 1);
  cr_expect_eq(w.tokens[0], 384);
  cr_assert_eq(wl_set(&w, "prefill.tokens=[16, 32, 64]", &e), 0, "%s", e.msg);
  cr_expect_eq(w.ncases, 3);
  cr_expect_eq(w.tokens[2], 64);
  cr_assert_eq(wl_set(&w, "tensors.seed=42", &e), 0, "%s", e.msg);
  cr_expect_eq(w.seed, 42);
  tu_expect_at(wl_set(&w, "model.head=4", &e), &e, "<--wset>", 0, 0, "model.head");
  tu_expect_at(wl_set(&w, "phase=decoding", &e), &e, "<--wset>", 0, 0, "phase");
  tu_expect_at(wl_set(&w, "prefill.tokens=[1, x]", &e), &e, "<--wset>", 0, 0,
            "prefill.tokens");
  cr_expect_eq(w.ncases, 3, "a failed set leaves the workload alone");
}

Test(workload, set_does_not_validate_but_validate_does) {
  wl_t w = load_path("workloads/bert-base.yaml");
  err_t e;
  cr_assert_eq(wl_set(&w, "phase=decode", &e), 0, "%s", e.msg);
  tu_expect_at(wl_validate(&w, "<--wset>", &e), &e, "<--wset>", 0, 0,
            "prefill.tokens");
  cr_assert_eq(wl_set(&w, "prefill.tokens=128", &e), 0, "%s", e.msg);
  cr_expect_eq(wl_validate(&w, "<--wset>", &e), 0, "%s", e.msg);
}

Test(workload, doc_lists_every_key) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  wl_doc(f);
  fclose(f);
  cr_expect_not_null(strstr(buf, "| `phase` | enum | `prefill` |"), "%s", buf);
  cr_expect_not_null(
      strstr(buf, "| `tensors.std` | float | `1` | > 0 and <= 1000 |"));
  free(buf);
}

/* ------------------------------------------------------- keep layers */

/* gpt2-small: token_keep [1, 1, 0.8, 0.65, ...] and head_keep [1, 1, 1,
 * 1, 0.92, ...] (12 entries each), one-entry value_keep 0.2 and bit
 * widths 6 / 4 / 6; the first 3 layers keep [1, 1, 0.8] and [1, 1, 1] and
 * every one-entry list as it was. */
Test(workload, keep_layers_cuts_every_per_layer_list) {
  wl_t w = load_path("workloads/gpt2-small.yaml");
  err_t e;
  cr_assert_eq(w.layers, 12);
  wl_keep_layers(&w, 3);
  cr_expect_eq(w.layers, 3);
  cr_assert_eq(w.sched_n[WL_S_TOKEN_KEEP], 3);
  cr_expect_eq(w.sched[WL_S_TOKEN_KEEP][0], 1);
  cr_expect_eq(w.sched[WL_S_TOKEN_KEEP][1], 1);
  /* the new last entry (0.8) becomes 1: a last entry prunes across decode
   * steps (docs/spatten.md), which the cut model's layer 2 did not */
  cr_expect_eq(w.sched[WL_S_TOKEN_KEEP][2], 1);
  cr_assert_eq(w.sched_n[WL_S_HEAD_KEEP], 3);
  cr_expect_eq(w.sched[WL_S_HEAD_KEEP][2], 1);
  cr_expect_eq(w.sched_n[WL_S_VALUE_KEEP], 1);
  cr_expect_eq(w.sched[WL_S_VALUE_KEEP][0], 0.2);
  cr_expect_eq(w.sched_n[WL_S_KEY_MSB], 1);
  cr_expect_eq(w.sched[WL_S_KEY_MSB][0], 6);
  cr_expect_eq(w.sched_n[WL_S_THRESHOLD], 1);
  cr_expect_eq(wl_validate(&w, "cut", &e), 0, "%s", e.msg);
  /* all of them is a no-op */
  w = load_path("workloads/gpt2-small.yaml");
  wl_keep_layers(&w, 12);
  cr_expect_eq(w.sched_n[WL_S_TOKEN_KEEP], 12);
  cr_expect_eq(w.sched[WL_S_TOKEN_KEEP][11], 1);
  cr_expect_eq(w.sched[WL_S_TOKEN_KEEP][10], 0.12);
}

/* biformer-t: stages of 2, 2, 8 and 2 blocks, model.layers 8 (the most);
 * 4 layers cut stage 3 to 4 blocks, 1 layer every stage to 1. */
Test(workload, keep_layers_caps_biformer_blocks) {
  wl_t w = load_path("workloads/biformer-t.yaml");
  err_t e;
  cr_assert_eq(w.layers, 8);
  cr_assert_eq(w.bf_nblocks, 4);
  wl_keep_layers(&w, 4);
  cr_expect_eq(w.layers, 4);
  cr_expect_eq(w.bf_blocks[0], 2);
  cr_expect_eq(w.bf_blocks[1], 2);
  cr_expect_eq(w.bf_blocks[2], 4);
  cr_expect_eq(w.bf_blocks[3], 2);
  cr_expect_eq(wl_validate(&w, "cut", &e), 0, "%s", e.msg);
  wl_keep_layers(&w, 1);
  for (int s = 0; s < 4; s++) cr_expect_eq(w.bf_blocks[s], 1);
  cr_expect_eq(wl_validate(&w, "cut", &e), 0, "%s", e.msg);
}

/* Lowering model.layers under longer lists names the way out. */
Test(workload, short_model_names_layers_option) {
  wl_t w = load_path("workloads/gpt2-small.yaml");
  err_t e;
  cr_assert_eq(wl_set(&w, "model.layers=4", &e), 0);
  cr_expect_eq(wl_validate(&w, "<--wset>", &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "<--wset>: schedule.token_keep: wrong length (got 12 "
                          "entries, expected 1 or model.layers = 4); to run the "
                          "first 4 layers, keep model.layers = 12 and add "
                          "--layers 4 (it cuts every per-layer list to 4 entries)"),
            "%s", e.msg);
}

/* tools/dump_qkv.py on tiny randomly initialised checkpoints that
 * tests/dump_qkv_ref.py writes (GPT-2: F16 and F32, fused Conv1D c_attn,
 * byte-level BPE; LLaMA: BF16 in two shards, RoPE, 4 query heads on 2 KV
 * heads). The reference recomputes every Q, K, V and attention output with
 * its own loops, and the attention again from the dumped files; then
 * attnsim checks a run on the written workload. Needs Debian's python3 and
 * python3-numpy (make deps). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define PY "/usr/bin/python3"

/* A fresh scratch folder per test (the suite runs tests in parallel). */
static void scratch(char *dir, size_t len, const char *tag) {
  char cmd[600];
  snprintf(dir, len, "build/tests/tmp/dumpqkv-%s-%d", tag, (int)getpid());
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
  cr_assert_eq(tu_sh(cmd), 0);
  cr_assert_eq(tu_sh(PY " -c 'import numpy' 2>/dev/null"), 0,
               "/usr/bin/python3 with NumPy is missing: make deps installs "
               "python3-numpy");
}

/* Write the checkpoint, dump it with extra tool arguments, and hold the
 * dump to the reference computed on ids. */
static void dump_and_compare(const char *dir, const char *kind,
                             const char *tool_args, const char *ids) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, PY " tests/dump_qkv_ref.py write %s %s/ckpt",
           kind, dir);
  cr_assert_eq(tu_sh(cmd), 0, "%s", cmd);
  snprintf(cmd, sizeof cmd, PY " tools/dump_qkv.py %s/ckpt %s -o %s/out "
           "--attn-out >%s/tool.log 2>&1", dir, tool_args, dir, dir);
  cr_assert_eq(tu_sh(cmd), 0, "%s (see %s/tool.log)", cmd, dir);
  snprintf(cmd, sizeof cmd, PY " tests/dump_qkv_ref.py check %s %s/ckpt "
           "%s/out %s >%s/ref.log 2>&1", kind, dir, dir, ids, dir);
  cr_assert_eq(tu_sh(cmd), 0, "the dump differs from the reference: %s/ref.log",
               dir);
}

static void check_run(const char *dir, const char *extra) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "attnsim run --config configs/spatten.yaml "
           "--workload %s/out/workload.yaml --check --json %s/run.json %s "
           ">%s/run.log 2>&1", dir, dir, extra, dir);
  cr_assert_eq(tu_sh(cmd), 0, "%s (see %s/run.log)", cmd, dir);
}

/* "hello world" through the 6 merges of the test vocabulary, by hand:
 * hello -> he l l o -> he ll o -> hell o -> hello (259); " world" ->
 * \u0120w (260) or (261) l (108) d (100). */
Test(dump_qkv, gpt2_bpe_text_matches_reference_and_checks) {
  char dir[128], path[300], *y;
  scratch(dir, sizeof dir, "gpt2");
  dump_and_compare(dir, "gpt2", "--text 'hello world'", "259,260,261,108,100");
  snprintf(path, sizeof path, "%s/out/workload.yaml", dir);
  cr_assert((y = tu_slurp(path)));
  cr_expect(strstr(y, "(5 tokens: 259, 260, 261, 108, 100)"), "%s", y);
  cr_expect(strstr(y, "model: {layers: 2, heads: 2, head_dim: 16}"), "%s", y);
  cr_expect(strstr(y, "prefill: {tokens: 5, causal: true}"), "%s", y);
  free(y);
  check_run(dir, "");
}

Test(dump_qkv, llama_gqa_matches_reference_and_checks_pruned) {
  char dir[128], path[300], *j, *y;
  scratch(dir, sizeof dir, "llama");
  dump_and_compare(dir, "llama", "--ids 3,17,42,8,0,25,11,5 --generate 4",
                   "3,17,42,8,0,25,11,5");
  snprintf(path, sizeof path, "%s/out/workload.yaml", dir);
  cr_assert((y = tu_slurp(path)));
  cr_expect(strstr(y, "model: {layers: 2, heads: 4, head_dim: 8}"), "%s", y);
  cr_expect(strstr(y, "decode: {prompt: 4, generate: 4}"), "%s", y);
  free(y);
  check_run(dir, "");
  /* a SpAtten schedule on the same activations: the check passes and the
   * pruned output differs from dense attention (keeping half the tokens
   * of 5 to 8 drops keys with weight exp(score) > 0) */
  check_run(dir, "--wset schedule.token_keep=0.5");
  snprintf(path, sizeof path, "%s/run.json", dir);
  cr_assert((j = tu_slurp(path)));
  cr_expect(strstr(j, "\"output_rel_error\": 0.") &&
            !strstr(j, "\"output_rel_error\": 0.0000"), "%s", j);
  free(j);
}

Test(dump_qkv, bad_input_is_located) {
  char dir[128], cmd[1400], path[300], *msg;
  scratch(dir, sizeof dir, "bad");
  snprintf(cmd, sizeof cmd, PY " tests/dump_qkv_ref.py badst %s/ckpt && "
           PY " tools/dump_qkv.py %s/ckpt --ids 1,2 -o %s/out 2>%s/err",
           dir, dir, dir, dir);
  cr_expect_eq(tu_sh(cmd), 2);
  snprintf(path, sizeof path, "%s/err", dir);
  cr_assert((msg = tu_slurp(path)));
  cr_expect(strstr(msg, "model.safetensors: h.0.attn.c_attn.weight.dtype: "
                        "unsupported (got I8, expected F32, F16 or BF16)"),
            "%s", msg);
  free(msg);
  snprintf(cmd, sizeof cmd, PY " tests/dump_qkv_ref.py write gpt2 %s/g && "
           PY " tools/dump_qkv.py %s/g --ids 1,262 -o %s/out 2>%s/err",
           dir, dir, dir, dir);
  cr_expect_eq(tu_sh(cmd), 2);
  cr_assert((msg = tu_slurp(path)));
  cr_expect(strstr(msg, "--ids: ids: token id out of range (got 262, "
                        "expected 0..261)"), "%s", msg);
  free(msg);
}

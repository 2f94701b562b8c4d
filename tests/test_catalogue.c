/* test_catalogue.c - a catalogue of malformed inputs, each run through the
 * real command line ($ATTNSIM, default build/attnsim).
 *
 * Every row must exit with status 2 and print one message on stderr that
 * starts "attnsim: " and names its place: the input's path (or "<--set>" /
 * "<--wset>" for an override, or the option for a usage error) and, where
 * the format has them, line, column and key. The expected fragments were
 * worked out by hand from the text written here (columns are 1-based:
 * "  channels: many" has its value at column 13). Rows that write an output
 * (--json, --csv, --timeline, -o) must leave neither it nor a temporary
 * behind.
 *
 * Formats: hardware config YAML, workload YAML, text trace (asm), binary
 * trace (sim, disasm; corrupted copies of a freshly compiled trace), .npy
 * tensors (a workload whose K file is bad), SpAtten's CSV traces (run
 * --workload FILE.csv), sweep specs (YAML), GPU baseline configs (YAML),
 * sweep folders (the JSON manifest and point files --merge and plot read),
 * memory traces (attnsim dram), saved JSON reports (attnsim recost), and
 * the command line itself.
 *
 * A row whose bug flag is set fails today: its comment names the
 * program's answer, the row holds what it should say, and a failure
 * message starts "[known bug]" (none is set now). Every CLI call runs
 * under `timeout 600`, a bound against hangs only (far above any row on a
 * loaded machine under memcheck), so a hang fails its row instead of the
 * suite. CATALOGUE_VERBOSE=1 prints every row's
 * status and message.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "npy.h"
#include "testutil.h"

/* ---- running one row --------------------------------------------------- */

/* A scratch folder for this process (Criterion runs each Test() in its own
 * process, so Tests never share one). */
static void scratch_dir(char *dir, size_t len) {
  mkdir("build", 0777);
  mkdir("build/tests", 0777);
  mkdir("build/tests/tmp", 0777);
  snprintf(dir, len, "build/tests/tmp/catalogue-%d", (int)getpid());
  mkdir(dir, 0777);
}

static void remove_dir(const char *dir) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_expect_eq(system(cmd), 0);
}

/* Copy tmpl to out with {F} (the input), {O} (the output) and {D} (the
 * scratch folder) replaced. */
static void subst(char *out, size_t len, const char *tmpl, const char *f,
                  const char *o, const char *d) {
  size_t n = 0;
  const char *p, *v;
  for (p = tmpl; *p && n + 1 < len; p++) {
    v = NULL;
    if (p[0] == '{' && p[1] && p[2] == '}')
      v = p[1] == 'F' ? f : p[1] == 'O' ? o : p[1] == 'D' ? d : NULL;
    if (v) {
      n += (size_t)snprintf(out + n, len - n, "%s", v);
      if (n >= len) n = len - 1;
      p += 2;
    } else {
      out[n++] = *p;
    }
  }
  out[n] = '\0';
}

/* Run "attnsim ARGS" with stderr to errpath; the exit status, 128 + signal
 * when killed, 124 on a timeout. */
static int run_cli(const char *args, const char *errpath) {
  char full[2048];
  const char *bin = getenv("ATTNSIM");
  int rc;
  snprintf(full, sizeof full,
           "attnsim() { timeout 600 \"%s\" \"$@\"; }; attnsim %s >/dev/null 2>'%s'",
           bin && *bin ? bin : "build/attnsim", args, errpath);
  rc = system(full);
  if (rc == -1) return -1;
  if (WIFSIGNALED(rc)) return 128 + WTERMSIG(rc);
  return WEXITSTATUS(rc);
}

static int exists_with_tmp(const char *out) {
  char pat[600];
  glob_t g;
  int found;
  if (access(out, F_OK) == 0) return 1;
  snprintf(pat, sizeof pat, "%s.tmp.*", out);
  found = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
  globfree(&g);
  return found;
}

/* Under memcheck every CLI call costs seconds, and the catalogue makes
 * hundreds: there it checks every eighth row of each test (counted per
 * test, so every table keeps rows); the plain and ASan suites check all. */
static int sampled_out(void) {
  static int n;
  return getenv("ATTNSIM_UNDER_VALGRIND") && n++ % 8 != 0;
}

/* The checks every row gets. place: a text the message must contain (the
 * input's path, "<--set>"...) or NULL; want: a further fragment or "";
 * out: an output path that must not exist afterwards, or NULL. */
static void expect_bad(const char *row, int bug, const char *args,
                       const char *place, const char *want, const char *out,
                       const char *dir) {
  char errpath[400];
  const char *tag = bug ? "[known bug] " : "";
  char *msg;
  int rc;
  if (sampled_out()) return;
  if (getenv("CATALOGUE_VERBOSE")) fprintf(stderr, "ROW %s\n", row);
  snprintf(errpath, sizeof errpath, "%s/stderr.txt", dir);
  if (out) unlink(out);
  rc = run_cli(args, errpath);
  msg = tu_slurp(errpath);
  if (!msg) msg = calloc(1, 1);
  if (getenv("CATALOGUE_VERBOSE")) fprintf(stderr, "  rc=%d %s", rc, msg);
  cr_expect_eq(rc, 2, "%srow %s: exit status %d, expected 2\n  attnsim %s\n  stderr: %s",
               tag, row, rc, args, msg);
  cr_expect(msg[0] != '\0', "%srow %s: stderr is empty", tag, row);
  if (msg[0]) { /* one failure for an empty message is enough */
    cr_expect(strncmp(msg, "attnsim: ", 9) == 0,
              "%srow %s: stderr does not start with \"attnsim: \": %s", tag, row, msg);
    if (place)
      cr_expect(strstr(msg, place) != NULL,
                "%srow %s: message does not name \"%s\": %s", tag, row, place, msg);
    if (want && *want)
      cr_expect(strstr(msg, want) != NULL,
                "%srow %s: message lacks \"%s\": %s", tag, row, want, msg);
  }
  if (out)
    cr_expect(!exists_with_tmp(out),
              "%srow %s: output %s (or its temporary) was left behind", tag, row, out);
  free(msg);
}

static void write_bytes(const char *path, const void *b, size_t n) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot create %s", path);
  cr_assert_eq(fwrite(b, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

/* n pseudo-random bytes (a fixed LCG, so every run sees the same file). */
static void garbage(uint8_t *b, size_t n, uint32_t seed) {
  size_t i;
  for (i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    b[i] = (uint8_t)(seed >> 24);
  }
}

#define GARBAGE_BYTES 256

/* ---- YAML, text traces, overrides and usage ---------------------------- */

enum {
  IN_TEXT,    /* the input {F} holds text */
  IN_NONE,    /* no input file: usage errors and overrides */
  IN_ABSENT,  /* {F} is named but does not exist */
  IN_GARBAGE  /* {F} holds GARBAGE_BYTES pseudo-random bytes */
};

typedef struct text_row {
  char name[40];  /* the input's file name in the scratch folder; row id */
  int in;         /* IN_* */
  char text[240]; /* IN_TEXT: the file's contents */
  char args[220]; /* attnsim arguments: {F} input, {O} output, {D} folder */
  char want[200]; /* fragment of the message, {F} = the input's path */
  int bug;        /* fails today, see the comment on the row */
} text_row_t;

#define CFG "config --config {F}"
#define CFG_RUN "run --config {F} --workload workloads/gpt2-small.yaml --json {O}"
#define WL "workload --workload {F}"
#define BR_HEAD "model:\n  kind: blockrank\n  layers: 1\n  heads: 2\n  head_dim: 8\n" \
  "prefill:\n  tokens: 10\nblockrank:\n"
/* A valid biformer workload (docs/biformer.md), and the same with one
 * biformer.* line replaced (BF_WITH) or other tokens (BF_TOK). */
#define BF_HEAD "model:\n  kind: biformer\n  layers: 2\n  heads: 2\n  head_dim: 8\nprefill:\n"
#define BF_BODY(h, w, t, c, b, k) "biformer:\n  regions: 2\n  " h "\n  " w "\n  " t "\n  " c "\n  " b "\n  " k "\n"
#define BF_TOK(toks) BF_HEAD "  tokens: " toks "\n" BF_BODY_K("lce_kernel: 3")
#define BF BF_TOK("[64, 16]")
#define BF_STD_BUT(i, line) BF_HEAD "  tokens: [64, 16]\n" BF_BODY_##i(line)
#define BF_BODY_H(l) BF_BODY(l, "width: [8, 4]", "topk: [2, 4]", "channels: [16, 8]", "blocks: [2, 1]", "lce_kernel: 3")
#define BF_BODY_W(l) BF_BODY("height: [8, 4]", l, "topk: [2, 4]", "channels: [16, 8]", "blocks: [2, 1]", "lce_kernel: 3")
#define BF_BODY_T(l) BF_BODY("height: [8, 4]", "width: [8, 4]", l, "channels: [16, 8]", "blocks: [2, 1]", "lce_kernel: 3")
#define BF_BODY_C(l) BF_BODY("height: [8, 4]", "width: [8, 4]", "topk: [2, 4]", l, "blocks: [2, 1]", "lce_kernel: 3")
#define BF_BODY_B(l) BF_BODY("height: [8, 4]", "width: [8, 4]", "topk: [2, 4]", "channels: [16, 8]", l, "lce_kernel: 3")
#define BF_BODY_K(l) BF_BODY("height: [8, 4]", "width: [8, 4]", "topk: [2, 4]", "channels: [16, 8]", "blocks: [2, 1]", l)
#define WL_RUN "run --config configs/spatten.yaml --workload {F} --json {O}"
#define LM_HEAD "model:\n  kind: landmark\nphase: decode\n" /* landmark: 3 lines */
#define WL_COMPILE "compile --config configs/spatten.yaml --workload {F} -o {O}"
#define ASM "asm {F} -o {O}"
#define HDR ".version 1\n.config_hash 0x1\n" /* lines 1 and 2 of a text trace */
#define GPT2 "--workload workloads/gpt2-small.yaml"
#define SPATTEN "--config configs/spatten.yaml"
#define STUDY "studies/gpt2-small-dse.yaml"

static const text_row_t config_rows[] = {
    /* value "many" of line 3 starts at column 13 */
    {"cfg-wrong-type.yaml", IN_TEXT, "name: x\ndram:\n  channels: many\n", CFG,
     "{F}:3:13: dram.channels: wrong type", 0},
    {"cfg-wrong-type-bool.yaml", IN_TEXT, "features:\n  pruning: yes\n", CFG,
     "{F}:2:12: features.pruning: wrong type", 0},
    {"cfg-list-for-number.yaml", IN_TEXT, "clock_ghz: [1, 2]\n", CFG,
     "{F}:1:12: clock_ghz: wrong type", 0},
    {"cfg-section-scalar.yaml", IN_TEXT, "dram: 16\n", CFG, "{F}:1:7: dram: wrong type", 0},
    {"cfg-quoted-number.yaml", IN_TEXT, "dram:\n  channels: \"16\"\n", CFG,
     "{F}:2:13: dram.channels: quoted value", 0},
    {"cfg-leading-zero.yaml", IN_TEXT, "core:\n  window: 010\n", CFG,
     "{F}:2:11: core.window: leading zero", 0},
    {"cfg-tag-int.yaml", IN_TEXT, "dram:\n  channels: !!int \"4\"\n", CFG,
     "{F}:2:13: dram.channels: explicit tag", 0},
    /* "!!str" is libyaml's default tag: only the source shows it */
    {"cfg-tag-str.yaml", IN_TEXT, "clock_ghz: !!str 1\n", CFG,
     "{F}:1:12: clock_ghz: explicit tag", 0},
    /* "\0" is a YAML escape: the string holds a NUL byte */
    {"cfg-nul-in-string.yaml", IN_TEXT, "name: \"a\\0b\"\n", CFG,
     "{F}:1:7: name: NUL byte in text", 0},
    {"cfg-enum.yaml", IN_TEXT, "dram:\n  model: hbm3\n", CFG,
     "{F}:2:10: dram.model: not a choice", 0},
    {"cfg-unknown-key.yaml", IN_TEXT, "name: x\nclock_ghz: 1\nturbo: true\n", CFG,
     "{F}:3:1: turbo: unknown key", 0},
    {"cfg-unknown-nested.yaml", IN_TEXT, "dram:\n  chanels: 4\n", CFG,
     "{F}:2:3: dram.chanels: unknown key", 0},
    {"cfg-dotted-key.yaml", IN_TEXT, "dram.channels: 4\n", CFG,
     "{F}:1:1: dram.channels: dotted", 0},
    {"cfg-duplicate-key.yaml", IN_TEXT, "clock_ghz: 1\nclock_ghz: 2\n", CFG,
     "{F}:2:1: clock_ghz: duplicate key", 0},
    {"cfg-duplicate-nested.yaml", IN_TEXT, "dram:\n  channels: 4\n  bus_bits: 64\n  channels: 8\n",
     CFG, "{F}:4:3: dram.channels: duplicate key", 0},
    {"cfg-zero.yaml", IN_TEXT, "dram:\n  channels: 0\n", CFG,
     "{F}:2:13: dram.channels: out of range", 0},
    {"cfg-negative.yaml", IN_TEXT, "core:\n  window: -4\n", CFG,
     "{F}:2:11: core.window: out of range", 0},
    /* 2^32 + 16 would wrap to a valid 16 in a 32-bit int */
    {"cfg-overflow-int32.yaml", IN_TEXT, "softmax:\n  units: 4294967312\n", CFG,
     "{F}:2:10: softmax.units: out of range", 0},
    {"cfg-overflow-32.yaml", IN_TEXT, "buffers:\n  key_bytes: 4294967297\n", CFG,
     "{F}:2:14: buffers.key_bytes: out of range", 0},
    {"cfg-overflow-64.yaml", IN_TEXT, "buffers:\n  query_bytes: 18446744073709551617\n", CFG,
     "{F}:2:16: buffers.query_bytes: overflow", 0},
    {"cfg-float-overflow.yaml", IN_TEXT, "energy:\n  mac_pj: 1e999\n", CFG,
     "{F}:2:11: energy.mac_pj: overflow", 0},
    {"cfg-inf.yaml", IN_TEXT, "clock_ghz: .inf\n", CFG, "{F}:1:12: clock_ghz: wrong type", 0},
    {"cfg-nan.yaml", IN_TEXT, "dram:\n  latency_ns: .nan\n", CFG,
     "{F}:2:15: dram.latency_ns: wrong type", 0},
    /* both keys set: the fractional bits are blamed, at their key */
    {"cfg-cross-field.yaml", IN_TEXT, "datapath:\n  width: 8\n  frac_bits: 8\n", CFG,
     "{F}:3:3: datapath.frac_bits: fractional bits", 0},
    /* the tiled mapping (docs/tiling.md): a query block larger than the
     * 16 output rows, a K/V tile larger than the 4096 score entries, and
     * tiled forced on SpAtten's schedule (gpt2-small) with local value
     * pruning, which needs whole rows (docs/spatten.md), on BiFormer,
     * which has no tiled mapping, and SpAtten's value pruning with rows
     * (up to 1,024 keys at the last step) larger than 512 score entries */
    {"cfg-tile-q.yaml", IN_TEXT, "mapping:\n  tile_q: 999\n", CFG_RUN,
     "{F}: mapping.tile_q: query block does not fit the buffers (got 999 rows", 0},
    {"cfg-tile-kv.yaml", IN_TEXT, "mapping:\n  tile_kv: 5000\n", CFG_RUN,
     "{F}: mapping.tile_kv: K/V tile does not fit the buffers (got 5000 rows", 0},
    {"cfg-tile-mech.yaml", IN_TEXT, "mapping:\n  softmax: tiled\n", CFG_RUN,
     "{F}: mapping.softmax: SpAtten's local value pruning ranks a query's "
     "whole score row", 0},
    {"cfg-tile-biformer.yaml", IN_TEXT, "mapping:\n  softmax: tiled\n",
     "run --config {F} --workload workloads/biformer-t.yaml --json {O}",
     "{F}: mapping.softmax: the workload has no tiled mapping", 0},
    {"cfg-tile-sp-values.yaml", IN_TEXT, "buffers:\n  score_entries: 512\n",
     CFG_RUN, "{F}: buffers.score_entries: score buffer too small for the "
     "workload's context (got 512 entries, expected at least 1024: SpAtten's "
     "local value pruning", 0},
    {"cfg-tile-enum.yaml", IN_TEXT, "mapping:\n  softmax: flash\n", CFG,
     "{F}:2:12: mapping.softmax:", 0},
    {"cfg-empty.yaml", IN_TEXT, "", CFG, "{F}:1:1: (root): empty file", 0},
    {"cfg-comment-only.yaml", IN_TEXT, "# nothing here\n", CFG, "{F}:1:1: (root): empty file", 0},
    {"cfg-root-list.yaml", IN_TEXT, "- a\n- b\n", CFG, "{F}:1:1: (root): wrong type", 0},
    {"cfg-second-document.yaml", IN_TEXT, "name: a\n---\nname: b\n", CFG,
     "{F}:2:1: (root): second document", 0},
    /* libyaml stops at the tab that starts line 2 */
    {"cfg-tab-indent.yaml", IN_TEXT, "dram:\n\tchannels: 4\n", CFG,
     "{F}:2:1: (syntax): syntax error", 0},
    /* invalid UTF-8: libyaml's reader gives a byte offset, no line */
    {"cfg-garbage.yaml", IN_GARBAGE, "", CFG, "{F}: (syntax): unreadable input", 0},
    {"cfg-absent.yaml", IN_ABSENT, "", CFG, "{F}: cannot open", 0},
    {"cfg-run-wrong-type.yaml", IN_TEXT, "dram:\n  channels: many\n", CFG_RUN,
     "{F}:2:13: dram.channels: wrong type", 0},
    {"cfg-run-duplicate.yaml", IN_TEXT, "name: a\nname: b\n", CFG_RUN,
     "{F}:2:1: name: duplicate key", 0},
    {"cfg-run-empty.yaml", IN_TEXT, "", CFG_RUN, "{F}:1:1: (root): empty file", 0},
    /* the bank-level DRAM model's cross-field rules point at the key */
    {"cfg-hbm2-not-pow2.yaml", IN_TEXT, "dram:\n  channels: 12\n", CFG,
     "{F}:2:3: dram.channels: the bank-level model needs a power of two (got 12)", 0},
    {"cfg-hbm2-mapping-missing.yaml", IN_TEXT, "dram:\n  address_mapping: row-bank-column\n",
     CFG, "{F}:2:3: dram.address_mapping: missing field channel", 0},
    {"cfg-hbm2-mapping-unknown.yaml", IN_TEXT,
     "dram:\n  address_mapping: row-rank-bg-bank-channel-column\n", CFG,
     "{F}:2:3: dram.address_mapping: unknown field \"bg\"", 0},
    {"cfg-hbm2-burst.yaml", IN_TEXT, "dram:\n  burst_bytes: 16\n", CFG,
     "{F}:2:3: dram.burst_bytes: a burst must take whole DRAM clocks", 0},
    {"cfg-hbm2-refresh.yaml", IN_TEXT, "dram:\n  timing:\n    trfc: 5000\n", CFG,
     "{F}:3:5: dram.timing.trfc: refresh would never end", 0},
    /* only the queue was written: it is blamed, not fetch.request_bytes */
    {"cfg-hbm2-queue.yaml", IN_TEXT, "dram:\n  queue_depth: 8\n", CFG,
     "{F}:2:3: dram.queue_depth: a fetch request must fit", 0},
    {"cfg-hbm2-drain-high.yaml", IN_TEXT, "dram:\n  write_drain_high: 40\n", CFG,
     "{F}:2:3: dram.write_drain_high: a drain must start before the write queue is past full "
     "(got 40, expected at most dram.write_queue_depth 32)", 0},
    {"cfg-hbm2-drain-low.yaml", IN_TEXT, "dram:\n  write_drain_low: 32\n", CFG,
     "{F}:2:3: dram.write_drain_low: the low watermark must lie below the high one", 0},
    {"cfg-hbm2-write-queue.yaml", IN_TEXT,
     "dram:\n  write_queue_depth: 4\n  write_drain_high: 4\n  write_drain_low: 2\n", CFG,
     "{F}:2:3: dram.write_queue_depth: a fetch request must fit a channel's write queue", 0},
    {"cfg-hbm2-banks.yaml", IN_TEXT, "dram:\n  ranks: 8\n", CFG,
     "too many banks per channel (got 8 x 4 x 4", 0},
    {"cfg-hbm2-model.yaml", IN_TEXT, "dram:\n  model: hbm3\n", CFG,
     "{F}:2:10: dram.model: not a choice", 0},
    /* dram.preset: the value "no-such.yaml" starts at column 11, and the
     * path is relative to the config's folder */
    {"cfg-preset-absent.yaml", IN_TEXT, "dram:\n  preset: no-such.yaml\n", CFG,
     "{F}:2:11: dram.preset: cannot open the preset (got {D}/no-such.yaml: ", 0},
    {"cfg-preset-run-absent.yaml", IN_TEXT, "dram:\n  preset: no-such.yaml\n", CFG_RUN,
     "{F}:2:11: dram.preset: cannot open the preset", 0},
    {"cfg-preset-empty.yaml", IN_TEXT, "dram:\n  preset:\n", CFG,
     "{F}:2:10: dram.preset: missing value", 0},
    {"cfg-preset-duplicate.yaml", IN_TEXT,
     "dram:\n  preset: ../../../../configs/dram/hbm3.yaml\n  preset: x.yaml\n", CFG,
     "{F}:3:3: dram.preset: duplicate key", 0},
    /* a chip config as a preset: its first key past name, clock_ghz, is
     * line 12 of configs/spatten.yaml (the scratch folder is four deep) */
    {"cfg-preset-chip.yaml", IN_TEXT, "dram:\n  preset: ../../../../configs/spatten.yaml\n",
     CFG, "configs/spatten.yaml:12:1: dram.preset: not a DRAM key (got clock_ghz, "
     "expected only dram.* keys and name in a preset, which {F}:2:11 names)", 0},
    /* the file's queue_depth overrides the preset's 32, and its 8 bursts
     * cannot hold a 1024-byte fetch (17 bursts of 64 B): blamed at it */
    {"cfg-preset-cross-field.yaml", IN_TEXT,
     "dram:\n  preset: ../../../../configs/dram/hbm3.yaml\n  queue_depth: 8\n", CFG,
     "{F}:3:3: dram.queue_depth: a fetch request must fit", 0},
    /* landmark attention: its longest row (4 x 64 + 68 = 324 scores at the
     * last step) and no tiled mapping */
    {"cfg-lm-score.yaml", IN_TEXT, "buffers:\n  score_entries: 200\n",
     "run --config {F} --workload workloads/landmark.yaml --layers 1 --json {O}",
     "{F}: buffers.score_entries: score buffer too small for the workload's "
     "context (got 200 entries, expected at least 324)", 0},
    {"cfg-lm-tiled.yaml", IN_TEXT, "mapping:\n  softmax: tiled\n",
     "run --config {F} --workload workloads/landmark.yaml --layers 1 --json {O}",
     "{F}: mapping.softmax: the workload has no tiled mapping", 0},
    /* lightning (docs/lightning.md): the 128 x 128 state needs 129 output
     * rows; 65536 B hold 65536 / (4 x 128) = 128 */
    {"cfg-lt-state.yaml", IN_TEXT, "buffers:\n  output_bytes: 65536\n",
     "run --config {F} --workload workloads/lightning.yaml --layers 1 --json {O}",
     "{F}: buffers.output_bytes: output buffer too small for lightning's state "
     "(got 128 rows, expected at least head_dim + 1 = 129", 0},
};

/* attnsim recost's input: a run's --json report. Columns count bytes from
 * 1: in {"cycles": -1} the value starts at column 12. */
#define RECOST "recost --config configs/spatten.yaml {F} --json {O}"
static const text_row_t recost_rows[] = {
    {"rc-empty.json", IN_TEXT, "", RECOST, "{F}:1:1: (json): syntax error (got end of file, expected a value)", 0},
    {"rc-array.json", IN_TEXT, "[1]\n", RECOST, "{F}:1:1: (root): wrong type", 0},
    {"rc-trailing-comma.json", IN_TEXT, "{\"cycles\": 1,}", RECOST,
     "{F}:1:14: (json): syntax error (got '}', expected a '\"' starting a key)", 0},
    {"rc-missing.json", IN_TEXT, "{}", RECOST, "{F}:1:1: cycles: missing", 0},
    {"rc-negative.json", IN_TEXT, "{\"cycles\": -1}", RECOST,
     "{F}:1:12: cycles: not a whole number (got -1", 0},
    {"rc-fraction.json", IN_TEXT, "{\"cycles\": 1.5}", RECOST,
     "{F}:1:12: cycles: not a whole number (got 1.5", 0},
    {"rc-string.json", IN_TEXT, "{\"cycles\": \"7\"}", RECOST,
     "{F}:1:12: cycles: wrong type (got a string", 0},
    {"rc-overflow.json", IN_TEXT, "{\"cycles\": 18446744073709551616}", RECOST,
     "{F}:1:12: cycles: out of range", 0},
    {"rc-duplicate.json", IN_TEXT, "{\"cycles\": 1,\n \"cycles\": 2}", RECOST,
     "{F}:2:2: (json): duplicate key (got \"cycles\" twice", 0},
    {"rc-nan.json", IN_TEXT, "{\"cycles\": NaN}", RECOST, "{F}:1:12: (json): syntax error (got 'N', expected a value)", 0},
    {"rc-bad-escape.json", IN_TEXT, "{\"name\": \"\\x\"}", RECOST,
     "{F}:1:12: (json): syntax error (got 'x', expected an escape", 0},
    {"rc-surrogate.json", IN_TEXT, "{\"name\": \"\\ud800\"}", RECOST,
     "{F}:1:17: (json): lone surrogate (got a high surrogate alone", 0},
    {"rc-control.json", IN_TEXT, "{\"name\": \"a\tb\"}", RECOST,
     "{F}:1:12: (json): control character in string (got \\x09, expected it escaped)", 0},
    {"rc-unterminated.json", IN_TEXT, "{\"name\": \"ab", RECOST,
     "{F}:1:13: (json): syntax error (got end of file, expected a closing '\"')", 0},
    {"rc-extra.json", IN_TEXT, "{} {}", RECOST,
     "{F}:1:4: (json): syntax error (got '{', expected end of file after the value)", 0},
    {"rc-deep.json", IN_TEXT,
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", RECOST,
     "{F}:1:65: (json): nested too deep (got more than 64 levels, expected at most 64)", 0},
    /* random bytes hold a NUL: refused before any parsing */
    {"rc-garbage.json", IN_GARBAGE, "", RECOST, "(json): NUL byte (got \\x00, expected JSON text)", 0},
    {"rc-absent.json", IN_ABSENT, "", RECOST, "{F}: input: cannot open", 0},
    {"rc-directory", IN_NONE, "", "recost --config configs/spatten.yaml {D}", "{D}: ", 0},
    {"rc-missing-stats", IN_NONE, "", "recost --config configs/spatten.yaml",
     "attnsim: recost needs a STATS.json file", 0},
    {"rc-missing-config", IN_NONE, "", "recost {D}/s.json", "attnsim: --config FILE is required", 0},
};

/* attnsim recost with a config that would time the run differently: a
 * report's cycles are never re-simulated, so only cost keys (energy.*,
 * area.*, dram.power.*, name) may differ from the run's config. {D}/r.json
 * is a run of configs/spatten.yaml, {D}/s.json one with --set
 * core.window=32 (recost_config writes both). The expected values are
 * configs/spatten.yaml's (512 multipliers, 1 GHz, CL 14) and
 * configs/spatten-eighth.yaml's (64 multipliers, its first key in schema
 * order that differs). */
#define RC_CFG "recost " SPATTEN " {D}/r.json --json {O} --set "
static const text_row_t recost_config_rows[] = {
    {"rc-multipliers", IN_NONE, "", RC_CFG "qk_array.multipliers=256",
     "attnsim: recost: qk_array.multipliers differs (got 256, expected 512 "
     "as in the report's config): cycles are not re-simulated", 0},
    {"rc-clock", IN_NONE, "", RC_CFG "clock_ghz=2",
     "attnsim: recost: clock_ghz differs (got 2, expected 1 as in", 0},
    {"rc-dram-timing", IN_NONE, "", RC_CFG "dram.timing.cl=20",
     "attnsim: recost: dram.timing.cl differs (got 20, expected 14 as in", 0},
    /* a cost key changed too: the timing key is still named */
    {"rc-cost-and-buffer", IN_NONE, "",
     RC_CFG "energy.mac_pj=1 --set buffers.key_bytes=100352",
     "recost: buffers.key_bytes differs (got 100352, expected 200704", 0},
    {"rc-other-config", IN_NONE, "",
     "recost --config configs/spatten-eighth.yaml {D}/r.json --json {O}",
     "recost: qk_array.multipliers differs (got 64, expected 512", 0},
    /* s.json's config is spatten.yaml with a --set the recost does not
     * repeat: it cannot be found, so nothing can be checked */
    {"rc-config-not-found", IN_NONE, "",
     "recost " SPATTEN " {D}/s.json --json {O} --set energy.mac_pj=1",
     "attnsim: recost: cannot find the report's config (got config.path "
     "configs/spatten.yaml", 0},
};

/* attnsim dram's memory traces ("0xADDRESS R|W" per line). Columns count
 * from 1: in "0x40 X" the operation is at column 6. */
#define DRAM "dram --config configs/dram/hbm2-reference.yaml {F} --json {O}"
static const text_row_t memtrace_rows[] = {
    {"mt-no-0x.trace", IN_TEXT, "1234 R\n", DRAM,
     "{F}:1:1: address: not a hexadecimal address (got \"1234\"", 0},
    {"mt-bad-digit.trace", IN_TEXT, "0x12g4 R\n", DRAM,
     "{F}:1:1: address: not a hexadecimal address (got \"0x12g4\"", 0},
    {"mt-no-digits.trace", IN_TEXT, "0x R\n", DRAM, "{F}:1:1: address: not a hexadecimal", 0},
    {"mt-65-bits.trace", IN_TEXT, "0x11112222333344445 R\n", DRAM,
     "{F}:1:1: address: more than 64 bits", 0},
    {"mt-missing-op.trace", IN_TEXT, "0x40\n", DRAM,
     "{F}:1:5: op: missing (got end of line, expected R or W)", 0},
    {"mt-unknown-op.trace", IN_TEXT, "0x40 X\n", DRAM,
     "{F}:1:6: op: unknown operation (got \"X\", expected R or W)", 0},
    {"mt-word-op.trace", IN_TEXT, "0x40 READ\n", DRAM, "{F}:1:6: op: unknown operation", 0},
    {"mt-lowercase-op.trace", IN_TEXT, "0x40 r\n", DRAM, "{F}:1:6: op: unknown operation", 0},
    {"mt-extra-text.trace", IN_TEXT, "0x40 R 5\n", DRAM,
     "{F}:1:8: line: extra text after the operation (got \"5\"", 0},
    /* blank lines and comments still count: the bad line is line 5,
     * indented by two */
    {"mt-fifth-line.trace", IN_TEXT, "0x0 R\n0x40 W\n\n# c\n  0xZZ W\n", DRAM,
     "{F}:5:3: address: not a hexadecimal address", 0},
    {"mt-error-after-requests.trace", IN_TEXT, "0x0 R\n0x40 R\n0x80 R\n0x80 RW\n", DRAM,
     "{F}:4:6: op: unknown operation", 0},
    /* its first line holds a NUL byte: refused before it is parsed */
    {"mt-garbage.trace", IN_GARBAGE, "", DRAM, "{F}:1:57: line: NUL byte", 0},
    {"mt-absent.trace", IN_ABSENT, "", DRAM, "{F}: input: cannot open", 0},
    {"mt-directory", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml {D}", "{D}: ", 0},
    {"mt-missing-trace", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml",
     "attnsim: dram needs a TRACE file", 0},
    {"mt-missing-config", IN_NONE, "", "dram {D}/none.trace", "attnsim: --config FILE is required", 0},
    /* usage errors name the option, before any file is read */
    {"mt-issue-zero", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml "
     "--issue-per-cycle 0 {D}/x.trace",
     "attnsim: --issue-per-cycle: not a whole number of requests (got 0, expected 1 to 1024)", 0},
    {"mt-issue-word", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml "
     "--issue-per-cycle eight {D}/x.trace", "attnsim: --issue-per-cycle: not a whole number", 0},
    {"mt-issue-sign", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml "
     "--issue-per-cycle +8 {D}/x.trace", "attnsim: --issue-per-cycle: not a whole number", 0},
    {"mt-simple-model", IN_NONE, "",
     "dram --config configs/dram/hbm2-reference.yaml --set dram.model=simple {D}/x.trace",
     "configs/dram/hbm2-reference.yaml: dram.model: the replay needs the bank-level model", 0},
};

static const text_row_t workload_rows[] = {
    /* the SpAtten schedule (docs/spatten.md); model.layers defaults to 12.
     * Cross-field rules point at the key (column 3), a bad entry at itself */
    {"wl-sched-length.yaml", IN_TEXT, "schedule:\n  token_keep: [1, 0.5]\n", WL,
     "{F}:2:3: schedule.token_keep: wrong length (got 2 entries, expected 1 or model.layers = 12)", 0},
    {"wl-sched-bits.yaml", IN_TEXT, "schedule:\n  key_msb_bits: 6.5\n", WL,
     "{F}:2:3: schedule.key_msb_bits: not a whole number of bits (got 6.5", 0},
    {"wl-sched-range.yaml", IN_TEXT, "schedule:\n  value_keep: [0]\n", WL,
     "{F}:2:16: schedule.value_keep: out of range (got 0, expected > 0 and <= 1)", 0},
    {"wl-sched-causal.yaml", IN_TEXT,
     "prefill:\n  causal: true\nschedule:\n  token_keep: 0.5\n", WL,
     "{F}:4:3: schedule.token_keep: token pruning with causal prefill is not supported", 0},
    /* biformer (docs/biformer.md): each row breaks one rule of a valid file */
    {"wl-bf-kind.yaml", IN_TEXT, "model:\n  kind: swin\n", WL,
     "{F}:2:9: model.kind: not a choice", 0},
    {"wl-bf-height.yaml", IN_TEXT, BF_STD_BUT(H, "height: [7, 4]"), WL,
     "{F}:10:3: biformer.height: grid not a whole number of regions (got 7 as entry 0", 0},
    {"wl-bf-tokens.yaml", IN_TEXT, BF_TOK("[60, 16]"), WL,
     "prefill.tokens: tokens differ from the grid (got 60 as entry 0", 0},
    {"wl-bf-topk.yaml", IN_TEXT, BF_STD_BUT(T, "topk: [5, 4]"), WL,
     "biformer.topk: more regions than the grid has (got 5 as entry 0, expected <= regions^2 = 4)", 0},
    {"wl-bf-channels.yaml", IN_TEXT, BF_STD_BUT(C, "channels: [12, 8]"), WL,
     "biformer.channels: not whole heads (got 12 as entry 0", 0},
    {"wl-bf-blocks.yaml", IN_TEXT, BF_STD_BUT(B, "blocks: [3, 1]"), WL,
     "biformer.blocks: more blocks than model.layers (got 3 as entry 0, expected <= 2)", 0},
    {"wl-bf-lists.yaml", IN_TEXT, BF_STD_BUT(W, "width: [8]"), WL,
     "biformer.width: wrong length (got 1 entry, expected one per stage: prefill.tokens has 2)", 0},
    {"wl-bf-kernel.yaml", IN_TEXT, BF_STD_BUT(K, "lce_kernel: 4"), WL,
     "biformer.lce_kernel: even kernel has no centre (got 4, expected an odd number or 0)", 0},
    /* batched decode and serve (docs/serve.md) */
    {"wl-prompt-list.yaml", IN_TEXT, "phase: decode\ndecode:\n  batch: 3\n  prompt: [4, 5]\n", WL,
     "{F}:4:3: decode.prompt: one prompt length per sequence (got 2 entries, expected 3 = decode.batch, or one for all)", 0},
    {"wl-batch-range.yaml", IN_TEXT, "phase: serve\ndecode:\n  batch: 300\n", WL,
     "{F}:3:10: decode.batch: out of range (got 300, expected 1..256)", 0},
    {"wl-serve-spatten.yaml", IN_TEXT, "phase: serve\nschedule:\n  token_keep: 0.5\n", WL,
     "{F}:1:1: phase: not supported with a SpAtten schedule (got phase serve, expected prefill or decode", 0},
    {"wl-phase-name.yaml", IN_TEXT, "phase: serving\n", WL,
     "{F}:1:8: phase: ", 0},
    /* grouped-query and sliding-window attention (docs/gqa.md) */
    {"wl-kv-heads-divide.yaml", IN_TEXT, "model:\n  heads: 12\n  kv_heads: 5\n", WL,
     "{F}:3:3: model.kv_heads: does not divide model.heads (got 5 with 12 heads, expected a divisor of 12, or 0 for 12)", 0},
    {"wl-kv-heads-negative.yaml", IN_TEXT, "model:\n  kv_heads: -1\n", WL,
     "{F}:2:13: model.kv_heads: out of range (got -1", 0},
    {"wl-v-from-k-long.yaml", IN_TEXT, "model:\n  head_dim: 64\n  v_from_k: 80\n", WL,
     "{F}:3:3: model.v_from_k: longer than a key row (got 80 with model.head_dim 64, expected 0 .. 64)", 0},
    {"wl-v-from-k-biformer.yaml", IN_TEXT,
     "model:\n  kind: biformer\n  layers: 2\n  heads: 2\n  v_from_k: 4\n  head_dim: 8\nprefill:\n"
     "  tokens: [64, 16]\n" BF_BODY_K("lce_kernel: 3"), WL,
     "{F}:5:3: model.v_from_k: not supported with model.kind biformer (got model.v_from_k = 4", 0},
    {"wl-window-negative.yaml", IN_TEXT, "attention:\n  window: -2\n", WL,
     "{F}:2:11: attention.window: out of range (got -2", 0},
    {"wl-sinks-no-window.yaml", IN_TEXT, "attention:\n  sinks: 4\n", WL,
     "{F}:2:3: attention.sinks: sinks without a window (got 4 with attention.window 0", 0},
    {"wl-window-not-causal.yaml", IN_TEXT, "attention:\n  window: 8\n", WL,
     "{F}:2:3: attention.window: a window needs causal attention (got 8 with prefill.causal false", 0},
    {"wl-window-spatten.yaml", IN_TEXT,
     "phase: decode\nattention:\n  window: 8\nschedule:\n  token_keep: 0.5\n", WL,
     "{F}:3:3: attention.window: not supported with a SpAtten schedule (got attention.window = 8", 0},
    {"wl-kv-heads-biformer.yaml", IN_TEXT,
     "model:\n  kind: biformer\n  layers: 2\n  heads: 2\n  kv_heads: 1\n  head_dim: 8\nprefill:\n"
     "  tokens: [64, 16]\n" BF_BODY_K("lce_kernel: 3"), WL,
     "{F}:5:3: model.kv_heads: not supported with model.kind biformer (got model.kv_heads = 1", 0},
    /* KIVI K/V cache quantization (docs/kivi.md) */
    {"wl-kvq-bits-3.yaml", IN_TEXT, "kv_quant:\n  bits: 3\n", WL,
     "{F}:2:3: kv_quant.bits: unsupported code width (got 3, expected 0, 2, 4 or 8)", 0},
    {"wl-kvq-group-0.yaml", IN_TEXT, "kv_quant:\n  group: 0\n", WL,
     "{F}:2:10: kv_quant.group: out of range (got 0", 0},
    {"wl-kvq-group-divide.yaml", IN_TEXT, "kv_quant:\n  bits: 4\n  group: 24\n", WL,
     "{F}:3:3: kv_quant.group: does not divide model.head_dim (got 24 with head_dim 64, expected a divisor of 64)", 0},
    {"wl-kvq-residual-negative.yaml", IN_TEXT, "kv_quant:\n  residual: -1\n", WL,
     "{F}:2:13: kv_quant.residual: out of range (got -1", 0},
    {"wl-kvq-latent.yaml", IN_TEXT, "model:\n  v_from_k: 32\nkv_quant:\n  bits: 4\n", WL,
     "{F}:4:3: kv_quant.bits: not supported with model.v_from_k (got 4 with v_from_k 32", 0},
    {"wl-kvq-serve.yaml", IN_TEXT, "phase: serve\nkv_quant:\n  bits: 4\n", WL,
     "{F}:3:3: kv_quant.bits: not supported with phase serve (got 4", 0},
    {"wl-kvq-residual-0-decode.yaml", IN_TEXT,
     "phase: decode\nkv_quant:\n  bits: 4\n  residual: 0\n", WL,
     "{F}:4:3: kv_quant.residual: decode appends each new token at 16 bits (got 0, expected >= 1)", 0},
    {"wl-kvq-spatten.yaml", IN_TEXT,
     "phase: decode\nkv_quant:\n  bits: 4\nschedule:\n  token_keep: 0.5\n", WL,
     "{F}:3:3: kv_quant.bits: not supported with a SpAtten schedule (got 4, expected 0)", 0},
    {"wl-layers-overflow-32.yaml", IN_TEXT, "model:\n  layers: 4294967297\n", WL,
     "{F}:2:11: model.layers: out of range", 0},
    {"wl-tokens-overflow-64.yaml", IN_TEXT, "prefill:\n  tokens: 18446744073709551617\n", WL,
     "{F}:2:11: prefill.tokens: overflow", 0},
    /* the second entry of "  tokens: [4, 4294967300]" starts at column 15 */
    {"wl-tokens-entry-overflow.yaml", IN_TEXT, "prefill:\n  tokens: [4, 4294967300]\n", WL,
     "{F}:2:15: prefill.tokens: out of range", 0},
    {"wl-layers-zero.yaml", IN_TEXT, "model:\n  layers: 0\n", WL,
     "{F}:2:11: model.layers: out of range", 0},
    {"wl-heads-negative.yaml", IN_TEXT, "model:\n  heads: -1\n", WL,
     "{F}:2:10: model.heads: out of range", 0},
    {"wl-tokens-zero.yaml", IN_TEXT, "prefill:\n  tokens: 0\n", WL,
     "{F}:2:11: prefill.tokens: out of range", 0},
    {"wl-tokens-empty-list.yaml", IN_TEXT, "prefill:\n  tokens: []\n", WL,
     "{F}:2:11: prefill.tokens: wrong length", 0},
    {"wl-tokens-17-cases.yaml", IN_TEXT,
     "prefill:\n  tokens: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n", WL,
     "{F}:2:11: prefill.tokens: wrong length", 0},
    {"wl-tokens-mapping.yaml", IN_TEXT, "prefill:\n  tokens: {a: 1}\n", WL,
     "{F}:2:11: prefill.tokens: wrong type", 0},
    {"wl-phase-number.yaml", IN_TEXT, "phase: 3\n", WL, "{F}:1:8: phase: not a choice", 0},
    {"wl-causal-number.yaml", IN_TEXT, "prefill:\n  causal: 1\n", WL,
     "{F}:2:11: prefill.causal: wrong type", 0},
    {"wl-duplicate.yaml", IN_TEXT, "name: a\nphase: decode\nphase: prefill\n", WL,
     "{F}:3:1: phase: duplicate key", 0},
    /* "model: {layers: 2, heads: 2, " is 29 characters */
    {"wl-duplicate-flow.yaml", IN_TEXT, "model: {layers: 2, heads: 2, layers: 3}\n", WL,
     "{F}:1:30: model.layers: duplicate key", 0},
    {"wl-unknown.yaml", IN_TEXT, "model:\n  layers: 2\n  hidden: 768\n", WL,
     "{F}:3:3: model.hidden: unknown key", 0},
    {"wl-std-nan.yaml", IN_TEXT, "tensors:\n  std: .nan\n", WL,
     "{F}:2:8: tensors.std: wrong type", 0},
    {"wl-std-inf.yaml", IN_TEXT, "tensors:\n  std: 1e400\n", WL,
     "{F}:2:8: tensors.std: overflow", 0},
    {"wl-std-zero.yaml", IN_TEXT, "tensors:\n  std: 0\n", WL,
     "{F}:2:8: tensors.std: out of range", 0},
    {"wl-salience-negative.yaml", IN_TEXT, "tensors:\n  salience: -1\n", WL,
     "{F}:2:13: tensors.salience: out of range", 0},
    {"wl-seed-negative.yaml", IN_TEXT, "tensors:\n  seed: -1\n", WL,
     "{F}:2:9: tensors.seed: wrong type", 0},
    {"wl-seed-overflow-64.yaml", IN_TEXT, "tensors:\n  seed: 18446744073709551616\n", WL,
     "{F}:2:9: tensors.seed: overflow", 0},
    /* 1024^3 x 65535 elements: blamed on model.layers, at its key */
    {"wl-too-large.yaml", IN_TEXT,
     "model: {layers: 1024, heads: 1024, head_dim: 1024}\nprefill: {tokens: 65535}\n", WL,
     "{F}:1:9: model.layers: workload too large", 0},
    /* "decode: {prompt: 131072, " is 25 characters */
    {"wl-decode-too-long.yaml", IN_TEXT, "phase: decode\ndecode: {prompt: 131072, generate: 1}\n", WL,
     "{F}:2:26: decode.generate: sequence too long", 0},
    {"wl-decode-two-cases.yaml", IN_TEXT, "phase: decode\nprefill: {tokens: [4, 8]}\n", WL,
     "{F}:2:11: prefill.tokens: decode runs one case", 0},
    {"wl-npy-missing-path.yaml", IN_TEXT, "tensors:\n  source: npy\n  q: q.npy\n", WL,
     "{F}:2:3: tensors.source: npy needs three paths", 0},
    {"wl-empty.yaml", IN_TEXT, "", WL, "{F}:1:1: (root): empty file", 0},
    {"wl-scalar-root.yaml", IN_TEXT, "just text\n", WL, "{F}:1:1: (root): wrong type", 0},
    {"wl-garbage.yaml", IN_GARBAGE, "", WL, "{F}: (syntax): unreadable input", 0},
    {"wl-absent.yaml", IN_ABSENT, "", WL, "{F}: cannot open", 0},
    {"wl-run-layers-zero.yaml", IN_TEXT, "model:\n  layers: 0\n", WL_RUN,
     "{F}:2:11: model.layers: out of range", 0},
    {"wl-compile-unknown.yaml", IN_TEXT, "modle:\n  layers: 2\n", WL_COMPILE,
     "{F}:1:1: modle: unknown key", 0},
    /* landmark attention (docs/landmark.md): decode of one sequence only */
    {"wl-lm-prefill.yaml", IN_TEXT, "model:\n  kind: landmark\nphase: prefill\n", WL,
     "{F}:3:1: phase: landmark attention runs decode only (got prefill, expected decode", 0},
    {"wl-lm-batch.yaml", IN_TEXT, LM_HEAD "decode:\n  batch: 2\n", WL,
     "{F}:5:3: decode.batch: landmark attention decodes one sequence (got 2, expected 1)", 0},
    {"wl-lm-kv-heads.yaml", IN_TEXT,
     "model:\n  kind: landmark\n  heads: 4\n  kv_heads: 2\nphase: decode\n", WL,
     "{F}:4:3: model.kv_heads: not supported with model.kind landmark (got model.kv_heads = 2", 0},
    {"wl-lm-window.yaml", IN_TEXT, LM_HEAD "attention:\n  window: 8\n", WL,
     "{F}:5:3: attention.window: not supported with model.kind landmark (got attention.window = 8", 0},
    {"wl-lm-kvq.yaml", IN_TEXT, LM_HEAD "kv_quant:\n  bits: 4\n", WL,
     "{F}:5:3: kv_quant.bits: not supported with model.kind landmark (got 4, expected 0)", 0},
    {"wl-lm-schedule.yaml", IN_TEXT, LM_HEAD "schedule:\n  token_keep: 0.5\n", WL,
     "{F}:5:3: schedule.token_keep: a SpAtten schedule with landmark is not supported", 0},
    {"wl-lm-block-zero.yaml", IN_TEXT, LM_HEAD "landmark:\n  block: 0\n", WL,
     "{F}:5:10: landmark.block: out of range (got 0, expected 1..65535)", 0},
    {"wl-lm-topk-zero.yaml", IN_TEXT, LM_HEAD "landmark:\n  topk: 0\n", WL,
     "{F}:5:9: landmark.topk: out of range (got 0, expected 1..65535)", 0},
    {"wl-lm-window-zero.yaml", IN_TEXT, LM_HEAD "landmark:\n  window: 0\n", WL,
     "{F}:5:11: landmark.window: out of range (got 0, expected 1..1048576)", 0},
    /* lightning (docs/lightning.md): cross-field rules at the key (column
     * 1 or 3), a bad value at itself ("  decay: 1.5": column 10) */
    {"wl-lt-serve.yaml", IN_TEXT, "model:\n  kind: lightning\nphase: serve\n", WL,
     "{F}:3:1: phase: lightning runs causal prefill or decode (got serve, expected prefill or decode", 0},
    {"wl-lt-batch.yaml", IN_TEXT,
     "model:\n  kind: lightning\nphase: decode\ndecode:\n  batch: 2\n", WL,
     "{F}:5:3: decode.batch: lightning decodes one sequence (got 2, expected 1)", 0},
    {"wl-lt-not-causal.yaml", IN_TEXT, "model:\n  kind: lightning\nprefill:\n  causal: false\n", WL,
     "{F}:4:3: prefill.causal: lightning attention is causal (got false, expected true)", 0},
    {"wl-lt-decay-length.yaml", IN_TEXT,
     "model:\n  kind: lightning\n  heads: 2\nprefill:\n  causal: true\nlightning:\n"
     "  decay: [0.5, 0.6, 0.7]\n", WL,
     "{F}:7:3: lightning.decay: wrong length (got 3 entries, expected 1 or one per head: model.heads = 2)", 0},
    {"wl-lt-decay-range.yaml", IN_TEXT, "lightning:\n  decay: 1.5\n", WL,
     "{F}:2:10: lightning.decay: out of range (got 1.5, expected > 0 and <= 1)", 0},
    {"wl-lt-block-zero.yaml", IN_TEXT, "lightning:\n  block: 0\n", WL,
     "{F}:2:10: lightning.block: out of range (got 0", 0},
    {"wl-lt-kv-heads.yaml", IN_TEXT,
     "model:\n  kind: lightning\n  kv_heads: 4\nprefill:\n  causal: true\n", WL,
     "{F}:3:3: model.kv_heads: not supported with model.kind lightning (got model.kv_heads = 4", 0},
    /* moh (docs/moh.md) */
    {"wl-moh-topk.yaml", IN_TEXT, "model:\n  kind: moh\n  heads: 4\nmoh:\n  shared: 1\n  topk: 4\n", WL,
     "{F}:6:3: moh.topk: more heads than are routed (got 4, expected <= model.heads - moh.shared = 3)", 0},
    {"wl-moh-shared.yaml", IN_TEXT, "model:\n  kind: moh\n  heads: 4\nmoh:\n  shared: 5\n  topk: 0\n", WL,
     "{F}:5:3: moh.shared: more shared heads than model.heads (got 5, expected <= 4)", 0},
    {"wl-moh-none.yaml", IN_TEXT, "model:\n  kind: moh\n  heads: 4\nmoh:\n  shared: 0\n  topk: 0\n", WL,
     "{F}:6:3: moh.topk: no head would run (got 0 with moh.shared 0, expected >= 1)", 0},
    {"wl-moh-decode.yaml", IN_TEXT, "model:\n  kind: moh\nphase: decode\n", WL,
     "{F}:3:1: phase: moh runs prefill (got decode, expected prefill)", 0},
    {"wl-moh-kv-heads.yaml", IN_TEXT, "model:\n  kind: moh\n  heads: 4\n  kv_heads: 2\n", WL,
     "{F}:4:3: model.kv_heads: not supported with model.kind moh (got model.kv_heads = 2", 0},
    {"wl-moh-topk-range.yaml", IN_TEXT, "model:\n  kind: moh\nmoh:\n  topk: 65\n", WL,
     "{F}:4:9: moh.topk: out of range (got 65, expected 0..64)", 0},
    {"wl-moh-kvq.yaml", IN_TEXT, "model:\n  kind: moh\nkv_quant:\n  bits: 4\n", WL,
     "{F}:4:3: kv_quant.bits: not supported with model.kind moh (got 4, expected 0)", 0},
    /* gated (docs/gated.md) */
    {"wl-gated-kv-heads.yaml", IN_TEXT, "model:\n  kind: gated\n  kv_heads: 4\n", WL,
     "{F}:3:3: model.kv_heads: not supported with model.kind gated (got model.kv_heads = 4", 0},
    {"wl-gated-serve.yaml", IN_TEXT, "model:\n  kind: gated\nphase: serve\n", WL,
     "{F}:3:1: phase: gated runs prefill or decode (got serve", 0},
    {"wl-gated-batch.yaml", IN_TEXT,
     "model:\n  kind: gated\nphase: decode\ndecode:\n  batch: 2\n", WL,
     "{F}:5:3: decode.batch: gated decodes one sequence (got 2, expected 1)", 0},
    {"wl-gated-threshold.yaml", IN_TEXT, "model:\n  kind: gated\ngated:\n  threshold: 1.5\n", WL,
     "{F}:4:14: gated.threshold: out of range (got 1.5", 0},
    {"wl-gated-mode.yaml", IN_TEXT, "model:\n  kind: gated\ngated:\n  mode: rowwise\n", WL,
     "{F}:4:9: gated.mode: not a choice (got rowwise", 0},
    {"wl-gated-npy-gate.yaml", IN_TEXT,
     "model:\n  kind: gated\ntensors:\n  source: npy\n  q: q.npy\n  k: k.npy\n  v: v.npy\n", WL,
     "{F}:4:3: tensors.source: npy with model.kind gated needs the gate logits", 0},
    /* moh.router and routing.centroids: their files' refusals are in
     * Test(catalogue, npy_mechanism_inputs) */
    {"wl-moh-npy-router.yaml", IN_TEXT,
     "model:\n  kind: moh\ntensors:\n  source: npy\n  q: q.npy\n  k: k.npy\n  v: v.npy\n", WL,
     "{F}:4:3: tensors.source: npy with model.kind moh needs the router scores (got no "
     "moh.router, expected a .npy path in moh.router)", 0},
    /* routing (docs/routing.md): each row breaks one rule */
    {"wl-rt-clusters-tokens.yaml", IN_TEXT,
     "model:\n  kind: routing\nprefill:\n  tokens: 8\nrouting:\n  clusters: 9\n", WL,
     "{F}:6:3: routing.clusters: more clusters than tokens (got 9, expected <= prefill.tokens entry 0 = 8)", 0},
    {"wl-rt-clusters-zero.yaml", IN_TEXT, "routing:\n  clusters: 0\n", WL,
     "{F}:2:13: routing.clusters: out of range (got 0, expected 1..4096)", 0},
    {"wl-rt-decode.yaml", IN_TEXT, "model:\n  kind: routing\nphase: decode\n", WL,
     "{F}:3:1: phase: routing runs prefill (got decode, expected prefill)", 0},
    {"wl-rt-kvq.yaml", IN_TEXT, "model:\n  kind: routing\nphase: prefill\nkv_quant:\n  bits: 4\n", WL,
     "{F}:5:3: kv_quant.bits: not supported with model.kind routing (got 4, expected 0)", 0},
    {"wl-rt-kv-heads.yaml", IN_TEXT,
     "model:\n  kind: routing\n  heads: 2\n  kv_heads: 1\nphase: prefill\n", WL,
     "{F}:4:3: model.kv_heads: not supported with model.kind routing (got model.kv_heads = 1, expected 0 or model.heads)", 0},
    {"wl-rt-schedule.yaml", IN_TEXT,
     "model:\n  kind: routing\nphase: prefill\nschedule:\n  head_keep: 0.5\n", WL,
     "{F}:5:3: schedule.head_keep: a SpAtten schedule with routing is not supported (got 0.5 as entry 0, expected the default 1)", 0},
    {"wl-rt-npy-centroids.yaml", IN_TEXT,
     "model:\n  kind: routing\nphase: prefill\ntensors:\n  source: npy\n  q: q.npy\n  k: k.npy\n"
     "  v: v.npy\n", WL,
     "{F}:5:3: tensors.source: npy with model.kind routing needs the centroids (got no "
     "routing.centroids, expected a .npy path in routing.centroids)", 0},
    /* blockrank (docs/blockrank.md): a valid head (BR_HEAD, tokens 10)
     * then one broken rule; "blockrank:" is line 8 */
    {"wl-br-sum.yaml", IN_TEXT, BR_HEAD "  segments: [4, 5]\n", WL,
     "{F}:7:3: prefill.tokens: tokens differ from the segments (got 10 as entry 0, "
     "expected the sum of blockrank.segments = 9)", 0},
    {"wl-br-empty-segment.yaml", IN_TEXT, BR_HEAD "  segments: [4, 0, 6]\n", WL,
     "{F}:9:3: blockrank.segments: empty segment (got 0 as entry 1, expected >= 1)", 0},
    {"wl-br-global.yaml", IN_TEXT, BR_HEAD "  segments: [4, 6]\n  global: 2\n", WL,
     "{F}:10:3: blockrank.global: no such segment (got 2 as entry 0, expected 0 .. 1, "
     "or -1 alone for none)", 0},
    {"wl-br-global-none-among.yaml", IN_TEXT,
     BR_HEAD "  segments: [4, 6]\n  global: [0, -1]\n", WL,
     "{F}:10:3: blockrank.global: no such segment (got -1 as entry 1", 0},
    /* "  block: " is 9 characters */
    {"wl-br-block-0.yaml", IN_TEXT, BR_HEAD "  segments: [4, 6]\n  block: 0\n", WL,
     "{F}:10:10: blockrank.block: out of range (got 0, expected 1..65536)", 0},
    {"wl-br-decode.yaml", IN_TEXT, BR_HEAD "  segments: [4, 6]\nphase: decode\n", WL,
     "{F}:10:1: phase: blockrank runs prefill (got decode, expected prefill)", 0},
    {"wl-br-kvq.yaml", IN_TEXT, BR_HEAD "  segments: [4, 6]\nkv_quant:\n  bits: 4\n", WL,
     "{F}:11:3: kv_quant.bits: not supported with model.kind blockrank (got 4, expected 0)", 0},
    {"wl-br-schedule.yaml", IN_TEXT,
     BR_HEAD "  segments: [4, 6]\nschedule:\n  token_keep: 0.5\n", WL,
     "{F}:11:3: schedule.token_keep: a SpAtten schedule with blockrank is not supported "
     "(got 0.5 as entry 0, expected the default 1)", 0},
    {"wl-br-latent.yaml", IN_TEXT,
     "model:\n  kind: blockrank\n  v_from_k: 4\n  head_dim: 8\nprefill:\n  tokens: 10\n"
     "blockrank:\n  segments: [4, 6]\n", WL,
     "{F}:3:3: model.v_from_k: not supported with model.kind blockrank (got "
     "model.v_from_k = 4, expected 0)", 0},
    {"cfg-tile-blockrank.yaml", IN_TEXT, "mapping:\n  softmax: tiled\n",
     "run --config {F} --workload workloads/blockrank.yaml --layers 1 --json {O}",
     "{F}: mapping.softmax: the workload has no tiled mapping", 0},
};

static const text_row_t asm_rows[] = {
    {"asm-unknown-mnemonic.s", IN_TEXT, HDR "LDX qrow=0 rows=1 addr=0x0\n", ASM,
     "{F}:3:1: insn: unknown mnemonic", 0},
    {"asm-missing-operand.s", IN_TEXT, HDR "LDQ qrow=0 addr=0x0\n", ASM,
     "{F}:3:1: LDQ: missing operand rows", 0},
    /* a, b, c and e are 31-bit (wide through EXT, docs/isa.md) */
    {"asm-operand-31-bits.s", IN_TEXT, HDR "LDQ qrow=2147483648 rows=1 addr=0x0\n", ASM,
     "{F}:3:5: qrow: value out of range", 0},
    /* "LDQ qrow=0 rows=1 " is 18 characters */
    {"asm-operand-48-bits.s", IN_TEXT, HDR "LDQ qrow=0 rows=1 addr=0x1000000000000\n", ASM,
     "{F}:3:19: addr: value out of range", 0},
    {"asm-operand-64-bits.s", IN_TEXT, HDR "SMAX soff=18446744073709551617 len=1\n", ASM,
     "{F}:3:6: soff: value out of range", 0},
    {"asm-operand-negative.s", IN_TEXT, HDR "SMAX soff=-1 len=4\n", ASM,
     "{F}:3:6: soff: value out of range", 0},
    {"asm-operand-not-number.s", IN_TEXT, HDR "SMAX soff=0 len=four\n", ASM,
     "{F}:3:13: len:", 0},
    {"asm-operand-empty.s", IN_TEXT, HDR "SMAX soff= len=4\n", ASM, "{F}:3:6: soff: bad value", 0},
    {"asm-operand-not-name-value.s", IN_TEXT, HDR "SMAX soff 0 len=4\n", ASM,
     "{F}:3:6: SMAX: operand 'soff' is not name=value", 0},
    {"asm-unknown-operand.s", IN_TEXT, HDR "LDQ qrow=0 rows=1 addr=0 krow=1\n", ASM,
     "{F}:3:26: LDQ: unknown operand 'krow'", 0},
    {"asm-duplicate-operand.s", IN_TEXT, HDR "LDQ qrow=0 qrow=1 rows=1 addr=0\n", ASM,
     "{F}:3:12: qrow: operand given twice", 0},
    {"asm-before-version.s", IN_TEXT, "LDQ qrow=0 rows=1 addr=0x0\n.version 1\n", ASM,
     "{F}:1:1: header: expected .version", 0},
    {"asm-no-config-hash.s", IN_TEXT, ".version 1\nNOP\n", ASM, "{F}:2:1: header: expected", 0},
    {"asm-bad-version.s", IN_TEXT, ".version 2\n.config_hash 0x1\nNOP\n", ASM,
     "{F}:1:10: .version: unsupported version", 0},
    {"asm-bad-config-hash.s", IN_TEXT, ".version 1\n.config_hash zz\nNOP\n", ASM,
     "{F}:2:14: .config_hash: expected a 64-bit number", 0},
    /* 2^64 does not fit the 64-bit hash field */
    {"asm-config-hash-overflow.s", IN_TEXT, ".version 1\n.config_hash 0x10000000000000000\nNOP\n",
     ASM, "{F}:2:14: .config_hash: expected a 64-bit number", 0},
    {"asm-unknown-directive.s", IN_TEXT, HDR ".align 16\nNOP\n", ASM,
     "{F}:3:1: directive: unknown directive", 0},
    {"asm-workload-after-insn.s", IN_TEXT, HDR "NOP\n.workload model.layers=2\n", ASM,
     "{F}:4:1: .workload: workload lines must come before", 0},
    /* ".workload model.layers=many" is line 3; the value starts at column
     * 24 of the file, not of the collected workload text */
    {"asm-workload-bad-value.s", IN_TEXT, HDR ".workload model.layers=many\nNOP\n", ASM,
     "{F}:3:24: model.layers: wrong type", 0},
    /* the key is at line 3, column 11 */
    {"asm-workload-unknown-key.s", IN_TEXT, HDR ".workload hidden=1\nNOP\n", ASM,
     "{F}:3:11: hidden: unknown key", 0},
    /* the second model.layers is line 4, column 11; the first line 3 */
    {"asm-workload-duplicate.s", IN_TEXT,
     HDR ".workload model.layers=2\n.workload model.layers=3\nNOP\n", ASM,
     "{F}:4:11: model.layers: duplicate key (first set at line 3)", 0},
    /* "  LDQ qrow=65536": qrow= is at column 7, indentation counted */
    {"asm-indented-operand.s", IN_TEXT, HDR "  LDQ qrow=2147483648 rows=1 addr=0x0\n", ASM,
     "{F}:3:7: qrow: value out of range", 0},
    /* an empty file has no line to point at */
    {"asm-empty.s", IN_TEXT, "", ASM, "{F}: header: expected .version", 0},
    {"asm-garbage.s", IN_GARBAGE, "", ASM, "", 0},
    {"asm-absent.s", IN_ABSENT, "", ASM, "{F}: input: cannot open", 0},
    /* a folder opens but reads as empty: only the path is asked for */
    {"asm-directory", IN_NONE, "", "asm {D} -o {O}", "{D}: ", 0},
};

static const text_row_t usage_rows[] = {
    {"unknown-command", IN_NONE, "", "frobnicate", "attnsim: unknown command frobnicate", 0},
    {"unknown-option", IN_NONE, "", "run " SPATTEN " " GPT2 " --frob --json {O}",
     "attnsim: unknown option --frob", 0},
    {"check-with-timing-only", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --check --timing-only --json {O}", "attnsim: --check needs", 0},
    {"run-missing-config", IN_NONE, "", "run " GPT2 " --json {O}",
     "attnsim: --config FILE is required", 0},
    {"compile-missing-config", IN_NONE, "", "compile " GPT2 " -o {O}",
     "attnsim: --config FILE is required", 0},
    {"sim-missing-config", IN_NONE, "", "sim {D}/none.trace",
     "attnsim: --config FILE is required", 0},
    {"compile-missing-workload", IN_NONE, "", "compile " SPATTEN " -o {O}",
     "attnsim: --workload FILE is required", 0},
    {"compile-missing-o", IN_NONE, "", "compile " SPATTEN " " GPT2,
     "attnsim: compile needs -o TRACE", 0},
    {"compile-to-stdout", IN_NONE, "", "compile " SPATTEN " " GPT2 " -o -",
     "attnsim: compile cannot write a trace to stdout", 0},
    {"option-without-value", IN_NONE, "", "run --config", "attnsim: --config needs a value", 0},
    {"set-without-value", IN_NONE, "", "run " SPATTEN " " GPT2 " --set",
     "attnsim: --set needs KEY=VALUE", 0},
    /* config takes no positional argument: the first one is unexpected */
    {"unexpected-argument", IN_NONE, "", "config configs/spatten.yaml extra",
     "attnsim: unexpected argument configs/spatten.yaml for config", 0},
    {"unexpected-second-argument", IN_NONE, "", "sim " SPATTEN " {D}/a.trace {D}/b.trace",
     "attnsim: unexpected argument {D}/b.trace for sim", 0},
    /* an option no command takes, for each command; then one that another
     * command takes (config --check used to exit 0) */
    {"run-unknown-option", IN_NONE, "", "run " SPATTEN " " GPT2 " --frob --json {O}",
     "attnsim: unknown option --frob for run (attnsim run --help lists its options)", 0},
    {"compile-unknown-option", IN_NONE, "", "compile " SPATTEN " " GPT2 " --frob -o {O}",
     "attnsim: unknown option --frob for compile", 0},
    {"sim-unknown-option", IN_NONE, "", "sim " SPATTEN " {D}/none.trace --frob",
     "attnsim: unknown option --frob for sim", 0},
    {"asm-unknown-option", IN_NONE, "", "asm {D}/none.s --frob -o {O}",
     "attnsim: unknown option --frob for asm", 0},
    {"disasm-unknown-option", IN_NONE, "", "disasm {D}/none.trace --frob",
     "attnsim: unknown option --frob for disasm", 0},
    {"dram-unknown-option", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml "
     "{D}/none.trace --frob", "attnsim: unknown option --frob for dram", 0},
    {"recost-unknown-option", IN_NONE, "", "recost " SPATTEN " {D}/s.json --frob",
     "attnsim: unknown option --frob for recost", 0},
    {"config-unknown-option", IN_NONE, "", "config --frob", "attnsim: unknown option --frob for config", 0},
    {"workload-unknown-option", IN_NONE, "", "workload " GPT2 " --frob",
     "attnsim: unknown option --frob for workload", 0},
    {"sweep-unknown-option", IN_NONE, "", "sweep " STUDY " -o {O} --frob",
     "attnsim: unknown option --frob for sweep", 0},
    {"plot-unknown-option", IN_NONE, "", "plot {D} --frob", "attnsim: unknown option --frob for plot", 0},
    {"baseline-gpu-unknown-option", IN_NONE, "",
     "baseline-gpu --gpu configs/baseline/titan-xp.yaml " GPT2 " --frob",
     "attnsim: unknown option --frob for baseline-gpu", 0},
    {"baseline-cpu-unknown-option", IN_NONE, "", "baseline-cpu " GPT2 " --frob",
     "attnsim: unknown option --frob for baseline-cpu", 0},
    {"version-unknown-option", IN_NONE, "", "version --frob", "attnsim: unknown option --frob for version", 0},
    {"help-unknown-option", IN_NONE, "", "help --frob", "attnsim: unknown option --frob for help", 0},
    {"config-check", IN_NONE, "", "config --check --timeline {O}",
     "attnsim: config does not take --check (attnsim config --help lists its options)", 0},
    {"config-timeline", IN_NONE, "", "config --timeline {O}", "attnsim: config does not take --timeline", 0},
    {"sim-wset", IN_NONE, "", "sim " SPATTEN " {D}/none.trace --wset model.layers=1",
     "attnsim: sim does not take --wset", 0},
    {"compile-json", IN_NONE, "", "compile " SPATTEN " " GPT2 " -o {D}/t.trace --json {O}",
     "attnsim: compile does not take --json", 0},
    {"plot-o", IN_NONE, "", "plot {D} -o {O}", "attnsim: plot does not take -o", 0},
    {"help-unknown-command", IN_NONE, "", "help frobnicate", "attnsim: help: unknown command frobnicate", 0},
    /* every output's folder is checked before any work: the option, the
     * path and the reason; a run would have printed its summary first */
    {"run-json-no-folder", IN_NONE, "", "run " SPATTEN " " GPT2 " --json {D}/none/x.json",
     "attnsim: --json: cannot write {D}/none/x.json: No such file or directory", 0},
    {"run-csv-no-folder", IN_NONE, "", "run " SPATTEN " " GPT2 " --csv {D}/none/x.csv",
     "attnsim: --csv: cannot write {D}/none/x.csv: No such file or directory", 0},
    {"run-timeline-no-folder", IN_NONE, "", "run " SPATTEN " " GPT2 " --timeline {D}/none/t.json",
     "attnsim: --timeline: cannot write {D}/none/t.json: No such file or directory", 0},
    {"run-json-is-folder", IN_NONE, "", "run " SPATTEN " " GPT2 " --json {D}",
     "attnsim: --json: cannot write {D}: Is a directory", 0},
    {"sim-json-no-folder", IN_NONE, "", "sim " SPATTEN " {D}/none.trace --json {D}/none/x.json",
     "attnsim: --json: cannot write {D}/none/x.json: No such file or directory", 0},
    {"sim-csv-no-folder", IN_NONE, "", "sim " SPATTEN " {D}/none.trace --csv {D}/none/x.csv",
     "attnsim: --csv: cannot write {D}/none/x.csv: No such file or directory", 0},
    {"sim-timeline-no-folder", IN_NONE, "",
     "sim " SPATTEN " {D}/none.trace --timeline {D}/none/t.json",
     "attnsim: --timeline: cannot write {D}/none/t.json: No such file or directory", 0},
    /* --timeline-window FROM:TO: whole numbers of cycles, FROM < TO, only
     * with --timeline; checked before any work (the run would take seconds) */
    {"timeline-window-no-colon", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window 100",
     "attnsim: --timeline-window: no ':' (got 100, expected FROM:TO in cycles", 0},
    {"timeline-window-from-word", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window start:100",
     "attnsim: --timeline-window: FROM is not a whole number of cycles (got start:100, "
     "expected FROM:TO", 0},
    {"timeline-window-from-negative", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window -5:100",
     "attnsim: --timeline-window: FROM is not a whole number of cycles (got -5:100", 0},
    {"timeline-window-from-empty", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window :100",
     "attnsim: --timeline-window: FROM is not a whole number of cycles (got :100", 0},
    {"timeline-window-to-float", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window 0:1e6",
     "attnsim: --timeline-window: TO is not a whole number of cycles (got 0:1e6", 0},
    {"timeline-window-to-empty", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window 5:",
     "attnsim: --timeline-window: TO is not a whole number of cycles (got 5:", 0},
    {"timeline-window-two-colons", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window 1:2:3",
     "attnsim: --timeline-window: TO is not a whole number of cycles (got 1:2:3", 0},
    /* 2^64 = 18446744073709551616 does not fit */
    {"timeline-window-to-overflow", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window 0:18446744073709551616",
     "attnsim: --timeline-window: TO is not a whole number of cycles", 0},
    {"timeline-window-reversed", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --timeline {O} --timeline-window 200:100",
     "attnsim: --timeline-window: empty window (got 200:100, expected FROM < TO)", 0},
    {"timeline-window-empty", IN_NONE, "",
     "sim " SPATTEN " {D}/none.trace --timeline {O} --timeline-window 100:100",
     "attnsim: --timeline-window: empty window (got 100:100, expected FROM < TO)", 0},
    {"timeline-window-without-timeline", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --json {O} --timeline-window 0:100",
     "attnsim: --timeline-window needs --timeline FILE", 0},
    {"compile-timeline-window", IN_NONE, "",
     "compile " SPATTEN " " GPT2 " -o {O} --timeline-window 0:100",
     "attnsim: compile does not take --timeline-window", 0},
    {"compile-o-no-folder", IN_NONE, "", "compile " SPATTEN " " GPT2 " -o {D}/none/t.trace",
     "attnsim: -o: cannot write {D}/none/t.trace: No such file or directory", 0},
    {"asm-o-no-folder", IN_NONE, "", "asm {D}/none.s -o {D}/none/t.trace",
     "attnsim: -o: cannot write {D}/none/t.trace: No such file or directory", 0},
    {"disasm-o-no-folder", IN_NONE, "", "disasm {D}/none.trace -o {D}/none/t.s",
     "attnsim: -o: cannot write {D}/none/t.s: No such file or directory", 0},
    {"dram-json-no-folder", IN_NONE, "", "dram --config configs/dram/hbm2-reference.yaml "
     "{D}/none.trace --json {D}/none/x.json",
     "attnsim: --json: cannot write {D}/none/x.json: No such file or directory", 0},
    {"recost-json-no-folder", IN_NONE, "", "recost " SPATTEN " {D}/s.json --json {D}/none/x.json",
     "attnsim: --json: cannot write {D}/none/x.json: No such file or directory", 0},
    {"recost-csv-no-folder", IN_NONE, "", "recost " SPATTEN " {D}/s.json --csv {D}/none/x.csv",
     "attnsim: --csv: cannot write {D}/none/x.csv: No such file or directory", 0},
    {"baseline-gpu-json-no-folder", IN_NONE, "",
     "baseline-gpu --gpu configs/baseline/titan-xp.yaml " GPT2 " --json {D}/none/x.json",
     "attnsim: --json: cannot write {D}/none/x.json: No such file or directory", 0},
    {"baseline-cpu-json-no-folder", IN_NONE, "", "baseline-cpu " GPT2 " --json {D}/none/x.json",
     "attnsim: --json: cannot write {D}/none/x.json: No such file or directory", 0},
    /* --layers N: 1..model.layers (12 in gpt2-small), not for a .csv trace */
    {"layers-zero", IN_NONE, "", "run " SPATTEN " " GPT2 " --layers 0 --json {O}",
     "attnsim: --layers: out of range (got 0, expected 1..12, the model.layers of "
     "workloads/gpt2-small.yaml)", 0},
    {"layers-too-many", IN_NONE, "", "compile " SPATTEN " " GPT2 " --layers 13 -o {O}",
     "attnsim: --layers: out of range (got 13, expected 1..12, the model.layers of "
     "workloads/gpt2-small.yaml)", 0},
    {"layers-word", IN_NONE, "", "workload " GPT2 " --layers two",
     "attnsim: --layers: not a whole number (got two, expected 1..12", 0},
    {"layers-csv", IN_NONE, "", "run " SPATTEN " --workload "
     "workloads/spatten-gpt2/gpt2-small-wikitext2-dense.csv --layers 2 --json {O}",
     "attnsim: --layers does not apply to a .csv workload", 0},
    /* lowering model.layers under 12-entry schedule lists points to --layers */
    {"wset-layers-lists", IN_NONE, "", "workload " GPT2 " --wset model.layers=2",
     "<--wset>: schedule.token_keep: wrong length (got 12 entries, expected 1 or "
     "model.layers = 2); to run the first 2 layers, keep model.layers = 12 and add "
     "--layers 2 (it cuts every per-layer list to 2", 0},
    {"sim-missing-trace", IN_NONE, "", "sim " SPATTEN, "attnsim: sim needs a TRACE file", 0},
    {"sim-directory", IN_NONE, "", "sim " SPATTEN " {D} --json {O}", "{D}: ", 0},
    {"asm-missing-o", IN_NONE, "", "asm configs/spatten.yaml", "attnsim: asm needs -o TRACE", 0},
    /* overrides: the origin is the option */
    {"set-wrong-type", IN_NONE, "", "config " SPATTEN " --set dram.channels=many",
     "<--set>: dram.channels: wrong type", 0},
    {"set-unknown-key", IN_NONE, "", "config " SPATTEN " --set dram.chanels=4",
     "<--set>: dram.chanels: unknown key", 0},
    {"set-no-equals", IN_NONE, "", "config " SPATTEN " --set dram.channels",
     "<--set>: (set): no '='", 0},
    {"set-overflow-int32", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --set dram.channels=4294967312 --json {O}",
     "<--set>: dram.channels: out of range", 0},
    {"set-cross-field", IN_NONE, "", "config " SPATTEN " --set datapath.frac_bits=12",
     "<--set>: datapath.frac_bits: fractional bits", 0},
    /* --set dram.preset=FILE: FILE is relative to the current folder */
    {"set-preset-absent", IN_NONE, "", "config " SPATTEN " --set dram.preset=dram/hbm3.yaml",
     "<--set>: dram.preset: cannot open the preset (got dram/hbm3.yaml: No such file or "
     "directory, expected a DRAM preset file, its path relative to the current folder)", 0},
    {"set-preset-directory", IN_NONE, "", "config " SPATTEN " --set dram.preset=configs",
     "<--set>: dram.preset: cannot open the preset (got configs: Is a directory", 0},
    {"set-preset-empty", IN_NONE, "", "config " SPATTEN " --set dram.preset=",
     "<--set>: dram.preset: missing value", 0},
    /* the preset's errors are located in the preset: line 2, column 1 */
    {"set-preset-not-dram.yaml", IN_TEXT, "name: x\nclock_ghz: 2\n",
     "config " SPATTEN " --set dram.preset={F}",
     "{F}:2:1: dram.preset: not a DRAM key (got clock_ghz", 0},
    {"set-preset-nested.yaml", IN_TEXT, "dram:\n  preset: hbm3.yaml\n",
     "run " SPATTEN " " GPT2 " --set dram.preset={F} --json {O}",
     "{F}:2:11: dram.preset: a preset names another (got {D}/hbm3.yaml, expected no "
     "dram.preset in a preset, which <--set> names)", 0},
    {"set-preset-bad-value.yaml", IN_TEXT, "dram:\n  channels: many\n",
     "config " SPATTEN " --set dram.preset={F}", "{F}:2:13: dram.channels: wrong type", 0},
    {"wset-overflow-32", IN_NONE, "", "workload " GPT2 " --wset model.layers=4294967297",
     "<--wset>: model.layers: out of range", 0},
    {"wset-overflow-64", IN_NONE, "",
     "compile " SPATTEN " " GPT2 " --wset prefill.tokens=18446744073709551617 -o {O}",
     "<--wset>: prefill.tokens: overflow", 0},
    {"wset-unknown-key", IN_NONE, "", "workload " GPT2 " --wset model.hidden=768",
     "<--wset>: model.hidden: unknown key", 0},
    /* each value is in range; their product is not */
    {"wset-too-large", IN_NONE, "",
     "run " SPATTEN " " GPT2 " --wset model.layers=1024 --dense --wset model.heads=1024 "
     "--wset model.head_dim=1024 --json {O}",
     "<--wset>: model.layers: workload too large", 0},
    {"wset-window-spatten", IN_NONE, "", "workload " GPT2 " --wset attention.window=4",
     "<--wset>: attention.window: not supported with a SpAtten schedule (got attention.window = 4", 0},
    /* prompt + generate = 131072 + generate; either key may be blamed */
    {"wset-decode-too-long", IN_NONE, "", "workload " GPT2 " --wset decode.prompt=131072",
     "<--wset>: decode.", 0},
    /* sweeps, plots, baselines */
    {"sweep-no-o", IN_NONE, "", "sweep " STUDY, "attnsim: sweep needs -o DIR", 0},
    {"sweep-no-spec", IN_NONE, "", "sweep -o {O}", "attnsim: sweep needs a SPEC file", 0},
    {"sweep-jobs-zero", IN_NONE, "", "sweep " STUDY " -o {O} -j 0",
     "attnsim: -j: not a whole number in 1..256 (got 0)", 0},
    {"sweep-jobs-word", IN_NONE, "", "sweep " STUDY " -o {O} -j two",
     "attnsim: -j: not a whole number", 0},
    {"sweep-emit-unknown", IN_NONE, "", "sweep " STUDY " -o {O} --emit pbs",
     "attnsim: --emit pbs: unknown (expected parallel or slurm)", 0},
    /* a schedule on a config without pruning hardware; --timing-only with
     * decisions that come from the data */
    {"schedule-no-pruning", IN_NONE, "", "run --config configs/dense.yaml " GPT2 " --json {O}",
     "attnsim: configs/dense.yaml: features.pruning: the workload's SpAtten schedule needs", 0},
    {"schedule-timing-only", IN_NONE, "", "run " SPATTEN " " GPT2 " --timing-only --json {O}",
     "attnsim: --timing-only cannot make the schedule's pruning decisions", 0},
    {"landmark-timing-only", IN_NONE, "",
     "run " SPATTEN " --workload workloads/landmark.yaml --layers 1 --timing-only --json {O}",
     "attnsim: --timing-only cannot make landmark attention's block selections", 0},
    {"sweep-point-range", IN_NONE, "", "sweep " STUDY " -o {O} --point 128",
     "attnsim: --point 128: no such point (the spec has 128", 0},
    {"sweep-emit-and-point", IN_NONE, "", "sweep " STUDY " -o {O} --emit slurm --point 1",
     "attnsim: --emit and --point exclude each other", 0},
    {"sweep-merge-with-spec", IN_NONE, "", "sweep " STUDY " --merge {D}",
     "attnsim: sweep --merge DIR takes no SPEC", 0},
    {"sweep-merge-absent", IN_NONE, "", "sweep --merge {D}/none",
     "{D}/none/sweep.json: cannot open", 0},
    {"plot-no-dir", IN_NONE, "", "plot", "attnsim: plot needs a sweep folder", 0},
    {"plot-absent", IN_NONE, "", "plot {D}/none", "{D}/none/sweep.json: cannot open", 0},
    {"baseline-gpu-no-gpu", IN_NONE, "", "baseline-gpu " GPT2 " --json {O}",
     "attnsim: baseline-gpu needs --gpu FILE", 0},
    {"baseline-gpu-no-workload", IN_NONE, "",
     "baseline-gpu --gpu configs/baseline/titan-xp.yaml --json {O}",
     "attnsim: --workload FILE is required", 0},
    {"baseline-cpu-reps", IN_NONE, "", "baseline-cpu " GPT2 " --reps 0 --json {O}",
     "attnsim: --reps: not a whole number in 1..100", 0},
    {"baseline-cpu-wset", IN_NONE, "", "baseline-cpu " GPT2 " --wset model.layers=0 --json {O}",
     "<--wset>: model.layers: out of range", 0},
    /* the Routing Transformer (docs/routing.md): its decisions come from the
     * data; a key buffer below a query's candidates */
    {"routing-timing-only", IN_NONE, "",
     "run " SPATTEN " --workload workloads/routing-transformer.yaml --timing-only --json {O}",
     "attnsim: --timing-only cannot route: the clusters, and so every attention's length, come from the data", 0},
    {"routing-key-buffer", IN_NONE, "",
     "run --config configs/spatten-eighth.yaml --workload workloads/routing-transformer.yaml --json {O}",
     "attnsim: (config): buffers.key_bytes: buffer too small for the Routing Transformer (got 261 entries or rows, expected at least 1056)", 0},
};

static void run_text_rows(const text_row_t *rows, size_t n) {
  char dir[200], in[400], out[400], args[1400], want[600];
  uint8_t junk[GARBAGE_BYTES];
  size_t i;
  scratch_dir(dir, sizeof dir);
  for (i = 0; i < n; i++) {
    const text_row_t *r = &rows[i];
    snprintf(in, sizeof in, "%s/%.*s", dir, (int)sizeof r->name, r->name);
    snprintf(out, sizeof out, "%s/%.*s.out", dir, (int)sizeof r->name, r->name);
    unlink(in);
    if (r->in == IN_TEXT) write_bytes(in, r->text, strlen(r->text));
    if (r->in == IN_GARBAGE) {
      garbage(junk, sizeof junk, (uint32_t)i + 1u);
      junk[0] = 0xff; /* never UTF-8, never a mnemonic or directive */
      write_bytes(in, junk, sizeof junk);
    }
    subst(args, sizeof args, r->args, in, out, dir);
    subst(want, sizeof want, r->want, in, out, dir);
    expect_bad(r->name, r->bug, args, r->in == IN_NONE ? NULL : in, want,
               strstr(r->args, "{O}") ? out : NULL, dir);
  }
  remove_dir(dir);
}

Test(catalogue, config_yaml) {
  run_text_rows(config_rows, sizeof config_rows / sizeof config_rows[0]);
}

Test(catalogue, workload_yaml) {
  run_text_rows(workload_rows, sizeof workload_rows / sizeof workload_rows[0]);
}

Test(catalogue, text_trace) {
  run_text_rows(asm_rows, sizeof asm_rows / sizeof asm_rows[0]);
}

Test(catalogue, usage_and_overrides) {
  run_text_rows(usage_rows, sizeof usage_rows / sizeof usage_rows[0]);
}

/* ---- SpAtten CSV traces (run --workload FILE.csv) ----------------------- */

/* The 17-column header (line 1) and a good request row. Columns of GOOD,
 * by hand: D at 7, L 12, key_fetch_num 14, quant_key_bit 16,
 * auto_requant_thres 22, if_requant 25, value_fetch_num 34, topk 57. */
#define CSV_HDR                                                                \
  "iteration_id,layer_id,head_id,embedding_length_D,sentence_length_L,"        \
  "key_fetch_num,quant_key_bit,quant_query_bit,auto_requant_thres,if_requant," \
  "auto_requant_incre,value_fetch_num,quant_value_bit,"                        \
  "if_accumulate_importance,if_rescale_previous_importance,if_topk,topk\n"
#define CSV_GOOD "0,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n"
#define CSV_RUN "run " SPATTEN " --workload {F} --json {O}"

typedef struct csv_row {
  char name[40];  /* ends in .csv: the CLI tells the format by it */
  int in;         /* IN_TEXT (text is the whole file), IN_GARBAGE, IN_ABSENT */
  int hdr;        /* prepend CSV_HDR to text */
  char text[240];
  char args[160];
  char want[120];
} csv_row_t;

static const csv_row_t csv_rows[] = {
    {"csv-bad-bool.csv", IN_TEXT, 1,
     CSV_GOOD "0,0,1,64.0,4,4,-1,-1,-1,Maybe,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:3:25: if_requant: not a boolean (got Maybe, expected True or False)"},
    {"csv-fractional-d.csv", IN_TEXT, 1,
     "0,0,0,64.5,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:7: embedding_length_D: not a whole number (got 64.5"},
    {"csv-d-not-number.csv", IN_TEXT, 1,
     "0,0,0,sixty,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:7: embedding_length_D: not a number (got sixty"},
    {"csv-negative-keys.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,-4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:14: key_fetch_num: out of range (got -4"},
    {"csv-keys-overflow.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,99999999999999999999,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n",
     CSV_RUN, "{F}:2:14: key_fetch_num: out of range"},
    {"csv-iteration-fraction.csv", IN_TEXT, 1,
     "1.5,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:1: iteration_id: not an integer (got 1.5"},
    {"csv-bits-zero.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,0,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:16: quant_key_bit: out of range (got 0, expected -1 or an integer in 1..16)"},
    /* "6" for "-1" again: the threshold at 21 */
    {"csv-threshold-range.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,6,-1,2.5,False,4,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:21: auto_requant_thres: out of range (got 2.5"},
    {"csv-values-above-keys.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,3,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:34: value_fetch_num: more values than keys (got 4"},
    {"csv-keys-above-context.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,5,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:14: key_fetch_num: more keys than the context (got 5"},
    /* "6" is one character shorter than "-1": if_requant at 24 */
    {"csv-refetch-no-bits.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,6,-1,-1,True,4,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:24: if_requant: a refetch without low bits (got True"},
    /* 12 bits = datapath.width: no low-bit plane; "0.05" is at 22, True 27 */
    {"csv-refetch-full-width.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,12,-1,0.05,True,4,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:2:27: if_requant: no low bits to refetch (got True with quant_key_bit 12"},
    /* "True" is one character shorter than "False": topk at 56 */
    {"csv-topk-missing.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,True,-1\n", CSV_RUN,
     "{F}:2:56: topk: no top-k size (got -1"},
    {"csv-layer-bits-differ.csv", IN_TEXT, 1,
     CSV_GOOD "0,0,1,64.0,4,4,6,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:3:16: quant_key_bit: differs within layer 0 (got 6, expected 0 as on line 2)"},
    {"csv-d-differs.csv", IN_TEXT, 1,
     CSV_GOOD "0,0,1,32.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:3:7: embedding_length_D: differs from line 2 (got 32, expected 64)"},
    /* prompt 3 (the first L - 1) + 1 iteration = 4 cached tokens */
    {"csv-context-too-long.csv", IN_TEXT, 1,
     CSV_GOOD "0,0,1,64.0,9,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n", CSV_RUN,
     "{F}:3:12: sentence_length_L: longer than the K/V cache (got 9"},
    {"csv-short-row.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False\n", CSV_RUN,
     "{F}:2:56: topk: missing field (got 16 fields, expected 17)"},
    {"csv-long-row.csv", IN_TEXT, 1,
     "0,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1,7\n", CSV_RUN,
     "{F}:2:60: (row): extra field (got 18 fields, expected 17)"},
    {"csv-junk-not-last.csv", IN_TEXT, 1, "configs/x.yml,,,,,,,,,,,,,,,,\n" CSV_GOOD, CSV_RUN,
     "{F}:2:1: iteration_id: not a request, and not the last row (got configs/x.yml"},
    {"csv-blank-not-last.csv", IN_TEXT, 1, "\n" CSV_GOOD, CSV_RUN,
     "{F}:2:1: iteration_id: not a request, and not the last row (got an empty row"},
    {"csv-header-wrong.csv", IN_TEXT, 0, "iteration,layer_id\n" CSV_GOOD, CSV_RUN,
     "{F}:1:1: header: unexpected column (got iteration, expected iteration_id)"},
    {"csv-header-only.csv", IN_TEXT, 1, "", CSV_RUN,
     "{F}: (rows): no request rows (got 0"},
    {"csv-empty.csv", IN_TEXT, 0, "", CSV_RUN, "{F}: header: empty file"},
    {"csv-nul.csv", IN_TEXT, 0, "iter\0ation_id\n", CSV_RUN, "{F}:1:5: (row): NUL byte"},
    /* bytes that are not text are shown as '?' */
    {"csv-garbage.csv", IN_GARBAGE, 0, "", CSV_RUN, "{F}:1:1: header: unexpected column (got ?"},
    {"csv-absent.csv", IN_ABSENT, 0, "", CSV_RUN, "{F}: input: cannot open"},
    /* 20 keys, 16 score entries (the least a config allows); "20" moves
     * key_fetch_num to 15 */
    {"csv-score-buffer.csv", IN_TEXT, 1,
     "0,0,0,64.0,20,20,-1,-1,-1,False,-1,20,-1,False,False,False,-1\n",
     "run " SPATTEN " --workload {F} --set buffers.score_entries=16 --json {O}",
     "{F}:2:15: key_fetch_num: more keys than the score buffer holds (got 20"},
    {"csv-check.csv", IN_TEXT, 1, CSV_GOOD, CSV_RUN " --check",
     "attnsim: --check needs tensor data"},
    {"csv-wset.csv", IN_TEXT, 1, CSV_GOOD, CSV_RUN " --wset model.layers=2",
     "attnsim: --wset does not apply to a .csv workload"},
    {"csv-compile.csv", IN_TEXT, 1, CSV_GOOD,
     "compile " SPATTEN " --workload {F} -o {O}", "attnsim: a .csv workload is simulated with run"},
};

Test(catalogue, spatten_csv) {
  char dir[200], in[400], out[400], args[1400], want[600], text[600];
  uint8_t junk[GARBAGE_BYTES];
  size_t i, n;
  scratch_dir(dir, sizeof dir);
  for (i = 0; i < sizeof csv_rows / sizeof csv_rows[0]; i++) {
    const csv_row_t *r = &csv_rows[i];
    snprintf(in, sizeof in, "%s/%.*s", dir, (int)sizeof r->name, r->name);
    snprintf(out, sizeof out, "%s/%.*s.out", dir, (int)sizeof r->name, r->name);
    unlink(in);
    /* the NUL row's text runs past its first NUL: 14 bytes */
    n = strcmp(r->name, "csv-nul.csv") ? strlen(r->text) : 14;
    snprintf(text, sizeof text, "%s", r->hdr ? CSV_HDR : "");
    memcpy(text + strlen(text), r->text, n + 1);
    if (r->in == IN_TEXT) write_bytes(in, text, strlen(r->hdr ? CSV_HDR : "") + n);
    if (r->in == IN_GARBAGE) {
      garbage(junk, sizeof junk, (uint32_t)i + 7u);
      junk[0] = 0xff; /* never a header */
      write_bytes(in, junk, sizeof junk);
    }
    subst(args, sizeof args, r->args, in, out, dir);
    subst(want, sizeof want, r->want, in, out, dir);
    expect_bad(r->name, 0, args, strstr(r->want, "{F}") ? in : NULL, want, out, dir);
  }
  remove_dir(dir);
}

Test(catalogue, recost_report) {
  run_text_rows(recost_rows, sizeof recost_rows / sizeof recost_rows[0]);
}

Test(catalogue, recost_config) {
  char dir[200], cmd[1000];
  scratch_dir(dir, sizeof dir);
  snprintf(cmd, sizeof cmd, "attnsim() { \"%s\" \"$@\"; }; R='run " SPATTEN
           " " GPT2 " --wset model.layers=1 --wset decode.generate=1 --dense "
           "--quiet'; attnsim $R --json %s/r.json && attnsim $R --set "
           "core.window=32 --json %s/s.json",
           getenv("ATTNSIM") && *getenv("ATTNSIM") ? getenv("ATTNSIM")
                                                    : "build/attnsim", dir, dir);
  cr_assert_eq(system(cmd), 0, "%s", cmd);
  run_text_rows(recost_config_rows,
                sizeof recost_config_rows / sizeof recost_config_rows[0]);
}

Test(catalogue, memory_trace) {
  run_text_rows(memtrace_rows, sizeof memtrace_rows / sizeof memtrace_rows[0]);
}

/* A good memory trace replays, so a failing row fails for its own defect. */
Test(catalogue, memory_trace_control) {
  char path[256], cmd[600];
  cr_assert(tu_write(path, sizeof path, "good.trace", "0x0 R\n# c\n\n 0x40\tW \r\n"));
  snprintf(cmd, sizeof cmd, "dram --config configs/dram/hbm2-reference.yaml %s", path);
  cr_expect_eq(run_cli(cmd, "/dev/null"), 0);
}

/* ---- binary traces ------------------------------------------------------ */

/* A corrupted copy of a good trace. The good one is
 *   compile --config configs/spatten.yaml --workload workloads/bert-base.yaml
 *           --wset prefill.tokens=4 --wset model.layers=1
 * whose header text starts "name=\"bert-base\"\nmodel.layers=1\n" (so the
 * '1' is byte 36 + 17 + 13 = 66) and whose first instructions are
 *   0 LAYER case=0 layer=0     1 LDK krow=0 rows=4 addr=0x100000
 *   2 LDV vrow=0 rows=4 ...    3 LDQ qrow=0 rows=1 addr=0x0
 *   4 QK qrow=0 krow=0 rows=4 soff=0   5 SMAX soff=0 len=4
 *   6 AV orow=0 vrow=0 rows=4 acc=0 soff=0   7 STO orow=0 addr=0x300000
 * (checked by trace_control below). An instruction's bytes: 0 op, 1 d,
 * 2-3 a, 4-5 b, 6-7 c, 8-13 addr, 14-15 e, little-endian. */
typedef struct trace_row {
  char name[40];
  int insn;             /* -1: off counts from the file's start; else from
                           instruction insn */
  int off;
  uint8_t bytes[8];     /* written at off */
  int nbytes;
  int keep_insn;        /* -2 keep all; -1 keep keep_off bytes; i: keep up to
                           instruction i plus keep_off bytes */
  int keep_off;
  int grow;             /* zero bytes appended */
  int junk;             /* 1: the whole file is pseudo-random bytes (then
                           the patch, if any, is applied) */
  char args[160];       /* {F} the trace, {O} an output */
  char want[100];
  int bug;
} trace_row_t;

#define SIM "sim " SPATTEN " {F} --json {O}"
#define KEEP -2, 0, 0, 0 /* keep_insn, keep_off, grow, junk: unchanged */

static const trace_row_t trace_rows[] = {
    {"tr-magic.trace", -1, 0, {'X'}, 1, KEEP, SIM, "{F}: magic: not an attnsim trace", 0},
    {"tr-version.trace", -1, 8, {9}, 1, KEEP, SIM, "{F}: version: trace format version 9", 0},
    {"tr-version-high-byte.trace", -1, 11, {0x80}, 1, KEEP, SIM, "{F}: version:", 0},
    {"tr-short-header.trace", -1, 0, {0}, 0, -1, 20, 0, 0, SIM, "{F}: header: file too short", 0},
    {"tr-cut-in-workload.trace", -1, 0, {0}, 0, -1, 100, 0, 0, SIM,
     "{F}: header: truncated trace header", 0},
    /* header bytes 0x140 where 36 + 268 rounds up to 0x130 */
    {"tr-header-size.trace", -1, 12, {0x40, 0x01}, 2, KEEP, SIM,
     "{F}: header: inconsistent header sizes", 0},
    {"tr-workload-length.trace", -1, 32, {0x00, 0x00, 0x01, 0x00}, 4, KEEP, SIM,
     "{F}: header: inconsistent header sizes", 0},
    {"tr-workload-value.trace", -1, 66, {'X'}, 1, KEEP, SIM,
     "{F}:2:14: model.layers: wrong type", 0},
    {"tr-workload-key.trace", -1, 64, {'z'}, 1, KEEP, SIM, "{F}:2:1: model.layerz: unknown key", 0},
    {"tr-cut-mid-insn.trace", -1, 0, {0}, 0, 10, 8, 0, 0, SIM, "{F}: count: truncated trace", 0},
    {"tr-cut-at-insn.trace", -1, 0, {0}, 0, 10, 0, 0, 0, SIM, "{F}: count: truncated trace", 0},
    {"tr-count-huge.trace", -1, 24, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 8, KEEP,
     SIM, "{F}: count: truncated trace", 0},
    {"tr-count-small.trace", -1, 24, {5, 0, 0, 0, 0, 0, 0, 0}, 8, KEEP, SIM,
     "{F}: count: data after the last instruction", 0},
    {"tr-extra-byte.trace", -1, 0, {0}, 0, -2, 0, 1, 0, SIM,
     "{F}: count: data after the last instruction", 0},
    {"tr-extra-insn.trace", -1, 0, {0}, 0, -2, 0, 16, 0, SIM,
     "{F}: count: data after the last instruction", 0},
    {"tr-opcode-ff.trace", 1, 0, {0xff}, 1, KEEP, SIM,
     "{F}: insn: instruction 1: unknown opcode 0xff", 0},
    {"tr-opcode-gap.trace", 3, 0, {0x14}, 1, KEEP, SIM,
     "{F}: insn: instruction 3: unknown opcode 0x14", 0},
    {"tr-unused-d.trace", 0, 1, {1}, 1, KEEP, SIM,
     "{F}: insn: instruction 0: LAYER: unused field d", 0},
    {"tr-unused-addr.trace", 4, 8, {1}, 1, KEEP, SIM,
     "{F}: insn: instruction 4: QK: unused field addr", 0},
    {"tr-krow-past-buffer.trace", 1, 2, {0xff, 0xff}, 2, KEEP, SIM,
     "{F}: instruction 1 (LDK): buffer range ends past the buffer", 0},
    {"tr-rows-zero.trace", 1, 4, {0, 0}, 2, KEEP, SIM, "{F}: instruction 1 (LDK): empty range", 0},
    {"tr-soff-past-buffer.trace", 4, 14, {0xff, 0xff}, 2, KEEP, SIM,
     "{F}: instruction 4 (QK): buffer range ends past the buffer", 0},
    {"tr-dram-outside.trace", 1, 12, {0x10}, 1, KEEP, SIM,
     "{F}: instruction 1 (LDK): DRAM address", 0},
    {"tr-dram-other-tensor.trace", 1, 10, {0x20}, 1, KEEP, SIM,
     "{F}: instruction 1 (LDK): DRAM address 0x200000", 0},
    {"tr-dram-misaligned.trace", 3, 8, {0x01}, 1, KEEP, SIM,
     "{F}: instruction 3 (LDQ): DRAM address", 0},
    {"tr-layer-range.trace", 0, 4, {5}, 1, KEEP, SIM,
     "{F}: instruction 0 (LAYER): case or layer out of range", 0},
    {"tr-case-range.trace", 0, 2, {1}, 1, KEEP, SIM,
     "{F}: instruction 0 (LAYER): case or layer out of range", 0},
    {"tr-av-acc.trace", 6, 1, {0x10}, 1, KEEP, SIM, "{F}: instruction 6 (AV): flags not valid", 0},
    /* EXT (docs/isa.md): LAYER case=0 layer=0 made an EXT with no upper
     * bits; LDQ qrow=0 rows=1 made EXT bhi=1, so QK's krow is 65536 */
    {"tr-ext-empty.trace", 0, 0, {0x0f}, 1, KEEP, SIM,
     "{F}: insn: instruction 0: LDK: EXT with no upper bits", 0},
    {"tr-ext-wide-krow.trace", 3, 0, {0x0f}, 1, KEEP, SIM,
     "(QK): buffer range ends past the buffer", 0},
    {"tr-other-config.trace", -1, 0, {0}, 0, KEEP,
     "sim --config configs/spatten-eighth.yaml {F} --json {O}",
     "{F}: config_hash: trace was compiled for another config", 0},
    {"tr-other-config-set.trace", -1, 0, {0}, 0, KEEP,
     "sim " SPATTEN " --set dram.channels=8 {F} --csv {O}",
     "{F}: config_hash: trace was compiled for another config", 0},
    {"tr-empty.trace", -1, 0, {0}, 0, -1, 0, 0, 0, SIM, "{F}: header: file too short", 0},
    {"tr-garbage.trace", -1, 0, {0}, 0, -2, 0, 0, 1, SIM, "{F}: magic:", 0},
    {"tr-magic-then-garbage.trace", -1, 0, {'A', 'T', 'T', 'N', 'T', 'R', 'C', 0}, 8, -2, 0, 0, 1,
     SIM, "{F}: version:", 0},
    /* other commands and outputs that are open when the error comes */
    {"tr-disasm-opcode.trace", 5, 0, {0xff}, 1, KEEP, "disasm {F} -o {O}",
     "{F}: insn: instruction 5: unknown opcode 0xff", 0},
    {"tr-disasm-cut.trace", -1, 0, {0}, 0, 100, 4, 0, 0, "disasm {F} -o {O}",
     "{F}: count: truncated trace", 0},
    {"tr-timing-only.trace", 1, 2, {0xff, 0xff}, 2, KEEP,
     "sim " SPATTEN " --timing-only {F} --csv {O}",
     "{F}: instruction 1 (LDK): buffer range ends past the buffer", 0},
    {"tr-late-opcode-timeline.trace", 200, 0, {0xff}, 1, KEEP,
     "sim " SPATTEN " --check {F} --timeline {O}", "{F}: insn: instruction 200: unknown opcode", 0},
};

static uint8_t *slurp_bin(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *b;
  long n;
  cr_assert_not_null(f, "cannot open %s", path);
  cr_assert_eq(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  cr_assert_geq(n, 0);
  rewind(f);
  b = malloc((size_t)n + 64);
  cr_assert_not_null(b);
  cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  while (n--) v = v << 8 | p[n];
  return v;
}

/* Compile the good trace into dir; returns its bytes and header size. */
static uint8_t *good_trace(const char *dir, size_t *len, size_t *hdr) {
  char cmd[600], path[300];
  uint8_t *b;
  snprintf(path, sizeof path, "%s/good.trace", dir);
  snprintf(cmd, sizeof cmd,
           "compile " SPATTEN " --workload workloads/bert-base.yaml "
           "--wset prefill.tokens=4 --wset model.layers=1 --dense -o %s", path);
  cr_assert_eq(run_cli(cmd, "/dev/null"), 0, "cannot compile the good trace");
  b = slurp_bin(path, len);
  cr_assert_geq(*len, 36);
  *hdr = (size_t)le(b + 12, 4);
  return b;
}

/* The good trace is what the table's offsets assume, and it runs. */
Test(catalogue, trace_control) {
  char dir[200], cmd[600];
  size_t len, hdr, n;
  uint8_t *b;
  scratch_dir(dir, sizeof dir);
  b = good_trace(dir, &len, &hdr);
  n = (size_t)le(b + 32, 4);
  cr_expect_eq(memcmp(b, "ATTNTRC\0", 8), 0);
  cr_expect_eq(le(b + 8, 4), 1);
  cr_expect_eq(hdr, (36 + n + 15) / 16 * 16);
  cr_expect_eq(len, hdr + 16 * le(b + 24, 8));
  cr_expect_eq(memcmp(b + 36, "name=\"bert-base\"\nmodel.layers=1\n", 32), 0);
  cr_expect_eq(b[66], '1');
  cr_expect_gt(le(b + 24, 8), 200);
  /* opcodes 0..7: LAYER LDK LDV LDQ QK SMAX AV STO */
  {
    static const uint8_t ops[8] = {0x01, 0x11, 0x12, 0x10, 0x20, 0x21, 0x22, 0x30};
    int i;
    for (i = 0; i < 8; i++) cr_expect_eq(b[hdr + 16 * (size_t)i], ops[i], "instruction %d", i);
  }
  cr_expect_eq(le(b + hdr + 16 + 8, 6), 0x100000); /* LDK addr */
  cr_expect_eq(le(b + hdr + 16 + 4, 2), 4);        /* LDK rows */
  snprintf(cmd, sizeof cmd, "sim " SPATTEN " %s/good.trace --check --quiet", dir);
  cr_expect_eq(run_cli(cmd, "/dev/null"), 0);
  free(b);
  remove_dir(dir);
}

Test(catalogue, binary_trace) {
  char dir[200], in[400], out[400], args[1400], want[600];
  size_t len, hdr, i, n, at;
  uint8_t *good, *b;
  scratch_dir(dir, sizeof dir);
  good = good_trace(dir, &len, &hdr);
  b = malloc(len + 64);
  cr_assert_not_null(b);
  for (i = 0; i < sizeof trace_rows / sizeof trace_rows[0]; i++) {
    const trace_row_t *r = &trace_rows[i];
    memcpy(b, good, len);
    n = len;
    if (r->junk) garbage(b, n, 1000u + (uint32_t)i);
    at = (r->insn < 0 ? 0 : hdr + 16 * (size_t)r->insn) + (size_t)r->off;
    cr_assert_leq(at + (size_t)r->nbytes, n, "row %s: patch past the end", r->name);
    memcpy(b + at, r->bytes, (size_t)r->nbytes);
    if (r->keep_insn == -1) n = (size_t)r->keep_off;
    else if (r->keep_insn >= 0) n = hdr + 16 * (size_t)r->keep_insn + (size_t)r->keep_off;
    cr_assert_leq(n + (size_t)r->grow, len + 64);
    memset(b + n, 0, (size_t)r->grow);
    n += (size_t)r->grow;
    snprintf(in, sizeof in, "%s/%.*s", dir, (int)sizeof r->name, r->name);
    snprintf(out, sizeof out, "%s/%.*s.out", dir, (int)sizeof r->name, r->name);
    write_bytes(in, b, n);
    subst(args, sizeof args, r->args, in, out, dir);
    subst(want, sizeof want, r->want, in, out, dir);
    expect_bad(r->name, r->bug, args, in, want, strstr(r->args, "{O}") ? out : NULL, dir);
  }
  free(b);
  free(good);
  remove_dir(dir);
}

/* ---- .npy tensors ------------------------------------------------------- */

/* The workload (shape [1, 1, 2, 4]) reads good Q and V files and the row's
 * K file, so the message must name K's path:
 *   name: npy-row
 *   model: {layers: 1, heads: 1, head_dim: 4}
 *   phase: prefill
 *   prefill: {tokens: 2}
 *   tensors: {source: npy, q: good-q.npy, k: <row>, v: good-v.npy} */
typedef struct npy_row {
  char name[40];     /* the K file */
  char magic[8];     /* first 6 bytes */
  int major, minor;
  char dict[160];    /* header text (padded to 64 bytes and '\n' here) */
  int hl;            /* header_len written: 0 = the true one */
  int nelem;         /* elements of data: 0.5 each */
  int f16;           /* 2-byte elements (else 4) */
  int poison;        /* element to overwrite, -1 none */
  uint32_t bits;     /* ... with these bits */
  int keep;          /* -1 whole file; else truncate to keep bytes */
  int junk;          /* 1: GARBAGE_BYTES pseudo-random bytes instead */
  int absent;        /* 1: the file does not exist */
  char want[100];    /* {F} = the K file's path */
  int bug;
} npy_row_t;

#define MAGIC "\x93NUMPY"
#define DICT(descr, order, shape) \
  "{'descr': '" descr "', 'fortran_order': " order ", 'shape': " shape ", }"
#define GOOD_DICT DICT("<f4", "False", "(1, 1, 2, 4)")
#define F32_NAN 0x7fc00000u
#define F32_INF 0x7f800000u
#define F32_NINF 0xff800000u
#define NPY_KEEP -1, 0, 0 /* keep, junk, absent */

static const npy_row_t npy_rows[] = {
    {"np-magic.npy", "\x93NUMPX", 1, 0, GOOD_DICT, 0, 8, 0, -1, 0, NPY_KEEP,
     "{F}: magic: not a .npy file", 0},
    {"np-version-4.npy", MAGIC, 4, 0, GOOD_DICT, 0, 8, 0, -1, 0, NPY_KEEP,
     "{F}: version: unsupported", 0},
    {"np-version-1-1.npy", MAGIC, 1, 1, GOOD_DICT, 0, 8, 0, -1, 0, NPY_KEEP,
     "{F}: version: unsupported", 0},
    {"np-cut-in-prefix.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, -1, 0, 7, 0, 0,
     "{F}: version: file ends inside the prefix", 0},
    {"np-cut-in-header.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, -1, 0, 40, 0, 0,
     "{F}: header_len: header runs past the end", 0},
    {"np-header-len-lies.npy", MAGIC, 1, 0, GOOD_DICT, 60000, 8, 0, -1, 0, NPY_KEEP,
     "{F}: header_len: header runs past the end", 0},
    {"np-header-len-huge.npy", MAGIC, 2, 0, GOOD_DICT, 0x7fffffff, 8, 0, -1, 0, NPY_KEEP,
     "{F}: header_len: header too long", 0},
    {"np-bad-dict.npy", MAGIC, 1, 0,
     "{'descr' '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 4), }",
     0, 8, 0, -1, 0, NPY_KEEP, "{F}: header: bad dict syntax", 0},
    {"np-not-a-dict.npy", MAGIC, 1, 0, "[1, 1, 2, 4]", 0, 8, 0, -1, 0, NPY_KEEP,
     "{F}: header: bad dict syntax", 0},
    {"np-unknown-key.npy", MAGIC, 1, 0,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 4), 'extra': 1, }", 0, 8, 0, -1,
     0, NPY_KEEP, "{F}: header: unknown key", 0},
    {"np-duplicate-key.npy", MAGIC, 1, 0,
     "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 2, 4), }", 0, 8, 0,
     -1, 0, NPY_KEEP, "{F}: descr: key given twice", 0},
    {"np-missing-key.npy", MAGIC, 1, 0, "{'descr': '<f4', 'shape': (1, 1, 2, 4), }", 0, 8, 0, -1, 0,
     NPY_KEEP, "{F}: fortran_order: missing", 0},
    {"np-fortran-order.npy", MAGIC, 1, 0, DICT("<f4", "True", "(1, 1, 2, 4)"), 0, 8, 0, -1, 0,
     NPY_KEEP, "{F}: fortran_order: Fortran-ordered", 0},
    {"np-dtype-f8.npy", MAGIC, 1, 0, DICT("<f8", "False", "(1, 1, 2, 4)"), 0, 16, 0, -1, 0,
     NPY_KEEP,
     "{F}: descr: unsupported dtype", 0},
    {"np-dtype-big-endian.npy", MAGIC, 1, 0, DICT(">f4", "False", "(1, 1, 2, 4)"), 0, 8, 0, -1, 0,
     NPY_KEEP, "{F}: descr: unsupported dtype", 0},
    {"np-dtype-int.npy", MAGIC, 1, 0, DICT("<i4", "False", "(1, 1, 2, 4)"), 0, 8, 0, -1, 0,
     NPY_KEEP,
     "{F}: descr: unsupported dtype", 0},
    {"np-three-axes.npy", MAGIC, 1, 0, DICT("<f4", "False", "(1, 2, 4)"), 0, 8, 0, -1, 0, NPY_KEEP,
     "{F}: shape: wrong number of axes", 0},
    {"np-not-a-tuple.npy", MAGIC, 1, 0, DICT("<f4", "False", "(8)"), 0, 8, 0, -1, 0, NPY_KEEP,
     "{F}: shape: not a tuple", 0},
    {"np-shape-mismatch.npy", MAGIC, 1, 0, DICT("<f4", "False", "(1, 1, 3, 4)"), 0, 12, 0, -1, 0,
     NPY_KEEP, "{F}: shape: axis 2 (tokens) does not match", 0},
    {"np-shape-zero.npy", MAGIC, 1, 0, DICT("<f4", "False", "(1, 1, 0, 4)"), 0, 0, 0, -1, 0,
     NPY_KEEP,
     "{F}: shape: axis 2 (tokens) does not match", 0},
    {"np-shape-negative.npy", MAGIC, 1, 0, DICT("<f4", "False", "(1, -1, 2, 4)"), 0, 8, 0, -1, 0,
     NPY_KEEP, "{F}: shape: negative dimension", 0},
    {"np-shape-overflow-32.npy", MAGIC, 1, 0, DICT("<f4", "False", "(4294967296, 1, 2, 4)"), 0, 8,
     0,
     -1, 0, NPY_KEEP, "{F}: shape: dimension too large", 0},
    {"np-shape-overflow-64.npy", MAGIC, 1, 0, DICT("<f4", "False",
     "(1, 1, 18446744073709551617, 4)"),
     0, 8, 0, -1, 0, NPY_KEEP, "{F}: shape: dimension too large", 0},
    {"np-shape-product.npy", MAGIC, 1, 0, DICT("<f4", "False", "(65536, 65536, 2, 4)"), 0, 8, 0, -1,
     0, NPY_KEEP, "{F}: shape: too many elements", 0},
    {"np-data-short.npy", MAGIC, 1, 0, GOOD_DICT, 0, 7, 0, -1, 0, NPY_KEEP,
     "{F}: data: data length does not match", 0},
    {"np-data-long.npy", MAGIC, 1, 0, GOOD_DICT, 0, 9, 0, -1, 0, NPY_KEEP,
     "{F}: data: data length does not match", 0},
    {"np-nan.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, 3, F32_NAN, NPY_KEEP,
     "{F}: data: element 3 is NaN", 0},
    {"np-inf.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, 7, F32_INF, NPY_KEEP,
     "{F}: data: element 7 is +Inf", 0},
    {"np-neg-inf.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, 0, F32_NINF, NPY_KEEP,
     "{F}: data: element 0 is -Inf", 0},
    {"np-f16-nan.npy", MAGIC, 3, 0, DICT("<f2", "False", "(1, 1, 2, 4)"), 0, 8, 1, 5, 0x7e00,
     NPY_KEEP,
     "{F}: data: element 5 is NaN", 0},
    {"np-f16-inf.npy", MAGIC, 2, 0, DICT("<f2", "False", "(1, 1, 2, 4)"), 0, 8, 1, 2, 0x7c00,
     NPY_KEEP,
     "{F}: data: element 2 is +Inf", 0},
    {"np-empty.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, -1, 0, 0, 0, 0,
     "{F}: magic: not a .npy file", 0},
    {"np-garbage.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, -1, 0, -1, 1, 0,
     "{F}: magic: not a .npy file", 0},
    {"np-absent.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, -1, 0, -1, 0, 1,
     "{F}: file: cannot open", 0},
};

/* The .npy image a row describes (prefix, padded dict, data) in buf. */
static size_t npy_image(const npy_row_t *r, uint8_t *buf, size_t cap) {
  size_t pre = r->major == 1 ? 10 : 12, hl = strlen(r->dict), n, i, sz;
  uint32_t hlw;
  memcpy(buf, r->magic, 6);
  buf[6] = (uint8_t)r->major, buf[7] = (uint8_t)r->minor;
  memcpy(buf + pre, r->dict, hl);
  while ((pre + hl + 1) % 64) buf[pre + hl++] = ' ';
  buf[pre + hl++] = '\n';
  hlw = r->hl ? (uint32_t)r->hl : (uint32_t)hl;
  for (i = 0; i < pre - 8; i++) buf[8 + i] = (uint8_t)(hlw >> (8 * i));
  n = pre + hl;
  sz = r->f16 ? 2 : 4;
  cr_assert_leq(n + sz * (size_t)r->nelem, cap);
  for (i = 0; i < (size_t)r->nelem; i++) {
    uint32_t v = r->f16 ? 0x3800u : 0x3f000000u; /* 0.5 */
    if ((int)i == r->poison) v = r->bits;
    buf[n + sz * i] = (uint8_t)v, buf[n + sz * i + 1] = (uint8_t)(v >> 8);
    if (!r->f16) buf[n + sz * i + 2] = (uint8_t)(v >> 16), buf[n + sz * i + 3] = (uint8_t)(v >> 24);
  }
  return n + sz * (size_t)r->nelem;
}

static const npy_row_t good_npy = {"good.npy", MAGIC, 1, 0, GOOD_DICT, 0, 8, 0, -1, 0,
                                   NPY_KEEP, "", 0};

/* good-q.npy and good-v.npy in dir; the workload for K file kname in wl. */
static void npy_setup(const char *dir, const char *kname, char *wl, size_t len) {
  uint8_t buf[512];
  char path[400], yaml[600];
  size_t n = npy_image(&good_npy, buf, sizeof buf);
  snprintf(path, sizeof path, "%s/good-q.npy", dir);
  write_bytes(path, buf, n);
  snprintf(path, sizeof path, "%s/good-v.npy", dir);
  write_bytes(path, buf, n);
  snprintf(yaml, sizeof yaml,
           "name: npy-row\nmodel: {layers: 1, heads: 1, head_dim: 4}\nphase: prefill\n"
           "prefill: {tokens: 2}\ntensors: {source: npy, q: good-q.npy, k: %s, v: good-v.npy}\n",
           kname);
  snprintf(wl, len, "%s/%s.yaml", dir, kname);
  write_bytes(wl, yaml, strlen(yaml));
}

/* Good files run, so a failing row fails for its own defect. */
Test(catalogue, npy_control) {
  char dir[200], wl[400], path[400], cmd[900];
  uint8_t buf[512];
  size_t n;
  scratch_dir(dir, sizeof dir);
  n = npy_image(&good_npy, buf, sizeof buf);
  snprintf(path, sizeof path, "%s/good-k.npy", dir);
  write_bytes(path, buf, n);
  npy_setup(dir, "good-k.npy", wl, sizeof wl);
  snprintf(cmd, sizeof cmd, "run " SPATTEN " --workload %s --check --quiet", wl);
  cr_expect_eq(run_cli(cmd, "/dev/null"), 0);
  remove_dir(dir);
}

Test(catalogue, npy) {
  char dir[200], in[400], out[400], wl[400], args[1400], want[600];
  uint8_t buf[1024];
  size_t i, n;
  scratch_dir(dir, sizeof dir);
  for (i = 0; i < sizeof npy_rows / sizeof npy_rows[0]; i++) {
    const npy_row_t *r = &npy_rows[i];
    snprintf(in, sizeof in, "%s/%.*s", dir, (int)sizeof r->name, r->name);
    snprintf(out, sizeof out, "%s/%.*s.out", dir, (int)sizeof r->name, r->name);
    npy_setup(dir, r->name, wl, sizeof wl);
    unlink(in);
    if (!r->absent) {
      n = npy_image(r, buf, sizeof buf);
      if (r->junk) {
        n = GARBAGE_BYTES;
        garbage(buf, n, 2000u + (uint32_t)i);
      }
      if (r->keep >= 0) n = (size_t)r->keep;
      write_bytes(in, buf, n);
    }
    snprintf(args, sizeof args, "run " SPATTEN " --workload %s --json %s", wl, out);
    subst(want, sizeof want, r->want, in, out, dir);
    expect_bad(r->name, r->bug, args, in, want, out, dir);
  }
  remove_dir(dir);
}

/* MoH's router scores and the Routing Transformer's centroids come from
 * .npy files of their own (moh.router, routing.centroids) with good Q, K
 * and V of shape [1, 2, 2, 4]; a wrong shape, a non-finite element and a
 * missing file are refused naming the file and the key (a .npy file has
 * no lines to locate). Shapes wanted: moh [layers 1, tokens 2, routed
 * heads 2], routing [layers 1, heads 2, clusters 2, head_dim 4]. */
typedef struct aux_row {
  char name[40];   /* the key's file */
  int routing;     /* 0: moh.router, 1: routing.centroids */
  int ndim;
  int64_t shape[4];
  int poison;      /* element set to bits, -1 none */
  uint32_t bits;
  int absent;      /* the file is not written */
  char want[220];  /* {F} = the file's path */
} aux_row_t;

static const aux_row_t aux_rows[] = {
    {"moh-router-shape.npy", 0, 3, {1, 2, 3}, -1, 0, 0,
     "{F}: moh.router: shape does not match the workload (got [1, 2, 3], expected "
     "[1, 2, 2]: layers, tokens, model.heads - moh.shared)"},
    {"moh-router-axes.npy", 0, 4, {1, 2, 2, 1}, -1, 0, 0,
     "{F}: moh.router: shape does not match the workload (got [1, 2, 2, 1], expected "
     "[1, 2, 2]"},
    {"moh-router-nan.npy", 0, 3, {1, 2, 2}, 3, F32_NAN, 0,
     "{F}: moh.router: data: element 3 is NaN"},
    {"moh-router-absent.npy", 0, 3, {1, 2, 2}, -1, 0, 1,
     "{F}: moh.router: file: cannot open"},
    {"rt-centroids-shape.npy", 1, 4, {1, 2, 3, 4}, -1, 0, 0,
     "{F}: routing.centroids: shape does not match the workload (got [1, 2, 3, 4], "
     "expected [1, 2, 2, 4]: layers, heads, routing.clusters, head_dim)"},
    {"rt-centroids-inf.npy", 1, 4, {1, 2, 2, 4}, 5, F32_INF, 0,
     "{F}: routing.centroids: data: element 5 is +Inf"},
    {"rt-centroids-absent.npy", 1, 4, {1, 2, 2, 4}, -1, 0, 1,
     "{F}: routing.centroids: file: cannot open"},
};

/* q/k/v.npy in dir; the workload of kind routing or moh reading file. */
static void aux_setup(const char *dir, int routing, const char *file, char *wl, size_t len) {
  static const int64_t shape[4] = {1, 2, 2, 4};
  float x[16];
  char path[400], yaml[600];
  err_t e;
  for (int i = 0; i < 16; i++) x[i] = (float)(i % 5 + 1) / 8.0f;
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%c.npy", dir, "qkv"[i]);
    cr_assert_eq(npy_write_f32(path, 4, shape, x, &e), 0, "%s", e.msg);
  }
  snprintf(yaml, sizeof yaml,
           "model: {kind: %s, layers: 1, heads: 2, head_dim: 4}\nphase: prefill\n"
           "prefill: {tokens: 2}\n%s%s}\n"
           "tensors: {source: npy, q: q.npy, k: k.npy, v: v.npy}\n",
           routing ? "routing" : "moh",
           routing ? "routing: {clusters: 2, centroids: " : "moh: {topk: 1, router: ", file);
  snprintf(wl, len, "%s/%s.yaml", dir, file);
  write_bytes(wl, yaml, strlen(yaml));
}

Test(catalogue, npy_mechanism_inputs) {
  char dir[200], in[400], out[400], wl[400], args[1400], want[600];
  err_t e;
  scratch_dir(dir, sizeof dir);
  for (size_t i = 0; i < sizeof aux_rows / sizeof aux_rows[0]; i++) {
    const aux_row_t *r = &aux_rows[i];
    float x[24] = {0};
    snprintf(in, sizeof in, "%s/%.*s", dir, (int)sizeof r->name, r->name);
    snprintf(out, sizeof out, "%s/%.*s.out", dir, (int)sizeof r->name, r->name);
    aux_setup(dir, r->routing, r->name, wl, sizeof wl);
    unlink(in);
    if (r->poison >= 0) memcpy(&x[r->poison], &r->bits, sizeof r->bits);
    if (!r->absent)
      cr_assert_eq(npy_write_f32(in, r->ndim, r->shape, x, &e), 0, "%s", e.msg);
    snprintf(args, sizeof args, "run " SPATTEN " --workload %s --check --json %s", wl, out);
    subst(want, sizeof want, r->want, in, out, dir);
    expect_bad(r->name, 0, args, in, want, out, dir);
  }
  remove_dir(dir);
}

/* The same workloads with files of the right shape run and pass --check,
 * so each row above fails for its own defect. */
Test(catalogue, npy_mechanism_inputs_control) {
  char dir[200], in[400], wl[400], cmd[900];
  static const int64_t shape[2][4] = {{1, 2, 2}, {1, 2, 2, 4}};
  float x[16];
  err_t e;
  scratch_dir(dir, sizeof dir);
  for (int i = 0; i < 16; i++) x[i] = (float)(i % 3) - 1.0f;
  for (int routing = 0; routing < 2; routing++) {
    const char *name = routing ? "good-centroids.npy" : "good-router.npy";
    snprintf(in, sizeof in, "%s/%s", dir, name);
    cr_assert_eq(npy_write_f32(in, 3 + routing, shape[routing], x, &e), 0, "%s", e.msg);
    aux_setup(dir, routing, name, wl, sizeof wl);
    snprintf(cmd, sizeof cmd, "run " SPATTEN " --workload %s --check --quiet", wl);
    cr_expect_eq(run_cli(cmd, "/dev/null"), 0, "%s", name);
  }
  remove_dir(dir);
}

/* A text trace line longer than any buffer is still one line: a comment
 * of 1500 bytes on line 3, then an error on line 4 (regression: the line
 * was once split and its tail read as an instruction). */
Test(catalogue, long_lines_keep_line_numbers) {
  char path[256], cmd[700], *msg;
  static char text[2048];
  snprintf(text, sizeof text, ".version 1\n.config_hash 0x1\n; %01500d\nFOO\n", 0);
  cr_assert(tu_write(path, sizeof path, "long.s", text));
  snprintf(cmd, sizeof cmd,
           "timeout 600 \"${ATTNSIM:-build/attnsim}\" asm %s -o %s.out "
           "2>build/tests/tmp/long.err", path, path);
  cr_expect_eq(WEXITSTATUS(system(cmd)), 2);
  msg = tu_slurp("build/tests/tmp/long.err");
  snprintf(cmd, sizeof cmd, "%s:4:1: insn: unknown mnemonic", path);
  cr_expect(msg && strstr(msg, cmd), "%s", msg);
  free(msg);
}

/* ---- sweep specs and GPU configs ---------------------------------------- */

/* Lines 1 and 2 of a spec in the scratch folder (four levels down). */
#define SPEC_HDR "config: ../../../../configs/spatten.yaml\n" \
                 "workloads: ../../../../workloads/gpt2-small.yaml\n"
#define SWEEP "sweep {F} -o {O}"

static const text_row_t spec_rows[] = {
    /* "    values: [2, many]": "many" starts at column 17 */
    {"spec-wrong-type.yaml", IN_TEXT, SPEC_HDR "vary:\n  - set: dram.channels\n    values: [2, many]\n",
     SWEEP, "{F}:5:17: dram.channels: wrong type (got many, expected an integer)", 0},
    {"spec-unknown-key.yaml", IN_TEXT, SPEC_HDR "vray: []\n", SWEEP,
     "{F}:3:1: vray: unknown key (did you mean vary?)", 0},
    /* "  - set: dram.chanels": the key's value starts at column 10 */
    {"spec-unknown-config-key.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - set: dram.chanels\n    values: [2]\n", SWEEP,
     "{F}:4:10: set: unknown config key (got dram.chanels", 0},
    {"spec-unknown-wset-key.yaml", IN_TEXT, SPEC_HDR "wset: {model.hidden: 768}\n", SWEEP,
     "{F}:3:8: wset.model.hidden: unknown key", 0},
    /* "set: {dram.channels: 0}": the 0 is column 22 */
    {"spec-set-out-of-range.yaml", IN_TEXT, SPEC_HDR "set: {dram.channels: 0}\n", SWEEP,
     "{F}:3:22: dram.channels: out of range", 0},
    {"spec-set-quoted.yaml", IN_TEXT, SPEC_HDR "set: {dram.channels: \"4\"}\n", SWEEP,
     "{F}:3:22: dram.channels: quoted value", 0},
    {"spec-no-values.yaml", IN_TEXT, SPEC_HDR "vary:\n  - set: dram.channels\n", SWEEP,
     "{F}:4:5: dram.channels: no values", 0},
    {"spec-empty-values.yaml", IN_TEXT, SPEC_HDR "vary:\n  - {set: dram.channels, values: []}\n",
     SWEEP, "{F}:4:34: dram.channels: wrong type (got an empty list", 0},
    /* "  - {set: dram.channels, wset: ..." : wset is column 26 */
    {"spec-set-and-wset.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, wset: model.layers, values: [1]}\n", SWEEP,
     "{F}:4:26: wset: two keys in one axis", 0},
    /* the range's '{' is column 33 */
    {"spec-range-incomplete.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, range: {start: 1, stop: 4}}\n", SWEEP,
     "{F}:4:33: range: incomplete range", 0},
    {"spec-range-empty.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, range: {start: 8, stop: 2, step: 2}}\n", SWEEP,
     "{F}:4:33: dram.channels: empty range", 0},
    {"spec-range-endless.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, range: {start: 1, stop: 2, factor: 1}}\n", SWEEP,
     "{F}:4:33: dram.channels: range never ends", 0},
    /* 1, 1.5, 2: an int key refuses 1.5, blamed on the range */
    {"spec-range-fraction.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, range: {start: 1, stop: 2, step: 0.5}}\n", SWEEP,
     "{F}:4:33: dram.channels: wrong type (got 1.5, expected an integer)", 0},
    {"spec-range-unknown.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, range: {start: 1, end: 2, step: 1}}\n", SWEEP,
     "{F}:4:44: range.end: unknown key", 0},
    {"spec-zip-lengths.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - zip:\n      - {set: qk_array.multipliers, values: [64, 128]}\n"
              "      - {set: av_array.multipliers, values: [64]}\n", SWEEP,
     "{F}:4:5: zip: zipped axes differ in length", 0},
    {"spec-varied-twice.yaml", IN_TEXT,
     SPEC_HDR "vary:\n  - {set: dram.channels, values: [1]}\n  - {set: dram.channels, values: [2]}\n",
     SWEEP, "{F}:5:11: dram.channels: varied twice", 0},
    {"spec-combine-zip.yaml", IN_TEXT,
     SPEC_HDR "combine: zip\nvary:\n  - {set: dram.channels, values: [1, 2]}\n"
              "  - {set: topk.parallelism, values: [1]}\n", SWEEP,
     "{F}: combine: zip of groups of different lengths", 0},
    {"spec-duplicate.yaml", IN_TEXT, SPEC_HDR "timing_only: true\ntiming_only: false\n", SWEEP,
     "{F}:4:1: timing_only: duplicate key", 0},
    {"spec-tag.yaml", IN_TEXT, SPEC_HDR "timing_only: !!bool true\n", SWEEP,
     "{F}:3:14: timing_only: explicit tag", 0},
    {"spec-timeout.yaml", IN_TEXT, SPEC_HDR "timeout_s: -1\n", SWEEP,
     "{F}:3:12: timeout_s: out of range", 0},
    /* "layers: 13": the value is column 9; gpt2-small has 12 layers */
    {"spec-layers-too-many.yaml", IN_TEXT, SPEC_HDR "layers: 13\n", SWEEP,
     "{F}:3:9: layers: out of range (got 13, expected 0..12, the model.layers of ", 0},
    {"spec-layers-negative.yaml", IN_TEXT, SPEC_HDR "layers: -1\n", SWEEP,
     "{F}:3:9: layers: out of range", 0},
    {"spec-layers-csv.yaml", IN_TEXT,
     "config: ../../../../configs/spatten.yaml\nworkloads: "
     "../../../../workloads/spatten-gpt2/gpt2-small-wikitext2-dense.csv\nlayers: 2\n", SWEEP,
     "{F}:3:9: layers: does not apply to a .csv workload", 0},
    /* sweep -o makes DIR and its parents; a file on the way is an error */
    {"spec-o-under-a-file.yaml", IN_TEXT, SPEC_HDR, "sweep {F} -o {F}/out",
     "attnsim: -o: cannot write {F}/out: Not a directory", 0},
    {"spec-vary-scalar.yaml", IN_TEXT, SPEC_HDR "vary: 4\n", SWEEP,
     "{F}:3:7: vary: wrong type (got a scalar", 0},
    {"spec-workloads-map.yaml", IN_TEXT,
     "config: ../../../../configs/spatten.yaml\nworkloads: {a: 1}\n", SWEEP,
     "{F}:2:12: workloads: wrong type", 0},
    {"spec-missing-workloads.yaml", IN_TEXT, "config: ../../../../configs/spatten.yaml\n", SWEEP,
     "{F}:1:1: (root): missing key (got no workloads", 0},
    {"spec-empty.yaml", IN_TEXT, "", SWEEP, "{F}:1:1: (root): empty file", 0},
    {"spec-root-list.yaml", IN_TEXT, "- a\n", SWEEP, "{F}:1:1: (root): wrong type", 0},
    {"spec-syntax.yaml", IN_TEXT, "vary: [\n", SWEEP, "{F}:2:1: (syntax): syntax error", 0},
    {"spec-garbage.yaml", IN_GARBAGE, "", SWEEP, "{F}: (syntax): unreadable input", 0},
    {"spec-absent.yaml", IN_ABSENT, "", SWEEP, "{F}: cannot open", 0},
    /* the same spec errors stop --emit and --point before anything is written */
    {"spec-emit.yaml", IN_TEXT, SPEC_HDR "vray: []\n", "sweep {F} -o {O} --emit parallel",
     "{F}:3:1: vray: unknown key", 0},
    {"spec-point.yaml", IN_TEXT, SPEC_HDR "vray: []\n", "sweep {F} -o {O} --point 0",
     "{F}:3:1: vray: unknown key", 0},
};

#define GPU_RUN "baseline-gpu --gpu {F} " GPT2 " --json {O}"
static const text_row_t gpu_rows[] = {
    {"gpu-zero-bandwidth.yaml", IN_TEXT, "memory:\n  bandwidth_GBps: 0\n", GPU_RUN,
     "{F}:2:19: memory.bandwidth_GBps: out of range", 0},
    {"gpu-unknown.yaml", IN_TEXT, "compute:\n  peak_tflop: 12\n", GPU_RUN,
     "{F}:2:3: compute.peak_tflop: unknown key (did you mean compute.peak_tflops?)", 0},
    {"gpu-wrong-type.yaml", IN_TEXT, "compute:\n  peak_tflops: fast\n", GPU_RUN,
     "{F}:2:16: compute.peak_tflops: wrong type", 0},
    {"gpu-bytes.yaml", IN_TEXT, "memory:\n  bytes_per_element: 0\n", GPU_RUN,
     "{F}:2:22: memory.bytes_per_element: out of range", 0},
    {"gpu-empty.yaml", IN_TEXT, "", GPU_RUN, "{F}:1:1: (root): empty file", 0},
    {"gpu-absent.yaml", IN_ABSENT, "", GPU_RUN, "{F}: cannot open", 0},
};

Test(catalogue, sweep_spec) {
  run_text_rows(spec_rows, sizeof spec_rows / sizeof spec_rows[0]);
}

Test(catalogue, gpu_config) {
  run_text_rows(gpu_rows, sizeof gpu_rows / sizeof gpu_rows[0]);
}

/* ---- sweep folders: manifest and point files ----------------------------- */

/* A manifest of one point whose file is points/0000000000000001.json. */
#define MANIFEST \
  "{\"name\": \"c\", \"params\": [], \"points\": [{\"index\": 0, \"key\": " \
  "\"0000000000000001\", \"group\": \"0000000000000002\", \"workload\": \"w\", \"params\": []}]}\n"
#define POINT_OK "\"exit_status\": 0, \"signal\": 0"

typedef struct folder_row {
  char name[40];      /* the folder, in the scratch folder; row id */
  char manifest[300]; /* sweep.json ("" = none) */
  char point[200];    /* points/0000000000000001.json ("" = none) */
  char args[80];      /* {S} the sweep folder */
  char want[120];     /* {S} the sweep folder */
} folder_row_t;

static const folder_row_t folder_rows[] = {
    {"json-manifest-comma", "{\"name\": \"c\",}", "", "sweep --merge {S}",
     "{S}/sweep.json:1:14: (json): syntax error (got '}', expected a '\"' starting a key)"},
    {"json-manifest-shape", "[]", "", "sweep --merge {S}",
     "{S}/sweep.json:1:1: (root): not a sweep manifest"},
    {"json-manifest-index", "{\"name\": \"c\", \"params\": [], \"points\": [{\"index\": 3}]}",
     "", "sweep --merge {S}", "{S}/sweep.json:1:40: index: wrong index"},
    {"json-manifest-key", "{\"name\": \"c\", \"params\": [], \"points\": [{\"index\": 0, "
     "\"key\": \"../../x\", \"group\": \"0000000000000002\", \"workload\": \"w\", \"params\": []}]}",
     "", "sweep --merge {S}", "{S}/sweep.json:1:60: key: bad key"},
    {"json-manifest-params", "{\"name\": \"c\", \"params\": [\"a\"], \"points\": [{\"index\": 0, "
     "\"key\": \"0000000000000001\", \"group\": \"0000000000000002\", \"workload\": \"w\", "
     "\"params\": []}]}", "", "plot {S}", "params: wrong type (got a list of another length"},
    {"json-manifest-nul", "{\"name\": \"a\\u0000\"}", "", "sweep --merge {S}",
     "{S}/sweep.json:1:18: (json): NUL in string"},
    {"json-point-cut", MANIFEST, "{\"status\": \"ok\"", "sweep --merge {S}",
     "{S}/points/0000000000000001.json:1:16: (json): syntax error"},
    {"json-point-status", MANIFEST, "{\"status\": \"great\", " POINT_OK "}", "sweep --merge {S}",
     "{S}/points/0000000000000001.json:1:12: status: not a choice"},
    {"json-point-exit", MANIFEST, "{\"status\": \"ok\", \"exit_status\": 1e9, \"signal\": 0}",
     "sweep --merge {S}", "{S}/points/0000000000000001.json:1:1: exit_status: missing or bad"},
    {"json-point-no-report", MANIFEST, "{\"status\": \"ok\", " POINT_OK ", \"result\": null}",
     "plot {S}", "{S}/points/0000000000000001.json:1:1: result: no report"},
    {"json-point-deep", MANIFEST,
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
     "plot {S}", "(json): nested too deep"},
};

/* Copy t with every {S} (the sweep folder) spelled {F}, for subst. */
static void s_as_f(char *out, size_t len, const char *t) {
  snprintf(out, len, "%s", t);
  for (char *p = out; (p = strstr(p, "{S}"));) p[1] = 'F';
}

Test(catalogue, sweep_folder) {
  char dir[200], sdir[400], path[500], args[600], want[600], t[300];
  scratch_dir(dir, sizeof dir);
  for (size_t i = 0; i < sizeof folder_rows / sizeof folder_rows[0]; i++) {
    const folder_row_t *r = &folder_rows[i];
    snprintf(sdir, sizeof sdir, "%s/%s", dir, r->name);
    mkdir(sdir, 0777);
    snprintf(path, sizeof path, "%s/points", sdir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/sweep.json", sdir);
    if (r->manifest[0]) write_bytes(path, r->manifest, strlen(r->manifest));
    snprintf(path, sizeof path, "%s/points/0000000000000001.json", sdir);
    if (r->point[0]) write_bytes(path, r->point, strlen(r->point));
    s_as_f(t, sizeof t, r->args);
    subst(args, sizeof args, t, sdir, sdir, dir);
    s_as_f(t, sizeof t, r->want);
    subst(want, sizeof want, t, sdir, sdir, dir);
    expect_bad(r->name, 0, args, sdir, want, NULL, dir);
  }
  remove_dir(dir);
}

/* test_spatten_csv.c - SpAtten's published traces (compiler/spatten_csv.h).
 *
 * DRAM payload of an imported trace: the simulator's dram.read_bytes (from
 * the CLI's JSON) equals the sum over rows of
 *   key_fetch_num x D x kbits / 8 + (if_requant ? key_fetch_num x D x lsb / 8 : 0)
 *   + value_fetch_num x D x vbits / 8,     bits -1 = datapath.width (12),
 * computed here by a minimal CSV parse of its own (not the importer's).
 * Malformed rows exit 2 naming their line; a hand-made 3-row file lowers
 * to hand-counted instructions.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "engine.h"
#include "layout.h"
#include "spatten_csv.h"
#include "testutil.h"

#define WIDTH 12 /* configs/spatten.yaml datapath.width */
#define PRUNED "workloads/spatten-gpt2/gpt2-small-wikitext2-pruned.csv"
#define DENSE "workloads/spatten-gpt2/gpt2-small-wikitext2-dense.csv"

/* tu_write, the name ending in .csv (the CLI tells the format by it). */
static const char *write_csv(char *path, size_t len, const char *tag,
                             const char *text) {
  FILE *f;
  mkdir("build", 0777);
  mkdir("build/tests", 0777);
  mkdir("build/tests/tmp", 0777);
  snprintf(path, len, "build/tests/tmp/%d-%s.csv", (int)getpid(), tag);
  if (!(f = fopen(path, "w"))) return NULL;
  fputs(text, f);
  fclose(f);
  return path;
}

/* ---- the expected payload, parsed independently ------------------------ */

static int bits(const char *f) { return atoi(f) == -1 ? WIDTH : atoi(f); }

/* Sum over the request rows of path (rows whose first character is a
 * digit; the header and a trailing config-path row are not). Columns:
 * 3 D, 5 key_fetch_num, 6 quant_key_bit, 9 if_requant, 10
 * auto_requant_incre, 11 value_fetch_num, 12 quant_value_bit. */
static uint64_t expected_bytes(const char *path, int *rows) {
  char line[1024], *f[32], *p;
  uint64_t sum = 0;
  FILE *in = fopen(path, "r");
  cr_assert_not_null(in, "%s", path);
  *rows = 0;
  while (fgets(line, sizeof line, in)) {
    int n = 0;
    if (line[0] < '0' || line[0] > '9') continue;
    for (p = line, f[n++] = p; (p = strchr(p, ',')) && n < 32; f[n++] = ++p) *p = '\0';
    cr_assert_eq(n, 17);
    uint64_t d = (uint64_t)atof(f[3]), kf = (uint64_t)atoll(f[5]);
    uint64_t vf = (uint64_t)atoll(f[11]);
    sum += kf * d * (uint64_t)bits(f[6]) / 8 + vf * d * (uint64_t)bits(f[12]) / 8;
    if (strncmp(f[9], "True", 4) == 0) sum += kf * d * (uint64_t)atoi(f[10]) / 8;
    (*rows)++;
  }
  fclose(in);
  return sum;
}

/* The number after "key": inside the JSON object "obj": { ... }. */
static uint64_t json_in(const char *json, const char *obj, const char *key) {
  char pat[128];
  const char *at;
  snprintf(pat, sizeof pat, "\"%s\": {", obj);
  at = strstr(json, pat);
  cr_assert_not_null(at, "no %s object", obj);
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  at = strstr(at, pat);
  cr_assert_not_null(at, "no %s.%s", obj, key);
  return strtoull(at + strlen(pat), NULL, 10);
}

static char *run_json(const char *csv, const char *out) {
  char cmd[600];
  snprintf(cmd, sizeof cmd,
           "attnsim run --config configs/spatten.yaml --workload %s --quiet --json %s",
           csv, out);
  cr_assert_eq(tu_sh(cmd), 0, "%s", cmd);
  return tu_slurp(out);
}

static void payload_exact(const char *csv, const char *out) {
  int rows;
  uint64_t want = expected_bytes(csv, &rows);
  char *json;
  mkdir("build/tests/tmp", 0777);
  json = run_json(csv, out);
  cr_assert_not_null(json);
  cr_expect_eq(rows, 4608);
  cr_expect_eq(json_in(json, "dram", "read_bytes"), want,
               "%s: dram.read_bytes %llu, sum over rows %llu", csv,
               (unsigned long long)json_in(json, "dram", "read_bytes"),
               (unsigned long long)want);
  cr_expect_eq(json_in(json, "dram", "query_bytes"), 0); /* no LDQ */
  cr_expect_eq(json_in(json, "dram", "write_bytes"), 0); /* no STO */
  free(json);
}

Test(spatten_csv, pruned_trace_dram_bytes_equal_the_row_sum) {
  payload_exact(PRUNED, "build/tests/tmp/spc-pruned.json");
}

Test(spatten_csv, dense_trace_dram_bytes_equal_the_row_sum) {
  payload_exact(DENSE, "build/tests/tmp/spc-dense.json");
}

/* ---- malformed rows ------------------------------------------------------ */

#define HEADER                                                                 \
  "iteration_id,layer_id,head_id,embedding_length_D,sentence_length_L,"        \
  "key_fetch_num,quant_key_bit,quant_query_bit,auto_requant_thres,if_requant," \
  "auto_requant_incre,value_fetch_num,quant_value_bit,"                        \
  "if_accumulate_importance,if_rescale_previous_importance,if_topk,topk\n"
#define GOOD "0,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n"

typedef struct bad_row {
  const char *tag, *text, *where; /* where: "line:col: column: what" */
} bad_row_t;

/* Columns by hand from GOOD: D at 7, L 12, key_fetch_num 14, quant_key_bit
 * 16, if_requant 25, value_fetch_num 34, topk 57; the short header is
 * 66 characters, so the missing column is at 67. */
static const bad_row_t bad_rows[] = {
    {"bool", HEADER GOOD "0,0,1,64.0,4,4,-1,-1,-1,Maybe,-1,4,-1,False,False,False,-1\n",
     "3:25: if_requant: not a boolean (got Maybe, expected True or False)"},
    {"d", HEADER "0,0,0,64.5,4,4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n",
     "2:7: embedding_length_D: not a whole number (got 64.5,"},
    {"negative", HEADER GOOD "0,0,1,64.0,4,-4,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n",
     "3:14: key_fetch_num: out of range (got -4, expected an integer in 1..65535)"},
    {"vf", HEADER "0,0,0,64.0,4,3,-1,-1,-1,False,-1,4,-1,False,False,False,-1\n",
     "2:34: value_fetch_num: more values than keys (got 4, expected at most key_fetch_num = 3)"},
    {"header", "iteration_id,layer_id,head_id,embedding_length_D,sentence_length_L\n" GOOD,
     "1:67: header: missing column (got 5 columns, expected key_fetch_num as column 6)"},
    {"field", HEADER "0,0,0,64.0,4,4,-1,-1,-1,False,-1,4,-1,False,False,False\n",
     "2:56: topk: missing field (got 16 fields, expected 17)"},
    {"junk", HEADER "configs/x.yml,,,,,,,,,,,,,,,,\n" GOOD,
     "2:1: iteration_id: not a request, and not the last row (got configs/x.yml"},
};

Test(spatten_csv, malformed_rows_exit_2_naming_their_line) {
  for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
    char path[256], cmd[700], want[400], *msg;
    cr_assert(write_csv(path, sizeof path, bad_rows[i].tag, bad_rows[i].text));
    snprintf(cmd, sizeof cmd,
             "attnsim run --config configs/spatten.yaml --workload %s "
             "2>build/tests/tmp/spc-err.txt >/dev/null", path);
    cr_expect_eq(tu_sh(cmd), 2, "%s", bad_rows[i].tag);
    msg = tu_slurp("build/tests/tmp/spc-err.txt");
    snprintf(want, sizeof want, "attnsim: %s:%s", path, bad_rows[i].where);
    cr_expect(msg && strstr(msg, want), "%s: got \"%s\", expected \"%s\"",
              bad_rows[i].tag, msg ? msg : "", want);
    free(msg);
  }
}

Test(spatten_csv, check_is_refused_and_a_last_non_request_is_skipped) {
  char path[256], cmd[600];
  spc_t s;
  err_t e;
  FILE *f;
  cr_assert(write_csv(path, sizeof path, "tail", HEADER GOOD "configs/x.yml,,,,\n"));
  f = fopen(path, "r");
  cr_assert_eq(spc_load(&s, f, path, &e), 0, "%s", e.msg);
  fclose(f);
  cr_expect_eq(s.nrows, 1);
  cr_expect_eq(s.wl.prompt, 3);
  cr_expect_eq(s.wl.generate, 1);
  spc_free(&s);
  snprintf(cmd, sizeof cmd, "attnsim run --config configs/spatten.yaml --workload %s "
           "--check 2>/dev/null >/dev/null", path);
  cr_expect_eq(tu_sh(cmd), 2);
}

/* ---- instruction counts -------------------------------------------------- */

/* Row 2: 100 keys (2 chunks of 64 + 36), dense. Row 3 (layer 1): 80 keys
 * (64 + 16) at 6 bits refetched (+4 bits from KL), 20 values of 80,
 * importance. Row 4 (layer 1, head 1): 50 keys, 10 values, importance,
 * token top-k keeping 30 of 50. */
#define THREE                                                              \
  HEADER "0,0,0,64.0,100,100,-1,-1,-1,False,-1,100,-1,False,False,False,-1\n" \
  "0,1,0,64.0,100,80,6,16,0.05,True,4,20,6,True,False,False,-1\n"            \
  "0,1,1,64.0,100,50,6,16,0.05,False,4,10,6,True,False,True,30\n"

Test(spatten_csv, three_rows_lower_to_hand_counted_instructions) {
  /* row 2: LAYER, LDK 2, QK 2, SMAX, LDV 2, AV 2 = 10
   * row 3: LAYER, LDK 2 + 2 (KL), QK 2 + 2, SMAX 2 (the second with IMP),
   *        TOPK, LDV, AV = 14
   * row 4: LDK, QK, SMAX (with IMP), TOPK, LDV, AV, TOPK = 7 */
  int want[256] = {0}, got[256] = {0}, kl = 0, modes[3] = {0}, imp = 0;
  char path[256];
  cfg_t c;
  spc_t s;
  err_t e;
  trace_reader_t tr;
  insn_t in;
  lay_t lay;
  lay_loc_t at;
  FILE *f = NULL, *t = tmpfile();
  want[OP_LAYER] = 2, want[OP_LDK] = 7, want[OP_QK] = 7, want[OP_SMAX] = 4;
  want[OP_LDV] = 4, want[OP_AV] = 4, want[OP_TOPK] = 3;
  cr_assert(write_csv(path, sizeof path, "three", THREE));
  cr_assert(t && (f = fopen(path, "r")));
  cfg_defaults(&c);
  cr_assert_eq(spc_load(&s, f, path, &e), 0, "%s", e.msg);
  fclose(f);
  cr_assert_eq(spc_compile(&c, &s, "cfg", t, &e), 0, "%s", e.msg);
  rewind(t);
  cr_assert_eq(trr_open(&tr, t, "trace", &e), 0, "%s", e.msg);
  cr_assert_eq(lay_init(&lay, &c, &tr.hdr.wl, "cfg", &e), 0);
  while (trr_next(&tr, &in, &e) == 1) {
    got[in.op]++;
    if (in.op == OP_LDK && !lay_decode(&lay, in.addr, in.b, &at)) kl += at.t == LAY_KL;
    if (in.op == OP_TOPK) modes[in.d]++;
    imp += in.op == OP_SMAX && (in.d & ISA_IMP);
    if (in.op == OP_TOPK && in.d == TOPK_TOKENS)
      cr_expect(in.b == 50 && in.c == 30, "token top-k n %d k %d", in.b, in.c);
  }
  for (int op = 0; op < 256; op++)
    cr_expect_eq(got[op], want[op], "%s: %d, expected %d",
                 isa_lookup((uint8_t)op) ? isa_lookup((uint8_t)op)->name : "?",
                 got[op], want[op]);
  cr_expect_eq(tr.hdr.count, 31);
  cr_expect_eq(imp, 2, "SMAX with IMP: the final softmax of rows 3 and 4");
  cr_expect_eq(kl, 2);
  cr_expect_eq(modes[TOPK_VALUES], 2);
  cr_expect_eq(modes[TOPK_TOKENS], 1);
  cr_expect_eq(tr.hdr.wl.layers, 2);
  cr_expect_eq(tr.hdr.wl.heads, 2);
  cr_expect_eq(tr.hdr.wl.prompt, 99);
  spc_free(&s);
  fclose(t);
}

/* The same three rows simulated timing only: 100 x 96 x 2 + 80 x 48 + 80
 * x 32 + 20 x 48 + 50 x 48 + 10 x 48 = 29,440 bytes. */
Test(spatten_csv, three_rows_simulate_to_the_row_sum) {
  char path[256];
  cfg_t c;
  spc_t s;
  err_t e;
  trace_reader_t tr;
  stats_t st;
  sim_t *sim;
  FILE *f = NULL, *t = tmpfile();
  cr_assert(write_csv(path, sizeof path, "three", THREE));
  cr_assert(t && (f = fopen(path, "r")));
  cfg_defaults(&c);
  cr_assert_eq(spc_load(&s, f, path, &e), 0, "%s", e.msg);
  fclose(f);
  cr_assert_eq(spc_compile(&c, &s, "cfg", t, &e), 0, "%s", e.msg);
  rewind(t);
  cr_assert_eq(trr_open(&tr, t, "trace", &e), 0, "%s", e.msg);
  sim = sim_new(&c, &tr.hdr.wl, NULL, "cfg", &e);
  cr_assert(sim, "%s", e.msg);
  sim_timing_only(sim);
  st_init(&st);
  cr_assert_eq(sim_run(sim, &tr, &st, &e), 0, "%s", e.msg);
  cr_expect_eq(st.c[ST_DRAM_READ_BYTES], 29440);
  cr_expect_eq(st.c[ST_DRAM_KEY_LSB_BYTES], 80 * 32);
  cr_expect_eq(st.c[ST_TOPK_RUNS], 3);
  cr_expect_gt(st.c[ST_CYCLES], 0);
  st_free(&st);
  sim_free(sim);
  spc_free(&s);
  fclose(t);
}

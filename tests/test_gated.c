/* Gated attention (docs/gated.md): the compiler's program pinned to a
 * sequence derived by hand, the simulator equal to the golden model (and
 * its gate decisions) over seeds, shapes, modes, thresholds and buffer
 * sizes, MACs and DRAM bytes against closed forms derived here, and
 * degenerate cases whose answers are known by hand (threshold 1 closes
 * every row: outputs 0; gate logits 0 give gates of exactly 1/2).
 *
 * Closed forms (lower_gated.c), over the queries of every (case, layer,
 * head), n_k = the keys a query attends to, d = head_dim, open = the rows
 * whose largest gate fx_sigmoid(G_j) >= fx_gate_thr16(threshold):
 *   Q x K MACs = sum over open rows of n_k d
 *   P x V MACs = sum over open rows of n_k d  +  rows x d  (GMUL)
 *   softmax elements = sum over open rows of n_k  +  rows x n, n = d
 *                      (elementwise) or 1 (headwise)
 *   query bytes = rows x row_bytes (Q) + rows x gate_bytes (G), row_bytes
 *                 = d W / 8, gate_bytes = row_bytes or ceil(W / 8)
 *   K = V bytes: resident prefill layers x heads x tokens x row_bytes;
 *                streamed, every row's n_k rows (closed rows too)
 *   output bytes = rows x row_bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "fixed.h"
#include "npy.h"
#include "simrun.h"
#include "trace.h"

#define D 16
#define ROW (D * 12 / 8)

static wl_t small_wl(int decode, int headwise, double thr, uint64_t seed) {
  wl_t w;
  wl_defaults(&w);
  w.kind = WL_GATED;
  w.layers = 2;
  w.heads = 3;
  w.head_dim = D;
  w.seed = seed;
  w.gt_mode = headwise;
  w.gt_threshold = thr;
  w.gt_bias = -1.5;
  if (decode) {
    w.phase = WL_DECODE;
    w.prompt = 30;
    w.generate = 3;
  } else {
    w.causal = true;
    w.ncases = 2;
    w.tokens[0] = 20;
    w.tokens[1] = 27;
  }
  return w;
}

/* Default buffers (prefill resident), and small ones (K/V streamed in
 * chunks of 8 rows). */
static void configs(cfg_t *big, cfg_t *small) {
  cfg_defaults(big);
  cfg_defaults(small);
  small->key_buffer_bytes = small->value_buffer_bytes = 20 * ROW;
  small->chunk_rows = 8;
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

/* The test's own count, from the gate tensor and fixed.h's contract: is
 * the row of (cs, l, h) at position pos open? */
static int row_open(const cfg_t *c, const wl_t *w, const ten_t *t, int cs,
                    int l, int h, int pos) {
  static fx_t fx;
  float g[D];
  int32_t mx = 0;
  fx_init(&fx, c->width, c->frac_bits, c->prob_bits, w->head_dim);
  ten_rows(t, TEN_G, cs, l, h, pos, 1, g);
  for (int j = 0; j < (w->gt_mode ? 1 : D); j++) {
    int32_t s = fx_sigmoid(&fx, fx_quant(&fx, g[j]));
    if (s > mx) mx = s;
  }
  return mx >= fx_gate_thr16(w->gt_threshold);
}

typedef struct want {
  uint64_t qk, av, smax, rows, open, kv_streamed;
  uint64_t kv_streamed_big; /* of cases over 20 tokens */
} want_t;

static want_t closed_form(const cfg_t *c, const wl_t *w) {
  want_t m = {0, 0, 0, 0, 0, 0, 0};
  ten_t *t;
  err_t e;
  int n = w->gt_mode ? 1 : D;
  cr_assert_eq(ten_open(&t, w, &e), 0, "%s", e.msg);
  for (int cs = 0; cs < (w->phase == WL_DECODE ? 1 : w->ncases); cs++)
    for (int l = 0; l < w->layers; l++)
      for (int h = 0; h < w->heads; h++) {
        int nq = w->phase == WL_DECODE ? w->generate : w->tokens[cs];
        for (int q = 0; q < nq; q++) {
          int pos = w->phase == WL_DECODE ? w->prompt + q : q;
          uint64_t nk = (uint64_t)pos + 1; /* causal prefill and decode */
          int open = row_open(c, w, t, cs, l, h, pos);
          m.rows++;
          m.open += (uint64_t)open;
          m.qk += open ? nk * D : 0;
          m.av += (open ? nk * D : 0) + D;
          m.smax += (open ? nk : 0) + (uint64_t)n;
          m.kv_streamed += nk * ROW;
          if (w->phase != WL_DECODE && w->tokens[cs] > 20)
            m.kv_streamed_big += nk * ROW;
        }
      }
  ten_close(t);
  return m;
}

/* One layer, one head of 4 elements at 12 bits (6 B rows), two tokens,
 * threshold 1/2 (Q0.16 32768), default buffers (4096 score entries):
 * regions Q 0, K 0x100000, V 0x200000, O 0x300000, G 0x400000 (the empty
 * KL, KQ, KM, VQ, KN, VN regions take no room). The gates run 4 rows
 * ahead, so both rows' gates come first: one LDQ of the 2 G rows (blocks
 * of up to 8), a GATE per row into the gate ring at the top of SBUF
 * (8 slots of 4 entries: 4096 - 32 = 4064, then 4068) with CHECK into
 * predicate registers 0 and 1 (flags 1, 1 | 1 << 4 = 17); then the
 * head's K and V; per row the query row (QBUF rows 2, 3), QK / SMAX / AV
 * under PRED (8 | r << 4: 8, 24) on scores from SBUF 0 and 2, GMUL with
 * the row's gates, STO. */
Test(gated, program_pinned) {
  static const char *want[] = {
      "TINIT tokens=0 heads=1 flags=0",
      "LAYER case=0 layer=0",
      "HEAD head=0 resume=0",
      "LDQ qrow=0 rows=2 list=0 flags=0 addr=0x400000",
      "GATE soff=4064 n=4 qrow=0 flags=1 thr16=32768",
      "GATE soff=4068 n=4 qrow=1 flags=17 thr16=32768",
      "LDK krow=0 rows=2 list=0 flags=0 addr=0x100000",
      "LDV vrow=0 rows=2 list=0 flags=0 ioff=0 addr=0x200000",
      "LDQ qrow=2 rows=1 list=0 flags=0 addr=0x0",
      "QK qrow=2 krow=0 rows=2 flags=8 soff=0",
      "SMAX soff=0 len=2 list=0 flags=8 thr16=0",
      "AV orow=0 vrow=0 rows=2 flags=8 soff=0 sel=0x0",
      "GMUL orow=0 soff=4064 n=4",
      "STO orow=0 head=0 list=0 flags=0 addr=0x300000",
      "LDQ qrow=3 rows=1 list=0 flags=0 addr=0x6",
      "QK qrow=3 krow=0 rows=2 flags=24 soff=2",
      "SMAX soff=2 len=2 list=0 flags=24 thr16=0",
      "AV orow=1 vrow=0 rows=2 flags=24 soff=2 sel=0x0",
      "GMUL orow=1 soff=4068 n=4",
      "STO orow=1 head=0 list=0 flags=0 addr=0x300006",
      "HEAD head=65535 resume=0",
  };
  cfg_t c;
  wl_t w;
  FILE *f = tmpfile();
  trace_reader_t tr;
  err_t e;
  insn_t in;
  char line[160];
  int i = 0, r, n = (int)(sizeof want / sizeof want[0]);
  cfg_defaults(&c);
  c.width = 12;
  wl_defaults(&w);
  w.kind = WL_GATED;
  w.layers = 1, w.heads = 1, w.head_dim = 4, w.ncases = 1, w.tokens[0] = 2;
  w.gt_threshold = 0.5;
  cr_assert_eq(comp_compile(&c, &w, "tiny", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "tiny", &e), 0, "%s", e.msg);
  while ((r = trr_next(&tr, &in, &e)) == 1) {
    isa_format(&in, line, sizeof line);
    cr_assert_lt(i, n, "extra instruction %s", line);
    cr_expect_str_eq(line, want[i], "instruction %d", i);
    i++;
  }
  cr_expect_eq(r, 0, "%s", e.msg);
  cr_expect_eq(i, n, "got %d instructions, expected %d", i, n);
  fclose(f);
}

/* fx_sigmoid at points known by hand: 0 gives exactly 1/2; the curve is
 * monotonic and symmetric within one unit of rounding. */
Test(gated, sigmoid_contract) {
  fx_t fx;
  fx_init(&fx, 12, 8, 12, 16);
  cr_expect_eq(fx_sigmoid(&fx, 0), 32768);
  for (int x = -2048; x < 2047; x++) {
    int32_t a = fx_sigmoid(&fx, (int16_t)x), b = fx_sigmoid(&fx, (int16_t)(x + 1));
    cr_assert_leq(a, b, "not monotonic at %d", x);
    cr_assert_leq(a + fx_sigmoid(&fx, (int16_t)-x) - 65536 <= 1 &&
                      a + fx_sigmoid(&fx, (int16_t)-x) - 65536 >= -1, 1);
  }
  /* x = 2 (512 at 8 frac bits): z = -rsh(-512 * 94548, 16) = 739 =
   * 2 * 256 + 227, LUT[227] = round(2^16 2^(-227/256)) = 35445, e = 35445
   * >> 2 = 8861 (e^-2 2^16 = 8869: the exp table's step), D = 74397,
   * g = floor((2^32 + 37198) / 74397) = 57730 (sigmoid(2) 2^16 = 57724) */
  cr_expect_eq(fx_sigmoid(&fx, 512), 57730);
  cr_expect_eq(fx_gate_thr16(0.5), 32768);
  cr_expect_eq(fx_gate_thr16(1.0), 65536);
  cr_expect_eq(fx_gate_thr16(0.0), 0);
}

Test(gated, check_is_bit_exact_over_seeds_and_shapes) {
  cfg_t cf[3];
  static const double thr[] = {0, 0.35};
  int heavy = !getenv("ATTNSIM_UNDER_VALGRIND");
  configs(&cf[0], &cf[1]);
  cf[2] = cf[1];
  cf[2].query_buffer_bytes = 9 * ROW; /* 9 rows: one G row per fetch */
  for (int decode = 0; decode < 2; decode++)
    for (int hw = 0; hw < 2; hw++)
      for (int ti = 0; ti < 2; ti++)
        for (uint64_t seed = 1; seed <= (heavy ? 3u : 1u); seed++)
          for (int k = 0; k < 3; k++) {
            wl_t w = small_wl(decode, hw, thr[ti], seed);
            stats_t st;
            chk_t r;
            st_init(&st);
            r = run(&cf[k], &w, &st);
            cr_expect(r.ok, "%s %s thr %g seed %d %s: %s",
                      decode ? "decode" : "prefill", hw ? "headwise" : "elementwise",
                      thr[ti], (int)seed, k ? "small" : "default", r.msg);
            cr_expect_eq(r.compared, closed_form(&cf[k], &w).rows * D);
            cr_expect_eq(r.decisions, thr[ti] > 0 ? closed_form(&cf[k], &w).rows : 0);
            st_free(&st);
          }
}

Test(gated, macs_and_bytes_equal_the_closed_forms) {
  cfg_t cf[2];
  static const double thr[] = {0, 0.35, 1};
  configs(&cf[0], &cf[1]);
  for (int decode = 0; decode < 2; decode++)
    for (int hw = 0; hw < 2; hw++)
      for (int ti = 0; ti < 3; ti++)
        for (int k = 0; k < 2; k++) {
          wl_t w = small_wl(decode, hw, thr[ti], 2);
          want_t m = closed_form(&cf[k], &w);
          uint64_t gate_bytes = hw ? 2 : ROW, kv;
          stats_t st;
          st_init(&st);
          cr_assert(run(&cf[k], &w, &st).ok);
          if (ti == 0) cr_expect_eq(m.open, m.rows, "threshold 0 opens every row");
          if (ti == 2) cr_expect_eq(m.open, 0, "threshold 1 closes every row");
          if (ti == 1) cr_expect(m.open > 0 && m.open < m.rows, "some rows closed");
          cr_expect_eq(st.c[ST_QK_MACS], m.qk, "QK %llu, want %llu",
                       (unsigned long long)st.c[ST_QK_MACS], (unsigned long long)m.qk);
          cr_expect_eq(st.c[ST_AV_MACS], m.av);
          cr_expect_eq(st.c[ST_SOFTMAX_ELEMS], m.smax);
          cr_expect_eq(st.c[ST_DRAM_QUERY_BYTES], m.rows * (ROW + gate_bytes));
          cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES], m.rows * ROW);
          /* resident cases: those whose tokens fit 20 key rows (small)
           * or any (default); the others stream their rows per query */
          kv = decode ? m.kv_streamed
               : k == 0 ? 2 * 3 * (uint64_t)(20 + 27) * ROW
                        : 2 * 3 * (uint64_t)20 * ROW + m.kv_streamed_big;
          cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], kv, "%s %s: K %llu, want %llu",
                       decode ? "decode" : "prefill", k ? "small" : "default",
                       (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                       (unsigned long long)kv);
          cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], kv);
          st_free(&st);
        }
}

/* Gate logits from a .npy file, all 0: every gate is exactly 1/2, so a
 * threshold of 1/2 opens every row and one unit above closes them all
 * (outputs 0; the check reads every output element). */
Test(gated, npy_gates_of_one_half) {
  cfg_t c;
  int64_t shape[4] = {1, 2, 12, D}, gshape[4] = {1, 2, 12, 1};
  static float x[2 * 12 * D], z[2 * 12];
  const char *names[3] = {"q", "k", "v"};
  char p[4][256];
  err_t e;
  cfg_defaults(&c);
  for (int i = 0; i < 2 * 12 * D; i++) x[i] = (float)((i * 37 % 23) - 11) / 8.0f;
  for (int i = 0; i < 3; i++) {
    snprintf(p[i], sizeof p[i], "/tmp/attnsim-gated-%d-%s.npy", (int)getpid(), names[i]);
    cr_assert_eq(npy_write_f32(p[i], 4, shape, x, &e), 0, "%s", e.msg);
  }
  snprintf(p[3], sizeof p[3], "/tmp/attnsim-gated-%d-g.npy", (int)getpid());
  cr_assert_eq(npy_write_f32(p[3], 4, gshape, z, &e), 0, "%s", e.msg);
  for (int closed = 0; closed < 2; closed++) {
    wl_t w;
    stats_t st;
    chk_t r;
    wl_defaults(&w);
    w.kind = WL_GATED;
    w.layers = 1, w.heads = 2, w.head_dim = D, w.ncases = 1, w.tokens[0] = 12;
    w.source = WL_NPY;
    w.gt_mode = 1;
    w.gt_threshold = closed ? 32769.0 / 65536.0 : 0.5;
    snprintf(w.q_path, sizeof w.q_path, "%s", p[0]);
    snprintf(w.k_path, sizeof w.k_path, "%s", p[1]);
    snprintf(w.v_path, sizeof w.v_path, "%s", p[2]);
    snprintf(w.gt_path, sizeof w.gt_path, "%s", p[3]);
    st_init(&st);
    r = run(&c, &w, &st);
    cr_expect(r.ok, "%s", r.msg);
    cr_expect_eq(r.decisions, 2 * 12);
    cr_expect_eq(st.c[ST_QK_MACS], closed ? 0 : 2 * 12 * 12 * D);
    /* closed: the golden model's outputs (compared above) are zeros */
    cr_expect_eq(st.c[ST_PRED_SKIPPED], closed ? 3 * 2 * 12 : 0,
                 "QK, SMAX, AV per closed row");
    st_free(&st);
  }
  for (int i = 0; i < 4; i++) remove(p[i]);
}

/* Bad values are located errors. */
Test(gated, bad_values_are_located_errors) {
  static const char *bad[][2] = {
      {"model.kv_heads=1", "model.kv_heads: not supported with model.kind gated"},
      {"phase=serve", "phase: gated runs prefill or decode"},
      {"kv_quant.bits=4", "kv_quant.bits: not supported"},
      {"gated.threshold=1.5", "gated.threshold"},
      {"gated.mode=rowwise", "gated.mode"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    wl_t w;
    err_t e;
    int rc;
    wl_defaults(&w);
    w.kind = WL_GATED;
    w.layers = 1, w.heads = 2;
    rc = wl_set(&w, bad[i][0], &e);
    if (!rc) rc = wl_validate(&w, "test", &e);
    cr_expect_eq(rc, ERR_BAD_INPUT, "%s accepted", bad[i][0]);
    cr_expect(strstr(e.msg, bad[i][1]), "%s: %s", bad[i][0], e.msg);
  }
}

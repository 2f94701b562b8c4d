/* Block-sparse document masks (model.kind blockrank, docs/blockrank.md).
 *
 * Expected values come from the mask's definition, written here apart
 * from the compiler: query q (in segment s(q)) sees key j when
 *   (not causal or j <= q) and (s(j) = s(q) or s(j) global or
 *   (query_last and s(q) last)).
 * A K/V block b = [bB, min((b+1)B, L)) is used by q when one of its keys
 * is allowed (brute force over its keys). With nk(q) = allowed keys and
 * R(q) = rows of the used blocks:
 *   Q x K MACs = layers x heads x sum_q R(q) x d   (masked keys of a used
 *                block are scored and discarded)
 *   P x V MACs = layers x heads x sum_q nk(q) x d
 *   DRAM K bytes (= V bytes), streamed: layers x kv_heads x sum_q R(q) x
 *                row_bytes; resident: layers x kv_heads x (rows of the
 *                blocks any query uses) x row_bytes
 *   Q bytes = O bytes = layers x heads x L x row_bytes
 * row_bytes = head_dim x width / 8 = 16 x 12 / 8 = 24. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockrank.h"
#include "fixed.h"
#include "golden.h"
#include "layout.h"
#include "trace.h"
#include "simrun.h"

#define D 16
#define ROW (D * 12 / 8)

typedef struct shape {
  const char *name;
  int nseg, seg[8], global, query_last, causal, block, heads, kv_heads;
} shape_t;

static const shape_t shapes[] = {
  {"instr-docs-query", 4, {6, 10, 13, 11}, 0, 1, 1, 8, 2, 0},
  {"noncausal-gqa", 4, {5, 9, 9, 7}, 0, 1, 0, 4, 4, 2},
  {"no-global-block-3", 3, {7, 12, 11}, -1, 0, 1, 3, 2, 1},
  {"global-middle", 5, {4, 6, 5, 8, 7}, 2, 1, 1, 16, 2, 0},
  {"block-1", 3, {9, 9, 12}, 0, 1, 1, 1, 2, 0},
};

static wl_t shape_wl(const shape_t *s, uint64_t seed) {
  wl_t w;
  int i, L = 0;
  wl_defaults(&w);
  w.kind = WL_BLOCKRANK;
  w.layers = 2;
  w.heads = s->heads;
  w.kv_heads = s->kv_heads;
  w.head_dim = D;
  w.seed = seed;
  w.causal = s->causal;
  w.br_nseg = s->nseg;
  for (i = 0; i < s->nseg; i++) w.br_seg[i] = s->seg[i], L += s->seg[i];
  w.ncases = 1;
  w.tokens[0] = L;
  w.br_nglobal = 1;
  w.br_global[0] = s->global;
  w.br_query_last = s->query_last;
  w.br_block = s->block;
  return w;
}

/* Default buffers (K/V resident), and small ones (streamed, 8-row
 * chunks). */
static void configs(cfg_t *big, cfg_t *small) {
  cfg_defaults(big);
  cfg_defaults(small);
  small->key_buffer_bytes = small->value_buffer_bytes = 20 * ROW;
  small->chunk_rows = 8;
  small->map_softmax = CFG_SMAX_ROW; /* dense beside it: the row mapping */
}

/* ---- the mask, by definition ---- */

static int seg_at(const wl_t *w, int j) {
  int i, end = 0;
  for (i = 0; i < w->br_nseg; i++)
    if (j < (end += w->br_seg[i])) return i;
  return -1;
}

static int ok_key(const wl_t *w, int q, int j) {
  int sq = seg_at(w, q), sj = seg_at(w, j), g = 0;
  for (int i = 0; i < w->br_nglobal; i++) g |= w->br_global[i] == sj;
  if (w->causal && j > q) return 0;
  return sj == sq || g || (w->br_query_last && sq == w->br_nseg - 1);
}

static int block_used(const wl_t *w, int q, int b, int L) {
  for (int j = b * w->br_block; j < (b + 1) * w->br_block && j < L; j++)
    if (ok_key(w, q, j)) return 1;
  return 0;
}

/* sum_q nk(q), sum_q R(q), and rows of the blocks any query uses. */
static void sums(const wl_t *w, uint64_t *nk, uint64_t *R, uint64_t *used) {
  int L = w->tokens[0], B = w->br_block, nb = (L + B - 1) / B, q, b, j;
  *nk = *R = *used = 0;
  for (b = 0; b < nb; b++) {
    int rows = ((b + 1) * B < L ? (b + 1) * B : L) - b * B, any = 0;
    for (q = 0; q < L; q++)
      if (block_used(w, q, b, L)) *R += (uint64_t)rows, any = 1;
    if (any) *used += (uint64_t)rows;
  }
  for (q = 0; q < L; q++)
    for (j = 0; j < L; j++) *nk += (uint64_t)ok_key(w, q, j);
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

static int kv_of(const wl_t *w) { return w->kv_heads ? w->kv_heads : w->heads; }

Test(blockrank, check_is_bit_exact_over_seeds_and_shapes) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (uint64_t seed = 1; seed <= 3; seed++)
      for (int k = 0; k < 2; k++) {
        wl_t w = shape_wl(&shapes[i], seed);
        stats_t st;
        chk_t r;
        st_init(&st);
        r = run(&cf[k], &w, &st);
        cr_expect(r.ok, "%s seed %d %s: %s", shapes[i].name, (int)seed,
                  k ? "streamed" : "resident", r.msg);
        cr_expect_eq(r.compared, (uint64_t)2 * (uint64_t)w.heads *
                                     (uint64_t)w.tokens[0] * D);
        st_free(&st);
      }
}

Test(blockrank, macs_and_dram_bytes_equal_the_closed_forms) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    for (int k = 0; k < 2; k++) {
      wl_t w = shape_wl(&shapes[i], 1);
      uint64_t nk, R, used, lh = (uint64_t)w.layers * (uint64_t)w.heads;
      uint64_t lkv = (uint64_t)w.layers * (uint64_t)kv_of(&w);
      stats_t st;
      st_init(&st);
      sums(&w, &nk, &R, &used);
      (void)run(&cf[k], &w, &st);
      cr_expect_eq(st.c[ST_QK_MACS], lh * R * D, "%s %d", shapes[i].name, k);
      cr_expect_eq(st.c[ST_AV_MACS], lh * nk * D, "%s %d", shapes[i].name, k);
      cr_expect_eq(st.c[ST_DRAM_QUERY_BYTES], lh * (uint64_t)w.tokens[0] * ROW);
      cr_expect_eq(st.c[ST_DRAM_OUTPUT_BYTES], lh * (uint64_t)w.tokens[0] * ROW);
      cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], lkv * (k ? R : used) * ROW,
                   "%s %s", shapes[i].name, k ? "streamed" : "resident");
      cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], lkv * (k ? R : used) * ROW,
                   "%s", shapes[i].name);
      st_free(&st);
    }
}

/* The first shape by hand (segments [0,6) [6,16) [16,29) [29,40),
 * instruction global, query last, causal, blocks of 8):
 *   nk: instruction q+1 (sum 21); document 1 6+t, t = 1..10 (115);
 *       document 2 6+t, t = 1..13 (169); query q+1, q = 29..39 (385):
 *       690 in all;
 *   R:  instruction 8 x 6 = 48; document 1 [0, q+1): q 6,7 one block,
 *       8..15 two: 16 + 128 = 144; document 2 block 0 and blocks 2..q/8:
 *       16 x 8 + 24 x 5 = 248; query [0, q+1): 32 x 3 + 40 x 8 = 416:
 *       856 in all.
 * Per layer and head x 16: Q x K 13,696, P x V 11,040. */
Test(blockrank, hand_derived_macs) {
  cfg_t c;
  wl_t w = shape_wl(&shapes[0], 1);
  stats_t st;
  cfg_defaults(&c);
  st_init(&st);
  cr_expect(run(&c, &w, &st).ok);
  cr_expect_eq(st.c[ST_QK_MACS], 2u * 2u * 13696u);
  cr_expect_eq(st.c[ST_AV_MACS], 2u * 2u * 11040u);
  st_free(&st);
}

/* One segment and blocks of one token: the mask is causal attention, so
 * the golden outputs equal dense attention's and so do the counts. */
Test(blockrank, one_segment_is_dense_attention) {
  cfg_t cf[2];
  configs(&cf[0], &cf[1]);
  for (int k = 0; k < 2; k++) {
    wl_t w = shape_wl(&shapes[0], 2), dw;
    stats_t st, sd;
    fx_t fx;
    ten_t *t;
    err_t e;
    size_t n = (size_t)w.layers * (size_t)w.heads * 40 * D;
    int16_t *g = malloc(n * sizeof *g), *gd = malloc(n * sizeof *gd);
    w.br_nseg = 1, w.br_seg[0] = 40, w.br_block = 1;
    dw = w;
    dw.kind = WL_TRANSFORMER;
    cr_assert(g && gd);
    cr_assert_eq(ten_open(&t, &w, &e), 0, "%s", e.msg);
    cr_assert_eq(gold_blockrank(&cf[k], &w, t, g), 0);
    fx_init(&fx, cf[k].width, cf[k].frac_bits, cf[k].prob_bits, D);
    for (int l = 0; l < w.layers; l++)
      for (int h = 0; h < w.heads; h++)
        gold_head_fixed(&fx, &dw, t, 0, l, h,
                        gd + ((size_t)l * (size_t)w.heads + (size_t)h) * 40 * D);
    cr_expect_eq(memcmp(g, gd, n * sizeof *g), 0);
    ten_close(t);
    free(g), free(gd);
    st_init(&st), st_init(&sd);
    cr_expect(run(&cf[k], &w, &st).ok);
    cr_expect(run(&cf[k], &dw, &sd).ok);
    cr_expect_eq(st.c[ST_QK_MACS], sd.c[ST_QK_MACS]);
    cr_expect_eq(st.c[ST_AV_MACS], sd.c[ST_AV_MACS]);
    cr_expect_eq(st.c[ST_DRAM_READ_BYTES], sd.c[ST_DRAM_READ_BYTES]);
    st_free(&st), st_free(&sd);
  }
}

/* The program of query 4 of segments [1, 3, 2] (segment 0 global, no
 * query_last, not causal, blocks of 4), K/V streamed in 2-row chunks (4-row
 * buffers): it sees [0, 1) and [4, 6): blocks 0 and 1, nk = 3, tot = 6.
 *   LDQ; LDK rows 0-1, QK [0,1) -> s+0, QK [1,2) -> s+3 (masked);
 *   LDK rows 2-3, QK [2,4) -> s+4 (masked); LDK rows 4-5, QK [4,6) -> s+1;
 *   SMAX s, 3; LDV 0-1, AV [0,1) s+0 (first); LDV 2-3 (no AV);
 *   LDV 4-5, AV [4,6) s+1 (ACC); STO. */
Test(blockrank, compiler_output_pinned_for_a_tiny_shape) {
  static const struct { uint8_t op; int rows, krow_off, soff, flags; } want[] = {
    {OP_LDQ, 1, 0, 0, 0},
    {OP_LDK, 2, 0, 0, 0}, {OP_QK, 1, 0, 0, 0}, {OP_QK, 1, 1, 3, 0},
    {OP_LDK, 2, 0, 0, 0}, {OP_QK, 2, 0, 4, 0},
    {OP_LDK, 2, 0, 0, 0}, {OP_QK, 2, 0, 1, 0},
    {OP_SMAX, 3, 0, 0, 0},
    {OP_LDV, 2, 0, 0, 0}, {OP_AV, 1, 0, 0, 0},
    {OP_LDV, 2, 0, 0, 0},
    {OP_LDV, 2, 0, 0, 0}, {OP_AV, 2, 0, 1, ISA_ACC},
    {OP_STO, 0, 0, 0, 0},
  };
  cfg_t c;
  wl_t w;
  FILE *f = tmpfile();
  trace_reader_t tr;
  insn_t in, got[64];
  err_t e;
  lay_t lay;
  int n = 0, ldq = 0, rc, i, kr = -1, s0 = -1, r0 = 0;
  wl_defaults(&w);
  w.kind = WL_BLOCKRANK, w.layers = 1, w.heads = 1, w.head_dim = D;
  w.tokens[0] = 6, w.causal = false;
  w.br_nseg = 3, w.br_seg[0] = 1, w.br_seg[1] = 3, w.br_seg[2] = 2;
  w.br_nglobal = 1, w.br_global[0] = 0, w.br_query_last = false;
  w.br_block = 4;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cfg_defaults(&c);
  c.key_buffer_bytes = c.value_buffer_bytes = 4 * ROW;
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  cr_assert_eq(lay_init(&lay, &c, &w, "cfg", &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  while ((rc = trr_next(&tr, &in, &e)) == 1) {
    ldq += in.op == OP_LDQ;
    if (ldq == 5 && n < 64) got[n++] = in; /* query 4's instructions */
    if (ldq == 5 && in.op == OP_STO) ldq++;
  }
  cr_assert_eq(rc, 0, "%s", e.msg);
  fclose(f);
  cr_assert_eq(n, (int)(sizeof want / sizeof want[0]));
  for (i = 0; i < n; i++) if (got[i].op == OP_SMAX) s0 = got[i].a;
  for (i = 0; i < n; i++) {
    cr_expect_eq(got[i].op, want[i].op, "instruction %d", i);
    switch (got[i].op) {
    case OP_LDK: case OP_LDV:
      kr = got[i].a;
      cr_expect_eq(got[i].b, want[i].rows, "instruction %d", i);
      cr_expect_eq(got[i].addr, lay_addr(&lay, got[i].op == OP_LDK ? LAY_K : LAY_V,
                                         0, 0, 0, r0), "instruction %d", i);
      r0 = (r0 + 2) % 6;
      break;
    case OP_QK: case OP_AV:
      cr_expect_eq(got[i].b, kr + want[i].krow_off, "instruction %d", i);
      cr_expect_eq(got[i].c, want[i].rows, "instruction %d", i);
      cr_expect_eq(got[i].e, s0 + want[i].soff, "instruction %d", i);
      if (got[i].op == OP_AV) cr_expect_eq(got[i].d, want[i].flags);
      break;
    case OP_SMAX:
      cr_expect_eq(got[i].b, want[i].rows);
      break;
    default:
      break;
    }
  }
}

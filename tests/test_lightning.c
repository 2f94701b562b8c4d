/* Lightning Attention-2 (docs/lightning.md), causal prefill and decode:
 * the compiler's program for a tiny shape against a sequence derived by
 * hand, the simulator against the golden model over seeds, shapes and
 * blocks, MACs and DRAM bytes against closed forms derived here, the
 * golden model against a double-precision reference of the recurrence,
 * and one-token cases worked by hand; decode's DRAM bytes per step the
 * same at two context lengths. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "lightning.h"
#include "ltfixed.h"
#include "testutil.h"
#include "simrun.h"

/* One prefill case of n tokens, one decay for every head. */
static wl_t lt_wl(int layers, int heads, int d, int n, int block, double lam) {
  wl_t w;
  wl_defaults(&w);
  w.kind = WL_LIGHTNING;
  w.layers = layers, w.heads = heads, w.head_dim = d;
  w.phase = WL_PREFILL, w.causal = true;
  w.ncases = 1, w.tokens[0] = n;
  w.lt_block = block;
  w.lt_decay[0] = lam, w.lt_ndecay = 1;
  w.std = 0.25, w.salience = 0; /* few outputs saturate (docs/lightning.md) */
  return w;
}

/* The default chip with room for a d x d state (d + 1 output rows). */
static cfg_t lt_cfg(int d) {
  cfg_t c;
  cfg_defaults(&c);
  c.output_buffer_bytes = (int64_t)4 * d * (d + 8);
  return c;
}

/* Closed forms per (case, layer, head), N tokens in blocks of B (n_t rows
 * in block t, nb blocks), d = head_dim:
 *   Q x K  = d sum_t n_t (n_t + 1) / 2          (intra: keys 0..i)
 *   P x V  = d sum_t n_t (n_t + 1) / 2          (intra AV)
 *          + (N - n_0) (d^2 + d)                (SAPP, blocks t >= 1)
 *          + sum_{t < nb-1} n_t d^2 + (nb - 2) d^2 [nb >= 2]  (SUPD and its
 *            decay pass, not on the first block)
 * DRAM: read 3 N row_bytes (Q, K, V once), write N row_bytes (O). */
typedef struct cf { uint64_t qk, av, rd, wr; } cf_t;
static cf_t closed(const wl_t *w, int width) {
  cf_t m = {0, 0, 0, 0};
  uint64_t d = (uint64_t)w->head_dim, rb = (d * (uint64_t)width + 7) / 8;
  uint64_t heads = (uint64_t)w->layers * (uint64_t)w->heads;
  for (int cs = 0; cs < w->ncases; cs++) {
    uint64_t N = (uint64_t)w->tokens[cs], B = (uint64_t)w->lt_block;
    uint64_t nb = (N + B - 1) / B, tri = 0, upd = 0, n0 = N < B ? N : B;
    for (uint64_t t = 0; t < nb; t++) {
      uint64_t n = N - t * B < B ? N - t * B : B;
      tri += n * (n + 1) / 2;
      if (t + 1 < nb) upd += n * d * d + (t > 0 ? d * d : 0);
    }
    m.qk += heads * d * tri;
    m.av += heads * (d * tri + (N - n0) * (d * d + d) + upd);
    m.rd += heads * 3 * N * rb;
    m.wr += heads * N * rb;
  }
  return m;
}

static void expect_closed(const stats_t *st, const wl_t *w, int width,
                          const char *what) {
  cf_t m = closed(w, width);
  cr_expect_eq(st->c[ST_QK_MACS], m.qk, "%s: Q x K %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_QK_MACS], (unsigned long long)m.qk);
  cr_expect_eq(st->c[ST_AV_MACS], m.av, "%s: P x V %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_AV_MACS], (unsigned long long)m.av);
  cr_expect_eq(st->c[ST_DRAM_READ_BYTES], m.rd, "%s: read %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_DRAM_READ_BYTES], (unsigned long long)m.rd);
  cr_expect_eq(st->c[ST_DRAM_WRITE_BYTES], m.wr, "%s: written", what);
}

Test(lightning, simulator_equals_golden_over_seeds_shapes_blocks) {
  struct { int layers, heads, d, n, block; double lam; } sh[] = {
    {1, 2, 16, 20, 8, 0.9}, {2, 1, 8, 1, 4, 0.5}, {1, 1, 16, 33, 1, 0.99},
    {1, 3, 8, 17, 16, 1.0}, {1, 1, 32, 40, 40, 0.75}, {2, 2, 16, 24, 7, 0.96875},
  };
  for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++)
    for (uint64_t seed = 1; seed <= 3; seed++) {
      wl_t w = lt_wl(sh[i].layers, sh[i].heads, sh[i].d, sh[i].n, sh[i].block,
                     sh[i].lam);
      cfg_t c = lt_cfg(sh[i].d);
      stats_t st;
      chk_t r;
      err_t e;
      w.seed = seed;
      if (i == 3) { /* a per-head decay list */
        w.lt_ndecay = 3, w.lt_decay[1] = 0.6, w.lt_decay[2] = 0.001;
      }
      cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
      st_init(&st);
      r = run_at(&c, &w, &st, NULL, NULL);
      cr_expect(r.ok, "shape %zu seed %d: %s", i, (int)seed, r.msg);
      cr_expect_eq(r.compared, (uint64_t)(sh[i].layers * sh[i].heads * sh[i].n * sh[i].d));
      expect_closed(&st, &w, c.width, "shape");
      st_free(&st);
    }
}

/* The same on a 16-bit datapath with F = 10, P = 12 (configs/llm.yaml's
 * arithmetic: F - P < 0, SAPP shifts left). */
Test(lightning, wide_datapath_is_bit_exact) {
  wl_t w = lt_wl(1, 2, 16, 30, 8, 0.9);
  cfg_t c = lt_cfg(16);
  stats_t st;
  chk_t r;
  err_t e;
  c.width = 16, c.frac_bits = 10, c.prob_bits = 12;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  expect_closed(&st, &w, 16, "16-bit");
  st_free(&st);
}

/* --check names a corrupted element. */
Test(lightning, check_names_a_corrupted_element) {
  wl_t w = lt_wl(1, 2, 16, 20, 8, 0.9);
  cfg_t c = lt_cfg(16);
  stats_t st;
  chk_t r;
  err_t e;
  lay_loc_t at = {LAY_O, 0, 0, 1, 13};
  int16_t was;
  char want[256];
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, &at, &was);
  snprintf(want, sizeof want, "mismatch at case 0 layer 0 head 1 query 13 "
           "element 1: simulator %d, golden %d (Lightning Attention-2)",
           was ^ 1, was);
  cr_expect(!r.ok);
  cr_expect_eq(r.mismatches, 1);
  cr_expect_str_eq(r.msg, want);
  st_free(&st);
}

/* The program of 1 layer, 1 head, 5 tokens in blocks of 2 (blocks of 2,
 * 2 and 1 rows), written out by hand: per block LDK, LDV; per query LDQ,
 * QK, DMASK, AV, SAPP (blocks 1, 2), STO; SUPD after blocks 0 (FIRST) and
 * 1. State rows: OBUF's last d; output rows from 0. */
Test(lightning, program_matches_hand_derived_sequence) {
  wl_t w = lt_wl(1, 1, 16, 5, 2, 0.5);
  cfg_t c = lt_cfg(16);
  int srow = (int)(c.output_buffer_bytes / (4 * 16)) - 16;
  uint64_t lam = 32768;
  struct { uint8_t op; int a, b, c, d, e; } want[] = {
    {OP_LAYER, 0, 0, 0, 0, 0},
    {OP_LDK, 0, 2, 0, 0, 0}, {OP_LDV, 0, 2, 0, 0, 0},
    {OP_LDQ, 0, 1, 0, 0, 0}, {OP_QK, 0, 0, 1, 0, 0}, {OP_DMASK, 0, 1, 0, 0, 0},
    {OP_AV, 0, 0, 1, 0, 0}, {OP_STO, 0, 0, 0, 0, 0},
    {OP_LDQ, 1, 1, 0, 0, 0}, {OP_QK, 1, 0, 2, 0, 1}, {OP_DMASK, 1, 2, 0, 0, 0},
    {OP_AV, 1, 0, 2, 0, 1}, {OP_STO, 1, 0, 0, 0, 0},
    {OP_SUPD, srow, 0, 0, ISA_FIRST, 2},
    {OP_LDK, 2, 2, 0, 0, 0}, {OP_LDV, 2, 2, 0, 0, 0},
    {OP_LDQ, 2, 1, 0, 0, 0}, {OP_QK, 2, 2, 1, 0, 3}, {OP_DMASK, 3, 1, 0, 0, 0},
    {OP_AV, 2, 2, 1, 0, 3}, {OP_SAPP, 2, 2, srow, 0, 1}, {OP_STO, 2, 0, 0, 0, 0},
    {OP_LDQ, 3, 1, 0, 0, 0}, {OP_QK, 3, 2, 2, 0, 4}, {OP_DMASK, 4, 2, 0, 0, 0},
    {OP_AV, 3, 2, 2, 0, 4}, {OP_SAPP, 3, 3, srow, 0, 2}, {OP_STO, 3, 0, 0, 0, 0},
    {OP_SUPD, srow, 2, 2, 0, 2},
    {OP_LDK, 4, 1, 0, 0, 0}, {OP_LDV, 4, 1, 0, 0, 0},
    {OP_LDQ, 4, 1, 0, 0, 0}, {OP_QK, 4, 4, 1, 0, 6}, {OP_DMASK, 6, 1, 0, 0, 0},
    {OP_AV, 4, 4, 1, 0, 6}, {OP_SAPP, 4, 4, srow, 0, 1}, {OP_STO, 4, 0, 0, 0, 0},
  };
  size_t n = sizeof want / sizeof want[0], i = 0;
  FILE *f = tmpfile();
  trace_reader_t tr;
  insn_t in;
  err_t e;
  int rc;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  while ((rc = trr_next(&tr, &in, &e)) == 1) {
    cr_assert(i < n, "more instructions than the %zu derived", n);
    cr_expect_eq(in.op, want[i].op, "insn %zu: op 0x%x, expected 0x%x", i, in.op, want[i].op);
    cr_expect(in.a == want[i].a && in.b == want[i].b && in.c == want[i].c &&
              in.d == want[i].d && in.e == want[i].e,
              "insn %zu (%s): a=%d b=%d c=%d d=%d e=%d", i,
              isa_lookup(in.op)->name, in.a, in.b, in.c, in.d, in.e);
    if (in.op == OP_DMASK || in.op == OP_SAPP || in.op == OP_SUPD)
      cr_expect_eq(in.addr, lam, "insn %zu: lam", i);
    i++;
  }
  cr_expect_eq(rc, 0);
  cr_expect_eq(i, n, "%zu instructions, %zu derived", i, n);
  fclose(f);
}

/* The quantized inputs of head (0, l, h), rows [0, n). */
static void quant_rows(const ten_t *t, const fx_t *fx, ten_kind_t k, int l,
                       int h, int n, int d, int16_t *out) {
  float *f = malloc((size_t)n * d * sizeof *f);
  cr_assert(f);
  ten_rows(t, k, 0, l, h, 0, n, f);
  for (int i = 0; i < n * d; i++) out[i] = fx_quant(fx, f[i]);
  free(f);
}

/* One token: o = sat(rsh(rsh(s 2^16, 16 + 2F - P) v, P)), s = q . k (no
 * state, weight lambda^0 = 1), worked from the quantized rows. */
Test(lightning, one_token_by_hand) {
  wl_t w = lt_wl(1, 1, 8, 1, 4, 0.5);
  cfg_t c = lt_cfg(8);
  ten_t *t;
  err_t e;
  fx_t fx;
  int16_t q[8], k[8], v[8], out[8];
  int F = c.frac_bits, P = c.prob_bits;
  int64_t s = 0, a;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&t, &w, &e), 0, "%s", e.msg);
  fx_init(&fx, c.width, F, P, 8);
  quant_rows(t, &fx, TEN_Q, 0, 0, 1, 8, q);
  quant_rows(t, &fx, TEN_K, 0, 0, 1, 8, k);
  quant_rows(t, &fx, TEN_V, 0, 0, 1, 8, v);
  cr_assert_eq(gold_lightning(&c, &w, t, out, 1), 0);
  for (int x = 0; x < 8; x++) s += q[x] * k[x];
  /* rsh(s 2^16, 16 + 2F - P) = rsh(s, 2F - P) when 2F >= P */
  cr_assert(2 * F >= P);
  a = (2 * F - P) ? (s + ((int64_t)1 << (2 * F - P - 1))) >> (2 * F - P) : s;
  for (int y = 0; y < 8; y++) {
    int64_t acc = a * v[y], o = (acc + ((int64_t)1 << (P - 1))) >> P;
    int64_t hi = (1 << (c.width - 1)) - 1;
    o = o > hi ? hi : o < -hi - 1 ? -hi - 1 : o;
    cr_expect_eq(out[y], o, "element %d: golden %d, by hand %lld", y, out[y],
                 (long long)o);
  }
  ten_close(t);
}

/* The golden model against the recurrence in double precision on the
 * same quantized inputs, o_i = sum_{j <= i} lambda^(i-j) (q_i . k_j) v_j,
 * within a bound from the contract's roundings: each masked score to
 * 2^-(P+1) (times max|v| per key), each state element to 2^-(F+1) per
 * update (times sum|q|), lambda to 2^-17 relative per power (n powers:
 * n 2^-16 relative on every term), the output to 2^-(F+1). The block size
 * must not matter beyond that bound. */
Test(lightning, golden_follows_the_recurrence_in_double) {
  int d = 16, N = 48, F, P;
  int blocks[] = {1, 5, 16, 48};
  double lams[] = {0.9, 0.99};
  wl_t w = lt_wl(1, 1, d, N, 1, 0.9);
  cfg_t c = lt_cfg(d);
  ten_t *t;
  err_t e;
  fx_t fx;
  int16_t *q = malloc((size_t)N * d * 2), *k = malloc((size_t)N * d * 2);
  int16_t *v = malloc((size_t)N * d * 2), *out = malloc((size_t)N * d * 2);
  w.std = 1.0; /* large terms: a wrong power of lambda shows far above the bound */
  c.width = 16, c.frac_bits = 8, c.prob_bits = 12; /* F - P < 0 */
  F = c.frac_bits, P = c.prob_bits;
  cr_assert(q && k && v && out);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&t, &w, &e), 0, "%s", e.msg);
  fx_init(&fx, c.width, F, P, d);
  quant_rows(t, &fx, TEN_Q, 0, 0, N, d, q);
  quant_rows(t, &fx, TEN_K, 0, 0, N, d, k);
  quant_rows(t, &fx, TEN_V, 0, 0, N, d, v);
  for (size_t li = 0; li < 2; li++)
    for (size_t bi = 0; bi < 4; bi++) {
      double lam = lams[li], worst = 0, sf = ldexp(1, -F), nz = 0, cnt = 0;
      w.lt_block = blocks[bi], w.lt_decay[0] = lam;
      cr_assert_eq(gold_lightning(&c, &w, t, out, (size_t)N), 0);
      for (int i = 0; i < N; i++) {
        double qn = 0, vmax = 0;
        for (int x = 0; x < d; x++) qn += fabs(q[i * d + x] * sf);
        for (int j = 0; j <= i; j++)
          for (int y = 0; y < d; y++)
            if (fabs(v[j * d + y] * sf) > vmax) vmax = fabs(v[j * d + y] * sf);
        for (int y = 0; y < d; y++) {
          double ref = 0, mag = 0, tol;
          for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int x = 0; x < d; x++) s += q[i * d + x] * sf * k[j * d + x] * sf;
            ref += pow(lam, i - j) * s * v[j * d + y] * sf;
            mag += fabs(s * v[j * d + y] * sf);
          }
          tol = (i + 1) * ldexp(1, -(P + 1)) * vmax + (i + 1) * qn * ldexp(1, -(F + 1)) +
                mag * (i + 1) * ldexp(1, -15) + ldexp(1, -F);
          if (fabs(ref) + tol >= ldexp(1, 15 - F)) continue; /* saturates */
          if (fabs(out[i * d + y] * sf - ref) / tol > worst)
            worst = fabs(out[i * d + y] * sf - ref) / tol;
          nz += out[i * d + y] != 0, cnt++;
        }
      }
      cr_expect(worst <= 1.0, "lambda %g block %d: error %.3g of the bound", lam,
                blocks[bi], worst);
      cr_expect(nz > N * d / 2 && cnt > N * d / 2, "lambda %g block %d: outputs mostly zero or saturated", lam,
                blocks[bi]);
    }
  ten_close(t);
  free(q), free(k), free(v), free(out);
}

/* The state must fit OBUF: a located error naming buffers.output_bytes. */
Test(lightning, state_too_large_for_obuf_is_refused) {
  wl_t w = lt_wl(1, 1, 64, 8, 4, 0.9);
  cfg_t c;
  err_t e;
  FILE *f = tmpfile();
  cfg_defaults(&c); /* 4096 B: 16 rows of 64 accumulators */
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_expect_eq(comp_compile(&c, &w, "cfg.yaml", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "buffers.output_bytes") != NULL, "%s", e.msg);
  cr_expect(strstr(e.msg, "expected at least head_dim + 1 = 65") != NULL, "%s", e.msg);
  fclose(f);
}

/* Compile and simulate; timing: without computing values. */
static void sim_stats(const cfg_t *c, const wl_t *w, bool timing, stats_t *st) {
  FILE *f = tmpfile();
  trace_reader_t tr;
  ten_t *ten;
  sim_t *s;
  err_t e;
  cr_assert_eq(comp_compile(c, w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&ten, &tr.hdr.wl, &e), 0, "%s", e.msg);
  s = sim_new(c, &tr.hdr.wl, ten, "cfg", &e);
  cr_assert(s, "%s", e.msg);
  if (timing) sim_timing_only(s);
  cr_assert_eq(sim_run(s, &tr, st, &e), 0, "%s", e.msg);
  sim_free(s);
  ten_close(ten);
  fclose(f);
}

/* --timing-only computes no value: every counter but the saturation count
 * (which needs the values) equals the data run's. */
Test(lightning, timing_only_counts_as_the_data_run) {
  wl_t w = lt_wl(2, 2, 16, 40, 8, 0.9);
  cfg_t c = lt_cfg(16);
  stats_t a, b;
  err_t e;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&a);
  st_init(&b);
  sim_stats(&c, &w, false, &a);
  sim_stats(&c, &w, true, &b);
  for (int i = 0; i < ST_COUNT; i++)
    if (i != ST_SATURATED) cr_expect_eq(a.c[i], b.c[i], "counter %s: data %llu, timing-only %llu",
                 stat_info[i].path, (unsigned long long)a.c[i],
                 (unsigned long long)b.c[i]);
  cr_expect_gt(a.c[ST_CYCLES], 0);
  st_free(&a);
  st_free(&b);
}

/* ---- decode (docs/lightning.md, "Decode") ------------------------------ */

/* One sequence: a prompt of P tokens, T generated. */
static wl_t ltd_wl(int layers, int heads, int d, int P, int T, double lam) {
  wl_t w = lt_wl(layers, heads, d, 1, 4, lam);
  w.phase = WL_DECODE, w.causal = false;
  w.batch = 1, w.prompts[0] = P, w.nprompts = 1, w.generate = T;
  return w;
}

/* Closed forms per step and (layer, head), derived from the lowering
 * (LDQ, LDK, LDV one row each; LDS, STS the d x d state at 32 bits; STO
 * one row), row = ceil(d W / 8):
 *   P x V MACs = d^2 (SUPD's decay pass) + d^2 (the rank-1 update k^T v)
 *              + d^2 + d (SAPP: q S, then its rescale per element)
 *   Q x K MACs = 0
 *   DRAM read  = 3 row + 4 d^2 (q, k, v; the state)
 *   written    = row + 4 d^2   (o; the state)
 * none of which depends on the prompt's length. */
static void expect_decode_closed(const stats_t *st, const wl_t *w, int width,
                                 const char *what) {
  uint64_t d = (uint64_t)w->head_dim, rb = (d * (uint64_t)width + 7) / 8;
  uint64_t n = (uint64_t)w->generate * (uint64_t)w->layers * (uint64_t)w->heads;
  cr_expect_eq(st->c[ST_QK_MACS], 0, "%s: Q x K", what);
  cr_expect_eq(st->c[ST_AV_MACS], n * (3 * d * d + d), "%s: P x V %llu, closed form %llu",
               what, (unsigned long long)st->c[ST_AV_MACS],
               (unsigned long long)(n * (3 * d * d + d)));
  cr_expect_eq(st->c[ST_DRAM_READ_BYTES], n * (3 * rb + 4 * d * d),
               "%s: read %llu, closed form %llu", what,
               (unsigned long long)st->c[ST_DRAM_READ_BYTES],
               (unsigned long long)(n * (3 * rb + 4 * d * d)));
  cr_expect_eq(st->c[ST_DRAM_WRITE_BYTES], n * (rb + 4 * d * d),
               "%s: written %llu, closed form %llu", what,
               (unsigned long long)st->c[ST_DRAM_WRITE_BYTES],
               (unsigned long long)(n * (rb + 4 * d * d)));
}

Test(lightning, decode_simulator_equals_golden_over_seeds_shapes) {
  struct { int layers, heads, d, P, T; double lam; } sh[] = {
    {1, 2, 16, 20, 3, 0.9}, {2, 1, 8, 0, 4, 0.5}, {1, 1, 16, 1, 1, 1.0},
    {1, 3, 8, 37, 5, 0.99}, {2, 2, 32, 64, 2, 0.75}, {1, 1, 16, 300, 6, 0.96875},
  };
  for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++)
    for (uint64_t seed = 1; seed <= 3; seed++) {
      wl_t w = ltd_wl(sh[i].layers, sh[i].heads, sh[i].d, sh[i].P, sh[i].T,
                      sh[i].lam);
      cfg_t c = lt_cfg(sh[i].d);
      stats_t st;
      chk_t r;
      err_t e;
      w.seed = seed;
      if (i == 3) { /* a per-head decay list */
        w.lt_ndecay = 3, w.lt_decay[1] = 0.6, w.lt_decay[2] = 0.001;
      }
      if (i == 5) c.width = 16, c.frac_bits = 10, c.prob_bits = 12; /* F < P */
      cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
      st_init(&st);
      r = run_at(&c, &w, &st, NULL, NULL);
      cr_expect(r.ok, "shape %zu seed %d: %s", i, (int)seed, r.msg);
      cr_expect_eq(r.compared, (uint64_t)(sh[i].layers * sh[i].heads * sh[i].T * sh[i].d));
      expect_decode_closed(&st, &w, c.width, "decode");
      st_free(&st);
    }
}

/* The point of the mechanism: a step moves the same DRAM bytes (and
 * MACs) after a prompt of 8 tokens as after one of 2,000. */
Test(lightning, decode_traffic_does_not_grow_with_the_context) {
  wl_t a = ltd_wl(1, 2, 16, 8, 3, 0.9), b = ltd_wl(1, 2, 16, 2000, 3, 0.9);
  cfg_t c = lt_cfg(16);
  stats_t sa, sb;
  chk_t r;
  err_t e;
  cr_assert_eq(wl_validate(&a, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(wl_validate(&b, "test", &e), 0, "%s", e.msg);
  st_init(&sa);
  st_init(&sb);
  r = run_at(&c, &a, &sa, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  r = run_at(&c, &b, &sb, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(sa.c[ST_DRAM_READ_BYTES], sb.c[ST_DRAM_READ_BYTES]);
  cr_expect_eq(sa.c[ST_DRAM_WRITE_BYTES], sb.c[ST_DRAM_WRITE_BYTES]);
  cr_expect_eq(sa.c[ST_AV_MACS], sb.c[ST_AV_MACS]);
  expect_decode_closed(&sa, &a, c.width, "P = 8");
  expect_decode_closed(&sb, &b, c.width, "P = 2000");
  st_free(&sa);
  st_free(&sb);
}

/* The program of 1 layer, 2 heads, 2 steps after a prompt of 3, written
 * out by hand: per step a LAYER, per head LDQ, LDK (KN), LDV (VN) of
 * position 3 + t, LDS, SUPD (one row, not FIRST), SAPP FIRST (n = 0),
 * STO of output row t, STS; the state in OBUF's last d rows. */
Test(lightning, decode_program_matches_hand_derived_sequence) {
  wl_t w = ltd_wl(1, 2, 16, 3, 2, 0.5);
  cfg_t c = lt_cfg(16);
  int srow = (int)(c.output_buffer_bytes / (4 * 16)) - 16;
  struct { uint8_t op; int a, b, c, d, e; lay_tensor_t t; int h, row; } want[] = {
    {OP_LAYER, 0, 0, 0, 0, 0, LAY_TENSORS, 0, 0},
    {OP_LDQ, 0, 1, 0, 0, 0, LAY_Q, 0, 3}, {OP_LDK, 0, 1, 0, 0, 0, LAY_KN, 0, 3},
    {OP_LDV, 0, 1, 0, 0, 0, LAY_VN, 0, 3}, {OP_LDS, srow, 0, 0, 0, 0, LAY_LS, 0, 0},
    {OP_SUPD, srow, 0, 0, 0, 1, LAY_TENSORS, 0, 0},
    {OP_SAPP, 0, 0, srow, ISA_FIRST, 0, LAY_TENSORS, 0, 0},
    {OP_STO, 0, 0, 0, 0, 0, LAY_O, 0, 0}, {OP_STS, srow, 0, 0, 0, 0, LAY_LS, 0, 0},
    {OP_LDQ, 1, 1, 0, 0, 0, LAY_Q, 1, 3}, {OP_LDK, 1, 1, 0, 0, 0, LAY_KN, 1, 3},
    {OP_LDV, 1, 1, 0, 0, 0, LAY_VN, 1, 3}, {OP_LDS, srow, 0, 0, 0, 0, LAY_LS, 1, 0},
    {OP_SUPD, srow, 1, 1, 0, 1, LAY_TENSORS, 0, 0},
    {OP_SAPP, 1, 1, srow, ISA_FIRST, 0, LAY_TENSORS, 0, 0},
    {OP_STO, 1, 0, 0, 0, 0, LAY_O, 1, 0}, {OP_STS, srow, 0, 0, 0, 0, LAY_LS, 1, 0},
    {OP_LAYER, 0, 0, 0, 0, 0, LAY_TENSORS, 0, 0},
    {OP_LDQ, 2, 1, 0, 0, 0, LAY_Q, 0, 4}, {OP_LDK, 2, 1, 0, 0, 0, LAY_KN, 0, 4},
    {OP_LDV, 2, 1, 0, 0, 0, LAY_VN, 0, 4}, {OP_LDS, srow, 0, 0, 0, 0, LAY_LS, 0, 0},
    {OP_SUPD, srow, 2, 2, 0, 1, LAY_TENSORS, 0, 0},
    {OP_SAPP, 2, 2, srow, ISA_FIRST, 0, LAY_TENSORS, 0, 0},
    {OP_STO, 2, 0, 0, 0, 0, LAY_O, 0, 1}, {OP_STS, srow, 0, 0, 0, 0, LAY_LS, 0, 0},
    {OP_LDQ, 3, 1, 0, 0, 0, LAY_Q, 1, 4}, {OP_LDK, 3, 1, 0, 0, 0, LAY_KN, 1, 4},
    {OP_LDV, 3, 1, 0, 0, 0, LAY_VN, 1, 4}, {OP_LDS, srow, 0, 0, 0, 0, LAY_LS, 1, 0},
    {OP_SUPD, srow, 3, 3, 0, 1, LAY_TENSORS, 0, 0},
    {OP_SAPP, 3, 3, srow, ISA_FIRST, 0, LAY_TENSORS, 0, 0},
    {OP_STO, 3, 0, 0, 0, 0, LAY_O, 1, 1}, {OP_STS, srow, 0, 0, 0, 0, LAY_LS, 1, 0},
  };
  size_t n = sizeof want / sizeof want[0], i = 0;
  FILE *f = tmpfile();
  trace_reader_t tr;
  insn_t in;
  err_t e;
  lay_t lay;
  int rc;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(lay_init(&lay, &c, &w, "cfg", &e), 0, "%s", e.msg);
  cr_assert_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  rewind(f);
  cr_assert_eq(trr_open(&tr, f, "trace", &e), 0, "%s", e.msg);
  while ((rc = trr_next(&tr, &in, &e)) == 1) {
    cr_assert(i < n, "more instructions than the %zu derived", n);
    cr_expect_eq(in.op, want[i].op, "insn %zu: op 0x%x, expected 0x%x", i, in.op, want[i].op);
    cr_expect(in.a == want[i].a && in.b == want[i].b && in.c == want[i].c &&
              in.d == want[i].d && in.e == want[i].e,
              "insn %zu (%s): a=%d b=%d c=%d d=%d e=%d", i,
              isa_lookup(in.op)->name, in.a, in.b, in.c, in.d, in.e);
    if (want[i].t != LAY_TENSORS)
      cr_expect_eq(in.addr, lay_addr(&lay, want[i].t, 0, 0, want[i].h, want[i].row),
                   "insn %zu (%s): address", i, isa_lookup(in.op)->name);
    else if (in.op == OP_SUPD || in.op == OP_SAPP)
      cr_expect_eq(in.addr, 32768, "insn %zu: lam", i);
    i++;
  }
  cr_expect_eq(rc, 0);
  cr_expect_eq(i, n, "%zu instructions, %zu derived", i, n);
  fclose(f);
}

/* rsh(x, n) = floor(x / 2^n + 1/2), written out for the hand examples. */
static int64_t hand_rsh(int64_t x, int n) {
  return n ? (x + ((int64_t)1 << (n - 1))) >> n : x;
}

/* A prompt of one token and one step with lambda = 1/2 (lam = 2^15),
 * worked from the quantized rows: the prompt's state S1 = rsh(k0^T v0, F);
 * the step's S = rsh(S1 2^15, 16) + rsh(k1^T v1, F) (lambda S plus the
 * new token's product at F bits); o = sat(rsh(u 2^(P - F), P)), u = q1 S
 * exact (F - P <= 0 here: shift left). Checked against the golden model
 * and, through --check, the simulator. */
Test(lightning, decode_one_step_by_hand) {
  enum { D = 8 };
  wl_t w = ltd_wl(1, 1, D, 1, 1, 0.5);
  cfg_t c = lt_cfg(D);
  ten_t *t;
  err_t e;
  fx_t fx;
  stats_t st;
  chk_t r;
  int16_t q[2 * D], k[2 * D], v[2 * D], out[D];
  int64_t S[D][D];
  int F, P, hi, nz = 0;
  c.width = 16, c.frac_bits = 8, c.prob_bits = 12;
  F = c.frac_bits, P = c.prob_bits, hi = (1 << (c.width - 1)) - 1;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&t, &w, &e), 0, "%s", e.msg);
  fx_init(&fx, c.width, F, P, D);
  quant_rows(t, &fx, TEN_Q, 0, 0, 2, D, q);
  quant_rows(t, &fx, TEN_K, 0, 0, 2, D, k);
  quant_rows(t, &fx, TEN_V, 0, 0, 2, D, v);
  cr_assert_eq(gold_lightning(&c, &w, t, out, 1), 0);
  for (int x = 0; x < D; x++)
    for (int y = 0; y < D; y++)
      S[x][y] = hand_rsh(hand_rsh((int64_t)k[x] * v[y], F) * 32768, 16) +
                hand_rsh((int64_t)k[D + x] * v[D + y], F);
  for (int y = 0; y < D; y++) {
    int64_t u = 0, o;
    for (int x = 0; x < D; x++) u += q[D + x] * S[x][y];
    o = hand_rsh(u * ((int64_t)1 << (P - F)), P);
    o = o > hi ? hi : o < -hi - 1 ? -hi - 1 : o;
    cr_expect_eq(out[y], o, "element %d: golden %d, by hand %lld", y, out[y],
                 (long long)o);
    nz += o != 0 && o != hi && o != -hi - 1;
  }
  cr_expect_gt(nz, D / 2, "the example is mostly zero or saturated");
  st_init(&st);
  r = run_at(&c, &w, &st, NULL, NULL);
  cr_expect(r.ok, "%s", r.msg);
  st_free(&st);
  ten_close(t);
}

/* The decode golden model against the recurrence in double precision:
 * o_p = sum_{j <= p} lambda^(p-j) (q_p . k_j) v_j, within a bound from the
 * contract's roundings: each state element to 2^-(F+1) per token (times
 * sum |q|), lambda to 2^-17 relative per power (p powers: p 2^-16
 * relative on every term), the output to 2^-(F+1). */
Test(lightning, decode_golden_follows_the_recurrence_in_double) {
  int d = 16, P = 40, T = 8, N = P + T, F, Pb;
  wl_t w = ltd_wl(1, 1, d, P, T, 0.95);
  cfg_t c = lt_cfg(d);
  ten_t *t;
  err_t e;
  fx_t fx;
  int16_t *q = malloc((size_t)N * d * 2), *k = malloc((size_t)N * d * 2);
  int16_t *v = malloc((size_t)N * d * 2), *out = malloc((size_t)T * d * 2);
  double worst = 0, sf;
  w.std = 1.0;
  c.width = 16, c.frac_bits = 8, c.prob_bits = 12;
  F = c.frac_bits, Pb = c.prob_bits, sf = ldexp(1, -F);
  cr_assert(q && k && v && out);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_assert_eq(ten_open(&t, &w, &e), 0, "%s", e.msg);
  fx_init(&fx, c.width, F, Pb, d);
  quant_rows(t, &fx, TEN_Q, 0, 0, N, d, q);
  quant_rows(t, &fx, TEN_K, 0, 0, N, d, k);
  quant_rows(t, &fx, TEN_V, 0, 0, N, d, v);
  cr_assert_eq(gold_lightning(&c, &w, t, out, (size_t)T), 0);
  for (int s = 0; s < T; s++) {
    int p = P + s;
    double qn = 0;
    for (int x = 0; x < d; x++) qn += fabs(q[p * d + x] * sf);
    for (int y = 0; y < d; y++) {
      double ref = 0, mag = 0, tol;
      for (int j = 0; j <= p; j++) {
        double sc = 0;
        for (int x = 0; x < d; x++) sc += q[p * d + x] * sf * k[j * d + x] * sf;
        ref += pow(0.95, p - j) * sc * v[j * d + y] * sf;
        mag += fabs(sc * v[j * d + y] * sf);
      }
      tol = (p + 1) * qn * ldexp(1, -(F + 1)) + mag * (p + 1) * ldexp(1, -15) +
            ldexp(1, -F);
      if (fabs(ref) + tol >= ldexp(1, 15 - F)) continue; /* saturates */
      if (fabs(out[s * d + y] * sf - ref) / tol > worst)
        worst = fabs(out[s * d + y] * sf - ref) / tol;
    }
  }
  cr_expect(worst <= 1.0, "error %.3g of the bound", worst);
  ten_close(t);
  free(q), free(k), free(v), free(out);
}

/* --timing-only in decode: every counter but the saturation count equals
 * the data run's. */
Test(lightning, decode_timing_only_counts_as_the_data_run) {
  wl_t w = ltd_wl(2, 2, 16, 30, 3, 0.9);
  cfg_t c = lt_cfg(16);
  stats_t a, b;
  err_t e;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&a);
  st_init(&b);
  sim_stats(&c, &w, false, &a);
  sim_stats(&c, &w, true, &b);
  for (int i = 0; i < ST_COUNT; i++)
    if (i != ST_SATURATED) cr_expect_eq(a.c[i], b.c[i], "counter %s: data %llu, timing-only %llu",
                 stat_info[i].path, (unsigned long long)a.c[i],
                 (unsigned long long)b.c[i]);
  st_free(&a);
  st_free(&b);
}

/* Decode needs no block in KBUF: a block larger than the key buffer (4
 * rows here, blocks of 8) is refused in prefill only. */
Test(lightning, decode_needs_no_block_buffers) {
  wl_t w = ltd_wl(1, 1, 16, 5, 2, 0.9);
  cfg_t c = lt_cfg(16);
  FILE *f = tmpfile();
  err_t e;
  c.key_buffer_bytes = 4 * (16 * c.width / 8);
  w.lt_block = 8;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_expect_eq(comp_compile(&c, &w, "cfg", f, &e), 0, "%s", e.msg);
  w.phase = WL_PREFILL, w.causal = true, w.ncases = 1, w.tokens[0] = 8;
  rewind(f);
  cr_expect_eq(comp_compile(&c, &w, "cfg", f, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "buffers.key_bytes") != NULL, "%s", e.msg);
  fclose(f);
}

/* Mixture-of-Head attention (docs/moh.md): the compiler's program for a
 * tiny shape derived by hand, the simulator against the golden model over
 * seeds and shapes, MACs and DRAM bytes against closed forms whose routed
 * pairs the test derives from the router scores itself, and degenerate
 * routings whose outputs are dense attention's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "golden.h"
#include "mech.h"
#include "moh.h"
#include "mohroute.h"
#include "npy.h"
#include "trace.h"
#include "simrun.h"

static wl_t moh_wl(int heads, int d, int layers, int T, int shared, int topk) {
  wl_t w;
  wl_defaults(&w);
  w.kind = WL_MOH;
  w.heads = heads;
  w.head_dim = d;
  w.layers = layers;
  w.ncases = 1;
  w.tokens[0] = T;
  w.moh_shared = shared;
  w.moh_topk = topk;
  return w;
}

/* ---- the compiler, by hand -------------------------------------------- */

/* 2 heads (1 shared, top-1 of the other 1), 2 tokens, head_dim 4 at 12
 * bits (6 B rows; Q 0, K 0x100000, V 0x200000, O 0x300000, a head's block
 * 2 rows = 12 B). SBUF 16 entries: the gates take the top 2 (14, 15, one
 * per token), the scores ring the rest. Head 0 runs plainly; head 1's
 * pairs are predicated on registers 0 and 1 (flags 8 and 8 | 1 << 4). */
Test(moh, program_by_hand) {
  cfg_t c;
  wl_t w = moh_wl(2, 4, 1, 2, 1, 1);
  static const char *want[] = {
      "LAYER case=0 layer=0",
      "MRS soff=14 token=0 n=1 h0=1",
      "TOPK ioff=0 n=1 k=1 mode=3 soff=14",
      "MGATE soff=14 n=1 ioff=0 k=1",
      "MRS soff=15 token=1 n=1 h0=1",
      "TOPK ioff=1 n=1 k=1 mode=3 soff=15",
      "MGATE soff=15 n=1 ioff=1 k=1",
      "LDK krow=0 rows=2 list=0 flags=0 addr=0x100000",
      "LDV vrow=0 rows=2 list=0 flags=0 ioff=0 addr=0x200000",
      "LDQ qrow=0 rows=1 list=0 flags=0 addr=0x0",
      "QK qrow=0 krow=0 rows=2 flags=0 soff=0",
      "SMAX soff=0 len=2 list=0 flags=0 thr16=0",
      "AV orow=0 vrow=0 rows=2 flags=0 soff=0 sel=0x0",
      "STO orow=0 head=0 list=0 flags=0 addr=0x300000",
      "LDQ qrow=1 rows=1 list=0 flags=0 addr=0x6",
      "QK qrow=1 krow=0 rows=2 flags=0 soff=2",
      "SMAX soff=2 len=2 list=0 flags=0 thr16=0",
      "AV orow=1 vrow=0 rows=2 flags=0 soff=2 sel=0x0",
      "STO orow=1 head=0 list=0 flags=0 addr=0x300006",
      "LDK krow=2 rows=2 list=0 flags=0 addr=0x10000c",
      "LDV vrow=2 rows=2 list=0 flags=0 ioff=0 addr=0x20000c",
      "MPRED preg=0 soff=14",
      "LDQ qrow=2 rows=1 list=0 flags=8 addr=0xc",
      "QK qrow=2 krow=2 rows=2 flags=8 soff=4",
      "SMAX soff=4 len=2 list=0 flags=8 thr16=0",
      "AV orow=2 vrow=2 rows=2 flags=8 soff=4 sel=0x0",
      "MSCL orow=2 flags=8 soff=14",
      "STO orow=2 head=0 list=0 flags=8 addr=0x30000c",
      "MPRED preg=1 soff=15",
      "LDQ qrow=3 rows=1 list=0 flags=24 addr=0x12",
      "QK qrow=3 krow=2 rows=2 flags=24 soff=6",
      "SMAX soff=6 len=2 list=0 flags=24 thr16=0",
      "AV orow=3 vrow=2 rows=2 flags=24 soff=6 sel=0x0",
      "MSCL orow=3 flags=24 soff=15",
      "STO orow=3 head=0 list=0 flags=24 addr=0x300012",
  };
  int n = (int)(sizeof want / sizeof want[0]), i = 0, r;
  FILE *f = tmpfile();
  trace_reader_t tr;
  err_t e;
  insn_t in;
  char line[160];
  cfg_defaults(&c);
  c.width = 12;
  c.query_buffer_bytes = 64;
  c.key_buffer_bytes = 64;
  c.value_buffer_bytes = 64;
  c.output_buffer_bytes = 64;
  c.score_buffer_entries = 16;
  c.chunk_rows = 2;
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
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

/* ---- closed forms ------------------------------------------------------- */

/* Routed heads of token t (1 = runs), ranked here from the router scores:
 * score descending, then head ascending; shared heads always run. */
static void routed(const wl_t *w, int frac, int cs, int l, int t, int *run) {
  int S = w->moh_shared, R = w->heads - S;
  int64_t s[64];
  for (int h = 0; h < w->heads; h++) run[h] = h < S;
  for (int i = 0; i < R; i++) s[i] = moh_score(w->seed, cs, l, t, S + i, frac);
  for (int i = 0; w->moh_topk && i < R; i++) {
    int better = 0;
    for (int j = 0; j < R; j++) better += s[j] > s[i] || (s[j] == s[i] && j < i);
    run[S + i] = better < w->moh_topk;
  }
}

/* MACs: per routed pair (t, h) Q x K and P x V nk d each (nk: t's keys),
 * plus d for the gate's scaling when h is not shared. DRAM: Q and O rows
 * of routed pairs, K and V rows of every head (row: d x width / 8 B). */
static void expect_closed_forms(const cfg_t *c, const wl_t *w,
                                const stats_t *st) {
  uint64_t qk = 0, av = 0, pairs = 0, kv = 0, row = (uint64_t)w->head_dim * (uint64_t)c->width / 8;
  int run[64];
  for (int cs = 0; cs < w->ncases; cs++)
    for (int l = 0; l < w->layers; l++) {
      int T = w->tokens[cs];
      for (int h = 0; h < w->heads; h++)
        kv += (h < w->moh_shared || w->moh_topk) ? (uint64_t)T : 0;
      for (int t = 0; t < T; t++) {
        uint64_t nk = (uint64_t)(w->causal ? t + 1 : T);
        routed(w, c->frac_bits, cs, l, t, run);
        for (int h = 0; h < w->heads; h++) {
          if (!run[h]) continue;
          pairs++;
          qk += nk * (uint64_t)w->head_dim;
          av += nk * (uint64_t)w->head_dim + (h >= w->moh_shared ? (uint64_t)w->head_dim : 0);
        }
      }
    }
  cr_expect_eq(st->c[ST_QK_MACS], qk, "Q x K MACs %llu, closed form %llu",
               (unsigned long long)st->c[ST_QK_MACS], (unsigned long long)qk);
  cr_expect_eq(st->c[ST_AV_MACS], av, "P x V MACs %llu, closed form %llu",
               (unsigned long long)st->c[ST_AV_MACS], (unsigned long long)av);
  cr_expect_eq(st->c[ST_QUERIES], pairs);
  cr_expect_eq(st->c[ST_DRAM_QUERY_BYTES], pairs * row);
  cr_expect_eq(st->c[ST_DRAM_KEY_MSB_BYTES], kv * row);
  cr_expect_eq(st->c[ST_DRAM_VALUE_BYTES], kv * row);
  cr_expect_eq(st->c[ST_DRAM_READ_BYTES], (pairs + 2 * kv) * row);
  cr_expect_eq(st->c[ST_DRAM_WRITE_BYTES], pairs * row);
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  return run_at(c, w, st, NULL, NULL);
}

/* Simulator against golden over seeds, shapes, causal masks, two cases and
 * small buffers; decisions one per token and layer when any head routes. */
Test(moh, simulator_equals_golden_over_seeds) {
  struct { int H, d, L, T, S, k, causal; } sh[] = {
    {4, 8, 2, 13, 1, 2, 0}, {6, 8, 1, 20, 0, 3, 1}, {5, 16, 2, 9, 2, 3, 0},
    {3, 8, 1, 7, 0, 1, 0},  {4, 8, 1, 11, 4, 0, 1},
  };
  cfg_t cf[2];
  cfg_defaults(&cf[0]);
  cfg_defaults(&cf[1]);
  cf[1].chunk_rows = 4;
  cf[1].topk_parallelism = 2;
  for (size_t i = 0; i < sizeof sh / sizeof sh[0]; i++)
    for (uint64_t seed = 1; seed <= 3; seed++)
      for (int k = 0; k < 2; k++) {
        wl_t w = moh_wl(sh[i].H, sh[i].d, sh[i].L, sh[i].T, sh[i].S, sh[i].k);
        stats_t st;
        chk_t r;
        err_t e;
        w.seed = seed;
        w.causal = sh[i].causal;
        if (k) w.ncases = 2, w.tokens[1] = sh[i].T + 3;
        cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
        st_init(&st);
        r = run(&cf[k], &w, &st);
        cr_expect(r.ok, "shape %zu seed %d config %d: %s", i, (int)seed, k, r.msg);
        cr_expect_eq(r.decisions, sh[i].k ? (uint64_t)sh[i].L *
                     (uint64_t)(sh[i].T + (k ? sh[i].T + 3 : 0)) : 0);
        expect_closed_forms(&cf[k], &w, &st);
        st_free(&st);
      }
}

/* --check names a corrupted output by case, layer, head, token, element. */
Test(moh, check_names_a_corrupted_element) {
  cfg_t c;
  wl_t w = moh_wl(4, 8, 2, 10, 1, 2);
  stats_t st;
  chk_t r;
  err_t e;
  lay_loc_t at = {LAY_O, 0, 1, 0, 7}; /* head 0 is shared: always stored */
  int16_t was;
  char want[256];
  cfg_defaults(&c);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  st_init(&st);
  r = run_at(&c, &w, &st, &at, &was);
  snprintf(want, sizeof want, "mismatch at case 0 layer 1 head 0 token 7 "
           "element 1: simulator %d, golden %d (MoH)", was ^ 1, was);
  cr_expect(!r.ok);
  cr_expect_eq(r.mismatches, 1);
  cr_expect_str_eq(r.msg, want);
  st_free(&st);
}

/* By hand: with every head shared (topk 0), or with a single routed head
 * picked by every token (top-1 of 1: its gate is e / e = 2^16, the
 * identity of fx_rescale), MoH is dense attention: the golden model's
 * outputs equal gold_head_fixed's, and the simulator's equal the golden
 * model's. The MACs are dense's (+ d per routed pair for the scaling). */
Test(moh, all_heads_run_equals_dense) {
  struct { int S, k; } cases[] = {{3, 0}, {2, 1}};
  cfg_t c;
  cfg_defaults(&c);
  for (int i = 0; i < 2; i++) {
    wl_t w = moh_wl(3, 8, 2, 12, cases[i].S, cases[i].k);
    ten_t *t;
    err_t e;
    fx_t fx;
    size_t maxq = 12, blk = maxq * 8;
    int16_t *gold = calloc(2 * 3 * blk, sizeof *gold), dense[12 * 8];
    stats_t st;
    chk_t r;
    w.seed = 5;
    cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
    cr_assert_eq(ten_open(&t, &w, &e), 0, "%s", e.msg);
    fx_init(&fx, c.width, c.frac_bits, c.prob_bits, 8);
    cr_assert_eq(gold_moh(&c, &w, t, gold, maxq, NULL), 0);
    for (int l = 0; l < 2; l++)
      for (int h = 0; h < 3; h++) {
        gold_head_fixed(&fx, &w, t, 0, l, h, dense);
        cr_expect_eq(memcmp(dense, gold + (size_t)(l * 3 + h) * blk, sizeof dense), 0,
                     "case %d layer %d head %d differs from dense", i, l, h);
      }
    ten_close(t);
    free(gold);
    st_init(&st);
    r = run(&c, &w, &st);
    cr_expect(r.ok, "%s", r.msg);
    cr_expect_eq(st.c[ST_QK_MACS], 2ull * 3 * 12 * 12 * 8);
    cr_expect_eq(st.c[ST_AV_MACS], 2ull * 3 * 12 * 12 * 8 + 2ull * cases[i].k * 12 * 8);
    st_free(&st);
  }
}

/* The bundled preset (2 of its 12 layers on configs/spatten.yaml):
 * check passes, 197 routing decisions per layer, closed forms hold. */
Test(moh, preset_two_layers) {
  cfg_t c;
  wl_t w;
  err_t e;
  stats_t st;
  chk_t r;
  if (getenv("ATTNSIM_UNDER_VALGRIND")) return; /* ~2 s natively */
  cr_assert_eq(cfg_load("configs/spatten.yaml", &c, &e), 0, "%s", e.msg);
  cr_assert_eq(wl_load("workloads/moh.yaml", &w, &e), 0, "%s", e.msg);
  cr_expect_eq(w.heads, 12);
  cr_expect_eq(w.moh_shared + w.moh_topk, 9); /* 75% of 12 heads */
  wl_keep_layers(&w, 2);
  st_init(&st);
  r = run(&c, &w, &st);
  cr_expect(r.ok, "%s", r.msg);
  cr_expect_eq(r.decisions, 2ull * 197);
  expect_closed_forms(&c, &w, &st);
  st_free(&st);
}

/* ---- router scores from moh.router (tensors.source npy) ----------------- */

enum { NH = 4, ND = 8, NL = 2, NT = 6 }; /* heads, head_dim, layers, tokens */

/* A MoH workload of shape [NL, NH, NT, ND] reading Q, K, V and the router
 * scores from .npy files named by p (q, k, v, router). */
static wl_t npy_wl(int shared, int topk, char p[4][256]) {
  wl_t w = moh_wl(NH, ND, NL, NT, shared, topk);
  w.source = WL_NPY;
  snprintf(w.q_path, sizeof w.q_path, "%s", p[0]);
  snprintf(w.k_path, sizeof w.k_path, "%s", p[1]);
  snprintf(w.v_path, sizeof w.v_path, "%s", p[2]);
  snprintf(w.moh_router, sizeof w.moh_router, "%s", p[3]);
  return w;
}

static void write_qkv(char p[4][256]) {
  static float x[NL * NH * NT * ND];
  int64_t shape[4] = {NL, NH, NT, ND};
  const char *names[4] = {"q", "k", "v", "router"};
  err_t e;
  for (int i = 0; i < NL * NH * NT * ND; i++) x[i] = (float)((i * 37 % 23) - 11) / 8.0f;
  for (int i = 0; i < 4; i++)
    snprintf(p[i], 256, "/tmp/attnsim-moh-%d-%s.npy", (int)getpid(), names[i]);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(npy_write_f32(p[i], 4, shape, x, &e), 0, "%s", e.msg);
}

/* Hand-chosen router scores force the routing:
 *  A: no shared head, top-2 of 4; every (layer, token) scores heads
 *     0..3 as 1, -1, 0.5, -2: heads 0 and 2 run for every token.
 *  B: head 0 shared, top-1 of heads 1..3 (router file [NL, NT, 3]);
 *     token t scores routed head t % 3 at 2 and the others 0: head
 *     1 + t % 3 runs (with head 0).
 * Non-causal, so every run pair (t, h) has NT keys: Q x K MACs = pairs
 * NT ND, P x V MACs the same plus ND per routed pair (the gate's
 * scaling). A: pairs = NL NT 2, all routed; B: NL NT shared and NL NT
 * routed pairs. One decision per (layer, token): head -1, query t, n the
 * routed heads, kept k, the hash of the picked routed indices ascending. */
Test(moh, npy_router_scores_force_the_routing) {
  char p[4][256];
  cfg_t c;
  cfg_defaults(&c);
  write_qkv(p);
  for (int v = 0; v < 2; v++) {
    int S = v, k = v ? 1 : 2, R = NH - S;
    float sc[NL * NT * NH];
    int64_t shape[3] = {NL, NT, R};
    uint64_t pairs = (uint64_t)NL * NT * 2, routed = v ? (uint64_t)NL * NT : pairs;
    wl_t w = npy_wl(S, k, p);
    stats_t st;
    declog_t log = {0};
    chk_t r;
    err_t e;
    for (int l = 0; l < NL; l++)
      for (int t = 0; t < NT; t++)
        for (int i = 0; i < R; i++) {
          static const float a[4] = {1.0f, -1.0f, 0.5f, -2.0f};
          sc[(l * NT + t) * R + i] = v ? (i == t % 3 ? 2.0f : 0.0f) : a[i];
        }
    cr_assert_eq(npy_write_f32(p[3], 3, shape, sc, &e), 0, "%s", e.msg);
    cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
    st_init(&st);
    r = run_log_at(&c, &w, &st, NULL, NULL, &log);
    cr_expect(r.ok, "variant %d: %s", v, r.msg);
    cr_expect_eq(r.decisions, (uint64_t)NL * NT, "variant %d", v);
    cr_assert_eq(log.n, (size_t)NL * NT, "variant %d", v);
    for (size_t i = 0; i < log.n; i++) {
      const dec_t *d = &log.d[i];
      uint32_t a2[2] = {0, 2}, b1[1] = {(uint32_t)(d->query % 3)};
      cr_expect_eq(d->kind, DEC_REGIONS);
      cr_expect_eq(d->head, -1);
      cr_expect_eq(d->n, R);
      cr_expect_eq(d->kept, k);
      cr_expect_eq(d->hash, v ? dec_hash(b1, 1) : dec_hash(a2, 2),
                   "variant %d layer %d token %d: other heads picked", v,
                   d->layer, d->query);
    }
    cr_expect_eq(st.c[ST_QK_MACS], pairs * NT * ND, "variant %d", v);
    cr_expect_eq(st.c[ST_AV_MACS], pairs * NT * ND + routed * ND, "variant %d", v);
    cr_expect_eq(st.c[ST_QUERIES], pairs, "variant %d", v);
    dec_free(&log);
    st_free(&st);
  }
  for (int i = 0; i < 4; i++) remove(p[i]);
}

/* moh.router's shape is [layers, tokens, model.heads - moh.shared]: one
 * for every head (the shared one too) is refused, naming file and key;
 * so is a workload of source npy without moh.router. */
Test(moh, npy_router_of_the_wrong_shape_is_refused) {
  char p[4][256], want[600];
  static float sc[NL * NT * NH];
  int64_t shape[3] = {NL, NT, NH};
  wl_t w;
  ten_t *ten = NULL;
  err_t e;
  write_qkv(p);
  cr_assert_eq(npy_write_f32(p[3], 3, shape, sc, &e), 0, "%s", e.msg);
  w = npy_wl(1, 1, p);
  cr_assert_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  cr_expect_eq(ten_open(&ten, &w, &e), ERR_BAD_INPUT);
  cr_expect_null(ten);
  snprintf(want, sizeof want, "%s: moh.router: shape does not match the workload "
           "(got [2, 6, 4], expected [2, 6, 3]: layers, tokens, model.heads - "
           "moh.shared)", p[3]);
  cr_expect_str_eq(e.msg, want);
  w.moh_router[0] = '\0';
  cr_expect_eq(wl_validate(&w, "test", &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "tensors.source: npy with model.kind moh needs the "
                   "router scores"), "%s", e.msg);
  w.moh_topk = 0; /* no routing: no scores needed */
  cr_expect_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
  for (int i = 0; i < 4; i++) remove(p[i]);
}

/* MoH's keys and refusals. */
Test(moh, refusals) {
  wl_t w = moh_wl(4, 8, 1, 8, 1, 4);
  err_t e;
  cr_expect_neq(wl_validate(&w, "test", &e), 0);
  cr_expect(strstr(e.msg, "moh.topk"), "%s", e.msg);
  w = moh_wl(4, 8, 1, 8, 0, 0);
  cr_expect_neq(wl_validate(&w, "test", &e), 0);
  w = moh_wl(4, 8, 1, 8, 5, 0);
  cr_expect_neq(wl_validate(&w, "test", &e), 0);
  cr_expect(strstr(e.msg, "moh.shared"), "%s", e.msg);
  w = moh_wl(4, 8, 1, 8, 1, 1);
  w.phase = WL_DECODE;
  cr_expect_neq(wl_validate(&w, "test", &e), 0);
  w = moh_wl(4, 8, 1, 8, 1, 1);
  cr_expect_eq(wl_validate(&w, "test", &e), 0, "%s", e.msg);
}

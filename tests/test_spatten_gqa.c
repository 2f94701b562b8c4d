/* SpAtten's schedule with grouped-query attention (model.kv_heads;
 * docs/spatten.md, "Grouped-query attention"): query head h attends with
 * K/V head h / group, and every surviving query head fetches its K/V
 * head's (token-pruned) rows itself; a K/V head none of whose query heads
 * survives is never fetched.
 *  - --check (outputs and every decision) equals golden/spatten.c over
 *    seeds, prefill with token and head pruning and decode with the
 *    cascade, kv_heads 2 and 1 with 4 query heads, resident, streamed and
 *    tiled.
 *  - DRAM bytes, by hand from the lowering (row mapping, no token or
 *    value pruning, no quantization; two layers, head_keep f, so layer 0
 *    runs every head and layer 1 the kept ones): the rows of a (case or
 *    step, layer) are fetched once per surviving query head, so
 *      K bytes = V bytes = sum over units of (heads + kh) x n x row_bytes
 *    with kh = sched_keep(f, heads) = ceil(f x heads) surviving query heads in
 *    layer 1 and n the unit's context (prefill: its tokens; decode step
 *    t: prompt + t + 1), whatever kv_heads;
 *  - with kh = 1 and group 2, one K/V head has no surviving query head
 *    and its rows are not read in layer 1: K bytes drop by exactly one
 *    fetch of n rows per unit against kh = 2.
 * row_bytes = head_dim x width / 8 = 16 x 12 / 8 = 24 bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "schedule.h"
#include "simrun.h"

#define D 16
#define ROW (D * 12 / 8)
#define HEADS 4

static wl_t small_wl(int kv_heads, int decode, uint64_t seed, int layers) {
  wl_t w;
  wl_defaults(&w);
  w.layers = layers;
  w.heads = HEADS;
  w.kv_heads = kv_heads;
  w.head_dim = D;
  w.seed = seed;
  if (decode) {
    w.phase = WL_DECODE;
    w.prompt = 40;
    w.generate = 3;
  } else {
    w.ncases = 2;
    w.tokens[0] = 24;
    w.tokens[1] = 37;
  }
  return w;
}

/* One value for every layer of schedule key k but layer 0 (kept whole,
 * as SpAtten's schedules do when they prune tokens or heads). */
static void per_layer(wl_t *w, int k, double v) {
  w->sched_n[k] = w->layers;
  for (int l = 0; l < w->layers; l++) w->sched[k][l] = l ? v : 1;
}

/* Token and head pruning with progressive quantization and value bits
 * (everything == 1) or token and head pruning alone. */
static void set_sched(wl_t *w, int everything) {
  per_layer(w, WL_S_TOKEN_KEEP, 0.5);
  per_layer(w, WL_S_HEAD_KEEP, 0.5);
  if (!everything) return;
  w->sched_n[WL_S_KEY_MSB] = w->sched_n[WL_S_KEY_LSB] = 1;
  w->sched_n[WL_S_VALUE_BITS] = w->sched_n[WL_S_THRESHOLD] = 1;
  w->sched[WL_S_KEY_MSB][0] = 7;
  w->sched[WL_S_KEY_LSB][0] = 3;
  w->sched[WL_S_VALUE_BITS][0] = 8;
  w->sched[WL_S_THRESHOLD][0] = 0.2;
}

static chk_t run(const cfg_t *c, const wl_t *w, stats_t *st) {
  err_t e;
  cr_assert_eq(wl_validate(w, "test", &e), 0, "%s", e.msg);
  return run_at(c, w, st, NULL, NULL);
}

#define NCFG 4

/* Default (rows fit SBUF: the row mapping, K/V resident), small buffers
 * (K/V streamed in chunks of 8 rows), the tiled mapping with 16-key
 * tiles, resident and streamed. */
static void configs(cfg_t cf[NCFG]) {
  for (int k = 0; k < NCFG; k++) cfg_defaults(&cf[k]);
  for (int k = 1; k < NCFG; k += 2) {
    cf[k].key_buffer_bytes = cf[k].value_buffer_bytes = 24 * 24;
    cf[k].chunk_rows = 8;
    cf[k].topk_parallelism = 4;
  }
  for (int k = 2; k < NCFG; k++) {
    cf[k].map_softmax = CFG_SMAX_TILED;
    cf[k].tile_kv = 16;
  }
}

Test(spatten_gqa, check_is_bit_exact_over_seeds) {
  cfg_t cf[NCFG];
  const int kvs[] = {2, 1};
  configs(cf);
  for (int i = 0; i < 2; i++)
    for (int decode = 0; decode < 2; decode++)
      for (int everything = 0; everything < 2; everything++)
        for (uint64_t seed = 1; seed <= 3; seed++)
          for (int k = 0; k < NCFG; k++) {
            wl_t w = small_wl(kvs[i], decode, seed, 3);
            stats_t st;
            chk_t r;
            set_sched(&w, everything);
            cr_assert(sched_active(&w, cf[k].width));
            st_init(&st);
            r = run(&cf[k], &w, &st);
            cr_expect(r.ok, "kv_heads %d %s %s seed %d config %d: %s", kvs[i],
                      decode ? "decode" : "prefill",
                      everything ? "everything" : "tokens+heads", (int)seed,
                      k, r.msg);
            cr_expect(r.pruned);
            /* at least the token and head top-ks of layers 0 and 1 */
            cr_expect_geq(r.decisions, 2, "%llu decisions",
                          (unsigned long long)r.decisions);
            cr_expect_gt(r.compared, 0);
            st_free(&st);
          }
}

/* Decode's cascade alone (token_keep 0.5 in the last layer only: context
 * top-ks across steps) with head pruning, MQA and GQA. */
Test(spatten_gqa, decode_cascade_is_bit_exact_over_seeds) {
  cfg_t cf[NCFG];
  configs(cf);
  for (int kv = 1; kv <= 2; kv++)
    for (uint64_t seed = 1; seed <= 3; seed++)
      for (int k = 0; k < NCFG; k++) {
        wl_t w = small_wl(kv, 1, seed, 3);
        stats_t st;
        chk_t r;
        w.sched_n[WL_S_TOKEN_KEEP] = w.layers;
        for (int l = 0; l < w.layers; l++)
          w.sched[WL_S_TOKEN_KEEP][l] = l == w.layers - 1 ? 0.5 : 1;
        per_layer(&w, WL_S_HEAD_KEEP, 0.5);
        st_init(&st);
        r = run(&cf[k], &w, &st);
        cr_expect(r.ok, "kv_heads %d seed %d config %d: %s", kv, (int)seed, k,
                  r.msg);
        cr_expect_gt(r.decisions, 0);
        st_free(&st);
      }
}

/* Context tokens of the unit (case or decode step), by hand. */
static uint64_t unit_rows(const wl_t *w, int u) {
  return w->phase == WL_DECODE ? (uint64_t)(w->prompt + u + 1)
                               : (uint64_t)w->tokens[u];
}

/* K (= V) bytes by the closed form at the top: kh query heads survive
 * into layer 1 of 2. */
static uint64_t kv_bytes(const wl_t *w, int kh) {
  int units = w->phase == WL_DECODE ? w->generate : w->ncases;
  uint64_t b = 0;
  for (int u = 0; u < units; u++)
    b += (uint64_t)(HEADS + kh) * unit_rows(w, u) * ROW;
  return b;
}

/* Two layers, head pruning alone: head_keep f, whose top-k at the end of
 * layer 0 leaves layer 1 its kept heads (none after the last layer). */
static void run_heads(int kv, int decode, double f, stats_t *st) {
  cfg_t c;
  wl_t w = small_wl(kv, decode, 1, 2);
  chk_t r;
  cfg_defaults(&c);
  c.map_softmax = CFG_SMAX_ROW; /* the row mapping's closed form */
  w.sched_n[WL_S_HEAD_KEEP] = 1;
  w.sched[WL_S_HEAD_KEEP][0] = f;
  st_init(st);
  r = run(&c, &w, st);
  cr_expect(r.ok, "%s", r.msg);
}

Test(spatten_gqa, key_bytes_equal_the_closed_form) {
  const double fs[] = {1.0 / 4, 2.0 / 4, 3.0 / 4};
  for (int kv = 1; kv <= 4; kv *= 2)
    for (int decode = 0; decode < 2; decode++)
      for (int i = 0; i < 3; i++) {
        wl_t w = small_wl(kv, decode, 1, 2);
        stats_t st;
        int kh = i + 1; /* ceil(f x 4) with f = kh / 4 */
        uint64_t want = kv_bytes(&w, kh);
        run_heads(kv, decode, fs[i], &st);
        cr_expect_eq(st.c[ST_DRAM_KEY_MSB_BYTES], want,
                     "kv_heads %d %s keep %d: K %llu, want %llu", kv,
                     decode ? "decode" : "prefill", kh,
                     (unsigned long long)st.c[ST_DRAM_KEY_MSB_BYTES],
                     (unsigned long long)want);
        cr_expect_eq(st.c[ST_DRAM_VALUE_BYTES], want, "kv_heads %d", kv);
        st_free(&st);
      }
}

/* Group 2, one query head kept in layer 1: the other K/V head has no
 * surviving query head and is not read there. Against two kept query
 * heads, layer 1 reads one fetch of the unit's rows less: K bytes equal
 * the closed form with kh = 1, exactly n x row_bytes per unit below
 * kh = 2's. */
Test(spatten_gqa, kv_head_with_no_surviving_query_head_is_not_fetched) {
  for (int decode = 0; decode < 2; decode++) {
    wl_t w = small_wl(2, decode, 1, 2);
    stats_t one, two;
    uint64_t per_fetch = kv_bytes(&w, 2) - kv_bytes(&w, 1);
    run_heads(2, decode, 0.25, &one);
    run_heads(2, decode, 0.5, &two);
    cr_expect_eq(one.c[ST_DRAM_KEY_MSB_BYTES], kv_bytes(&w, 1));
    cr_expect_eq(two.c[ST_DRAM_KEY_MSB_BYTES] - one.c[ST_DRAM_KEY_MSB_BYTES],
                 per_fetch);
    cr_expect_eq(per_fetch, (uint64_t)(decode ? 41 + 42 + 43 : 24 + 37) * ROW);
    st_free(&one);
    st_free(&two);
  }
}

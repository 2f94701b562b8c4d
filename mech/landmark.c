/* landmark.c - Landmark Attention's decode (Mohtashami and Jaggi, NeurIPS
 * 2023; docs/landmark.md): landmark keys scored on the Q x K array, the
 * top-k blocks picked on the top-k engine, attention over the selected
 * blocks and a local window. Lowered by compiler/lower_landmark.c;
 * checked against golden/landmark.c. */
#include "mech.h"

#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "landmark.h"
#include "lower.h"
#include "report.h"
#include "schedule.h"
#include "wlkeys.h"

static bool lm_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_LANDMARK;
}

/* ---- workload: the landmark.* keys and rules ----------------------------- */

static const yl_key_t lm_keys[] = {
  /* Mohtashami and Jaggi 2023, sec. 4: blocks of 50 tokens, k = 4 at
   * inference; 64 here: a power of two, one REGION fetch per block */
  WK_INT("landmark.block", lm_block, "64", 1, 65535, "tokens",
      "landmark: B, tokens per block (one landmark key each)"),
  WK_INT("landmark.topk", lm_topk, "4", 1, 65535, "blocks",
      "landmark: blocks each decoding query attends to, picked by its "
      "landmark scores"),
  WK_INT("landmark.window", lm_window, "64", 1, 1 << 20, "tokens",
      "landmark: local window, the last tokens every query attends to "
      "(widened down to a block boundary)"),
};

static const char *phase_of(const wl_t *w) {
  return w->phase == WL_PREFILL ? "prefill"
         : w->phase == WL_DECODE ? "decode" : "serve";
}

/* Cross-field rules of model.kind landmark: decode of one sequence with
 * full multi-head attention, no schedule, no quantized cache. */
static int lm_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  int val;
  const char *key, *want;
  if (w->kind != WL_LANDMARK) return 0;
  if (w->phase != WL_DECODE)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "landmark attention runs decode only (got %s, expected "
                      "decode: prefill and serve are dense, docs/landmark.md)",
                      phase_of(w));
  if ((key = wl_dense_only_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind landmark (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->batch > 1)
    return yl_err_key(sc, marks, origin, "decode.batch", e,
                      "landmark attention decodes one sequence (got %d, "
                      "expected 1)", w->batch);
  if (w->kvq_bits)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.kind landmark (got %d, "
                      "expected 0)", w->kvq_bits);
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with landmark is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  return 0;
}

static int lm_region_rows(const wl_t *w, int cs) {
  (void)cs;
  return w->lm_block;
}

/* ---- report: landmark scoring MACs ---------------------------------------- */

static void lm_ops_text(const rep_t *r, FILE *f) {
  char a[48];
  fprintf(f, "  landmark   scoring %s MACs (Q x K array, counted as routing "
             "MACs)\n", rep_fmt_count(r->st->c[ST_ROUTING_MACS], a, sizeof a));
}

static const chk_shape_t lm_shape = {
    .names = {"case", "layer", "head", "step"},
    .note = "landmark attention",
    .decisions = "block selections",
    .model = "landmark golden model (golden/landmark.c)",
};

/* Every output element against gold_landmark's, then the block
 * selections in program order. */
static int lm_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  gold_sp_acc_t acc = {0};
  chk_gold_t g = {.acc = &acc};
  g.out = chk_gold_alloc(w, &lm_shape, &g.maxq);
  g.rc = g.out ? gold_landmark(c, w, t, g.out, &g.log, &acc) : ERR_RUN;
  r->pruned = true;
  return chk_finish(w, mi, &lm_shape, &g, simlog, r);
}

const mech_t mech_landmark = {
    .name = "landmark",
    .doc = "docs/landmark.md",
    .claims = lm_claims,
    .wl_keys = lm_keys,
    .wl_nkeys = (int)(sizeof lm_keys / sizeof lm_keys[0]),
    .wl_check = lm_wl_check,
    .lower = lower_landmark,
    .check = lm_check,
    .needs_data = "--timing-only cannot make landmark attention's block "
                  "selections (they come from the data): drop it, or add "
                  "--dense",
    .per_layer = true,
    .appends_cache = true,
    .region_rows = lm_region_rows,
    .report_ops_text = lm_ops_text,
};

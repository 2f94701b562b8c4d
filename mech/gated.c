/* gated.c - gated attention (docs/gated.md; Qiu et al., "Gated Attention
 * for Large Language Models: Non-linearity, Sparsity, and
 * Attention-Sink-Free", 2025): each head's output times the sigmoid of
 * its gate logits, elementwise or one per (token, head); with
 * gated.threshold a row whose largest gate is below it skips its QK,
 * softmax and P x V (output 0). Lowered by compiler/lower_gated.c;
 * checked against golden/gated.c. */
#include "mech.h"

#include <stdlib.h>

#include "check.h"
#include "fixed.h"
#include "gated.h"
#include "jsonw.h"
#include "lower.h"
#include "report.h"
#include "schedule.h"
#include "wlkeys.h"

static bool gt_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_GATED;
}

/* ---- workload: the gated.* keys and rules ------------------------------- */

static const yl_key_t gt_keys[] = {
  /* the paper's best variant: elementwise SDPA-output gating (G1) */
  WK_ENUM("gated.mode", gt_mode, "elementwise", "elementwise|headwise",
          "gated: elementwise, a gate per output element (G: [layers, heads, "
          "tokens, head_dim]); headwise, one per (token, head) (tokens, 1)"),
  WK_DBL("gated.threshold", gt_threshold, "0", 0, 1, 0,
         "gated: a (token, head) whose largest gate (after the sigmoid, in "
         "[0, 1], compared in Q0.16) is below this skips its attention and "
         "outputs 0; 0: every row runs"),
  /* assumed: the paper reports sparse gates (mean score ~0.1 for SDPA
   * output gating); sigmoid(-2) = 0.12 */
  WK_DBL("gated.bias", gt_bias, "-2", -64, 64, 0,
         "gated: synthetic gate logits' mean (docs/gated.md)"),
  WK_PATH("gated.gate", gt_path,
          "gated: npy: the gate logits G, as Q (headwise: last axis 1)"),
};

/* Cross-field rules of model.kind gated: full multi-head attention of
 * one sequence per decode, no schedule, no KIVI, no serve. */
static int gt_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  const char *key, *want;
  int val;
  if (w->kind != WL_GATED) return 0;
  if ((key = wl_dense_only_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind gated (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->phase == WL_SERVE)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "gated runs prefill or decode (got serve, expected "
                      "prefill or decode)");
  if (wl_generates(w) && w->batch != 1)
    return yl_err_key(sc, marks, origin, "decode.batch", e,
                      "gated decodes one sequence (got %d, expected 1)",
                      w->batch);
  if (w->kvq_bits)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.kind gated (got %d, expected "
                      "0)", w->kvq_bits);
  if (w->source == WL_NPY && !w->gt_path[0])
    return yl_err_key(sc, marks, origin, "tensors.source", e,
                      "npy with model.kind gated needs the gate logits (got "
                      "no gated.gate, expected a .npy path in gated.gate)");
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with gated is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  return 0;
}

/* ---- report: rows run and skipped --------------------------------------- */

/* Each closed row's QK, SMAX and AV are predicated off (3 per row, plus
 * one AV per further value chunk when streamed): the skipped
 * instructions, as the predicate counter has them. */
static void gt_ops_text(const rep_t *r, FILE *f) {
  char a[48];
  fprintf(f, "  gated      %s gate, threshold %g: %s instructions skipped "
             "(closed rows' QK, softmax, P x V)\n",
          r->wl->gt_mode ? "headwise" : "elementwise", r->wl->gt_threshold,
          rep_fmt_count(r->st->c[ST_PRED_SKIPPED], a, sizeof a));
}

/* ---- check --------------------------------------------------------------- */

static const chk_shape_t gt_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "gated attention",
    .decisions = "gate decisions",
    .model = "gated attention golden model (golden/gated.c)",
};

/* Every output element against gold_gated's, then the gate decisions. */
static int gt_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  chk_gold_t g = {0};
  g.out = chk_gold_alloc(w, &gt_shape, &g.maxq);
  g.rc = g.out ? gold_gated(c, w, t, g.out, g.maxq, &g.log) : ERR_RUN;
  return chk_finish(w, mi, &gt_shape, &g, simlog, r);
}

const mech_t mech_gated = {
    .name = "gated",
    .doc = "docs/gated.md",
    .claims = gt_claims,
    .wl_keys = gt_keys,
    .wl_nkeys = (int)(sizeof gt_keys / sizeof gt_keys[0]),
    .wl_check = gt_wl_check,
    .lower = lower_gated,
    .check = gt_check,
    .needs_data = "--timing-only cannot run gated attention: its gates and "
                  "their open/closed decisions come from the data",
    .head_markers = gt_claims,
    .appends_cache = true,
    .report_ops_text = gt_ops_text,
};

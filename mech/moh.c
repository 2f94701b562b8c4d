/* moh.c - Mixture-of-Head attention (docs/moh.md): per token a router
 * picks moh.topk of the heads after the moh.shared shared ones on the
 * top-k engine, and only the picked (token, head) pairs run, their
 * outputs scaled by the router's gates. Lowered by compiler/lower_moh.c;
 * checked against golden/moh.c. */
#include "mech.h"

#include <stdlib.h>

#include "check.h"
#include "fixed.h"
#include "jsonw.h"
#include "lower.h"
#include "mohroute.h"
#include "report.h"
#include "schedule.h"
#include "tensor.h"
#include "wlkeys.h"
#include "moh.h"

static bool moh_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_MOH;
}

/* ---- workload: the moh.* keys and rules -------------------------------- */

static const yl_key_t moh_keys[] = {
  WK_INT("moh.topk", moh_topk, "1", 0, 64, "heads",
         "moh: heads each token is routed to, picked by its router scores "
         "among those after the shared ones (0: shared heads only)"),
  WK_INT("moh.shared", moh_shared, "0", 0, 65535, "heads",
         "moh: shared heads every token runs (the first ones of a layer)"),
  WK_PATH("moh.router", moh_router,
          "moh: npy: the router scores, [layers, tokens, model.heads - "
          "moh.shared] (docs/moh.md)"),
};

/* Cross-field rules of model.kind moh: prefill of full multi-head
 * attention without a schedule or KIVI, and a head count the keys fit. */
static int moh_wl_check(const wl_t *w, const yl_schema_t *sc,
                        const char *origin, const yl_mark_t *marks, err_t *e) {
  int val, R = w->heads - w->moh_shared;
  const char *key, *want;
  if (w->kind != WL_MOH) return 0;
  if ((key = wl_dense_only_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind moh (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->phase != WL_PREFILL)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "moh runs prefill (got %s, expected prefill)",
                      wl_phase_name(w->phase));
  if (w->kvq_bits)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.kind moh (got %d, expected "
                      "0)", w->kvq_bits);
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with moh is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  if (R < 0)
    return yl_err_key(sc, marks, origin, "moh.shared", e,
                      "more shared heads than model.heads (got %d, expected "
                      "<= %d)", w->moh_shared, w->heads);
  if (w->moh_topk > R)
    return yl_err_key(sc, marks, origin, "moh.topk", e,
                      "more heads than are routed (got %d, expected <= "
                      "model.heads - moh.shared = %d)", w->moh_topk, R);
  if (w->moh_topk && R > 64)
    return yl_err_key(sc, marks, origin, "moh.shared", e,
                      "too many routed heads for the gate unit (got "
                      "model.heads - moh.shared = %d, expected <= 64)", R);
  if (w->source == WL_NPY && w->moh_topk && !w->moh_router[0])
    return yl_err_key(sc, marks, origin, "tensors.source", e,
                      "npy with model.kind moh needs the router scores (got "
                      "no moh.router, expected a .npy path in moh.router)");
  if (!w->moh_topk && !w->moh_shared)
    return yl_err_key(sc, marks, origin, "moh.topk", e,
                      "no head would run (got %d with moh.shared 0, expected "
                      ">= 1)", 0);
  return 0;
}

/* ---- report: tokens routed to each head --------------------------------- */

/* load[h]: (token, layer) pairs head h runs, over every case and layer,
 * from the router scores (the same rule as the top-k engine: score
 * descending, then head ascending). The report has no tensor source of
 * its own: with tensors.source npy it opens one for moh.router; -1 when
 * that fails (recost once the files are gone), and no load is reported. */
static int moh_load(const rep_t *r, uint64_t *load) {
  const wl_t *w = r->wl;
  int S = w->moh_shared, R = w->heads - S;
  ten_t *ten = NULL;
  err_t e;
  fx_t *fx = malloc(sizeof *fx);
  if (!fx) return -1;
  fx_init(fx, r->cfg->width, r->cfg->frac_bits, r->cfg->prob_bits,
          w->head_dim);
  if (w->source == WL_NPY && w->moh_topk && ten_open(&ten, w, &e)) {
    free(fx);
    return -1;
  }
  for (int h = 0; h < w->heads; h++) load[h] = 0;
  for (int cs = 0; cs < w->ncases; cs++)
    for (int l = 0; l < w->layers; l++)
      for (int t = 0; t < w->tokens[cs]; t++) {
        int64_t s[64];
        for (int h = 0; h < S; h++) load[h]++;
        if (!w->moh_topk) continue;
        moh_scores(ten, w, fx, cs, l, t, S, R, s);
        for (int i = 0; i < R; i++) {
          int above = 0; /* heads ranked before i */
          for (int j = 0; j < R; j++)
            above += s[j] > s[i] || (s[j] == s[i] && j < i);
          load[S + i] += above < w->moh_topk;
        }
      }
  ten_close(ten);
  free(fx);
  return 0;
}

static void moh_json(const rep_t *r, jw_t *w) {
  uint64_t *load = malloc((size_t)r->wl->heads * sizeof *load), sum = 0;
  if (!load || moh_load(r, load)) {
    free(load);
    return;
  }
  jw_key(w, "moh");
  jw_object(w, JW_LINES);
  jw_key(w, "topk");
  jw_i64(w, r->wl->moh_topk);
  jw_key(w, "shared");
  jw_i64(w, r->wl->moh_shared);
  for (int h = 0; h < r->wl->heads; h++) sum += load[h];
  jw_key(w, "routed_pairs");
  jw_u64(w, sum);
  jw_key(w, "head_load");
  jw_array(w, JW_INLINE);
  for (int h = 0; h < r->wl->heads; h++) jw_u64(w, load[h]);
  jw_end(w);
  jw_end(w);
  free(load);
}

static void moh_text(const rep_t *r, FILE *f) {
  uint64_t *load = malloc((size_t)r->wl->heads * sizeof *load);
  uint64_t per = 0;
  char a[48];
  if (!load || moh_load(r, load)) {
    free(load);
    return;
  }
  for (int cs = 0; cs < r->wl->ncases; cs++)
    per += (uint64_t)r->wl->tokens[cs] * (uint64_t)r->wl->layers;
  fprintf(f, "\n  moh        %d shared + top-%d of %d heads; tokens x layers "
             "per head (of %s):", r->wl->moh_shared, r->wl->moh_topk,
          r->wl->heads, rep_fmt_count(per, a, sizeof a));
  for (int h = 0; h < r->wl->heads; h++)
    fprintf(f, "%s%llu", h % 16 ? " " : "\n            ",
            (unsigned long long)load[h]);
  fprintf(f, "\n");
  free(load);
}

/* ---- check ---------------------------------------------------------------- */

static const chk_shape_t moh_shape = {
    .names = {"case", "layer", "head", "token"},
    .note = "MoH",
    .decisions = "routing decisions",
    .model = "MoH golden model (golden/moh.c)",
};

/* Every output element (unrouted pairs 0) against gold_moh's, then the
 * routing decisions in program order. */
static int moh_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                     const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  chk_gold_t g = {0};
  g.out = chk_gold_alloc(w, &moh_shape, &g.maxq);
  g.rc = g.out ? gold_moh(c, w, t, g.out, g.maxq, &g.log) : ERR_RUN;
  return chk_finish(w, mi, &moh_shape, &g, simlog, r);
}

const mech_t mech_moh = {
    .name = "moh",
    .doc = "docs/moh.md",
    .claims = moh_claims,
    .wl_keys = moh_keys,
    .wl_nkeys = (int)(sizeof moh_keys / sizeof moh_keys[0]),
    .wl_check = moh_wl_check,
    .lower = lower_moh,
    .check = moh_check,
    .needs_data = "MoH's routing comes from the router scores (the data)",
    .report_json = moh_json,
    .report_text = moh_text,
};

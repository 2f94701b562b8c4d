/* biformer.c - BiFormer's bi-level routing attention (docs/biformer.md):
 * region routing on the top-k engine, gathered regions, local context
 * enhancement on the P x V array, per-stage reports. Lowered by
 * compiler/lower_biformer.c; checked against golden/biformer.c. */
#include "mech.h"

#include <stdlib.h>

#include "bfshape.h"
#include "biformer.h"
#include "check.h"
#include "lower.h"

static bool bf_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_BIFORMER;
}

static int bf_region_rows(const wl_t *w, int cs) {
  bf_geo_t g;
  bf_geo(w, cs, &g);
  return g.R;
}

static int bf_lce_kernel(const wl_t *w) { return w->bf_lce_kernel; }

/* Outputs: per stage its blocks, its heads (channels / head_dim) and
 * every token. */
static int bf_blocks(const wl_t *w, int cs) { return w->bf_blocks[cs]; }
static int bf_heads(const wl_t *w, int cs) { return w->bf_channels[cs] / w->head_dim; }
static int bf_tokens(const wl_t *w, int cs) { return w->tokens[cs]; }

static const chk_shape_t bf_shape = {
    .names = {"stage", "block", "head", "token"},
    .note = "BiFormer",
    .layers = bf_blocks,
    .heads = bf_heads,
    .rows = bf_tokens,
};

/* Every output element of the blocks and heads each stage has against
 * gold_biformer's, then the routing decisions in program order. */
static int bf_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  declog_t glog = {0};
  size_t maxq;
  int16_t *gold = chk_gold_alloc(w, &bf_shape, &maxq);
  int rc = gold ? gold_biformer(c, w, t, gold, &glog) : ERR_RUN;
  r->pruned = true;
  if (!rc && !(simlog && simlog->oom)) {
    chk_compare_outputs(w, mi, gold, maxq, &bf_shape, r);
    if (!r->mismatches && simlog && !chk_decisions(simlog, &glog, r))
      r->mismatches++;
  } else {
    rc = ERR_RUN;
  }
  free(gold);
  dec_free(&glog);
  if (rc) return ERR_RUN;
  r->ok = !r->mismatches;
  if (r->ok)
    snprintf(r->msg, sizeof r->msg,
             "%llu output elements and %llu routing decisions equal the "
             "BiFormer golden model (golden/biformer.c)",
             (unsigned long long)r->compared, (unsigned long long)r->decisions);
  return 0;
}

const mech_t mech_biformer = {
    .name = "biformer",
    .doc = "docs/biformer.md",
    .claims = bf_claims,
    .lower = lower_biformer,
    .check = bf_check,
    .head_markers = bf_claims,
    .per_layer = true,
    .region_rows = bf_region_rows,
    .lce_kernel = bf_lce_kernel,
};

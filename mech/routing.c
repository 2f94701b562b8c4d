/* routing.c - the Routing Transformer's content-based sparse attention
 * (Roy, Saffar, Vaswani, Grangier, TACL 2021; docs/routing.md): every
 * query and key assigned to its nearest centroid on the Q x K array and
 * the top-k engine, each query attending to its cluster's keys gathered
 * through TLIST. Lowered by compiler/lower_routing.c; checked against
 * golden/routing.c. */
#include "mech.h"

#include <stdlib.h>

#include "check.h"
#include "lower.h"
#include "report.h"
#include "routing.h"
#include "schedule.h"
#include "wlkeys.h"

static bool rt_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_ROUTING;
}

static const yl_key_t rt_keys[] = {
  /* Roy et al. TACL 2021 choose C near sqrt(T); 4 suits the 16-token default */
  WK_INT("routing.clusters", rt_clusters, "4", 1, 4096, "clusters",
         "routing: C, centroids per head (k-means clusters; <= every case's "
         "tokens)"),
  WK_PATH("routing.centroids", rt_centroids,
          "routing: npy: the centroids, [layers, heads, routing.clusters, "
          "head_dim] (docs/routing.md)"),
};

/* Cross-field rules of model.kind routing: prefill without a schedule,
 * KIVI, grouped heads, windows or latent rows; C <= every case's tokens. */
static int rt_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  const char *key, *want;
  int val;
  if (w->kind != WL_ROUTING) return 0;
  if ((key = wl_dense_only_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind routing (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->phase != WL_PREFILL)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "routing runs prefill (got %s, expected prefill)",
                      wl_phase_name(w->phase));
  if (w->kvq_bits)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.kind routing (got %d, "
                      "expected 0)", w->kvq_bits);
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with routing is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  if (w->source == WL_NPY && !w->rt_centroids[0])
    return yl_err_key(sc, marks, origin, "tensors.source", e,
                      "npy with model.kind routing needs the centroids (got "
                      "no routing.centroids, expected a .npy path in "
                      "routing.centroids)");
  for (int cs = 0; cs < w->ncases; cs++)
    if (w->rt_clusters > w->tokens[cs])
      return yl_err_key(sc, marks, origin, "routing.clusters", e,
                        "more clusters than tokens (got %d, expected <= "
                        "prefill.tokens entry %d = %d)", w->rt_clusters, cs,
                        w->tokens[cs]);
  return 0;
}

static void rt_ops_text(const rep_t *r, FILE *f) {
  char a[48];
  fprintf(f, "  routing    assignment %s MACs (Q x K array)\n",
          rep_fmt_count(r->st->c[ST_ROUTING_MACS], a, sizeof a));
}

static const chk_shape_t rt_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "Routing Transformer",
    .decisions = "cluster assignments",
    .model = "Routing Transformer golden model (golden/routing.c)",
};

/* Every output element against gold_routing's, then every assignment. */
static int rt_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  chk_gold_t g = {0};
  g.out = chk_gold_alloc(w, &rt_shape, &g.maxq);
  g.rc = g.out ? gold_routing(c, w, t, g.out, &g.log, NULL) : ERR_RUN;
  r->pruned = true;
  return chk_finish(w, mi, &rt_shape, &g, simlog, r);
}

const mech_t mech_routing = {
    .name = "routing",
    .doc = "docs/routing.md",
    .claims = rt_claims,
    .wl_keys = rt_keys,
    .wl_nkeys = (int)(sizeof rt_keys / sizeof rt_keys[0]),
    .wl_check = rt_wl_check,
    .lower = lower_routing,
    .check = rt_check,
    .needs_data = "--timing-only cannot route: the clusters, and so every "
                  "attention's length, come from the data",
    .head_markers = rt_claims,
    .report_ops_text = rt_ops_text,
};

/* biformer.c - BiFormer's bi-level routing attention (docs/biformer.md):
 * region routing on the top-k engine, gathered regions, local context
 * enhancement on the P x V array, per-stage reports. Lowered by
 * compiler/lower_biformer.c; checked against golden/biformer.c. */
#include "mech.h"

#include <stdlib.h>

#include "bfshape.h"
#include "jsonw.h"
#include "report.h"
#include "schedule.h"
#include "wlkeys.h"
#include "biformer.h"
#include "check.h"
#include "lower.h"

static bool bf_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_BIFORMER;
}

/* ---- workload: the biformer.* keys and rules ----------------------------- */

static const yl_key_t bf_keys[] = {
  /* BiFormer-T at 224 x 224 (Zhu et al. CVPR 2023): stage 1 of 4 */
  WK_INT("biformer.regions", bf_regions, "7", 1, 64, "regions",
      "biformer: S, regions per side of every stage's grid"),
  WK_INT_LIST("biformer.height", bf_height, bf_nheight, "56", 1, 4096, "tokens",
         "biformer: per stage, token grid rows (a multiple of regions)"),
  WK_INT_LIST("biformer.width", bf_width, bf_nwidth, "56", 1, 4096, "tokens",
         "biformer: per stage, token grid columns (a multiple of regions)"),
  WK_INT_LIST("biformer.topk", bf_topk, bf_ntopk, "1", 1, 4096, "regions",
         "biformer: per stage, regions each region attends to (regions^2: "
         "all, no routing)"),
  WK_INT_LIST("biformer.channels", bf_channels, bf_nchannels, "64", 1, 65536,
         "channels", "biformer: per stage, C = heads x model.head_dim"),
  WK_INT_LIST("biformer.blocks", bf_blocks, bf_nblocks, "2", 1, 1024, "blocks",
         "biformer: per stage, transformer blocks (model.layers = the most)"),
  WK_INT("biformer.lce_kernel", bf_lce_kernel, "5", 0, 15, "taps",
      "biformer: side of the depthwise LCE convolution on V (odd; 0 = none)"),
};

/* A BiFormer list must have one entry per stage (prefill.tokens). */
static int bf_check_len(const wl_t *w, const yl_schema_t *sc, const char *origin,
                        const yl_mark_t *marks, const char *key, int n,
                        err_t *e) {
  if (n == w->ncases) return 0;
  return yl_err_key(sc, marks, origin, key, e,
                    "wrong length (got %d entr%s, expected one per stage: "
                    "prefill.tokens has %d)", n, n == 1 ? "y" : "ies",
                    w->ncases);
}

/* Shape rules of one stage (docs/biformer.md). */
static int bf_check_stage(const wl_t *w, const yl_schema_t *sc, const char *origin,
                          const yl_mark_t *marks, int s, err_t *e) {
  int S = w->bf_regions, H = w->bf_height[s], W = w->bf_width[s];
  if (H % S || W % S)
    return yl_err_key(sc, marks, origin,
                      H % S ? "biformer.height" : "biformer.width", e,
                      "grid not a whole number of regions (got %d as entry "
                      "%d, expected a multiple of biformer.regions = %d)",
                      H % S ? H : W, s, S);
  if (w->tokens[s] != H * W)
    return yl_err_key(sc, marks, origin, "prefill.tokens", e,
                      "tokens differ from the grid (got %d as entry %d, "
                      "expected biformer.height x width = %d)",
                      w->tokens[s], s, H * W);
  if (w->bf_topk[s] > S * S)
    return yl_err_key(sc, marks, origin, "biformer.topk", e,
                      "more regions than the grid has (got %d as entry %d, "
                      "expected <= regions^2 = %d)", w->bf_topk[s], s, S * S);
  if (w->bf_channels[s] % w->head_dim ||
      w->bf_channels[s] / w->head_dim > w->heads)
    return yl_err_key(sc, marks, origin, "biformer.channels", e,
                      "not whole heads (got %d as entry %d, expected a "
                      "multiple of model.head_dim = %d, at most model.heads "
                      "x head_dim = %d)", w->bf_channels[s], s, w->head_dim,
                      w->heads * w->head_dim);
  if (w->bf_blocks[s] > w->layers)
    return yl_err_key(sc, marks, origin, "biformer.blocks", e,
                      "more blocks than model.layers (got %d as entry %d, "
                      "expected <= %d)", w->bf_blocks[s], s, w->layers);
  return 0;
}

/* Cross-field rules of model.kind biformer: prefill without a schedule,
 * one list entry per stage, every stage's shape. */
static int bf_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  const char *keys[5] = {"biformer.height", "biformer.width", "biformer.topk",
                         "biformer.channels", "biformer.blocks"};
  int ns[5] = {w->bf_nheight, w->bf_nwidth, w->bf_ntopk, w->bf_nchannels,
               w->bf_nblocks}, val;
  const char *key, *want;
  if (w->kind != WL_BIFORMER) return 0;
  if ((key = wl_dense_only_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind biformer (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->phase != WL_PREFILL || w->causal)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "biformer runs non-causal prefill (got %s%s, expected "
                      "prefill with prefill.causal false)",
                      w->phase == WL_PREFILL ? "prefill"
                      : w->phase == WL_DECODE ? "decode" : "serve",
                      w->causal ? " causal" : "");
  for (int k = 0; k < 5; k++)
    if (bf_check_len(w, sc, origin, marks, keys[k], ns[k], e)) return e->status;
  if (w->bf_lce_kernel % 2 == 0 && w->bf_lce_kernel)
    return yl_err_key(sc, marks, origin, "biformer.lce_kernel", e,
                      "even kernel has no centre (got %d, expected an odd "
                      "number or 0)", w->bf_lce_kernel);
  for (int s = 0; s < w->ncases; s++)
    if (bf_check_stage(w, sc, origin, marks, s, e)) return e->status;
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with biformer is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  return 0;
}

static void bf_keep_layers(wl_t *w, int n) {
  for (int s = 0; s < w->bf_nblocks; s++)
    if (w->bf_blocks[s] > n) w->bf_blocks[s] = n;
}

static int bf_region_rows(const wl_t *w, int cs) {
  bf_geo_t g;
  bf_geo(w, cs, &g);
  return g.R;
}

static int bf_lce_kernel(const wl_t *w) { return w->bf_lce_kernel; }

/* ---- report: the routing and LCE MACs, then a row per stage ------------ */

static void bf_ops_text(const rep_t *r, FILE *f) {
  char a[48], b[48];
  fprintf(f, "  biformer   routing %s MACs (Q x K array), LCE %s MACs (P x V "
             "array)\n", rep_fmt_count(r->st->c[ST_ROUTING_MACS], a, sizeof a),
          rep_fmt_count(r->st->c[ST_LCE_MACS], b, sizeof b));
}

/* One stage's line: its counters by stat path, its MACs and energy
 * (%.6g: a stage's share is a summary, not a counter). */
static void bf_json_stage(const rep_t *r, int cs, jw_t *w) {
  static const stat_id_t ids[] = {ST_ROUTING_MACS, ST_QK_MACS, ST_AV_MACS,
                                  ST_LCE_MACS, ST_DRAM_READ_BYTES,
                                  ST_DRAM_WRITE_BYTES, ST_DRAM_TRANSFERRED_BYTES};
  rep_case_t g;
  rep_case_figures(r, cs, &g);
  jw_object(w, JW_INLINE);
  jw_key(w, "case");
  jw_i64(w, cs);
  jw_key(w, "stage");
  jw_i64(w, cs + 1);
  jw_key(w, "cycles");
  jw_u64(w, g.st.c[ST_CYCLES]);
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    jw_key(w, stat_info[ids[i]].path);
    jw_u64(w, g.st.c[ids[i]]);
  }
  jw_key(w, "ops.macs");
  jw_u64(w, g.macs);
  jw_key(w, "energy_pj");
  jw_real_prec(w, g.energy_pj, 6);
  jw_end(w);
}

/* "stages": a stage is a case of a biformer workload. */
static void bf_json(const rep_t *r, jw_t *w) {
  jw_key(w, "stages");
  jw_array(w, JW_LINES);
  for (int cs = 0; cs < r->wl->ncases; cs++) bf_json_stage(r, cs, w);
  jw_end(w);
}

/* One text line per stage (the JSON rows' figures). */
static void bf_text(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48], d[48], e[48], g[48], h[48];
  fprintf(f, "\n  per stage       cycles   routing MACs       Q x K MACs"
             "       P x V MACs         LCE MACs   DRAM read   energy\n");
  for (int cs = 0; cs < r->wl->ncases; cs++) {
    rep_case_t s;
    rep_case_figures(r, cs, &s);
    fprintf(f, "  stage %d %14s %14s %16s %16s %16s %11s %8s\n", cs + 1,
            rep_fmt_count(s.st.c[ST_CYCLES], a, sizeof a),
            rep_fmt_count(s.st.c[ST_ROUTING_MACS], b, sizeof b),
            rep_fmt_count(s.st.c[ST_QK_MACS], c, sizeof c),
            rep_fmt_count(s.st.c[ST_AV_MACS], d, sizeof d),
            rep_fmt_count(s.st.c[ST_LCE_MACS], e, sizeof e),
            rep_fmt_si((double)s.st.c[ST_DRAM_READ_BYTES], "B", g, sizeof g),
            rep_fmt_si(s.energy_pj * 1e-12, "J", h, sizeof h));
  }
}

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
    .decisions = "routing decisions",
    .model = "BiFormer golden model (golden/biformer.c)",
};

/* Every output element of the blocks and heads each stage has against
 * gold_biformer's, then the routing decisions in program order. */
static int bf_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  chk_gold_t g = {0};
  g.out = chk_gold_alloc(w, &bf_shape, &g.maxq);
  g.rc = g.out ? gold_biformer(c, w, t, g.out, &g.log) : ERR_RUN;
  r->pruned = true;
  return chk_finish(w, mi, &bf_shape, &g, simlog, r);
}

const mech_t mech_biformer = {
    .name = "biformer",
    .doc = "docs/biformer.md",
    .claims = bf_claims,
    .wl_keys = bf_keys,
    .wl_nkeys = (int)(sizeof bf_keys / sizeof bf_keys[0]),
    .wl_check = bf_wl_check,
    .wl_keep_layers = bf_keep_layers,
    .lower = lower_biformer,
    .check = bf_check,
    .head_markers = bf_claims,
    .per_layer = true,
    .region_rows = bf_region_rows,
    .lce_kernel = bf_lce_kernel,
    .report_json = bf_json,
    .report_ops_text = bf_ops_text,
    .report_text = bf_text,
};

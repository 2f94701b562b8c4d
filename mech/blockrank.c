/* blockrank.c - block-sparse document masks (docs/blockrank.md):
 * BlockRank's structured attention over concatenated segments (Gupta et
 * al. 2025), the document masking of packed sequences. A query sees its
 * own segment, the global segments and, in the last segment with
 * blockrank.query_last, everything; the compiler fetches whole K/V blocks
 * of blockrank.block tokens that meet an allowed span and discards the
 * scores of their masked keys. Lowered by compiler/lower_blockrank.c;
 * checked bit for bit against golden/blockrank.c. The mask is static:
 * no run-time decisions. */
#include "mech.h"

#include <stdlib.h>

#include "blockrank.h"
#include "check.h"
#include "jsonw.h"
#include "lower.h"
#include "report.h"
#include "schedule.h"
#include "wlkeys.h"

static bool br_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_BLOCKRANK;
}

/* ---- workload: the blockrank.* keys and rules --------------------------- */

static const yl_key_t br_keys[] = {
  /* defaults: one segment of 0 tokens (set it: the sum must equal
   * prefill.tokens), no global segment, the last segment sees all,
   * 64-token blocks (assumed: FlashAttention-style K/V tiles) */
  {"blockrank.segments", YL_INT_LIST, WK_F(br_seg), WL_BR_MAX_SEGS,
   WK_F(br_nseg), "0", 0, WL_MAX_TOKENS, 0, NULL, "tokens",
   "blockrank: segment lengths in order (instruction, documents, query), "
   "summing to every case's prefill.tokens"},
  {"blockrank.global", YL_INT_LIST, WK_F(br_global), WL_BR_MAX_SEGS,
   WK_F(br_nglobal), "-1", -1, WL_BR_MAX_SEGS - 1, 0, NULL, "segments",
   "blockrank: indices of the segments every query attends to (-1 alone: "
   "none)"},
  {"blockrank.query_last", YL_BOOL, WK_F(br_query_last), 0, 0, "true", 0, 0,
   0, NULL, "",
   "blockrank: the last segment (the query) attends to every key"},
  WK_INT("blockrank.block", br_block, "64", 1, 65536, "tokens",
         "blockrank: K/V block the compiler fetches whole (masked keys of a "
         "partial block are scored and discarded)"),
};

static int br_refuse(const wl_t *w, const yl_schema_t *sc, const char *origin,
                     const yl_mark_t *marks, err_t *e) {
  const char *key, *want;
  int val;
  if ((key = wl_full_mha_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind blockrank (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->phase != WL_PREFILL)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "blockrank runs prefill (got %s, expected prefill)",
                      wl_phase_name(w->phase));
  if (w->kvq_bits)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.kind blockrank (got %d, "
                      "expected 0)", w->kvq_bits);
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP)) /* keeps 1, the rest 0 */
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with blockrank is not "
                          "supported (got %g as entry %d, expected the "
                          "default %d)", w->sched[k][i], i,
                          k <= WL_S_VALUE_KEEP);
  return 0;
}

/* Cross-field rules of model.kind blockrank: prefill without a schedule,
 * window, latent rows or KIVI; segments of >= 1 token summing to every
 * case's tokens; global indices naming segments (or -1 alone). */
static int br_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  int sum = 0, i;
  if (w->kind != WL_BLOCKRANK) return 0;
  if (br_refuse(w, sc, origin, marks, e)) return e->status;
  for (i = 0; i < w->br_nseg; i++) {
    if (w->br_seg[i] < 1)
      return yl_err_key(sc, marks, origin, "blockrank.segments", e,
                        "empty segment (got %d as entry %d, expected >= 1)",
                        w->br_seg[i], i);
    sum += w->br_seg[i];
  }
  for (i = 0; i < w->ncases; i++)
    if (w->tokens[i] != sum)
      return yl_err_key(sc, marks, origin, "prefill.tokens", e,
                        "tokens differ from the segments (got %d as entry %d, "
                        "expected the sum of blockrank.segments = %d)",
                        w->tokens[i], i, sum);
  for (i = 0; i < w->br_nglobal; i++) {
    int g = w->br_global[i];
    if (g == -1 && w->br_nglobal == 1) break;
    if (g < 0 || g >= w->br_nseg)
      return yl_err_key(sc, marks, origin, "blockrank.global", e,
                        "no such segment (got %d as entry %d, expected 0 .. "
                        "%d, or -1 alone for none)", g, i, w->br_nseg - 1);
  }
  return 0;
}

/* ---- check: bit for bit against golden/blockrank.c ---------------------- */

static const chk_shape_t br_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "blockrank",
    .model = "blockrank golden model (golden/blockrank.c: dense attention under the mask)",
};

static int br_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  chk_gold_t g = {0};
  g.out = chk_gold_alloc(w, &br_shape, &g.maxq);
  g.rc = g.out ? gold_blockrank(c, w, t, g.out) : ERR_RUN;
  return chk_finish(w, mi, &br_shape, &g, simlog, r);
}

/* ---- report: the discarded scores ------------------------------------- */

/* Q x K MACs on masked keys of partial blocks: every scored row is a
 * block row and every P x V row an allowed one (both head_dim wide), so
 * the difference is the discarded work. */
static uint64_t br_masked_macs(const rep_t *r) {
  uint64_t qk = r->st->c[ST_QK_MACS], av = r->st->c[ST_AV_MACS];
  return qk > av ? qk - av : 0;
}

static void br_json(const rep_t *r, jw_t *w) {
  jw_key(w, "blockrank");
  jw_object(w, JW_INLINE);
  jw_key(w, "block");
  jw_i64(w, r->wl->br_block);
  jw_key(w, "masked_qk_macs");
  jw_u64(w, br_masked_macs(r));
  jw_end(w);
}

static void br_ops_text(const rep_t *r, FILE *f) {
  char a[48];
  uint64_t qk = r->st->c[ST_QK_MACS], m = br_masked_macs(r);
  fprintf(f, "  blockrank  %s Q x K MACs on masked keys of partial %d-token "
             "blocks, scored and discarded (%.1f%% of Q x K)\n",
          rep_fmt_count(m, a, sizeof a), r->wl->br_block,
          qk ? 100.0 * (double)m / (double)qk : 0.0);
}

const mech_t mech_blockrank = {
    .name = "blockrank",
    .doc = "docs/blockrank.md",
    .claims = br_claims,
    .wl_keys = br_keys,
    .wl_nkeys = (int)(sizeof br_keys / sizeof br_keys[0]),
    .wl_check = br_wl_check,
    .lower = lower_blockrank,
    .check = br_check,
    .report_json = br_json,
    .report_ops_text = br_ops_text,
};

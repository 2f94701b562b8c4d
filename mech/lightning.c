/* lightning.c - Lightning Attention-2 (Qin et al. 2024; docs/lightning.md):
 * linear attention with a per-head decay, causal prefill in blocks, the
 * d x d state held on chip in OBUF rows; decode of one sequence, the state
 * loaded from and stored to DRAM (the LS region) every step. Lowered by
 * compiler/lower_lightning.c; checked against golden/lightning.c. */
#include "mech.h"

#include <stdlib.h>

#include "check.h"
#include "layout.h"
#include "lightning.h"
#include "lower.h"
#include "schedule.h"
#include "wlkeys.h"

static bool lt_claims(const wl_t *w, int width) {
  (void)width;
  return w->kind == WL_LIGHTNING;
}

/* ---- workload: the lightning.* keys and rules ---------------------------- */

static const yl_key_t lt_keys[] = {
  WK_INT("lightning.block", lt_block, "64", 1, 4096, "tokens",
         "lightning: B, tokens per block (intra part masked, inter part "
         "through the d x d state)"),
  WK_DBL_LIST("lightning.decay", lt_decay, lt_ndecay, "0.9921875", 0, 1,
              YL_MIN_OPEN,
              "lightning: lambda per head (one entry: every head's), in "
              "(0, 1], used as round(lambda 2^16) (Q0.16)"),
};

/* Cross-field rules of model.kind lightning: causal prefill or decode of
 * one sequence, full multi-head attention, no schedule or KIVI, one decay
 * or one per head. */
static int lt_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  const char *key, *want;
  int val;
  if (w->kind != WL_LIGHTNING) return 0;
  if ((key = wl_dense_only_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with model.kind lightning (got %s = %d, "
                      "expected %s)", key, val, want);
  if (w->phase == WL_SERVE)
    return yl_err_key(sc, marks, origin, "phase", e,
                      "lightning runs causal prefill or decode (got serve, "
                      "expected prefill or decode; serve is not lowered, "
                      "docs/lightning.md)");
  if (w->phase == WL_DECODE && w->batch > 1)
    return yl_err_key(sc, marks, origin, "decode.batch", e,
                      "lightning decodes one sequence (got %d, expected 1)",
                      w->batch);
  if (w->phase == WL_PREFILL && !w->causal)
    return yl_err_key(sc, marks, origin, "prefill.causal", e,
                      "lightning attention is causal (got false, expected "
                      "true)");
  if (w->kvq_bits)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.kind lightning (got %d, "
                      "expected 0: there is no K/V cache to quantize)",
                      w->kvq_bits);
  if (w->lt_ndecay != 1 && w->lt_ndecay != w->heads)
    return yl_err_key(sc, marks, origin, "lightning.decay", e,
                      "wrong length (got %d entries, expected 1 or one per "
                      "head: model.heads = %d)", w->lt_ndecay, w->heads);
  for (int k = 0; k < WL_S_COUNT; k++)
    for (int i = 0; i < w->sched_n[k]; i++)
      if (w->sched[k][i] != (k <= WL_S_VALUE_KEEP))
        return yl_err_key(sc, marks, origin, sched_key[k], e,
                          "a SpAtten schedule with lightning is not supported "
                          "(got %g as entry %d, expected the default %d)",
                          w->sched[k][i], i, k <= WL_S_VALUE_KEEP);
  return 0;
}

/* The buffers a block needs: the state's d rows and one output row in
 * OBUF, the block's rows in KBUF and VBUF, a block of scores in SBUF
 * (decode: the state and an output row only; a K and V row always fit).
 * mapping.softmax has no effect: there is no softmax to tile. */
static int lt_hw_check(const cfg_t *c, const wl_t *w, const char *cfg_name,
                       err_t *e) {
  lay_t l;
  int B = w->lt_block, d = w->head_dim;
  if (lay_init(&l, c, w, cfg_name, e)) return e->status;
  if (l.obuf_rows < d + 1)
    return err_at(e, cfg_name, 0, 0, "buffers.output_bytes",
                  "output buffer too small for lightning's state (got %d "
                  "rows, expected at least head_dim + 1 = %d: the d x d "
                  "state and an output row)", l.obuf_rows, d + 1);
  if (wl_generates(w)) return 0;
  if (l.kbuf_rows < B || l.vbuf_rows < B)
    return err_at(e, cfg_name, 0, 0,
                  l.kbuf_rows < B ? "buffers.key_bytes" : "buffers.value_bytes",
                  "buffer too small for a lightning block (got %d rows, "
                  "expected at least lightning.block = %d)",
                  l.kbuf_rows < l.vbuf_rows ? l.kbuf_rows : l.vbuf_rows, B);
  if (l.sbuf_entries < B)
    return err_at(e, cfg_name, 0, 0, "buffers.score_entries",
                  "score buffer too small for a lightning block (got %d "
                  "entries, expected at least lightning.block = %d)",
                  l.sbuf_entries, B);
  return 0;
}

static const chk_shape_t lt_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "Lightning Attention-2",
    .model = "Lightning Attention-2 golden model (golden/lightning.c)",
};

/* Every output element against gold_lightning's, bit for bit. */
static int lt_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  chk_gold_t g = {0};
  g.out = chk_gold_alloc(w, &lt_shape, &g.maxq);
  g.rc = g.out ? gold_lightning(c, w, t, g.out, g.maxq) : ERR_RUN;
  return chk_finish(w, mi, &lt_shape, &g, simlog, r);
}

const mech_t mech_lightning = {
    .name = "lightning",
    .doc = "docs/lightning.md",
    .claims = lt_claims,
    .wl_keys = lt_keys,
    .wl_nkeys = (int)(sizeof lt_keys / sizeof lt_keys[0]),
    .wl_check = lt_wl_check,
    .lower = lower_lightning,
    .tiles = true, /* so map_choose judges no softmax row; lowering ignores it */
    .check = lt_check,
    .hw_check_wl = lt_hw_check,
    .extra_writes = "state stored", /* decode: STS, no K/V cache */
};

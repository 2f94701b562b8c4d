/* spatten.c - SpAtten's schedule (docs/spatten.md): cascade token and
 * head pruning, local value pruning, progressive quantization, every
 * decision made on the simulated data. Lowered by
 * compiler/lower_spatten.c; checked against golden/spatten.c. */
#include <limits.h>

#include "mech.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lower.h"
#include "schedule.h"
#include "wlkeys.h"
#include "spatten.h"

static bool sp_claims(const wl_t *w, int width) { return sched_active(w, width); }

/* Token, head and value pruning need the pruning hardware. */
static int sp_hw_check(const cfg_t *c, const char *cfg_name, err_t *e) {
  if (c->pruning) return 0;
  return err_at(e, cfg_name, 0, 0, "features.pruning",
                "the workload's SpAtten schedule needs pruning hardware "
                "(got false, expected true, or run the workload with --dense)");
}

static const chk_shape_t sp_shape = {
    .names = {"case", "layer", "head", "query"},
    .note = "SpAtten schedule",
    .decisions = "decisions",
    .model = "SpAtten golden model",
};

/* Outputs bit for bit against gold_spatten's, then every decision; the
 * accuracy cost against dense float attention in the summary. */
static int sp_check(const cfg_t *c, const wl_t *w, const ten_t *t,
                    const memimg_t *mi, const declog_t *simlog, chk_t *r) {
  gold_sp_acc_t acc = {0};
  chk_gold_t g = {.acc = &acc};
  g.out = chk_gold_alloc(w, &sp_shape, &g.maxq);
  g.rc = g.out ? gold_spatten(c, w, t, g.out, &g.log, &acc) : ERR_RUN;
  r->pruned = true;
  return chk_finish(w, mi, &sp_shape, &g, simlog, r);
}

/* ---- workload: the schedule's keys and rules ----------------------------- */

/* The SpAtten schedule (docs/spatten.md); defaults are dense attention. */
#define SCHED(k, i, def, lo, hi, flags, doc) \
  WK_DBL_LIST(k, sched[i], sched_n[i], def, lo, hi, flags, doc)
static const yl_key_t sp_keys[] = {
  SCHED("schedule.token_keep", WL_S_TOKEN_KEEP, "1", 0, 1, YL_MIN_OPEN,
        "per layer: fraction of the context kept after the layer (the "
        "last: for the next decode step)"),
  SCHED("schedule.head_keep", WL_S_HEAD_KEEP, "1", 0, 1, YL_MIN_OPEN,
        "per layer: fraction of the heads kept after the layer"),
  SCHED("schedule.value_keep", WL_S_VALUE_KEEP, "1", 0, 1, YL_MIN_OPEN,
        "per layer: fraction of a query's value rows fetched"),
  SCHED("schedule.key_msb_bits", WL_S_KEY_MSB, "0", 0, 16, 0,
        "per layer: key bits fetched first (0 = the datapath width)"),
  SCHED("schedule.key_lsb_bits", WL_S_KEY_LSB, "0", 0, 16, 0,
        "per layer: key bits a low-bit refetch adds (0 = never refetch)"),
  SCHED("schedule.value_bits", WL_S_VALUE_BITS, "0", 0, 16, 0,
        "per layer: value bits fetched (0 = the datapath width)"),
  SCHED("schedule.threshold", WL_S_THRESHOLD, "0", 0, 1, 0,
        "per layer: refetch low bits when the largest probability is below"),
};
#undef SCHED

/* Cross-field rules for the schedule: lists of 1 or `layers` entries,
 * whole bit counts, no token pruning where the key count of a query would
 * depend on the data (causal prefill). */
static int sp_wl_check(const wl_t *w, const yl_schema_t *sc,
                       const char *origin, const yl_mark_t *marks, err_t *e) {
  const char *const *names = sched_key, *key, *want;
  int val;
  for (int k = 0; k < WL_S_COUNT; k++) {
    int n = w->sched_n[k];
    if (n > w->layers) /* most likely model.layers was lowered by hand */
      return yl_err_key(sc, marks, origin, names[k], e,
                        "wrong length (got %d entries, expected 1 or "
                        "model.layers = %d); to run the first %d layer%s, "
                        "keep model.layers = %d and add --layers %d (it cuts "
                        "every per-layer list to %d entr%s)", n, w->layers,
                        w->layers, w->layers == 1 ? "" : "s", n, w->layers,
                        w->layers, w->layers == 1 ? "y" : "ies");
    if (n != 1 && n != w->layers)
      return yl_err_key(sc, marks, origin, names[k], e,
                        "wrong length (got %d entries, expected 1 or "
                        "model.layers = %d)", n, w->layers);
    for (int i = 0; k >= WL_S_KEY_MSB && k <= WL_S_VALUE_BITS && i < n; i++)
      if (w->sched[k][i] != (double)(int)w->sched[k][i])
        return yl_err_key(sc, marks, origin, names[k], e,
                          "not a whole number of bits (got %g as entry %d, "
                          "expected an integer)", w->sched[k][i], i);
  }
  /* a schedule that prunes or quantizes at some width (sched_active at
   * the widest) is SpAtten's; it assumes every key of the causal bound
   * and separate values (grouped-query attention is lowered: query head h
   * reads K/V head h / group, docs/spatten.md) */
  if (sched_active(w, INT_MAX) && (key = wl_full_mha_key(w, &val, &want)))
    return yl_err_key(sc, marks, origin, key, e,
                      "not supported with a SpAtten schedule (got %s = %d "
                      "with schedule keys that prune or quantize, expected "
                      "%s, or the schedule's defaults: run with --dense)",
                      key, val, want);
  /* SpAtten decodes one sequence whose cache it only reads */
  if (sched_active(w, INT_MAX) &&
      (w->phase == WL_SERVE || (w->phase == WL_DECODE && w->batch != 1)))
    return yl_err_key(sc, marks, origin,
                      w->phase == WL_SERVE ? "phase" : "decode.batch", e,
                      "not supported with a SpAtten schedule (got %s, "
                      "expected %s, or the schedule's defaults: run with "
                      "--dense)",
                      w->phase == WL_SERVE ? "phase serve" : "a batch above 1",
                      w->phase == WL_SERVE ? "prefill or decode" : "1");
  for (int i = 0; i < w->sched_n[WL_S_TOKEN_KEEP]; i++)
    if (w->phase == WL_PREFILL && w->causal && w->sched[WL_S_TOKEN_KEEP][i] < 1)
      return yl_err_key(sc, marks, origin, "schedule.token_keep", e,
                        "token pruning with causal prefill is not supported "
                        "(got %g as entry %d with prefill.causal true, "
                        "expected 1)", w->sched[WL_S_TOKEN_KEEP][i], i);
  return 0;
}

/* --layers n: the first n entries; a cut token_keep list's new last entry
 * becomes 1, so the cut run prunes within its steps as the full one did
 * (the last entry is the cascade across decode steps, docs/spatten.md). */
static void sp_keep_layers(wl_t *w, int n) {
  if (w->sched_n[WL_S_TOKEN_KEEP] > n && n > 0)
    w->sched[WL_S_TOKEN_KEEP][n - 1] = 1;
  for (int k = 0; k < WL_S_COUNT; k++)
    if (w->sched_n[k] > n) w->sched_n[k] = n;
}

const mech_t mech_spatten = {
    .name = "spatten",
    .doc = "docs/spatten.md",
    .claims = sp_claims,
    .wl_keys = sp_keys,
    .wl_nkeys = (int)(sizeof sp_keys / sizeof sp_keys[0]),
    .wl_check = sp_wl_check,
    .wl_keep_layers = sp_keep_layers,
    .lower = lower_spatten,
    .tiles = true, /* when forced or a row does not fit (common/mapping.c) */
    .hw_check = sp_hw_check,
    .check = sp_check,
    .needs_data = "--timing-only cannot make the schedule's pruning "
                  "decisions (they come from the data): drop it, or add --dense",
    .head_markers = sp_claims, /* HEAD markers let pruned heads be skipped */
};

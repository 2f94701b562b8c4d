/* dense.c - dense multi-head attention (compiler/lower_dense.c): every
 * query attends to every key of its head; no markers, no decisions.
 * --check: bit-exact with the fixed-point golden model and within the
 * float bound of sim/check.h (chk_dense). With kv_quant.bits (KIVI,
 * docs/kivi.md) the golden model quantizes K and V as the fetchers do;
 * the report states the output error against unquantized attention. */
#include "mech.h"

#include <limits.h>

#include "check.h"
#include "jsonw.h"
#include "lower.h"
#include "report.h"
#include "schedule.h"
#include "wlkeys.h"

/* KIVI (Liu et al. 2024): the K/V cache quantized per channel (keys) and
 * per token (values); defaults: off, KIVI's group 32 and residual 128. */
static const yl_key_t dense_keys[] = {
  WK_INT("kv_quant.bits", kvq_bits, "0", 0, 16, "bits",
         "K/V cache quantization (KIVI, docs/kivi.md): bits per code, 2, 4 "
         "or 8; 0: off"),
  WK_INT("kv_quant.group", kvq_group, "32", 1, 65535, "elements",
         "elements sharing a scale and zero point: consecutive tokens of a "
         "key channel, consecutive channels of a value row (divides "
         "model.head_dim)"),
  WK_INT("kv_quant.residual", kvq_residual, "128", 0, 65535, "tokens",
         "the latest tokens of the cache kept at 16 bits"),
};

/* Cross-field rules of kv_quant: a bit count the codes pack, value
 * groups tiling a row, dense attention only. */
static int dense_wl_check(const wl_t *w, const yl_schema_t *sc,
                          const char *origin, const yl_mark_t *marks,
                          err_t *e) {
  int b = w->kvq_bits;
  if (b && b != 2 && b != 4 && b != 8)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "unsupported code width (got %d, expected 0, 2, 4 or "
                      "8)", b);
  if (b && w->head_dim % w->kvq_group)
    return yl_err_key(sc, marks, origin, "kv_quant.group", e,
                      "does not divide model.head_dim (got %d with head_dim "
                      "%d, expected a divisor of %d)",
                      w->kvq_group, w->head_dim, w->head_dim);
  if (b && (w->kind == WL_BIFORMER || sched_active(w, INT_MAX)))
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with %s (got %d, expected 0)",
                      w->kind == WL_BIFORMER ? "model.kind biformer"
                                             : "a SpAtten schedule",
                      b);
  if (b && w->v_from_k)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with model.v_from_k (got %d with "
                      "v_from_k %d, expected 0: latent rows are not "
                      "quantized per channel and per token at once)",
                      b, w->v_from_k);
  if (b && w->phase == WL_SERVE)
    return yl_err_key(sc, marks, origin, "kv_quant.bits", e,
                      "not supported with phase serve (got %d, expected 0: "
                      "the quantized cache is an input, docs/kivi.md)", b);
  if (b && wl_generates(w) && w->kvq_residual < 1)
    return yl_err_key(sc, marks, origin, "kv_quant.residual", e,
                      "decode appends each new token at 16 bits (got %d, "
                      "expected >= 1)", w->kvq_residual);
  return 0;
}

/* KIVI's accuracy (--check with kv_quant): the outputs against the
 * unquantized fixed-point golden outputs, in real units. */
static void dense_json(const rep_t *r, jw_t *w) {
  if (!r->checked || !r->acc_kvq) return;
  jw_key(w, "kv_quant_accuracy");
  jw_object(w, JW_INLINE);
  jw_key(w, "bits");
  jw_i64(w, r->wl->kvq_bits);
  jw_key(w, "max_abs_error");
  jw_real(w, r->acc_kvq_max_err);
  jw_key(w, "rms_error");
  jw_real(w, r->acc_kvq_rms_err);
  jw_key(w, "rel_error");
  jw_real(w, r->acc_kvq_rel_err);
  jw_end(w);
}

static void dense_text(const rep_t *r, FILE *f) {
  if (!r->checked || !r->acc_kvq) return;
  fprintf(f, "  kv_quant   %d-bit K/V cache (group %d, residual %d): output "
          "error against unquantized max %.4g, RMS %.4g, relative %.3g\n",
          r->wl->kvq_bits, r->wl->kvq_group, r->wl->kvq_residual,
          r->acc_kvq_max_err, r->acc_kvq_rms_err, r->acc_kvq_rel_err);
}

const mech_t mech_dense = {
    .name = "dense",
    .doc = "README.md",
    .wl_keys = dense_keys,
    .wl_nkeys = (int)(sizeof dense_keys / sizeof dense_keys[0]),
    .wl_check = dense_wl_check,
    .lower = lower_dense,
    .tiles = true,
    .check = chk_dense,
    .report_json = dense_json,
    .report_text = dense_text,
    .appends_cache = true,
};

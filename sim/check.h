/* check.h - --check: the simulator's outputs against the golden models.
 *
 * chk_run hands the check to the mechanism that owns the workload (its
 * entry's .check, mech/mech.h); the mechanisms share the comparators
 * below. Dense attention (chk_dense):
 * Fixed point: every output element must equal gold_head_fixed's, bit for
 * bit. Float: |sim - gold_head_float| must stay within a bound derived
 * per head from the datapath's rounding steps (F = frac_bits, P =
 * prob_bits, d = head_dim, L = keys attended, vmax = max |v|):
 *   ds  = (max|q|_1 + max|k|_1) 2^-(F+1) / sqrt(d) + d 2^-2(F+1) / sqrt(d)
 *         + 2^-(F+1) (scale rounding) + ln2 2^-(F+1) (exp argument)
 *         + 2^-16 (exp table)                 bound on any score's error
 *   tol = vmax (2 ds + L 2^-(P+1)) + 2 * 2^-(F+1)
 * (a softmax moves by at most 2 ds in L1 when its scores move by ds;
 * each probability is rounded once; V and the output are rounded once).
 * The bound assumes no input saturated; saturated elements are reported.
 *
 * With a SpAtten schedule (docs/spatten.md) the fixed-point reference is
 * golden/spatten.c's gold_spatten: outputs must match bit for bit and
 * every run-time decision (tokens and heads kept, values kept, low-bit
 * refetches) must equal the golden model's, in program order. The float
 * bound does not apply (pruning changes results by design); the accuracy
 * cost against dense float attention is reported instead (mech/spatten.c).
 * With kv_quant.bits (KIVI, docs/kivi.md) the fixed-point reference
 * quantizes K and V as the fetchers do and the float bound does not
 * apply; the error against the unquantized fixed-point outputs is
 * reported instead (kvq_* below).
 * BiFormer (mech/biformer.c) is checked the same way against
 * golden/biformer.c's gold_biformer, its routing decisions included.
 */
#ifndef ATTN_CHECK_H
#define ATTN_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "memimg.h"
#include "tensor.h"

typedef struct chk {
  bool ok;
  char msg[256];            /* first mismatch, or a summary */
  uint64_t compared;        /* output elements compared */
  uint64_t mismatches;      /* fixed-point elements that differ */
  double max_float_err;     /* max |sim - float golden| */
  double float_tol;         /* the bound at the worst head */
  bool float_ok;
  /* schedules only */
  bool pruned;              /* a schedule was checked */
  uint64_t decisions;       /* decisions compared */
  double rel_err;           /* ||out - dense||_2 / ||dense||_2 */
  double mass_kept;         /* mean share of dense attention mass used */
  double rel_err_renorm;    /* rel_err with the kept probabilities
                               renormalised to sum 1 */
  /* kv_quant (docs/kivi.md): the outputs against the unquantized
   * fixed-point golden outputs, in real units */
  bool kvq;                 /* a quantized cache was checked */
  double kvq_max_err;       /* max |out - out_dense| */
  double kvq_rms_err;       /* sqrt(mean (out - out_dense)^2) */
  double kvq_rel_err;       /* ||out - out_dense||_2 / ||out_dense||_2 */
  double kvq_err2, kvq_ref2; /* running sums of squares */
} chk_t;

/* Returns 0 when the check ran (see r->ok), ERR_RUN when out of memory
 * or when the workload's mechanism has no check.
 * simlog: the simulator's decisions (schedules), or NULL. */
int chk_run(const cfg_t *c, const wl_t *w, const ten_t *t,
            const memimg_t *mi, const declog_t *simlog, chk_t *r);

/* ---- for the mechanisms' checks (mech.h's .check; r comes zeroed, with
 * float_ok set) ---- */

/* Dense attention: fixed point and the float bound above. */
int chk_dense(const cfg_t *c, const wl_t *w, const ten_t *t,
              const memimg_t *mi, const declog_t *simlog, chk_t *r);

/* Where a mechanism's outputs are and how a mismatch names them. Per case
 * cs: layers(w, cs) layers (or blocks), heads(w, cs) heads, rows(w, cs)
 * output rows of head_dim elements per head; NULL: w->layers, w->heads,
 * wl_queries(w, cs). */
typedef struct chk_shape {
  const char *names[4]; /* the coordinates: case, layer, head, row */
  const char *note;     /* the message's closing note, in parentheses */
  /* chk_finish's summary: "N output elements[ and M <decisions>] equal
   * the <model>"; decisions NULL: none are compared */
  const char *decisions;
  const char *model;
  int (*layers)(const wl_t *w, int cs);
  int (*heads)(const wl_t *w, int cs);
  int (*rows)(const wl_t *w, int cs);
} chk_shape_t;

/* The comparator: head (cs, l, h)'s rows x d output elements (sim; NULL:
 * nothing stored, read as 0) against gold's, bit for bit. Counts
 * r->compared and r->mismatches; the first mismatch of the run sets
 * r->msg, named by s. */
void chk_compare_head(const chk_shape_t *s, const int16_t *sim,
                      const int16_t *gold, int rows, int d, int cs, int l,
                      int h, chk_t *r);

/* A golden output buffer for shape s, laid out as gold_spatten and
 * gold_biformer write it: head (cs, l, h) at ((cs * w->layers + l) *
 * w->heads + h) * maxq * head_dim, maxq the most rows of a case (>= 1).
 * Zeroed; NULL when out of memory. Free with free(). */
int16_t *chk_gold_alloc(const wl_t *w, const chk_shape_t *s, size_t *maxq);

/* Every head of shape s in the simulator's memory image against the
 * golden buffer (chk_gold_alloc's layout), through chk_compare_head. */
void chk_compare_outputs(const wl_t *w, const memimg_t *mi,
                         const int16_t *gold, size_t maxq,
                         const chk_shape_t *s, chk_t *r);

/* The simulator's decisions, sorted into program order, against the
 * golden model's. Returns false and sets r->msg at the first difference;
 * else sets r->decisions to the count compared. */
bool chk_decisions(const declog_t *sim, const declog_t *gold, chk_t *r);

/* A mechanism's golden run, for chk_finish: out from chk_gold_alloc
 * (NULL: out of memory) with maxq, rc the golden model's return, log its
 * decisions, acc its accuracy sums against dense attention (NULL: none). */
typedef struct chk_gold {
  int16_t *out;
  size_t maxq;
  int rc;
  declog_t log;
  const struct gold_sp_acc *acc;
} chk_gold_t;

/* The shared end of a mechanism's .check (r as .check gets it). When both
 * models ran without running out of memory: every output of shape s
 * against g->out, then, with s->decisions and simlog, the decisions in
 * program order, and the accuracy cost from g->acc. Frees g->out and
 * g->log. ERR_RUN when a model failed; else 0, r->ok set and, when ok,
 * s's summary in r->msg. */
int chk_finish(const wl_t *w, const memimg_t *mi, const chk_shape_t *s,
               chk_gold_t *g, const declog_t *simlog, chk_t *r);

#endif

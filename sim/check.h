/* check.h - --check: the simulator's outputs against the golden models.
 *
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
 * cost against dense float attention is reported instead.
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
} chk_t;

/* Returns 0 when the check ran (see r->ok), ERR_RUN when out of memory.
 * simlog: the simulator's decisions (schedules), or NULL. */
int chk_run(const cfg_t *c, const wl_t *w, const ten_t *t,
            const memimg_t *mi, const declog_t *simlog, chk_t *r);

#endif

/* spatten.h - golden models of SpAtten's techniques (docs/spatten.md).
 *
 * Written from the algorithm, independent of the simulator: a plain loop
 * over (case or decode step, layer, head, query) applying the workload's
 * schedule in the datapath's fixed-point arithmetic, logging every
 * decision, plus the same run's accuracy against dense float attention.
 */
#ifndef ATTN_GOLDEN_SPATTEN_H
#define ATTN_GOLDEN_SPATTEN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "tensor.h"
#include "workload.h"

/* Top-k by the tie rule (score desc, then index asc): writes the kept
 * indices in ascending order to keep and returns how many (min(k, n); 0
 * when k <= 0), or -1 when out of memory. */
int gold_topk(const int64_t *score, int n, int k, uint32_t *keep);

typedef struct gold_sp_acc {
  double err2, ref2;   /* sum of squared (output - dense) and of dense^2 */
  double err2_renorm;  /* sum of squared (renormalised output - dense): the
                          kept p_j over their sum times the fetched values,
                          in double precision */
  double mass;         /* sum over queries of the dense probability mass used */
  uint64_t queries;    /* queries computed */
} gold_sp_acc_t;

/* Run workload w with its schedule on datapath c. out (may be NULL) gets
 * every output as the simulator's DRAM holds it: for (cs, layer, head) the
 * block out + ((cs * layers + layer) * heads + head) * maxq * head_dim,
 * maxq = max over cases of wl_queries, rows of pruned queries and heads 0.
 * Decisions go to log (may be NULL), appended in program order: per
 * query DEC_REFETCH (layers that can refetch; n = its keys) then
 * DEC_VALUES (when values are pruned), query = the query's ordinal in its
 * head this layer (decode: 0); per layer DEC_TOKENS then DEC_HEADS (when
 * a top-k runs). Accuracy goes to acc (may be NULL; zeroed first).
 * Returns 0, or ERR_RUN when out of memory. */
int gold_spatten(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
                 declog_t *log, gold_sp_acc_t *acc);

/* In decode, gold_spatten keeps each (layer, K/V head)'s quantized K/V
 * rows (and float rows, with acc) from step to step when they fit this
 * many bytes, making only each step's new row; otherwise it makes all of
 * them every step. The same outputs either way (tests set it to 0). */
extern size_t gold_sp_cache_bytes;

#endif

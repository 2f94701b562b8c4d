/* landmark.h - golden model of Landmark Attention's decode
 * (docs/landmark.md).
 *
 * Written from the contract, independent of the simulator and of
 * common/lmshape.c: per step, layer and head, the landmark keys (rounded
 * means of each block's key rows), the query's scores against the
 * candidate blocks', the top k by gold_topk's tie rule, then the
 * fixed-point attention of common/fixed.h over the selected blocks'
 * tokens and the local tokens.
 */
#ifndef ATTN_GOLDEN_LANDMARK_H
#define ATTN_GOLDEN_LANDMARK_H

#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "spatten.h"
#include "tensor.h"
#include "workload.h"

/* Run landmark workload w (decode, one sequence) on datapath c. out (may
 * be NULL) gets every output in chk_gold_alloc's layout (maxq =
 * decode.generate rows per head). Decisions go to log (may be NULL): per
 * step, layer and head with candidates, one DEC_REGIONS record: unit the
 * step, head -1, query the head, n the candidate blocks, the kept block
 * numbers. Accuracy against dense float attention goes to acc (may be
 * NULL; zeroed first), as gold_spatten's: mass is the dense probability
 * mass on the attended tokens. Returns 0, or ERR_RUN when out of memory. */
int gold_landmark(const cfg_t *c, const wl_t *w, const ten_t *t,
                  int16_t *out, declog_t *log, gold_sp_acc_t *acc);

#endif

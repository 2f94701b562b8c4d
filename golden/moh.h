/* moh.h - golden model of Mixture-of-Head attention (docs/moh.md). */
#ifndef ATTN_GOLDEN_MOH_H
#define ATTN_GOLDEN_MOH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "declog.h"
#include "tensor.h"
#include "workload.h"

/* Run moh workload w on datapath c. out gets every output as the
 * simulator's DRAM holds it: head (cs, l, h) at ((cs * layers + l) *
 * heads + h) * maxq * head_dim, rows by token; a (token, head) pair not
 * routed stays 0 (out comes zeroed). Decisions go to log (may be NULL):
 * per case, layer and token, when moh.topk > 0, one DEC_REGIONS with head
 * -1, query = the token, n = heads - shared, indices = routed heads -
 * shared. Returns 0, or ERR_RUN when out of memory. */
int gold_moh(const cfg_t *c, const wl_t *w, const ten_t *t, int16_t *out,
             size_t maxq, declog_t *log);

#endif

/* compile.h - lowers a workload to an instruction trace for a config.
 *
 * Dense multi-head attention, per case, layer and head (decode: per
 * generated token, then layer, then head):
 *   LDQ the query row; QK against the keys; SMAX over the scores; AV with
 *   the values; STO the output row.
 * Keys and values stay resident in their buffers for all queries of a
 * head when the whole head fits (prefill); otherwise (decode, or long
 * prefill) they stream through in chunks of cfg.chunk_rows rows.
 * Buffer space is handed out as rings, so the fetch of the next chunk or
 * head lands in rows the current one is not using and the simulator's
 * scoreboard overlaps the two as far as space allows.
 */
#ifndef ATTN_COMPILE_H
#define ATTN_COMPILE_H

#include "config.h"
#include "err.h"
#include "trace.h"
#include "workload.h"

/* Write the whole trace (header included) to f. */
int comp_compile(const cfg_t *c, const wl_t *w, const char *cfg_name,
                 FILE *f, err_t *e);

#endif

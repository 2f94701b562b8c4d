/* mapping.h - the softmax mapping the dense lowering uses (docs/tiling.md):
 * row (a query's whole score row on chip, SMAX) or tiled (query blocks of
 * br (query, head) rows meet K/V tiles of bc rows, online softmax). The
 * compiler lowers with it and the checker picks the golden model with it,
 * so both derive it here from the same config and workload. */
#ifndef ATTN_MAPPING_H
#define ATTN_MAPPING_H

#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "layout.h"
#include "workload.h"

typedef struct map {
  bool tiled;
  int br; /* tiled: (query, head) rows per block */
  int bc; /* tiled: K/V rows per tile; tile k holds rows [k bc, (k+1) bc) */
} map_t;

/* The mapping for workload w on the buffers of l (cfg_name names the
 * config in messages). can_tile: the workload's mechanism has a tiled
 * lowering. Fails (ERR_BAD_INPUT, a located error) when a forced tile
 * does not fit the buffers, when tiled is forced on a mechanism without
 * it, or when the row mapping is needed and a score row does not fit. */
int map_choose(const cfg_t *c, const lay_t *l, const wl_t *w, bool can_tile,
               const char *cfg_name, map_t *m, err_t *e);

#endif

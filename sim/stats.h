/* stats.h - the simulator's statistics: counters from stats.def, cycles
 * each unit spent in each state, and per-layer completion cycles. */
#ifndef ATTN_STATS_H
#define ATTN_STATS_H

#include <stdint.h>

#include "isa.h"

typedef enum {
#define STAT(id, path, unit, doc) ST_##id,
#include "stats.def"
#undef STAT
  ST_COUNT
} stat_id_t;

typedef struct stat_info {
  const char *path, *unit, *doc;
} stat_info_t;
extern const stat_info_t stat_info[ST_COUNT];

/* What a unit did in a cycle. A unit that has an instruction to run but
 * may not start it is stalled, on DRAM (it needs data a fetch has not
 * delivered, or DRAM refuses its request), on a full buffer (a fetch whose
 * destination rows are still being read), or on another unit (it needs a
 * result another compute unit has not produced). */
#define USTATE_LIST(S)                                                      \
  S(US_BUSY, "busy")                                                        \
  S(US_IDLE, "idle")                                                        \
  S(US_STALL_DRAM, "stall_dram")                                            \
  S(US_STALL_BUFFER, "stall_buffer_full")                                   \
  S(US_STALL_UNIT, "stall_unit")

typedef enum {
#define S(id, name) id,
  USTATE_LIST(S)
#undef S
  US_COUNT
} ustate_t;
extern const char *const ustate_names[US_COUNT];

typedef struct st_layer {
  int cs, layer;
  int step;           /* earlier records of the same (cs, layer): the
                         generated token in decode, 0 in prefill */
  uint64_t end_cycle; /* cycle the layer's last instruction completed */
  int tokens;         /* keys per query (the kept context); 0 if none ran */
  int heads;          /* heads run (not pruned) */
  uint64_t c[ST_COUNT]; /* BiFormer runs: the counters of this layer's
                           instructions (engine.c attributes each event
                           to its instruction's layer); else 0 */
} st_layer_t;

typedef struct stats {
  uint64_t c[ST_COUNT];
  uint64_t unit[UNIT_COUNT][US_COUNT]; /* cycles per unit per state */
  st_layer_t *layers;
  int nlayers, cap_layers;
} stats_t;

void st_init(stats_t *s);
void st_free(stats_t *s);
/* Append a layer record; returns its index (or -1 when out of memory). */
int st_add_layer(stats_t *s, int cs, int layer);

#endif

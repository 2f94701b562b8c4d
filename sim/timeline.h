/* timeline.h - unit activity as Chrome trace-event JSON (open the file in
 * Perfetto or chrome://tracing): one track per hardware block, one slice
 * per instruction from its start to its completion, timestamps in
 * microseconds of simulated time. */
#ifndef ATTN_TIMELINE_H
#define ATTN_TIMELINE_H

#include <stdio.h>

#include "isa.h"

typedef struct timeline {
  FILE *f;
  double us_per_cycle;
  int first;
} timeline_t;

void tl_begin(timeline_t *t, FILE *f, double clock_ghz);
/* Matches sim_span_fn; ctx is the timeline_t. */
void tl_span(void *ctx, unit_t unit, const insn_t *in, uint64_t start,
             uint64_t end);
void tl_end(timeline_t *t);

#endif

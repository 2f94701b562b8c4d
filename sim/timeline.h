/* timeline.h - unit activity as Chrome trace-event JSON (open the file in
 * Perfetto or chrome://tracing), timestamps in microseconds of simulated
 * time. Tracks (docs/timeline.md):
 *   - per unit, one slice per instruction from its start to its completion;
 *   - per unit, a "<unit> state" row of slices named by the unit's state
 *     (busy, idle, stall_dram, ...) that tile the run;
 *   - "DRAM bandwidth", a counter: bytes moved on the DRAM bus
 *     (dram.transferred_bytes, counted when a request is accepted) per
 *     bucket of N cycles, in GB/s, with N the smallest power of two that
 *     keeps the track at TL_MAX_POINTS buckets or fewer.
 * A window [from, to) in cycles clips every slice to it, drops the events
 * wholly outside it and limits the counter track to it. */
#ifndef ATTN_TIMELINE_H
#define ATTN_TIMELINE_H

#include <stdint.h>
#include <stdio.h>

#include "isa.h"
#include "stats.h"

#define TL_MAX_POINTS 2000 /* DRAM bandwidth buckets at most */

typedef struct timeline {
  FILE *f;
  double us_per_cycle;
  double clock_ghz;
  uint64_t from, to;     /* window in cycles: [from, to) */
  uint64_t bucket;       /* cycles per DRAM bandwidth bucket (power of 2) */
  uint64_t seen;         /* dram.transferred_bytes at the last sample */
  uint64_t bytes[TL_MAX_POINTS]; /* bytes per bucket, bucket i from
                                    from + i * bucket */
} timeline_t;

/* Start the file; the window is [from, to) (0, UINT64_MAX: the whole
 * run). */
void tl_begin(timeline_t *t, FILE *f, double clock_ghz, uint64_t from,
              uint64_t to);
/* Matches sim_span_fn; ctx is the timeline_t. */
void tl_span(void *ctx, unit_t unit, const insn_t *in, uint64_t start,
             uint64_t end);
/* Matches sim_state_fn. */
void tl_state(void *ctx, unit_t unit, int state, uint64_t from, uint64_t to);
/* Matches sim_sample_fn. */
void tl_sample(void *ctx, uint64_t cycle, const stats_t *st);
/* Write the DRAM bandwidth track up to the run's end (its cycles) and
 * close the file's JSON. */
void tl_end(timeline_t *t, uint64_t cycles);

#endif

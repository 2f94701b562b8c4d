/* engine.h - the cycle-level accelerator model: instruction window with a
 * scoreboard, the hardware blocks, DRAM, and the fixed tick order.
 *
 * Every cycle, in this order:
 *   1. DRAM completions return to their fetcher or store unit; a finished
 *      load copies its rows into the buffer.
 *   2. Compute blocks retire instructions whose results are ready.
 *   3. The window retires finished instructions from its head, in order.
 *   4. Each unit starts its oldest queued instruction if its input is free
 *      and no older unfinished instruction touches an overlapping buffer
 *      range in a conflicting way (read after write, write after read or
 *      write). Compute blocks execute on data when they start.
 *   5. Fetchers and the store unit issue at most one DRAM request each.
 *   6. The dispatcher moves one instruction from the trace into the window.
 * When nothing happened in a cycle, the loop jumps to the next cycle at
 * which something is scheduled to change (a DRAM completion, a block
 * freeing up): the result is the same as ticking every cycle.
 */
#ifndef ATTN_ENGINE_H
#define ATTN_ENGINE_H

#include <stdio.h>

#include "config.h"
#include "declog.h"
#include "err.h"
#include "memimg.h"
#include "stats.h"
#include "tensor.h"
#include "trace.h"

typedef struct sim sim_t;

/* Called once per finished instruction when set (timelines). */
typedef void (*sim_span_fn)(void *ctx, unit_t unit, const insn_t *in,
                            uint64_t start, uint64_t end);

/* Called, when set (timelines), each time a unit leaves a state: unit
 * was in state (a ustate_t) for cycles [from, to), to > from. At the end
 * of the run every unit's last state is closed at the run's last cycle
 * (stats' cycles), so one unit's calls tile [0, cycles) in order. */
typedef void (*sim_state_fn)(void *ctx, unit_t unit, int state,
                             uint64_t from, uint64_t to);
/* Called, when set (timelines), at the end of every cycle the loop
 * simulates, with the counters as they stand then: a counter's growth
 * since the previous call happened at this cycle (the cycles the loop
 * skips change no counter). */
typedef void (*sim_sample_fn)(void *ctx, uint64_t cycle, const stats_t *st);

/* Build the accelerator for cfg and the trace's workload; ten supplies
 * DRAM's contents. */
sim_t *sim_new(const cfg_t *cfg, const wl_t *w, const ten_t *ten,
               const char *cfg_name, err_t *e);
void sim_free(sim_t *s);
void sim_on_span(sim_t *s, sim_span_fn fn, void *ctx);
void sim_on_state(sim_t *s, sim_state_fn fn, void *ctx);
void sim_on_sample(sim_t *s, sim_sample_fn fn, void *ctx);
/* Timing only: skip computing values (no tensors are generated, outputs
 * are not written). Cycles and every event count stay the same as long
 * as no decision depends on data, which holds for dense attention. */
void sim_timing_only(sim_t *s);
/* Attribute counters to layer records event by event (st_layer_t.c), as
 * per_layer mechanisms always do (mech.h), for per-layer tables
 * (--layers-csv). Changes no other figure. */
void sim_attribute_layers(sim_t *s);
/* The reference mode, for the whole process (as dram_hbm2_reference;
 * ATTNSIM_REFERENCE=1 sets both in the attnsim binary): per-layer
 * attribution copies every counter at every event. */
void sim_reference(bool on);
/* Append SpAtten's run-time decisions to log (docs/spatten.md). */
void sim_log_decisions(sim_t *s, declog_t *log);
/* Run the whole trace. Checks that it was compiled for this config. */
int sim_run(sim_t *s, trace_reader_t *tr, stats_t *st, err_t *e);
/* DRAM after the run (outputs for --check). */
const memimg_t *sim_memimg(const sim_t *s);

#endif

/* dram_replay.h - standalone replay of a memory trace on the bank-level
 * DRAM model (attnsim dram), in DRAM clock cycles.
 *
 * Every cycle, completed requests are collected first; then the front end
 * offers the trace's requests in file order, each one burst (the burst
 * holding the line's address), and the memory accepts up to
 * issue_per_cycle of them, the offering stopping at the first one refused
 * (its channel's transaction queue is full). The run ends when every
 * request has completed; cycles is the cycle the last one completed.
 */
#ifndef ATTN_DRAM_REPLAY_H
#define ATTN_DRAM_REPLAY_H

#include <stdint.h>

#include "config.h"
#include "dram_hbm2.h"
#include "err.h"
#include "memtrace.h"
#include "stats.h"

typedef struct drp_result {
  uint64_t requests, reads, writes;
  uint64_t cycles;                 /* DRAM cycles until the last completion */
  double bandwidth_gbps;           /* requests x burst_bytes / time */
  double mean_read_latency_cycles; /* acceptance to completion */
  double row_hit_rate;             /* row_hits / requests */
  dram_energy_t energy;            /* pJ, background included */
  double pj_per_bit;               /* energy.total / bits moved */
  stats_t st;                      /* the model's counters */
} drp_result_t;

/* Replay tr on c's memory (dram.model must be hbm2). Returns 0, or the
 * trace's error (ERR_BAD_INPUT, located), or ERR_RUN. */
int drp_run(const cfg_t *c, mtr_t *tr, int issue_per_cycle, drp_result_t *out,
            err_t *e);

#endif

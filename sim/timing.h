/* timing.h - every latency and rate the simulator uses, derived once from
 * the config (and the workload's head dimension). Modules compare
 * "now >= ready_at"; no literal latency appears in a tick.
 *
 * Q x K array, m = qk_multipliers, d = head_dim:
 *   m >= d: floor(m/d) keys per cycle      -> occupancy ceil(n / floor(m/d))
 *   m <  d: ceil(d/m) cycles per key        -> occupancy n * ceil(d/m)
 *   depth = mult_latency + adder_latency * ceil(log2(min(d, m)))
 *           (+ adder_latency for the accumulator when m < d)
 *   With m a multiple of d (or d of m) occupancy is ceil(n*d/m).
 * probability x V array, m = av_multipliers:
 *   m >= d: floor(m/d) value rows per cycle; m < d: ceil(d/m) cycles/row
 *   depth = mult_latency + adder_latency * (ceil(log2(rows per cycle)) + 1)
 *           (tree across rows, then the accumulator)
 * softmax, u = softmax_units, three passes over len scores:
 *   occupancy = 3*ceil(len/u) + max_latency + exp_latency
 *   depth     = div_latency (the last pass drains while the next starts)
 * DRAM (simple model): per channel bus_bits/8 * gbps_per_pin bytes per ns.
 */
#ifndef ATTN_TIMING_H
#define ATTN_TIMING_H

#include <stdint.h>

#include "config.h"

typedef struct timing {
  int d;
  int qk_keys_per_cycle, qk_cycles_per_key, qk_depth;
  int av_rows_per_cycle, av_cycles_per_row, av_depth;
  int smax_units, smax_fixed, smax_depth;
  int smax_max, smax_exp; /* the max and exp + sum passes' depths */
  /* DRAM */
  int channels, burst_bytes, queue_depth;
  double cycles_per_burst;   /* bus time of one burst on one channel */
  uint64_t dram_latency;     /* cycles from request to first data */
  int request_bytes, max_outstanding, issue_per_cycle;
  int dequant_lanes;         /* elements a fetcher dequantizes per cycle */
} timing_t;

void tm_init(timing_t *t, const cfg_t *c, int head_dim);
/* Occupancy (cycles the unit's input is busy) for n keys / rows / scores. */
uint64_t tm_qk_cycles(const timing_t *t, int n);
uint64_t tm_av_cycles(const timing_t *t, int n);
uint64_t tm_smax_cycles(const timing_t *t, int n);
/* OSM: the scale + max and exp + sum passes over n scores (docs/tiling.md) */
uint64_t tm_osm_cycles(const timing_t *t, int n);

#endif

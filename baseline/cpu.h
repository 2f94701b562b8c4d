/* cpu.h - the measured wall time of the same attention on this machine's
 * CPU: the golden model's double-precision loop (golden.h,
 * gold_query_float), one thread, built with the library's flags (-O3 by
 * default; the build's optimisation is reported).
 *
 * Only the attention is timed: for every case, layer and head the Q, K
 * and V rows are generated first (untimed), then the head's queries are
 * timed with CLOCK_MONOTONIC. Each repetition times the whole workload;
 * the minimum and the median over repetitions are reported. The tensors
 * were just written when a head is timed, so they start in cache: for
 * memory-bound decoding that makes the time a lower bound.
 */
#ifndef ATTN_BASELINE_CPU_H
#define ATTN_BASELINE_CPU_H

#include "err.h"
#include "workload.h"

#define CPU_MAX_REPS 100

typedef struct cpu_result {
  int reps;
  double seconds_min, seconds_median;  /* attention only, whole workload */
  double flops;                        /* 2 x MACs (as gpu.h counts them) */
  double gflops;                       /* flops / seconds_min / 1e9 */
  char cpu[128];                       /* /proc/cpuinfo model name */
  int cpus_online;
  double load1;                        /* 1-minute load average at start */
  char compiler[128];                  /* __VERSION__ */
  char build[64];                      /* optimisation and sanitizers */
  double checksum;                     /* sum of outputs (keeps the work) */
} cpu_result_t;

int cpu_bench(const wl_t *w, int reps, cpu_result_t *r, err_t *e);

#endif

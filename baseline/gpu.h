/* gpu.h - a roofline model of a GPU running the same attention, for
 * speedups "over GPU" (configs/baseline/NAME.yaml, its own small schema: a
 * GPU is not an accelerator config).
 *
 * The attention's work comes from the workload's shapes alone:
 *   FLOPs = 2 x MACs of Q x K^T and P x V (the definition attnsim's
 *           ops.tflops uses); the softmax's few operations per score are
 *           not counted, which favours the GPU;
 *   bytes = the least DRAM traffic: each element of Q, K, V read once and
 *           of O written once per head for prefill; for decode each step
 *           reads its query row and the whole K/V cache so far and writes
 *           one output row (the cache does not stay on chip between steps);
 *           elements of gpu.bytes_per_element bytes.
 * Roofline time = max(FLOPs / peak FLOP/s, bytes / peak bandwidth): no GPU
 * runs faster, so speedups over it are lower bounds.
 */
#ifndef ATTN_BASELINE_GPU_H
#define ATTN_BASELINE_GPU_H

#include <stdio.h>

#include "err.h"
#include "workload.h"

typedef struct gpu {
  char name[64];
  double peak_tflops;     /* peak FP32 throughput, TFLOP/s */
  double bandwidth_GBps;  /* peak DRAM bandwidth, GB/s (1e9 B/s) */
  int bytes_per_element;  /* storage of Q, K, V and O elements */
} gpu_t;

/* The work of a workload's attention (see above). */
typedef struct attn_work {
  double macs;      /* multiply-accumulates, Q x K^T plus P x V */
  double scores;    /* softmax elements */
  double elements;  /* Q, K, V elements read plus O elements written */
} attn_work_t;

typedef struct gpu_roof {
  double flops, bytes;           /* FLOPs and DRAM bytes */
  double t_compute, t_memory;    /* seconds at each roof */
  double seconds;                /* the larger */
  double tflops;                 /* flops / seconds / 1e12 */
  const char *bound;             /* "memory" or "compute" */
} gpu_roof_t;

int gpu_load(const char *path, gpu_t *g, err_t *e);
void gpu_doc(FILE *f);
void attn_work(const wl_t *w, attn_work_t *a);
void gpu_roofline(const gpu_t *g, const attn_work_t *a, gpu_roof_t *r);

#endif

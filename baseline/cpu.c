/* cpu.c - time the golden attention on this CPU (cpu.h). */
#include "cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "golden.h"
#include "gpu.h"
#include "tensor.h"

#ifndef ATTN_BUILD_OPT
#define ATTN_BUILD_OPT "unknown" /* the Makefile passes $(OPT) */
#endif

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The machine: CPU model, CPUs online, load, compiler, build. */
static void cpu_machine(cpu_result_t *r) {
  char line[256];
  FILE *f = fopen("/proc/cpuinfo", "r");
  snprintf(r->cpu, sizeof r->cpu, "unknown");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
      snprintf(r->cpu, sizeof r->cpu, "%s", strchr(line, ':') + 2);
      r->cpu[strcspn(r->cpu, "\n")] = '\0';
      break;
    }
  if (f) fclose(f);
  r->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
  r->load1 = -1;
  if ((f = fopen("/proc/loadavg", "r"))) {
    if (fscanf(f, "%lf", &r->load1) != 1) r->load1 = -1;
    fclose(f);
  }
#if defined(__clang__)
  snprintf(r->compiler, sizeof r->compiler, "clang %s", __VERSION__);
#elif defined(__GNUC__)
  snprintf(r->compiler, sizeof r->compiler, "gcc %s", __VERSION__);
#else
  snprintf(r->compiler, sizeof r->compiler, "%s", __VERSION__);
#endif
  snprintf(r->build, sizeof r->build, "%s%s", ATTN_BUILD_OPT,
#if defined(__SANITIZE_ADDRESS__)
           " with AddressSanitizer (timings not meaningful)"
#else
           ""
#endif
  );
}

/* Buffers for one head: K, V ([L][d]), Q rows, scores, one output. */
typedef struct cpu_bufs {
  float *k, *v, *q;
  double *s, *out;
} cpu_bufs_t;

static int cpu_alloc(const wl_t *w, cpu_bufs_t *b, err_t *e) {
  size_t L = 0, d = (size_t)w->head_dim;
  for (int c = 0; c < w->ncases; c++)
    if ((size_t)wl_ctx_tokens(w, c) > L) L = (size_t)wl_ctx_tokens(w, c);
  b->k = malloc(L * d * sizeof *b->k);
  b->v = malloc(L * d * sizeof *b->v);
  b->q = malloc(L * d * sizeof *b->q);
  b->s = malloc(L * sizeof *b->s);
  b->out = malloc(d * sizeof *b->out);
  if (b->k && b->v && b->q && b->s && b->out) return 0;
  return err_set(e, ERR_RUN, "out of memory for the CPU baseline");
}

static void cpu_free(cpu_bufs_t *b) {
  free(b->k), free(b->v), free(b->q), free(b->s), free(b->out);
}

/* One head: load (untimed), then time its queries; returns seconds. */
static double cpu_head(const wl_t *w, const ten_t *t, int c, int l, int h,
                       cpu_bufs_t *b, double *sum) {
  int d = w->head_dim, L = wl_ctx_tokens(w, c), nq = wl_queries(w, c);
  double t0;
  /* the K/V head of query head h (GQA); a window is not modelled here:
   * every query attends to its wl_keys causal keys */
  ten_rows(t, TEN_K, c, l, h / wl_group(w), 0, L, b->k);
  ten_rows(t, TEN_V, c, l, h / wl_group(w), 0, L, b->v);
  ten_rows(t, TEN_Q, c, l, h, wl_query_pos(w, c, 0), nq, b->q);
  t0 = cpu_now();
  for (int q = 0; q < nq; q++) {
    gold_query_float(b->q + (size_t)q * d, b->k, b->v, wl_keys(w, c, q), d,
                     b->s, b->out);
    *sum += b->out[q % d];
  }
  return cpu_now() - t0;
}

static int cpu_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int cpu_bench(const wl_t *w, int reps, cpu_result_t *r, err_t *e) {
  double times[CPU_MAX_REPS];
  attn_work_t work;
  cpu_bufs_t b = {NULL, NULL, NULL, NULL, NULL};
  ten_t *t;
  memset(r, 0, sizeof *r);
  if (reps < 1 || reps > CPU_MAX_REPS)
    return err_set(e, ERR_BAD_INPUT, "--reps must be 1..%d (got %d)",
                   CPU_MAX_REPS, reps);
  cpu_machine(r);
  if (ten_open(&t, w, e)) return e->status;
  if (cpu_alloc(w, &b, e)) {
    cpu_free(&b);
    ten_close(t);
    return e->status;
  }
  for (int i = 0; i < reps; i++) {
    times[i] = 0;
    for (int c = 0; c < w->ncases; c++)
      for (int l = 0; l < w->layers; l++)
        for (int h = 0; h < w->heads; h++)
          times[i] += cpu_head(w, t, c, l, h, &b, &r->checksum);
  }
  cpu_free(&b);
  ten_close(t);
  qsort(times, (size_t)reps, sizeof times[0], cpu_cmp);
  attn_work(w, &work);
  r->reps = reps;
  r->seconds_min = times[0];
  r->seconds_median = times[reps / 2];
  r->flops = 2 * work.macs;
  r->gflops = r->seconds_min > 0 ? r->flops / r->seconds_min / 1e9 : 0;
  return 0;
}

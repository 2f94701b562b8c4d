/* gpu.c - the GPU schema, the attention's work from its shapes, and the
 * roofline (gpu.h). */
#include "gpu.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "yload.h"

#define F(field) offsetof(gpu_t, field)

static const yl_key_t gpu_keys[] = {
  {"name", YL_STRING, F(name), sizeof(((gpu_t *)0)->name), 0, "gpu", 0, 0, 0,
   NULL, "", "free-form name"},
  {"compute.peak_tflops", YL_DOUBLE, F(peak_tflops), 0, 0, "1", 0, 1e6,
   YL_MIN_OPEN, NULL, "TFLOP/s", "peak throughput at the precision used"},
  {"memory.bandwidth_GBps", YL_DOUBLE, F(bandwidth_GBps), 0, 0, "1", 0, 1e6,
   YL_MIN_OPEN, NULL, "GB/s", "peak DRAM bandwidth (1 GB = 1e9 bytes)"},
  {"memory.bytes_per_element", YL_INT, F(bytes_per_element), 0, 0, "4", 1, 16,
   0, NULL, "bytes", "storage of one element of Q, K, V and O"},
};
static const yl_schema_t gpu_schema = {gpu_keys,
                                       (int)(sizeof gpu_keys / sizeof gpu_keys[0])};

int gpu_load(const char *path, gpu_t *g, err_t *e) {
  gpu_t tmp;
  memset(&tmp, 0, sizeof tmp);
  if (yl_defaults(&gpu_schema, &tmp, e) ||
      yl_load(&gpu_schema, path, &tmp, NULL, e))
    return e->status;
  *g = tmp;
  return 0;
}

void gpu_doc(FILE *f) { yl_doc(&gpu_schema, f); }

/* One case: keys attended (wl_span) and elements moved, per head; K and V
 * move once per K/V head (grouped-query attention). Every figure is a
 * whole number below 2^53, so the sums are exact. */
static void attn_case(const wl_t *w, int c, attn_work_t *a) {
  double heads = (double)w->layers * w->heads, d = w->head_dim, keys = 0;
  double kvheads = (double)w->layers * wl_kv_heads(w);
  int nq = wl_queries(w, c), nsink, lo;
  for (int q = 0; q < nq; q++) keys += wl_span(w, c, q, &nsink, &lo);
  a->macs += heads * 2 * d * keys;
  a->scores += heads * keys;
  if (w->phase == WL_DECODE)
    a->elements += heads * d * 2.0 * nq + kvheads * d * 2 * keys;
  else
    a->elements += heads * d * 2.0 * wl_ctx_tokens(w, c) +
                   kvheads * d * 2.0 * wl_ctx_tokens(w, c);
}

void attn_work(const wl_t *w, attn_work_t *a) {
  memset(a, 0, sizeof *a);
  for (int c = 0; c < w->ncases; c++) attn_case(w, c, a);
}

void gpu_roofline(const gpu_t *g, const attn_work_t *a, gpu_roof_t *r) {
  r->flops = 2 * a->macs;
  r->bytes = a->elements * g->bytes_per_element;
  r->t_compute = r->flops / (g->peak_tflops * 1e12);
  r->t_memory = r->bytes / (g->bandwidth_GBps * 1e9);
  r->seconds = fmax(r->t_compute, r->t_memory);
  r->tflops = r->seconds > 0 ? r->flops / r->seconds / 1e12 : 0;
  r->bound = r->t_memory > r->t_compute ? "memory" : "compute";
}

/* memimg.c - the functional DRAM image, in bounded memory.
 *
 * K and V are never held whole: a (case, layer, K/V head) block is
 * generated (synthetic) or copied (npy) and quantized when first fetched,
 * and kept while the cache holds at most MI_CACHE_BYTES of blocks; a block
 * that does not fit is not kept, and its rows are made again, alone, each
 * time they are fetched (tensor.h: any row can be made alone, with the
 * same values). Blocks are kept first come, never evicted, so a decode
 * cycling through more blocks than fit keeps a fixed part of them rather
 * than thrashing. Clipped elements are counted once per block, when it is
 * first quantized (as when every block was kept). Timing-only runs fetch
 * nothing, so they allocate nothing here but the per-block tables. The
 * environment variable ATTNSIM_KV_CACHE_BYTES sets another budget (0:
 * keep nothing; tests use it to run the regenerating path on small
 * workloads). */
#include "memimg.h"

#include <stdlib.h>
#include <string.h>

#define MI_CACHE_BYTES ((size_t)128 << 20) /* K/V blocks kept, by default */
#define MI_CHUNK_ROWS 1024                 /* rows quantized at a time */

struct memimg {
  const lay_t *lay;
  const fx_t *fx;
  const wl_t *w;
  const ten_t *ten;
  int nblocks;        /* cases * layers * heads */
  int16_t **kv[2];    /* kept K and V blocks, or NULL */
  uint8_t *seen[2];   /* block quantized once (its clipping counted) */
  size_t kept;        /* bytes of kept blocks */
  size_t budget;      /* most bytes kept */
  int16_t **out;      /* written output blocks */
  float *scratch;     /* MI_CHUNK_ROWS rows of floats, on first use */
  int16_t *row;       /* one row for mi_rows */
  uint64_t saturated;
};

static int block_id(const memimg_t *m, int cs, int layer, int head) {
  return (cs * m->w->layers + layer) * m->w->heads + head;
}

memimg_t *mi_new(const lay_t *lay, const fx_t *fx, const wl_t *w,
                 const ten_t *ten) {
  memimg_t *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->lay = lay;
  m->fx = fx;
  m->w = w;
  m->ten = ten;
  m->nblocks = w->ncases * w->layers * w->heads;
  m->budget = getenv("ATTNSIM_KV_CACHE_BYTES")
                  ? (size_t)strtoull(getenv("ATTNSIM_KV_CACHE_BYTES"), NULL, 10)
                  : MI_CACHE_BYTES;
  m->kv[0] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->kv[1] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->seen[0] = calloc((size_t)m->nblocks, 1);
  m->seen[1] = calloc((size_t)m->nblocks, 1);
  m->out = calloc((size_t)m->nblocks, sizeof(int16_t *));
  if (!m->kv[0] || !m->kv[1] || !m->seen[0] || !m->seen[1] || !m->out) {
    mi_free(m);
    return NULL;
  }
  return m;
}

void mi_drop_inputs(memimg_t *m) {
  int i, k;
  for (k = 0; k < 2; k++)
    for (i = 0; m->kv[k] && i < m->nblocks; i++) {
      free(m->kv[k][i]);
      m->kv[k][i] = NULL;
    }
  m->kept = 0;
  free(m->scratch);
  m->scratch = NULL;
}

void mi_free(memimg_t *m) {
  int i;
  if (!m) return;
  mi_drop_inputs(m);
  for (i = 0; m->out && i < m->nblocks; i++) free(m->out[i]);
  free(m->kv[0]);
  free(m->kv[1]);
  free(m->seen[0]);
  free(m->seen[1]);
  free(m->out);
  free(m->row);
  free(m);
}

static void quantize(memimg_t *m, const float *src, size_t n, int16_t *dst,
                     bool count) {
  size_t i;
  int16_t hi = (int16_t)((1 << (m->fx->width - 1)) - 1), lo = (int16_t)(-hi - 1);
  for (i = 0; i < n; i++) {
    dst[i] = fx_quant(m->fx, src[i]);
    m->saturated += count && (dst[i] == hi || dst[i] == lo);
  }
}

/* Rows [r0, r0+n) of tensor kind for at's block, quantized into dst in
 * chunks (clipping counted when count). -1 when out of memory. */
static int make_rows(memimg_t *m, ten_kind_t kind, const lay_loc_t *at,
                     int r0, int n, int16_t *dst, bool count) {
  size_t d = (size_t)m->w->head_dim;
  if (!m->scratch &&
      !(m->scratch = malloc(MI_CHUNK_ROWS * d * sizeof *m->scratch)))
    return -1;
  for (int j = 0; j < n; j += MI_CHUNK_ROWS) {
    int c = n - j < MI_CHUNK_ROWS ? n - j : MI_CHUNK_ROWS;
    ten_rows(m->ten, kind, at->cs, at->layer, at->head, r0 + j, c,
             m->scratch);
    quantize(m, m->scratch, (size_t)c * d, dst + (size_t)j * d, count);
  }
  return 0;
}

/* First fetch of a K or V block: quantize it whole (counting its clipped
 * elements) and keep it when the cache has room. -1 when out of memory. */
static int first_touch(memimg_t *m, int k, int id, const lay_loc_t *at) {
  int rows = wl_ctx_tokens(m->w, at->cs);
  size_t bytes = (size_t)rows * (size_t)m->w->head_dim * sizeof(int16_t);
  int16_t *b = malloc(bytes);
  if (!b || make_rows(m, k ? TEN_V : TEN_K, at, 0, rows, b, true)) {
    free(b);
    return -1;
  }
  m->seen[k][id] = 1;
  if (m->kept + bytes <= m->budget) {
    m->kv[k][id] = b;
    m->kept += bytes;
  } else {
    free(b);
  }
  return 0;
}

/* nrows K or V rows from at into dst. -1 when out of memory. */
static int kv_read(memimg_t *m, const lay_loc_t *at, int nrows, int16_t *dst) {
  /* both key planes read the same keys: the datapath cuts them to bits */
  bool key = at->t == LAY_K || at->t == LAY_KL;
  int k = key ? 0 : 1, id = block_id(m, at->cs, at->layer, at->head);
  size_t d = (size_t)m->w->head_dim;
  if (!m->seen[k][id] && first_touch(m, k, id, at)) return -1;
  if (m->kv[k][id]) {
    memcpy(dst, m->kv[k][id] + (size_t)at->row * d,
           (size_t)nrows * d * sizeof *dst);
    return 0;
  }
  return make_rows(m, key ? TEN_K : TEN_V, at, at->row, nrows, dst, false);
}

int mi_read(memimg_t *m, const lay_loc_t *at, int nrows, int16_t *dst) {
  size_t d = (size_t)m->w->head_dim, n = (size_t)nrows * d;
  if (at->t == LAY_Q) {
    for (int j = 0; j < nrows; j += MI_CHUNK_ROWS) { /* chunks of scratch */
      int c = nrows - j < MI_CHUNK_ROWS ? nrows - j : MI_CHUNK_ROWS;
      if (!m->scratch &&
          !(m->scratch = malloc(MI_CHUNK_ROWS * d * sizeof *m->scratch)))
        return -1;
      ten_rows(m->ten, TEN_Q, at->cs, at->layer, at->head, at->row + j, c,
               m->scratch);
      quantize(m, m->scratch, (size_t)c * d, dst + (size_t)j * d, true);
    }
  } else if (at->t == LAY_K || at->t == LAY_KL || at->t == LAY_V) {
    return kv_read(m, at, nrows, dst);
  } else {
    const int16_t *o = mi_output(m, at->cs, at->layer, at->head);
    if (o)
      memcpy(dst, o + (size_t)at->row * d, n * sizeof *dst);
    else
      memset(dst, 0, n * sizeof *dst);
  }
  return 0;
}

const int16_t *mi_rows(memimg_t *m, const lay_loc_t *at) {
  if (!m->row &&
      !(m->row = malloc((size_t)m->w->head_dim * sizeof *m->row)))
    return NULL;
  return kv_read(m, at, 1, m->row) ? NULL : m->row;
}

int mi_write(memimg_t *m, const lay_loc_t *at, const int16_t *row) {
  int id = block_id(m, at->cs, at->layer, at->head);
  size_t d = (size_t)m->w->head_dim;
  if (!m->out[id]) {
    m->out[id] = calloc((size_t)wl_queries(m->w, at->cs) * d, sizeof(int16_t));
    if (!m->out[id]) return -1;
  }
  memcpy(m->out[id] + (size_t)at->row * d, row, d * sizeof *row);
  return 0;
}

const int16_t *mi_output(const memimg_t *m, int cs, int layer, int head) {
  return m->out[block_id(m, cs, layer, head)];
}

uint64_t mi_saturated(const memimg_t *m) { return m->saturated; }

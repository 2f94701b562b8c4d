#include "memimg.h"

#include <stdlib.h>

#include "kvquant.h"
#include "lightning.h"
#include "lmshape.h"
#include <string.h>

struct memimg {
  const lay_t *lay;
  const fx_t *fx;
  const wl_t *w;
  const ten_t *ten;
  int nblocks;        /* cases * layers * heads */
  int16_t **kv[2];    /* cached K and V blocks */
  int16_t **kvq[2];   /* the same, as the fetchers dequantize them from
                         the quantized cache (KQ, VQ; kvquant.h) */
  int16_t **kvn[2];   /* KN and VN blocks (projected rows) */
  int16_t **out;      /* written output blocks */
  int16_t **lm;       /* landmark key blocks (LM, docs/landmark.md) */
  int16_t **rc;       /* routing centroid blocks (docs/routing.md) */
  int32_t **ls;       /* lightning's decode states (LS, docs/lightning.md) */
  float *scratch;     /* one block of floats */
  uint64_t saturated;
  bool appends;       /* the cache starts with wl_cache_rows rows only */
};

static int block_id(const memimg_t *m, int cs, int layer, int head) {
  return (cs * m->w->layers + layer) * m->w->heads + head;
}

memimg_t *mi_new(const lay_t *lay, const fx_t *fx, const wl_t *w,
                 const ten_t *ten, bool appends) {
  memimg_t *m = calloc(1, sizeof *m);
  int cs, maxrows = 1;
  if (!m) return NULL;
  m->lay = lay;
  m->fx = fx;
  m->w = w;
  m->ten = ten;
  m->appends = appends;
  m->nblocks = wl_cases(w) * w->layers * w->heads;
  for (cs = 0; cs < wl_cases(w); cs++)
    if (wl_ctx_tokens(w, cs) > maxrows) maxrows = wl_ctx_tokens(w, cs);
  m->kv[0] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->kv[1] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->kvq[0] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->kvq[1] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->out = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->scratch = malloc((size_t)maxrows * (size_t)w->head_dim * sizeof(float));
  m->kvn[0] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->kvn[1] = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->lm = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->rc = calloc((size_t)m->nblocks, sizeof(int16_t *));
  m->ls = calloc((size_t)m->nblocks, sizeof(int32_t *));
  if (!m->kv[0] || !m->kv[1] || !m->kvq[0] || !m->kvq[1] || !m->kvn[0] ||
      !m->kvn[1] || !m->out || !m->lm || !m->rc || !m->ls ||
      !m->scratch) {
    mi_free(m);
    return NULL;
  }
  return m;
}

void mi_free(memimg_t *m) {
  int i, k;
  if (!m) return;
  for (k = 0; k < 2; k++) {
    for (i = 0; m->kv[k] && i < m->nblocks; i++) free(m->kv[k][i]);
    for (i = 0; m->kvn[k] && i < m->nblocks; i++) free(m->kvn[k][i]);
    free(m->kvn[k]);
  }
  for (k = 0; k < 2; k++)
    for (i = 0; m->kvq[k] && i < m->nblocks; i++) free(m->kvq[k][i]);
  for (i = 0; m->out && i < m->nblocks; i++) free(m->out[i]);
  for (i = 0; m->lm && i < m->nblocks; i++) free(m->lm[i]);
  free(m->lm);
  for (i = 0; m->rc && i < m->nblocks; i++) free(m->rc[i]);
  free(m->rc);
  for (i = 0; m->ls && i < m->nblocks; i++) free(m->ls[i]);
  free(m->ls);
  free(m->kv[0]);
  free(m->kv[1]);
  free(m->kvq[0]);
  free(m->kvq[1]);
  free(m->out);
  free(m->scratch);
  free(m);
}

/* dst[i] = fx_quant(src[i]); elements at the width's limits counted. */
static void quantize(memimg_t *m, const float *src, size_t n, int16_t *dst) {
  m->saturated += fx_quant_row(m->fx, src, n, dst);
}

/* The cached K or V block, quantized on first use; NULL when out of
 * memory. A cache block (K, KL, V) keeps its first wl_cache_rows rows
 * and zeroes the rest, which STK / STV append (all rows when the program
 * does not append: m->appends false); a KN or VN block holds every row.
 * With appends both blocks of a (case, layer, K/V head) are made from one
 * generation of its rows. */
static int16_t *kv_block(memimg_t *m, const lay_loc_t *at) {
  /* both key planes read the same keys: the datapath cuts them to bits */
  bool key = at->t == LAY_K || at->t == LAY_KL || at->t == LAY_KN;
  bool proj = at->t == LAY_KN || at->t == LAY_VN;
  int k = key ? 0 : 1, id = block_id(m, at->cs, at->layer, at->head);
  int16_t **slot = proj ? &m->kvn[k][id] : &m->kv[k][id];
  if (!*slot) { /* made once: the sizes are needed here only */
    size_t d = (size_t)m->w->head_dim;
    size_t n = (size_t)wl_ctx_tokens(m->w, at->cs) * d;
    int16_t *b = malloc(n * sizeof *b), *c = NULL;
    size_t pre = m->appends ? (size_t)wl_cache_rows(m->w, at->cs) * d : n;
    if (!b || (pre < n && !(c = malloc(n * sizeof *c)))) {
      free(b);
      return NULL;
    }
    ten_rows(m->ten, key ? TEN_K : TEN_V, at->cs, at->layer,
             at->head, 0, wl_ctx_tokens(m->w, at->cs), m->scratch);
    quantize(m, m->scratch, n, b); /* each element's clipping counted once */
    if (pre == n) {
      *slot = b;
    } else { /* one generation makes both: the projection's block holds
              * every row, the cache's the first pre (the rest appended) */
      memcpy(c, b, pre * sizeof *c);
      memset(c + pre, 0, (n - pre) * sizeof *c);
      m->kvn[k][id] = b;
      m->kv[k][id] = c;
    }
  }
  return *slot;
}

/* A quantized-cache block (KQ or VQ): the K or V block quantized and
 * dequantized by the contract (kvquant.h), cached; NULL when out of
 * memory. */
static const int16_t *kvq_block_of(memimg_t *m, const lay_loc_t *at) {
  bool key = at->t == LAY_KQ;
  int k = key ? 0 : 1, id = block_id(m, at->cs, at->layer, at->head);
  int rows = wl_ctx_tokens(m->w, at->cs);
  size_t n = (size_t)rows * (size_t)m->w->head_dim;
  lay_loc_t full = *at;
  if (!m->kvq[k][id]) {
    const int16_t *src;
    int16_t *b;
    full.t = key ? LAY_K : LAY_V;
    if (!(src = kv_block(m, &full)) || !(b = malloc(n * sizeof *b)))
      return NULL;
    memcpy(b, src, n * sizeof *b);
    kvq_block(m->w, m->fx->width, key, b, rows);
    m->kvq[k][id] = b;
  }
  return m->kvq[k][id];
}

/* A landmark key block (LM): per block of landmark.block key rows their
 * rounded mean (lm_key), from every position's key rows (the
 * projection's, which the cache's appends copy), cached; NULL when out of
 * memory. */
static const int16_t *lm_block_of(memimg_t *m, const lay_loc_t *at) {
  int id = block_id(m, at->cs, at->layer, at->head);
  int n = lm_rows(m->w, at->cs), d = m->w->head_dim;
  lay_loc_t full = *at;
  if (!m->lm[id]) {
    const int16_t *k;
    int16_t *b;
    full.t = m->appends && wl_generates(m->w) ? LAY_KN : LAY_K;
    full.row = 0;
    if (!(k = kv_block(m, &full)) ||
        !(b = malloc((size_t)(n ? n : 1) * (size_t)d * sizeof *b)))
      return NULL;
    for (int j = 0; j < n; j++)
      lm_key(k, wl_ctx_tokens(m->w, at->cs), d, m->w->lm_block, j,
             b + (size_t)j * (size_t)d);
    m->lm[id] = b;
  }
  return m->lm[id];
}

/* The centroid block of (cs, layer, head) (routing), quantized on first
 * use; NULL when out of memory. */
static const int16_t *rc_block(memimg_t *m, const lay_loc_t *at) {
  int id = block_id(m, at->cs, at->layer, at->head);
  size_t n = (size_t)m->w->rt_clusters * (size_t)m->w->head_dim;
  if (!m->rc[id]) {
    int16_t *b = malloc(n * sizeof *b);
    float *f = malloc(n * sizeof *f);
    if (!b || !f) {
      free(b), free(f);
      return NULL;
    }
    ten_centroids(m->ten, at->layer, at->head, f);
    quantize(m, f, n, b);
    free(f);
    m->rc[id] = b;
  }
  return m->rc[id];
}

const ten_t *mi_ten(const memimg_t *m) { return m->ten; }

/* The state block of (cs, layer, head) (LS): on first touch the prompt's
 * state, lt_prompt_state over the projection's first wl_prompt rows (the
 * K/V rows the prefill would have folded in). */
int32_t *mi_state(memimg_t *m, const lay_loc_t *at) {
  int id = block_id(m, at->cs, at->layer, at->head), d = m->w->head_dim;
  lay_loc_t kn = {LAY_KN, at->cs, at->layer, at->head, 0}, vn = kn;
  const int16_t *k, *v;
  int32_t *b;
  vn.t = LAY_VN;
  if (m->ls[id]) return m->ls[id];
  if (!(k = kv_block(m, &kn)) || !(v = kv_block(m, &vn)) ||
      !(b = malloc((size_t)d * (size_t)d * sizeof *b)))
    return NULL;
  if (lt_prompt_state(k, v, wl_prompt(m->w, at->cs), d,
                      lt_head_lam(m->w, at->head), m->fx->frac_bits, b)) {
    free(b);
    return NULL;
  }
  return m->ls[id] = b;
}

int mi_read(memimg_t *m, const lay_loc_t *at, int nrows, int16_t *dst) {
  size_t d = (size_t)m->w->head_dim, n = (size_t)nrows * d;
  if (at->t == LAY_RC) {
    const int16_t *b = rc_block(m, at);
    if (!b) return -1;
    memcpy(dst, b + (size_t)at->row * d, n * sizeof *dst);
  } else if (at->t == LAY_Q || at->t == LAY_G) {
    ten_rows(m->ten, at->t == LAY_G ? TEN_G : TEN_Q, at->cs, at->layer,
             at->head, at->row, nrows, m->scratch);
    quantize(m, m->scratch, n, dst);
  } else if (at->t != LAY_O) { /* K, KL, V, KN, VN */
    const int16_t *b = kv_block(m, at);
    if (!b) return -1;
    memcpy(dst, b + (size_t)at->row * d, n * sizeof *dst);
  } else {
    const int16_t *o = mi_output(m, at->cs, at->layer, at->head);
    if (o)
      memcpy(dst, o + (size_t)at->row * d, n * sizeof *dst);
    else
      memset(dst, 0, n * sizeof *dst);
  }
  return 0;
}

/* Every block kind is a function of (t, cs, layer, head), never of row. */
const int16_t *mi_block(memimg_t *m, const lay_loc_t *at) {
  return at->t == LAY_RC ? rc_block(m, at)
         : at->t == LAY_KQ || at->t == LAY_VQ ? kvq_block_of(m, at)
         : at->t == LAY_LM ? lm_block_of(m, at)
                           : kv_block(m, at);
}

const int16_t *mi_rows(memimg_t *m, const lay_loc_t *at) {
  const int16_t *b = mi_block(m, at);
  return b ? b + (size_t)at->row * (size_t)m->w->head_dim : NULL;
}

int mi_write(memimg_t *m, const lay_loc_t *at, const int16_t *row) {
  int id = block_id(m, at->cs, at->layer, at->head);
  size_t d = (size_t)m->w->head_dim;
  if (at->t == LAY_K || at->t == LAY_V) { /* a K/V cache append */
    int16_t *b = kv_block(m, at);
    if (!b) return -1;
    memcpy(b + (size_t)at->row * d, row, d * sizeof *row);
    return 0;
  }
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

const int16_t *mi_cache(const memimg_t *m, bool key, int cs, int layer,
                        int head) {
  return m->kv[key ? 0 : 1][block_id(m, cs, layer, head)];
}

uint64_t mi_saturated(const memimg_t *m) { return m->saturated; }

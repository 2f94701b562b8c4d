#include "memimg.h"

#include <stdlib.h>
#include <string.h>

#include "kvquant.h"
#include "lightning.h"
#include "lmshape.h"

/* K and V rows are held in chunks of MI_CHUNK_ROWS rows of one plane of
 * one block, made when fetched and freed (least recently used first)
 * when the chunks held pass the budget. A plane is the K/V cache (K, KL,
 * V: rows below wl_cache_rows generated, the rest zero, then the rows
 * written to it) or the projection (KN, VN: every row generated). Both
 * are a pure function of the tensor source and the rows written (kept
 * in the block's overlay), so a freed chunk is made again bit for bit. */
enum { MI_CHUNK_ROWS = 1024, MI_PLANES = 4 };
#define MI_BUDGET_DEFAULT ((size_t)192 << 20)
#define MI_BUDGET_ENV "ATTNSIM_KV_BUDGET"

typedef struct chunk {
  int16_t *data;  /* rows x head_dim */
  size_t bytes;
  int p, id, c;   /* plane, block, chunk index */
  uint64_t used;  /* tick of the last use */
  bool pinned;    /* scratch of make_room */
} chunk_t;

/* The rows written to one K or V cache block (mi_write), in write order
 * of first write: at[row - lo] is the entry of row, or -1, for rows in
 * [lo, lo + span) (a decode appends a few rows to a long context, so the
 * index covers the rows written, not the block). */
typedef struct over {
  int32_t *at;
  int16_t *rows;  /* n x head_dim */
  int n, cap;
  int lo, span;
} over_t;

struct memimg {
  const lay_t *lay;
  const fx_t *fx;
  const wl_t *w;
  const ten_t *ten;
  int nblocks;        /* cases * layers * heads */
  int maxrows;        /* the longest case's rows */
  int nchunks;        /* chunks of the longest block */
  chunk_t **tab[MI_PLANES]; /* (block, chunk) -> resident chunk or NULL */
  uint8_t *made;      /* per block: 1 << plane once the plane was made
                         (its clipped elements counted) */
  over_t *over[2];    /* per block: K and V cache rows written */
  chunk_t **res;      /* resident chunks */
  int nres, capres;
  size_t bytes, budget; /* held by resident chunks, and the limit */
  uint64_t tick;
  const int16_t *const *pin[2]; /* buffer rows that point into chunks */
  int npin[2];
  int16_t **kvq[2];   /* K and V blocks as the fetchers dequantize them
                         from the quantized cache (KQ, VQ; kvquant.h) */
  int16_t **out;      /* written output blocks */
  int16_t **lm;       /* landmark key blocks (LM, docs/landmark.md) */
  int16_t **rc;       /* routing centroid blocks (docs/routing.md) */
  int32_t **ls;       /* lightning's decode states (LS, docs/lightning.md) */
  float *scratch;     /* nscratch rows of floats */
  int nscratch;
  int16_t *qscratch;  /* one chunk, quantized (clipping count pass) */
  uint64_t saturated;
  bool appends;       /* the cache starts with wl_cache_rows rows only */
};

static int block_id(const memimg_t *m, int cs, int layer, int head) {
  return (cs * m->w->layers + layer) * m->w->heads + head;
}

static size_t budget_of_env(void) {
  const char *s = getenv(MI_BUDGET_ENV);
  char *end;
  unsigned long long v;
  if (!s || !*s) return MI_BUDGET_DEFAULT;
  v = strtoull(s, &end, 10);
  return *end ? MI_BUDGET_DEFAULT : (size_t)v;
}

memimg_t *mi_new(const lay_t *lay, const fx_t *fx, const wl_t *w,
                 const ten_t *ten, bool appends) {
  memimg_t *m = calloc(1, sizeof *m);
  int cs, p;
  size_t nb, d = (size_t)w->head_dim;
  if (!m) return NULL;
  m->lay = lay;
  m->fx = fx;
  m->w = w;
  m->ten = ten;
  m->appends = appends;
  m->budget = budget_of_env();
  m->nblocks = wl_cases(w) * w->layers * w->heads;
  nb = (size_t)m->nblocks;
  m->maxrows = 1;
  for (cs = 0; cs < wl_cases(w); cs++)
    if (wl_ctx_tokens(w, cs) > m->maxrows) m->maxrows = wl_ctx_tokens(w, cs);
  m->nchunks = (m->maxrows + MI_CHUNK_ROWS - 1) / MI_CHUNK_ROWS;
  for (p = 0; p < MI_PLANES; p++)
    if (!(m->tab[p] = calloc(nb * (size_t)m->nchunks, sizeof(chunk_t *))))
      break;
  m->made = calloc(nb, 1);
  m->over[0] = calloc(nb, sizeof(over_t));
  m->over[1] = calloc(nb, sizeof(over_t));
  m->kvq[0] = calloc(nb, sizeof(int16_t *));
  m->kvq[1] = calloc(nb, sizeof(int16_t *));
  m->out = calloc(nb, sizeof(int16_t *));
  m->lm = calloc(nb, sizeof(int16_t *));
  m->rc = calloc(nb, sizeof(int16_t *));
  m->ls = calloc(nb, sizeof(int32_t *));
  m->nscratch = MI_CHUNK_ROWS;
  m->scratch = malloc((size_t)m->nscratch * d * sizeof(float));
  m->qscratch = malloc((size_t)MI_CHUNK_ROWS * d * sizeof(int16_t));
  if (p < MI_PLANES || !m->made || !m->over[0] || !m->over[1] ||
      !m->kvq[0] || !m->kvq[1] || !m->out || !m->lm || !m->rc || !m->ls ||
      !m->scratch || !m->qscratch) {
    mi_free(m);
    return NULL;
  }
  return m;
}

static void free_blocks(void **b, int n) {
  for (int i = 0; b && i < n; i++) free(b[i]);
  free(b);
}

void mi_free(memimg_t *m) {
  int i, k;
  if (!m) return;
  for (i = 0; i < m->nres; i++) {
    free(m->res[i]->data);
    free(m->res[i]);
  }
  free(m->res);
  for (k = 0; k < MI_PLANES; k++) free(m->tab[k]);
  for (k = 0; k < 2; k++) {
    for (i = 0; m->over[k] && i < m->nblocks; i++) {
      free(m->over[k][i].at);
      free(m->over[k][i].rows);
    }
    free(m->over[k]);
    free_blocks((void **)m->kvq[k], m->nblocks);
  }
  free_blocks((void **)m->out, m->nblocks);
  free_blocks((void **)m->lm, m->nblocks);
  free_blocks((void **)m->rc, m->nblocks);
  free_blocks((void **)m->ls, m->nblocks);
  free(m->made);
  free(m->scratch);
  free(m->qscratch);
  free(m);
}

void mi_pin(memimg_t *m, int i, const int16_t *const *rows, int n) {
  m->pin[i] = rows;
  m->npin[i] = n;
}

/* m->scratch holding at least n rows of floats; NULL when out of memory. */
static float *scratch(memimg_t *m, int n) {
  if (n > m->nscratch) {
    float *s = realloc(m->scratch, (size_t)n * (size_t)m->w->head_dim *
                                       sizeof *s);
    if (!s) return NULL;
    m->scratch = s;
    m->nscratch = n;
  }
  return m->scratch;
}

/* Quantizes n elements; returns how many were clipped. */
static uint64_t quantize(const memimg_t *m, const float *src, size_t n,
                         int16_t *dst) {
  return fx_quant_row(m->fx, src, n, dst);
}

/* ---- K and V chunks ---------------------------------------------------- */

/* The plane a K/V location reads: bit 1 the tensor (0 K, 1 V), bit 0 the
 * projection (KN, VN) rather than the cache. Both key planes (K, KL)
 * read the same keys: the datapath cuts them to bits. */
static int plane_of(lay_tensor_t t) {
  bool key = t == LAY_K || t == LAY_KL || t == LAY_KN;
  bool proj = t == LAY_KN || t == LAY_VN;
  return (key ? 0 : 2) | (proj ? 1 : 0);
}

static int block_rows(const memimg_t *m, const lay_loc_t *at) {
  return wl_ctx_tokens(m->w, at->cs);
}

/* Rows of the cache plane that come from the tensor source (the rest are
 * zero until written). */
static int cache_pre(const memimg_t *m, const lay_loc_t *at) {
  return m->appends ? wl_cache_rows(m->w, at->cs) : block_rows(m, at);
}

static int chunk_len(const memimg_t *m, const lay_loc_t *at, int c) {
  int n = block_rows(m, at) - c * MI_CHUNK_ROWS;
  return n < MI_CHUNK_ROWS ? n : MI_CHUNK_ROWS;
}

/* The overlay entry of row r, or -1 when it was not written. */
static int32_t over_entry(const over_t *o, int r) {
  return r >= o->lo && r - o->lo < o->span ? o->at[r - o->lo] : -1;
}

/* Makes o's index cover row r (growing it by half again at least, so a
 * run of appends costs amortized constant time); -1 when out of memory. */
static int over_cover(over_t *o, int r) {
  int lo, hi, i;
  int32_t *at;
  if (r >= o->lo && r - o->lo < o->span) return 0;
  lo = o->span ? (r < o->lo ? r : o->lo) : r;
  hi = o->span ? (r >= o->lo + o->span ? r + 1 : o->lo + o->span) : r + 1;
  if (hi - lo < o->span + o->span / 2 + 16) { /* room to grow into */
    if (r < o->lo) lo = hi - (o->span + o->span / 2 + 16);
    else hi = lo + o->span + o->span / 2 + 16;
    if (lo < 0) lo = 0;
  }
  if (!(at = malloc((size_t)(hi - lo) * sizeof *at))) return -1;
  for (i = 0; i < hi - lo; i++)
    at[i] = over_entry(o, lo + i);
  free(o->at);
  o->at = at, o->lo = lo, o->span = hi - lo;
  return 0;
}

/* Completes chunk c of plane p of at's block from its generated rows
 * (the first gen quantized in dst): a cache plane's rows from cache_pre
 * on are zero, then the rows written to it replace theirs. */
static void chunk_finish(const memimg_t *m, int p, const lay_loc_t *at, int c,
                         int gen, int16_t *dst) {
  size_t d = (size_t)m->w->head_dim;
  int r0 = c * MI_CHUNK_ROWS, n = chunk_len(m, at, c);
  const over_t *o = &m->over[p >> 1][block_id(m, at->cs, at->layer, at->head)];
  if (p & 1) return; /* the projection: every row generated */
  memset(dst + (size_t)gen * d, 0, (size_t)(n - gen) * d * sizeof *dst);
  for (int i = 0; i < n; i++) {
    int32_t e = over_entry(o, r0 + i);
    if (e >= 0) memcpy(dst + (size_t)i * d, o->rows + (size_t)e * d, d * sizeof *dst);
  }
}

/* Rows a chunk takes from the tensor source: all but a cache plane's
 * from cache_pre on. */
static int chunk_gen(const memimg_t *m, int p, const lay_loc_t *at, int c) {
  int n = chunk_len(m, at, c), pre = cache_pre(m, at) - c * MI_CHUNK_ROWS;
  if (p & 1) return n;
  return pre < 0 ? 0 : pre < n ? pre : n;
}

/* Rows of chunk c of plane p of at's block, as it stands: generated (f:
 * a chunk of floats) and quantized (no clipping counted: made_plane
 * counted it), then chunk_finish. */
static void chunk_fill(const memimg_t *m, int p, const lay_loc_t *at, int c,
                       float *f, int16_t *dst) {
  int gen = chunk_gen(m, p, at, c);
  if (gen) {
    ten_rows(m->ten, p >> 1 ? TEN_V : TEN_K, at->cs, at->layer, at->head,
             c * MI_CHUNK_ROWS, gen, f);
    quantize(m, f, (size_t)gen * (size_t)m->w->head_dim, dst);
  }
  chunk_finish(m, p, at, c, gen, dst);
}

static chunk_t **tab_slot(memimg_t *m, int p, int id, int c) {
  return &m->tab[p][(size_t)id * (size_t)m->nchunks + (size_t)c];
}

/* Resident chunks by address, for the pin search. */
static int by_addr(const void *a, const void *b) {
  const chunk_t *x = *(chunk_t *const *)a, *y = *(chunk_t *const *)b;
  uintptr_t u = (uintptr_t)x->data, v = (uintptr_t)y->data;
  return (u > v) - (u < v);
}

static int by_use(const void *a, const void *b) {
  const chunk_t *x = *(chunk_t *const *)a, *y = *(chunk_t *const *)b;
  return (x->used > y->used) - (x->used < y->used);
}

/* Marks the resident chunks a registered buffer row points into (sorts
 * m->res by address). */
static void mark_pins(memimg_t *m) {
  qsort(m->res, (size_t)m->nres, sizeof *m->res, by_addr);
  for (int i = 0; i < m->nres; i++) m->res[i]->pinned = false;
  for (int k = 0; k < 2; k++)
    for (int r = 0; r < m->npin[k]; r++) {
      uintptr_t a = (uintptr_t)m->pin[k][r];
      int lo = 0, hi = m->nres - 1;
      while (lo <= hi) { /* the last chunk starting at or below a */
        int mid = (lo + hi) / 2;
        if ((uintptr_t)m->res[mid]->data <= a) lo = mid + 1;
        else hi = mid - 1;
      }
      if (hi >= 0 && a < (uintptr_t)m->res[hi]->data + m->res[hi]->bytes)
        m->res[hi]->pinned = true;
    }
}

/* Frees least recently used chunks, none a buffer row points into, until
 * need more bytes fit the budget with a quarter of it to spare (or none
 * is left to free). Invariant: every pointer a buffer row holds stays
 * valid; a freed chunk is made again, the same, when next read. */
static void make_room(memimg_t *m, size_t need) {
  size_t goal = m->budget - m->budget / 4;
  int i, n = 0;
  if (m->bytes + need <= m->budget || !m->nres) return;
  mark_pins(m);
  qsort(m->res, (size_t)m->nres, sizeof *m->res, by_use);
  for (i = 0; i < m->nres; i++) {
    chunk_t *ch = m->res[i];
    if (!ch->pinned && m->bytes + need > goal) {
      *tab_slot(m, ch->p, ch->id, ch->c) = NULL;
      m->bytes -= ch->bytes;
      free(ch->data);
      free(ch);
    } else {
      m->res[n++] = ch;
    }
  }
  m->nres = n;
}

/* A new resident chunk c of plane p (data uninitialised); NULL when out
 * of memory. evict: may free others to stay in the budget; else NULL too
 * when it does not fit. */
static chunk_t *chunk_add(memimg_t *m, int p, const lay_loc_t *at, int c,
                          bool evict) {
  size_t bytes = (size_t)chunk_len(m, at, c) * (size_t)m->w->head_dim *
                 sizeof(int16_t);
  chunk_t *ch;
  if (evict) make_room(m, bytes);
  else if (m->bytes + bytes > m->budget) return NULL;
  if (m->nres == m->capres) {
    int cap = m->capres ? 2 * m->capres : 64;
    chunk_t **r = realloc(m->res, (size_t)cap * sizeof *r);
    if (!r) return NULL;
    m->res = r;
    m->capres = cap;
  }
  if (!(ch = calloc(1, sizeof *ch)) || !(ch->data = malloc(bytes))) {
    free(ch);
    return NULL;
  }
  ch->bytes = bytes;
  ch->p = p;
  ch->id = block_id(m, at->cs, at->layer, at->head);
  ch->c = c;
  ch->used = ++m->tick;
  m->res[m->nres++] = ch;
  m->bytes += bytes;
  return *tab_slot(m, p, ch->id, c) = ch;
}

/* First touch of plane p of at's block: counts its clipped elements as
 * making the whole block once did (a cache that appends and its
 * projection come from one generation, counted once; else each plane
 * counts its own), keeping the chunks that fit the budget. */
static void made_plane(memimg_t *m, int p, const lay_loc_t *at) {
  int id = block_id(m, at->cs, at->layer, at->head), n = block_rows(m, at);
  int both = cache_pre(m, at) < n ? 3 << (p & 2) : 1 << p;
  size_t d = (size_t)m->w->head_dim;
  if (m->made[id] & (1 << p)) return;
  m->made[id] |= (uint8_t)both;
  for (int c = 0; c * MI_CHUNK_ROWS < n; c++) {
    int len = chunk_len(m, at, c);
    chunk_t *ch;
    ten_rows(m->ten, p >> 1 ? TEN_V : TEN_K, at->cs, at->layer, at->head,
             c * MI_CHUNK_ROWS, len, m->scratch);
    m->saturated += quantize(m, m->scratch, (size_t)len * d, m->qscratch);
    if (!*tab_slot(m, p, id, c) && (ch = chunk_add(m, p, at, c, false))) {
      memcpy(ch->data, m->qscratch, ch->bytes);
      chunk_finish(m, p, at, c, chunk_gen(m, p, at, c), ch->data);
    }
  }
}

/* Chunk c of at's K/V plane block, made if it is not resident; NULL
 * when out of memory. */
static __attribute__((noinline)) chunk_t * /* once a chunk: mi_rows_next stays light */
kv_chunk(memimg_t *m, const lay_loc_t *at, int c) {
  int p = plane_of(at->t), id = block_id(m, at->cs, at->layer, at->head);
  chunk_t *ch = *tab_slot(m, p, id, c);
  if (!ch) {
    made_plane(m, p, at);
    if (!(ch = *tab_slot(m, p, id, c))) {
      if (!(ch = chunk_add(m, p, at, c, true))) return NULL;
      chunk_fill(m, p, at, c, m->scratch, ch->data);
    }
  }
  return ch;
}

/* Row `row` of its chunk ch, which counts as used now. */
static int16_t *kv_at(memimg_t *m, chunk_t *ch, int row) {
  ch->used = ++m->tick;
  return ch->data + (size_t)(row % MI_CHUNK_ROWS) * (size_t)m->w->head_dim;
}

/* The row at->row of a K/V plane (the rest of its chunk follows), valid
 * while a registered buffer row points into its chunk or until the next
 * call that makes a chunk; NULL when out of memory. */
static int16_t *kv_row(memimg_t *m, const lay_loc_t *at) {
  chunk_t *ch = kv_chunk(m, at, at->row / MI_CHUNK_ROWS);
  return ch ? kv_at(m, ch, at->row) : NULL;
}

/* Copies n rows of a K/V plane from at->row into dst; -1 when out of
 * memory. */
static int kv_copy(memimg_t *m, const lay_loc_t *at, int n, int16_t *dst) {
  size_t d = (size_t)m->w->head_dim;
  lay_loc_t r = *at;
  while (n > 0) {
    int run = MI_CHUNK_ROWS - r.row % MI_CHUNK_ROWS;
    const int16_t *src = kv_row(m, &r);
    if (!src) return -1;
    if (run > n) run = n;
    memcpy(dst, src, (size_t)run * d * sizeof *dst);
    dst += (size_t)run * d;
    r.row += run;
    n -= run;
  }
  return 0;
}

/* A whole K/V plane of at's block as it stands, malloc'd; NULL when out
 * of memory. */
static int16_t *kv_whole(memimg_t *m, lay_tensor_t t, const lay_loc_t *at) {
  lay_loc_t r = *at;
  int n = block_rows(m, at);
  int16_t *b = malloc((size_t)n * (size_t)m->w->head_dim * sizeof *b);
  r.t = t;
  r.row = 0;
  if (b && kv_copy(m, &r, n, b)) {
    free(b);
    return NULL;
  }
  return b;
}

/* Records row at->row of a cache plane as written (the overlay the plane
 * is made from again) and updates its chunk when resident. */
static int kv_write(memimg_t *m, const lay_loc_t *at, const int16_t *row) {
  int p = plane_of(at->t), id = block_id(m, at->cs, at->layer, at->head);
  size_t d = (size_t)m->w->head_dim;
  over_t *o = &m->over[p >> 1][id];
  chunk_t *ch;
  made_plane(m, p, at);
  if (over_cover(o, at->row)) return -1;
  if (o->at[at->row - o->lo] < 0) {
    if (o->n == o->cap) {
      int cap = o->cap ? 2 * o->cap : 16;
      int16_t *r = realloc(o->rows, (size_t)cap * d * sizeof *r);
      if (!r) return -1;
      o->rows = r;
      o->cap = cap;
    }
    o->at[at->row - o->lo] = o->n++;
  }
  memmove(o->rows + (size_t)o->at[at->row - o->lo] * d, row, d * sizeof *row);
  if ((ch = *tab_slot(m, p, id, at->row / MI_CHUNK_ROWS)))
    memmove(ch->data + (size_t)(at->row % MI_CHUNK_ROWS) * d, row,
            d * sizeof *row);
  return 0;
}

/* ---- blocks derived from K and V, kept until mi_free ------------------- */

/* A quantized-cache block (KQ or VQ): the K or V cache block as it stands
 * at first use, quantized and dequantized by the contract (kvquant.h),
 * cached; NULL when out of memory. */
static const int16_t *kvq_block_of(memimg_t *m, const lay_loc_t *at) {
  bool key = at->t == LAY_KQ;
  int k = key ? 0 : 1, id = block_id(m, at->cs, at->layer, at->head);
  if (!m->kvq[k][id]) {
    int16_t *b = kv_whole(m, key ? LAY_K : LAY_V, at);
    if (!b) return NULL;
    kvq_block(m->w, m->fx->width, key, b, block_rows(m, at));
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
  if (!m->lm[id]) {
    int16_t *k, *b;
    k = kv_whole(m, m->appends && wl_generates(m->w) ? LAY_KN : LAY_K, at);
    if (!k || !(b = malloc((size_t)(n ? n : 1) * (size_t)d * sizeof *b))) {
      free(k);
      return NULL;
    }
    for (int j = 0; j < n; j++)
      lm_key(k, block_rows(m, at), d, m->w->lm_block, j,
             b + (size_t)j * (size_t)d);
    free(k);
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
    m->saturated += quantize(m, f, n, b);
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
  int16_t *k, *v = NULL;
  int32_t *b = NULL;
  int rc = -1;
  if (m->ls[id]) return m->ls[id];
  if ((k = kv_whole(m, LAY_KN, at)) && (v = kv_whole(m, LAY_VN, at)) &&
      (b = malloc((size_t)d * (size_t)d * sizeof *b)))
    rc = lt_prompt_state(k, v, wl_prompt(m->w, at->cs), d,
                         lt_head_lam(m->w, at->head), m->fx->frac_bits, b);
  free(k);
  free(v);
  if (rc) {
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
    float *f = scratch(m, nrows);
    if (!f) return -1;
    ten_rows(m->ten, at->t == LAY_G ? TEN_G : TEN_Q, at->cs, at->layer,
             at->head, at->row, nrows, f);
    m->saturated += quantize(m, f, n, dst);
  } else if (at->t != LAY_O) { /* K, KL, V, KN, VN */
    return kv_copy(m, at, nrows, dst);
  } else {
    const int16_t *o = mi_output(m, at->cs, at->layer, at->head);
    if (o)
      memcpy(dst, o + (size_t)at->row * d, n * sizeof *dst);
    else
      memset(dst, 0, n * sizeof *dst);
  }
  return 0;
}

/* Whether t's rows are a K/V plane's (made in chunks), not a derived
 * block's. */
static bool kv_plane(lay_tensor_t t) {
  return t != LAY_RC && t != LAY_KQ && t != LAY_VQ && t != LAY_LM;
}

const int16_t *mi_rows(memimg_t *m, const lay_loc_t *at) {
  const int16_t *b;
  if (kv_plane(at->t)) return kv_row(m, at);
  b = at->t == LAY_RC ? rc_block(m, at)
      : at->t == LAY_LM ? lm_block_of(m, at)
                        : kvq_block_of(m, at);
  return b ? b + (size_t)at->row * (size_t)m->w->head_dim : NULL;
}

/* Invariant: cur->ch, when set, is chunk cur->c of at's block, resident
 * (no mi_ call since the last one with this cursor could evict it). */
const int16_t *mi_rows_next(memimg_t *m, mi_cur_t *cur, const lay_loc_t *at) {
  int c = at->row / MI_CHUNK_ROWS;
  if (!kv_plane(at->t)) return mi_rows(m, at);
  if (!cur->ch || cur->c != c) {
    if (!(cur->ch = kv_chunk(m, at, c))) return NULL;
    cur->c = c;
  }
  return kv_at(m, cur->ch, at->row);
}

int mi_write(memimg_t *m, const lay_loc_t *at, const int16_t *row) {
  int id = block_id(m, at->cs, at->layer, at->head);
  size_t d = (size_t)m->w->head_dim;
  if (at->t == LAY_K || at->t == LAY_V) /* a K/V cache append */
    return kv_write(m, at, row);
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

int mi_cache(const memimg_t *m, bool key, int cs, int layer, int head,
             int16_t *dst) {
  lay_loc_t at = {key ? LAY_K : LAY_V, cs, layer, head, 0};
  int p = plane_of(at.t), n = block_rows(m, &at);
  size_t d = (size_t)m->w->head_dim;
  float *f;
  if (!(m->made[block_id(m, cs, layer, head)] & (1 << p))) return 1;
  if (!(f = malloc((size_t)MI_CHUNK_ROWS * d * sizeof *f))) return -1;
  for (int c = 0; c * MI_CHUNK_ROWS < n; c++) /* made as a chunk would be */
    chunk_fill(m, p, &at, c, f, dst + (size_t)c * MI_CHUNK_ROWS * d);
  free(f);
  return 0;
}

uint64_t mi_saturated(const memimg_t *m) { return m->saturated; }

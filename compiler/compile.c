#include "compile.h"

#include <string.h>

#include "layout.h"

/* A ring of buffer rows (or score entries): allocations are contiguous and
 * wrap to 0 when the tail cannot hold them. Invariant: n <= cap. */
typedef struct ring {
  int cap, head;
} ring_t;

static int ring_alloc(ring_t *r, int n) {
  int at;
  if (r->head + n > r->cap) r->head = 0;
  at = r->head;
  r->head += n;
  return at;
}

typedef struct comp {
  const wl_t *w;
  lay_t lay;
  trace_writer_t tw;
  ring_t q, k, v, s, o;
  int chunk;   /* rows per streamed K/V fetch */
  err_t *e;
  int rc;
} comp_t;

static void emit(comp_t *c, uint8_t op, int a, int b, int cc, int d, int e,
                 uint64_t addr) {
  insn_t in;
  if (c->rc) return;
  memset(&in, 0, sizeof in);
  in.op = op;
  in.a = (uint16_t)a;
  in.b = (uint16_t)b;
  in.c = (uint16_t)cc;
  in.d = (uint8_t)d;
  in.e = (uint16_t)e;
  in.addr = addr;
  c->rc = trw_put(&c->tw, &in, c->e);
}

/* Fetch rows [r0, r0+n) of K or V for (cs, l, h) into ring rows. */
static int fetch_rows(comp_t *c, lay_tensor_t t, int cs, int l, int h,
                      int r0, int n) {
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  int at = ring_alloc(ring, n);
  emit(c, t == LAY_K ? OP_LDK : OP_LDV, at, n, 0, 0, 0,
       lay_addr(&c->lay, t, cs, l, h, r0));
  return at;
}

/* One query whose keys and values stream through in chunks. */
static void query_streamed(comp_t *c, int cs, int l, int h, int q) {
  int nk = wl_keys(c->w, cs, q), qr = ring_alloc(&c->q, 1);
  int so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1), j, n;
  emit(c, OP_LDQ, qr, 1, 0, 0, 0,
       lay_addr(&c->lay, LAY_Q, cs, l, h, wl_query_pos(c->w, cs, q)));
  for (j = 0; j < nk; j += n) {
    n = nk - j < c->chunk ? nk - j : c->chunk;
    emit(c, OP_QK, qr, fetch_rows(c, LAY_K, cs, l, h, j, n), n, 0, so + j, 0);
  }
  emit(c, OP_SMAX, so, nk, 0, 0, 0, 0);
  for (j = 0; j < nk; j += n) {
    n = nk - j < c->chunk ? nk - j : c->chunk;
    emit(c, OP_AV, orow, fetch_rows(c, LAY_V, cs, l, h, j, n), n, j > 0,
         so + j, 0);
  }
  emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
}

/* All queries of a head against keys and values loaded once. */
static void head_resident(comp_t *c, int cs, int l, int h) {
  int ntok = wl_ctx_tokens(c->w, cs), nq = wl_queries(c->w, cs);
  int kb = c->k.head + ntok > c->k.cap ? 0 : c->k.head;
  int vb = c->v.head + ntok > c->v.cap ? 0 : c->v.head;
  int j, n, q;
  /* chunked loads so the first queries can start before the last rows */
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->k.head = kb + j;
    fetch_rows(c, LAY_K, cs, l, h, j, n);
  }
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->v.head = vb + j;
    fetch_rows(c, LAY_V, cs, l, h, j, n);
  }
  for (q = 0; q < nq; q++) {
    int nk = wl_keys(c->w, cs, q), qr = ring_alloc(&c->q, 1);
    int so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1);
    emit(c, OP_LDQ, qr, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, cs, l, h, wl_query_pos(c->w, cs, q)));
    emit(c, OP_QK, qr, kb, nk, 0, so, 0);
    emit(c, OP_SMAX, so, nk, 0, 0, 0, 0);
    emit(c, OP_AV, orow, vb, nk, 0, so, 0);
    emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
  }
}

static void lower_prefill(comp_t *c) {
  int cs, l, h, q;
  for (cs = 0; cs < c->w->ncases; cs++) {
    int ntok = wl_ctx_tokens(c->w, cs);
    int resident = ntok <= c->k.cap && ntok <= c->v.cap;
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (h = 0; h < c->w->heads; h++) {
        if (resident)
          head_resident(c, cs, l, h);
        else
          for (q = 0; q < wl_queries(c->w, cs); q++)
            query_streamed(c, cs, l, h, q);
      }
    }
  }
}

/* Decode: token-major, since each token's layers run in order. */
static void lower_decode(comp_t *c) {
  int t, l, h;
  for (t = 0; t < c->w->generate; t++)
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, 0, l, 0, 0, 0, 0);
      for (h = 0; h < c->w->heads; h++) query_streamed(c, 0, l, h, t);
    }
}

int comp_compile(const cfg_t *cfg, const wl_t *w, const char *cfg_name,
                 FILE *f, err_t *e) {
  comp_t c;
  memset(&c, 0, sizeof c);
  c.w = w;
  c.e = e;
  if (lay_init(&c.lay, cfg, w, cfg_name, e)) return ERR_BAD_INPUT;
  c.q.cap = c.lay.qbuf_rows;
  c.k.cap = c.lay.kbuf_rows;
  c.v.cap = c.lay.vbuf_rows;
  c.o.cap = c.lay.obuf_rows;
  c.s.cap = c.lay.sbuf_entries;
  /* two chunks in flight per ring at least, so fetch overlaps compute */
  c.chunk = cfg->chunk_rows;
  if (c.chunk > c.k.cap / 2) c.chunk = c.k.cap / 2;
  if (c.chunk > c.v.cap / 2) c.chunk = c.v.cap / 2;
  if (c.chunk < 1) c.chunk = 1;
  if (trw_open(&c.tw, f, cfg_hash(cfg), w, e)) return e->status;
  if (w->phase == WL_DECODE)
    lower_decode(&c);
  else
    lower_prefill(&c);
  if (c.rc) return c.rc;
  return trw_close(&c.tw, e);
}

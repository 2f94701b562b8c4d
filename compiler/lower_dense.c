/* lower_dense.c - dense multi-head attention (compile.h): per case,
 * layer and K/V head (decode: per generated token, then layer, then K/V
 * head) LDQ, QK, SMAX, AV, STO, with keys and values resident for a head
 * when they fit and streamed in chunks otherwise.
 *
 * Grouped-query attention (model.kv_heads): the wl_group(w) query heads
 * of a K/V head share its rows. Resident, the K/V head's rows are loaded
 * once and every query head of the group runs against them. Streamed, each
 * K/V chunk is fetched once and every query head of the group runs on it,
 * when the query, score and output buffers hold the group's rows (group
 * query rows, group x keys score entries, group output rows); otherwise
 * each query head streams the K/V rows itself.
 *
 * Sliding window (attention.window, attention.sinks): a query attends to
 * the rows of wl_span, the sinks [0, nsink) then the window [lo, hi);
 * their scores sit side by side in SBUF, so one SMAX normalises them.
 * Streamed (always in decode), only those rows are fetched. */
#include "lower.h"

/* The rows a query attends to, as two segments of K/V rows: [0, nsink)
 * at score offset 0, then [lo, hi) at score offset nsink. */
typedef struct span {
  int r0[2], n[2], off[2], nk;
} span_t;

static span_t span_of(const comp_t *c, int cs, int q) {
  span_t s;
  int nsink, lo;
  s.nk = wl_span(c->w, cs, q, &nsink, &lo);
  s.r0[0] = 0, s.n[0] = nsink, s.off[0] = 0;
  s.r0[1] = lo, s.n[1] = s.nk - nsink, s.off[1] = nsink;
  return s;
}

/* Query q of query heads h0 .. h0+g-1, whose K/V head is kvh, with the
 * keys and values streamed through in chunks: each chunk is fetched once
 * and serves the g heads. */
static void group_streamed(comp_t *c, int cs, int l, int kvh, int h0, int g,
                           int q) {
  span_t sp = span_of(c, cs, q);
  int nk = sp.nk, qr = ring_alloc(&c->q, g);
  int so = ring_alloc(&c->s, g * nk), orow = ring_alloc(&c->o, g);
  int i, j, n, seg, first = 1;
  c->fresh_store = h0 == kvh * wl_group(c->w); /* the group's first head */
  for (i = 0; i < g; i++)
    emit(c, OP_LDQ, qr + i, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, cs, l, h0 + i, wl_query_pos(c->w, cs, q)));
  for (seg = 0; seg < 2; seg++)
    for (j = 0; j < sp.n[seg]; j += n) {
      int kr;
      n = sp.n[seg] - j < c->chunk ? sp.n[seg] - j : c->chunk;
      kr = fetch_cache_rows(c, LAY_K, cs, l, kvh, sp.r0[seg] + j, n);
      for (i = 0; i < g; i++)
        emit(c, OP_QK, qr + i, kr, n, 0, so + i * nk + sp.off[seg] + j, 0);
    }
  for (i = 0; i < g; i++) emit(c, OP_SMAX, so + i * nk, nk, 0, 0, 0, 0);
  for (seg = 0; seg < 2; seg++)
    for (j = 0; j < sp.n[seg]; j += n, first = 0) {
      int vr;
      n = sp.n[seg] - j < c->chunk ? sp.n[seg] - j : c->chunk;
      vr = fetch_cache_rows(c, LAY_V, cs, l, kvh, sp.r0[seg] + j, n);
      for (i = 0; i < g; i++)
        emit(c, OP_AV, orow + i, vr, n, !first,
             so + i * nk + sp.off[seg] + j, 0);
    }
  for (i = 0; i < g; i++)
    emit(c, OP_STO, orow + i, 0, 0, 0, 0,
         lay_addr(&c->lay, LAY_O, cs, l, h0 + i, q));
}

/* Query q of every query head of K/V head kvh, streamed: once for the
 * group when its rows fit the buffers, else once per query head. */
void query_streamed(comp_t *c, int cs, int l, int kvh, int q) {
  int g = wl_group(c->w), h0 = kvh * g, i;
  span_t sp = span_of(c, cs, q);
  if (g <= c->q.cap && g <= c->o.cap && (long)g * sp.nk <= c->s.cap)
    group_streamed(c, cs, l, kvh, h0, g, q);
  else
    for (i = 0; i < g; i++) group_streamed(c, cs, l, kvh, h0 + i, 1, q);
}

/* All queries of every query head of K/V head kvh against its keys and
 * values, loaded once. */
static void head_resident(comp_t *c, int cs, int l, int kvh) {
  int ntok = wl_ctx_tokens(c->w, cs), nq = wl_queries(c->w, cs);
  int kb = c->k.head + ntok > c->k.cap ? 0 : c->k.head;
  int vb = c->v.head + ntok > c->v.cap ? 0 : c->v.head;
  int g = wl_group(c->w), j, n, q, h, seg;
  /* chunked loads so the first queries can start before the last rows */
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->k.head = kb + j;
    fetch_rows(c, LAY_K, cs, l, kvh, j, n);
  }
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->v.head = vb + j;
    fetch_rows(c, LAY_V, cs, l, kvh, j, n);
  }
  for (h = kvh * g; h < (kvh + 1) * g; h++)
    for (q = 0; q < nq; q++) {
      span_t sp = span_of(c, cs, q);
      int qr = ring_alloc(&c->q, 1), first = 1;
      int so = ring_alloc(&c->s, sp.nk), orow = ring_alloc(&c->o, 1);
      emit(c, OP_LDQ, qr, 1, 0, 0, 0,
           lay_addr(&c->lay, LAY_Q, cs, l, h, wl_query_pos(c->w, cs, q)));
      for (seg = 0; seg < 2; seg++)
        if (sp.n[seg])
          emit(c, OP_QK, qr, kb + sp.r0[seg], sp.n[seg], 0, so + sp.off[seg],
               0);
      emit(c, OP_SMAX, so, sp.nk, 0, 0, 0, 0);
      for (seg = 0; seg < 2; seg++)
        if (sp.n[seg]) {
          emit(c, OP_AV, orow, vb + sp.r0[seg], sp.n[seg], !first,
               so + sp.off[seg], 0);
          first = 0;
        }
      emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
    }
}

static void lower_prefill(comp_t *c) {
  int cs, l, kvh, q;
  for (cs = 0; cs < c->w->ncases; cs++) {
    int ntok = wl_ctx_tokens(c->w, cs);
    int resident = ntok <= c->k.cap && ntok <= c->v.cap;
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (kvh = 0; kvh < wl_kv_heads(c->w); kvh++) {
        if (resident)
          head_resident(c, cs, l, kvh);
        else
          for (q = 0; q < wl_queries(c->w, cs); q++)
            query_streamed(c, cs, l, kvh, q);
      }
    }
  }
}

/* Decode: token-major, since each token's layers run in order; within a
 * layer the batch's sequences one after another (docs/serve.md). Step t
 * takes the new token's K/V rows from the projection and appends them. */
static void lower_decode(comp_t *c) {
  int t, l, kvh, cs;
  for (t = 0; t < c->w->generate; t++)
    for (l = 0; l < c->w->layers; l++)
      for (cs = 0; cs < wl_cases(c->w); cs++) {
        int q = wl_queries(c->w, cs) - c->w->generate + t;
        emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
        c->fresh = wl_query_pos(c->w, cs, q) + 1;
        for (kvh = 0; kvh < wl_kv_heads(c->w); kvh++)
          query_streamed(c, cs, l, kvh, q);
        c->fresh = 0;
      }
}

void lower_dense(comp_t *c) {
  if (c->w->phase == WL_SERVE) lower_serve_prefill(c);
  if (wl_generates(c->w))
    lower_decode(c);
  else
    lower_prefill(c);
}

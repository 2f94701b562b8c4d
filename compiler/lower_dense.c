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
 * Latent attention's absorbed decode (model.v_from_k): value rows are the
 * first v_from_k elements of the key rows. Resident, one LDK with VTOO
 * fills both buffers; streamed, the value pass fetches the key rows again
 * (the row mapping has used and dropped them by then), so the compiler
 * tiles latent attention's decode (common/mapping.c), where each K/V tile
 * is read once for QK and AV.
 *
 * Sliding window (attention.window, attention.sinks): a query attends to
 * the rows of wl_span, the sinks [0, nsink) then the window [lo, hi);
 * their scores sit side by side in SBUF, so one SMAX normalises them.
 * Streamed (always in decode), only those rows are fetched.
 *
 * KV quantization (kv_quant, docs/kivi.md): c->kvq_rows, set per query
 * (decode) or case (prefill), makes fetch_rows read the quantized rows
 * from the quantized cache. */
#include "lower.h"

#include "kvquant.h"

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
  c->kvq_rows = kvq_rows(c->w, cs, q); /* this query's quantized cache */
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
      vr = c->w->v_from_k ? fetch_vrows(c, cs, l, kvh, sp.r0[seg] + j, n)
                          : fetch_cache_rows(c, LAY_V, cs, l, kvh,
                                             sp.r0[seg] + j, n);
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
  c->kvq_rows = kvq_rows(c->w, cs, 0); /* prefill: the same for every query */
  /* chunked loads so the first queries can start before the last rows */
  for (j = 0; j < ntok; j += n) {
    n = ntok - j < c->chunk ? ntok - j : c->chunk;
    c->k.head = kb + j;
    if (c->w->v_from_k) { /* latent attention: the key rows are the values */
      emit(c, OP_LDK, ring_alloc(&c->k, n), n, vb + j, ISA_VTOO, 0,
           lay_addr(&c->lay, LAY_K, cs, l, kvh, j));
      c->v.head = vb + j + n;
    } else {
      fetch_rows(c, LAY_K, cs, l, kvh, j, n);
    }
  }
  for (j = 0; !c->w->v_from_k && j < ntok; j += n) {
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


/* ---- the tiled mapping (docs/tiling.md) -------------------------------
 * A block is up to map.br (query, query head) pairs of one K/V head, in
 * query-major order (decode: the group's query heads at one position).
 * Tile k holds K/V rows [k bc, (k+1) bc); the block fetches, per tile,
 * the rows any of its pairs attends to (the union of their spans, one or
 * two runs), once, and each pair with keys in the tile runs QK, OSM and
 * AV on them; at the end ONRM and STO per pair. */

typedef struct run2 {
  int r0[2], n[2], cnt; /* runs [r0, r0+n), ascending, cnt of them */
} run2_t;

/* Append [a, b) to r when non-empty, merging it with a run it touches. */
static void run_add(run2_t *r, int a, int b) {
  if (a >= b) return;
  if (r->cnt && a <= r->r0[r->cnt - 1] + r->n[r->cnt - 1]) {
    int e = r->r0[r->cnt - 1] + r->n[r->cnt - 1];
    if (a < r->r0[r->cnt - 1]) r->r0[r->cnt - 1] = a;
    r->n[r->cnt - 1] = (b > e ? b : e) - r->r0[r->cnt - 1];
    return;
  }
  r->r0[r->cnt] = a, r->n[r->cnt] = b - a, r->cnt++;
}

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

/* The rows of [k0, k1) query q attends to: its sinks then its window. */
static run2_t q_parts(const comp_t *c, int cs, int q, int k0, int k1) {
  run2_t r = {{0, 0}, {0, 0}, 0};
  int nsink, lo, hi = wl_keys(c->w, cs, q);
  wl_span(c->w, cs, q, &nsink, &lo);
  run_add(&r, imax(0, k0), imin(nsink, k1));
  run_add(&r, imax(lo, k0), imin(hi, k1));
  return r;
}

/* The rows of [k0, k1) a block of queries [qa, qb] attends to: spans
 * only grow with the query, so the sinks of qb and the window from qa's
 * start to qb's end. */
static run2_t block_rows(const comp_t *c, int cs, int qa, int qb, int k0,
                         int k1) {
  run2_t r = {{0, 0}, {0, 0}, 0};
  int ns_a, lo_a, ns_b, lo_b, hi_b = wl_keys(c->w, cs, qb);
  wl_span(c->w, cs, qa, &ns_a, &lo_a);
  wl_span(c->w, cs, qb, &ns_b, &lo_b);
  run_add(&r, imax(0, k0), imin(ns_b, k1));
  run_add(&r, imax(lo_a, k0), imin(hi_b, k1));
  return r;
}

/* Fetch the runs of tensor t into one ring allocation; the buffer row of
 * the runs' first row. With vb (keys of latent attention, model.v_from_k)
 * the key rows also land in VBUF rows from *vb on (LDK with VTOO): one
 * read serves the tile's QK and AV. */
static int fetch_runs(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                      const run2_t *u, int *vb) {
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  int n = u->n[0] + (u->cnt > 1 ? u->n[1] : 0), i, off = 0;
  int at = ring_alloc(ring, n), v = vb ? ring_alloc(&c->v, n) : 0;
  for (i = 0; i < u->cnt; off += u->n[i], i++) /* decode: the new row too */
    emit_cache_rows(c, t, cs, l, kvh, u->r0[i], u->n[i], at + off,
                    vb ? v + off : -1);
  if (vb) *vb = v;
  return at;
}

/* The buffer row key row r landed in (r inside the runs of u at base). */
static int run_row(const run2_t *u, int base, int r) {
  if (u->cnt > 1 && r >= u->r0[1]) return base + u->n[0] + r - u->r0[1];
  return base + r - u->r0[0];
}

/* One pair's step on tile rows p (inside u, at kb and vb): QK per run,
 * OSM, ORSC unless it is the pair's first, AV per run. */
static void tile_step(comp_t *c, const run2_t *u, const run2_t *p, int kb,
                      int vb, int qr, int orow, unsigned char *first) {
  int tot = p->n[0] + (p->cnt > 1 ? p->n[1] : 0), so = ring_alloc(&c->s, tot);
  int i, off;
  for (i = 0, off = 0; i < p->cnt; off += p->n[i], i++)
    emit(c, OP_QK, qr, run_row(u, kb, p->r0[i]), p->n[i], 0, so + off, 0);
  emit(c, OP_OSM, so, tot, orow, *first ? ISA_FIRST : 0, 0, 0);
  if (!*first) emit(c, OP_ORSC, orow, 0, 0, 0, 0, 0);
  for (i = 0, off = 0; i < p->cnt; off += p->n[i], i++)
    emit(c, OP_AV, orow, run_row(u, vb, p->r0[i]), p->n[i],
         *first && !i ? 0 : ISA_ACC, so + off, 0);
  *first = 0;
}

/* Pairs [p0, p1) of the query-major list (query p / g, head h0 + p % g)
 * of case cs, layer l, K/V head kvh; qbase: the first query's index
 * (decode: the step). */
static void tiled_block(comp_t *c, int cs, int l, int kvh, int qbase, int p0,
                        int p1) {
  int g = wl_group(c->w), h0 = kvh * g, nb = p1 - p0, bc = c->map.bc;
  int qa = qbase + p0 / g, qb = qbase + (p1 - 1) / g, hi = wl_keys(c->w, cs, qb);
  int qr = ring_alloc(&c->q, nb), orow = ring_alloc(&c->o, nb), i, k0;
  unsigned char first[65536]; /* per pair: no tile yet (nb <= 65535) */
  for (i = 0; i < nb; i++) {
    int q = qbase + (p0 + i) / g;
    first[i] = 1;
    emit(c, OP_LDQ, qr + i, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, cs, l, h0 + (p0 + i) % g,
                  wl_query_pos(c->w, cs, q)));
  }
  for (k0 = 0; k0 < hi; k0 += bc) {
    run2_t u = block_rows(c, cs, qa, qb, k0, k0 + bc);
    int kb, vb;
    if (!u.cnt) continue;
    if (c->w->v_from_k)
      kb = fetch_runs(c, LAY_K, cs, l, kvh, &u, &vb);
    else
      kb = fetch_runs(c, LAY_K, cs, l, kvh, &u, NULL),
      vb = fetch_runs(c, LAY_V, cs, l, kvh, &u, NULL);
    for (i = 0; i < nb; i++) {
      run2_t p = q_parts(c, cs, qbase + (p0 + i) / g, k0, k0 + bc);
      if (p.cnt) tile_step(c, &u, &p, kb, vb, qr + i, orow + i, &first[i]);
    }
  }
  for (i = 0; i < nb; i++) {
    emit(c, OP_ONRM, orow + i, 0, 0, 0, 0, 0);
    emit(c, OP_STO, orow + i, 0, 0, 0, 0,
         lay_addr(&c->lay, LAY_O, cs, l, h0 + (p0 + i) % g,
                  qbase + (p0 + i) / g));
  }
}

/* Queries [qbase, qbase + nq) of every query head of K/V head kvh, in
 * blocks of map.br pairs. */
void tiled_head(comp_t *c, int cs, int l, int kvh, int qbase, int nq) {
  int np = nq * wl_group(c->w), p;
  for (p = 0; p < np; p += c->map.br)
    tiled_block(c, cs, l, kvh, qbase, p, imin(np, p + c->map.br));
}

static void lower_tiled(comp_t *c) {
  int cs, l, kvh, t;
  if (wl_generates(c->w)) { /* as lower_decode: step, layer, sequence */
    c->fresh_store = 1; /* a block fetches each tile once for the group */
    for (t = 0; t < c->w->generate; t++)
      for (l = 0; l < c->w->layers; l++)
        for (cs = 0; cs < wl_cases(c->w); cs++) {
          int q = wl_queries(c->w, cs) - c->w->generate + t;
          emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
          c->fresh = wl_query_pos(c->w, cs, q) + 1;
          for (kvh = 0; kvh < wl_kv_heads(c->w); kvh++)
            tiled_head(c, cs, l, kvh, q, 1);
          c->fresh = 0;
        }
    return;
  }
  for (cs = 0; cs < c->w->ncases; cs++)
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (kvh = 0; kvh < wl_kv_heads(c->w); kvh++)
        tiled_head(c, cs, l, kvh, 0, wl_queries(c->w, cs));
    }
}

void lower_dense(comp_t *c) {
  if (c->w->phase == WL_SERVE) lower_serve_prefill(c);
  if (c->map.tiled)
    lower_tiled(c);
  else if (wl_generates(c->w))
    lower_decode(c);
  else
    lower_prefill(c);
}

/* lower_blockrank.c - block-sparse document masks (docs/blockrank.md),
 * the row mapping only (the tiled mapping is refused by map_choose: the
 * mechanism entry does not set .tiles).
 *
 * Query q's mask is a list of allowed runs of key rows (its own segment,
 * the global ones, or every segment for the last one with query_last;
 * cut at q when causal), and the K/V blocks of blockrank.block rows that
 * meet a run. Every row of such a block (clipped to the case's tokens) is
 * fetched and scored; the scores of the allowed rows sit side by side at
 * the start of the query's SBUF row, in key order, and one SMAX
 * normalises them; the scores of the masked rows land after them and are
 * never read (computed and discarded). AV reads the allowed rows only.
 *
 * Per case, layer and K/V head, as lower_dense.c's row mapping: keys and
 * values resident when the case's tokens fit KBUF and VBUF (then only the
 * blocks some query uses are loaded, once), else streamed per query in
 * pieces of at most c->chunk rows of a block, each piece fetched once for
 * the K/V head's query heads when their rows fit the buffers.
 *
 * Invariant: a query's SBUF row holds nk allowed then nm masked scores,
 * nk + nm = the rows of its blocks <= the case's tokens <= SBUF entries
 * (map_choose checked the tokens against SBUF). */
#include "lower.h"

/* One query's mask: allowed runs [r0, r1), ascending, disjoint, not
 * touching; nk allowed rows; tot rows of the blocks that meet them. */
typedef struct brq {
  int nrun, r0[WL_BR_MAX_SEGS], r1[WL_BR_MAX_SEGS];
  int nk, tot, L, B;
} brq_t;

/* Segment i's span [*a, *b) in a case of the segments' tokens. */
static void seg_span(const wl_t *w, int i, int *a, int *b) {
  int j, s = 0;
  for (j = 0; j < i; j++) s += w->br_seg[j];
  *a = s, *b = s + w->br_seg[i];
}

static int seg_global(const wl_t *w, int i) {
  for (int j = 0; j < w->br_nglobal; j++)
    if (w->br_global[j] == i) return 1;
  return 0;
}

/* Block b's rows [b B, min((b + 1) B, L)). */
static int blk_lo(const brq_t *m, int b) { return b * m->B; }
static int blk_hi(const brq_t *m, int b) {
  return (b + 1) * m->B < m->L ? (b + 1) * m->B : m->L;
}

/* Does block b meet a run? (runs ascending; *ri: the first run that may
 * still meet a later block, advanced monotonically) */
static int blk_used(const brq_t *m, int b, int *ri) {
  while (*ri < m->nrun && m->r1[*ri] <= blk_lo(m, b)) (*ri)++;
  return *ri < m->nrun && m->r0[*ri] < blk_hi(m, b);
}

/* The mask of query q (position q) of a case of L tokens. */
static brq_t brq_of(const comp_t *c, int L, int q) {
  const wl_t *w = c->w;
  brq_t m;
  int i, a, b, sq = 0, hi = w->causal ? q + 1 : L, nb, ri = 0;
  m.nrun = 0, m.nk = 0, m.tot = 0, m.L = L, m.B = w->br_block;
  for (i = 0; i < w->br_nseg; i++) {
    seg_span(w, i, &a, &b);
    if (q >= a && q < b) sq = i;
  }
  for (i = 0; i < w->br_nseg; i++) {
    seg_span(w, i, &a, &b);
    if (b > hi) b = hi;
    if (a >= b || !(i == sq || seg_global(w, i) ||
                    (w->br_query_last && sq == w->br_nseg - 1)))
      continue;
    if (m.nrun && m.r1[m.nrun - 1] == a) /* touching: one run */
      m.r1[m.nrun - 1] = b;
    else
      m.r0[m.nrun] = a, m.r1[m.nrun] = b, m.nrun++;
    m.nk += b - a;
  }
  nb = (L + m.B - 1) / m.B;
  for (i = 0; i < nb; i++)
    if (blk_used(&m, i, &ri)) m.tot += blk_hi(&m, i) - blk_lo(&m, i);
  return m;
}

/* Where one query's pieces go: qr, so, orow of head i at + i (so at
 * + i tot); kb, vb >= 0: resident K/V rows at kb + row, vb + row. */
typedef struct brx {
  int cs, l, kvh, g, qr, so, orow, kb, vb;
} brx_t;

/* The part of piece [x, p1) starting at x: allowed (inside run *ri) or
 * masked (before the next run); returns its end. */
static int part_end(const brq_t *m, int x, int p1, int *ri, int *ok) {
  while (*ri < m->nrun && m->r1[*ri] <= x) (*ri)++;
  *ok = *ri < m->nrun && m->r0[*ri] <= x;
  if (*ok) return m->r1[*ri] < p1 ? m->r1[*ri] : p1;
  return *ri < m->nrun && m->r0[*ri] < p1 ? m->r0[*ri] : p1;
}

/* One pass over the query's blocks in pieces of <= chunk rows: K (QK of
 * every row, allowed scores at so + their rank, masked at so + nk + their
 * rank) or V (AV of the allowed rows). */
static void pass(comp_t *c, const brq_t *m, const brx_t *x, lay_tensor_t t) {
  int nb = (m->L + m->B - 1) / m->B, b, p0, ri = 0, aoff = 0, moff = 0;
  int first = 1;
  for (b = 0; b < nb; b++) {
    int rb = ri, hi = blk_hi(m, b);
    if (!blk_used(m, b, &rb)) continue;
    for (p0 = blk_lo(m, b); p0 < hi; p0 += c->chunk) {
      int n = hi - p0 < c->chunk ? hi - p0 : c->chunk, xx, e, ok, i, at;
      int base = t == LAY_K ? x->kb : x->vb;
      at = base >= 0 ? base + p0 : fetch_rows(c, t, x->cs, x->l, x->kvh, p0, n);
      for (xx = p0; xx < p0 + n; xx = e) {
        e = part_end(m, xx, p0 + n, &ri, &ok);
        for (i = 0; i < x->g; i++) {
          int s = x->so + i * m->tot + (ok ? aoff : m->nk + moff);
          if (t == LAY_K)
            emit(c, OP_QK, x->qr + i, at + xx - p0, e - xx, 0, s, 0);
          else if (ok)
            emit(c, OP_AV, x->orow + i, at + xx - p0, e - xx,
                 first ? 0 : ISA_ACC, s, 0);
        }
        if (ok) aoff += e - xx, first = t == LAY_K ? first : 0;
        else moff += e - xx;
      }
    }
  }
}

/* Query q of query heads h0 .. h0 + g - 1 (K/V head kvh): LDQ, the QK
 * pass, SMAX over the allowed scores, the AV pass, STO. */
static void query_group(comp_t *c, int cs, int l, int kvh, int h0, int g,
                        int q, int kb, int vb) {
  brq_t m = brq_of(c, wl_ctx_tokens(c->w, cs), q);
  brx_t x;
  int i;
  x.cs = cs, x.l = l, x.kvh = kvh, x.g = g, x.kb = kb, x.vb = vb;
  x.qr = ring_alloc(&c->q, g);
  x.so = ring_alloc(&c->s, g * m.tot);
  x.orow = ring_alloc(&c->o, g);
  for (i = 0; i < g; i++)
    emit(c, OP_LDQ, x.qr + i, 1, 0, 0, 0,
         lay_addr(&c->lay, LAY_Q, cs, l, h0 + i, q));
  pass(c, &m, &x, LAY_K);
  for (i = 0; i < g; i++) emit(c, OP_SMAX, x.so + i * m.tot, m.nk, 0, 0, 0, 0);
  pass(c, &m, &x, LAY_V);
  for (i = 0; i < g; i++)
    emit(c, OP_STO, x.orow + i, 0, 0, 0, 0,
         lay_addr(&c->lay, LAY_O, cs, l, h0 + i, q));
}

/* Load the blocks some query of case cs uses (every K row, then every V
 * row) at kb + row and vb + row, in chunks. */
static void load_used(comp_t *c, int cs, int l, int kvh, int kb, int vb) {
  int L = wl_ctx_tokens(c->w, cs), B = c->w->br_block, nb = (L + B - 1) / B;
  unsigned char used[WL_MAX_TOKENS]; /* per block (nb <= L <= 131072) */
  int b, q, j, n, pass_kv;
  for (b = 0; b < nb; b++) used[b] = 0;
  for (q = 0; q < L; q++) {
    brq_t m = brq_of(c, L, q);
    int ri = 0;
    for (b = 0; b < nb; b++)
      if (blk_used(&m, b, &ri)) used[b] = 1;
  }
  for (pass_kv = 0; pass_kv < 2; pass_kv++)
    for (b = 0; b < nb; b++) {
      int hi = (b + 1) * B < L ? (b + 1) * B : L;
      if (!used[b]) continue;
      for (j = b * B; j < hi; j += n) {
        n = hi - j < c->chunk ? hi - j : c->chunk;
        if (pass_kv) c->v.head = vb + j;
        else c->k.head = kb + j;
        fetch_rows(c, pass_kv ? LAY_V : LAY_K, cs, l, kvh, j, n);
      }
    }
}

/* Every query of every query head of K/V head kvh. */
static void kv_head(comp_t *c, int cs, int l, int kvh) {
  int L = wl_ctx_tokens(c->w, cs), g = wl_group(c->w), h0 = kvh * g, q, h;
  if (L <= c->k.cap && L <= c->v.cap) {
    int kb = c->k.head + L > c->k.cap ? 0 : c->k.head;
    int vb = c->v.head + L > c->v.cap ? 0 : c->v.head;
    load_used(c, cs, l, kvh, kb, vb);
    for (h = h0; h < h0 + g; h++)
      for (q = 0; q < L; q++) query_group(c, cs, l, kvh, h, 1, q, kb, vb);
    return;
  }
  for (q = 0; q < L; q++) {
    brq_t m = brq_of(c, L, q);
    if (g <= c->q.cap && g <= c->o.cap && (long)g * m.tot <= c->s.cap)
      query_group(c, cs, l, kvh, h0, g, q, -1, -1);
    else
      for (h = h0; h < h0 + g; h++)
        query_group(c, cs, l, kvh, h, 1, q, -1, -1);
  }
}

void lower_blockrank(comp_t *c) {
  int cs, l, kvh;
  for (cs = 0; cs < c->w->ncases; cs++)
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (kvh = 0; kvh < wl_kv_heads(c->w); kvh++) kv_head(c, cs, l, kvh);
    }
}

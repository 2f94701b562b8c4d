/* lower_serve.c - where decode and serve write the K/V cache
 * (docs/serve.md).
 *
 * A new token's K and V rows are the projection's outputs: they sit in
 * the KN and VN regions (layout.h), are fetched like any K/V rows, and
 * STK / STV append them to the cache (the K and V regions). A decode step
 * reads the cache's older rows and the new row from KN / VN, so the cache
 * is read once per step as before and written one row per layer and K/V
 * head. Serve first runs each prompt as a causal prefill whose K/V rows
 * come from KN / VN and are appended in the same way.
 */
#include "lower.h"

void emit_cache_rows(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                     int r0, int n, int at, int vat) {
  int f = c->fresh - 1, op = t == LAY_K ? OP_LDK : OP_LDV;
  int vt = vat >= 0 ? ISA_VTOO : 0; /* latent attention: values too */
  lay_tensor_t proj = t == LAY_K ? LAY_KN : LAY_VN;
#define VROW(i) (vat >= 0 ? vat + (i) : 0)
  if (vat < 0 && (f < r0 || f >= r0 + n)) { /* kv_quant splits these */
    emit_rows(c, t, cs, l, kvh, r0, n, at);
    return;
  }
  if (f < r0 || f >= r0 + n) {
    emit(c, op, at, n, VROW(0), vt, 0, lay_addr(&c->lay, t, cs, l, kvh, r0));
    return;
  }
  if (f > r0 && vat < 0) /* the cache's rows before the new one */
    emit_rows(c, t, cs, l, kvh, r0, f - r0, at);
  else if (f > r0)
    emit(c, op, at, f - r0, VROW(0), vt, 0, lay_addr(&c->lay, t, cs, l, kvh, r0));
  emit(c, op, at + f - r0, 1, VROW(f - r0), vt, 0,
       lay_addr(&c->lay, proj, cs, l, kvh, f));
  if (c->fresh_store)
    emit(c, t == LAY_K ? OP_STK : OP_STV, at + f - r0, 1, 0, 0, 0,
         lay_addr(&c->lay, t, cs, l, kvh, f));
  if (f + 1 < r0 + n) /* rows after it (none: the new row is the last) */
    emit(c, op, at + f - r0 + 1, r0 + n - f - 1, VROW(f - r0 + 1), vt, 0,
         lay_addr(&c->lay, t, cs, l, kvh, f + 1));
#undef VROW
}

int fetch_cache_rows(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                     int r0, int n) {
  int at;
  if (c->fresh - 1 < r0 || c->fresh - 1 >= r0 + n)
    return fetch_rows(c, t, cs, l, kvh, r0, n);
  at = ring_alloc(t == LAY_K ? &c->k : &c->v, n);
  emit_cache_rows(c, t, cs, l, kvh, r0, n, at, -1);
  return at;
}

/* Rows [0, P) of K (or V) head kvh from the projection into the ring
 * (from row `base` on, when resident: then the rows stay put), each chunk
 * appended to the cache as it arrives. */
static void append_prompt(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                          int P, int base) {
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  int j, n, at;
  for (j = 0; j < P; j += n) {
    n = P - j < c->chunk ? P - j : c->chunk;
    if (base >= 0) ring->head = base + j;
    at = ring_alloc(ring, n);
    emit(c, t == LAY_K ? OP_LDK : OP_LDV, at, n, 0, 0, 0,
         lay_addr(&c->lay, t == LAY_K ? LAY_KN : LAY_VN, cs, l, kvh, j));
    emit(c, t == LAY_K ? OP_STK : OP_STV, at, n, 0, 0, 0,
         lay_addr(&c->lay, t, cs, l, kvh, j));
  }
}

/* Queries [0, P) of query head h against the K/V rows resident from KBUF
 * row kb and VBUF row vb: the span's sinks, then its window. */
static void prompt_queries(comp_t *c, int cs, int l, int h, int P, int kb,
                           int vb) {
  int q, seg;
  for (q = 0; q < P; q++) {
    int nsink, lo, nk = wl_span(c->w, cs, q, &nsink, &lo);
    int r0[2] = {0, lo}, n[2] = {nsink, nk - nsink}, off[2] = {0, nsink};
    int qr = ring_alloc(&c->q, 1), first = 1;
    int so = ring_alloc(&c->s, nk), orow = ring_alloc(&c->o, 1);
    emit(c, OP_LDQ, qr, 1, 0, 0, 0, lay_addr(&c->lay, LAY_Q, cs, l, h, q));
    for (seg = 0; seg < 2; seg++)
      if (n[seg]) emit(c, OP_QK, qr, kb + r0[seg], n[seg], 0, so + off[seg], 0);
    emit(c, OP_SMAX, so, nk, 0, 0, 0, 0);
    for (seg = 0; seg < 2; seg++)
      if (n[seg]) {
        emit(c, OP_AV, orow, vb + r0[seg], n[seg], !first, so + off[seg], 0);
        first = 0;
      }
    emit(c, OP_STO, orow, 0, 0, 0, 0, lay_addr(&c->lay, LAY_O, cs, l, h, q));
  }
}

/* One K/V head of a prompt: resident when the prompt fits KBUF and VBUF
 * (its rows are fetched once, appended, and serve every query head of
 * the group), else appended chunk by chunk and streamed back per query. */
static void prompt_head(comp_t *c, int cs, int l, int kvh, int P) {
  int g = wl_group(c->w), h, q;
  if (c->map.tiled) { /* appended, then read back tile by tile */
    append_prompt(c, LAY_K, cs, l, kvh, P, -1);
    if (!c->w->v_from_k) append_prompt(c, LAY_V, cs, l, kvh, P, -1);
    tiled_head(c, cs, l, kvh, 0, P);
    return;
  }
  if (P <= c->k.cap && P <= c->v.cap) {
    int kb = c->k.head + P > c->k.cap ? 0 : c->k.head;
    int vb = c->v.head + P > c->v.cap ? 0 : c->v.head;
    append_prompt(c, LAY_K, cs, l, kvh, P, kb);
    append_prompt(c, LAY_V, cs, l, kvh, P, vb);
    for (h = kvh * g; h < (kvh + 1) * g; h++)
      prompt_queries(c, cs, l, h, P, kb, vb);
    return;
  }
  append_prompt(c, LAY_K, cs, l, kvh, P, -1);
  append_prompt(c, LAY_V, cs, l, kvh, P, -1);
  for (q = 0; q < P; q++) query_streamed(c, cs, l, kvh, q);
}

void lower_serve_prefill(comp_t *c) {
  int cs, l, kvh;
  c->fresh = 0;
  for (cs = 0; cs < wl_cases(c->w); cs++) {
    int P = wl_prompt(c->w, cs);
    if (!P) continue;
    for (l = 0; l < c->w->layers; l++) {
      emit(c, OP_LAYER, cs, l, 0, 0, 0, 0);
      for (kvh = 0; kvh < wl_kv_heads(c->w); kvh++)
        prompt_head(c, cs, l, kvh, P);
    }
  }
}

/* lower.h - what the lowerings of workloads share: the context
 * comp_compile (compile.c) builds from the config and the workload, and
 * the instruction helpers. Each attention mechanism's lowering is its
 * mechanism entry's .lower (mech/mech.h), one file each:
 *   lower_dense.c     dense attention, prefill and decode (compile.h)
 *   lower_spatten.c   SpAtten's schedule (docs/spatten.md)
 *   lower_biformer.c  BiFormer's routing (docs/biformer.md)
 *   lower_moh.c       Mixture-of-Head attention (docs/moh.md)
 *   lower_gated.c     gated attention (docs/gated.md)
 *   lower_routing.c   the Routing Transformer (docs/routing.md)
 * SpAtten's CSV traces are lowered apart, by spc_compile (spatten_csv.h).
 */
#ifndef ATTN_LOWER_H
#define ATTN_LOWER_H

#include <stdint.h>

#include "emit.h"
#include "layout.h"
#include "mapping.h"
#include "workload.h"

/* The compiler's state for one workload. The rings hand out buffer rows
 * (q, k, v, o: QBUF, KBUF, VBUF, OBUF rows; s: SBUF score entries; ib:
 * IBUF entries; pr: predicate registers). */
typedef struct comp {
  const wl_t *w;
  lay_t lay;
  emitter_t em;
  ring_t q, k, v, s, o, ib, pr;
  int chunk;   /* rows per streamed K/V fetch */
  int width;   /* datapath bits */
  map_t map;   /* the softmax mapping (mapping.h) */
  int kvq_rows; /* kv_quant: rows [0, kvq_rows) of the cache the next
                   K/V fetches read are quantized (kvq_rows, set by the
                   lowering per query or case; 0: none) */
  /* decode and serve (lower_serve.c): 1 + the position whose K/V rows a
   * decode step takes from the projection (KN, VN) and appends to the
   * cache, 0 when none; fresh_store: this fetch also appends them */
  int fresh;
  int fresh_store;
} comp_t;

static inline void emit(comp_t *c, uint8_t op, int a, int b, int cc, int d,
                        int e, uint64_t addr) {
  em_put(&c->em, op, a, b, cc, d, e, addr);
}

/* Load rows [r0, r0+n) of K or V for (cs, l, h) into ring rows at..: the
 * rows below c->kvq_rows from the quantized cache (KQ, VQ: the fetcher
 * dequantizes them, docs/kivi.md), the rest from the 16-bit image;
 * fetch_rows allocates the ring rows first. */
static inline void emit_rows(comp_t *c, lay_tensor_t t, int cs, int l,
                             int h, int r0, int n, int at) {
  int nq = c->kvq_rows - r0;
  uint8_t op = t == LAY_K ? OP_LDK : OP_LDV;
  nq = nq < 0 ? 0 : nq > n ? n : nq;
  if (nq)
    emit(c, op, at, nq, 0, 0, 0,
         lay_addr(&c->lay, t == LAY_K ? LAY_KQ : LAY_VQ, cs, l, h, r0));
  if (n > nq)
    emit(c, op, at + nq, n - nq, 0, 0, 0,
         lay_addr(&c->lay, t, cs, l, h, r0 + nq));
}

static inline int fetch_rows(comp_t *c, lay_tensor_t t, int cs, int l, int h,
                             int r0, int n) {
  int at = ring_alloc(t == LAY_K ? &c->k : &c->v, n);
  emit_rows(c, t, cs, l, h, r0, n, at);
  return at;
}

/* Fetch value rows [r0, r0+n) for (cs, l, h) into VBUF ring rows. With
 * model.v_from_k they are key rows: one LDK with VTOO fills KBUF and
 * VBUF rows from a single read of the key plane. */
static inline int fetch_vrows(comp_t *c, int cs, int l, int h, int r0, int n) {
  int kr, vr;
  if (!c->w->v_from_k) return fetch_rows(c, LAY_V, cs, l, h, r0, n);
  kr = ring_alloc(&c->k, n);
  vr = ring_alloc(&c->v, n);
  emit(c, OP_LDK, kr, n, vr, ISA_VTOO, 0, lay_addr(&c->lay, LAY_K, cs, l, h, r0));
  return vr;
}
/* fetch_rows for a decode step (lower_serve.c): the row c->fresh - 1,
 * when in [r0, r0+n), comes from KN / VN and, with c->fresh_store, is
 * appended to the cache by STK / STV; the other rows from the cache. */
int fetch_cache_rows(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                     int r0, int n);
/* The loads of fetch_cache_rows into ring rows at.. already allocated;
 * with vat >= 0 (keys of latent attention) the rows also land in VBUF
 * rows vat.. (LDK with VTOO). */
void emit_cache_rows(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                     int r0, int n, int at, int vat);
/* lower_dense.c, the tiled mapping: queries [qbase, qbase + nq) of every
 * query head of K/V head kvh, in blocks of map.br (query, head) pairs. */
void tiled_head(comp_t *c, int cs, int l, int kvh, int qbase, int nq);
/* Serve (lower_serve.c): each sequence's prompt as a causal prefill that
 * appends the prompt's K/V rows to the cache. */
void lower_serve_prefill(comp_t *c);
/* lower_dense.c: query q of K/V head kvh's query heads, K/V streamed. */
void query_streamed(comp_t *c, int cs, int l, int kvh, int q);

/* The lowerings: each emits its whole program into c->em (an error stays
 * in c->em.rc). */
void lower_dense(comp_t *c);
void lower_spatten(comp_t *c);
void lower_biformer(comp_t *c);
void lower_landmark(comp_t *c);   /* docs/landmark.md */
void lower_lightning(comp_t *c); /* docs/lightning.md */
void lower_moh(comp_t *c);
void lower_gated(comp_t *c); /* lower_gated.c, docs/gated.md */
void lower_routing(comp_t *c);
void lower_blockrank(comp_t *c); /* docs/blockrank.md */

#endif

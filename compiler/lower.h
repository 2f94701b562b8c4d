/* lower.h - what the lowerings of workloads share: the context
 * comp_compile (compile.c) builds from the config and the workload, and
 * the instruction helpers. Each attention mechanism's lowering is its
 * mechanism entry's .lower (mech/mech.h), one file each:
 *   lower_dense.c     dense attention, prefill and decode (compile.h)
 *   lower_spatten.c   SpAtten's schedule (docs/spatten.md)
 *   lower_biformer.c  BiFormer's routing (docs/biformer.md)
 * SpAtten's CSV traces are lowered apart, by spc_compile (spatten_csv.h).
 */
#ifndef ATTN_LOWER_H
#define ATTN_LOWER_H

#include <stdint.h>

#include "emit.h"
#include "layout.h"
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

/* Fetch rows [r0, r0+n) of K or V for (cs, l, h) into ring rows. */
static inline int fetch_rows(comp_t *c, lay_tensor_t t, int cs, int l, int h,
                             int r0, int n) {
  ring_t *ring = t == LAY_K ? &c->k : &c->v;
  int at = ring_alloc(ring, n);
  emit(c, t == LAY_K ? OP_LDK : OP_LDV, at, n, 0, 0, 0,
       lay_addr(&c->lay, t, cs, l, h, r0));
  return at;
}

/* fetch_rows for a decode step (lower_serve.c): the row c->fresh - 1,
 * when in [r0, r0+n), comes from KN / VN and, with c->fresh_store, is
 * appended to the cache by STK / STV; the other rows from the cache. */
int fetch_cache_rows(comp_t *c, lay_tensor_t t, int cs, int l, int kvh,
                     int r0, int n);
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

#endif

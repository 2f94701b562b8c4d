/* xfer.h - a DMA engine between DRAM and the buffers: the key fetcher
 * (LDQ, LDK), the value fetcher (LDV) and the store unit (STO). It walks
 * an instruction's rows (contiguous, or gathered through TLIST and IBUF),
 * merges rows adjacent in DRAM into runs, splits runs into requests of at
 * most request_bytes aligned to request_bytes, issues at most one per
 * cycle and keeps at most max_outstanding in flight. Several instructions
 * may be in flight; they issue in order, complete when their last request
 * returns. Payload bytes are counted by tensor (dram.*_bytes). Requests
 * of quantized K/V fetches are paced by the dequantizer (below). */
#ifndef ATTN_XFER_H
#define ATTN_XFER_H

#include "core.h"
#include "mem.h"
#include "timing.h"

#define XFER_MAX 32 /* instructions in flight per engine */

typedef struct xfer {
  int ops[XFER_MAX]; /* window slots of started instructions, in order */
  int n;
  int nissued;       /* ops[0..nissued) have issued all their requests
                        (ops issue in order, so these are a prefix) */
  int outstanding;   /* requests in flight */
  uint64_t deq_free; /* cycle the dequantizer takes its next request */
} xfer_t;

enum { XF_IDLE = 0, XF_ISSUED = 1, XF_WAITING = 2, XF_REFUSED = 3 };

void xfer_init(xfer_t *x);
/* The queries are inline: the engine asks each fetcher every wake. */
static inline bool xfer_can_start(const xfer_t *x) { return x->n < XFER_MAX; }
void xfer_start(xfer_t *x, slot_t *win, const bufs_t *b, int slot);
/* Row i of s is a key's low bits that KBUF already holds. */
bool xfer_row_on_chip(const slot_t *s, const bufs_t *b, int i);
/* The block row (token) that row i of slot s moves. */
uint32_t xfer_token(const slot_t *s, const bufs_t *b, int i);
/* What xfer_issue returns before it looks at the instruction or the
 * DRAM: XF_IDLE (nothing in flight) or XF_WAITING (outstanding limit, or
 * all issued and waiting for data); XF_ISSUED when it may issue. */
static inline int xfer_quick(const xfer_t *x, const timing_t *t) {
  if (!x->n) return XF_IDLE;
  if (x->nissued == x->n || x->outstanding >= t->max_outstanding)
    return XF_WAITING;
  return XF_ISSUED;
}
/* Try to issue one request. Returns XF_ISSUED, XF_REFUSED (DRAM back-
 * pressure), XF_WAITING (outstanding limit, or all issued and waiting for
 * data) or XF_IDLE (nothing in flight). */
int xfer_issue(xfer_t *x, slot_t *win, const bufs_t *b, mem_t *m,
               const timing_t *t, stats_t *st, bool write, uint64_t now);
/* The dequantizer (docs/kivi.md): a request of a quantized K/V fetch
 * (slot deq_bits b) issues only when the dequantizer is free, and keeps it
 * ceil(8 bytes / (fetch.dequant_lanes b)) cycles: its bytes read as b-bit
 * codes at dequant_lanes elements per cycle (metadata bytes included, a
 * bound). xfer_next_event: the cycle it frees while a fetch waits. */
uint64_t xfer_deq_cycles(const timing_t *t, uint64_t bytes, int bits);
static inline uint64_t xfer_next_event(const xfer_t *x, uint64_t now) {
  return x->n && x->deq_free > now ? x->deq_free : UINT64_MAX;
}
/* One request of slot s returned; true when its instruction is complete. */
bool xfer_returned(xfer_t *x, slot_t *win, int s);

#endif

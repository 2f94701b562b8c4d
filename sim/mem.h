/* mem.h - the DRAM port. Fetchers and the store unit talk to any memory
 * model through this interface (DRAMsim3-style: will-accept / add in,
 * completions out), so a bank-level HBM2 model can replace the simple
 * bandwidth + latency one without touching them.
 */
#ifndef ATTN_MEM_H
#define ATTN_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"
#include "timing.h"

typedef struct mem_req {
  uint64_t addr;    /* byte address */
  uint32_t bytes;   /* payload bytes */
  bool write;
  uint32_t tag;     /* owner's cookie, returned on completion */
  uint64_t issued;  /* cycle the request was accepted */
  uint64_t done;    /* cycle the last byte arrived (set by the model) */
} mem_req_t;

/* Call order within one cycle now: pop_done(now) until false, then any
 * can_accept / push(now). can_accept answers for the cycle of the last
 * pop_done or push. next_event(limit) is asked only after a cycle in
 * which nothing was pushed or popped, with the caller's own next event
 * as limit (UINT64_MAX when it has none): it returns the first cycle
 * after that at which pop_done or can_accept (for the requests refused
 * in that cycle) can answer differently, or one no later; UINT64_MAX when
 * nothing is in flight. A model may simulate ahead up to, not including,
 * the smaller of that cycle and limit; the caller then comes back at the
 * smaller. finish(now) closes the model's time-based counters at the end
 * of a run. */
typedef struct mem mem_t;
typedef struct mem_ops {
  /* Whether r would be accepted now. It counts nothing: the engine's
   * per-layer attribution closes no window around a refused request. */
  bool (*can_accept)(mem_t *m, const mem_req_t *r);
  void (*push)(mem_t *m, mem_req_t *r, uint64_t now);
  /* Pop one request completed at or before now; false when none. */
  bool (*pop_done)(mem_t *m, uint64_t now, mem_req_t *out);
  uint64_t (*next_event)(mem_t *m, uint64_t limit);
  void (*finish)(mem_t *m, uint64_t now);
  void (*destroy)(mem_t *m);
} mem_ops_t;

struct mem {
  const mem_ops_t *ops;
};

/* The bandwidth + latency model (dram_simple.c). Counts bytes and
 * requests into st. The bank-level model is dram_hbm2.h. */
mem_t *dram_simple_new(const timing_t *t, stats_t *st);

#endif

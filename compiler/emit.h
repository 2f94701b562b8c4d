/* emit.h - what every lowering shares: rings of buffer rows and the
 * instruction emitter (lower_*.c for workloads, spatten_csv.c for
 * SpAtten's traces). */
#ifndef ATTN_EMIT_H
#define ATTN_EMIT_H

#include <stdint.h>
#include <string.h>

#include "trace.h"

/* A ring of buffer rows (or score entries): allocations are contiguous and
 * wrap to 0 when the tail cannot hold them. Invariant: n <= cap. */
typedef struct ring {
  int cap, head;
} ring_t;

static inline int ring_alloc(ring_t *r, int n) {
  if (r->head + n > r->cap) r->head = 0;
  r->head += n;
  return r->head - n;
}

/* Writes instructions to a trace; after the first failure it writes
 * nothing more and rc keeps the error status. */
typedef struct emitter {
  trace_writer_t tw;
  err_t *e;
  int rc;
} emitter_t;

static inline void em_put(emitter_t *m, uint8_t op, int a, int b, int c,
                          int d, int e, uint64_t addr) {
  insn_t in;
  if (m->rc) return;
  memset(&in, 0, sizeof in);
  in.op = op;
  in.a = (int32_t)a;
  in.b = (int32_t)b;
  in.c = (int32_t)c;
  in.d = (uint8_t)d;
  in.e = (int32_t)e;
  in.addr = addr;
  m->rc = trw_put(&m->tw, &in, m->e);
}

#endif

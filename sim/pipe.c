#include "pipe.h"

void pipe_init(pipe_t *p) {
  p->free_at = 0;
  p->head = p->n = 0;
}

/* Invariant: done[] is non-decreasing from head (equal depth per block). */
void pipe_start(pipe_t *p, pipe_cost_fn cost, pipe_exec_fn exec,
                const timing_t *t, bufs_t *b, stats_t *st, int slot,
                const insn_t *in, uint64_t now) {
  uint64_t occ, depth;
  int i = (p->head + p->n) % PIPE_MAX;
  exec(b, in, st);
  cost(t, b, in, &occ, &depth);
  p->free_at = now + occ;
  p->slot[i] = slot;
  p->done[i] = now + occ + depth;
  p->n++;
}



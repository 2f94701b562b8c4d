#include "pipe.h"

void pipe_init(pipe_t *p) {
  p->free_at = 0;
  p->head = p->n = 0;
}

bool pipe_can_start(const pipe_t *p, uint64_t now) {
  return now >= p->free_at && p->n < PIPE_MAX;
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

int pipe_pop_done(pipe_t *p, uint64_t now) {
  int s;
  if (!p->n || p->done[p->head] > now) return -1;
  s = p->slot[p->head];
  p->head = (p->head + 1) % PIPE_MAX;
  p->n--;
  return s;
}

uint64_t pipe_next_event(const pipe_t *p, uint64_t now) {
  uint64_t t = UINT64_MAX;
  if (p->free_at > now) t = p->free_at;
  if (p->n && p->done[p->head] < t) t = p->done[p->head];
  return t;
}

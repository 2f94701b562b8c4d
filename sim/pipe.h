/* pipe.h - a pipelined compute block (Q x K array, softmax, prob x V
 * array). An instruction occupies the block's input for `occupancy`
 * cycles and its result is ready `depth` cycles after that; the next
 * instruction may enter as soon as the input is free, so results leave in
 * order. Each operation supplies its cost and its functional semantics
 * (sim/op/). */
#ifndef ATTN_PIPE_H
#define ATTN_PIPE_H

#include "core.h"
#include "timing.h"

#define PIPE_MAX 16 /* instructions in flight in one block */

/* Cost is asked after exec, so a block whose time depends on the data
 * (the top-k engine) reports what this instruction's data cost. */
typedef void (*pipe_cost_fn)(const timing_t *t, const bufs_t *b,
                             const insn_t *in, uint64_t *occupancy,
                             uint64_t *depth);
typedef void (*pipe_exec_fn)(bufs_t *b, const insn_t *in, stats_t *st);

typedef struct pipe {
  uint64_t free_at;             /* first cycle the input is free */
  int slot[PIPE_MAX];
  uint64_t done[PIPE_MAX];
  int head, n;
} pipe_t;

void pipe_init(pipe_t *p);
/* The queries below are inline: the engine asks each block every wake. */
static inline bool pipe_can_start(const pipe_t *p, uint64_t now) {
  return now >= p->free_at && p->n < PIPE_MAX;
}
/* Execute the instruction on data now and schedule its completion. */
void pipe_start(pipe_t *p, pipe_cost_fn cost, pipe_exec_fn exec,
                const timing_t *t, bufs_t *b, stats_t *st, int slot,
                const insn_t *in, uint64_t now);
/* The slot of an instruction completed by now, or -1. */
static inline int pipe_pop_done(pipe_t *p, uint64_t now) {
  int s;
  if (!p->n || p->done[p->head] > now) return -1;
  s = p->slot[p->head];
  p->head = (p->head + 1) % PIPE_MAX;
  p->n--;
  return s;
}
/* Next cycle something changes (UINT64_MAX when idle). */
static inline uint64_t pipe_next_event(const pipe_t *p, uint64_t now) {
  uint64_t t = UINT64_MAX;
  if (p->free_at > now) t = p->free_at;
  if (p->n && p->done[p->head] < t) t = p->done[p->head];
  return t;
}

#endif

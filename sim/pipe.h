/* pipe.h - a pipelined compute block (Q x K array, softmax, prob x V
 * array). An instruction occupies the block's input for `occupancy`
 * cycles and its result is ready `depth` cycles after that; the next
 * instruction may enter as soon as the input is free, so results leave in
 * order. Each block supplies its cost and its functional semantics. */
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
typedef void (*pipe_exec_fn)(const bufs_t *b, const insn_t *in, stats_t *st);

typedef struct pipe {
  pipe_cost_fn cost;
  pipe_exec_fn exec;
  uint64_t free_at;             /* first cycle the input is free */
  int slot[PIPE_MAX];
  uint64_t done[PIPE_MAX];
  int head, n;
} pipe_t;

void pipe_init(pipe_t *p, pipe_cost_fn cost, pipe_exec_fn exec);
bool pipe_can_start(const pipe_t *p, uint64_t now);
/* Execute the instruction on data now and schedule its completion. */
void pipe_start(pipe_t *p, const timing_t *t, const bufs_t *b, stats_t *st,
                int slot, const insn_t *in, uint64_t now);
/* The slot of an instruction completed by now, or -1. */
int pipe_pop_done(pipe_t *p, uint64_t now);
/* Next cycle something changes (UINT64_MAX when idle). */
uint64_t pipe_next_event(const pipe_t *p, uint64_t now);

/* The compute blocks (qk_array.c, softmax.c, av_array.c, topk_unit.c).
 * The softmax unit also accumulates token importance (IMP), the P x V
 * array's adder tree head importance (HIMP). */
void qk_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth);
void qk_exec(const bufs_t *b, const insn_t *in, stats_t *st);
void smax_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth);
void smax_exec(const bufs_t *b, const insn_t *in, stats_t *st);
void av_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth);
void av_exec(const bufs_t *b, const insn_t *in, stats_t *st);
void tku_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
              uint64_t *occ, uint64_t *depth);
void tku_exec(const bufs_t *b, const insn_t *in, stats_t *st);

#endif

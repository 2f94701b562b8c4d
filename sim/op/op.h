/* op.h - what each operation means to the simulator, reached through one
 * table indexed by opcode (the semantics column of common/isa.def). An
 * entry says which flags the opcode takes (by name), which buffers it may
 * read and write, which rows it touches (decode), and what happens when
 * it starts, executes on a compute unit and completes. The engine
 * (engine.c) holds the window, scoreboard, markers and time loop and
 * calls these; it names no opcode. One file per family:
 *   load.c  LDQ LDK LDV POOL    store.c STO
 *   qk.c    QK                  smax.c  SMAX
 *   av.c    AV LCE              topk.c  TOPK TINIT
 *   osm.c   OSM ONRM (the tiled mapping's online softmax; ORSC in av.c)
 *   moh.c   MRS MGATE MPRED MSCL (docs/moh.md)
 *   op.c    the table, NOP/LAYER/HEAD, flag rules, shared helpers
 *   gate.c  GATE GMUL (gated attention, docs/gated.md)
 *   routing.c RASN RLST RLDK RLDV RQK RSMX RAV (docs/routing.md)
 *   lightning.c DMASK SAPP SUPD LDS STS (docs/lightning.md)
 */
#ifndef ATTN_OP_H
#define ATTN_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "core.h"
#include "layout.h"
#include "mech.h"
#include "memimg.h"
#include "pipe.h"
#include "stats.h"
#include "trace.h"
#include "workload.h"

/* The engine state an operation's semantics may use. */
typedef struct opctx {
  bufs_t *b;
  const lay_t *lay;
  memimg_t *mi;
  stats_t *st;
  const wl_t *w;
  const mech_t *mech;
  const trace_reader_t *tr; /* for located errors */
  err_t *e;
  /* decision context (docs/spatten.md): where the window's next
   * instruction sits, queries counted per head, the query whose softmax
   * starts at each SBUF entry, routing decisions of this layer */
  dctx_t *ctx;
  int *qcount, *qof, *routing;
  int layer_rec;
} opctx_t;

/* How the dispatcher treats an opcode. */
typedef enum { OPC_UNIT, OPC_NOP, OPC_LAYER, OPC_HEAD } op_class_t;

typedef struct op_sem {
  op_class_t cls;
  /* flags (the d field): the bits it may hold (ISA_PREG_FIELD for the
   * predicate register number), at most one of `one_of`, `needs[0]` only
   * with `needs[1]`, the register field only with one of `preg_with`,
   * `alone` bits with no other */
  uint8_t flags, one_of, needs[2], preg_with, alone;
  uint16_t reads, writes; /* buffers (1 << buf_id_t) it may touch */
  bool dram_fill;         /* fills a buffer from DRAM (its readers stall
                             on DRAM) */
  /* dispatch: record the rows it touches (op_use); 0 or an error */
  int (*decode)(opctx_t *x, slot_t *sl);
  /* dispatch: the decision context it carries (may be NULL) */
  void (*context)(opctx_t *x, slot_t *sl);
  /* DMA units: at start, before requests issue; 0 or an error */
  int (*start)(opctx_t *x, slot_t *sl);
  /* at completion (ran: not predicated off); 0 or an error */
  int (*complete)(opctx_t *x, slot_t *sl, bool ran);
  /* compute units: cost and execution on data */
  pipe_cost_fn cost;
  pipe_exec_fn exec;
  /* compute units: the counter its occupancy adds to (ST_CYCLES: none) */
  stat_id_t busy_stat;
} op_sem_t;

#define ISA_PREG_FIELD 0xF0
#define BUFM(b) (1u << (b))

/* The entry for a decoded opcode (never NULL: decoding checked it). */
const op_sem_t *op_sem(uint8_t opcode);
/* d is a flag combination the opcode accepts. */
bool op_flags_ok(const op_sem_t *o, uint8_t d);

/* Shared by the semantics files. */
int op_bad(opctx_t *x, const char *what, const char *fmt, long got, long max);
/* Record an access to [lo, lo+n) of buf (write: 0, 1 or ACC_ADD) after
 * checking it fits the buffer. */
int op_use(opctx_t *x, slot_t *sl, int buf, int write, long lo, long n);
/* The predicate register a PRED instruction reads. */
int op_pred_use(opctx_t *x, slot_t *sl);
/* The DRAM block the transfer moves `rows` rows of: tensor t, or for
 * key fetches (kl) either key plane. */
int op_check_dram(opctx_t *x, slot_t *sl, lay_tensor_t t, bool kl, int rows);
/* DMA start: every gathered row inside its block (lists are state the
 * trace drives, so a bad trace could point anywhere); 0 or an error. */
int op_rows_in_block(opctx_t *x, const slot_t *sl);
/* Decode and serve: the K or V cache rows a contiguous transfer of the K
 * or V region reads or (write 1) appends, as BUF_KC / BUF_VC entries, so
 * loads wait for the appends before them (docs/serve.md); 0 or an error. */
int op_cache_use(opctx_t *x, slot_t *sl, int write);
/* The instruction is predicated off (PRED and its register clear). */
bool op_pred_off(const opctx_t *x, const slot_t *sl);

/* Compute blocks' cost and execution, also driven alone by the module
 * tests and the RTL testbenches. */
void qk_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth);
void qk_exec(bufs_t *b, const insn_t *in, stats_t *st);
void smax_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
               uint64_t *occ, uint64_t *depth);
void smax_exec(bufs_t *b, const insn_t *in, stats_t *st);
void av_cost(const timing_t *t, const bufs_t *b, const insn_t *in,
             uint64_t *occ, uint64_t *depth);
void av_exec(bufs_t *b, const insn_t *in, stats_t *st);

#endif

/* core.h - state shared by the engine and the hardware blocks: the
 * on-chip buffers' contents and the instruction window's slots. */
#ifndef ATTN_CORE_H
#define ATTN_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "declog.h"
#include "fixed.h"
#include "isa.h"
#include "layout.h"
#include "schedule.h"
#include "stats.h"
#include "topk.h"

/* Scoreboarded state: the row buffers, the index buffer IBUF, the token
 * and head lists and importance tables (TI and HI are one entry each: an
 * access covers the whole table) and the predicate registers. */
/* KBUF's rows hold a key's MSBs (BUF_K) and, after a refetch, its LSBs
 * (BUF_KL, the same rows): a refetch writes only the low bits, so queries
 * reading the MSBs of those rows need not wait for it. */
/* KC and VC are no buffers: they stand for the rows of DRAM's K and V
 * regions (an entry per row), so a load of cache rows waits for an older
 * STK or STV that appends them (docs/serve.md). */
typedef enum {
  BUF_Q, BUF_K, BUF_V, BUF_S, BUF_O, BUF_I, BUF_TL, BUF_TI, BUF_HL, BUF_HI,
  BUF_P, BUF_KL, BUF_M, BUF_KC, BUF_VC, BUF_COUNT
} buf_id_t;
/* BUF_M (MBUF): the online softmax's per-row state (docs/tiling.md), one
 * entry per OBUF row: running max m, running sum l, last rescale alpha. */

/* Where a decision was made (docs/spatten.md), for the decision log. */
typedef struct dctx {
  int unit, layer, head, query;
  uint64_t seq;
} dctx_t;

/* SpAtten's run-time state (docs/spatten.md). */
typedef struct spat {
  uint32_t *tlist; int ntl;  /* kept tokens, ascending */
  int64_t *timp; int ntimp;  /* token importance, by position */
  uint32_t *hlist; int nhl;  /* kept heads, ascending */
  int64_t *himp; int nhimp;  /* head importance, by head */
  uint32_t *ibuf;            /* selected value positions */
  uint8_t preg[ISA_PREGS];   /* refetch predicates */
  sched_layer_t rule;        /* the executing instruction's layer */
  dctx_t ctx;                /* ... and where it sits */
  declog_t *log;             /* decisions, or NULL */
  uint32_t *keep, *scratch;  /* top-k engine work space */
  int64_t *score, *pscratch;
  const int16_t **vscratch;  /* value rows picked through IBUF */
  uint32_t *kfull;           /* per KBUF row: token + 1 when its low bits
                                are on chip too (sticky refetch), else 0 */
  int topk_p;                /* comparators */
  topk_cost_t last;          /* cost of the last TOPK executed */
} spat_t;

/* Contents of the on-chip buffers (functional side). */
typedef struct bufs {
  int d;           /* elements per row */
  int dv;          /* elements of a value and output row (wl_v_dim) */
  int vrow_bytes;  /* bytes of a full-width value row */
  int row_bytes;   /* packed bytes per Q/K/V row (SRAM traffic) */
  int cap[BUF_COUNT];
  int16_t *q;         /* cap x d */
  /* K and V rows are never written on chip, so a buffer row is modelled
   * as a pointer to the row it holds (sim/memimg.c keeps the chunk a row
   * points into: mi_pin); rows never loaded point at a zero row. */
  const int16_t **k, **v;
  int16_t *zero_row;
  int64_t *s;         /* cap entries: scores, then exp terms, then probs */
  int64_t *o;         /* cap x d accumulators */
  bool dot32;         /* Q.K fits a 32-bit accumulator */
  int av32_rows;      /* rows of p*v that fit a 32-bit partial sum */
  const fx_t *fx;
  bool data;          /* false: timing only, no values are computed */
  int width;
  spat_t *sp;
  int16_t *kpool;     /* cap_K x d: KBUF rows a POOL wrote (pooled keys) */
  int lce_k;          /* BiFormer's LCE kernel side (0: none) */
  int32_t *lce_w;     /* lce_k^2 x d: the LCE weights of (stage, block,
                         head) lce_for (bf_lce_weights); lce_for[0] -1:
                         none yet */
  int lce_for[3];
  int64_t *om, *ol;   /* MBUF: cap[BUF_M] running maxima (F frac bits) and
                         sums (Q0.16) */
  int32_t *oalpha;    /* MBUF: cap[BUF_M] last rescale factors (Q0.16) */
} bufs_t;

/* A buffer range an instruction touches; write is 0 (read), 1 (write) or
 * ACC_ADD (an accumulation, which commutes with others). */
enum { ACC_ADD = 2 };
typedef struct access {
  uint8_t buf, write;
  int lo, hi; /* [lo, hi) rows or entries */
} access_t;

enum { SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

/* One instruction window entry (scoreboard slot). */
typedef struct slot {
  insn_t in;
  uint64_t seq;        /* program order */
  uint8_t unit, state, nacc;
  uint16_t rmask, wmask; /* buffers read / written (1 << buf_id_t) */
  access_t acc[5];
  dctx_t ctx;          /* decision context (case or step, layer, head, query) */
  int layer_rec;       /* stats layer record it belongs to */
  uint64_t start;      /* cycle it started */
  uint64_t clear_seq;  /* older slots before this seq never block it */
  uint8_t why;         /* the stall reason the slot at clear_seq gave */
  /* DRAM transfers (fetchers, store): rows [0, nrows), row i at
   * blk + token(i) * stride, rowb bytes each; rows are contiguous in the
   * tensor (token(i) = loc.row + i) unless gathered (sim/xfer.c) */
  lay_loc_t loc;
  uint64_t blk;
  uint64_t next_addr, end_addr; /* the run being issued */
  int stride, rowb, nrows, next_row;
  bool gather;
  int region_rows;     /* REGION fetches: tokens per region of the stage */
  /* quantized K/V fetches (KQ, VQ regions, docs/kivi.md): code bits
   * (0: none), and the key groups' metadata run [meta_addr, meta_end) in
   * KM, issued after the rows */
  int deq_bits;
  uint64_t meta_addr, meta_end;
  int pending;         /* requests in flight */
} slot_t;

#endif

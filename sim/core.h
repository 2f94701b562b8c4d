/* core.h - state shared by the engine and the hardware blocks: the
 * on-chip buffers' contents and the instruction window's slots. */
#ifndef ATTN_CORE_H
#define ATTN_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "fixed.h"
#include "isa.h"
#include "layout.h"
#include "stats.h"

typedef enum { BUF_Q, BUF_K, BUF_V, BUF_S, BUF_O, BUF_COUNT } buf_id_t;

/* Contents of the on-chip buffers (functional side). */
typedef struct bufs {
  int d;           /* elements per row */
  int row_bytes;   /* packed bytes per Q/K/V row (SRAM traffic) */
  int cap[BUF_COUNT];
  int16_t *q;         /* cap x d */
  /* K and V rows are never written on chip, so a buffer row is modelled
   * as a pointer to the row it holds (DRAM contents are immutable inputs);
   * rows never loaded point at a zero row. */
  const int16_t **k, **v;
  int16_t *zero_row;
  int64_t *s;         /* cap entries: scores, then exp terms, then probs */
  int64_t *o;         /* cap x d accumulators */
  bool dot32;         /* Q.K fits a 32-bit accumulator */
  int av32_rows;      /* rows of p*v that fit a 32-bit partial sum */
  const fx_t *fx;
  bool data;          /* false: timing only, no values are computed */
} bufs_t;

/* A buffer range an instruction touches. */
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
  uint8_t rmask, wmask; /* buffers read / written (1 << buf_id_t) */
  access_t acc[3];
  int layer_rec;       /* stats layer record it belongs to */
  uint64_t start;      /* cycle it started */
  uint64_t clear_seq;  /* older slots before this seq never block it */
  /* DRAM transfers (fetchers, store) */
  lay_loc_t loc;
  uint64_t next_addr, end_addr;
  int pending;         /* requests in flight */
} slot_t;

#endif

/* store.c - STO: round an OBUF row to the datapath width and write it to
 * DRAM (GATHER: to the token TLIST names); with HIMP, add the rounded
 * row's magnitudes to its head's importance. STK, STV: append KBUF or
 * VBUF rows to the K or V cache in DRAM (docs/serve.md). */
#include "op.h"
#include "xfer.h"

static int sto_decode(opctx_t *x, slot_t *sl) {
  const insn_t *in = &sl->in;
  sl->gather = in->d & ISA_GATHER;
  if ((in->d & ISA_HIMP) && in->b >= x->w->heads)
    return op_bad(x, "STO", "head out of range (got %ld, expected < %ld)", in->b,
                  x->w->heads);
  if (!(in->d & ISA_HIMP) && in->b)
    return op_bad(x, "STO", "head without HIMP (got %ld, expected %ld)", in->b, 0);
  if (op_use(x, sl, BUF_O, 0, in->a, 1) || op_pred_use(x, sl) ||
      (sl->gather && op_use(x, sl, BUF_TL, 0, in->c, 1)) ||
      ((in->d & ISA_HIMP) && op_use(x, sl, BUF_HI, ACC_ADD, 0, 1)))
    return x->e->status;
  return op_check_dram(x, sl, LAY_O, false, 1);
}

/* The row is rounded and written when the store starts (its bytes then
 * stream out through the store unit). */
static int store_row(opctx_t *x, slot_t *sl) {
  int16_t row[1024];
  bufs_t *b = x->b;
  const int64_t *acc = b->o + (size_t)sl->in.a * (size_t)b->d;
  int i, hi = (1 << (b->width - 1)) - 1;
  int64_t mag = 0;
  lay_loc_t at = sl->loc;
  x->st->c[ST_OBUF_READ_BYTES] += 4 * (uint64_t)b->dv;
  x->st->c[ST_QUERIES]++;
  if (!b->data) return 0;
  at.row = (int)xfer_token(sl, b, 0);
  for (i = 0; i < b->d; i++) {
    row[i] = fx_out(b->fx, acc[i]);
    x->st->c[ST_SATURATED] += row[i] == hi || row[i] == -hi - 1;
    mag += row[i] < 0 ? -(int64_t)row[i] : row[i];
  }
  if (sl->in.d & ISA_HIMP) b->sp->himp[sl->in.b] += mag; /* head importance */
  return mi_write(x->mi, &at, row);
}

static int sto_start(opctx_t *x, slot_t *sl) {
  int rc = op_rows_in_block(x, sl);
  if (!rc && store_row(x, sl))
    rc = err_set(x->e, ERR_RUN, "out of memory storing outputs");
  return rc;
}

const op_sem_t op_sto = {
    .flags = ISA_GATHER | ISA_HIMP | ISA_PRED | ISA_PREG_FIELD,
    .preg_with = ISA_PRED,
    .reads = BUFM(BUF_O) | BUFM(BUF_TL) | BUFM(BUF_P), .writes = BUFM(BUF_HI),
    .decode = sto_decode, .start = sto_start,
};

/* STK, STV: rows [a, a+b) of KBUF or VBUF to as many rows of the K or V
 * region at addr (the cache rows they append). */
static int append_decode(opctx_t *x, slot_t *sl, lay_tensor_t t, int buf) {
  const insn_t *in = &sl->in;
  int rc;
  if (in->b < 1)
    return op_bad(x, isa_lookup(in->op)->name,
                  "empty range (got %ld rows, expected >= %ld)", in->b, 1);
  if ((rc = op_use(x, sl, buf, 0, in->a, in->b)) ||
      (rc = op_check_dram(x, sl, t, false, in->b)))
    return rc;
  return op_cache_use(x, sl, 1);
}

static int stk_decode(opctx_t *x, slot_t *sl) { return append_decode(x, sl, LAY_K, BUF_K); }
static int stv_decode(opctx_t *x, slot_t *sl) { return append_decode(x, sl, LAY_V, BUF_V); }

/* The rows are written when the store starts, like STO's (the buffer
 * rows already hold the datapath's values: nothing is rounded). */
static int append_start(opctx_t *x, slot_t *sl) {
  bufs_t *b = x->b;
  const int16_t *const *rows = sl->loc.t == LAY_K ? b->k : b->v;
  lay_loc_t at = sl->loc;
  x->st->c[sl->loc.t == LAY_K ? ST_KBUF_READ_BYTES : ST_VBUF_READ_BYTES] +=
      (uint64_t)sl->in.b * (uint64_t)b->row_bytes;
  if (!b->data) return 0;
  for (int i = 0; i < sl->in.b; i++, at.row++)
    if (mi_write(x->mi, &at, rows[sl->in.a + i]))
      return err_set(x->e, ERR_RUN, "out of memory storing the K/V cache");
  return 0;
}

const op_sem_t op_stk = {
    .reads = BUFM(BUF_K), .writes = BUFM(BUF_KC),
    .decode = stk_decode, .start = append_start,
};

const op_sem_t op_stv = {
    .reads = BUFM(BUF_V), .writes = BUFM(BUF_VC),
    .decode = stv_decode, .start = append_start,
};

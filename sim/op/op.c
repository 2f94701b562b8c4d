/* op.c - the semantics table (op.h), the dispatcher's own entries (NOP,
 * LAYER, HEAD: handled by the engine's marker logic) and the helpers the
 * families share. */
#include "op.h"

#include <inttypes.h>
#include <stdio.h>

/* Each row's semantics entry, declared and tabled from isa.def itself, so
 * an operation is added by its isa.def row and its family's file. */
#define ISA(name, opc, unit, sem, a, b, c, d, e, addr, doc) \
  extern const op_sem_t op_##sem;
#include "isa.def"
#undef ISA

static const op_sem_t *const table[256] = {
#define ISA(name, opc, unit, sem, a, b, c, d, e, addr, doc) [opc] = &op_##sem,
#include "isa.def"
#undef ISA
};

const op_sem_t op_nop = {.cls = OPC_NOP};
const op_sem_t op_layer = {.cls = OPC_LAYER};
const op_sem_t op_head = {.cls = OPC_HEAD};

const op_sem_t *op_sem(uint8_t opcode) { return table[opcode]; }

bool op_flags_ok(const op_sem_t *o, uint8_t d) {
  uint8_t one = d & o->one_of;
  if (d & ~o->flags) return false;
  if (one & (one - 1)) return false; /* two of one_of */
  if ((d & o->needs[0]) && !(d & o->needs[1])) return false;
  if ((d & ISA_PREG_FIELD) && !(d & o->preg_with)) return false;
  return !(d & o->alone) || !(d & ~o->alone);
}

/* A trace is input: every range is checked before it is used. */
int op_bad(opctx_t *x, const char *what, const char *fmt, long got, long max) {
  char key[64];
  snprintf(key, sizeof key, "instruction %" PRIu64 " (%s)", x->tr->index - 1,
           what);
  return err_at(x->e, x->tr->name, 0, 0, key, fmt, got, max);
}

int op_use(opctx_t *x, slot_t *sl, int buf, int write, long lo, long n) {
  const char *op = isa_lookup(sl->in.op)->name;
  access_t *a;
  if (n < 1) return op_bad(x, op, "empty range (got %ld rows, expected >= %ld)", n, 1);
  if (lo + n > x->b->cap[buf])
    return op_bad(x, op, "buffer range ends past the buffer (got %ld, expected <= %ld)",
                  lo + n, x->b->cap[buf]);
  a = &sl->acc[sl->nacc++];
  a->buf = (uint8_t)buf;
  a->write = (uint8_t)write;
  a->lo = (int)lo;
  a->hi = (int)(lo + n);
  if (write) sl->wmask |= (uint16_t)BUFM(buf);
  else sl->rmask |= (uint16_t)BUFM(buf);
  return 0;
}

int op_pred_use(opctx_t *x, slot_t *sl) {
  return (sl->in.d & ISA_PRED) ? op_use(x, sl, BUF_P, 0, ISA_PREG(sl->in.d), 1) : 0;
}

bool op_pred_off(const opctx_t *x, const slot_t *sl) {
  return (sl->in.d & ISA_PRED) && !x->b->sp->preg[ISA_PREG(sl->in.d)];
}

/* `rows` whole rows of tensor t (for keys, of either plane) from addr; a
 * gathered transfer names the block's first row. */
int op_check_dram(opctx_t *x, slot_t *sl, lay_tensor_t t, bool kl, int rows) {
  const insn_t *in = &sl->in;
  lay_loc_t *at = &sl->loc;
  bool ok = !lay_decode(x->lay, in->addr, sl->gather ? 1 : rows, at) &&
            (at->t == t || (kl && at->t == LAY_KL)) &&
            (!sl->gather || at->row == 0);
  if (!ok)
    return op_bad(x, isa_lookup(in->op)->name,
                  "DRAM address 0x%lx is not %ld whole rows of the tensor this "
                  "instruction reads or writes",
                  (long)in->addr, rows);
  sl->blk = lay_addr(x->lay, at->t, at->cs, at->layer, at->head, 0);
  sl->stride = x->lay->stride[at->t];
  sl->rowb = lay_bytes(x->lay, at->t, at->layer);
  sl->nrows = rows;
  return 0;
}

int op_cache_use(opctx_t *x, slot_t *sl, int write) {
  lay_tensor_t t = sl->loc.t;
  if (!wl_generates(x->w) || sl->gather || (t != LAY_K && t != LAY_V))
    return 0;
  return op_use(x, sl, t == LAY_K ? BUF_KC : BUF_VC, write,
                (long)((sl->in.addr - x->lay->base[t]) /
                       (uint64_t)x->lay->stride[t]),
                sl->nrows);
}

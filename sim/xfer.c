#include "xfer.h"

void xfer_init(xfer_t *x) {
  x->deq_free = 0;
  x->n = 0;
  x->nissued = 0;
  x->outstanding = 0;
}

uint64_t xfer_deq_cycles(const timing_t *t, uint64_t bytes, int bits) {
  uint64_t per = (uint64_t)t->dequant_lanes * (uint64_t)bits; /* bits/cycle */
  return (bytes * 8 + per - 1) / per;
}

bool xfer_row_on_chip(const slot_t *s, const bufs_t *b, int i) {
  return s->loc.t == LAY_KL &&
         b->sp->kfull[s->in.a + i] == xfer_token(s, b, i) + 1;
}

/* First row at or after i that must move (low bits already on chip are
 * not fetched again). */
static int skip_on_chip(const slot_t *s, const bufs_t *b, int i) {
  while (i < s->nrows && xfer_row_on_chip(s, b, i)) i++;
  return i;
}

void xfer_start(xfer_t *x, slot_t *win, const bufs_t *b, int slot) {
  win[slot].next_row = skip_on_chip(&win[slot], b, 0);
  win[slot].next_addr = win[slot].end_addr = 0;
  x->ops[x->n++] = slot;
}

uint32_t xfer_token(const slot_t *s, const bufs_t *b, int i) {
  const insn_t *in = &s->in;
  if (!s->gather) return (uint32_t)(s->loc.row + i);
  if (in->d & ISA_REGION) { /* row i: token i % R of region IBUF[c + i / R] */
    int R = s->region_rows;
    return (uint32_t)b->sp->ibuf[in->c + i / R] * (uint32_t)R + (uint32_t)(i % R);
  }
  if (in->op == OP_LDV && (in->d & ISA_VSEL))
    return b->sp->tlist[in->c + b->sp->ibuf[in->e + i]];
  return b->sp->tlist[in->c + i];
}

/* All of s's requests are out (its rows, then any metadata run). */
static bool issued_all(const slot_t *s) {
  return s->next_row == s->nrows && s->next_addr == s->end_addr &&
         s->meta_addr == s->meta_end;
}

/* Start the next run of rows adjacent in DRAM (full-stride rows only
 * merge), or after the rows the metadata run of a quantized key fetch.
 * Invariant: rows [0, next_row) are in runs already issued. */
static void next_run(slot_t *s, const bufs_t *b) {
  int i = s->next_row;
  uint64_t a, e;
  if (i == s->nrows) { /* the key groups' zeros and scales (docs/kivi.md) */
    s->next_addr = s->meta_addr;
    s->end_addr = s->meta_end;
    s->meta_addr = s->meta_end;
    return;
  }
  a = s->blk + (uint64_t)xfer_token(s, b, i) * (uint64_t)s->stride;
  e = a + (uint64_t)s->rowb;
  for (i++; i < s->nrows && s->rowb == s->stride &&
            !xfer_row_on_chip(s, b, i) &&
            s->blk + (uint64_t)xfer_token(s, b, i) * (uint64_t)s->stride == e;
       i++)
    e += (uint64_t)s->rowb;
  s->next_row = skip_on_chip(s, b, i);
  s->next_addr = a;
  s->end_addr = e;
}

int xfer_issue(xfer_t *x, slot_t *win, const bufs_t *b, mem_t *m,
               const timing_t *t, stats_t *st, bool write, uint64_t now) {
  static const stat_id_t kind[LAY_TENSORS] = {
    [LAY_Q] = ST_DRAM_QUERY_BYTES, [LAY_K] = ST_DRAM_KEY_MSB_BYTES,
    [LAY_KL] = ST_DRAM_KEY_LSB_BYTES, [LAY_V] = ST_DRAM_VALUE_BYTES,
    [LAY_O] = ST_DRAM_OUTPUT_BYTES, [LAY_KQ] = ST_DRAM_KEY_MSB_BYTES,
    [LAY_KM] = ST_DRAM_KEY_MSB_BYTES, [LAY_VQ] = ST_DRAM_VALUE_BYTES,
    /* the projection's new K/V rows are key and value rows read */
    [LAY_KN] = ST_DRAM_KEY_MSB_BYTES, [LAY_VN] = ST_DRAM_VALUE_BYTES,
    /* landmark keys (docs/landmark.md) are key rows read */
    [LAY_LM] = ST_DRAM_KEY_MSB_BYTES,
    [LAY_G] = ST_DRAM_QUERY_BYTES, /* gate rows are read as query rows */
    /* routing centroids: key rows of the assignment (docs/routing.md) */
    [LAY_RC] = ST_DRAM_KEY_MSB_BYTES,
    /* lightning's decode state (docs/lightning.md): what it reads in
     * place of the K/V cache, counted with the value rows */
    [LAY_LS] = ST_DRAM_VALUE_BYTES};
  mem_req_t r;
  slot_t *s;
  uint64_t rb = (uint64_t)t->request_bytes, end;
  int rc;
  if ((rc = xfer_quick(x, t)) != XF_ISSUED) return rc;
  s = &win[x->ops[x->nissued]];
  if (s->deq_bits && now < x->deq_free) return XF_WAITING;
  if (s->next_addr == s->end_addr) next_run(s, b);
  end = (s->next_addr / rb + 1) * rb;
  if (end > s->end_addr) end = s->end_addr;
  r.addr = s->next_addr;
  r.bytes = (uint32_t)(end - s->next_addr);
  r.write = write;
  r.tag = (uint32_t)x->ops[x->nissued];
  if (!m->ops->can_accept(m, &r)) return XF_REFUSED;
  m->ops->push(m, &r, now);
  /* K/V cache appends (STK, STV) count only as dram.write_bytes */
  if (!write || s->loc.t == LAY_O) st->c[kind[s->loc.t]] += r.bytes;
  if (s->deq_bits) /* the dequantizer takes the request's codes */
    x->deq_free = now + xfer_deq_cycles(t, r.bytes, s->deq_bits);
  s->next_addr = end;
  s->pending++;
  x->nissued += issued_all(s);
  x->outstanding++;
  return XF_ISSUED;
}

bool xfer_returned(xfer_t *x, slot_t *win, int s) {
  int i;
  x->outstanding--;
  if (--win[s].pending || !issued_all(&win[s])) return false;
  for (i = 0; i < x->n && x->ops[i] != s; i++) {
  }
  x->nissued -= i < x->nissued; /* it was fully issued: leaves the prefix */
  for (; i + 1 < x->n; i++) x->ops[i] = x->ops[i + 1];
  x->n--;
  return true;
}

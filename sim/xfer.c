#include "xfer.h"

void xfer_init(xfer_t *x) {
  x->n = 0;
  x->nissued = 0;
  x->outstanding = 0;
}

bool xfer_can_start(const xfer_t *x) { return x->n < XFER_MAX; }

void xfer_start(xfer_t *x, int slot) { x->ops[x->n++] = slot; }

int xfer_issue(xfer_t *x, slot_t *win, mem_t *m, const timing_t *t,
               bool write, uint64_t now) {
  mem_req_t r;
  slot_t *s;
  uint64_t rb = (uint64_t)t->request_bytes, end;
  if (!x->n) return XF_IDLE;
  if (x->nissued == x->n || x->outstanding >= t->max_outstanding)
    return XF_WAITING;
  s = &win[x->ops[x->nissued]];
  end = (s->next_addr / rb + 1) * rb;
  if (end > s->end_addr) end = s->end_addr;
  r.addr = s->next_addr;
  r.bytes = (uint32_t)(end - s->next_addr);
  r.write = write;
  r.tag = (uint32_t)x->ops[x->nissued];
  if (!m->ops->can_accept(m, &r)) return XF_REFUSED;
  m->ops->push(m, &r, now);
  s->next_addr = end;
  s->pending++;
  x->nissued += end == s->end_addr;
  x->outstanding++;
  return XF_ISSUED;
}

bool xfer_returned(xfer_t *x, slot_t *win, int s) {
  int i;
  x->outstanding--;
  if (--win[s].pending || win[s].next_addr < win[s].end_addr) return false;
  for (i = 0; i < x->n && x->ops[i] != s; i++) {
  }
  x->nissued -= i < x->nissued; /* it was fully issued: leaves the prefix */
  for (; i + 1 < x->n; i++) x->ops[i] = x->ops[i + 1];
  x->n--;
  return true;
}

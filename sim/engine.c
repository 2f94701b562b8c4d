#include "engine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dram_hbm2.h"
#include "layout.h"
#include "pipe.h"
#include "timing.h"
#include "xfer.h"

typedef struct uqueue {
  int *slot; /* ring of window slots, oldest first */
  int head, n;
} uqueue_t;

struct sim {
  const cfg_t *cfg;
  const wl_t *w;
  const char *cfg_name;
  lay_t lay;
  fx_t fx;
  timing_t tm;
  bufs_t b;
  memimg_t *mi;
  mem_t *mem;
  stats_t *st;
  /* instruction window: a ring of slots in program order */
  slot_t *win;
  int wcap, whead, wn;
  uint64_t seq;
  uqueue_t uq[UNIT_COUNT];
  pipe_t pipe[UNIT_COUNT]; /* used for UNIT_QK, UNIT_SMAX, UNIT_AV */
  xfer_t xf[UNIT_COUNT];   /* used for the fetchers and the store unit */
  uint8_t ustate[UNIT_COUNT];
  uint64_t usince[UNIT_COUNT];
  /* trace input */
  trace_reader_t *tr;
  bool trace_done;
  int layer_rec;
  uint64_t now, last_done;
  bool progress;
  sim_span_fn span;
  void *span_ctx;
  err_t *e;
  int rc;
};

/* Next index of a ring of n (cheaper than % on the hot path). */
static inline int ring_next(int i, int n) { return i + 1 == n ? 0 : i + 1; }

static bool is_xfer(int u) {
  return u == UNIT_FETCH_K || u == UNIT_FETCH_V || u == UNIT_STORE;
}

static bool is_load(uint8_t op) {
  return op == OP_LDQ || op == OP_LDK || op == OP_LDV;
}

/* ---- construction ---------------------------------------------------- */

static int alloc_bufs(sim_t *s) {
  bufs_t *b = &s->b;
  int i;
  int64_t wmax = ((int64_t)1 << (s->cfg->width - 1));
  size_t d = (size_t)s->w->head_dim;
  b->d = s->w->head_dim;
  b->row_bytes = s->lay.row_bytes;
  b->cap[BUF_Q] = s->lay.qbuf_rows;
  b->cap[BUF_K] = s->lay.kbuf_rows;
  b->cap[BUF_V] = s->lay.vbuf_rows;
  b->cap[BUF_S] = s->lay.sbuf_entries;
  b->cap[BUF_O] = s->lay.obuf_rows;
  b->fx = &s->fx;
  b->data = true;
  b->dot32 = wmax * wmax * (int64_t)d < INT32_MAX;
  b->av32_rows = (int)(INT32_MAX / (wmax << s->cfg->prob_bits));
  if (b->av32_rows < 1) b->av32_rows = 1;
  b->q = calloc((size_t)b->cap[BUF_Q] * d, sizeof *b->q);
  b->k = malloc((size_t)b->cap[BUF_K] * sizeof *b->k);
  b->v = malloc((size_t)b->cap[BUF_V] * sizeof *b->v);
  b->zero_row = calloc(d, sizeof *b->zero_row);
  b->s = calloc((size_t)b->cap[BUF_S], sizeof *b->s);
  b->o = calloc((size_t)b->cap[BUF_O] * d, sizeof *b->o);
  if (!b->q || !b->k || !b->v || !b->s || !b->o || !b->zero_row) return -1;
  for (i = 0; i < b->cap[BUF_K]; i++) b->k[i] = b->zero_row;
  for (i = 0; i < b->cap[BUF_V]; i++) b->v[i] = b->zero_row;
  return 0;
}

sim_t *sim_new(const cfg_t *cfg, const wl_t *w, const ten_t *ten,
               const char *cfg_name, err_t *e) {
  sim_t *s = calloc(1, sizeof *s);
  int u;
  if (!s) {
    err_set(e, ERR_RUN, "out of memory");
    return NULL;
  }
  s->cfg = cfg;
  s->w = w;
  s->cfg_name = cfg_name;
  if (lay_init(&s->lay, cfg, w, cfg_name, e)) {
    sim_free(s);
    return NULL;
  }
  fx_init(&s->fx, cfg->width, cfg->frac_bits, cfg->prob_bits, w->head_dim);
  tm_init(&s->tm, cfg, w->head_dim);
  s->wcap = cfg->window;
  s->win = calloc((size_t)s->wcap, sizeof *s->win);
  for (u = 0; u < UNIT_COUNT; u++)
    s->uq[u].slot = calloc((size_t)s->wcap, sizeof(int));
  s->mi = mi_new(&s->lay, &s->fx, w, ten);
  if (!s->win || !s->mi || alloc_bufs(s) || !s->uq[UNIT_COUNT - 1].slot) {
    err_set(e, ERR_RUN, "out of memory building the accelerator model");
    sim_free(s);
    return NULL;
  }
  pipe_init(&s->pipe[UNIT_QK], qk_cost, qk_exec);
  pipe_init(&s->pipe[UNIT_SMAX], smax_cost, smax_exec);
  pipe_init(&s->pipe[UNIT_AV], av_cost, av_exec);
  for (u = 0; u < UNIT_COUNT; u++) xfer_init(&s->xf[u]);
  return s;
}

void sim_free(sim_t *s) {
  int u;
  if (!s) return;
  if (s->mem) s->mem->ops->destroy(s->mem);
  mi_free(s->mi);
  free(s->b.q);
  free(s->b.k);
  free(s->b.v);
  free(s->b.zero_row);
  free(s->b.s);
  free(s->b.o);
  for (u = 0; u < UNIT_COUNT; u++) free(s->uq[u].slot);
  free(s->win);
  free(s);
}

void sim_on_span(sim_t *s, sim_span_fn fn, void *ctx) {
  s->span = fn;
  s->span_ctx = ctx;
}

void sim_timing_only(sim_t *s) { s->b.data = false; }

const memimg_t *sim_memimg(const sim_t *s) { return s->mi; }

/* ---- dispatch: decode, check and enqueue one instruction ------------- */

static void acc_set(slot_t *sl, int buf, int write, int lo, int n) {
  access_t *a = &sl->acc[sl->nacc++];
  a->buf = (uint8_t)buf;
  a->write = (uint8_t)write;
  a->lo = lo;
  a->hi = lo + n;
  if (write) sl->wmask |= (uint8_t)(1u << buf);
  else sl->rmask |= (uint8_t)(1u << buf);
}

/* A trace is input: every range is checked before it is used. */
static int bad(sim_t *s, const char *what, const char *fmt, long got,
               long max) {
  char key[64];
  snprintf(key, sizeof key, "instruction %" PRIu64 " (%s)", s->tr->index - 1,
           what);
  return err_at(s->e, s->tr->name, 0, 0, key, fmt, got, max);
}

static int check_range(sim_t *s, const char *op, int buf, int lo, int n) {
  if (n < 1) return bad(s, op, "empty range (got %ld rows, expected >= %ld)", n, 1);
  if (lo + n > s->b.cap[buf])
    return bad(s, op, "buffer range ends past the buffer (got %ld, expected <= %ld)",
               lo + n, s->b.cap[buf]);
  return 0;
}

static int check_dram(sim_t *s, slot_t *sl, lay_tensor_t t, int rows) {
  if (lay_decode(&s->lay, sl->in.addr, rows, &sl->loc) || sl->loc.t != t)
    return bad(s, isa_lookup(sl->in.op)->name,
               "DRAM address 0x%lx is not %ld whole rows of the tensor this "
               "instruction reads or writes",
               (long)sl->in.addr, rows);
  sl->next_addr = sl->in.addr;
  sl->end_addr = sl->in.addr + (uint64_t)rows * (uint64_t)s->lay.row_bytes;
  return 0;
}

static int decode_accesses(sim_t *s, slot_t *sl) {
  const insn_t *in = &sl->in;
  int rc = 0;
  static const int lbuf[] = {[OP_LDQ] = BUF_Q, [OP_LDK] = BUF_K, [OP_LDV] = BUF_V};
  static const lay_tensor_t lt[] = {[OP_LDQ] = LAY_Q, [OP_LDK] = LAY_K, [OP_LDV] = LAY_V};
  sl->nacc = 0;
  sl->rmask = sl->wmask = 0;
  switch (in->op) {
  case OP_LDQ: case OP_LDK: case OP_LDV:
    if (!(rc = check_range(s, "load", lbuf[in->op], in->a, in->b)))
      rc = check_dram(s, sl, lt[in->op], in->b);
    acc_set(sl, lbuf[in->op], 1, in->a, in->b);
    break;
  case OP_QK:
    if (!(rc = check_range(s, "QK", BUF_Q, in->a, 1)) &&
        !(rc = check_range(s, "QK", BUF_K, in->b, in->c)))
      rc = check_range(s, "QK", BUF_S, in->e, in->c);
    acc_set(sl, BUF_Q, 0, in->a, 1);
    acc_set(sl, BUF_K, 0, in->b, in->c);
    acc_set(sl, BUF_S, 1, in->e, in->c);
    break;
  case OP_SMAX:
    rc = check_range(s, "SMAX", BUF_S, in->a, in->b);
    acc_set(sl, BUF_S, 1, in->a, in->b);
    break;
  case OP_AV:
    if (in->d > 1) rc = bad(s, "AV", "acc flag (got %ld, expected <= %ld)", in->d, 1);
    if (!rc && !(rc = check_range(s, "AV", BUF_O, in->a, 1)) &&
        !(rc = check_range(s, "AV", BUF_V, in->b, in->c)))
      rc = check_range(s, "AV", BUF_S, in->e, in->c);
    acc_set(sl, BUF_O, 1, in->a, 1);
    acc_set(sl, BUF_V, 0, in->b, in->c);
    acc_set(sl, BUF_S, 0, in->e, in->c);
    break;
  case OP_STO:
    if (!(rc = check_range(s, "STO", BUF_O, in->a, 1)))
      rc = check_dram(s, sl, LAY_O, 1);
    acc_set(sl, BUF_O, 0, in->a, 1);
    break;
  }
  return rc;
}

/* Move one executable instruction from the trace into the window.
 * LAYER markers and NOPs are consumed on the way at no cost. */
static void dispatch(sim_t *s) {
  insn_t in;
  slot_t *sl;
  int r, si;
  while (!s->trace_done && s->wn < s->wcap) {
    r = trr_next(s->tr, &in, s->e);
    if (r != 1) { /* 0: end of trace; otherwise a malformed trace */
      s->trace_done = true;
      if (r) s->rc = s->e->status;
      return;
    }
    if (in.op == OP_NOP) continue;
    if (in.op == OP_LAYER) {
      if (in.a >= s->w->ncases || in.b >= s->w->layers) {
        s->rc = bad(s, "LAYER", "case or layer out of range (got %ld, expected < %ld)",
                    in.a >= s->w->ncases ? in.a : in.b,
                    in.a >= s->w->ncases ? s->w->ncases : s->w->layers);
        s->trace_done = true;
        return;
      }
      s->layer_rec = st_add_layer(s->st, in.a, in.b);
      continue;
    }
    si = (s->whead + s->wn) % s->wcap;
    sl = &s->win[si];
    memset(sl, 0, sizeof *sl);
    sl->in = in;
    sl->seq = s->seq++;
    sl->unit = (uint8_t)isa_lookup(in.op)->unit;
    sl->layer_rec = s->layer_rec;
    if ((s->rc = decode_accesses(s, sl))) {
      s->trace_done = true;
      return;
    }
    s->wn++;
    s->uq[sl->unit].slot[(s->uq[sl->unit].head + s->uq[sl->unit].n++) % s->wcap] = si;
    s->progress = true;
    return; /* one instruction per cycle */
  }
}

/* ---- scoreboard ------------------------------------------------------ */

static bool overlap(const access_t *a, const access_t *b) {
  return a->buf == b->buf && (a->write || b->write) && a->lo < b->hi &&
         b->lo < a->hi;
}

/* Why x must wait for the older y (0 if it need not). */
static uint8_t conflict(const slot_t *x, const slot_t *y) {
  int i, j;
  if (!((x->wmask & (y->rmask | y->wmask)) | (x->rmask & y->wmask)))
    return 0; /* no buffer both touch with a write: the common case */
  for (i = 0; i < x->nacc; i++)
    for (j = 0; j < y->nacc; j++) {
      if (!overlap(&x->acc[i], &y->acc[j])) continue;
      if (!x->acc[i].write) /* read after write */
        return is_load(y->in.op) ? US_STALL_DRAM : US_STALL_UNIT;
      return US_STALL_BUFFER; /* the rows x would fill are still in use */
    }
  return 0;
}

/* Returns 0 when slot si may start, else the stall reason.
 * Invariant: no unfinished slot older than x->clear_seq conflicts with x.
 * It holds because a slot's accesses never change and finishing only
 * removes conflicts, so each retry resumes where the last scan stopped
 * and checking a window costs O(window) per instruction in all. */
static uint8_t blocked(sim_t *s, int si) {
  slot_t *x = &s->win[si];
  uint64_t head_seq = s->win[s->whead].seq;
  int j = s->whead;
  if (x->clear_seq > head_seq)
    j = (int)((s->whead + (x->clear_seq - head_seq)) % (uint64_t)s->wcap);
  for (; j != si; j = ring_next(j, s->wcap)) {
    const slot_t *y = &s->win[j];
    uint8_t why;
    if (y->state == SLOT_DONE || !(why = conflict(x, y))) continue;
    x->clear_seq = y->seq;
    return why;
  }
  x->clear_seq = x->seq;
  return 0;
}

/* ---- execution ------------------------------------------------------- */

/* A finished load: Q rows are copied into QBUF; K and V buffer rows are
 * pointed at the DRAM rows they now hold. Returns -1 when out of memory. */
static int fill_rows(sim_t *s, const slot_t *sl) {
  const int16_t *src, **dst;
  int i, d = s->b.d;
  if (sl->in.op == OP_LDQ)
    return mi_read(s->mi, &sl->loc, sl->in.b,
                   s->b.q + (size_t)sl->in.a * (size_t)d);
  if (!(src = mi_rows(s->mi, &sl->loc))) return -1;
  dst = (sl->in.op == OP_LDK ? s->b.k : s->b.v) + sl->in.a;
  for (i = 0; i < sl->in.b; i++) dst[i] = src + (size_t)i * (size_t)d;
  return 0;
}

/* STO: round the accumulators to the datapath width and write DRAM. */
static int store_row(sim_t *s, slot_t *sl) {
  int16_t row[1024];
  const int64_t *acc = s->b.o + (size_t)sl->in.a * (size_t)s->b.d;
  int i, hi = (1 << (s->cfg->width - 1)) - 1;
  s->st->c[ST_OBUF_READ_BYTES] += 4 * (uint64_t)s->b.d;
  s->st->c[ST_QUERIES]++;
  if (!s->b.data) return 0;
  for (i = 0; i < s->b.d; i++) {
    row[i] = fx_out(&s->fx, acc[i]);
    s->st->c[ST_SATURATED] += row[i] == hi || row[i] == -hi - 1;
  }
  return mi_write(s->mi, &sl->loc, row);
}

static void start(sim_t *s, int u, int si) {
  slot_t *sl = &s->win[si];
  sl->state = SLOT_RUNNING;
  sl->start = s->now;
  if (!is_xfer(u)) {
    pipe_start(&s->pipe[u], &s->tm, &s->b, s->st, si, &sl->in, s->now);
    return;
  }
  if (sl->in.op == OP_STO && store_row(s, sl))
    s->rc = err_set(s->e, ERR_RUN, "out of memory storing outputs");
  xfer_start(&s->xf[u], si);
}

static void complete(sim_t *s, int si) {
  slot_t *sl = &s->win[si];
  if (is_load(sl->in.op)) {
    uint64_t bytes = (uint64_t)sl->in.b * (uint64_t)s->b.row_bytes;
    if (s->b.data && fill_rows(s, sl))
      s->rc = err_set(s->e, ERR_RUN, "out of memory reading tensors");
    s->st->c[sl->in.op == OP_LDQ   ? ST_QBUF_WRITE_BYTES
             : sl->in.op == OP_LDK ? ST_KBUF_WRITE_BYTES
                                   : ST_VBUF_WRITE_BYTES] += bytes;
  }
  sl->state = SLOT_DONE;
  s->st->c[ST_INSNS]++;
  if (sl->layer_rec >= 0 && sl->layer_rec < s->st->nlayers)
    s->st->layers[sl->layer_rec].end_cycle = s->now;
  s->last_done = s->now;
  s->progress = true;
  if (s->span) s->span(s->span_ctx, (unit_t)sl->unit, &sl->in, sl->start, s->now);
}

static void set_state(sim_t *s, int u, uint8_t st) {
  if (s->ustate[u] == st) return;
  s->st->unit[u][s->ustate[u]] += s->now - s->usince[u];
  s->ustate[u] = st;
  s->usince[u] = s->now;
}

/* Start the unit's oldest instruction if allowed; returns the state the
 * unit is in this cycle as far as starting goes. */
static uint8_t try_start(sim_t *s, int u) {
  uqueue_t *q = &s->uq[u];
  int si;
  uint8_t why;
  if (!q->n) return US_IDLE;
  if (is_xfer(u) ? !xfer_can_start(&s->xf[u])
                 : !pipe_can_start(&s->pipe[u], s->now))
    return US_BUSY;
  si = q->slot[q->head];
  if ((why = blocked(s, si))) return why;
  start(s, u, si);
  q->head = ring_next(q->head, s->wcap);
  q->n--;
  s->progress = true;
  return US_BUSY;
}

static void collect_completions(sim_t *s) {
  mem_req_t r;
  int u, si;
  while (s->mem->ops->pop_done(s->mem, s->now, &r)) {
    int owner = s->win[r.tag].unit;
    if (xfer_returned(&s->xf[owner], s->win, (int)r.tag)) complete(s, (int)r.tag);
  }
  for (u = UNIT_QK; u <= UNIT_AV; u++)
    while ((si = pipe_pop_done(&s->pipe[u], s->now)) >= 0) complete(s, si);
  while (s->wn && s->win[s->whead].state == SLOT_DONE) {
    s->whead = ring_next(s->whead, s->wcap);
    s->wn--;
  }
}

/* Steps 4 and 5 of the tick, with each unit's state for the stats. */
static void start_and_issue(sim_t *s) {
  int u;
  for (u = 0; u < UNIT_COUNT; u++) {
    uint8_t st = try_start(s, u);
    if (is_xfer(u)) {
      int r = xfer_issue(&s->xf[u], s->win, s->mem, &s->tm,
                         u == UNIT_STORE, s->now);
      if (r == XF_ISSUED) s->progress = true;
      if (r == XF_REFUSED) st = US_STALL_DRAM;
      else if (r != XF_IDLE) st = US_BUSY;
    } else if (s->now < s->pipe[u].free_at) {
      st = US_BUSY;
    }
    set_state(s, u, st);
  }
}

static uint64_t next_event(const sim_t *s) {
  uint64_t t = s->mem->ops->next_event(s->mem), p;
  int u;
  for (u = UNIT_QK; u <= UNIT_AV; u++)
    if ((p = pipe_next_event(&s->pipe[u], s->now)) < t) t = p;
  return t;
}

static int run_loop(sim_t *s) {
  uint64_t next;
  for (;;) {
    s->progress = false;
    collect_completions(s);
    start_and_issue(s);
    dispatch(s);
    if (s->rc) return s->rc;
    if (s->trace_done && !s->wn) return 0;
    next = s->progress ? s->now + 1 : next_event(s);
    if (next == UINT64_MAX || next <= s->now)
      return err_set(s->e, ERR_RUN,
                     "internal error: simulation stalled at cycle %" PRIu64
                     " with %d instructions in flight", s->now, s->wn);
    s->now = next;
  }
}

int sim_run(sim_t *s, trace_reader_t *tr, stats_t *st, err_t *e) {
  uint64_t h = cfg_hash(s->cfg);
  int u, rc;
  if (tr->hdr.config_hash != h)
    return err_at(e, tr->name, 0, 0, "config_hash",
                  "trace was compiled for another config (got 0x%016" PRIx64
                  ", expected 0x%016" PRIx64 " for %s): recompile it",
                  tr->hdr.config_hash, h, s->cfg_name);
  s->st = st;
  s->e = e;
  s->tr = tr;
  s->layer_rec = -1;
  s->mem = cfg_dram_is_hbm2(s->cfg)
               ? dram_hbm2_new(s->cfg, s->cfg->clock_ghz, st)
               : dram_simple_new(&s->tm, st);
  if (!s->mem) return err_set(e, ERR_RUN, "out of memory");
  for (u = 0; u < UNIT_COUNT; u++) s->ustate[u] = US_IDLE;
  rc = run_loop(s);
  s->mem->ops->finish(s->mem, s->last_done);
  for (u = 0; u < UNIT_COUNT; u++) /* close every unit's last state */
    st->unit[u][s->ustate[u]] += s->last_done - s->usince[u];
  st->c[ST_CYCLES] = s->last_done;
  st->c[ST_SATURATED] += mi_saturated(s->mi);
  return rc;
}

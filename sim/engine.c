#include "engine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dram_hbm2.h"
#include "layout.h"
#include "mech.h"
#include "op.h"
#include "simd.h"
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
  spat_t sp;
  sched_layer_t *rules; /* per layer */
  int *qof;             /* per SBUF entry: the query whose softmax starts
                           there (decision log context only) */
  int *qcount;          /* per head: queries dispatched this layer */
  const mech_t *mech;   /* the workload's attention mechanism */
  opctx_t ox;           /* what the operations' semantics see (sim/op/) */
  bool markers;         /* HEAD markers count the heads */
  int routing;          /* routing TOPKs dispatched this layer */
  bool per_layer;       /* attribute counters to layer records */
  uint64_t snap[ST_COUNT]; /* the counters before the event being attributed */
  bool snap_ok;         /* snap equals the counters (attr_begin) */
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
  /* dispatch context (docs/spatten.md): HEAD markers and pruned heads */
  insn_t held;       /* a HEAD waiting for HLIST */
  bool has_held, skipping;
  dctx_t ctx;
  uint64_t now, last_done;
  bool progress;
  sim_span_fn span;     /* hooks for timelines; NULL when none */
  void *span_ctx;
  sim_state_fn state;
  void *state_ctx;
  sim_sample_fn sample;
  void *sample_ctx;
  err_t *e;
  int rc;
};

/* Next index of a ring of n (cheaper than % on the hot path). */
static inline int ring_next(int i, int n) { return i + 1 == n ? 0 : i + 1; }

static bool is_xfer(int u) { return unit_kinds[u] != UNIT_PIPE; }

static int max_ctx(const wl_t *w) {
  int m = 1;
  for (int cs = 0; cs < wl_cases(w); cs++)
    if (wl_ctx_tokens(w, cs) > m) m = wl_ctx_tokens(w, cs);
  return m;
}

/* Rows of DRAM region t (the BUF_KC / BUF_VC entries). */
static int cache_rows(const lay_t *l, lay_tensor_t t) {
  uint64_t n = l->stride[t] ? (l->end[t] - l->base[t]) / (uint64_t)l->stride[t] : 0;
  return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* SpAtten's state and the top-k engine's work space. */
static int alloc_spat(sim_t *s) {
  spat_t *sp = &s->sp;
  bufs_t *b = &s->b;
  int nt = max_ctx(s->w), nh = s->w->heads, ns = b->cap[BUF_S];
  int n = nt > nh ? nt : nh;
  if (ns > n) n = ns;
  b->sp = sp;
  b->cap[BUF_I] = ns;
  b->cap[BUF_TL] = nt;
  b->cap[BUF_HL] = nh;
  b->cap[BUF_TI] = b->cap[BUF_HI] = 1;
  b->cap[BUF_P] = ISA_PREGS;
  b->cap[BUF_KL] = b->cap[BUF_K];
  b->cap[BUF_KC] = cache_rows(&s->lay, LAY_K);
  b->cap[BUF_VC] = cache_rows(&s->lay, LAY_V);
  sp->ntimp = nt;
  sp->nhimp = nh;
  sp->topk_p = s->cfg->topk_parallelism > 0 ? s->cfg->topk_parallelism : 1;
  sp->tlist = calloc((size_t)nt, sizeof *sp->tlist);
  sp->timp = calloc((size_t)nt, sizeof *sp->timp);
  sp->hlist = calloc((size_t)nh, sizeof *sp->hlist);
  sp->himp = calloc((size_t)nh, sizeof *sp->himp);
  sp->ibuf = calloc((size_t)ns, sizeof *sp->ibuf);
  sp->keep = calloc((size_t)n, sizeof *sp->keep);
  sp->scratch = calloc(3 * (size_t)n, sizeof *sp->scratch);
  sp->score = calloc((size_t)n, sizeof *sp->score);
  sp->pscratch = calloc((size_t)ns, sizeof *sp->pscratch);
  sp->vscratch = calloc((size_t)ns, sizeof *sp->vscratch);
  sp->kfull = calloc((size_t)b->cap[BUF_K], sizeof *sp->kfull);
  s->rules = calloc((size_t)s->w->layers, sizeof *s->rules);
  s->qof = calloc((size_t)ns, sizeof *s->qof);
  s->qcount = calloc((size_t)nh, sizeof *s->qcount);
  if (!sp->tlist || !sp->timp || !sp->hlist || !sp->himp || !sp->ibuf ||
      !sp->keep || !sp->scratch || !sp->score || !sp->pscratch ||
      !sp->vscratch || !sp->kfull || !s->rules || !s->qof || !s->qcount)
    return -1;
  for (int l = 0; l < s->w->layers; l++)
    sched_layer(s->w, s->cfg->width, l, &s->rules[l]);
  s->markers = s->mech->head_markers && s->mech->head_markers(s->w, s->cfg->width);
  s->per_layer = s->mech->per_layer;
  return 0;
}

static void free_spat(sim_t *s) {
  spat_t *sp = &s->sp;
  free(sp->tlist);
  free(sp->timp);
  free(sp->hlist);
  free(sp->himp);
  free(sp->ibuf);
  free(sp->keep);
  free(sp->scratch);
  free(sp->score);
  free(sp->pscratch);
  free(sp->vscratch);
  free(sp->kfull);
  free(s->rules);
  free(s->qof);
  free(s->qcount);
}

/* ---- construction ---------------------------------------------------- */

static int alloc_bufs(sim_t *s) {
  bufs_t *b = &s->b;
  int i;
  int64_t wmax = ((int64_t)1 << (s->cfg->width - 1));
  size_t d = (size_t)s->w->head_dim;
  b->d = s->w->head_dim;
  b->dv = wl_v_dim(s->w);
  b->row_bytes = s->lay.row_bytes;
  b->vrow_bytes = (b->dv * s->cfg->width + 7) / 8;
  b->cap[BUF_Q] = s->lay.qbuf_rows;
  b->cap[BUF_K] = s->lay.kbuf_rows;
  b->cap[BUF_V] = s->lay.vbuf_rows;
  b->cap[BUF_S] = s->lay.sbuf_entries;
  b->cap[BUF_O] = s->lay.obuf_rows;
  b->fx = &s->fx;
  b->data = true;
  b->width = s->cfg->width;
  b->dot32 = wmax * wmax * (int64_t)d < INT32_MAX;
  b->av32_rows = (int)(INT32_MAX / (wmax << s->cfg->prob_bits));
  if (b->av32_rows < 1) b->av32_rows = 1;
  b->q = calloc((size_t)b->cap[BUF_Q] * d, sizeof *b->q);
  b->k = malloc((size_t)b->cap[BUF_K] * sizeof *b->k);
  b->v = malloc((size_t)b->cap[BUF_V] * sizeof *b->v);
  b->zero_row = calloc(d, sizeof *b->zero_row);
  b->kpool = calloc((size_t)b->cap[BUF_K] * d, sizeof *b->kpool);
  b->lce_k = s->mech->lce_kernel ? s->mech->lce_kernel(s->w) : 0;
  b->lce_for[0] = -1;
  if (b->lce_k && !(b->lce_w = malloc((size_t)(b->lce_k * b->lce_k) * d *
                                      sizeof *b->lce_w)))
    return -1;
  b->s = calloc((size_t)b->cap[BUF_S], sizeof *b->s);
  b->o = calloc((size_t)b->cap[BUF_O] * d, sizeof *b->o);
  b->cap[BUF_M] = b->cap[BUF_O];
  b->om = calloc((size_t)b->cap[BUF_M], sizeof *b->om);
  b->ol = calloc((size_t)b->cap[BUF_M], sizeof *b->ol);
  b->oalpha = calloc((size_t)b->cap[BUF_M], sizeof *b->oalpha);
  if (!b->q || !b->k || !b->v || !b->s || !b->o || !b->zero_row || !b->kpool ||
      !b->om || !b->ol || !b->oalpha ||
      alloc_spat(s))
    return -1;
  for (i = 0; i < b->cap[BUF_K]; i++) b->k[i] = b->zero_row;
  for (i = 0; i < b->cap[BUF_V]; i++) b->v[i] = b->zero_row;
  /* the rows KBUF and VBUF point at stay in memory (memimg.h) */
  mi_pin(s->mi, 0, b->k, b->cap[BUF_K]);
  mi_pin(s->mi, 1, b->v, b->cap[BUF_V]);
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
  s->mech = mech_of(w, cfg->width);
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
  s->mi = mi_new(&s->lay, &s->fx, w, ten, s->mech->appends_cache);
  if (!s->win || !s->mi || alloc_bufs(s) || !s->uq[UNIT_COUNT - 1].slot) {
    err_set(e, ERR_RUN, "out of memory building the accelerator model");
    sim_free(s);
    return NULL;
  }
  for (u = 0; u < UNIT_COUNT; u++) {
    pipe_init(&s->pipe[u]);
    xfer_init(&s->xf[u]);
  }
  s->ox = (opctx_t){.b = &s->b, .lay = &s->lay, .mi = s->mi, .w = w,
                    .mech = s->mech, .ctx = &s->ctx, .qcount = s->qcount,
                    .qof = s->qof, .routing = &s->routing, .layer_rec = -1};
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
  free(s->b.kpool);
  free(s->b.lce_w);
  free(s->b.s);
  free(s->b.o);
  free(s->b.om);
  free(s->b.ol);
  free(s->b.oalpha);
  free_spat(s);
  for (u = 0; u < UNIT_COUNT; u++) free(s->uq[u].slot);
  free(s->win);
  free(s);
}

void sim_attribute_layers(sim_t *s) { s->per_layer = true; }

void sim_on_span(sim_t *s, sim_span_fn fn, void *ctx) {
  s->span = fn;
  s->span_ctx = ctx;
}

void sim_on_state(sim_t *s, sim_state_fn fn, void *ctx) {
  s->state = fn;
  s->state_ctx = ctx;
}

void sim_on_sample(sim_t *s, sim_sample_fn fn, void *ctx) {
  s->sample = fn;
  s->sample_ctx = ctx;
}

void sim_timing_only(sim_t *s) { s->b.data = false; }

void sim_log_decisions(sim_t *s, declog_t *log) { s->sp.log = log; }

const memimg_t *sim_memimg(const sim_t *s) { return s->mi; }

/* ---- dispatch: decode, check and enqueue one instruction ------------- */

/* The buffers an instruction touches (its semantics' decode, sim/op/),
 * after its flags are checked against the ones its opcode takes. */
static int decode_accesses(sim_t *s, slot_t *sl) {
  const op_sem_t *o = op_sem(sl->in.op);
  int rc;
  sl->nacc = 0;
  sl->rmask = sl->wmask = 0;
  if (!op_flags_ok(o, sl->in.d))
    return op_bad(&s->ox, isa_lookup(sl->in.op)->name,
                  "flags not valid for this instruction (got 0x%lx, expected "
                  "those docs/isa.md lists, 0x%lx or less)", sl->in.d, 0xff);
  if ((rc = o->decode ? o->decode(&s->ox, sl) : 0)) return rc;
  if ((sl->rmask & ~o->reads) || (sl->wmask & ~o->writes))
    return err_set(s->e, ERR_RUN, "internal error: %s touches buffers its "
                   "table entry does not list", isa_lookup(sl->in.op)->name);
  return 0;
}

/* A HEAD may be evaluated once no TOPK or TINIT that writes HLIST is
 * still in the window. */
static bool hlist_pending(const sim_t *s) {
  for (int i = 0, j = s->whead; i < s->wn; i++, j = ring_next(j, s->wcap))
    if (s->win[j].state != SLOT_DONE && (s->win[j].wmask & (1u << BUF_HL)))
      return true;
  return false;
}

static bool head_kept(const sim_t *s, int h) {
  if (!s->b.data) return true; /* timing only: no decisions */
  for (int i = 0; i < s->sp.nhl; i++)
    if ((int)s->sp.hlist[i] == h) return true;
  return false;
}

/* Markers: LAYER opens a layer record; HEAD h opens h's code, skipped when
 * h is pruned. Returns 1 when the caller must stop for this cycle (a HEAD
 * waits), 0 when the marker was consumed, else an error status. */
static int marker(sim_t *s, const insn_t *in) {
  if (op_sem(in->op)->cls == OPC_LAYER) {
    int ncs = wl_cases(s->w);
    if (in->a >= ncs || in->b >= s->w->layers)
      return op_bad(&s->ox, "LAYER", "case or layer out of range (got %ld, expected < %ld)",
                 in->a >= ncs ? in->a : in->b,
                 in->a >= ncs ? ncs : s->w->layers);
    int rec = s->ox.layer_rec = st_add_layer(s->st, in->a, in->b);
    if (rec >= 0 && !s->markers) s->st->layers[rec].heads = s->w->heads;
    s->routing = 0;
    s->skipping = false;
    s->ctx.layer = in->b;
    s->ctx.unit = s->w->phase == WL_DECODE && rec >= 0 ? s->st->layers[rec].step
                                                       : in->a;
    s->ctx.head = -1;
    memset(s->qcount, 0, (size_t)s->w->heads * sizeof *s->qcount);
    return 0;
  }
  if (in->a != ISA_HEAD_NONE && in->a >= s->w->heads)
    return op_bad(&s->ox, "HEAD", "head out of range (got %ld, expected < %ld)", in->a,
               s->w->heads);
  if (in->b > 1)
    return op_bad(&s->ox, "HEAD", "resume flag (got %ld, expected <= %ld)", in->b, 1);
  if (in->a != ISA_HEAD_NONE && hlist_pending(s)) {
    s->held = *in;
    s->has_held = true;
    return 1;
  }
  s->has_held = false;
  s->ctx.head = in->a == ISA_HEAD_NONE ? -1 : in->a;
  s->skipping = in->a != ISA_HEAD_NONE && !head_kept(s, in->a);
  if (in->b || in->a == ISA_HEAD_NONE) return 0; /* resumed: counted once */
  s->st->c[s->skipping ? ST_HEADS_PRUNED : ST_HEADS_RUN]++;
  if (!s->skipping && s->ox.layer_rec >= 0) s->st->layers[s->ox.layer_rec].heads++;
  return 0;
}

/* Next instruction: a held HEAD first, then the trace. 1 = got one. */
static int next_insn(sim_t *s, insn_t *in) {
  int r;
  if (s->has_held) {
    *in = s->held;
    return 1;
  }
  r = trr_next(s->tr, in, s->e);
  if (r != 1) { /* 0: end of trace; otherwise a malformed trace */
    s->trace_done = true;
    if (r) s->rc = s->e->status;
  }
  return r;
}

/* Move one executable instruction from the trace into the window.
 * Markers and NOPs are consumed on the way at no cost, and so are the
 * instructions of a pruned head. */
static void dispatch(sim_t *s) {
  insn_t in;
  slot_t *sl;
  int r, si;
  while (!s->trace_done && s->wn < s->wcap) {
    const op_sem_t *o;
    if (next_insn(s, &in) != 1) return;
    o = op_sem(in.op);
    if (o->cls == OPC_NOP) continue;
    if (o->cls != OPC_UNIT) {
      if ((r = marker(s, &in)) == 1) return;
      if (r) {
        s->rc = r;
        s->trace_done = true;
        return;
      }
      continue;
    }
    if (s->skipping) {
      s->st->c[ST_HEAD_SKIPPED]++;
      continue;
    }
    si = (s->whead + s->wn) % s->wcap;
    sl = &s->win[si];
    memset(sl, 0, sizeof *sl);
    sl->in = in;
    sl->seq = s->seq++;
    sl->unit = (uint8_t)isa_lookup(in.op)->unit;
    sl->layer_rec = s->ox.layer_rec;
    sl->ctx = s->ctx;
    sl->ctx.seq = sl->seq;
    if (o->context) o->context(&s->ox, sl);
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

/* Accumulations into the same table (ACC_ADD) commute, so they never
 * order each other; any other pair with a write does. */
static bool overlap(const access_t *a, const access_t *b) {
  return a->buf == b->buf && (a->write || b->write) &&
         !(a->write == ACC_ADD && b->write == ACC_ADD) && a->lo < b->hi &&
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
        return op_sem(y->in.op)->dram_fill ? US_STALL_DRAM : US_STALL_UNIT;
      return US_STALL_BUFFER; /* the rows x would fill are still in use */
    }
  return 0;
}

/* Returns 0 when slot si may start, else the stall reason.
 * Invariant: no unfinished slot older than x->clear_seq conflicts with x.
 * It holds because a slot's accesses never change and finishing only
 * removes conflicts, so each retry resumes where the last scan stopped
 * and checking a window costs O(window) per instruction in all. For the
 * same reason the slot the last scan stopped at, while unfinished, still
 * blocks x, for the reason it gave then (x->why). */
static uint8_t blocked(sim_t *s, int si) {
  slot_t *x = &s->win[si];
  uint64_t head_seq = s->win[s->whead].seq;
  int j = s->whead;
  if (x->clear_seq > head_seq)
    j = (int)((s->whead + (x->clear_seq - head_seq)) % (uint64_t)s->wcap);
  if (x->why && j != si && s->win[j].seq == x->clear_seq &&
      s->win[j].state != SLOT_DONE)
    return x->why;
  for (; j != si; j = ring_next(j, s->wcap)) {
    const slot_t *y = &s->win[j];
    uint8_t why;
    if (y->state == SLOT_DONE || !(why = conflict(x, y))) continue;
    x->clear_seq = y->seq;
    return x->why = why;
  }
  x->why = 0;
  x->clear_seq = x->seq;
  return 0;
}

/* ---- execution ------------------------------------------------------- */

static void complete(sim_t *s, int si);

static bool all_on_chip(const sim_t *s, const slot_t *sl) {
  for (int i = 0; i < sl->nrows; i++)
    if (!xfer_row_on_chip(sl, &s->b, i)) return false;
  return sl->loc.t == LAY_KL;
}

/* Start slot si on unit u: a predicated-off instruction retires at once;
 * a compute instruction executes on data and enters its pipeline; a
 * transfer (its start hook done) issues its requests, unless every row it
 * asks for is on chip already. */
static void start(sim_t *s, int u, int si) {
  slot_t *sl = &s->win[si];
  const op_sem_t *o = op_sem(sl->in.op);
  int rc;
  sl->state = SLOT_RUNNING;
  sl->start = s->now;
  if (op_pred_off(&s->ox, sl)) {
    s->st->c[ST_PRED_SKIPPED]++;
    complete(s, si);
    return;
  }
  s->sp.ctx = sl->ctx;
  s->sp.rule = s->rules[sl->ctx.layer];
  if (!is_xfer(u)) {
    pipe_start(&s->pipe[u], o->cost, o->exec, &s->tm, &s->b, s->st, si,
               &sl->in, s->now);
    if (o->busy_stat != ST_CYCLES) /* its occupancy: free_at - now */
      s->st->c[o->busy_stat] += s->pipe[u].free_at - s->now;
    return;
  }
  if (o->start && (rc = o->start(&s->ox, sl))) {
    s->rc = rc;
    return;
  }
  if (all_on_chip(s, sl)) { /* every low bit asked for is already here */
    complete(s, si);
    return;
  }
  xfer_start(&s->xf[u], s->win, &s->b, si);
}

/* Slot si is done: its semantics' completion (buffers filled), then the
 * window, statistics and the timeline span. */
static void complete(sim_t *s, int si) {
  slot_t *sl = &s->win[si];
  const op_sem_t *o = op_sem(sl->in.op);
  int rc;
  if (o->complete && (rc = o->complete(&s->ox, sl, !op_pred_off(&s->ox, sl))))
    s->rc = rc;
  sl->state = SLOT_DONE;
  s->st->c[ST_INSNS]++;
  if (sl->layer_rec >= 0 && sl->layer_rec < s->st->nlayers)
    s->st->layers[sl->layer_rec].end_cycle = s->now;
  s->last_done = s->now;
  s->progress = true;
  if (s->span) s->span(s->span_ctx, (unit_t)sl->unit, &sl->in, sl->start, s->now);
}

/* Per-layer counters (per_layer runs): what one event (a start, a
 * completion, a request issued) added to the counters goes to the layer
 * record of the instruction it belongs to. Units overlap layers, so time
 * slices could not tell them apart; events can. An event is the window
 * attr_begin .. attr_end; what is counted outside windows goes to no
 * layer. Invariant: snap_ok only while snap equals the counters, so
 * attr_begin copies them only after something was counted outside a
 * window (the caller clears snap_ok there: each wake's start, a failed
 * pop) or a window went to no layer (always, in reference mode). */
static bool sim_ref_mode;

void sim_reference(bool on) { sim_ref_mode = on; }

static void attr_begin(sim_t *s) {
  if (!s->per_layer || (s->snap_ok && !sim_ref_mode)) return;
  memcpy(s->snap, s->st->c, sizeof s->snap);
  s->snap_ok = true;
}

/* to += now - was, then was = now: every counter of one window. */
SIMD_CLONES static void attr_add(uint64_t *restrict to, uint64_t *restrict was,
                                 const uint64_t *restrict now) {
  for (int i = 0; i < ST_COUNT; i++) {
    to[i] += now[i] - was[i];
    was[i] = now[i];
  }
}

static void attr_end(sim_t *s, int rec) {
  if (!s->per_layer) return;
  if (rec < 0 || rec >= s->st->nlayers) s->snap_ok = false;
  else attr_add(s->st->layers[rec].c, s->snap, s->st->c);
}

static void set_state(sim_t *s, int u, uint8_t st) {
  if (s->ustate[u] == st) return;
  s->st->unit[u][s->ustate[u]] += s->now - s->usince[u];
  if (s->state && s->now > s->usince[u])
    s->state(s->state_ctx, (unit_t)u, s->ustate[u], s->usince[u], s->now);
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
  attr_begin(s);
  start(s, u, si);
  attr_end(s, s->win[si].layer_rec);
  q->head = ring_next(q->head, s->wcap);
  q->n--;
  s->progress = true;
  return US_BUSY;
}

static void collect_completions(sim_t *s) {
  mem_req_t r;
  int u, si;
  for (attr_begin(s); s->mem->ops->pop_done(s->mem, s->now, &r); attr_begin(s)) {
    int owner = s->win[r.tag].unit;
    if (xfer_returned(&s->xf[owner], s->win, (int)r.tag)) complete(s, (int)r.tag);
    attr_end(s, s->win[r.tag].layer_rec);
  }
  s->snap_ok = false; /* the failed pop's window is not ended */
  for (u = 0; u < UNIT_COUNT; u++)
    while (!is_xfer(u) && (si = pipe_pop_done(&s->pipe[u], s->now)) >= 0) {
      attr_begin(s);
      complete(s, si);
      attr_end(s, s->win[si].layer_rec);
    }
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
      xfer_t *x = &s->xf[u];
      int r = xfer_quick(x, &s->tm), k = 0;
      while (r == XF_ISSUED) { /* up to fetch.requests_per_cycle requests */
        int rec = x->nissued < x->n ? s->win[x->ops[x->nissued]].layer_rec : -1;
        attr_begin(s);
        r = xfer_issue(x, s->win, &s->b, s->mem, &s->tm, s->st,
                       unit_kinds[u] == UNIT_DMA_OUT,
                       s->now);
        if (r == XF_ISSUED || sim_ref_mode) attr_end(s, rec); /* else it
                                                   counted nothing */
        if (r == XF_ISSUED && ++k >= s->tm.issue_per_cycle) break;
      }
      if (k) s->progress = true;
      if (k) st = US_BUSY;
      else if (r == XF_REFUSED) st = US_STALL_DRAM;
      else if (r != XF_IDLE) st = US_BUSY;
    } else if (s->now < s->pipe[u].free_at) {
      st = US_BUSY;
    }
    set_state(s, u, st);
  }
}

/* The units' first event, then the memory's: it may run ahead to it
 * (mem.h), never past the units' own. */
static uint64_t next_event(const sim_t *s) {
  uint64_t t = UINT64_MAX, p;
  int u;
  for (u = 0; u < UNIT_COUNT; u++)
    if ((p = is_xfer(u) ? xfer_next_event(&s->xf[u], s->now)
                        : pipe_next_event(&s->pipe[u], s->now)) < t)
      t = p;
  p = s->mem->ops->next_event(s->mem, t);
  return p < t ? p : t;
}

static int run_loop(sim_t *s) {
  uint64_t next;
  for (;;) {
    s->progress = false;
    s->snap_ok = false; /* counted since the last wake's events: dispatch,
                           the memory's run-ahead */
    collect_completions(s);
    start_and_issue(s);
    dispatch(s);
    if (s->sample) s->sample(s->sample_ctx, s->now, s->st);
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
  if (s->b.data && wl_data_elems(s->w, s->mech->appends_cache) > WL_MAX_DATA_ELEMS)
    return err_set(e, ERR_BAD_INPUT, "workload too large for a run with data "
                   "(got %lld elements of a tensor kept, expected <= %lld: "
                   "the simulator keeps the outputs, the K/V cache rows it "
                   "writes and a quantized cache's blocks; --timing-only "
                   "has no such limit, or keep fewer layers with --layers)",
                   (long long)wl_data_elems(s->w, s->mech->appends_cache),
                   (long long)WL_MAX_DATA_ELEMS);
  s->st = st;
  s->e = e;
  s->tr = tr;
  s->ox.st = st;
  s->ox.e = e;
  s->ox.tr = tr;
  s->ox.layer_rec = -1;
  s->ctx.head = s->ctx.query = -1;
  s->mem = cfg_dram_is_hbm2(s->cfg)
               ? dram_hbm2_new(s->cfg, s->cfg->clock_ghz, st)
               : dram_simple_new(&s->tm, st);
  if (!s->mem) return err_set(e, ERR_RUN, "out of memory");
  for (u = 0; u < UNIT_COUNT; u++) s->ustate[u] = US_IDLE;
  rc = run_loop(s);
  s->mem->ops->finish(s->mem, s->last_done);
  for (u = 0; u < UNIT_COUNT; u++) { /* close every unit's last state */
    st->unit[u][s->ustate[u]] += s->last_done - s->usince[u];
    if (s->state && s->last_done > s->usince[u])
      s->state(s->state_ctx, (unit_t)u, s->ustate[u], s->usince[u], s->last_done);
  }
  st->c[ST_CYCLES] = s->last_done;
  st->c[ST_SATURATED] += mi_saturated(s->mi);
  return rc;
}

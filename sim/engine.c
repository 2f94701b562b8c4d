#include "engine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dram_hbm2.h"
#include "bfshape.h"
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
  spat_t sp;
  sched_layer_t *rules; /* per layer */
  int *qof;             /* per SBUF entry: the query whose softmax starts
                           there (decision log context only) */
  int *qcount;          /* per head: queries dispatched this layer */
  bool sched_on;        /* the workload has an active schedule */
  bool markers;         /* HEAD markers count the heads (schedule, biformer) */
  int bf_region;        /* BiFormer: routing TOPKs dispatched this layer */
  bool per_layer;       /* attribute counters to layer records (biformer) */
  uint64_t snap[ST_COUNT]; /* the counters before the event being attributed */
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
  /* dispatch context (docs/spatten.md): HEAD markers and pruned heads */
  insn_t held;       /* a HEAD waiting for HLIST */
  bool has_held, skipping;
  dctx_t ctx;
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
  return u == UNIT_FETCH_Q || u == UNIT_FETCH_K || u == UNIT_FETCH_V ||
         u == UNIT_STORE;
}

static bool is_load(uint8_t op) {
  return op == OP_LDQ || op == OP_LDK || op == OP_LDV || op == OP_POOL;
}

static int max_ctx(const wl_t *w) {
  int m = 1;
  for (int cs = 0; cs < w->ncases; cs++)
    if (wl_ctx_tokens(w, cs) > m) m = wl_ctx_tokens(w, cs);
  return m;
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
  s->sched_on = sched_active(s->w, s->cfg->width);
  s->markers = s->sched_on || s->w->kind == WL_BIFORMER;
  s->per_layer = s->w->kind == WL_BIFORMER;
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
  b->row_bytes = s->lay.row_bytes;
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
  b->lce_k = s->w->kind == WL_BIFORMER ? s->w->bf_lce_kernel : 0;
  b->s = calloc((size_t)b->cap[BUF_S], sizeof *b->s);
  b->o = calloc((size_t)b->cap[BUF_O] * d, sizeof *b->o);
  if (!b->q || !b->k || !b->v || !b->s || !b->o || !b->zero_row || !b->kpool ||
      alloc_spat(s))
    return -1;
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
  pipe_init(&s->pipe[UNIT_TOPK], tku_cost, tku_exec);
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
  free(s->b.kpool);
  free(s->b.s);
  free(s->b.o);
  free_spat(s);
  for (u = 0; u < UNIT_COUNT; u++) free(s->uq[u].slot);
  free(s->win);
  free(s);
}

void sim_on_span(sim_t *s, sim_span_fn fn, void *ctx) {
  s->span = fn;
  s->span_ctx = ctx;
}

void sim_timing_only(sim_t *s) { s->b.data = false; }

void sim_log_decisions(sim_t *s, declog_t *log) { s->sp.log = log; }

const memimg_t *sim_memimg(const sim_t *s) { return s->mi; }

/* ---- dispatch: decode, check and enqueue one instruction ------------- */

static void acc_set(slot_t *sl, int buf, int write, int lo, int n) {
  access_t *a = &sl->acc[sl->nacc++];
  a->buf = (uint8_t)buf;
  a->write = (uint8_t)write;
  a->lo = lo;
  a->hi = lo + n;
  if (write) sl->wmask |= (uint16_t)(1u << buf);
  else sl->rmask |= (uint16_t)(1u << buf);
}

/* A trace is input: every range is checked before it is used. */
static int bad(sim_t *s, const char *what, const char *fmt, long got,
               long max) {
  char key[64];
  snprintf(key, sizeof key, "instruction %" PRIu64 " (%s)", s->tr->index - 1,
           what);
  return err_at(s->e, s->tr->name, 0, 0, key, fmt, got, max);
}

/* Record an access to [lo, lo+n) of buf after checking it fits. */
static int use(sim_t *s, slot_t *sl, int buf, int write, long lo, long n) {
  const char *op = isa_lookup(sl->in.op)->name;
  if (n < 1) return bad(s, op, "empty range (got %ld rows, expected >= %ld)", n, 1);
  if (lo + n > s->b.cap[buf])
    return bad(s, op, "buffer range ends past the buffer (got %ld, expected <= %ld)",
               lo + n, s->b.cap[buf]);
  acc_set(sl, buf, write, (int)lo, (int)n);
  return 0;
}

/* The DRAM block an instruction moves rows of: `rows` whole rows of
 * tensor t (or of either key plane for LDK) from addr; a gathered
 * transfer names the block's first row. */
static int check_dram(sim_t *s, slot_t *sl, int rows) {
  static const lay_tensor_t want[] = {[OP_LDQ] = LAY_Q, [OP_LDK] = LAY_K,
                                      [OP_LDV] = LAY_V, [OP_STO] = LAY_O};
  const insn_t *in = &sl->in;
  lay_loc_t *at = &sl->loc;
  lay_tensor_t t = in->op == OP_POOL ? (in->c ? LAY_K : LAY_Q) : want[in->op];
  bool ok = !lay_decode(&s->lay, in->addr, sl->gather ? 1 : rows, at) &&
            (at->t == t || (in->op == OP_LDK && at->t == LAY_KL)) &&
            (!sl->gather || at->row == 0);
  if (!ok)
    return bad(s, isa_lookup(in->op)->name,
               "DRAM address 0x%lx is not %ld whole rows of the tensor this "
               "instruction reads or writes",
               (long)in->addr, rows);
  sl->blk = lay_addr(&s->lay, at->t, at->cs, at->layer, at->head, 0);
  sl->stride = s->lay.stride[at->t];
  sl->rowb = lay_bytes(&s->lay, at->t, at->layer);
  sl->nrows = rows;
  return 0;
}

/* Flags an opcode accepts in d (the predicate register's bits included
 * where PRED or CHECK is allowed). */
static int flags_ok(const insn_t *in) {
  switch (in->op) {
  case OP_LDQ: return in->d <= ISA_GATHER;
  case OP_STO: return in->d <= (ISA_GATHER | ISA_HIMP);
  case OP_LDV: return in->d <= (ISA_GATHER | ISA_VSEL) || in->d == ISA_REGION;
  case OP_LDK:
    return !(in->d & 2) && (in->d & (ISA_GATHER | ISA_REGION)) != 5 &&
           (in->d & 0xF0 ? in->d & ISA_PRED : 1);
  case OP_QK: return (in->d & 0xF0 ? in->d & ISA_PRED : 1);
  case OP_LCE: return in->d <= ISA_ACC;
  case OP_SMAX:
    return !(in->d & 4) && (in->d & 9) != 9 &&
           (in->d & 0xF0 ? in->d & 9 : 1);
  case OP_AV:
    return in->d <= (ISA_ACC | ISA_VSEL | ISA_VIDX) &&
           (!(in->d & ISA_VIDX) || (in->d & ISA_VSEL));
  case OP_TOPK: return in->d <= TOPK_REGIONS;
  case OP_TINIT: return in->d <= 3;
  default: return in->d == 0;
  }
}

static int pred_use(sim_t *s, slot_t *sl) {
  return (sl->in.d & ISA_PRED) ? use(s, sl, BUF_P, 0, ISA_PREG(sl->in.d), 1) : 0;
}

/* A REGION fetch: the block (hence the stage and its region size R) from
 * addr, then rows / R entries of IBUF from c. */
static int region_uses(sim_t *s, slot_t *sl) {
  const insn_t *in = &sl->in;
  bf_geo_t g;
  if (s->w->kind != WL_BIFORMER)
    return bad(s, isa_lookup(in->op)->name, "REGION outside a biformer "
               "workload (got flags %ld, expected %ld)", in->d, ISA_GATHER);
  bf_geo(s->w, sl->loc.cs, &g);
  if (in->b % g.R)
    return bad(s, isa_lookup(in->op)->name, "REGION rows not whole regions "
               "(got %ld rows, expected a multiple of %ld)", in->b, g.R);
  sl->region_rows = g.R;
  return use(s, sl, BUF_I, 0, in->c, in->b / g.R);
}

static int loads(sim_t *s, slot_t *sl) {
  static const int lbuf[] = {[OP_LDQ] = BUF_Q, [OP_LDK] = BUF_K, [OP_LDV] = BUF_V};
  const insn_t *in = &sl->in;
  int rc;
  sl->gather = in->d & (ISA_GATHER | ISA_REGION);
  if (in->b < 1)
    return bad(s, isa_lookup(in->op)->name,
               "empty range (got %ld rows, expected >= %ld)", in->b, 1);
  if ((rc = check_dram(s, sl, in->b))) return rc;
  /* a key's MSBs replace its LSBs too; a refetch writes the LSBs only */
  if (sl->loc.t != LAY_KL && (rc = use(s, sl, lbuf[in->op], 1, in->a, in->b)))
    return rc;
  if (in->op == OP_LDK && (rc = use(s, sl, BUF_KL, 1, in->a, in->b))) return rc;
  if ((rc = pred_use(s, sl))) return rc;
  if (in->d & ISA_REGION) /* whole regions through IBUF[c..] */
    return region_uses(s, sl);
  if (in->op == OP_LDV && (in->d & ISA_VSEL)) {
    if (!sl->gather)
      return bad(s, "LDV", "VSEL without GATHER (got flags %ld, expected %ld)",
                 in->d, ISA_GATHER | ISA_VSEL);
    if ((rc = use(s, sl, BUF_I, 0, in->e, in->b))) return rc;
    rc = use(s, sl, BUF_TL, 0, 0, s->b.cap[BUF_TL]);
  } else if (sl->gather) {
    rc = use(s, sl, BUF_TL, 0, in->c, in->b);
  }
  return rc;
}

static int computes(sim_t *s, slot_t *sl) {
  const insn_t *in = &sl->in;
  long sel = (long)(in->addr & 0xFFFF), seg = (long)(in->addr >> 16);
  switch (in->op) {
  case OP_QK:
    return use(s, sl, BUF_Q, 0, in->a, 1) || use(s, sl, BUF_K, 0, in->b, in->c) ||
           ((in->d & ISA_FULL) && use(s, sl, BUF_KL, 0, in->b, in->c)) ||
           use(s, sl, BUF_S, 1, in->e, in->c) || pred_use(s, sl) ? s->e->status : 0;
  case OP_SMAX:
    if (use(s, sl, BUF_S, 1, in->a, in->b) || pred_use(s, sl) ||
        ((in->d & ISA_IMP) && (use(s, sl, BUF_TL, 0, in->c, in->b) ||
                               use(s, sl, BUF_TI, ACC_ADD, 0, 1))))
      return s->e->status;
    return (in->d & ISA_CHECK) ? use(s, sl, BUF_P, 1, ISA_PREG(in->d), 1) : 0;
  case OP_AV: /* accumulating chunks commute: exact integer sums */
    if (use(s, sl, BUF_O, (in->d & ISA_ACC) ? ACC_ADD : 1, in->a, 1) ||
        use(s, sl, BUF_V, 0, in->b, (in->d & ISA_VIDX) ? seg : in->c))
      return s->e->status;
    if (!(in->d & ISA_VSEL))
      return in->addr ? bad(s, "AV", "sel without VSEL (got %ld, expected %ld)",
                            (long)in->addr, 0)
                      : use(s, sl, BUF_S, 0, in->e, in->c);
    return use(s, sl, BUF_I, 0, sel, in->c) || use(s, sl, BUF_S, 0, in->e, seg)
               ? s->e->status : 0;
  default:
    return 0;
  }
}

/* LCE reads the VBUF rows of its tap box: tap (ty, tx) at vrow + ty tw +
 * tx, the box inside the workload's kernel. */
static int lce_uses(sim_t *s, slot_t *sl) {
  const insn_t *in = &sl->in;
  int k = s->b.lce_k, t0 = ISA_TAP(in->e, 0), t1 = ISA_TAP(in->e, 1);
  int x0 = ISA_TAP(in->e, 2), x1 = ISA_TAP(in->e, 3);
  if (!k || t0 >= t1 || x0 >= x1 || t1 > k || x1 > k || in->c < x1)
    return bad(s, "LCE", "tap box not inside the kernel (got taps 0x%lx, "
               "expected rows and columns below biformer.lce_kernel = %ld "
               "and tw)", in->e, k);
  return use(s, sl, BUF_O, 1, in->a, 1) ||
         use(s, sl, BUF_V, 0, (long)in->b + t0 * in->c + x0,
             (long)(t1 - 1 - t0) * in->c + x1 - x0) ? s->e->status : 0;
}

static int selects(sim_t *s, slot_t *sl) {
  const insn_t *in = &sl->in;
  if (in->op == OP_TINIT)
    return use(s, sl, BUF_TL, 1, 0, in->a ? in->a : 1) ||
           use(s, sl, BUF_HL, 1, 0, in->b ? in->b : 1) ||
           use(s, sl, BUF_TI, 1, 0, 1) || use(s, sl, BUF_HI, 1, 0, 1)
               ? s->e->status : 0;
  if (in->c > in->b)
    return bad(s, "TOPK", "k above n (got %ld, expected <= %ld)", in->c, in->b);
  if (in->d == TOPK_TOKENS)
    return use(s, sl, BUF_TI, 0, 0, 1) || use(s, sl, BUF_TL, 1, 0, in->b)
               ? s->e->status : 0;
  if (in->d == TOPK_HEADS)
    return use(s, sl, BUF_HI, 0, 0, 1) || use(s, sl, BUF_HL, 1, 0, in->b)
               ? s->e->status : 0;
  return use(s, sl, BUF_S, 0, in->e, in->b) ||
         (in->c && use(s, sl, BUF_I, 1, in->a, in->c)) ? s->e->status : 0;
}

static int decode_accesses(sim_t *s, slot_t *sl) {
  const insn_t *in = &sl->in;
  sl->nacc = 0;
  sl->rmask = sl->wmask = 0;
  if (!flags_ok(in))
    return bad(s, isa_lookup(in->op)->name,
               "flags not valid for this instruction (got 0x%lx, expected "
               "those docs/isa.md lists, 0x%lx or less)", in->d, 0xff);
  switch (in->op) {
  case OP_LDQ: case OP_LDK: case OP_LDV:
    return loads(s, sl);
  case OP_POOL:
    if (in->c > 1)
      return bad(s, "POOL", "buf not QBUF or KBUF (got %ld, expected <= %ld)",
                 in->c, 1);
    return use(s, sl, in->c ? BUF_K : BUF_Q, 1, in->a, 1) ||
           check_dram(s, sl, in->b) ? s->e->status : 0;
  case OP_LCE:
    return lce_uses(s, sl);
  case OP_STO:
    sl->gather = in->d & ISA_GATHER;
    if ((in->d & ISA_HIMP) && in->b >= s->w->heads)
      return bad(s, "STO", "head out of range (got %ld, expected < %ld)", in->b,
                 s->w->heads);
    if (!(in->d & ISA_HIMP) && in->b)
      return bad(s, "STO", "head without HIMP (got %ld, expected %ld)", in->b, 0);
    if (use(s, sl, BUF_O, 0, in->a, 1) ||
        (sl->gather && use(s, sl, BUF_TL, 0, in->c, 1)) ||
        ((in->d & ISA_HIMP) && use(s, sl, BUF_HI, ACC_ADD, 0, 1)))
      return s->e->status;
    return check_dram(s, sl, 1);
  case OP_TOPK: case OP_TINIT:
    return selects(s, sl);
  default:
    return computes(s, sl);
  }
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
  if (in->op == OP_LAYER) {
    if (in->a >= s->w->ncases || in->b >= s->w->layers)
      return bad(s, "LAYER", "case or layer out of range (got %ld, expected < %ld)",
                 in->a >= s->w->ncases ? in->a : in->b,
                 in->a >= s->w->ncases ? s->w->ncases : s->w->layers);
    s->layer_rec = st_add_layer(s->st, in->a, in->b);
    if (s->layer_rec >= 0 && !s->markers) s->st->layers[s->layer_rec].heads = s->w->heads;
    s->bf_region = 0;
    s->skipping = false;
    s->ctx.layer = in->b;
    s->ctx.unit = s->w->phase == WL_DECODE && s->layer_rec >= 0
                      ? s->st->layers[s->layer_rec].step : in->a;
    s->ctx.head = -1;
    memset(s->qcount, 0, (size_t)s->w->heads * sizeof *s->qcount);
    return 0;
  }
  if (in->a != ISA_HEAD_NONE && in->a >= s->w->heads)
    return bad(s, "HEAD", "head out of range (got %ld, expected < %ld)", in->a,
               s->w->heads);
  if (in->b > 1)
    return bad(s, "HEAD", "resume flag (got %ld, expected <= %ld)", in->b, 1);
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
  if (!s->skipping && s->layer_rec >= 0) s->st->layers[s->layer_rec].heads++;
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
    if (next_insn(s, &in) != 1) return;
    if (in.op == OP_NOP) continue;
    if (in.op == OP_LAYER || in.op == OP_HEAD) {
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
    if (in.op == OP_SMAX && !(in.d & ISA_PRED)) { /* a query's first softmax */
      s->ctx.query = s->ctx.head >= 0 ? s->qcount[s->ctx.head]++ : -1;
      if (in.a < s->b.cap[BUF_S]) s->qof[in.a] = s->ctx.query;
      if (s->layer_rec >= 0 && in.b > s->st->layers[s->layer_rec].tokens)
        s->st->layers[s->layer_rec].tokens = in.b;
    }
    si = (s->whead + s->wn) % s->wcap;
    sl = &s->win[si];
    memset(sl, 0, sizeof *sl);
    sl->in = in;
    sl->seq = s->seq++;
    sl->unit = (uint8_t)isa_lookup(in.op)->unit;
    sl->layer_rec = s->layer_rec;
    sl->ctx = s->ctx;
    sl->ctx.seq = sl->seq;
    if (in.op == OP_TOPK && in.d == TOPK_VALUES && in.e < s->b.cap[BUF_S])
      sl->ctx.query = s->qof[in.e]; /* the query whose scores these are */
    if (in.op == OP_TOPK && in.d == TOPK_REGIONS) sl->ctx.query = s->bf_region++;
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
 * pointed at the DRAM rows they now hold (gathered rows one by one).
 * Returns -1 when out of memory. */
static int fill_rows(sim_t *s, const slot_t *sl) {
  const int16_t *src, **dst;
  lay_loc_t at = sl->loc;
  int i, d = s->b.d;
  if (sl->in.op == OP_LDQ && !sl->gather)
    return mi_read(s->mi, &at, sl->in.b, s->b.q + (size_t)sl->in.a * (size_t)d);
  dst = (sl->in.op == OP_LDK ? s->b.k : s->b.v) + sl->in.a;
  for (i = 0; i < sl->in.b; i++) {
    at.row = (int)xfer_token(sl, &s->b, i);
    if (sl->in.op == OP_LDQ) {
      if (mi_read(s->mi, &at, 1, s->b.q + (size_t)(sl->in.a + i) * (size_t)d))
        return -1;
    } else {
      if (!(src = mi_rows(s->mi, &at))) return -1;
      dst[i] = src;
    }
  }
  return 0;
}

/* A finished POOL: the rounded mean (bf_mean) of its rows, element by
 * element, into the QBUF row or the KBUF row's pooled storage. */
static int pool_row(sim_t *s, const slot_t *sl) {
  int d = s->b.d, n = sl->in.b;
  int16_t *dst = sl->in.c ? s->b.kpool + (size_t)sl->in.a * (size_t)d
                          : s->b.q + (size_t)sl->in.a * (size_t)d;
  int16_t *src = malloc((size_t)n * (size_t)d * sizeof *src);
  if (!src || mi_read(s->mi, &sl->loc, n, src)) {
    free(src);
    return -1;
  }
  for (int j = 0; j < d; j++) {
    int64_t sum = 0;
    for (int i = 0; i < n; i++) sum += src[(size_t)i * (size_t)d + (size_t)j];
    dst[j] = bf_mean(sum, n);
  }
  free(src);
  if (sl->in.c) s->b.k[sl->in.a] = dst;
  return 0;
}

/* Every gathered row must lie inside its block (the lists are state the
 * trace drives, so a bad trace could point anywhere). */
static bool rows_in_block(const sim_t *s, const slot_t *sl) {
  int n = s->lay.rows[sl->loc.t][sl->loc.cs];
  for (int i = 0; sl->gather && i < sl->nrows; i++) {
    long ti = (sl->in.d & ISA_REGION) ? 0
              : sl->in.op == OP_LDV && (sl->in.d & ISA_VSEL)
                  ? (long)sl->in.c + s->sp.ibuf[sl->in.e + i]
                  : (long)sl->in.c + i;
    if (ti >= s->b.cap[BUF_TL] || (int)xfer_token(sl, &s->b, i) >= n)
      return false;
  }
  return true;
}

/* STO: round the accumulators to the datapath width and write DRAM. */
static int store_row(sim_t *s, slot_t *sl) {
  int16_t row[1024];
  const int64_t *acc = s->b.o + (size_t)sl->in.a * (size_t)s->b.d;
  int i, hi = (1 << (s->cfg->width - 1)) - 1;
  int64_t mag = 0;
  lay_loc_t at = sl->loc;
  s->st->c[ST_OBUF_READ_BYTES] += 4 * (uint64_t)s->b.d;
  s->st->c[ST_QUERIES]++;
  if (!s->b.data) return 0;
  at.row = (int)xfer_token(sl, &s->b, 0);
  for (i = 0; i < s->b.d; i++) {
    row[i] = fx_out(&s->fx, acc[i]);
    s->st->c[ST_SATURATED] += row[i] == hi || row[i] == -hi - 1;
    mag += row[i] < 0 ? -(int64_t)row[i] : row[i];
  }
  if (sl->in.d & ISA_HIMP) s->sp.himp[sl->in.b] += mag; /* head importance */
  return mi_write(s->mi, &at, row);
}

static void complete(sim_t *s, int si);

static bool all_on_chip(const sim_t *s, const slot_t *sl) {
  for (int i = 0; i < sl->nrows; i++)
    if (!xfer_row_on_chip(sl, &s->b, i)) return false;
  return sl->loc.t == LAY_KL;
}

/* KBUF rows written by a key load: low bits present (KL plane) or not. */
static void mark_key_rows(sim_t *s, const slot_t *sl) {
  for (int i = 0; i < sl->in.b; i++)
    s->sp.kfull[sl->in.a + i] =
        sl->loc.t == LAY_KL ? xfer_token(sl, &s->b, i) + 1 : 0;
}

static void start(sim_t *s, int u, int si) {
  slot_t *sl = &s->win[si];
  sl->state = SLOT_RUNNING;
  sl->start = s->now;
  if ((sl->in.d & ISA_PRED) && sl->in.op != OP_AV &&
      !s->sp.preg[ISA_PREG(sl->in.d)]) { /* predicated off: retire now */
    s->st->c[ST_PRED_SKIPPED]++;
    complete(s, si);
    return;
  }
  s->sp.ctx = sl->ctx;
  s->sp.rule = s->rules[sl->ctx.layer];
  if (!is_xfer(u)) {
    pipe_start(&s->pipe[u], &s->tm, &s->b, s->st, si, &sl->in, s->now);
    return;
  }
  if (s->b.data && !rows_in_block(s, sl)) {
    s->rc = err_set(s->e, ERR_RUN, "instruction %" PRIu64 " (%s) gathers a "
                    "row outside its DRAM block", sl->seq,
                    isa_lookup(sl->in.op)->name);
    return;
  }
  if (sl->in.op == OP_STO && store_row(s, sl))
    s->rc = err_set(s->e, ERR_RUN, "out of memory storing outputs");
  if (all_on_chip(s, sl)) { /* every low bit asked for is already here */
    complete(s, si);
    return;
  }
  xfer_start(&s->xf[u], s->win, &s->b, si);
}

static void complete(sim_t *s, int si) {
  slot_t *sl = &s->win[si];
  if (sl->in.op == OP_LDK && sl->state == SLOT_RUNNING &&
      !((sl->in.d & ISA_PRED) && !s->sp.preg[ISA_PREG(sl->in.d)]))
    mark_key_rows(s, sl);
  if (sl->in.op == OP_POOL) {
    if (s->b.data && pool_row(s, sl))
      s->rc = err_set(s->e, ERR_RUN, "out of memory reading tensors");
    s->st->c[sl->in.c ? ST_KBUF_WRITE_BYTES : ST_QBUF_WRITE_BYTES] +=
        (uint64_t)s->b.row_bytes;
  } else if (is_load(sl->in.op)) {
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

/* Per-layer counters (per_layer runs): what one event (a start, a
 * completion, a request issued) added to the counters goes to the layer
 * record of the instruction it belongs to. Units overlap layers, so time
 * slices could not tell them apart; events can. */
static void attr_begin(sim_t *s) {
  if (s->per_layer) memcpy(s->snap, s->st->c, sizeof s->snap);
}

static void attr_end(sim_t *s, int rec) {
  if (!s->per_layer || rec < 0 || rec >= s->st->nlayers) return;
  for (int i = 0; i < ST_COUNT; i++)
    s->st->layers[rec].c[i] += s->st->c[i] - s->snap[i];
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
      int r, k = 0;
      do { /* up to fetch.requests_per_cycle requests */
        int rec = x->nissued < x->n ? s->win[x->ops[x->nissued]].layer_rec : -1;
        attr_begin(s);
        r = xfer_issue(x, s->win, &s->b, s->mem, &s->tm, s->st, u == UNIT_STORE,
                       s->now);
        attr_end(s, rec);
      } while (r == XF_ISSUED && ++k < s->tm.issue_per_cycle);
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

static uint64_t next_event(const sim_t *s) {
  uint64_t t = s->mem->ops->next_event(s->mem), p;
  int u;
  for (u = 0; u < UNIT_COUNT; u++)
    if (!is_xfer(u) && (p = pipe_next_event(&s->pipe[u], s->now)) < t) t = p;
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
  s->ctx.head = s->ctx.query = -1;
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

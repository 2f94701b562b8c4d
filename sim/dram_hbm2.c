/* dram_hbm2.c - the bank-level HBM2 model (see dram_hbm2.h).
 *
 * One channel's cycle (dh_tick), in this order:
 *   1. one transaction moves from the transaction queue to its bank's
 *      command queue (the oldest whose bank queue has room; if none has,
 *      the move is tried again after step 4, into a slot a column command
 *      freed: still at most one move per cycle);
 *   2. ranks whose refresh is due stop taking new work (refresh pending),
 *      and a ready refresh command (PRE of an open bank, then REF) takes
 *      the row bus;
 *   3. the column bus issues the oldest ready row hit (RD or WR) of a bank
 *      whose rank is not refreshing;
 *   4. the row bus, if step 2 left it free (and, without
 *      dram.dual_command, only when step 3 issued nothing), issues the
 *      oldest ready ACT (closed bank) or PRE (a miss at the head of its
 *      queue, no hits queued or the row-hit limit reached).
 * "Ready" means now >= the earliest cycle the bank, its bank group and its
 * rank allow (and the rank's tFAW window). Each tick also works out the
 * next cycle anything can become ready, and the channel sleeps until then,
 * so idle cycles cost nothing.
 *
 * Storage is allocated once in dram_hbm2_new: per channel a pool of
 * transactions on doubly linked FIFO lists (free, transaction queue, one
 * per bank), the request records and a binary heap of completed requests
 * ordered by (done, push order). Nothing is allocated afterwards.
 */
#include "dram_hbm2.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { DH_ACT, DH_PRE, DH_RD, DH_WR, DH_REF, DH_NCMD };
/* Who a command constrains: its own bank, the other banks of its bank
 * group, the other groups of its rank, the other ranks of its channel.
 * Delays are hierarchical (a bank also obeys its group's and rank's). */
enum { DH_BANK, DH_GROUP, DH_RANK, DH_OTHER, DH_NSCOPE };

typedef struct dh_ent { /* one burst-sized transaction */
  uint64_t seq;         /* arrival order within the channel (FR-FCFS age) */
  uint32_t row;
  uint16_t bank;        /* flat: (rank * groups + group) * banks + bank */
  uint8_t write;
  int32_t req;          /* its request record */
  int32_t prev, next;   /* links in its list */
} dh_ent_t;

typedef struct dh_list {
  int32_t head, tail;
  int n;
} dh_list_t;

/* The fields a scan reads come first; head_* and hit_* copy the queue
 * head's and the oldest hit's fields so a scan never touches the pool. */
typedef struct dh_bank {
  uint64_t next[DH_NCMD]; /* earliest issue cycle, from its own commands */
  uint64_t head_seq;      /* the queue head's arrival order */
  uint64_t hit_seq;       /* the oldest hit's arrival order */
  int64_t open_row;       /* -1 when precharged */
  uint32_t head_row;      /* the queue head's row */
  int32_t hit;            /* oldest queued transaction for open_row, -1 */
  uint8_t hit_write;      /* the oldest hit is a write */
  int hits;               /* queued transactions for open_row */
  int served;             /* column commands since the activate */
  uint64_t wait_seq;      /* the oldest waiting transaction's arrival order */
  dh_list_t wait;         /* its transactions still in the transaction queue */
  dh_list_t q;            /* command queue, arrival order */
} dh_bank_t;

typedef struct dh_rank {
  uint64_t next[DH_NCMD]; /* earliest issue cycle for any bank of the rank */
  uint64_t faw[4];        /* the last four activates, a ring */
  int nfaw, faw_i;
  uint64_t ref_due;       /* cycle the next refresh becomes due */
  bool ref_pending;       /* due: no new work until REF issues */
  uint64_t open;          /* banks (flat bits) with a row open */
  uint64_t mask;          /* all banks of the rank (flat bits) */
  uint64_t since;         /* cycle the rank last changed standby state */
} dh_rank_t;

typedef struct dh_chan {
  dh_bank_t *bank;            /* nbanks */
  uint64_t (*group)[DH_NCMD]; /* per (rank, group): earliest issue cycle */
  dh_rank_t *rank;
  dh_ent_t *ent;              /* the pool */
  dh_list_t free;             /* free entries */
  int tqn;                    /* transaction queue occupancy: the
                                 channel's transactions are kept per bank
                                 (dh_bank_t.wait), in arrival order */
  int queued;                 /* entries not free */
  uint64_t busy;              /* banks with a non-empty command queue */
  uint64_t full;              /* banks whose command queue is full */
  uint64_t waiting;           /* banks with transactions in the queue */
  uint64_t blocked;           /* banks of ranks with a refresh pending */
  uint64_t wake;              /* the next cycle dh_tick must run */
  uint64_t seq;
} dh_chan_t;

typedef struct dh_req {
  mem_req_t r;     /* as pushed (times in host cycles) */
  uint64_t seq;    /* push order: completion tie-break */
  uint64_t done;   /* DRAM cycle its latest burst finished */
  int left;        /* bursts not yet issued */
  int32_t next;    /* free list link */
} dh_req_t;

typedef struct dh {
  mem_t base;
  stats_t *st;
  /* geometry and timing, derived once */
  int nch, nranks, ngroups, nbanks_g, nbanks; /* nbanks per channel */
  int rank_shift, group_shift; /* flat bank index >> shift: rank, group */
  int burst_shift, bc, cl, cwl, tfaw, trefi, hit_limit, cmdq, tqd;
  bool dual;
  int fshift[CFG_MAP_FIELDS];      /* address field f: (b >> shift) & mask */
  uint64_t fmask[CFG_MAP_FIELDS];
  /* per command, the delays it imposes: (scope, command, cycles), zeros
   * left out, so recording a command touches only what it constrains */
  struct dh_delay {
    uint8_t scope, to;
    uint32_t cycles;
  } dl[DH_NCMD][DH_NSCOPE * DH_NCMD];
  int ndl[DH_NCMD];
  uint32_t d[DH_NCMD][DH_NSCOPE][DH_NCMD]; /* delay tables, cycles */
  /* clocks */
  bool same_clock;
  double ratio;       /* DRAM cycles per host cycle */
  uint64_t clk;       /* DRAM cycles before clk are simulated */
  uint64_t host_now;  /* latest host cycle given to the port */
  /* state */
  dh_chan_t *ch;
  dh_req_t *req;
  int32_t req_free;
  struct dh_done {    /* completed requests, a min-heap on (done, seq) */
    uint64_t done, seq;
    int32_t req;
  } *heap;
  int nheap;
  int inflight;       /* requests pushed and not yet popped */
  uint64_t seq;
  int *count;         /* per channel scratch for can_accept */
} dh_t;

static uint64_t umax(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t umin(uint64_t a, uint64_t b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static int ilog2(int64_t x) {
  int n = 0;
  while (((int64_t)1 << n) < x) n++;
  return n;
}

double dram_clock_ghz(const cfg_t *c) { return c->dram_gbps_per_pin / 2; }

int dram_burst_cycles(const cfg_t *c) {
  return c->dram_burst_bytes * 8 / (2 * c->dram_bus_bits);
}

/* ---- derived once: the delay tables ---------------------------------- */

/* The non-zero delays of each command as a list (other ranks only when
 * there are several). */
static void dh_lists(dh_t *m) {
  int f, sc, to;
  for (f = 0; f < DH_NCMD; f++) {
    m->ndl[f] = 0;
    for (sc = 0; sc < DH_NSCOPE; sc++)
      for (to = 0; to < DH_NCMD; to++) {
        struct dh_delay *x = &m->dl[f][m->ndl[f]];
        if (!m->d[f][sc][to] || (sc == DH_OTHER && m->nranks == 1)) continue;
        x->scope = (uint8_t)sc, x->to = (uint8_t)to, x->cycles = m->d[f][sc][to];
        m->ndl[f]++;
      }
  }
}

/* Set d[from][scope][to] for the JEDEC constraints, then make them
 * hierarchical: a bank obeys its group's delays, a group its rank's. */
static void dh_tables(dh_t *m, const cfg_t *c) {
  const struct cfg_dram_timing *t = &c->dram_tm;
  int bc = m->bc, f, to;
  int rd2wr = imax(1, t->cl + bc + t->trtrs - t->cwl);
  int wr_end = t->cwl + bc; /* write command to the end of its data */
  uint32_t(*d)[DH_NSCOPE][DH_NCMD] = m->d;
  memset(m->d, 0, sizeof m->d);
  d[DH_ACT][DH_BANK][DH_ACT] = (uint32_t)t->trc;
  d[DH_ACT][DH_BANK][DH_RD] = d[DH_ACT][DH_BANK][DH_WR] = (uint32_t)t->trcd;
  d[DH_ACT][DH_BANK][DH_PRE] = (uint32_t)t->tras;
  d[DH_ACT][DH_GROUP][DH_ACT] = (uint32_t)t->trrd_l;
  d[DH_ACT][DH_RANK][DH_ACT] = (uint32_t)t->trrd_s;
  d[DH_PRE][DH_BANK][DH_ACT] = (uint32_t)t->trp;
  d[DH_PRE][DH_RANK][DH_REF] = (uint32_t)t->trp;
  d[DH_RD][DH_GROUP][DH_RD] = (uint32_t)imax(bc, t->tccd_l);
  d[DH_RD][DH_RANK][DH_RD] = (uint32_t)imax(bc, t->tccd_s);
  d[DH_RD][DH_OTHER][DH_RD] = (uint32_t)(bc + t->trtrs);
  d[DH_RD][DH_RANK][DH_WR] = d[DH_RD][DH_OTHER][DH_WR] = (uint32_t)rd2wr;
  d[DH_RD][DH_BANK][DH_PRE] = (uint32_t)t->trtp;
  d[DH_WR][DH_BANK][DH_PRE] = (uint32_t)(wr_end + t->twr);
  d[DH_WR][DH_GROUP][DH_RD] = (uint32_t)(wr_end + t->twtr_l);
  d[DH_WR][DH_RANK][DH_RD] = (uint32_t)(wr_end + t->twtr_s);
  d[DH_WR][DH_OTHER][DH_RD] = (uint32_t)imax(1, wr_end + t->trtrs - t->cl);
  d[DH_WR][DH_GROUP][DH_WR] = (uint32_t)imax(bc, t->tccd_l);
  d[DH_WR][DH_RANK][DH_WR] = (uint32_t)imax(bc, t->tccd_s);
  d[DH_WR][DH_OTHER][DH_WR] = (uint32_t)(bc + t->trtrs);
  d[DH_REF][DH_RANK][DH_ACT] = d[DH_REF][DH_RANK][DH_REF] = (uint32_t)t->trfc;
  for (f = 0; f < DH_NCMD; f++)
    for (to = 0; to < DH_NCMD; to++) {
      if (d[f][DH_GROUP][to] < d[f][DH_RANK][to])
        d[f][DH_GROUP][to] = d[f][DH_RANK][to];
      if (d[f][DH_BANK][to] < d[f][DH_GROUP][to])
        d[f][DH_BANK][to] = d[f][DH_GROUP][to];
    }
  dh_lists(m);
}

/* Bit position and width of each address field, from the mapping string
 * (cfg_load has checked it). */
static void dh_mapping(dh_t *m, const cfg_t *c) {
  cfg_map_field_t order[CFG_MAP_FIELDS];
  char why[256];
  int width[CFG_MAP_FIELDS], i, pos = 0;
  width[CFG_MAP_COLUMN] = ilog2(c->dram_row_bytes / c->dram_burst_bytes);
  width[CFG_MAP_CHANNEL] = ilog2(c->dram_channels);
  width[CFG_MAP_BANK] = ilog2(c->dram_banks_per_group);
  width[CFG_MAP_BANKGROUP] = ilog2(c->dram_bankgroups);
  width[CFG_MAP_RANK] = ilog2(c->dram_ranks);
  width[CFG_MAP_ROW] = ilog2(c->dram_rows);
  if (cfg_map_parse(c->dram_address_mapping, order, why, sizeof why))
    abort(); /* cfg_load refuses such a config */
  for (i = 0; i < CFG_MAP_FIELDS; i++) {
    m->fshift[order[i]] = pos;
    m->fmask[order[i]] = ((uint64_t)1 << width[order[i]]) - 1;
    pos += width[order[i]];
  }
}

/* One field of burst index b. */
static uint32_t dh_field(const dh_t *m, uint64_t b, cfg_map_field_t f) {
  return (uint32_t)((b >> m->fshift[f]) & m->fmask[f]);
}

/* ---- clocks ------------------------------------------------------------ */

/* The first DRAM cycle at or after host cycle h. */
static uint64_t dh_dram(const dh_t *m, uint64_t h) {
  return m->same_clock ? h : (uint64_t)ceil((double)h * m->ratio - 1e-9);
}
/* The first host cycle at or after DRAM cycle d. */
static uint64_t dh_host(const dh_t *m, uint64_t d) {
  return m->same_clock ? d : (uint64_t)ceil((double)d / m->ratio - 1e-9);
}
/* The first host cycle that starts after DRAM cycle t (sees its tick). */
static uint64_t dh_after(const dh_t *m, uint64_t t) {
  return m->same_clock ? t + 1
                       : (uint64_t)floor((double)t / m->ratio + 1e-9) + 1;
}

/* ---- lists ------------------------------------------------------------- */

static void dl_init(dh_list_t *l) {
  l->head = l->tail = -1;
  l->n = 0;
}

static void dl_append(dh_ent_t *pool, dh_list_t *l, int32_t i) {
  pool[i].next = -1;
  pool[i].prev = l->tail;
  if (l->tail >= 0) pool[l->tail].next = i;
  else l->head = i;
  l->tail = i;
  l->n++;
}

static void dl_remove(dh_ent_t *pool, dh_list_t *l, int32_t i) {
  if (pool[i].prev >= 0) pool[pool[i].prev].next = pool[i].next;
  else l->head = pool[i].next;
  if (pool[i].next >= 0) pool[pool[i].next].prev = pool[i].prev;
  else l->tail = pool[i].prev;
  l->n--;
}

/* ---- completions: a heap of request records --------------------------- */

/* Heap entries carry their keys, so sifting never touches the records. */
typedef struct dh_done dh_done_t;

static bool dh_before(const dh_done_t *x, const dh_done_t *y) {
  return x->done < y->done || (x->done == y->done && x->seq < y->seq);
}

static void dh_heap_push(dh_t *m, int32_t r) {
  dh_done_t it = {m->req[r].done, m->req[r].seq, r};
  int i = m->nheap++;
  while (i > 0 && dh_before(&it, &m->heap[(i - 1) / 2])) {
    m->heap[i] = m->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  m->heap[i] = it;
}

static void dh_heap_pop(dh_t *m) {
  dh_done_t last = m->heap[--m->nheap];
  int i = 0, n = m->nheap;
  for (;;) {
    int k = 2 * i + 1;
    if (k >= n) break;
    if (k + 1 < n && dh_before(&m->heap[k + 1], &m->heap[k])) k++;
    if (!dh_before(&m->heap[k], &last)) break;
    m->heap[i] = m->heap[k];
    i = k;
  }
  if (n) m->heap[i] = last;
}

/* ---- command issue ------------------------------------------------------ */

/* Every count is a power of two, so a flat bank index splits by shifts. */
static int dh_rank_of(const dh_t *m, int fb) { return fb >> m->rank_shift; }
static int dh_group_of(const dh_t *m, int fb) { return fb >> m->group_shift; }

/* Earliest cycle command cmd may issue to bank fb (ignoring tFAW). */
static uint64_t dh_earliest(const dh_t *m, const dh_chan_t *c, int cmd, int fb) {
  return umax(c->bank[fb].next[cmd],
              umax(c->group[dh_group_of(m, fb)][cmd],
                   c->rank[dh_rank_of(m, fb)].next[cmd]));
}

/* Earliest activate of rank r allowed by tFAW. */
static uint64_t dh_faw(const dh_t *m, const dh_rank_t *r) {
  return r->nfaw < 4 ? 0 : r->faw[r->faw_i] + (uint64_t)m->tfaw;
}

/* Record that command cmd issued to bank fb at t in every table it
 * constrains (its delay list). */
static void dh_apply(dh_t *m, dh_chan_t *c, int cmd, int fb, uint64_t t) {
  int rk = dh_rank_of(m, fb), r, k;
  uint64_t *tab[DH_NSCOPE];
  tab[DH_BANK] = c->bank[fb].next;
  tab[DH_GROUP] = c->group[dh_group_of(m, fb)];
  tab[DH_RANK] = c->rank[rk].next;
  for (k = 0; k < m->ndl[cmd]; k++) {
    const struct dh_delay *x = &m->dl[cmd][k];
    uint64_t at = t + x->cycles;
    if (x->scope != DH_OTHER) {
      tab[x->scope][x->to] = umax(tab[x->scope][x->to], at);
      continue;
    }
    for (r = 0; r < m->nranks; r++)
      if (r != rk) c->rank[r].next[x->to] = umax(c->rank[r].next[x->to], at);
  }
}

/* Standby residency: the rank leaves, at t, the state it has been in
 * since r->since (a row open when was_open, else all banks precharged). */
static void dh_standby(dh_t *m, dh_rank_t *r, bool was_open, uint64_t t) {
  m->st->c[was_open ? ST_DRAM_ACT_STANDBY : ST_DRAM_PRE_STANDBY] += t - r->since;
  r->since = t;
}

/* b->hit := i (or -1), with its cached fields. */
static void dh_set_hit(const dh_chan_t *c, dh_bank_t *b, int32_t i) {
  b->hit = i;
  if (i < 0) return;
  b->hit_seq = c->ent[i].seq;
  b->hit_write = c->ent[i].write;
}

/* The oldest queued transaction of bank b for its open row, from i on. */
static void dh_find_hit(const dh_chan_t *c, dh_bank_t *b, int32_t i) {
  for (; i >= 0; i = c->ent[i].next)
    if (c->ent[i].row == b->open_row) break;
  dh_set_hit(c, b, i);
}

/* Refresh the cached head fields after the queue changed. */
static void dh_sync_head(const dh_chan_t *c, dh_bank_t *b) {
  if (b->q.head < 0) return;
  b->head_seq = c->ent[b->q.head].seq;
  b->head_row = c->ent[b->q.head].row;
}

static void dh_activate(dh_t *m, dh_chan_t *c, int fb, uint64_t t) {
  dh_bank_t *b = &c->bank[fb];
  dh_rank_t *r = &c->rank[dh_rank_of(m, fb)];
  int32_t i;
  dh_apply(m, c, DH_ACT, fb, t);
  if (!r->open) dh_standby(m, r, false, t);
  r->open |= (uint64_t)1 << fb;
  r->faw[r->faw_i] = t; /* overwrites the oldest of the last four */
  r->faw_i = (r->faw_i + 1) & 3;
  r->nfaw += r->nfaw < 4;
  b->open_row = b->head_row;
  b->served = 0;
  b->hits = 0;
  for (i = b->q.head; i >= 0; i = c->ent[i].next)
    b->hits += c->ent[i].row == b->open_row;
  dh_find_hit(c, b, b->q.head);
  m->st->c[ST_DRAM_ACTIVATES]++;
}

static void dh_precharge(dh_t *m, dh_chan_t *c, int fb, uint64_t t) {
  dh_bank_t *b = &c->bank[fb];
  dh_rank_t *r = &c->rank[dh_rank_of(m, fb)];
  dh_apply(m, c, DH_PRE, fb, t);
  r->open &= ~((uint64_t)1 << fb);
  if (!r->open) dh_standby(m, r, true, t);
  b->open_row = -1;
  b->hit = -1;
  b->hits = 0;
  m->st->c[ST_DRAM_PRECHARGES]++;
}

static void dh_refresh(dh_t *m, dh_chan_t *c, int rk, uint64_t t) {
  dh_rank_t *r = &c->rank[rk];
  dh_apply(m, c, DH_REF, rk * m->ngroups * m->nbanks_g, t);
  r->ref_pending = false;
  r->ref_due += (uint64_t)m->trefi;
  c->blocked &= ~r->mask;
  m->st->c[ST_DRAM_REFRESHES]++;
}

/* RD or WR of transaction i (bank b's oldest hit): its burst finishes
 * CL (CWL) + burst cycles later; the request completes with its last. */
static void dh_column(dh_t *m, dh_chan_t *c, int32_t i, uint64_t t) {
  dh_ent_t *e = &c->ent[i];
  dh_bank_t *b = &c->bank[e->bank];
  dh_req_t *q = &m->req[e->req];
  int32_t after = e->next;
  dh_apply(m, c, e->write ? DH_WR : DH_RD, e->bank, t);
  m->st->c[e->write ? ST_DRAM_WRITE_BURSTS : ST_DRAM_READ_BURSTS]++;
  m->st->c[ST_DRAM_ROW_HITS] += b->served > 0;
  b->served++;
  b->hits--;
  dl_remove(c->ent, &b->q, i);
  dh_sync_head(c, b);
  dh_find_hit(c, b, after);
  c->full &= ~((uint64_t)1 << e->bank);
  if (!b->q.n) c->busy &= ~((uint64_t)1 << e->bank);
  q->done = umax(q->done, t + (uint64_t)(e->write ? m->cwl : m->cl) + (uint64_t)m->bc);
  if (!--q->left) dh_heap_push(m, e->req);
  dl_append(c->ent, &c->free, i);
  c->queued--;
}

/* ---- one channel cycle ------------------------------------------------- */

/* Lowest set bit index of a non-zero mask. */
static int dh_ctz(uint64_t x) { return __builtin_ctzll(x); }

/* Step 1: the oldest transaction whose bank queue has room moves there.
 * The transaction queue is kept as one arrival-ordered list per bank, so
 * the oldest movable one is the oldest head among the banks that have
 * waiting transactions and room. Returns its bank, or -1 when none moved. */
static int dh_move(const dh_t *m, dh_chan_t *c) {
  uint64_t w = c->waiting & ~c->full, best_seq = UINT64_MAX, bit;
  int fb = -1;
  dh_bank_t *b;
  int32_t i;
  for (; w; w &= w - 1)
    if (c->bank[dh_ctz(w)].wait_seq < best_seq)
      fb = dh_ctz(w), best_seq = c->bank[fb].wait_seq;
  if (fb < 0) return -1;
  b = &c->bank[fb];
  bit = (uint64_t)1 << fb;
  i = b->wait.head;
  dl_remove(c->ent, &b->wait, i);
  if (b->wait.n) b->wait_seq = c->ent[b->wait.head].seq;
  else c->waiting &= ~bit;
  c->tqn--;
  dl_append(c->ent, &b->q, i);
  if (b->q.n == m->cmdq) c->full |= bit;
  if (b->q.n == 1) dh_sync_head(c, b);
  c->busy |= bit;
  if (b->open_row >= 0 && c->ent[i].row == b->open_row) {
    b->hits++;
    if (b->hit < 0) dh_set_hit(c, b, i);
  }
  return fb;
}

/* The row command bank fb wants for its queue head (DH_NCMD: none), and
 * the earliest cycle it may issue: ACT when precharged; PRE when the head
 * misses the open row and no hit is queued or the hit limit is reached. */
static int dh_row_want(const dh_t *m, const dh_chan_t *c, int fb,
                       uint64_t *at) {
  const dh_bank_t *b = &c->bank[fb];
  if (b->open_row < 0) {
    *at = umax(dh_earliest(m, c, DH_ACT, fb),
               dh_faw(m, &c->rank[dh_rank_of(m, fb)]));
    return DH_ACT;
  }
  if (b->head_row == b->open_row || (b->hits && b->served < m->hit_limit))
    return DH_NCMD;
  *at = dh_earliest(m, c, DH_PRE, fb);
  return DH_PRE;
}

/* Earliest cycle of bank fb's oldest hit (UINT64_MAX when it has none). */
static uint64_t dh_col_at(const dh_t *m, const dh_chan_t *c, int fb) {
  const dh_bank_t *b = &c->bank[fb];
  if (b->hit < 0) return UINT64_MAX;
  return dh_earliest(m, c, b->hit_write ? DH_WR : DH_RD, fb);
}

/* Earliest cycle of any command bank fb wants (UINT64_MAX: none). */
static uint64_t dh_bank_at(const dh_t *m, const dh_chan_t *c, int fb) {
  uint64_t at = dh_col_at(m, c, fb), row;
  if (c->bank[fb].q.n && dh_row_want(m, c, fb, &row) != DH_NCMD)
    at = umin(at, row);
  return at;
}

/* A refresh's next command for rank r: PRE of an open bank or the REF.
 * Returns the earliest cycle; *fb is the bank (-1 for the REF). */
static uint64_t dh_ref_want(const dh_t *m, const dh_chan_t *c, int r, int *fb) {
  uint64_t w = c->rank[r].open, best = UINT64_MAX;
  *fb = -1;
  if (!w) return c->rank[r].next[DH_REF];
  for (; w; w &= w - 1) {
    int b = dh_ctz(w);
    uint64_t at = dh_earliest(m, c, DH_PRE, b);
    if (at < best) best = at, *fb = b;
  }
  return best;
}

/* Steps 1 and 4a: ranks whose refresh is due stop taking new work; a
 * ready refresh command takes the row bus. Returns true if one issued;
 * *wake: the earliest refresh event not issued. */
static bool dh_refresh_step(dh_t *m, dh_chan_t *c, uint64_t t,
                            uint64_t *wake) {
  bool issued = false;
  int r, fb;
  for (r = 0; r < m->nranks; r++) {
    dh_rank_t *rk = &c->rank[r];
    uint64_t at;
    if (!rk->ref_pending && t >= rk->ref_due) {
      rk->ref_pending = true;
      c->blocked |= rk->mask;
    }
    if (!rk->ref_pending) {
      *wake = umin(*wake, rk->ref_due);
      continue;
    }
    at = dh_ref_want(m, c, r, &fb);
    if (issued || at > t) {
      *wake = umin(*wake, at);
      continue;
    }
    if (fb < 0) dh_refresh(m, c, r, t);
    else dh_precharge(m, c, fb, t);
    issued = true;
    *wake = umin(*wake, t + 1); /* the next PRE or the REF */
  }
  return issued;
}

/* What one scan of the banks found. */
typedef struct dh_pick {
  int32_t col;          /* the oldest ready hit, -1 */
  int row_bank, row_cmd;/* the oldest ready ACT or PRE, -1 */
  uint64_t col_seq, row_seq;
  int nready;           /* ready candidates in all (losers wake at t+1) */
  uint64_t wake;        /* earliest candidate not ready at t */
} dh_pick_t;

/* Offer bank fb's column command (its oldest hit) to the pick. */
static void dh_offer_col(const dh_t *m, const dh_chan_t *c, int fb, uint64_t t,
                         dh_pick_t *p) {
  const dh_bank_t *b = &c->bank[fb];
  uint64_t at;
  if (b->hit < 0) return;
  at = dh_earliest(m, c, b->hit_write ? DH_WR : DH_RD, fb);
  if (at > t) p->wake = umin(p->wake, at);
  else if (p->nready++, b->hit_seq < p->col_seq)
    p->col = b->hit, p->col_seq = b->hit_seq;
}

/* Offer bank fb's row command, if it wants one, to the pick. */
static void dh_offer_row(const dh_t *m, const dh_chan_t *c, int fb, uint64_t t,
                         dh_pick_t *p) {
  uint64_t at, seq = c->bank[fb].head_seq;
  int cmd = dh_row_want(m, c, fb, &at);
  if (cmd == DH_NCMD) return;
  if (at > t) p->wake = umin(p->wake, at);
  else if (p->nready++, seq < p->row_seq)
    p->row_bank = fb, p->row_cmd = cmd, p->row_seq = seq;
}

/* Steps 3 and 4, choosing: FR-FCFS on each bus (ready first, then oldest)
 * over the banks with work whose rank is not refreshing. A rank-wide bound
 * (tRRD_S, tFAW, tRFC for activates) that is still in the future rules out
 * every precharged bank of the rank at once; open banks are looked at one
 * by one (their hits and misses). */
static void dh_scan(const dh_t *m, const dh_chan_t *c, uint64_t t,
                    dh_pick_t *p) {
  uint64_t work = c->busy & ~c->blocked, w;
  int r;
  p->col = -1, p->row_bank = -1, p->row_cmd = DH_NCMD;
  p->col_seq = p->row_seq = p->wake = UINT64_MAX;
  p->nready = 0;
  for (r = 0; work && r < m->nranks; r++) {
    const dh_rank_t *rk = &c->rank[r];
    uint64_t mine = work & rk->mask, gate;
    if (!mine) continue;
    work &= ~rk->mask;
    for (w = mine & rk->open; w; w &= w - 1) {
      dh_offer_col(m, c, dh_ctz(w), t, p);
      dh_offer_row(m, c, dh_ctz(w), t, p);
    }
    if (!(w = mine & ~rk->open)) continue;
    gate = umax(rk->next[DH_ACT], dh_faw(m, rk));
    if (gate > t) p->wake = umin(p->wake, gate);
    else
      for (; w; w &= w - 1) dh_offer_row(m, c, dh_ctz(w), t, p);
  }
}

/* One cycle t of channel c (the order is in the file comment).
 * Invariant: on return c->wake > t, and no cycle in (t, c->wake) could
 * issue a command or move a transaction: wake is the earliest cycle of
 * every command not issued, as the tables stood before this cycle's
 * issues (tables only grow, so that is early, never late), the issued
 * banks' next commands, and t + 1 when a ready command lost arbitration
 * or a transaction may move. */
static void dh_tick(dh_t *m, dh_chan_t *c, uint64_t t) {
  dh_pick_t p;
  uint64_t wake = UINT64_MAX, at;
  int col_bank = -1, issued = 0, moved = dh_move(m, c);
  bool ref = dh_refresh_step(m, c, t, &wake);
  dh_scan(m, c, t, &p);
  if (p.col >= 0) {
    col_bank = c->ent[p.col].bank;
    dh_column(m, c, p.col, t);
    issued++;
  }
  if (p.row_bank >= 0 && !ref && (m->dual || !issued) &&
      (p.row_bank != col_bank || (dh_row_want(m, c, p.row_bank, &at) == p.row_cmd && at <= t))) {
    if (p.row_cmd == DH_ACT) dh_activate(m, c, p.row_bank, t);
    else dh_precharge(m, c, p.row_bank, t);
    issued++;
    wake = umin(wake, dh_bank_at(m, c, p.row_bank));
  }
  if (col_bank >= 0) wake = umin(wake, dh_bank_at(m, c, col_bank));
  /* a slot the column command freed is taken in this cycle's move */
  if (moved < 0 && (moved = dh_move(m, c)) >= 0)
    wake = umin(wake, dh_bank_at(m, c, moved));
  if (p.nready > issued || (c->waiting & ~c->full)) wake = t + 1;
  c->wake = umax(umin(wake, p.wake), t + 1);
}

/* Simulate every DRAM cycle before the one host cycle h starts at. */
static void dh_advance(dh_t *m, uint64_t h) {
  uint64_t until = dh_dram(m, h);
  int i;
  if (h > m->host_now) m->host_now = h;
  if (until <= m->clk) return;
  for (i = 0; i < m->nch; i++) {
    dh_chan_t *c = &m->ch[i];
    while (c->wake < until) dh_tick(m, c, c->wake);
  }
  m->clk = until;
}

/* ---- the port ----------------------------------------------------------- */

/* The first burst index of r; *n: how many bursts it touches. */
static uint64_t dh_first_burst(const dh_t *m, const mem_req_t *r, uint64_t *n) {
  uint64_t b0 = r->addr >> m->burst_shift;
  uint64_t b1 = (r->addr + (r->bytes ? r->bytes : 1) - 1) >> m->burst_shift;
  *n = b1 - b0 + 1;
  return b0;
}

static bool dh_can_accept(mem_t *mm, const mem_req_t *r) {
  dh_t *m = (dh_t *)mm;
  uint64_t b0, n, i;
  bool ok = m->req_free >= 0;
  b0 = dh_first_burst(m, r, &n);
  for (i = 0; i < n; i++) {
    int ch = (int)dh_field(m, b0 + i, CFG_MAP_CHANNEL);
    if (m->ch[ch].tqn + ++m->count[ch] > m->tqd) ok = false;
  }
  for (i = 0; i < n; i++) m->count[dh_field(m, b0 + i, CFG_MAP_CHANNEL)] = 0;
  return ok;
}

/* Queue burst b of request q on its channel's transaction queue. */
static void dh_enqueue(dh_t *m, int32_t q, uint64_t b, bool write,
                       uint64_t at) {
  dh_chan_t *c = &m->ch[dh_field(m, b, CFG_MAP_CHANNEL)];
  int32_t i = c->free.head;
  dh_ent_t *e = &c->ent[i];
  uint32_t rank = dh_field(m, b, CFG_MAP_RANK);
  uint32_t group = dh_field(m, b, CFG_MAP_BANKGROUP);
  dl_remove(c->ent, &c->free, i);
  e->seq = c->seq++;
  e->row = dh_field(m, b, CFG_MAP_ROW);
  e->bank = (uint16_t)((rank * (uint32_t)m->ngroups + group) *
                           (uint32_t)m->nbanks_g +
                       dh_field(m, b, CFG_MAP_BANK));
  e->write = write;
  e->req = q;
  if (!c->bank[e->bank].wait.n) c->bank[e->bank].wait_seq = e->seq;
  dl_append(c->ent, &c->bank[e->bank].wait, i);
  c->tqn++;
  c->waiting |= (uint64_t)1 << e->bank;
  c->queued++;
  c->wake = umin(c->wake, at);
}

static void dh_push(mem_t *mm, mem_req_t *r, uint64_t now) {
  dh_t *m = (dh_t *)mm;
  uint64_t b0, n, i;
  int32_t q = m->req_free;
  dh_req_t *rq = &m->req[q];
  dh_advance(m, now);
  m->req_free = rq->next;
  b0 = dh_first_burst(m, r, &n);
  r->issued = now;
  rq->r = *r;
  rq->seq = m->seq++;
  rq->done = 0;
  rq->left = (int)n;
  for (i = 0; i < n; i++) dh_enqueue(m, q, b0 + i, r->write, m->clk);
  m->inflight++;
  m->st->c[r->write ? ST_DRAM_WRITE_BYTES : ST_DRAM_READ_BYTES] += r->bytes;
  m->st->c[r->write ? ST_DRAM_WRITE_REQUESTS : ST_DRAM_READ_REQUESTS]++;
  m->st->c[ST_DRAM_TRANSFERRED_BYTES] += n << m->burst_shift;
}

static bool dh_pop_done(mem_t *mm, uint64_t now, mem_req_t *out) {
  dh_t *m = (dh_t *)mm;
  int32_t q;
  dh_advance(m, now);
  if (!m->nheap || dh_host(m, m->heap[0].done) > now) return false;
  q = m->heap[0].req;
  dh_heap_pop(m);
  *out = m->req[q].r;
  out->done = dh_host(m, m->req[q].done);
  if (!out->write) m->st->c[ST_DRAM_READ_LATENCY] += out->done - out->issued;
  m->req[q].next = m->req_free;
  m->req_free = q;
  m->inflight--;
  return true;
}

/* A tick at DRAM cycle t is visible from the first host cycle after it. */
static uint64_t dh_next_event(const mem_t *mm) {
  const dh_t *m = (const dh_t *)mm;
  uint64_t next = UINT64_MAX;
  int i;
  if (!m->inflight) return UINT64_MAX;
  if (m->nheap) next = dh_host(m, m->heap[0].done);
  for (i = 0; i < m->nch; i++)
    if (m->ch[i].queued) next = umin(next, dh_after(m, m->ch[i].wake));
  return umax(next, m->host_now + 1);
}

/* Close the standby intervals at host cycle now; the DRAM cycle count. */
static void dh_finish(mem_t *mm, uint64_t now) {
  dh_t *m = (dh_t *)mm;
  int i, r;
  dh_advance(m, now);
  for (i = 0; i < m->nch; i++)
    for (r = 0; r < m->nranks; r++)
      dh_standby(m, &m->ch[i].rank[r], m->ch[i].rank[r].open != 0, m->clk);
  m->st->c[ST_DRAM_CYCLES] = m->clk;
}

static void dh_destroy(mem_t *mm) {
  dh_t *m = (dh_t *)mm;
  int i;
  if (!m) return;
  for (i = 0; m->ch && i < m->nch; i++) {
    free(m->ch[i].bank);
    free(m->ch[i].group);
    free(m->ch[i].rank);
    free(m->ch[i].ent);
  }
  free(m->ch);
  free(m->req);
  free(m->heap);
  free(m->count);
  free(m);
}

static const mem_ops_t dh_ops = {dh_can_accept, dh_push,   dh_pop_done,
                                 dh_next_event, dh_finish, dh_destroy};

/* ---- construction ------------------------------------------------------- */

/* Channel c's state: every bank precharged, the first refresh of rank r
 * due at (r + 1) tREFI / ranks (ranks staggered), the pool all free. */
static int dh_chan_init(dh_t *m, dh_chan_t *c) {
  int i, r, npool = m->tqd + m->nbanks * m->cmdq;
  c->bank = calloc((size_t)m->nbanks, sizeof *c->bank);
  c->group = calloc((size_t)(m->nranks * m->ngroups), sizeof *c->group);
  c->rank = calloc((size_t)m->nranks, sizeof *c->rank);
  c->ent = calloc((size_t)npool, sizeof *c->ent);
  if (!c->bank || !c->group || !c->rank || !c->ent) return -1;
  for (i = 0; i < m->nbanks; i++) {
    dl_init(&c->bank[i].q);
    dl_init(&c->bank[i].wait);
    c->bank[i].open_row = -1;
    c->bank[i].hit = -1;
  }
  for (r = 0; r < m->nranks; r++) {
    int per = m->ngroups * m->nbanks_g;
    c->rank[r].ref_due = (uint64_t)m->trefi * (uint64_t)(r + 1) / (uint64_t)m->nranks;
    c->rank[r].mask = (per == 64 ? ~(uint64_t)0 : (((uint64_t)1 << per) - 1))
                      << (r * per);
  }
  dl_init(&c->free);
  for (i = 0; i < npool; i++) dl_append(c->ent, &c->free, i);
  c->wake = c->rank[0].ref_due;
  return 0;
}

/* Request records: every request holds a transaction until its last burst
 * issues, then waits at most max(CL, CWL) + burst cycles for its data. */
static int dh_reqs_init(dh_t *m) {
  int n = m->nch * (m->tqd + m->nbanks * m->cmdq +
                    (m->cl > m->cwl ? m->cl : m->cwl) + m->bc + 2);
  int i;
  m->req = calloc((size_t)n, sizeof *m->req);
  m->heap = calloc((size_t)n, sizeof *m->heap);
  m->count = calloc((size_t)m->nch, sizeof *m->count);
  if (!m->req || !m->heap || !m->count) return -1;
  for (i = 0; i < n; i++) m->req[i].next = i + 1 < n ? i + 1 : -1;
  m->req_free = 0;
  return 0;
}

static void dh_derive(dh_t *m, const cfg_t *c, double host_ghz) {
  double dram_ghz = dram_clock_ghz(c);
  m->nch = c->dram_channels;
  m->nranks = c->dram_ranks;
  m->ngroups = c->dram_bankgroups;
  m->nbanks_g = c->dram_banks_per_group;
  m->nbanks = m->nranks * m->ngroups * m->nbanks_g;
  m->group_shift = ilog2(m->nbanks_g);
  m->rank_shift = ilog2(m->ngroups * m->nbanks_g);
  m->burst_shift = ilog2(c->dram_burst_bytes);
  m->bc = dram_burst_cycles(c);
  m->cl = c->dram_tm.cl;
  m->cwl = c->dram_tm.cwl;
  m->tfaw = c->dram_tm.tfaw;
  m->trefi = c->dram_tm.trefi;
  m->hit_limit = c->dram_row_hit_limit;
  m->cmdq = c->dram_cmd_queue_depth;
  m->tqd = c->dram_queue_depth;
  m->dual = c->dram_dual_command;
  m->same_clock = dram_ghz == host_ghz;
  m->ratio = dram_ghz / host_ghz;
  dh_tables(m, c);
  dh_mapping(m, c);
}

mem_t *dram_hbm2_new(const cfg_t *c, double host_ghz, stats_t *st) {
  dh_t *m = calloc(1, sizeof *m);
  int i;
  if (!m) return NULL;
  m->base.ops = &dh_ops;
  m->st = st;
  dh_derive(m, c, host_ghz);
  m->ch = calloc((size_t)m->nch, sizeof *m->ch);
  if (!m->ch || dh_reqs_init(m)) {
    dh_destroy(&m->base);
    return NULL;
  }
  for (i = 0; i < m->nch; i++)
    if (dh_chan_init(m, &m->ch[i])) {
      dh_destroy(&m->base);
      return NULL;
    }
  return &m->base;
}

/* ---- energy, at report time --------------------------------------------- */

void dram_energy(const cfg_t *c, const uint64_t counts[ST_COUNT],
                 dram_energy_t *o) {
  const struct cfg_dram_power *p = &c->dram_pw;
  const struct cfg_dram_timing *t = &c->dram_tm;
  double tck = 1 / dram_clock_ghz(c), bc = dram_burst_cycles(c);
  double v = p->vdd * tck; /* mA x V x ns = pJ */
  o->activate = (double)counts[ST_DRAM_ACTIVATES] * v *
                (p->idd0 * t->trc - (p->idd3n * t->tras + p->idd2n * t->trp));
  o->read = (double)counts[ST_DRAM_READ_BURSTS] * v * (p->idd4r - p->idd3n) * bc;
  o->write = (double)counts[ST_DRAM_WRITE_BURSTS] * v * (p->idd4w - p->idd3n) * bc;
  o->refresh = (double)counts[ST_DRAM_REFRESHES] * v * (p->idd5ab - p->idd3n) * t->trfc;
  o->act_standby = (double)counts[ST_DRAM_ACT_STANDBY] * v * p->idd3n;
  o->pre_standby = (double)counts[ST_DRAM_PRE_STANDBY] * v * p->idd2n;
  o->total = o->activate + o->read + o->write + o->refresh + o->act_standby +
             o->pre_standby;
}

/* dram_hbm2.c - the bank-level HBM2 model (see dram_hbm2.h).
 *
 * The controller is DRAMsim3's (src/controller.cc, command_queue.cc):
 * one channel's cycle (dh_tick), in this order:
 *   1. ranks whose refresh is due stop taking new work (refresh pending),
 *      and a ready refresh command (PRE of an open bank, then REF) is the
 *      cycle's first command;
 *   2. otherwise the first command is found round robin over the bank
 *      command queues, starting with the bank after the one that issued
 *      last and skipping ranks that wait for a refresh: a queue offers
 *      its first ready command in queue order (ACT for its head when the
 *      bank is precharged; PRE for a head that misses the open row when no
 *      hit is queued or dram.row_hit_limit hits have been served; RD or WR
 *      of a queued row hit);
 *   3. with dram.dual_command, a second search goes on round robin from
 *      the bank that issued; it issues what it finds only if that is of
 *      the other kind (a row command after a column command or the
 *      reverse), but the round-robin position moves to it either way;
 *   4. one transaction moves to its bank's command queue (the oldest, in
 *      its queue, whose bank queue has room): from the write queue while a
 *      write drain lasts, else from the read queue. A drain starts when
 *      dram.write_drain_high writes wait, or more than
 *      dram.write_drain_low wait and every command queue is empty, and
 *      lasts until the writes waiting at its start have moved.
 * A read completes CL + burst cycles after its RD; a write completes in
 * the cycle after it is accepted (DRAMsim3 acknowledges writes from its
 * write buffer), and its WR issues whenever a drain gets to it (writes
 * still waiting when the run ends are never issued, as in DRAMsim3).
 * "Ready" means now >= the earliest cycle the bank, its bank group and its
 * rank allow (and the rank's tFAW window). Each tick also works out the
 * next cycle anything can become ready, and the channel sleeps until then,
 * so idle cycles cost nothing.
 *
 * Three shortcuts give the same results faster, and dram_hbm2_reference
 * turns them off: a bank's offer is not worked out again before the cycle
 * it was last found due (dh_bank_t.due); a channel whose banks with
 * out-of-date offers hold only read hits of their open rows takes the
 * tick's outcome without the offers (dh_stream); and next_event runs the
 * model ahead through the caller's wakes at which it could observe
 * nothing (dh_next_event).
 *
 * Not modelled from DRAMsim3: merging of requests to one address (a read
 * of a line with a write queued is served from the write buffer there;
 * here it goes to the DRAM) and the ordering of a write behind a read of
 * the same column.
 *
 * Storage is allocated once in dram_hbm2_new: per channel a pool of
 * transaction entries on doubly linked FIFO lists (free, read and write
 * queues kept per bank, one command queue per bank; an entry stands for a
 * run of a request's bursts to one bank and row, each still moved and
 * issued alone), the request records and a binary heap of completed
 * requests ordered by (done, push order).
 * Nothing is allocated afterwards.
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

/* A run of n burst-sized transactions of one request that share their
 * bank and row and arrived one after another (a request's bursts, decoded
 * once): each burst is still moved and issued alone, in arrival order,
 * but one entry stands for the run in a list. */
typedef struct dh_ent {
  uint64_t seq;         /* arrival order within the channel of its first
                           burst (the others: seq + 1, ...) */
  uint32_t row;
  uint16_t bank;        /* flat: (rank * groups + group) * banks + bank */
  uint8_t write;
  int32_t n;            /* bursts in the run */
  int32_t req;          /* its request record (-1: a write, already done) */
  int32_t prev, next;   /* links in its list */
} dh_ent_t;

typedef struct dh_list {
  int32_t head, tail;
  int n;
} dh_list_t;

/* The fields a scan reads come first; head_row and hit* copy the queue
 * head's and the oldest hits' fields so a scan never touches the pool.
 * Index [w] of hit, hit_seq, wait, wait_seq: 0 reads, 1 writes. */
typedef struct dh_bank {
  uint64_t next[DH_NCMD]; /* earliest issue cycle, from its own commands */
  uint64_t due;           /* no command of the bank can be ready before:
                             its offer's cycle as last worked out (tables
                             only grow), 0 once its own state changes */
  uint64_t hit_seq[2];    /* the oldest read and write hit's arrival order */
  int64_t open_row;       /* -1 when precharged */
  uint32_t head_row;      /* the queue head's row */
  int32_t hit[2];         /* oldest queued read and write for open_row, -1 */
  int hits;               /* queued transactions for open_row */
  int qn;                 /* transactions in the command queue */
  int served;             /* column commands since the activate */
  uint64_t wait_seq[2];   /* the oldest waiting read's and write's order */
  dh_list_t wait[2];      /* its reads and writes still in the read and
                             write queues */
  dh_list_t q;            /* command queue, arrival order (runs) */
} dh_bank_t;

typedef struct dh_rank {
  uint64_t next[DH_NCMD]; /* earliest issue cycle for any bank of the rank */
  uint64_t last;          /* its latest command: a floor of every table
                             entry of its banks, groups and itself (see
                             dh_apply) */
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
  int tqn[2];                 /* read and write queue occupancy: the
                                 channel's transactions are kept per bank
                                 (dh_bank_t.wait), in arrival order */
  int drain;                  /* writes left to move in this drain, 0 */
  int rr;                     /* the bank whose queue issued last */
  int queued;                 /* transactions queued */
  uint64_t busy;              /* banks with a non-empty command queue */
  uint64_t full;              /* banks whose command queue is full */
  uint64_t waiting[2];        /* banks with reads, writes in the queues */
  uint64_t blocked;           /* banks of ranks with a refresh pending */
  uint64_t open;              /* banks with a row open, every rank */
  uint64_t ref_min;           /* the earliest ref_due of its ranks */
  uint64_t wake;              /* the next cycle dh_tick must run */
  uint64_t seq;
  int watch[2];               /* the highest read and write queue
                                 occupancy at which a request was refused
                                 here since the last dh_next_event, -1 */
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
  int burst_shift, bc, cl, cwl, tfaw, trefi, hit_limit, cmdq;
  int tqd[2];                      /* read and write queue depths */
  int drain_high, drain_low;       /* write drain watermarks */
  bool dual;
  bool rd_gap;                     /* no RD may issue in the cycle of another
                                      (every RD to RD delay >= 1) */
  int fshift[CFG_MAP_FIELDS];      /* address field f: (b >> shift) & mask */
  int run_shift;                   /* bursts agreeing from this bit up share
                                      every field but the column */
  uint64_t fmask[CFG_MAP_FIELDS];
  /* per command, the delays it imposes: (scope, command, cycles), zeros
   * left out, so recording a command touches only what it constrains */
  struct dh_delay {
    uint8_t scope, to;
    uint32_t cycles;
  } dl[DH_NCMD][DH_NSCOPE * DH_NCMD];
  int ndl[DH_NCMD];
  int nlocal[DH_NCMD];  /* the first nlocal of dl[f]: its own rank's */
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
  /* the run-ahead (dh_next_event) */
  uint64_t *cnt;      /* where the ticks count: st->c, or held while the
                         run-ahead has not yet been observed */
  uint64_t held[ST_COUNT];
  int *watched, nwatched; /* channels that refused a request */
} dh_t;

/* The reference mode (dram_hbm2_reference). */
static bool dh_ref_mode;

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

/* The non-zero delays of each command as a list, in scope order (other
 * ranks only when there are several): the first nlocal[f] bind its own
 * bank, group and rank. */
static void dh_lists(dh_t *m) {
  int f, sc, to;
  for (f = 0; f < DH_NCMD; f++) {
    m->ndl[f] = 0;
    for (sc = 0; sc < DH_NSCOPE; sc++) {
      if (sc == DH_OTHER) m->nlocal[f] = m->ndl[f];
      for (to = 0; to < DH_NCMD; to++) {
        struct dh_delay *x = &m->dl[f][m->ndl[f]];
        if (!m->d[f][sc][to] || (sc == DH_OTHER && m->nranks == 1)) continue;
        if ((f == DH_RD || f == DH_WR) && sc != DH_OTHER && to != DH_RD &&
            to != DH_WR && (sc != DH_BANK || to != DH_PRE))
          abort(); /* dh_apply's column case would miss it: dh_tables
                      gives a column command no such delay */
        x->scope = (uint8_t)sc, x->to = (uint8_t)to, x->cycles = m->d[f][sc][to];
        m->ndl[f]++;
      }
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
  m->run_shift = m->fshift[CFG_MAP_COLUMN] == 0 ? width[CFG_MAP_COLUMN] : 0;
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
  const dh_rank_t *r = &c->rank[dh_rank_of(m, fb)];
  return umax(umax(c->bank[fb].next[cmd], c->group[dh_group_of(m, fb)][cmd]),
              umax(r->next[cmd], r->last));
}

/* Earliest activate of rank r allowed by tFAW. */
static uint64_t dh_faw(const dh_t *m, const dh_rank_t *r) {
  return r->nfaw < 4 ? 0 : r->faw[r->faw_i] + (uint64_t)m->tfaw;
}

/* Record that command cmd issued to bank fb at t in every table it
 * constrains, from its delay list (non-zero delays). A zero delay would
 * raise an entry of its own bank, group or rank to t: the rank's last
 * command stands for those (dh_earliest takes it as a floor), so every
 * dh_earliest is what applying the whole delay table would give. Other
 * ranks take only non-zero delays. */
static inline __attribute__((always_inline)) void
dh_apply(dh_t *m, dh_chan_t *c, int cmd, int fb, uint64_t t) {
  int rk = dh_rank_of(m, fb), r, k = m->nlocal[cmd];
  uint64_t *at[DH_OTHER] = {c->bank[fb].next, c->group[dh_group_of(m, fb)],
                            c->rank[rk].next};
  const struct dh_delay *x = m->dl[cmd];
  c->rank[rk].last = t;
  if (cmd == DH_RD || cmd == DH_WR) { /* the entries dh_lists checked */
    const uint32_t(*d)[DH_NCMD] = m->d[cmd];
    at[DH_BANK][DH_RD] = umax(at[DH_BANK][DH_RD], t + d[DH_BANK][DH_RD]);
    at[DH_BANK][DH_WR] = umax(at[DH_BANK][DH_WR], t + d[DH_BANK][DH_WR]);
    at[DH_BANK][DH_PRE] = umax(at[DH_BANK][DH_PRE], t + d[DH_BANK][DH_PRE]);
    at[DH_GROUP][DH_RD] = umax(at[DH_GROUP][DH_RD], t + d[DH_GROUP][DH_RD]);
    at[DH_GROUP][DH_WR] = umax(at[DH_GROUP][DH_WR], t + d[DH_GROUP][DH_WR]);
    at[DH_RANK][DH_RD] = umax(at[DH_RANK][DH_RD], t + d[DH_RANK][DH_RD]);
    at[DH_RANK][DH_WR] = umax(at[DH_RANK][DH_WR], t + d[DH_RANK][DH_WR]);
    x += k;
  } else
    for (k = 0; k < m->nlocal[cmd]; k++, x++)
      at[x->scope][x->to] = umax(at[x->scope][x->to], t + x->cycles);
  for (; k < m->ndl[cmd]; k++, x++)
    for (r = 0; r < m->nranks; r++)
      if (r != rk)
        c->rank[r].next[x->to] = umax(c->rank[r].next[x->to], t + x->cycles);
}

/* Standby residency: the rank leaves, at t, the state it has been in
 * since r->since (a row open when was_open, else all banks precharged). */
static void dh_standby(dh_t *m, dh_rank_t *r, bool was_open, uint64_t t) {
  m->cnt[was_open ? ST_DRAM_ACT_STANDBY : ST_DRAM_PRE_STANDBY] += t - r->since;
  r->since = t;
}

/* b->hit[w] := the oldest queued transaction of kind w (0 read, 1 write)
 * for the open row, from i on (-1 if none). */
static void dh_find_hit(const dh_chan_t *c, dh_bank_t *b, int w, int32_t i) {
  for (; i >= 0; i = c->ent[i].next)
    if (c->ent[i].row == b->open_row && c->ent[i].write == w) break;
  b->hit[w] = i;
  if (i >= 0) b->hit_seq[w] = c->ent[i].seq;
}

/* Refresh the cached head field after the queue changed. */
static void dh_sync_head(const dh_chan_t *c, dh_bank_t *b) {
  if (b->q.head >= 0) b->head_row = c->ent[b->q.head].row;
}

static void dh_activate(dh_t *m, dh_chan_t *c, int fb, uint64_t t) {
  dh_bank_t *b = &c->bank[fb];
  dh_rank_t *r = &c->rank[dh_rank_of(m, fb)];
  int32_t i;
  dh_apply(m, c, DH_ACT, fb, t);
  b->due = 0;
  if (!r->open) dh_standby(m, r, false, t);
  r->open |= (uint64_t)1 << fb;
  c->open |= (uint64_t)1 << fb;
  r->faw[r->faw_i] = t; /* overwrites the oldest of the last four */
  r->faw_i = (r->faw_i + 1) & 3;
  r->nfaw += r->nfaw < 4;
  b->open_row = b->head_row;
  b->served = 0;
  b->hits = 0;
  for (i = b->q.head; i >= 0; i = c->ent[i].next)
    b->hits += c->ent[i].row == b->open_row ? c->ent[i].n : 0;
  dh_find_hit(c, b, 0, b->q.head);
  dh_find_hit(c, b, 1, b->q.head);
  m->cnt[ST_DRAM_ACTIVATES]++;
}

static void dh_precharge(dh_t *m, dh_chan_t *c, int fb, uint64_t t) {
  dh_bank_t *b = &c->bank[fb];
  dh_rank_t *r = &c->rank[dh_rank_of(m, fb)];
  dh_apply(m, c, DH_PRE, fb, t);
  b->due = 0;
  r->open &= ~((uint64_t)1 << fb);
  c->open &= ~((uint64_t)1 << fb);
  if (!r->open) dh_standby(m, r, true, t);
  b->open_row = -1;
  b->hit[0] = b->hit[1] = -1;
  b->hits = 0;
  m->cnt[ST_DRAM_PRECHARGES]++;
}

/* c->ref_min := the earliest cycle a refresh of c becomes due. */
static void dh_ref_min(const dh_t *m, dh_chan_t *c) {
  int r;
  c->ref_min = UINT64_MAX;
  for (r = 0; r < m->nranks; r++) c->ref_min = umin(c->ref_min, c->rank[r].ref_due);
}

static void dh_refresh(dh_t *m, dh_chan_t *c, int rk, uint64_t t) {
  dh_rank_t *r = &c->rank[rk];
  dh_apply(m, c, DH_REF, rk * m->ngroups * m->nbanks_g, t);
  r->ref_pending = false;
  r->ref_due += (uint64_t)m->trefi;
  dh_ref_min(m, c);
  c->blocked &= ~r->mask;
  m->cnt[ST_DRAM_REFRESHES]++;
}

/* RD or WR of transaction i (its bank's oldest read or write hit). A
 * read's burst finishes CL + burst cycles later and its request completes
 * with its last burst; a write's request completed when it was accepted. */
static inline __attribute__((always_inline)) void /* in dh_stream, per burst */
dh_column(dh_t *m, dh_chan_t *c, int32_t i, uint64_t t) {
  dh_ent_t *e = &c->ent[i];
  dh_bank_t *b = &c->bank[e->bank];
  dh_apply(m, c, e->write ? DH_WR : DH_RD, e->bank, t);
  b->due = 0;
  m->cnt[e->write ? ST_DRAM_WRITE_BURSTS : ST_DRAM_READ_BURSTS]++;
  m->cnt[ST_DRAM_ROW_HITS] += b->served > 0;
  b->served++;
  b->hits--;
  b->qn--;
  c->full &= ~((uint64_t)1 << e->bank);
  if (!b->qn) c->busy &= ~((uint64_t)1 << e->bank);
  if (e->req >= 0) {
    dh_req_t *q = &m->req[e->req];
    q->done = umax(q->done, t + (uint64_t)m->cl + (uint64_t)m->bc);
    if (!--q->left) dh_heap_push(m, e->req);
  }
  c->queued--;
  if (--e->n) { /* the run's next burst is the oldest hit of its kind now */
    b->hit_seq[e->write] = ++e->seq;
    return;
  }
  dh_find_hit(c, b, e->write, e->next);
  dl_remove(c->ent, &b->q, i);
  dh_sync_head(c, b);
  dl_append(c->ent, &c->free, i);
}

/* ---- one channel cycle ------------------------------------------------- */

/* Lowest set bit index of a non-zero mask. */
static int dh_ctz(uint64_t x) { return __builtin_ctzll(x); }

/* Which queue step 4 takes from now: 1 (writes) while a drain lasts or
 * when one starts, else 0 (reads). Starts a drain. */
static int dh_queue_kind(const dh_t *m, dh_chan_t *c) {
  if (!c->drain && (c->tqn[1] >= m->drain_high ||
                    (c->tqn[1] > m->drain_low && !c->busy)))
    c->drain = c->tqn[1];
  return c->drain > 0;
}

/* Whether step 4 would find a transaction to move, the drain state and the
 * command queues as they stand (dh_queue_kind without starting a drain). */
static bool dh_may_move(const dh_t *m, const dh_chan_t *c) {
  int w = c->drain > 0 || c->tqn[1] >= m->drain_high ||
          (c->tqn[1] > m->drain_low && !c->busy);
  return (c->waiting[w] & ~c->full) != 0;
}

/* Whether entry t (a command queue's tail, or -1) ends with the burst
 * just before burst seq of run e, so that burst can join it there. */
static bool dh_joins(const dh_chan_t *c, int32_t t, const dh_ent_t *e,
                     uint64_t seq) {
  const dh_ent_t *x = t >= 0 ? &c->ent[t] : NULL;
  return x && x->req == e->req && x->write == e->write && x->row == e->row &&
         x->seq + (uint64_t)x->n == seq;
}

/* Move the first transaction of bank b's wait[w] list to the tail of its
 * command queue, where it joins the run it came from when that run's
 * moved bursts are the queue's tail; returns the entry that holds it. */
static inline __attribute__((always_inline)) int32_t
dh_take(dh_chan_t *c, dh_bank_t *b, int w) {
  int32_t i = b->wait[w].head, t = b->q.tail, j;
  dh_ent_t *e = &c->ent[i];
  uint64_t seq = e->seq;
  bool joins = dh_joins(c, t, e, seq);
  if (e->n > 1) { /* the run's first burst leaves it */
    e->n--;
    b->wait_seq[w] = ++e->seq;
    if (joins) return c->ent[t].n++, t;
    j = c->free.head;
    dl_remove(c->ent, &c->free, j);
    c->ent[j] = *e;
    c->ent[j].seq = seq;
    c->ent[j].n = 1;
    dl_append(c->ent, &b->q, j);
    return j;
  }
  dl_remove(c->ent, &b->wait[w], i); /* its last burst */
  if (b->wait[w].n) b->wait_seq[w] = c->ent[b->wait[w].head].seq;
  else c->waiting[w] &= ~((uint64_t)1 << e->bank);
  if (!joins) {
    dl_append(c->ent, &b->q, i);
    return i;
  }
  c->ent[t].n++;
  dl_append(c->ent, &c->free, i);
  return t;
}

/* Step 4: the oldest transaction of the read queue, or of the write queue
 * during a drain, whose bank queue has room moves there. Each queue is
 * kept as one arrival-ordered list per bank, so the oldest movable one is
 * the oldest head among the banks that have waiting transactions and
 * room. Returns its bank, or -1 when none moved. */
static inline __attribute__((always_inline)) int /* in dh_stream, per burst */
dh_move(const dh_t *m, dh_chan_t *c) {
  int w = dh_queue_kind(m, c), fb = -1;
  uint64_t ok = c->waiting[w] & ~c->full, best_seq = UINT64_MAX, bit;
  dh_bank_t *b;
  int32_t i;
  for (; ok; ok &= ok - 1)
    if (c->bank[dh_ctz(ok)].wait_seq[w] < best_seq)
      fb = dh_ctz(ok), best_seq = c->bank[fb].wait_seq[w];
  if (fb < 0) return -1;
  b = &c->bank[fb];
  bit = (uint64_t)1 << fb;
  i = dh_take(c, b, w);
  c->tqn[w]--;
  c->drain -= w;
  b->due = 0;
  if (++b->qn == m->cmdq) c->full |= bit;
  if (b->qn == 1) dh_sync_head(c, b);
  c->busy |= bit;
  if (b->open_row >= 0 && c->ent[i].row == b->open_row) {
    b->hits++;
    if (b->hit[w] < 0) dh_find_hit(c, b, w, i);
  }
  return fb;
}

/* What bank fb's command queue offers (DRAMsim3 GetFirstReadyInQueue):
 * its first command in queue order that is ready at t. Returns the cycle
 * that command may issue (<= t: *cmd and *ent, the transaction of a RD or
 * WR, say what it is), or, when none is ready, the earliest cycle one of
 * its commands may become ready. Queue order puts a PRE first: only the
 * head may precharge its bank. */
static uint64_t dh_bank_pick(const dh_t *m, const dh_chan_t *c, int fb,
                             uint64_t t, int *cmd, int32_t *ent) {
  const dh_bank_t *b = &c->bank[fb];
  uint64_t at, best = UINT64_MAX, seq = UINT64_MAX;
  int w;
  *cmd = DH_NCMD;
  if (b->open_row < 0) {
    *cmd = DH_ACT;
    return umax(dh_earliest(m, c, DH_ACT, fb),
                dh_faw(m, &c->rank[dh_rank_of(m, fb)]));
  }
  if (b->head_row != b->open_row && (!b->hits || b->served >= m->hit_limit)) {
    at = dh_earliest(m, c, DH_PRE, fb);
    if (at <= t) {
      *cmd = DH_PRE;
      return at;
    }
    best = at;
  }
  for (w = 0; w < 2; w++) {
    if (b->hit[w] < 0) continue;
    at = dh_earliest(m, c, w ? DH_WR : DH_RD, fb);
    if (at > t) best = umin(best, at);
    else if (b->hit_seq[w] < seq)
      seq = b->hit_seq[w], *cmd = w ? DH_WR : DH_RD, *ent = b->hit[w];
  }
  return seq != UINT64_MAX ? t : best;
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

/* Step 1: ranks whose refresh is due stop taking new work; a ready
 * refresh command issues. Returns true if one issued; *wake: the earliest
 * refresh event not issued. */
static bool dh_refresh_step(dh_t *m, dh_chan_t *c, uint64_t t,
                            uint64_t *wake) {
  bool issued = false;
  int r, fb;
  if (!c->blocked && t < c->ref_min) { /* no rank refreshes or is due */
    *wake = umin(*wake, c->ref_min);
    return false;
  }
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

/* What the banks offer at t: each bank's dh_bank_pick command and entry,
 * and which offers are ready. */
typedef struct dh_offers {
  int cmd[64];
  int32_t ent[64];
  uint64_t ready; /* banks whose offer is ready at t */
} dh_offers_t;

/* (Re)compute bank fb's offer (none when its queue is empty); *wake: its
 * cycle if it is not ready. Returns whether it is ready. */
static inline bool dh_offer_bank(const dh_t *m, dh_chan_t *c, uint64_t t, int fb,
                                 dh_offers_t *o, uint64_t *wake) {
  uint64_t bit = (uint64_t)1 << fb, at;
  o->ready &= ~bit;
  if (!(c->busy & bit)) return false;
  at = dh_bank_pick(m, c, fb, t, &o->cmd[fb], &o->ent[fb]);
  if (at > t) {
    c->bank[fb].due = at;
    *wake = umin(*wake, at);
    return false;
  }
  o->ready |= bit;
  return true;
}

/* The banks of set (busy banks whose rank does not refresh) whose offer
 * dh_tick must work out at t; *wake: the earliest cycle any other may
 * become ready. A rank-wide bound on activates (tRRD_S, tFAW, tRFC) still
 * in the future rules out every precharged bank of the rank at once, its
 * cycle a lower bound of theirs; so does a bank's due cycle for that bank
 * (not in reference mode: there every offer is worked out again). */
static uint64_t dh_stale(const dh_t *m, const dh_chan_t *c, uint64_t t,
                         uint64_t set, uint64_t *wake) {
  uint64_t stale = 0;
  int r;
  for (r = 0; r < m->nranks && (set & ~c->open); r++) {
    const dh_rank_t *rk = &c->rank[r];
    uint64_t closed = set & rk->mask & ~rk->open, gate;
    if (!closed || (gate = umax(rk->next[DH_ACT], dh_faw(m, rk))) <= t) continue;
    set &= ~closed;
    *wake = umin(*wake, gate);
  }
  for (; set; set &= set - 1) {
    int fb = dh_ctz(set);
    if (c->bank[fb].due > t && !dh_ref_mode) *wake = umin(*wake, c->bank[fb].due);
    else stale |= (uint64_t)1 << fb;
  }
  return stale;
}

/* Round robin: the first bank of set after c->rr, wrapping around. */
static int dh_next_rr(const dh_chan_t *c, uint64_t set) {
  uint64_t after = set & ~(((uint64_t)2 << c->rr) - 1);
  return dh_ctz(after ? after : set);
}

/* Issue bank fb's ready offer and work out its next one; returns the
 * command's kind (1: a column command). */
static int dh_issue(dh_t *m, dh_chan_t *c, dh_offers_t *o, int fb, uint64_t t,
                    uint64_t *wake) {
  int col = o->cmd[fb] == DH_RD || o->cmd[fb] == DH_WR;
  if (o->cmd[fb] == DH_ACT) dh_activate(m, c, fb, t);
  else if (o->cmd[fb] == DH_PRE) dh_precharge(m, c, fb, t);
  else dh_column(m, c, o->ent[fb], t);
  c->rr = fb;
  dh_offer_bank(m, c, t, fb, o, wake);
  return col;
}

/* Step 3: the next bank after c->rr whose offer is still ready after the
 * first command (offers are worked out again on the way: the tables only
 * grew); the round-robin position moves to it, and it issues if its
 * command is not of kind `kind`. */
static void dh_second(dh_t *m, dh_chan_t *c, dh_offers_t *o, int kind,
                      uint64_t t, uint64_t *wake) {
  while (o->ready) {
    int fb = dh_next_rr(c, o->ready);
    if (!dh_offer_bank(m, c, t, fb, o, wake)) continue;
    if ((o->cmd[fb] == DH_RD || o->cmd[fb] == DH_WR) != kind)
      dh_issue(m, c, o, fb, t, wake);
    else c->rr = fb;
    return;
  }
}

/* dh_tick's outcome at t when the channel streams reads: no refresh step
 * issued or is pending, and each bank whose offer is stale (the others
 * are known not to be ready: dh_stale) has its row open and only read
 * hits queued, so its offer is its oldest RD at dh_earliest. Then
 * dh_tick issues the first ready one in round-robin order, if any (it
 * must hold two or more, so its offer stays an RD); its dual-command
 * search issues nothing and leaves the round-robin position (no RD is
 * ready in the cycle of another: m->rd_gap); step 4 moves a transaction
 * or nothing, and the bank it moved to is offered at t + 1. This does
 * just that without the offers' bookkeeping. wake: what the refresh step
 * and dh_stale gave; each stale offer counts after the RD (the latest
 * tables, an exact bound). Returns false, doing nothing, otherwise. (A
 * train of such ticks in one step would rarely run: the engine asks for
 * the DRAM's state every cycle or two.) */
static bool dh_stream(dh_t *m, dh_chan_t *c, uint64_t t, uint64_t stale,
                      uint64_t wake) {
  uint64_t ready = 0, w, at;
  int fb, moved, cmd;
  int32_t ent;
  for (w = stale; w; w &= w - 1) {
    const dh_bank_t *b = &c->bank[fb = dh_ctz(w)];
    if (b->open_row < 0 || b->hits != b->qn || b->hit[1] >= 0) return false;
    if (dh_earliest(m, c, DH_RD, fb) <= t) ready |= (uint64_t)1 << fb;
  }
  if (ready) {
    fb = dh_next_rr(c, ready);
    if (!m->rd_gap || c->bank[fb].qn < 2) return false;
    dh_column(m, c, c->bank[fb].hit[0], t);
    c->rr = fb;
  }
  for (w = stale; w; w &= w - 1) { /* the offers, none ready now */
    fb = dh_ctz(w);
    c->bank[fb].due = at = dh_earliest(m, c, DH_RD, fb);
    wake = umin(wake, at);
  }
  /* a stale bank with no write hit still offers its RD (counted above) */
  if ((moved = dh_move(m, c)) >= 0 &&
      !(stale >> moved & 1 && c->bank[moved].hit[1] < 0)) {
    at = dh_bank_pick(m, c, moved, t + 1, &cmd, &ent);
    if (at > t + 1) c->bank[moved].due = at;
    wake = umin(wake, at);
  }
  if (dh_may_move(m, c)) wake = t + 1;
  c->wake = umax(wake, t + 1);
  return true;
}

/* dh_tick from its offers on: kind, what the refresh step issued (-1:
 * nothing, 0: a row command); stale and wake, what dh_stale gave. Offers
 * left ready after the issues are not worked out again (dh_tick). */
static void dh_offers(dh_t *m, dh_chan_t *c, uint64_t t, uint64_t stale,
                      int kind, uint64_t wake) {
  dh_offers_t o;
  uint64_t w;
  int moved;
  o.ready = 0;
  for (w = stale; w; w &= w - 1) dh_offer_bank(m, c, t, dh_ctz(w), &o, &wake);
  if (kind < 0 && o.ready) kind = dh_issue(m, c, &o, dh_next_rr(c, o.ready), t, &wake);
  if (m->dual && kind >= 0) dh_second(m, c, &o, kind, t, &wake);
  if ((moved = dh_move(m, c)) >= 0 && !(c->blocked >> moved & 1))
    dh_offer_bank(m, c, t + 1, moved, &o, &wake);
  if (o.ready || dh_may_move(m, c)) wake = t + 1;
  c->wake = umax(wake, t + 1);
}

/* One cycle t of channel c (the order is in the file comment).
 * Invariant: on return c->wake > t, and no cycle in (t, c->wake) could
 * issue a command or move a transaction: wake is the earliest cycle of
 * every offer not ready (as the tables stood when it was worked out:
 * tables only grow, so that is early, never late), of the banks that
 * issued or took a transaction (worked out again), and t + 1 when an
 * offer was ready at t and did not issue (it is worked out again then,
 * not now: a tick that finds nothing to do changes nothing, so waking
 * early is exact) or a transaction may move. The round-robin position
 * changes only in cycles that issue, so skipping the others is exact. */
static void dh_tick(dh_t *m, dh_chan_t *c, uint64_t t) {
  uint64_t wake = UINT64_MAX, stale;
  int kind = -1;
  if (dh_refresh_step(m, c, t, &wake)) kind = 0;
  stale = dh_stale(m, c, t, c->busy & ~c->blocked, &wake);
  if (kind < 0 && !c->blocked && !dh_ref_mode && dh_stream(m, c, t, stale, wake))
    return;
  dh_offers(m, c, t, stale, kind, wake);
}

/* The counters a channel tick adds to. While the run-ahead holds them
 * (m->cnt == m->held) they wait for the port call that would have made
 * those ticks in the reference loop (see dh_next_event). */
static const stat_id_t dh_tick_stats[] = {
    ST_DRAM_ACTIVATES, ST_DRAM_PRECHARGES, ST_DRAM_READ_BURSTS,
    ST_DRAM_WRITE_BURSTS, ST_DRAM_REFRESHES, ST_DRAM_ROW_HITS,
    ST_DRAM_ACT_STANDBY, ST_DRAM_PRE_STANDBY};

/* Held tick counts join the run's counters; ticks count there again. */
static void dh_release(dh_t *m) {
  size_t k;
  if (m->cnt == m->st->c) return;
  for (k = 0; k < sizeof dh_tick_stats / sizeof dh_tick_stats[0]; k++) {
    m->st->c[dh_tick_stats[k]] += m->held[dh_tick_stats[k]];
    m->held[dh_tick_stats[k]] = 0;
  }
  m->cnt = m->st->c;
}

/* Simulate every DRAM cycle before the one host cycle h starts at. */
static void dh_sim(dh_t *m, uint64_t h) {
  uint64_t until = dh_dram(m, h);
  int i;
  if (h > m->host_now) m->host_now = h;
  if (until <= m->clk) return;
  for (i = 0; i < m->nch; i++) {
    dh_chan_t *c = &m->ch[i];
    while (c->wake < until)
      dh_tick(m, c, c->wake);
  }
  m->clk = until;
}

/* dh_sim for a port call, which takes the counts held for it first. */
static void dh_advance(dh_t *m, uint64_t h) {
  dh_release(m);
  dh_sim(m, h);
}

/* ---- the port ----------------------------------------------------------- */

/* The first burst index of r; *n: how many bursts it touches. */
static uint64_t dh_first_burst(const dh_t *m, const mem_req_t *r, uint64_t *n) {
  uint64_t b0 = r->addr >> m->burst_shift;
  uint64_t b1 = (r->addr + (r->bytes ? r->bytes : 1) - 1) >> m->burst_shift;
  *n = b1 - b0 + 1;
  return b0;
}

/* Channel ch refused a request of kind w (0 read, 1 write): the answer
 * can change only once its queue of that kind holds fewer transactions
 * than now (pushes only add). Kept until dh_next_event. */
static void dh_watch(dh_t *m, int ch, int w) {
  dh_chan_t *c = &m->ch[ch];
  if (c->watch[0] < 0 && c->watch[1] < 0) m->watched[m->nwatched++] = ch;
  if (c->tqn[w] > c->watch[w]) c->watch[w] = c->tqn[w];
}

/* Whether every one of n bursts from b0 lies in one channel: the address
 * bits from the channel field up agree (sufficient, not necessary). */
static bool dh_one_channel(const dh_t *m, uint64_t b0, uint64_t n) {
  int s = m->fshift[CFG_MAP_CHANNEL];
  return m->nch == 1 || b0 >> s == (b0 + n - 1) >> s;
}

/* A request fits when each channel's queue of its kind has room for its
 * bursts there and a request record is free. */
static bool dh_can_accept(mem_t *mm, const mem_req_t *r) {
  dh_t *m = (dh_t *)mm;
  uint64_t b0, n, i;
  int w = r->write, ch;
  bool ok = m->req_free >= 0;
  b0 = dh_first_burst(m, r, &n);
  if (dh_one_channel(m, b0, n)) { /* the common case: one count */
    ch = (int)dh_field(m, b0, CFG_MAP_CHANNEL);
    if ((uint64_t)m->ch[ch].tqn[w] + n <= (uint64_t)m->tqd[w]) return ok;
    dh_watch(m, ch, w);
    return false;
  }
  for (i = 0; i < n; i++) {
    ch = (int)dh_field(m, b0 + i, CFG_MAP_CHANNEL);
    if (m->ch[ch].tqn[w] + ++m->count[ch] > m->tqd[w]) {
      ok = false;
      dh_watch(m, ch, w);
    }
  }
  for (i = 0; i < n; i++) m->count[dh_field(m, b0 + i, CFG_MAP_CHANNEL)] = 0;
  return ok;
}

/* Where a burst goes: its channel, flat bank and row. */
typedef struct dh_where {
  dh_chan_t *c;
  uint32_t row;
  uint16_t bank;
} dh_where_t;

static dh_where_t dh_decode(const dh_t *m, uint64_t b) {
  dh_where_t x;
  uint32_t rank = dh_field(m, b, CFG_MAP_RANK);
  uint32_t group = dh_field(m, b, CFG_MAP_BANKGROUP);
  x.c = &m->ch[dh_field(m, b, CFG_MAP_CHANNEL)];
  x.row = dh_field(m, b, CFG_MAP_ROW);
  x.bank = (uint16_t)((rank * (uint32_t)m->ngroups + group) * (uint32_t)m->nbanks_g +
                      dh_field(m, b, CFG_MAP_BANK));
  return x;
}

/* Queue a run of n bursts of request q (-1 for a write) bound for x on
 * its channel's read or write queue. */
static void dh_enqueue(const dh_where_t *x, int32_t q, bool write, int n,
                       uint64_t at) {
  dh_chan_t *c = x->c;
  int32_t i = c->free.head;
  dh_ent_t *e = &c->ent[i];
  dh_bank_t *b = &c->bank[x->bank];
  dl_remove(c->ent, &c->free, i);
  e->seq = c->seq;
  c->seq += (uint64_t)n;
  e->row = x->row;
  e->bank = x->bank;
  e->write = write;
  e->n = n;
  e->req = q;
  if (!b->wait[write].n) b->wait_seq[write] = e->seq;
  dl_append(c->ent, &b->wait[write], i);
  c->tqn[write] += n;
  c->waiting[write] |= (uint64_t)1 << x->bank;
  c->queued += n;
  c->wake = umin(c->wake, at);
}

/* The request's bursts in address order. When only the column field
 * tells them apart (it is the lowest field and the bits above it agree),
 * the address is decoded once and they queue as one run. */
static void dh_push(mem_t *mm, mem_req_t *r, uint64_t now) {
  dh_t *m = (dh_t *)mm;
  uint64_t b0, n, i;
  int32_t q = m->req_free;
  dh_req_t *rq = &m->req[q];
  dh_where_t x;
  bool run;
  dh_advance(m, now);
  m->req_free = rq->next;
  b0 = dh_first_burst(m, r, &n);
  run = b0 >> m->run_shift == (b0 + n - 1) >> m->run_shift;
  r->issued = now;
  rq->r = *r;
  rq->seq = m->seq++;
  rq->done = 0;
  rq->left = (int)n;
  if (run) {
    x = dh_decode(m, b0);
    dh_enqueue(&x, r->write ? -1 : q, r->write, (int)n, m->clk);
  } else
    for (i = 0; i < n; i++) {
      x = dh_decode(m, b0 + i);
      dh_enqueue(&x, r->write ? -1 : q, r->write, 1, m->clk);
    }
  if (r->write) { /* acknowledged from the write queue */
    rq->done = m->clk + 1;
    dh_heap_push(m, q);
  }
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

/* Channel c can still free room in its transaction queues: a queue may
 * move a transaction now, or its command queues will drain (and then a
 * write drain may start). Writes at or below dram.write_drain_low with
 * idle command queues wait for more writes, not for time. */
static bool dh_may_free(const dh_t *m, const dh_chan_t *c) {
  return c->busy || dh_may_move(m, c);
}

/* The reference loop's next wake: the first host cycle after the last
 * one given at which a completion can appear or a channel ticks. A tick
 * at DRAM cycle t is visible from the first host cycle after it. With
 * requests in flight, every channel with work may matter; with none
 * (acknowledged writes only), can_accept still answers differently once a
 * channel frees queue room, so a store refused by a full write queue
 * waits for that channel's drain rather than for an event that never
 * comes (docs/serve.md: cache appends fill write queues behind stores). */
static uint64_t dh_ref_next(const dh_t *m) {
  uint64_t next = UINT64_MAX;
  int i;
  if (m->nheap) next = dh_host(m, m->heap[0].done);
  for (i = 0; i < m->nch; i++)
    if (m->ch[i].queued && (m->inflight || dh_may_free(m, &m->ch[i])))
      next = umin(next, dh_after(m, m->ch[i].wake));
  return next == UINT64_MAX ? next : umax(next, m->host_now + 1);
}

/* Whether a caller at host cycle h (simulated up to it) could see what it
 * did not at its last cycle: a completion to pop, or room in a queue
 * that refused a request then. Anything else it sees comes from its own
 * events, which the limit of dh_next_event covers. */
static bool dh_observable(const dh_t *m, uint64_t h) {
  int i;
  if (m->nheap && dh_host(m, m->heap[0].done) <= h) return true;
  for (i = 0; i < m->nwatched; i++) {
    const dh_chan_t *c = &m->ch[m->watched[i]];
    if (c->tqn[0] < c->watch[0] || c->tqn[1] < c->watch[1]) return true;
  }
  return false;
}

static void dh_unwatch(dh_t *m) {
  int i;
  for (i = 0; i < m->nwatched; i++)
    m->ch[m->watched[i]].watch[0] = m->ch[m->watched[i]].watch[1] = -1;
  m->nwatched = 0;
}

/* The run-ahead. The reference loop wakes its caller at every dh_ref_next
 * cycle; at a wake where dh_observable is false the caller pops nothing
 * and is refused again, so its state cannot change. Those wakes (before
 * limit, the caller's own next event) are made here instead, each a
 * dh_sim to the cycle, and the first wake the caller could observe is
 * returned. Its ticks' counts are held for the caller's first port call
 * there, which makes them in the reference loop (per-layer attribution
 * sees them in the same place). In reference mode no wake is made here. */
static uint64_t dh_next_event(mem_t *mm, uint64_t limit) {
  dh_t *m = (dh_t *)mm;
  uint64_t h = dh_ref_next(m);
  while (!dh_ref_mode && h < limit) {
    m->cnt = m->held;
    dh_sim(m, h);
    if (dh_observable(m, h)) break;
    dh_release(m);
    h = dh_ref_next(m);
  }
  dh_unwatch(m);
  return h;
}

void dram_hbm2_reference(bool on) { dh_ref_mode = on; }

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
  free(m->watched);
  free(m);
}

static const mem_ops_t dh_ops = {dh_can_accept, dh_push,   dh_pop_done,
                                 dh_next_event, dh_finish, dh_destroy};

/* ---- construction ------------------------------------------------------- */

/* Channel c's state: every bank precharged, the first refresh of rank r
 * due at (r + 1) tREFI / ranks (ranks staggered), the pool all free. */
static int dh_chan_init(dh_t *m, dh_chan_t *c) {
  int i, r, npool = m->tqd[0] + m->tqd[1] + m->nbanks * m->cmdq;
  c->bank = calloc((size_t)m->nbanks, sizeof *c->bank);
  c->group = calloc((size_t)(m->nranks * m->ngroups), sizeof *c->group);
  c->rank = calloc((size_t)m->nranks, sizeof *c->rank);
  c->ent = calloc((size_t)npool, sizeof *c->ent);
  if (!c->bank || !c->group || !c->rank || !c->ent) return -1;
  for (i = 0; i < m->nbanks; i++) {
    dl_init(&c->bank[i].q);
    dl_init(&c->bank[i].wait[0]);
    dl_init(&c->bank[i].wait[1]);
    c->bank[i].open_row = -1;
    c->bank[i].hit[0] = c->bank[i].hit[1] = -1;
  }
  for (r = 0; r < m->nranks; r++) {
    int per = m->ngroups * m->nbanks_g;
    c->rank[r].ref_due = (uint64_t)m->trefi * (uint64_t)(r + 1) / (uint64_t)m->nranks;
    c->rank[r].mask = (per == 64 ? ~(uint64_t)0 : (((uint64_t)1 << per) - 1))
                      << (r * per);
  }
  dl_init(&c->free);
  for (i = 0; i < npool; i++) dl_append(c->ent, &c->free, i);
  c->watch[0] = c->watch[1] = -1;
  dh_ref_min(m, c);
  c->wake = c->ref_min;
  return 0;
}

/* Request records: a read holds a transaction until its last burst
 * issues, then waits CL + burst cycles for its data; a write is done a
 * cycle after it is accepted. A record is free again when the request is
 * popped (can_accept refuses while none is free). */
static int dh_reqs_init(dh_t *m) {
  int n = m->nch * (m->tqd[0] + m->tqd[1] + m->nbanks * m->cmdq + m->cl +
                    m->bc + 2);
  int i;
  m->req = calloc((size_t)n, sizeof *m->req);
  m->heap = calloc((size_t)n, sizeof *m->heap);
  m->count = calloc((size_t)m->nch, sizeof *m->count);
  m->watched = calloc((size_t)m->nch, sizeof *m->watched);
  if (!m->req || !m->heap || !m->count || !m->watched) return -1;
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
  m->tqd[0] = c->dram_queue_depth;
  m->tqd[1] = c->dram_write_queue_depth;
  m->drain_high = c->dram_write_drain_high;
  m->drain_low = c->dram_write_drain_low;
  m->dual = c->dram_dual_command;
  m->same_clock = dram_ghz == host_ghz;
  m->ratio = dram_ghz / host_ghz;
  dh_tables(m, c);
  m->rd_gap = m->d[DH_RD][DH_RANK][DH_RD] >= 1 &&
              (m->nranks == 1 || m->d[DH_RD][DH_OTHER][DH_RD] >= 1);
  dh_mapping(m, c);
}

mem_t *dram_hbm2_new(const cfg_t *c, double host_ghz, stats_t *st) {
  dh_t *m = calloc(1, sizeof *m);
  int i;
  if (!m) return NULL;
  m->base.ops = &dh_ops;
  m->st = st;
  m->cnt = st->c;
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

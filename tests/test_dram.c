/* The bank-level HBM2 model (sim/dram_hbm2.c) and the trace replay.
 *
 * Latencies are pinned to formulas worked out by hand from the timing
 * keys of the config under test (never to numbers the model printed):
 * on one channel of the default HBM2 (BC = burst cycles = 64 B * 8 /
 * (2 * 128 bits) = 2), a request accepted at cycle t moves to its bank's
 * command queue at the end of cycle t, after the cycle's commands (as in
 * DRAMsim3's Controller::ClockTick), one transaction per cycle, and may
 * issue its first command in cycle t + 1, so
 *   read, closed bank:   t + 1 + tRCD + CL + BC
 *   read, open row:      t + 1 + CL + BC
 *   write:               t + 1 (acknowledged from the write queue; its WR
 *                        issues when a write drain reaches it)
 *   5th ACT in a window: 1 + max(4 tRRD_S, tFAW) (the first four go
 *                        tRRD_S apart, each in its own bank group)
 *   refresh:             every tREFI, a rank precharges (tRP if a row is
 *                        open) and refreshes for tRFC before the next ACT.
 * Bank command queues are served round robin (DRAMsim3 CommandQueue::
 * GetCommandToIssue): from the bank after the one that issued last, the
 * first bank with a ready command issues, whatever the age of its work.
 * Event skipping is checked by driving the same random requests once
 * cycle by cycle and once jumping to next_event: every completion cycle
 * must agree. The reference test replays ../shared/dram-reference's
 * traces and holds the results to its results.json (see there); it fails
 * when the folder is absent.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "dram_hbm2.h"
#include "dram_replay.h"
#include "memtrace.h"
#include "testutil.h"

/* ---- a memory and its addresses ------------------------------------- */

static cfg_t hbm2_cfg(int channels) {
  cfg_t c;
  cfg_defaults(&c);
  cr_assert_str_eq(c.dram_model, "hbm2");
  c.dram_channels = channels;
  return c;
}

static int lg(int64_t x) {
  int n = 0;
  while (((int64_t)1 << n) < x) n++;
  return n;
}

/* The address of (channel, bank group, bank, row, column) under the
 * default mapping row-rank-bankgroup-bank-channel-column (rank 0), most
 * significant field first, above the byte offset in a burst. */
static uint64_t addr_of(const cfg_t *c, int ch, int bg, int ba, uint64_t row,
                        int col) {
  uint64_t a = row;
  a = a << lg(c->dram_ranks);
  a = (a << lg(c->dram_bankgroups)) | (uint64_t)bg;
  a = (a << lg(c->dram_banks_per_group)) | (uint64_t)ba;
  a = (a << lg(c->dram_channels)) | (uint64_t)ch;
  a = (a << lg(c->dram_row_bytes / c->dram_burst_bytes)) | (uint64_t)col;
  return a << lg(c->dram_burst_bytes);
}

static int bc(const cfg_t *c) {
  return c->dram_burst_bytes * 8 / (2 * c->dram_bus_bits);
}

/* ---- a driver ---------------------------------------------------------- */

typedef struct req {
  uint64_t at;   /* first cycle it is offered */
  uint64_t addr;
  uint32_t bytes;
  bool write;
  uint64_t accepted, done;
} req_t;

/* Offer reqs in order (each from its .at on, retried while refused) and
 * run until all complete. every_cycle: visit every cycle; else jump to
 * next_event (or the next offer) after a cycle in which nothing was
 * pushed or popped, as the engine does. Returns the last completion. */
static uint64_t drive(mem_t *m, req_t *r, int n, bool every_cycle) {
  uint64_t now = 0, last = 0;
  int i = 0, done = 0;
  while (done < n) {
    mem_req_t out, q;
    bool moved = false;
    while (m->ops->pop_done(m, now, &out)) {
      cr_assert_eq(r[out.tag].done, 0, "request %u completed twice", out.tag);
      cr_assert_geq(out.done, r[out.tag].accepted);
      cr_assert_leq(out.done, now);
      r[out.tag].done = out.done;
      last = out.done > last ? out.done : last;
      done++, moved = true;
    }
    while (i < n && r[i].at <= now) {
      q.addr = r[i].addr, q.bytes = r[i].bytes, q.write = r[i].write;
      q.tag = (uint32_t)i;
      if (!m->ops->can_accept(m, &q)) break;
      m->ops->push(m, &q, now);
      r[i++].accepted = now, moved = true;
    }
    if (done == n) break;
    if (every_cycle || moved) {
      now++;
    } else {
      uint64_t lim = i < n && r[i].at > now ? r[i].at : UINT64_MAX;
      uint64_t next = m->ops->next_event(m, lim);
      if (lim < next) next = lim;
      cr_assert(next > now && next != UINT64_MAX, "stalled at %llu",
                (unsigned long long)now);
      now = next;
    }
    cr_assert_lt(now, (uint64_t)100000000, "runaway");
  }
  return last;
}

/* One memory, the requests, the stats; freed by the caller. */
static mem_t *new_mem(const cfg_t *c, stats_t *st) {
  mem_t *m;
  st_init(st);
  m = dram_hbm2_new(c, dram_clock_ghz(c), st);
  cr_assert_not_null(m);
  return m;
}

static req_t rd(uint64_t at, uint64_t addr) {
  req_t r = {at, addr, 64, false, 0, 0};
  return r;
}

/* ---- hand-derived latencies ------------------------------------------ */

Test(dram_hbm2, read_closed_bank_then_open_row) {
  cfg_t c = hbm2_cfg(1);
  const struct cfg_dram_timing *t = &c.dram_tm;
  stats_t st;
  mem_t *m = new_mem(&c, &st);
  /* the second read, to the same row, is offered after the first is done */
  uint64_t t1 = (uint64_t)(1 + t->trcd + t->cl + bc(&c)) + 10;
  req_t r[2] = {rd(0, addr_of(&c, 0, 1, 2, 77, 3)), rd(t1, addr_of(&c, 0, 1, 2, 77, 9))};
  drive(m, r, 2, false);
  cr_expect_eq(r[0].done, (uint64_t)(1 + t->trcd + t->cl + bc(&c)));
  cr_expect_eq(r[1].done, t1 + (uint64_t)(1 + t->cl + bc(&c)));
  cr_expect_eq(st.c[ST_DRAM_ACTIVATES], 1);
  cr_expect_eq(st.c[ST_DRAM_READ_BURSTS], 2);
  cr_expect_eq(st.c[ST_DRAM_ROW_HITS], 1);
  m->ops->destroy(m);
}

/* Writes are acknowledged a cycle after acceptance and wait in the write
 * queue: up to dram.write_drain_low of them never reach the DRAM while
 * the memory idles; one more starts a drain at once (the command queues
 * are empty). Nine writes to one row: ACT at 1, WRs from 1 + tRCD every
 * max(BC, tCCD_L) (the ninth waits for a command queue slot, which frees
 * at the first WR, long before its turn). A read of that row offered in
 * cycle 2 moves only after the drain, and its RD waits tWTR_L after the
 * last write's data: RD = 1 + tRCD + 8 max(BC, tCCD_L) + CWL + BC +
 * tWTR_L, done CL + BC later. */
Test(dram_hbm2, writes_acknowledged_then_drained) {
  cfg_t c = hbm2_cfg(1);
  const struct cfg_dram_timing *t = &c.dram_tm;
  uint64_t step = (uint64_t)(bc(&c) > t->tccd_l ? bc(&c) : t->tccd_l), wr9, rd_at;
  stats_t st;
  req_t r[10];
  mem_t *m;
  int i, low = c.dram_write_drain_low;
  cr_assert_eq(low, 8, "DRAMsim3's low watermark");
  cr_assert_eq(c.dram_cmd_queue_depth, 8);
  for (i = 0; i < 10; i++) {
    r[i] = rd(0, addr_of(&c, 0, 0, 0, 5, i));
    r[i].write = i < 9;
  }
  m = new_mem(&c, &st);
  drive(m, r, low, false);
  m->ops->finish(m, 5000);
  for (i = 0; i < low; i++) cr_expect_eq(r[i].done, 1, "write %d", i);
  cr_expect_eq(st.c[ST_DRAM_WRITE_BURSTS], 0);
  cr_expect_eq(st.c[ST_DRAM_ACTIVATES], 0);
  m->ops->destroy(m);
  for (i = 0; i < 10; i++) r[i].done = r[i].accepted = 0;
  r[9].at = 2;
  m = new_mem(&c, &st);
  drive(m, r, 10, false);
  for (i = 0; i < 9; i++) cr_expect_eq(r[i].done, 1, "write %d", i);
  wr9 = 1 + (uint64_t)t->trcd + 8 * step;
  rd_at = wr9 + (uint64_t)(t->cwl + bc(&c) + t->twtr_l);
  cr_expect_eq(r[9].done, rd_at + (uint64_t)(t->cl + bc(&c)));
  cr_expect_eq(st.c[ST_DRAM_WRITE_BURSTS], 9);
  cr_expect_eq(st.c[ST_DRAM_ACTIVATES], 1);
  cr_expect_eq(st.c[ST_DRAM_ROW_HITS], 9);
  m->ops->destroy(m);
}

/* The high watermark: with the low one just below it, one write short of
 * dram.write_drain_high stays queued; reaching it drains them all. */
Test(dram_hbm2, write_drain_at_the_high_watermark) {
  static req_t r[64];
  cfg_t c = hbm2_cfg(1);
  stats_t st;
  mem_t *m;
  int i, k, high = c.dram_write_drain_high;
  cr_assert_eq(high, c.dram_write_queue_depth, "DRAMsim3: drain when full");
  c.dram_write_drain_low = high - 1;
  for (k = high - 1; k <= high; k++) {
    for (i = 0; i < k; i++) {
      r[i] = rd(0, addr_of(&c, 0, i % 4, (i / 4) % 4, 7, i / 16));
      r[i].write = true;
    }
    m = new_mem(&c, &st);
    drive(m, r, k, false);
    m->ops->finish(m, 5000);
    cr_expect_eq(st.c[ST_DRAM_WRITE_BURSTS], k == high ? (uint64_t)high : 0,
                 "%d writes", k);
    m->ops->destroy(m);
  }
}

/* Round robin, not oldest first. Four reads to bank A (group 1, bank 0,
 * flat index 4) then four to bank B (group 2, index 8), one row each, all
 * offered at 0. Moves: A's at the ends of 0..3, B's of 4..7. ACT A at 1,
 * ACT B at 5 (1 + tRRD_S). RDs need max(BC, tCCD_S) = 2 apart in the rank
 * and max(BC, tCCD_L) = 2 in a group: A1 at 15 = 1 + tRCD, A2 at 17; at
 * 19 both A3 (17 + 2) and B1 (5 + tRCD, 17 + 2) are ready, and the search
 * starts after A, the bank that issued last: B1 at 19, then A3 21, B2 23,
 * A4 25, B3 27, B4 29 (oldest first would give A3 19, A4 21, B1 23). */
Test(dram_hbm2, bank_queues_served_round_robin) {
  cfg_t c = hbm2_cfg(1);
  const struct cfg_dram_timing *t = &c.dram_tm;
  static const int order[8] = {0, 1, 3, 5, 2, 4, 6, 7}; /* RD slots A1..A4 B1..B4 */
  uint64_t lat = (uint64_t)(t->cl + bc(&c)), first = 1 + (uint64_t)t->trcd;
  stats_t st;
  mem_t *m = new_mem(&c, &st);
  req_t r[8];
  int i;
  cr_assert(bc(&c) == 2 && t->tccd_s <= 2 && t->tccd_l <= 2 && t->trrd_s == 4,
            "the slots above assume these");
  for (i = 0; i < 8; i++) r[i] = rd(0, addr_of(&c, 0, i < 4 ? 1 : 2, 0, 3, i % 4));
  drive(m, r, 8, false);
  for (i = 0; i < 8; i++)
    cr_expect_eq(r[i].done, first + 2 * (uint64_t)order[i] + lat, "read %c%d",
                 i < 4 ? 'A' : 'B', i % 4 + 1);
  m->ops->destroy(m);
}

/* A row conflict: the second read to another row of the same bank waits
 * for tRAS from the first ACT (at 1), then tRP, then its own tRCD. */
Test(dram_hbm2, row_conflict_precharges) {
  cfg_t c = hbm2_cfg(1);
  const struct cfg_dram_timing *t = &c.dram_tm;
  stats_t st;
  mem_t *m = new_mem(&c, &st);
  req_t r[2] = {rd(0, addr_of(&c, 0, 2, 1, 10, 0)), rd(1, addr_of(&c, 0, 2, 1, 11, 0))};
  uint64_t pre = 1 + (uint64_t)t->tras; /* tRAS > tRCD + tRTP here */
  cr_assert_gt(t->tras, t->trcd + t->trtp);
  drive(m, r, 2, false);
  cr_expect_eq(r[1].done, pre + (uint64_t)(t->trp + t->trcd + t->cl + bc(&c)));
  cr_expect_eq(st.c[ST_DRAM_PRECHARGES], 1);
  cr_expect_eq(st.c[ST_DRAM_ROW_HITS], 0);
  m->ops->destroy(m);
}

/* Five reads to five banks, offered together (moved one a cycle, so the
 * first ACT is at 1): the first four activates go tRRD_S apart (bank
 * groups 0..3), the fifth (bank group 0 again, another bank) waits for
 * the four-activate window. */
Test(dram_hbm2, fifth_activate_waits_for_tfaw) {
  cfg_t c = hbm2_cfg(1);
  const struct cfg_dram_timing *t = &c.dram_tm;
  stats_t st;
  mem_t *m = new_mem(&c, &st);
  req_t r[5];
  uint64_t act5;
  int i;
  for (i = 0; i < 4; i++) r[i] = rd(0, addr_of(&c, 0, i, 0, 1, 0));
  r[4] = rd(0, addr_of(&c, 0, 0, 1, 1, 0));
  cr_assert_gt(t->tfaw, 4 * t->trrd_s, "the test needs tFAW to bind");
  cr_assert_leq(t->trrd_l, t->tfaw);
  drive(m, r, 5, false);
  for (i = 0; i < 4; i++)
    cr_expect_eq(r[i].done, (uint64_t)(1 + i * t->trrd_s + t->trcd + t->cl + bc(&c)),
                 "read %d", i);
  act5 = 1 + (uint64_t)(t->tfaw > 4 * t->trrd_s ? t->tfaw : 4 * t->trrd_s);
  cr_expect_eq(r[4].done, act5 + (uint64_t)(t->trcd + t->cl + bc(&c)));
  /* without the window the fifth would follow tRRD_S */
  m->ops->destroy(m);
  c.dram_tm.tfaw = 1;
  m = new_mem(&c, &st);
  for (i = 0; i < 5; i++) r[i].done = r[i].accepted = 0;
  drive(m, r, 5, false);
  cr_expect_eq(r[4].done, (uint64_t)(1 + 4 * t->trrd_s + t->trcd + t->cl + bc(&c)));
  m->ops->destroy(m);
}

/* Reads offered when a refresh falls due wait tRFC behind it, every
 * tREFI; an open row is precharged first (tRP). Their move to the command
 * queue, at the end of the cycle they arrive, hides behind the refresh. */
Test(dram_hbm2, refresh_blocks_the_rank_every_trefi) {
  cfg_t c = hbm2_cfg(1);
  const struct cfg_dram_timing *t = &c.dram_tm;
  uint64_t refi = (uint64_t)t->trefi, lat = (uint64_t)(t->trcd + t->cl + bc(&c));
  uint64_t after = refi + (uint64_t)t->trfc + 100;
  stats_t st;
  mem_t *m = new_mem(&c, &st);
  req_t r[3] = {rd(refi, addr_of(&c, 0, 0, 0, 3, 0)),
                rd(after, addr_of(&c, 0, 0, 0, 3, 1)),
                rd(2 * refi, addr_of(&c, 0, 2, 0, 3, 0))};
  drive(m, r, 3, false);
  /* every bank precharged at the first refresh: REF at tREFI */
  cr_expect_eq(r[0].done, refi + (uint64_t)t->trfc + lat);
  /* after it the rank works as before: a row hit */
  cr_expect_eq(r[1].done, after + (uint64_t)(1 + t->cl + bc(&c)));
  /* at 2 tREFI that row is still open (open page): PRE, tRP, REF, tRFC */
  cr_expect_eq(r[2].done, 2 * refi + (uint64_t)(t->trp + t->trfc) + lat);
  m->ops->finish(m, 3 * refi - 1);
  cr_expect_eq(st.c[ST_DRAM_REFRESHES], 2);
  cr_expect_eq(st.c[ST_DRAM_PRECHARGES], 1);
  m->ops->destroy(m);
}

/* Two reads on two channels run in parallel; a 1 KiB request (16 bursts
 * of one row, moved one a cycle) streams at one burst per max(BC, tCCD_L)
 * after the first. */
Test(dram_hbm2, channels_in_parallel_and_multi_burst_requests) {
  cfg_t c = hbm2_cfg(2);
  const struct cfg_dram_timing *t = &c.dram_tm;
  uint64_t lat = (uint64_t)(1 + t->trcd + t->cl + bc(&c));
  uint64_t step = (uint64_t)(bc(&c) > t->tccd_l ? bc(&c) : t->tccd_l);
  stats_t st;
  mem_t *m = new_mem(&c, &st);
  req_t r[3] = {rd(0, addr_of(&c, 0, 0, 0, 9, 0)), rd(0, addr_of(&c, 1, 0, 0, 9, 0)),
                rd(100, addr_of(&c, 0, 3, 3, 4, 0))};
  r[2].bytes = 1024;
  drive(m, r, 3, false);
  cr_expect_eq(r[0].done, lat);
  cr_expect_eq(r[1].done, lat);
  cr_expect_eq(r[2].done, 100 + lat + 15 * step);
  cr_expect_eq(st.c[ST_DRAM_TRANSFERRED_BYTES], 64 + 64 + 1024);
  m->ops->destroy(m);
}

/* A channel takes dram.queue_depth bursts, then refuses until one moves
 * on to its bank's command queue. */
Test(dram_hbm2, transaction_queue_back_pressure) {
  cfg_t c = hbm2_cfg(1);
  stats_t st;
  mem_t *m;
  mem_req_t q = {0, 64, false, 0, 0, 0};
  int i;
  c.dram_queue_depth = 4;
  m = new_mem(&c, &st);
  for (i = 0; i < 4; i++) {
    q.addr = addr_of(&c, 0, 0, 0, 1, i);
    cr_assert(m->ops->can_accept(m, &q));
    m->ops->push(m, &q, 0);
  }
  q.addr = addr_of(&c, 0, 0, 0, 1, 4);
  cr_expect_not(m->ops->can_accept(m, &q));
  cr_expect_eq(m->ops->next_event(m, UINT64_MAX), 1); /* one moves on in cycle 0 */
  while (m->ops->pop_done(m, 1, &q)) {
  }
  q.addr = addr_of(&c, 0, 0, 0, 1, 4);
  cr_expect(m->ops->can_accept(m, &q));
  m->ops->destroy(m);
}

/* The port in host cycles: a host clock twice the DRAM clock sees every
 * DRAM latency doubled. */
Test(dram_hbm2, host_clock_twice_the_dram_clock) {
  cfg_t c = hbm2_cfg(1);
  stats_t st;
  mem_t *m;
  req_t r = rd(0, addr_of(&c, 0, 1, 1, 1, 1));
  st_init(&st);
  m = dram_hbm2_new(&c, 2 * dram_clock_ghz(&c), &st);
  drive(m, &r, 1, false);
  cr_expect_eq(r.done, 2 * (uint64_t)(1 + c.dram_tm.trcd + c.dram_tm.cl + bc(&c)));
  m->ops->destroy(m);
}

/* ---- event skipping and bookkeeping ------------------------------------- */

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* Random reads and writes, multi-burst and unaligned ones included, on a
 * few rows of two channels with refreshes: completion cycles must be the
 * same whether every cycle is visited in reference mode or next_event is
 * trusted (and the model runs ahead, caches offers and streams). */
static void random_reqs(const cfg_t *c, req_t *r, int n, uint32_t seed) {
  uint64_t at = 0;
  int i;
  for (i = 0; i < n; i++) {
    uint32_t x = lcg(&seed);
    at += x % 4 == 0 ? x % 97 : x % 3;
    r[i].at = at;
    r[i].addr = addr_of(c, (int)(x >> 3) % 2, (int)(x >> 5) % 4, (int)(x >> 7) % 4,
                        (x >> 9) % 3, (int)(x >> 11) % 32) + (x >> 16) % 64;
    r[i].bytes = x % 5 == 0 ? 1 + (x >> 13) % 700 : 64;
    r[i].write = (x >> 20) % 4 == 0;
    r[i].accepted = r[i].done = 0;
  }
}

Test(dram_hbm2, next_event_skips_only_idle_cycles) {
  static req_t a[3000], b[3000];
  cfg_t c = hbm2_cfg(2);
  stats_t sa, sb;
  mem_t *m;
  int i, k;
  c.dram_tm.trefi = 700; /* many refreshes */
  for (k = 0; k < 3; k++) {
    c.dram_dual_command = k != 1;
    c.dram_row_hit_limit = k == 2 ? 1 : 4;
    random_reqs(&c, a, 3000, 11u + (uint32_t)k);
    memcpy(b, a, sizeof a);
    dram_hbm2_reference(true); /* every cycle, every offer, no shortcut */
    m = new_mem(&c, &sa);
    drive(m, a, 3000, true);
    m->ops->finish(m, 1000000);
    m->ops->destroy(m);
    dram_hbm2_reference(false);
    m = new_mem(&c, &sb);
    drive(m, b, 3000, false);
    m->ops->finish(m, 1000000);
    m->ops->destroy(m);
    for (i = 0; i < 3000; i++) {
      cr_assert_eq(a[i].accepted, b[i].accepted, "case %d request %d", k, i);
      cr_assert_eq(a[i].done, b[i].done, "case %d request %d", k, i);
    }
    cr_expect_eq(memcmp(sa.c, sb.c, sizeof sa.c), 0, "case %d counters", k);
    cr_expect_gt(sa.c[ST_DRAM_REFRESHES], 0);
    cr_expect_gt(sa.c[ST_DRAM_ROW_HITS], 0);
    cr_expect_gt(sa.c[ST_DRAM_PRECHARGES], 0);
  }
}

/* Standby cycles cover every rank for the whole run; energy is the sum of
 * its parts, each its count times its coefficient. */
Test(dram_hbm2, standby_and_energy_add_up) {
  static req_t r[500];
  cfg_t c = hbm2_cfg(2);
  const struct cfg_dram_power *p = &c.dram_pw;
  const struct cfg_dram_timing *t = &c.dram_tm;
  stats_t st;
  dram_energy_t e;
  double tck = 2 / c.dram_gbps_per_pin;
  mem_t *m;
  c.dram_ranks = 2;
  random_reqs(&c, r, 500, 5);
  m = new_mem(&c, &st);
  drive(m, r, 500, false);
  m->ops->finish(m, 50000);
  m->ops->destroy(m);
  cr_expect_eq(st.c[ST_DRAM_CYCLES], 50000);
  cr_expect_eq(st.c[ST_DRAM_ACT_STANDBY] + st.c[ST_DRAM_PRE_STANDBY],
               2 * 2 * 50000);
  dram_energy(&c, st.c, &e);
  cr_expect_float_eq(e.activate, (double)st.c[ST_DRAM_ACTIVATES] * p->vdd * tck *
                                     (p->idd0 * t->trc - p->idd3n * t->tras - p->idd2n * t->trp), 1e-6);
  cr_expect_float_eq(e.read, (double)st.c[ST_DRAM_READ_BURSTS] * p->vdd * tck *
                                 (p->idd4r - p->idd3n) * bc(&c), 1e-6);
  cr_expect_float_eq(e.pre_standby, (double)st.c[ST_DRAM_PRE_STANDBY] * p->vdd * tck * p->idd2n, 1e-6);
  cr_expect_float_eq(e.total, e.activate + e.read + e.write + e.refresh +
                                  e.act_standby + e.pre_standby, 1e-6);
  cr_expect_gt(e.write, 0);
  cr_expect_gt(e.refresh, 0);
}

/* ---- the trace reader ------------------------------------------------------ */

static int read_all(const char *text, size_t len, uint64_t *addr, bool *w,
                    int max, err_t *e) {
  FILE *f = fmemopen((void *)text, len, "r");
  mtr_t t;
  int n = 0, rc = 0;
  cr_assert_not_null(f);
  mtr_open(&t, f, "t.trace");
  while (n < max && (rc = mtr_next(&t, &addr[n], &w[n], e)) == 1) n++;
  mtr_close(&t);
  fclose(f);
  return rc == 0 ? n : -rc;
}

Test(memtrace, accepts_the_format) {
  static const char text[] = "0x0 R\n# a comment\n\n  0X1fF\tW  \r\n0xffffffffffffffff R";
  uint64_t a[8];
  bool w[8];
  err_t e;
  cr_assert_eq(read_all(text, sizeof text - 1, a, w, 8, &e), 3, "%s", e.msg);
  cr_expect_eq(a[0], 0);
  cr_expect_not(w[0]);
  cr_expect_eq(a[1], 0x1ff);
  cr_expect(w[1]);
  cr_expect_eq(a[2], UINT64_MAX);
}

/* A NUL byte cannot be text (fmemopen would stop at it: a real file). */
Test(memtrace, nul_byte_is_located) {
  static const char text[] = "0x0 R\n0x4\0 W\n";
  char path[256];
  FILE *f;
  mtr_t t;
  uint64_t a;
  bool w;
  err_t e;
  cr_assert(tu_write(path, sizeof path, "nul.trace", ""));
  f = fopen(path, "wb");
  cr_assert_eq(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
  fclose(f);
  f = fopen(path, "r");
  mtr_open(&t, f, "t.trace");
  cr_expect_eq(mtr_next(&t, &a, &w, &e), 1);
  cr_expect_eq(mtr_next(&t, &a, &w, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "t.trace:2:4: line: NUL byte"), "%s", e.msg);
  mtr_close(&t);
  fclose(f);
}

/* The reader reads ahead in blocks: lines that straddle a block's end, a
 * comment longer than a block and a last line with no newline read as
 * any others; a NUL after a complete request or inside a comment is
 * still refused, at its column. Expected values are counted by hand from
 * the text built here. */
Test(memtrace, lines_across_read_ahead_blocks) {
  enum { N = 30000 }; /* "0x%05x R\n" is 10 bytes: 300,000 bytes, 4+ blocks */
  static char text[N * 10 + 200000 + 64];
  static uint64_t a[N + 2];
  static bool w[N + 2];
  size_t len = 0;
  int i;
  err_t e;
  for (i = 0; i < N / 2; i++) len += (size_t)sprintf(text + len, "0x%05x R\n", i);
  text[len++] = '#';
  memset(text + len, 'y', 200000); /* a comment three blocks long */
  len += 200000;
  text[len++] = '\n';
  for (; i < N; i++) len += (size_t)sprintf(text + len, "0x%05x W\n", i);
  len += (size_t)sprintf(text + len, "0x%x R", N); /* no final newline */
  cr_assert_eq(read_all(text, len, a, w, N + 2, &e), N + 1, "%s", e.msg);
  for (i = 0; i <= N; i++) {
    cr_assert_eq(a[i], (uint64_t)i);
    cr_assert_eq(w[i], i >= N / 2 && i < N);
  }
}

/* fmemopen stops at a NUL, so these go through a real file. */
static int read_file(const char *text, size_t len, err_t *e) {
  char path[256];
  uint64_t a;
  bool w;
  FILE *f;
  mtr_t t;
  int rc;
  cr_assert(tu_write(path, sizeof path, "nul2.trace", ""));
  f = fopen(path, "wb");
  cr_assert_eq(fwrite(text, 1, len, f), len);
  fclose(f);
  f = fopen(path, "r");
  mtr_open(&t, f, "t.trace");
  while ((rc = mtr_next(&t, &a, &w, e)) == 1) {
  }
  mtr_close(&t);
  fclose(f);
  return rc;
}

Test(memtrace, nul_after_a_request_or_in_a_comment) {
  static const char after[] = "0x0 R\n0x4 W\0\r\n";
  static const char comment[] = "0x0 R\n\n# note\0\n0x4 W\n";
  static const char bad_and_nul[] = "0xZZ\0 R\n"; /* the NUL wins */
  err_t e;
  cr_expect_eq(read_file(after, sizeof after - 1, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "t.trace:2:6: line: NUL byte"), "%s", e.msg);
  cr_expect_eq(read_file(comment, sizeof comment - 1, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "t.trace:3:7: line: NUL byte"), "%s", e.msg);
  cr_expect_eq(read_file(bad_and_nul, sizeof bad_and_nul - 1, &e), ERR_BAD_INPUT);
  cr_expect(strstr(e.msg, "t.trace:1:5: line: NUL byte"), "%s", e.msg);
}

/* ---- the reference ------------------------------------------------------------ */

static const char *ref_dir(void) {
  const char *d = getenv("ATTNSIM_DRAM_REFERENCE");
  return d && *d ? d : "../shared/dram-reference";
}

/* results.json's number for trace.key (a flat two-level object). */
static double ref_value(const char *json, const char *trace, const char *key) {
  char pat[64];
  const char *p;
  snprintf(pat, sizeof pat, "\"%s\"", trace);
  p = strstr(json, pat);
  cr_assert_not_null(p, "results.json lacks %s", trace);
  snprintf(pat, sizeof pat, "\"%s\":", key);
  p = strstr(p, pat);
  cr_assert_not_null(p, "results.json lacks %s.%s", trace, key);
  return strtod(p + strlen(pat), NULL);
}

static void replay(const cfg_t *c, const char *path, int k, drp_result_t *r) {
  FILE *f = fopen(path, "r");
  mtr_t t;
  err_t e;
  int rc;
  cr_assert_not_null(f, "%s", path);
  mtr_open(&t, f, path);
  rc = drp_run(c, &t, k, r, &e);
  mtr_close(&t);
  fclose(f);
  cr_assert_eq(rc, 0, "%s", e.msg);
}

/* Every trace in the reference's traces/ (its results.json must have it)
 * replayed on configs/dram/hbm2-reference.yaml, 8 offers a cycle, against
 * DRAMsim3's figures. Tolerances: cycles 3% and mean read latency 10%
 * (issue 14's targets), activates, refreshes and energy 2%, row-hit rate
 * 0.01. The model follows DRAMsim3's controller (round robin over bank
 * queues, read and write queues, write drain), so the read-only traces
 * agree to a few cycles; what is left on mixed_rw is what it leaves out
 * (requests to one address merged or served from the write buffer), well
 * inside these bounds. A missing reference is a failure: this is the
 * model's only outside check. */
Test(dram_reference, every_trace_within_tolerance, .timeout = 3600) {
  char path[512], *json;
  struct stat sb;
  struct dirent *de;
  DIR *dir;
  cfg_t c;
  err_t e;
  int n = 0;
  snprintf(path, sizeof path, "%s/results.json", ref_dir());
  cr_assert_eq(stat(path, &sb), 0, "no DRAM reference at %s (set ATTNSIM_DRAM_REFERENCE)",
               ref_dir());
  json = tu_slurp(path);
  cr_assert_not_null(json);
  cr_assert_eq(cfg_load("configs/dram/hbm2-reference.yaml", &c, &e), 0, "%s", e.msg);
  snprintf(path, sizeof path, "%s/traces", ref_dir());
  dir = opendir(path);
  cr_assert_not_null(dir, "%s", path);
  while ((de = readdir(dir))) {
    char name[128];
    size_t len = strlen(de->d_name);
    drp_result_t r;
    double v;
    if (len <= 6 || len - 6 >= sizeof name || strcmp(de->d_name + len - 6, ".trace")) continue;
    memcpy(name, de->d_name, len - 6);
    name[len - 6] = 0;
    snprintf(path, sizeof path, "%s/traces/%s", ref_dir(), de->d_name);
    replay(&c, path, 8, &r);
    n++;
    cr_expect_eq((double)r.requests, ref_value(json, name, "requests"), "%s requests", name);
    v = ref_value(json, name, "cycles");
    cr_expect_leq(fabs((double)r.cycles / v - 1), 0.03, "%s: cycles %llu vs %.0f", name,
                  (unsigned long long)r.cycles, v);
    v = ref_value(json, name, "mean_read_latency_cycles");
    cr_expect_leq(fabs(r.mean_read_latency_cycles / v - 1), 0.10,
                  "%s: mean read latency %.2f vs %.2f", name, r.mean_read_latency_cycles, v);
    v = ref_value(json, name, "row_hit_rate");
    cr_expect_leq(fabs(r.row_hit_rate - v), 0.01, "%s: row-hit rate %.4f vs %.4f", name,
                  r.row_hit_rate, v);
    v = ref_value(json, name, "activates");
    cr_expect_leq(fabs((double)r.st.c[ST_DRAM_ACTIVATES] / v - 1), 0.02,
                  "%s: activates %llu vs %.0f", name,
                  (unsigned long long)r.st.c[ST_DRAM_ACTIVATES], v);
    v = ref_value(json, name, "refreshes");
    cr_expect_leq(fabs((double)r.st.c[ST_DRAM_REFRESHES] / v - 1), 0.02,
                  "%s: refreshes %llu vs %.0f", name,
                  (unsigned long long)r.st.c[ST_DRAM_REFRESHES], v);
    v = ref_value(json, name, "energy_pJ");
    cr_expect_leq(fabs(r.energy.total / v - 1), 0.02, "%s: energy %.0f vs %.0f pJ", name,
                  r.energy.total, v);
  }
  closedir(dir);
  cr_expect_geq(n, 3, "%d traces in %s/traces", n, ref_dir());
  free(json);
}

/* ---- the command line ------------------------------------------------------------ */

/* attnsim dram writes the replay's figures; the same trace gives the same
 * bytes; the JSON carries every key the issue asks for. */
Test(cli_dram, json_is_complete_and_deterministic) {
  static const char *keys[] = {"\"cycles\": ", "\"bandwidth_GBps\": ",
                               "\"mean_read_latency_cycles\": ", "\"activates\": ",
                               "\"row_hit_rate\": ", "\"refreshes\": ", "\"energy_pj\": "};
  char path[256], *a, *b;
  size_t i;
  cr_assert(tu_write(path, sizeof path, "cli.trace",
                     "0x0 R\n0x40 R\n0x10000 W\n0x40 R\n0x123456c0 R\n"));
  {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "attnsim dram --config configs/dram/hbm2-reference.yaml "
             "--issue-per-cycle 2 --json build/tests/tmp/d1.json %s >/dev/null", path);
    cr_assert_eq(tu_sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "attnsim dram --config configs/dram/hbm2-reference.yaml "
             "--issue-per-cycle 2 --json build/tests/tmp/d2.json %s >/dev/null", path);
    cr_assert_eq(tu_sh(cmd), 0);
  }
  a = tu_slurp("build/tests/tmp/d1.json");
  b = tu_slurp("build/tests/tmp/d2.json");
  cr_assert(a && b);
  cr_expect_str_eq(a, b);
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
    cr_expect(strstr(a, keys[i]), "no %s in %s", keys[i], a);
  cr_expect(strstr(a, "\"requests\": 5,"), "%s", a);
  free(a);
  free(b);
}

/* ---- presets of current parts (configs/dram/) ---------------------------------- */

/* Each preset loads; its peak, channels x bus bits x Gb/s per pin / 8,
 * is the datasheet figure worked out by hand; the three reference traces
 * replay in full, the stream within 85% of the peak. Why 85%: the
 * reference HBM2 (DRAMsim3, results.json) streams at 92.4% of its peak;
 * what a stream loses is refresh (tRFC / tREFI: 7.2 to 9.0% here) and an
 * activate per row (1 in 32 to 64 bursts), so 85% leaves room for both
 * and still catches a preset whose timing or mapping halves it (a stream
 * on one bank group is tCCD_L-bound: 50 to 67% of peak). */
Test(dram_presets, peak_by_hand_and_stream_near_it, .timeout = 3600) {
  static const struct {
    const char *file;
    double peak; /* GB/s, from the datasheet figures in the comment */
  } presets[] = {
      {"configs/dram/hbm2e.yaml", 409.6},    /* JESD235C: 8 x 128 bits x 3.2 Gb/s / 8 */
      {"configs/dram/hbm3.yaml", 819.2},     /* JESD238: 16 x 64 bits x 6.4 Gb/s / 8 */
      {"configs/dram/ddr5-4800.yaml", 38.4}, /* JESD79-5: 2 x 32 bits x 4.8 Gb/s / 8 */
      {"configs/dram/lpddr5.yaml", 51.2},    /* JESD209-5: 4 x 16 bits x 6.4 Gb/s / 8 */
  };
  static const char *traces[] = {"stream_read", "random_read", "mixed_rw"};
  char path[512];
  struct stat sb;
  snprintf(path, sizeof path, "%s/traces/stream_read.trace", ref_dir());
  for (size_t p = 0; p < sizeof presets / sizeof presets[0]; p++) {
    cfg_t c;
    err_t e;
    cr_assert_eq(cfg_load(presets[p].file, &c, &e), 0, "%s", e.msg);
    double peak = c.dram_channels * c.dram_bus_bits * c.dram_gbps_per_pin / 8;
    cr_expect(fabs(peak - presets[p].peak) < 1e-9, "%s: peak %g GB/s, datasheet %g",
              presets[p].file, peak, presets[p].peak);
    if (stat(path, &sb) != 0) continue; /* no reference traces: loading only */
    for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
      drp_result_t r;
      char tr[512];
      snprintf(tr, sizeof tr, "%s/traces/%s.trace", ref_dir(), traces[i]);
      replay(&c, tr, 8, &r);
      cr_expect_eq(r.requests, 200000, "%s %s", presets[p].file, traces[i]);
      cr_expect(r.bandwidth_gbps > 0 && r.bandwidth_gbps <= presets[p].peak,
                "%s %s: %g GB/s", presets[p].file, traces[i], r.bandwidth_gbps);
      if (i == 0)
        cr_expect_geq(r.bandwidth_gbps, 0.85 * presets[p].peak, "%s stream: %g of %g GB/s",
                      presets[p].file, r.bandwidth_gbps, presets[p].peak);
    }
  }
}

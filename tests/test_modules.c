/* Each block's latency pinned to a formula derived by hand from its
 * description (sim/timing.h), not read back from the code. */
#include <criterion/criterion.h>
#include <string.h>

#include "mem.h"
#include "op.h"
#include "timing.h"

static cfg_t base_cfg(void) {
  cfg_t c;
  memset(&c, 0, sizeof c);
  c.clock_ghz = 1.0;
  c.width = 12;
  c.qk_multipliers = 512;
  c.av_multipliers = 512;
  c.mult_latency = 1;
  c.adder_latency = 1;
  c.softmax_units = 16;
  c.softmax_max_latency = 4;
  c.softmax_exp_latency = 8;
  c.softmax_div_latency = 12;
  c.dram_channels = 1;
  c.dram_bus_bits = 128;
  c.dram_gbps_per_pin = 2.0; /* 128/8 * 2 = 32 B/ns = 32 B/cycle at 1 GHz */
  c.dram_burst_bytes = 32;
  c.dram_latency_ns = 50;
  c.dram_queue_depth = 8;
  c.fetch_request_bytes = 1024;
  c.fetch_max_outstanding = 8;
  return c;
}

static void no_exec(bufs_t *b, const insn_t *in, stats_t *st) {
  (void)b, (void)in, (void)st;
}

/* n keys of dimension d on m multipliers: ceil(n*d/m) cycles, then the
 * multiplier stage and log2(d) adder levels. */
Test(timing, qk_array_wide) {
  cfg_t c = base_cfg();
  timing_t t;
  insn_t in = {.op = OP_QK, .c = 100};
  uint64_t occ, depth;
  tm_init(&t, &c, 64);
  qk_cost(&t, NULL, &in, &occ, &depth);
  cr_expect_eq(occ, (100 * 64 + 511) / 512); /* 13 */
  cr_expect_eq(depth, 1 + 6);
}

/* Fewer multipliers than elements: each key takes d/m cycles and an extra
 * accumulator level. */
Test(timing, qk_array_narrow) {
  cfg_t c = base_cfg();
  timing_t t;
  insn_t in = {.op = OP_QK, .c = 5};
  uint64_t occ, depth;
  c.qk_multipliers = 32;
  c.adder_latency = 2;
  tm_init(&t, &c, 64);
  qk_cost(&t, NULL, &in, &occ, &depth);
  cr_expect_eq(occ, 5 * 2);
  cr_expect_eq(depth, 1 + 2 * (5 + 1));
}

/* 512 multipliers take 8 value rows of 64 per cycle; tree of 3 levels
 * across rows plus the accumulator. */
Test(timing, av_array) {
  cfg_t c = base_cfg();
  timing_t t;
  insn_t in = {.op = OP_AV, .c = 100};
  uint64_t occ, depth;
  tm_init(&t, &c, 64);
  av_cost(&t, NULL, &in, &occ, &depth);
  cr_expect_eq(occ, 13);
  cr_expect_eq(depth, 1 + 3 + 1);
}

/* Three passes of ceil(len/u) cycles; the first two wait for their
 * pipelines, the last drains as the next softmax starts. */
Test(timing, softmax) {
  cfg_t c = base_cfg();
  timing_t t;
  insn_t in = {.op = OP_SMAX, .b = 100};
  uint64_t occ, depth;
  tm_init(&t, &c, 64);
  smax_cost(&t, NULL, &in, &occ, &depth);
  cr_expect_eq(occ, 3 * 7 + 4 + 8);
  cr_expect_eq(depth, 12);
}

/* Back-to-back instructions: the second enters when the first's input is
 * free and completes its own occupancy plus depth later. */
Test(timing, pipe_overlaps_instructions) {
  cfg_t c = base_cfg();
  timing_t t;
  pipe_t p;
  insn_t in = {.op = OP_QK, .c = 64}; /* 8 cycles, depth 7 */
  tm_init(&t, &c, 64);
  pipe_init(&p);
  pipe_start(&p, qk_cost, no_exec, &t, NULL, NULL, 1, &in, 100);
  cr_expect(!pipe_can_start(&p, 107));
  cr_assert(pipe_can_start(&p, 108));
  pipe_start(&p, qk_cost, no_exec, &t, NULL, NULL, 2, &in, 108);
  cr_expect_eq(pipe_pop_done(&p, 114), -1);
  cr_expect_eq(pipe_pop_done(&p, 115), 1);  /* 100 + 8 + 7 */
  cr_expect_eq(pipe_pop_done(&p, 122), -1);
  cr_expect_eq(pipe_pop_done(&p, 123), 2);  /* 108 + 8 + 7 */
}

static mem_req_t req(uint64_t addr, uint32_t bytes) {
  mem_req_t r;
  memset(&r, 0, sizeof r);
  r.addr = addr;
  r.bytes = bytes;
  return r;
}

/* One channel of 32 B/cycle, 50 cycles latency: 64 B arrive after 50 + 2;
 * a second request queues behind the first on the bus. */
Test(dram_simple, latency_plus_bandwidth) {
  cfg_t c = base_cfg();
  timing_t t;
  stats_t st;
  mem_t *m;
  mem_req_t a = req(0, 64), b = req(64, 64), out;
  tm_init(&t, &c, 64);
  st_init(&st);
  m = dram_simple_new(&t, &st);
  m->ops->push(m, &a, 0);
  m->ops->push(m, &b, 0);
  cr_expect_eq(m->ops->next_event(m, UINT64_MAX), 52);
  cr_expect(!m->ops->pop_done(m, 51, &out));
  cr_assert(m->ops->pop_done(m, 52, &out));
  cr_expect_eq(out.addr, 0);
  cr_assert(m->ops->pop_done(m, 54, &out));
  cr_expect_eq(out.addr, 64);
  cr_expect_eq(st.c[ST_DRAM_READ_LATENCY], 52 + 54);
  m->ops->destroy(m);
}

/* 16 channels interleaved by burst: 1024 B = 32 bursts = 2 per channel,
 * so the whole request takes latency + 2 cycles. */
Test(dram_simple, channels_share_a_request) {
  cfg_t c = base_cfg();
  timing_t t;
  stats_t st;
  mem_t *m;
  mem_req_t a = req(0, 1024);
  c.dram_channels = 16;
  tm_init(&t, &c, 64);
  st_init(&st);
  m = dram_simple_new(&t, &st);
  m->ops->push(m, &a, 10);
  cr_expect_eq(m->ops->next_event(m, UINT64_MAX), 10 + 50 + 2);
  m->ops->destroy(m);
}

/* Payload vs bus bytes: 10 bytes at address 30 straddle two 32 B bursts. */
Test(dram_simple, burst_rounding) {
  cfg_t c = base_cfg();
  timing_t t;
  stats_t st;
  mem_t *m;
  mem_req_t a = req(30, 10);
  tm_init(&t, &c, 64);
  st_init(&st);
  m = dram_simple_new(&t, &st);
  m->ops->push(m, &a, 0);
  cr_expect_eq(st.c[ST_DRAM_READ_BYTES], 10);
  cr_expect_eq(st.c[ST_DRAM_TRANSFERRED_BYTES], 64);
  m->ops->destroy(m);
}

/* A channel with queue_depth unfinished requests refuses the next. */
Test(dram_simple, back_pressure) {
  cfg_t c = base_cfg();
  timing_t t;
  stats_t st;
  mem_t *m;
  mem_req_t a = req(0, 32), b = req(32, 32), out;
  c.dram_queue_depth = 1;
  tm_init(&t, &c, 64);
  st_init(&st);
  m = dram_simple_new(&t, &st);
  cr_assert(m->ops->can_accept(m, &a));
  m->ops->push(m, &a, 0);
  cr_expect(!m->ops->can_accept(m, &b));
  cr_assert(m->ops->pop_done(m, 51, &out));
  cr_expect(m->ops->can_accept(m, &b));
  m->ops->destroy(m);
}

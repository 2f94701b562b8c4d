#include "timing.h"

#include <math.h>

static int ceil_log2(int x) {
  int n = 0;
  while ((1 << n) < x) n++;
  return n;
}

static int cdiv(int a, int b) { return (a + b - 1) / b; }

void tm_init(timing_t *t, const cfg_t *c, int d) {
  int mq = c->qk_multipliers, ma = c->av_multipliers;
  double bytes_per_ns = c->dram_bus_bits / 8.0 * c->dram_gbps_per_pin;
  t->d = d;
  t->qk_keys_per_cycle = mq >= d ? mq / d : 0;
  t->qk_cycles_per_key = mq >= d ? 0 : cdiv(d, mq);
  t->qk_depth = c->mult_latency +
                c->adder_latency * (ceil_log2(mq < d ? mq : d) + (mq < d));
  t->av_rows_per_cycle = ma >= d ? ma / d : 0;
  t->av_cycles_per_row = ma >= d ? 0 : cdiv(d, ma);
  t->av_depth = c->mult_latency +
                c->adder_latency *
                    (ceil_log2(t->av_rows_per_cycle ? t->av_rows_per_cycle : 1) +
                     1);
  t->smax_units = c->softmax_units;
  t->smax_fixed = c->softmax_max_latency + c->softmax_exp_latency;
  t->smax_depth = c->softmax_div_latency;
  t->smax_max = c->softmax_max_latency;
  t->smax_exp = c->softmax_exp_latency;
  t->channels = c->dram_channels;
  t->burst_bytes = c->dram_burst_bytes;
  t->queue_depth = c->dram_queue_depth;
  t->cycles_per_burst = c->dram_burst_bytes / bytes_per_ns * c->clock_ghz;
  t->dram_latency = (uint64_t)ceil(c->dram_latency_ns * c->clock_ghz);
  t->request_bytes = c->fetch_request_bytes;
  t->max_outstanding = c->fetch_max_outstanding;
  t->issue_per_cycle = c->fetch_issue;
  t->dequant_lanes = c->fetch_dequant_lanes;
}

uint64_t tm_qk_cycles(const timing_t *t, int n) {
  return t->qk_keys_per_cycle
             ? (uint64_t)cdiv(n, t->qk_keys_per_cycle)
             : (uint64_t)n * (uint64_t)t->qk_cycles_per_key;
}

uint64_t tm_av_cycles(const timing_t *t, int n) {
  return t->av_rows_per_cycle
             ? (uint64_t)cdiv(n, t->av_rows_per_cycle)
             : (uint64_t)n * (uint64_t)t->av_cycles_per_row;
}

uint64_t tm_smax_cycles(const timing_t *t, int n) {
  return 3 * (uint64_t)cdiv(n, t->smax_units) + (uint64_t)t->smax_fixed;
}

uint64_t tm_osm_cycles(const timing_t *t, int n) {
  return 2 * (uint64_t)cdiv(n, t->smax_units) + (uint64_t)t->smax_max;
}

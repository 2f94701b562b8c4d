// tb_softmax.cpp - the softmax unit (softmax_unit.sv) against the
// simulator's SMAX block: probabilities from smax_exec (sim/op/smax.c, the
// fixed-point contract of common/fixed.h), cycles from smax_cost
// (occupancy + depth, sim/timing.c) with the timing table built from the
// RTL's parameters, and the quantization decision riding on the last beat
// against sched_refetch (common/schedule.h) on the row's largest p.
//
// Driver: rows of raw scores, U per beat, valid with random gaps; random
// thresholds, many at the decision's edge; out_ready with random gaps.
// Cycles: tb_common.h's PipeTiming (occupancy checked on every row offered
// early, latency on every row).
#include "Vsoftmax.h"
#include "Vsoftmax_softmax_unit.h"
#include "tb_common.h"

#include <algorithm>
#include <vector>

extern "C" {
#include "op.h"
}

using S = Vsoftmax_softmax_unit;
static constexpr int W = S::W, F = S::F, PB = S::PB, D = S::D, U = S::U;
static constexpr int MAXLEN = S::MAXLEN;
static constexpr int SW = 2 * W + clog2(D + 1);

struct Tx {
  long id;
  int len;
  std::vector<int64_t> s, p;  // raw scores; expected probabilities
  uint16_t thr16;
  bool rf_en, refetch;
  uint32_t pmax;
  uint64_t occ, depth;
};

static Tx make_tx(Rng &r, long id, const fx_t *fx, const timing_t *tm) {
  Tx t;
  t.id = id;
  int sz = (int)r.range(0, 99);
  t.len = (int)(sz < 80 ? r.range(1, 64) : sz < 97 ? r.range(65, 300) : r.range(1, MAXLEN));
  int64_t smax = ((int64_t)1 << (SW - 1)) - 1, smin = -smax - 1;
  static const int spread[] = {4, 8, 12, 16, 20, 22, 24, SW - 2};
  int mode = (int)r.range(0, 8);
  int64_t range = (int64_t)1 << spread[r.next() % 8];
  for (int i = 0; i < t.len; i++) {
    int64_t v;
    switch (mode) {
      case 0: v = smin; break;                    // every score at the floor
      case 1: v = smax; break;
      case 2: v = i % 2 ? smax : smin; break;     // the widest differences
      case 3: v = r.range(-3, 3); break;          // near-uniform rows
      default: v = r.range(-range, range); break;
    }
    t.s.push_back(v);
  }
  t.rf_en = r.pct(75);
  t.pmax = 0;
  t.thr16 = 0;
  // the simulator's SMAX in place over SBUF[0..len): the probabilities,
  // then with CHECK the refetch predicate (register 0) under the layer's
  // rule. The threshold, often drawn at the decision's edge, needs the
  // row's largest probability: the first pass finds it, the second decides.
  for (int pass = 0; pass < 2; pass++) {
    t.p = t.s;
    spat_t sp{};
    sp.rule.refetch = t.rf_en;
    sp.rule.thr16 = t.thr16;
    bufs_t b{};
    b.s = t.p.data();
    b.fx = fx;
    b.data = true;
    b.sp = &sp;
    insn_t in{};
    in.b = (uint16_t)t.len;
    in.d = pass ? ISA_CHECK : 0;
    stats_t st;
    st_init(&st);
    smax_exec(&b, &in, &st);
    smax_cost(tm, &b, &in, &t.occ, &t.depth);
    t.refetch = sp.preg[0];
    if (pass) break;
    t.pmax = (uint32_t)*std::max_element(t.p.begin(), t.p.end());
    int edge = (int)(t.pmax << (16 - PB));
    switch (r.range(0, 4)) {
      case 0: t.thr16 = (uint16_t)r.range(0, 65535); break;
      case 1: t.thr16 = (uint16_t)(r.pct(50) ? 0 : 65535); break;
      default: t.thr16 = (uint16_t)std::min(65535, std::max(0, edge + (int)r.range(-1, 1)));
    }
  }
  return t;
}

static int beats_of(const Tx &t) { return (t.len + U - 1) / U; }

// lanes past the row carry junk: the unit must ignore them
static void drive_beat(Vsoftmax &top, const Tx &t, int beat, Rng &r) {
  for (int l = 0; l < U; l++) {
    int i = beat * U + l;
    put_bits(top.in_s, l * SW, SW, i < t.len ? (uint64_t)t.s[i] : r.next());
  }
  int left = t.len - beat * U;
  top.in_cnt = left < U ? left : U;
  top.in_last = beat == beats_of(t) - 1;
  top.in_thr16 = t.thr16;
  top.in_refetch_en = t.rf_en;
}

int main(int argc, char **argv) {
  TbOpts o = tb_opts(10000);
  VerilatedContext ctx;
  ctx.randReset(2);  // registers start random: reset must set what matters
  ctx.randSeed((int)o.seed);
  ctx.commandArgs(argc, argv);
  if (o.wave) ctx.traceEverOn(true);
  Vsoftmax top(&ctx);
  Clock<Vsoftmax> clk(&ctx, &top, o.wave);
  Rng rng(o.seed);
  Gaps gaps;
  Report rep{"softmax"};

  // the C side's tables and timing for the RTL's parameters
  fx_t fx;
  fx_init(&fx, W, F, PB, D);
  if (fx.scale_q16 != S::SCALE_Q16) {
    fprintf(stderr, "softmax: RTL SCALE_Q16 %d, fx_init %d: rebuild build/rtl\n",
            (int)S::SCALE_Q16, (int)fx.scale_q16);
    return 2;
  }
  cfg_t cfg;
  cfg_defaults(&cfg);
  cfg.softmax_units = U;
  cfg.softmax_max_latency = S::MAX_LAT;
  cfg.softmax_exp_latency = S::EXP_LAT;
  cfg.softmax_div_latency = S::DIV_LAT;
  timing_t tm;
  tm_init(&tm, &cfg, D);

  top.in_valid = 0;
  clk.reset();
  long made = 0;
  Tx drv = make_tx(rng, made++, &fx, &tm);
  int beat = 0;
  uint64_t offered = 0, idle = 0;
  std::deque<Tx> exp;
  std::vector<int64_t> got;
  PipeTiming pt;

  while (rep.tx < o.tx) {
    gaps.update(rng, made);
    if (!top.in_valid && rng.pct(gaps.valid_pct)) {
      top.in_valid = 1;
      drive_beat(top, drv, beat, rng);
      if (beat == 0) offered = pt.en_time;
    }
    top.out_ready = rng.pct(gaps.ready_pct);
    clk.settle();

    bool en = !(top.out_valid && !top.out_ready);
    bool in_fire = top.in_valid && top.in_ready;
    bool progress = in_fire;
    if (in_fire && beat == 0) {
      exp.push_back(drv);
      if (!pt.start(offered, drv.occ)) {
        rep.timing_mismatches++;
        TB_FAIL(rep, "softmax tx %ld: first beat taken off the occupancy schedule\n", drv.id);
      }
    }
    pt.account(en, top.in_valid);
    if (in_fire && beat == beats_of(drv) - 1) pt.last_in();
    if (top.out_valid && top.out_ready) {
      progress = true;
      for (int l = 0; l < (int)top.out_cnt; l++)
        got.push_back((int64_t)get_bits(top.out_p, l * PB, PB));
      if (top.out_last) {
        const Tx &t = exp.front();
        uint64_t cyc = pt.finish(), want = t.occ + t.depth;
        bool ok = got == t.p && top.out_pmax == t.pmax && (bool)top.out_refetch == t.refetch;
        if (!ok) {
          rep.mismatches++;
          TB_FAIL(rep, "softmax tx %ld (len=%d): %s\n", t.id, t.len,
                  got != t.p ? "probabilities differ" : "quantization decision differs");
        }
        if (cyc != want) {
          rep.timing_mismatches++;
          TB_FAIL(rep, "softmax tx %ld (len=%d): %llu cycles, model %llu\n", t.id, t.len,
                  (unsigned long long)cyc, (unsigned long long)want);
        }
        if (o.log)
          fprintf(o.log, "softmax tx=%ld len=%d pmax=%u refetch=%d rtl_cycles=%llu "
                         "sim_cycles=%llu %s\n",
                  t.id, t.len, t.pmax, (int)t.refetch, (unsigned long long)cyc,
                  (unsigned long long)want, ok && cyc == want ? "ok" : "MISMATCH");
        rep.tx++;
        rep.rtl_cycles += cyc;
        rep.sim_cycles += want;
        exp.pop_front();
        got.clear();
      }
    }
    clk.edge();
    if (in_fire) {
      top.in_valid = 0;
      if (++beat == beats_of(drv)) {
        drv = make_tx(rng, made++, &fx, &tm);
        beat = 0;
      }
    }
    idle = progress ? 0 : idle + 1;
    if (idle > 100000) {
      fprintf(stderr, "softmax: no handshake for 100000 cycles\n");
      rep.hung = true;
      break;
    }
  }
  top.final();
  if (o.log) fclose(o.log);
  return rep.finish();
}

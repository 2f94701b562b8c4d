// tb_quant.cpp - the progressive-quantization decision (quant_decide.sv)
// on its own: rows of probabilities against sched_refetch
// (common/schedule.h) on the row's largest probability.
//
// Timing: the decision leaves with the row's last beat; the row takes one
// cycle per beat of U probabilities, not counting cycles the stream
// starves or the decision is held back. The simulator's figure is the
// normalisation pass of tm_smax_cycles (sim/timing.c), which streams the
// same beats and sets the predicate when SMAX completes: ceil(len/U).
#include "Vquant.h"
#include "Vquant_quant_decide.h"
#include "tb_common.h"

#include <algorithm>
#include <vector>

extern "C" {
#include "schedule.h"
#include "timing.h"
}

using QD = Vquant_quant_decide;
static constexpr int U = QD::U, PB = QD::PB;

struct Tx {
  long id;
  int len;
  std::vector<uint32_t> p;
  uint16_t thr16;
  bool rf_en, refetch;
  uint32_t pmax;
  uint64_t beats;  // the simulator's cycles
};

static Tx make_tx(Rng &r, long id, const timing_t *tm) {
  Tx t;
  t.id = id;
  t.len = (int)(r.pct(90) ? r.range(1, 64) : r.range(65, 1024));
  uint32_t top = (1u << PB) - 1;
  int mode = (int)r.range(0, 4);
  for (int i = 0; i < t.len; i++) {
    switch (mode) {
      case 0: t.p.push_back(0); break;
      case 1: t.p.push_back(top); break;
      case 2: t.p.push_back((uint32_t)r.range(0, 3)); break;
      default: t.p.push_back((uint32_t)r.range(0, top)); break;
    }
  }
  if (mode == 4) t.p[r.range(0, t.len - 1)] = (uint32_t)r.range(0, top);  // one peak anywhere
  t.pmax = *std::max_element(t.p.begin(), t.p.end());
  int edge = (int)(t.pmax << (16 - PB));
  switch (r.range(0, 3)) {
    case 0: t.thr16 = (uint16_t)r.range(0, 65535); break;
    case 1: t.thr16 = (uint16_t)(r.pct(50) ? 0 : 65535); break;
    default: t.thr16 = (uint16_t)std::min(65535, std::max(0, edge + (int)r.range(-1, 1)));
  }
  t.rf_en = r.pct(75);
  sched_layer_t sl{};
  sl.refetch = t.rf_en;
  sl.thr16 = t.thr16;
  t.refetch = sched_refetch(&sl, t.pmax, PB);
  t.beats = (tm_smax_cycles(tm, t.len) - (uint64_t)tm->smax_fixed) / 3;
  return t;
}

static int beats_of(const Tx &t) { return (t.len + U - 1) / U; }

// lanes past the row carry junk: the block must ignore them
static void drive_beat(Vquant &top, const Tx &t, int beat, Rng &r) {
  for (int l = 0; l < U; l++) {
    int i = beat * U + l;
    put_bits(top.in_p, l * PB, PB, i < t.len ? t.p[i] : r.next());
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
  Vquant top(&ctx);
  Clock<Vquant> clk(&ctx, &top, o.wave);
  Rng rng(o.seed);
  Gaps gaps;
  Report rep{"quant"};

  cfg_t cfg;
  cfg_defaults(&cfg);
  cfg.softmax_units = U;
  timing_t tm;
  tm_init(&tm, &cfg, 64);

  top.in_valid = 0;
  clk.reset();
  long made = 0;
  Tx drv = make_tx(rng, made++, &tm);
  int beat = 0;
  uint64_t offered = 0, idle = 0;
  std::deque<Tx> exp;
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
    if (in_fire && beat == 0) {
      exp.push_back(drv);
      if (!pt.start(offered, drv.beats)) {
        rep.timing_mismatches++;
        TB_FAIL(rep, "quant tx %ld: first beat taken off the occupancy schedule\n", drv.id);
      }
    }
    pt.account(en, top.in_valid);
    if (in_fire && beat == beats_of(drv) - 1) pt.last_in();
    if (top.out_valid && top.out_ready) {
      const Tx &t = exp.front();
      uint64_t cyc = pt.finish();
      bool ok = top.out_pmax == t.pmax && (bool)top.out_refetch == t.refetch;
      if (!ok) {
        rep.mismatches++;
        TB_FAIL(rep, "quant tx %ld (len=%d): pmax %u refetch %d, expected %u %d\n", t.id, t.len,
                (unsigned)top.out_pmax, (int)top.out_refetch, t.pmax, (int)t.refetch);
      }
      if (cyc != t.beats) {
        rep.timing_mismatches++;
        TB_FAIL(rep, "quant tx %ld (len=%d): %llu cycles, model %llu\n", t.id, t.len,
                (unsigned long long)cyc, (unsigned long long)t.beats);
      }
      if (o.log)
        fprintf(o.log, "quant tx=%ld len=%d pmax=%u thr16=%u refetch=%d rtl_cycles=%llu "
                       "sim_cycles=%llu %s\n",
                t.id, t.len, t.pmax, t.thr16, (int)t.refetch, (unsigned long long)cyc,
                (unsigned long long)t.beats, ok && cyc == t.beats ? "ok" : "MISMATCH");
      rep.tx++;
      rep.rtl_cycles += cyc;
      rep.sim_cycles += t.beats;
      exp.pop_front();
    }
    clk.edge();
    if (in_fire) {
      top.in_valid = 0;
      if (++beat == beats_of(drv)) {
        drv = make_tx(rng, made++, &tm);
        beat = 0;
      }
    }
    idle = in_fire ? 0 : idle + 1;
    if (idle > 100000) {
      fprintf(stderr, "quant: no handshake for 100000 cycles\n");
      rep.hung = true;
      break;
    }
  }
  top.final();
  if (o.log) fclose(o.log);
  return rep.finish();
}

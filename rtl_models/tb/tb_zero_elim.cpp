// tb_zero_elim.cpp - the zero eliminator (zero_elim.sv, REG = 1) on its
// own, with the parameters the top-k engine gives it (P lanes of
// candidate indices).
//
// Reference: in-order compaction of the masked lanes, which is what the
// top-k model's partition does to each side (sim/topk.c keeps it static,
// so the three lines are restated here). Timing: every beat leaves one
// cycle after it enters, not counting cycles the output is held back: the
// compact/drain cycle of TOPK_ROUND_OVERHEAD (sim/topk.h), the other being
// the pivot read.
#include "Vzero_elim.h"
#include "Vzero_elim_zero_elim.h"
#include "tb_common.h"

#include <deque>
#include <vector>

extern "C" {
#include "topk.h"
}

static constexpr int N = Vzero_elim_zero_elim::N;
static constexpr int DW = Vzero_elim_zero_elim::DW;
static constexpr uint64_t DRAIN_CYCLES = TOPK_ROUND_OVERHEAD - 1;

struct Beat {
  long id;
  uint64_t mask;
  std::vector<uint64_t> data, packed;
  uint64_t in_cycle;
};

static Beat make_beat(Rng &r, long id) {
  Beat b;
  b.id = id;
  int density = (int)r.range(0, 4);  // none, sparse, half, dense, all
  b.mask = 0;
  for (int i = 0; i < N; i++) {
    bool on = density == 4 || (density > 0 && r.pct(density * 25 - 10));
    if (on) b.mask |= 1ull << i;
    b.data.push_back(r.next() & ((1ull << DW) - 1));
  }
  for (int i = 0; i < N; i++)
    if (b.mask >> i & 1) b.packed.push_back(b.data[i]);
  return b;
}

int main(int argc, char **argv) {
  TbOpts o = tb_opts(10000);
  VerilatedContext ctx;
  ctx.randReset(2);  // registers start random: reset must set what matters
  ctx.randSeed((int)o.seed);
  ctx.commandArgs(argc, argv);
  if (o.wave) ctx.traceEverOn(true);
  Vzero_elim top(&ctx);
  Clock<Vzero_elim> clk(&ctx, &top, o.wave);
  Rng rng(o.seed);
  Gaps gaps;
  Report rep{"zero_elim"};
  static_assert(N <= 64, "masks are held in 64 bits");

  top.in_valid = 0;
  clk.reset();
  long made = 0;
  Beat drv = make_beat(rng, made++);
  std::deque<Beat> exp;
  uint64_t held = 0, idle = 0;

  while (rep.tx < o.tx) {
    gaps.update(rng, made);
    if (!top.in_valid && rng.pct(gaps.valid_pct)) {
      top.in_valid = 1;
      top.in_mask = drv.mask;
      for (int i = 0; i < N; i++) put_bits(top.in_data, i * DW, DW, drv.data[i]);
    }
    top.out_ready = rng.pct(gaps.ready_pct);
    clk.settle();

    bool progress = false;
    if (top.out_valid && !top.out_ready) held++;
    if (top.out_valid && top.out_ready) {
      progress = true;
      const Beat &b = exp.front();
      bool ok = (int)top.out_cnt == (int)b.packed.size();
      for (int j = 0; j < N; j++) {
        uint64_t want = j < (int)b.packed.size() ? b.packed[j] : 0;  // zero past the count
        ok = ok && get_bits(top.out_data, j * DW, DW) == want;
      }
      uint64_t t = clk.cycle - b.in_cycle - held;
      if (!ok) {
        rep.mismatches++;
        TB_FAIL(rep, "zero_elim beat %ld (mask %#llx): wrong packing\n", b.id,
                (unsigned long long)b.mask);
      }
      if (t != DRAIN_CYCLES) {
        rep.timing_mismatches++;
        TB_FAIL(rep, "zero_elim beat %ld: %llu cycles, expected %llu\n", b.id,
                (unsigned long long)t, (unsigned long long)DRAIN_CYCLES);
      }
      if (o.log)
        fprintf(o.log, "zero_elim tx=%ld mask=%#llx cnt=%zu rtl_cycles=%llu sim_cycles=%llu %s\n",
                b.id, (unsigned long long)b.mask, b.packed.size(), (unsigned long long)t,
                (unsigned long long)DRAIN_CYCLES, ok && t == DRAIN_CYCLES ? "ok" : "MISMATCH");
      rep.tx++;
      rep.rtl_cycles += t;
      rep.sim_cycles += DRAIN_CYCLES;
      exp.pop_front();
      held = 0;
    }
    bool in_fire = top.in_valid && top.in_ready;
    uint64_t now = clk.cycle;
    clk.edge();
    if (in_fire) {
      progress = true;
      drv.in_cycle = now;
      exp.push_back(drv);
      top.in_valid = 0;
      drv = make_beat(rng, made++);
    }
    idle = progress ? 0 : idle + 1;
    if (idle > 100000) {
      fprintf(stderr, "zero_elim: no handshake for 100000 cycles\n");
      rep.hung = true;
      break;
    }
  }
  top.final();
  if (o.log) fclose(o.log);
  return rep.finish();
}

// tb_topk.cpp - the top-k engine (topk_engine.sv) against the golden top-k
// (gold_topk, golden/spatten.c: the kept indices) and the simulator's
// top-k model (topk_run, sim/topk.c: its busy cycles, and the same kept
// indices, checked too).
//
// Driver: a command, then ceil(n/P) score beats, valid with random gaps;
// out_ready with random gaps. Scoreboard: the kept indices, in order, and
// the busy cycles: from the cycle after the last score beat to the last
// output beat, not counting cycles the output is held back (out_valid and
// not out_ready), must equal topk_run's count exactly.
#include "Vtopk.h"
#include "Vtopk_topk_engine.h"
#include "tb_common.h"

#include <algorithm>
#include <deque>
#include <vector>

extern "C" {
#include "spatten.h"
#include "topk.h"
}

static constexpr int P = Vtopk_topk_engine::P;
static constexpr int MAXN = Vtopk_topk_engine::MAXN;
static constexpr int SW = Vtopk_topk_engine::SW;
static constexpr int IW = clog2(MAXN);

struct Tx {
  long id;
  int n, k;
  std::vector<int64_t> s;
  std::vector<uint32_t> keep;  // expected, ascending
  uint64_t sim_cycles;
  bool model_agrees = true;    // topk_run keeps what the golden top-k keeps
};

// Scores: full range, a few values (ties everywhere), all equal, sorted
// either way, small range.
static Tx make_tx(Rng &r, long id) {
  Tx t;
  t.id = id;
  int sz = (int)r.range(0, 99);
  int hi = sz < 60 ? 64 : sz < 90 ? 256 : MAXN;
  t.n = (int)r.range(1, hi < MAXN ? hi : MAXN);
  switch (r.range(0, 5)) {
    case 0: t.k = 0; break;
    case 1: t.k = 1; break;
    case 2: t.k = t.n - 1; break;
    case 3: t.k = t.n + (int)r.range(0, 3); break;
    default: t.k = (int)r.range(1, t.n); break;
  }
  if (t.k > MAXN) t.k = MAXN;  // cmd_k holds up to MAXN
  int mode = (int)r.range(0, 5);
  int64_t smax = ((int64_t)1 << (SW - 1)) - 1, smin = -smax - 1;
  for (int i = 0; i < t.n; i++) {
    int64_t v;
    switch (mode) {
      case 0: v = r.range(smin, smax); break;
      case 1: v = r.range(0, 3); break;
      case 2: v = 7; break;
      case 3: v = i; break;
      case 4: v = -i; break;
      default: v = r.range(-1000, 1000); break;
    }
    t.s.push_back(v);
  }
  std::vector<uint32_t> keep(t.n), scratch(3 * (size_t)t.n);
  topk_cost_t c;
  int nk = topk_run(t.s.data(), t.n, t.k, P, keep.data(), scratch.data(), &c);
  t.sim_cycles = c.cycles;
  // The golden top-k is the functional reference; the simulator's model
  // must keep the same indices (a disagreement counts as a mismatch).
  std::vector<uint32_t> gold(t.n);
  int ng = gold_topk(t.s.data(), t.n, t.k, gold.data());
  if (ng < 0) {
    fprintf(stderr, "topk: out of memory in gold_topk\n");
    exit(2);
  }
  t.keep.assign(gold.begin(), gold.begin() + ng);
  t.model_agrees = ng == nk && std::equal(t.keep.begin(), t.keep.end(), keep.begin());
  return t;
}

int main(int argc, char **argv) {
  TbOpts o = tb_opts(10000);
  VerilatedContext ctx;
  ctx.randReset(2);  // registers start random: reset must set what matters
  ctx.randSeed((int)o.seed);
  ctx.commandArgs(argc, argv);
  if (o.wave) ctx.traceEverOn(true);
  Vtopk top(&ctx);
  Clock<Vtopk> clk(&ctx, &top, o.wave);
  Rng rng(o.seed);
  Gaps gaps;
  Report rep{"topk"};

  top.cmd_valid = top.in_valid = 0;
  top.out_ready = 1;
  clk.reset();

  long made = 0;
  Tx drv = make_tx(rng, made++);
  enum { CMD, BEATS } phase = CMD;
  int beat = 0;
  std::deque<Tx> exp;        // commands accepted, in order
  bool busy = false;         // the front transaction is computing
  uint64_t busy_cycles = 0;  // its cycles so far, held ones excluded
  std::vector<uint32_t> got;
  uint64_t idle = 0;

  while (rep.tx < o.tx) {
    gaps.update(rng, made);
    // drive: valid holds once raised, until the handshake
    if (phase == CMD && !top.cmd_valid && rng.pct(gaps.valid_pct)) {
      top.cmd_valid = 1;
      top.cmd_n = drv.n;
      top.cmd_k = drv.k;
    }
    if (phase == BEATS && !top.in_valid && rng.pct(gaps.valid_pct)) {
      top.in_valid = 1;
      for (int l = 0; l < P; l++) {
        int i = beat * P + l;
        put_bits(top.in_score, l * SW, SW, i < drv.n ? (uint64_t)drv.s[i] : rng.next());  // junk past n
      }
    }
    top.out_ready = rng.pct(gaps.ready_pct);
    clk.settle();

    // monitor
    bool progress = false;
    if (busy && !(top.out_valid && !top.out_ready)) busy_cycles++;
    if (top.out_valid && top.out_ready) {
      progress = true;
      for (int j = 0; j < (int)top.out_cnt; j++)
        got.push_back((uint32_t)get_bits(top.out_idx, j * IW, IW));
      if (top.out_last) {
        const Tx &t = exp.front();
        if (got != t.keep || !t.model_agrees) {
          rep.mismatches++;
          TB_FAIL(rep, "topk tx %ld (n=%d k=%d): %zu indices, expected %zu%s\n", t.id, t.n,
                  t.k, got.size(), t.keep.size(),
                  t.model_agrees ? "" : " (and topk_run disagrees with gold_topk)");
        }
        if (busy_cycles != t.sim_cycles) {
          rep.timing_mismatches++;
          TB_FAIL(rep, "topk tx %ld (n=%d k=%d): %" PRIu64 " cycles, model %" PRIu64 "\n",
                  t.id, t.n, t.k, busy_cycles, t.sim_cycles);
        }
        if (o.log)
          fprintf(o.log, "topk tx=%ld n=%d k=%d kept=%zu rtl_cycles=%" PRIu64
                         " sim_cycles=%" PRIu64 " %s\n",
                  t.id, t.n, t.k, got.size(), busy_cycles, t.sim_cycles,
                  got == t.keep && busy_cycles == t.sim_cycles ? "ok" : "MISMATCH");
        rep.tx++;
        rep.rtl_cycles += busy_cycles;
        rep.sim_cycles += t.sim_cycles;
        exp.pop_front();
        got.clear();
        busy = false;
      }
    }
    // driver handshakes, seen before the edge, acted on after it
    bool cmd_fire = top.cmd_valid && top.cmd_ready, in_fire = top.in_valid && top.in_ready;
    clk.edge();
    if (cmd_fire) {
      progress = true;
      top.cmd_valid = 0;
      exp.push_back(drv);
      phase = BEATS;
      beat = 0;
    }
    if (in_fire) {
      progress = true;
      top.in_valid = 0;
      if (++beat * P >= drv.n) {  // busy from this cycle on
        busy = true;
        busy_cycles = 0;
        drv = make_tx(rng, made++);
        phase = CMD;
      }
    }
    idle = progress ? 0 : idle + 1;
    if (idle > 100000) {
      fprintf(stderr, "topk: no handshake for 100000 cycles at cycle %" PRIu64 "\n", clk.cycle);
      rep.hung = true;
      break;
    }
  }
  top.final();
  if (o.log) fclose(o.log);
  return rep.finish();
}

// cosim_topk.cpp - SystemC co-simulation: the Verilated top-k engine
// (topk_engine.sv, verilator --sc) and the simulator's top-k model
// (topk_run, sim/topk.c) side by side under one sc_clock.
//
// The driver sends each transaction's command and score beats to the RTL
// with random valid gaps; at the clock edge that takes the last score beat
// it also hands the transaction to the model. The model computes the kept
// indices and its cycle count, then waits that many clock edges and
// reports. The RTL's last output beat must leave at the very edge the
// model reports, with the same indices (out_ready stays high, so no cycle
// is held back). Environment: ATTNSIM_COSIM_TX (default 2000),
// ATTNSIM_RTL_SEED. Exit 1 on any mismatch.
#include <systemc.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <type_traits>
#include <vector>

#include "Vsc_topk.h"
#include "Vsc_topk_topk_engine.h"

extern "C" {
#include "topk.h"
}

using Engine = Vsc_topk_topk_engine;
static constexpr int P = Engine::P, MAXN = Engine::MAXN, SW = Engine::SW;
static constexpr int clog2(long x) { return x <= 1 ? 0 : 1 + clog2((x + 1) / 2); }
static constexpr int IW = clog2(MAXN), NW = clog2(MAXN + 1), CW = clog2(P + 1);

// Verilator's SystemC port types: bool, uint32_t, uint64_t, sc_bv<N>
template <int N>
using vl_t = typename std::conditional<
    N == 1, bool,
    typename std::conditional<N <= 32, uint32_t,
                              typename std::conditional<N <= 64, uint64_t, sc_bv<N>>::type>::type>::type;

struct Tx {
  long id;
  int n, k;
  std::vector<int64_t> s;
  uint64_t start_edge;  // the edge that took the last score beat
};
struct Done {
  long id;
  uint64_t start_edge, edge, cycles;  // the model's completion edge and count
  std::vector<uint32_t> keep;
};

// sc_fifo prints its contents on request
static inline std::ostream &operator<<(std::ostream &o, const Tx &t) { return o << "tx " << t.id; }
static inline std::ostream &operator<<(std::ostream &o, const Done &d) { return o << "done " << d.id; }

static uint64_t rng_state;
static uint64_t rng() {  // splitmix64
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t edge_no(const sc_time &period) {
  return (uint64_t)(sc_time_stamp() / period + 0.5);
}

SC_MODULE(TopkModel) {  // the simulator's model, clocked
  sc_in<bool> clk;
  sc_fifo_in<Tx> start;
  sc_fifo_out<Done> done;
  sc_time period;
  void run() {
    for (;;) {
      Tx t = start.read();
      std::vector<uint32_t> keep(t.n), scratch(3 * (size_t)t.n);
      topk_cost_t c;
      int nk = topk_run(t.s.data(), t.n, t.k, P, keep.data(), scratch.data(), &c);
      for (uint64_t i = 0; i < c.cycles; i++) wait(clk.posedge_event());
      keep.resize(nk);
      done.write(Done{t.id, t.start_edge, edge_no(period), c.cycles, keep});
    }
  }
  SC_CTOR(TopkModel) { SC_THREAD(run); }
};

SC_MODULE(Bench) {  // driver, monitor and scoreboard
  sc_in<bool> clk;
  sc_out<bool> rst, cmd_valid, in_valid, out_ready;
  sc_in<bool> cmd_ready, in_ready, out_valid, out_last;
  sc_out<vl_t<NW>> cmd_n, cmd_k;
  sc_out<vl_t<P * SW>> in_score;
  sc_in<vl_t<P * IW>> out_idx;
  sc_in<vl_t<CW>> out_cnt;
  sc_fifo_out<Tx> to_model;
  sc_fifo_in<Done> from_model;
  long want_tx = 2000, checked = 0, mismatches = 0, timing_mismatches = 0;
  uint64_t rtl_cycles = 0, sim_cycles = 0;
  sc_time period;

  Tx make_tx(long id) {
    Tx t;
    t.id = id;
    t.n = 1 + (int)(rng() % (rng() % 4 ? 64 : MAXN));
    switch (rng() % 4) {
      case 0: t.k = 0; break;
      case 1: t.k = t.n; break;
      default: t.k = 1 + (int)(rng() % t.n); break;
    }
    int64_t range = rng() % 2 ? 4 : 1 << 20;
    for (int i = 0; i < t.n; i++) t.s.push_back((int64_t)(rng() % range) - range / 2);
    return t;
  }

  void drive() {  // at each edge: see the handshakes of the cycle before, then drive the next
    rst.write(true);
    cmd_valid.write(false);
    in_valid.write(false);
    out_ready.write(true);
    for (int i = 0; i < 4; i++) wait(clk.posedge_event());
    rst.write(false);
    long made = 0;
    for (;;) {
      Tx t = make_tx(made++);
      while (rng() % 4 == 0) wait(clk.posedge_event());  // a gap before the command
      cmd_n.write(t.n);
      cmd_k.write(t.k);
      cmd_valid.write(true);
      do wait(clk.posedge_event());
      while (!cmd_ready.read());
      cmd_valid.write(false);
      for (int b = 0; b * P < t.n; b++) {
        while (rng() % 3 == 0) wait(clk.posedge_event());  // valid gaps
        vl_t<P * SW> v;
        for (int l = 0; l < P; l++) {
          int i = b * P + l;
          uint64_t x = i < t.n ? (uint64_t)t.s[i] : 0;
          for (int j = 0; j < SW; j++) set_bit(v, l * SW + j, (x >> j) & 1);
        }
        in_score.write(v);
        in_valid.write(true);
        do wait(clk.posedge_event());
        while (!in_ready.read());
        in_valid.write(false);
      }
      t.start_edge = edge_no(period);
      to_model.write(t);  // the engine starts computing now, so does the model
    }
  }

  template <class T> static void set_bit(T &v, int i, bool b) {
    if constexpr (std::is_integral<T>::value) v = b ? v | ((T)1 << i) : v & ~((T)1 << i);
    else v[i] = b;
  }
  template <class T> static uint64_t field(const T &v, int lsb, int w) {
    uint64_t x = 0;
    for (int j = 0; j < w; j++) {
      bool b;
      if constexpr (std::is_integral<T>::value) b = (v >> (lsb + j)) & 1;
      else b = v[lsb + j].to_bool();
      x |= (uint64_t)b << j;
    }
    return x;
  }

  void monitor() {
    std::vector<uint32_t> got;
    for (;;) {
      wait(clk.posedge_event());
      if (!(out_valid.read() && out_ready.read())) continue;
      vl_t<P * IW> idx = out_idx.read();
      for (int j = 0; j < (int)out_cnt.read(); j++) got.push_back((uint32_t)field(idx, j * IW, IW));
      if (!out_last.read()) continue;
      uint64_t rtl_edge = edge_no(period);
      wait(SC_ZERO_TIME);  // the model's report of this same edge
      Done d = from_model.read();
      bool same = d.keep == got;
      if (!same || d.edge != rtl_edge) {
        if (mismatches + timing_mismatches < 10)
          fprintf(stderr, "cosim tx %ld: RTL done at edge %" PRIu64 " with %zu indices, model at %"
                  PRIu64 " with %zu\n", d.id, rtl_edge, got.size(), d.edge, d.keep.size());
        mismatches += !same;
        timing_mismatches += d.edge != rtl_edge;
      }
      rtl_cycles += rtl_edge - d.start_edge;
      sim_cycles += d.cycles;
      got.clear();
      if (++checked == want_tx) sc_stop();
    }
  }

  SC_CTOR(Bench) {
    SC_THREAD(drive);
    SC_THREAD(monitor);
  }
};

int sc_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  rng_state = 1;
  if (const char *s = getenv("ATTNSIM_RTL_SEED")) rng_state = strtoull(s, nullptr, 10);
  rng_state = rng_state * 0x9e3779b97f4a7c15ull + 1;
  sc_time period(1, SC_NS);
  sc_clock clk("clk", period);
  sc_signal<bool> rst, cmd_valid, cmd_ready, in_valid, in_ready, out_valid, out_ready, out_last;
  sc_signal<vl_t<NW>> cmd_n, cmd_k;
  sc_signal<vl_t<P * SW>> in_score;
  sc_signal<vl_t<P * IW>> out_idx;
  sc_signal<vl_t<CW>> out_cnt;
  sc_fifo<Tx> start(4);
  sc_fifo<Done> done(4);

  Vsc_topk rtl("rtl");
  rtl.clk(clk);
  rtl.rst(rst);
  rtl.cmd_valid(cmd_valid);
  rtl.cmd_ready(cmd_ready);
  rtl.cmd_n(cmd_n);
  rtl.cmd_k(cmd_k);
  rtl.in_valid(in_valid);
  rtl.in_ready(in_ready);
  rtl.in_score(in_score);
  rtl.out_valid(out_valid);
  rtl.out_ready(out_ready);
  rtl.out_idx(out_idx);
  rtl.out_cnt(out_cnt);
  rtl.out_last(out_last);

  TopkModel model("model");
  model.clk(clk);
  model.start(start);
  model.done(done);
  model.period = period;

  Bench tb("tb");
  tb.clk(clk);
  tb.rst(rst);
  tb.cmd_valid(cmd_valid);
  tb.cmd_ready(cmd_ready);
  tb.cmd_n(cmd_n);
  tb.cmd_k(cmd_k);
  tb.in_valid(in_valid);
  tb.in_ready(in_ready);
  tb.in_score(in_score);
  tb.out_valid(out_valid);
  tb.out_ready(out_ready);
  tb.out_idx(out_idx);
  tb.out_cnt(out_cnt);
  tb.out_last(out_last);
  tb.to_model(start);
  tb.from_model(done);
  tb.period = period;
  if (const char *s = getenv("ATTNSIM_COSIM_TX")) tb.want_tx = strtol(s, nullptr, 10);

  sc_start();
  rtl.final();
  bool ok = tb.mismatches == 0 && tb.timing_mismatches == 0 && tb.checked == tb.want_tx;
  printf("rtl-report: block=topk-cosim tx=%ld mismatches=%ld timing_mismatches=%ld "
         "rtl_cycles=%" PRIu64 " sim_cycles=%" PRIu64 "\n",
         tb.checked, tb.mismatches, tb.timing_mismatches, tb.rtl_cycles, tb.sim_cycles);
  fflush(stdout);
  fprintf(stderr, "[====] Synthesis: Tested: 1 | Passing: %d | Failing: %d | Crashing: 0 \n",
          ok ? 1 : 0, ok ? 0 : 1);
  return ok ? 0 : 1;
}

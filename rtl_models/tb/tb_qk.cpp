// tb_qk.cpp - the Q x K array (qk_array.sv) against the simulator's QK
// block: scores from qk_exec (sim/op/qk.c, exact integer dot products),
// cycles from qk_cost (occupancy + depth, sim/timing.c), with the timing
// table built from the RTL's own parameters.
//
// Driver: a transaction is one query row and n key rows, KPC keys per beat
// (or CPK beats per key when M < D), valid with random gaps; out_ready
// with random gaps. Cycles: tb_common.h's PipeTiming.
#include "Vqk.h"
#include "Vqk_qk_array.h"
#include "tb_common.h"

#include <vector>

extern "C" {
#include "op.h"
}

using Q = Vqk_qk_array;
static constexpr int W = Q::W, D = Q::D, M = Q::M;
static constexpr int KPC = M >= D ? M / D : 1, CPK = M >= D ? 1 : (D + M - 1) / M;
static constexpr int LANES = M >= D ? D : M;
static constexpr int OW = 2 * W + clog2(D + 1);

struct Tx {
  long id;
  int n;
  std::vector<int16_t> q;
  std::vector<std::vector<int16_t>> k;
  std::vector<int64_t> s;  // expected scores
  uint64_t occ, depth;
};

static int16_t element(Rng &r, int mode) {
  int lo = -(1 << (W - 1)), hi = (1 << (W - 1)) - 1;
  switch (mode) {
    case 0: return (int16_t)r.range(lo, hi);
    case 1: return (int16_t)(r.pct(50) ? lo : hi);  // extremes: the widest sums
    case 2: return (int16_t)lo;
    default: return (int16_t)r.range(-8, 8);
  }
}

static Tx make_tx(Rng &r, long id, const timing_t *tm) {
  Tx t;
  t.id = id;
  t.n = (int)(r.pct(90) ? r.range(1, 64) : r.range(65, 300));
  int mode = (int)r.range(0, 3);
  for (int i = 0; i < D; i++) t.q.push_back(element(r, mode));
  t.k.assign(t.n, std::vector<int16_t>(D));
  for (auto &row : t.k)
    for (auto &x : row) x = element(r, mode);
  // the simulator's QK on these rows: QBUF row 0, KBUF rows 0..n-1, SBUF 0..
  std::vector<const int16_t *> kp;
  for (auto &row : t.k) kp.push_back(row.data());
  t.s.assign(t.n, 0);
  spat_t sp{};  // keys at full width: no progressive quantization
  sp.rule.msb = sp.rule.full = W;
  bufs_t b{};
  b.sp = &sp;
  b.width = W;
  b.d = D;
  b.q = t.q.data();
  b.k = kp.data();
  b.s = t.s.data();
  b.data = true;
  insn_t in{};
  in.c = (uint16_t)t.n;
  stats_t st;
  st_init(&st);
  qk_exec(&b, &in, &st);
  qk_cost(tm, &b, &in, &t.occ, &t.depth);
  return t;
}

// Beats of a transaction: (first key, keys) when M >= D, (key, chunk) else.
static int beats_of(const Tx &t) { return M >= D ? (t.n + KPC - 1) / KPC : t.n * CPK; }

// keys past the transaction carry junk: the array must not count them
static void drive_beat(Vqk &top, const Tx &t, int beat, Rng &r) {
  int nb = beats_of(t);
  top.in_first = beat == 0;
  top.in_last = beat == nb - 1;
  for (int i = 0; i < D; i++) put_bits(top.in_q, i * W, W, (uint16_t)t.q[i]);
  for (int k = 0; k < KPC; k++)
    for (int i = 0; i < LANES; i++) {
      int key = M >= D ? beat * KPC + k : beat / CPK;
      int e = M >= D ? i : (beat % CPK) * M + i;
      uint64_t v = key >= t.n ? r.next() : e < D ? (uint16_t)t.k[key][e] : 0;
      put_bits(top.in_k, (k * LANES + i) * W, W, v);
    }
  int left = t.n - beat * KPC;
  top.in_kcnt = M >= D ? (left < KPC ? left : KPC) : 1;
}

int main(int argc, char **argv) {
  TbOpts o = tb_opts(10000);
  VerilatedContext ctx;
  ctx.randReset(2);  // registers start random: reset must set what matters
  ctx.randSeed((int)o.seed);
  ctx.commandArgs(argc, argv);
  if (o.wave) ctx.traceEverOn(true);
  Vqk top(&ctx);
  Clock<Vqk> clk(&ctx, &top, o.wave);
  Rng rng(o.seed);
  Gaps gaps;
  Report rep{"qk"};

  // the simulator's timing table for the RTL's parameters
  cfg_t cfg;
  cfg_defaults(&cfg);
  cfg.qk_multipliers = M;
  cfg.mult_latency = Q::MULT_LAT;
  cfg.adder_latency = Q::ADD_LAT;
  timing_t tm;
  tm_init(&tm, &cfg, D);

  top.in_valid = 0;
  clk.reset();
  long made = 0;
  Tx drv = make_tx(rng, made++, &tm);
  int beat = 0;
  uint64_t offered = 0;
  std::deque<Tx> exp;
  std::vector<int64_t> got;
  PipeTiming pt;
  uint64_t idle = 0;

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
        TB_FAIL(rep, "qk tx %ld: first key beat taken off the occupancy schedule\n", drv.id);
      }
    }
    pt.account(en, top.in_valid);
    if (in_fire && beat == beats_of(drv) - 1) pt.last_in();
    if (top.out_valid && top.out_ready) {
      progress = true;
      for (int k = 0; k < (int)top.out_cnt; k++)
        got.push_back(sext(get_bits(top.out_score, k * OW, OW), OW));
      if (top.out_last) {
        const Tx &t = exp.front();
        uint64_t cyc = pt.finish(), want = t.occ + t.depth;
        bool ok = got == t.s;
        if (!ok) {
          rep.mismatches++;
          TB_FAIL(rep, "qk tx %ld (n=%d): scores differ\n", t.id, t.n);
        }
        if (cyc != want) {
          rep.timing_mismatches++;
          TB_FAIL(rep, "qk tx %ld (n=%d): %llu cycles, model %llu\n", t.id, t.n,
                  (unsigned long long)cyc, (unsigned long long)want);
        }
        if (o.log)
          fprintf(o.log, "qk tx=%ld n=%d rtl_cycles=%llu sim_cycles=%llu %s\n", t.id, t.n,
                  (unsigned long long)cyc, (unsigned long long)want,
                  ok && cyc == want ? "ok" : "MISMATCH");
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
        drv = make_tx(rng, made++, &tm);
        beat = 0;
      }
    }
    idle = progress ? 0 : idle + 1;
    if (idle > 100000) {
      fprintf(stderr, "qk: no handshake for 100000 cycles\n");
      rep.hung = true;
      break;
    }
  }
  top.final();
  if (o.log) fclose(o.log);
  return rep.finish();
}

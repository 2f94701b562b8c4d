// tb_common.h - what every Verilator testbench shares: run options from
// the environment, a seeded RNG, valid/ready gap profiles, the clock with
// an optional FST dump, bit access to wide ports, and the closing report.
//
// Environment (all optional):
//   ATTNSIM_RTL_TX    transactions (default: the testbench's, >= 10000)
//   ATTNSIM_RTL_SEED  RNG seed (default 1)
//   ATTNSIM_RTL_WAVE  write an FST waveform of the run to this file
//   ATTNSIM_RTL_LOG   write one grep-able line per transaction to this file
// The closing lines: "rtl-report: block=B tx=N mismatches=N
// timing_mismatches=N rtl_cycles=N sim_cycles=N" (make rtl-report) and the
// suite's summary line (tests/run.sh). Exit 1 on any mismatch.
#ifndef ATTN_TB_COMMON_H
#define ATTN_TB_COMMON_H

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <type_traits>

struct TbOpts {
  long tx;
  uint64_t seed;
  const char *wave;
  FILE *log;
};

static inline TbOpts tb_opts(long default_tx) {
  TbOpts o{default_tx, 1, nullptr, nullptr};
  if (const char *s = getenv("ATTNSIM_RTL_TX")) o.tx = strtol(s, nullptr, 10);
  if (const char *s = getenv("ATTNSIM_RTL_SEED")) o.seed = strtoull(s, nullptr, 10);
  o.wave = getenv("ATTNSIM_RTL_WAVE");
  if (o.wave && !*o.wave) o.wave = nullptr;
  if (const char *s = getenv("ATTNSIM_RTL_LOG"))
    if (*s && !(o.log = fopen(s, "w"))) {
      fprintf(stderr, "cannot write %s\n", s);
      exit(2);
    }
  if (o.tx < 1) {
    fprintf(stderr, "ATTNSIM_RTL_TX must be at least 1\n");
    exit(2);
  }
  return o;
}

// splitmix64: small, seedable, the same sequence on every machine
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int64_t range(int64_t lo, int64_t hi) {  // inclusive
    return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
  }
  bool pct(int p) { return (int)(next() % 100) < p; }
};

// Valid and ready duty cycles, redrawn every 256 transactions: always on
// (back-to-back timing), light gaps, heavy gaps.
struct Gaps {
  int valid_pct = 100, ready_pct = 100;
  void update(Rng &r, long tx) {
    static const int prof[][2] = {{100, 100}, {90, 80}, {50, 40}, {100, 30}, {30, 100}};
    if (tx % 256 == 0) {
      const int *p = prof[r.next() % (sizeof prof / sizeof prof[0])];
      valid_pct = p[0];
      ready_pct = p[1];
    }
  }
};

// The clock: drive inputs, settle() (clock low, combinational outputs
// valid: sample handshakes here), edge() (rising edge).
template <class V>
struct Clock {
  VerilatedContext *ctx;
  V *top;
  VerilatedFstC *fst = nullptr;
  uint64_t cycle = 0;
  Clock(VerilatedContext *c, V *t, const char *wave) : ctx(c), top(t) {
    if (wave) {
      fst = new VerilatedFstC;
      top->trace(fst, 99);
      fst->open(wave);
    }
  }
  ~Clock() {
    if (fst) {
      fst->close();
      delete fst;
    }
  }
  void settle() {
    top->clk = 0;
    top->eval();
    if (fst) fst->dump(ctx->time());
    ctx->timeInc(1);
  }
  void edge() {
    top->clk = 1;
    top->eval();
    if (fst) fst->dump(ctx->time());
    ctx->timeInc(1);
    cycle++;
  }
  void reset() {
    top->rst = 1;
    for (int i = 0; i < 4; i++) {
      settle();
      edge();
    }
    top->rst = 0;
  }
};

// ---- bit fields of ports: VlWide<N> above 64 bits, integers below ------
template <std::size_t N>
static inline void put_bits(VlWide<N> &p, int lsb, int w, uint64_t v) {
  while (w > 0) {  // a word at a time
    int off = lsb % 32, n = w < 32 - off ? w : 32 - off;
    uint32_t m = (n == 32 ? ~0u : (1u << n) - 1) << off;
    p[lsb / 32] = (p[lsb / 32] & ~m) | (((uint32_t)v << off) & m);
    v >>= n;
    lsb += n;
    w -= n;
  }
}
template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
static inline void put_bits(T &p, int lsb, int w, uint64_t v) {
  uint64_t m = (w >= 64 ? ~0ull : (1ull << w) - 1) << lsb;
  p = (T)(((uint64_t)p & ~m) | ((v << lsb) & m));
}
template <std::size_t N>
static inline uint64_t get_bits(const VlWide<N> &p, int lsb, int w) {
  uint64_t v = 0;
  for (int got = 0; got < w;) {
    int off = (lsb + got) % 32, n = w - got < 32 - off ? w - got : 32 - off;
    uint64_t bits = (p[(lsb + got) / 32] >> off) & (n == 32 ? ~0u : (1u << n) - 1);
    v |= bits << got;
    got += n;
  }
  return v;
}
template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
static inline uint64_t get_bits(const T &p, int lsb, int w) {
  return ((uint64_t)p >> lsb) & (w >= 64 ? ~0ull : (1ull << w) - 1);
}
static inline int64_t sext(uint64_t v, int w) {
  return w >= 64 ? (int64_t)v : (int64_t)(v << (64 - w)) >> (64 - w);
}
static constexpr int clog2(long x) { return x <= 1 ? 0 : 1 + clog2((x + 1) / 2); }

// ---- cycles of a pipelined block that freezes while its output is held ----
// Such a block (qk_array, softmax_unit, quant_decide) advances exactly in
// the cycles where en = !(out_valid && !out_ready). A transaction's cycles
// are the en cycles from its first input beat to its last output beat,
// both included, less the en cycles in which its input stream starved
// (first beat taken, last not yet, in_valid low): the simulator's
// occupancy + depth. The initiation check: a transaction's first beat,
// offered at en-time R, must be taken at en-time
// max(R, previous first + previous starvation + previous occupancy).
struct PipeTiming {
  struct Tx {
    uint64_t cycles = 0, starve = 0, first_en = 0, occupancy = 0;
    bool feeding = true;
  };
  uint64_t en_time = 0;  // en cycles so far
  std::deque<Tx> live;   // started, not finished, in order
  bool have_prev = false;
  uint64_t next_free = 0;  // en-time the previous transaction frees the input

  // First beat taken in this cycle, offered at en-time `offered`; returns
  // false if the block took it at another en-time than its occupancy allows.
  bool start(uint64_t offered, uint64_t occupancy) {
    uint64_t want = have_prev && next_free > offered ? next_free : offered;
    Tx t;
    t.first_en = en_time;
    t.occupancy = occupancy;
    live.push_back(t);
    return en_time == want;
  }
  void last_in() {  // the newest transaction's last beat was taken this cycle
    Tx &t = live.back();
    t.feeding = false;
    have_prev = true;
    next_free = t.first_en + t.starve + t.occupancy;
  }
  void account(bool en, bool in_valid) {  // once per cycle, after start()
    if (!en) return;
    for (Tx &t : live) {
      t.cycles++;
      if (t.feeding && !in_valid) t.starve++;
    }
    en_time++;
  }
  uint64_t finish() {  // the oldest transaction's last output left this cycle
    Tx t = live.front();
    live.pop_front();
    return t.cycles - t.starve;
  }
};

// ---- the closing report ---------------------------------------------------
struct Report {
  const char *block;
  long tx = 0, mismatches = 0, timing_mismatches = 0;
  uint64_t rtl_cycles = 0, sim_cycles = 0;
  bool hung = false;
  int finish() const {
    int failing = (mismatches > 0 || hung) + (timing_mismatches > 0 || hung);
    printf("rtl-report: block=%s tx=%ld mismatches=%ld timing_mismatches=%ld "
           "rtl_cycles=%" PRIu64 " sim_cycles=%" PRIu64 "%s\n",
           block, tx, mismatches, timing_mismatches, rtl_cycles, sim_cycles,
           hung ? " HUNG" : "");
    fflush(stdout);
    // the suite's closing-line contract (tests/run.sh): function, timing
    fprintf(stderr, "[====] Synthesis: Tested: 2 | Passing: %d | Failing: %d | Crashing: 0 \n",
            2 - failing, failing);
    return failing ? 1 : 0;
  }
};

// First few mismatches in detail, then only counted.
#define TB_FAIL(rep, ...)                                 \
  do {                                                    \
    if ((rep).mismatches + (rep).timing_mismatches < 10) \
      fprintf(stderr, __VA_ARGS__);                       \
  } while (0)

#endif

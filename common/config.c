/* config.c - the hardware schema (one row per cfg_t field) and cfg_*.
 *
 * Defaults describe the full SpAtten chip. Each row's comment gives the
 * source of its default: a paper, a standard, or "assumed" with the reason
 * the number is plausible. configs/spatten.yaml repeats these values with
 * the same sources; tests check that the two agree.
 *
 * Ranges keep the simulator safe (no zero-sized arrays, no shifts past the
 * datapath); they are not claims about what is buildable.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "yload.h"

#define F(field) offsetof(cfg_t, field)
#define SZ(field) sizeof(((cfg_t *)0)->field)
#define INF INFINITY

#define INT(k, f, def, lo, hi, unit, doc) \
  {k, YL_INT, F(f), 0, 0, def, lo, hi, 0, NULL, unit, doc}
#define I64(k, f, def, lo, hi, unit, doc) \
  {k, YL_INT64, F(f), 0, 0, def, lo, hi, 0, NULL, unit, doc}
#define DBL(k, f, def, lo, hi, unit, doc) \
  {k, YL_DOUBLE, F(f), 0, 0, def, lo, hi, 0, NULL, unit, doc}
#define BOOL(k, f, def, doc) \
  {k, YL_BOOL, F(f), 0, 0, def, 0, 0, 0, NULL, "", doc}
#define STR(k, f, def, doc) \
  {k, YL_STRING, F(f), SZ(f), 0, def, 0, 0, 0, NULL, "", doc}
#define ENUMS(k, f, def, choices, doc) \
  {k, YL_ENUM_STR, F(f), SZ(f), 0, def, 0, 0, 0, choices, "", doc}

static const yl_key_t cfg_keys[] = {
  STR("name", name, "spatten", "free-form preset name"),
  /* SpAtten, Wang et al. HPCA 2021: 1 GHz */
  DBL("clock_ghz", clock_ghz, "1", 0.01, 100, "GHz", "accelerator clock"),

  /* SpAtten, Wang et al. HPCA 2021: 12-bit datapath */
  INT("datapath.width", width, "12", 2, 16, "bits",
      "signed fixed-point width of Q, K, V and outputs"),
  /* assumed: 8 of 12 bits fractional leaves a range of +-8, enough for
   * layer-normalised activations, with 2^-8 resolution */
  INT("datapath.frac_bits", frac_bits, "8", 0, 12, "bits",
      "fractional bits of Q, K, V and outputs (< width)"),
  /* assumed: 2^-12 resolution, far below the probabilities pruning keeps */
  INT("datapath.prob_bits", prob_bits, "12", 1, 16, "bits",
      "unsigned fractional bits of attention probabilities"),

  /* SpAtten, Wang et al. HPCA 2021: 512 multipliers for Q x K */
  INT("qk_array.multipliers", qk_multipliers, "512", 1, 65536, "multipliers",
      "multipliers in the Q x K array"),
  /* SpAtten, Wang et al. HPCA 2021: 512 multipliers for probability x V */
  INT("av_array.multipliers", av_multipliers, "512", 1, 65536, "multipliers",
      "multipliers in the probability x V array"),
  /* assumed: a 12-bit multiplier fits one pipeline stage at 1 GHz */
  INT("arrays.mult_latency", mult_latency, "1", 0, 1000, "cycles",
      "cycles through one multiplier stage"),
  /* assumed: one 2-input adder level per cycle */
  INT("arrays.adder_latency", adder_latency, "1", 0, 1000, "cycles",
      "cycles per adder-tree level"),

  /* assumed: as many lanes as top-k comparators, so softmax keeps pace */
  INT("softmax.units", softmax_units, "16", 1, 4096, "scores/cycle",
      "scores processed per cycle per softmax pass"),
  /* assumed: a short comparator pipeline */
  INT("softmax.max_latency", softmax_max_latency, "4", 0, 1000, "cycles",
      "pipeline depth of the max-finding pass"),
  /* assumed: exp lookup table plus accumulation */
  INT("softmax.exp_latency", softmax_exp_latency, "8", 0, 1000, "cycles",
      "pipeline depth of the exp + sum pass"),
  /* assumed: a pipelined divider, the deepest of the three */
  INT("softmax.div_latency", softmax_div_latency, "12", 0, 1000, "cycles",
      "pipeline depth of the normalisation pass"),

  /* SpAtten, Wang et al. HPCA 2021: top-k engine parallelism 16 */
  INT("topk.parallelism", topk_parallelism, "16", 0, 4096, "comparators",
      "top-k engine comparators (0 = no engine)"),
  /* SpAtten, Wang et al. HPCA 2021: token, head and value pruning */
  BOOL("features.pruning", pruning, "true",
       "hardware supports token/head/value pruning (needs a top-k engine)"),

  /* assumed: 8 KiB holds ~85 query rows of 64 x 12-bit elements */
  I64("buffers.query_bytes", query_buffer_bytes, "8192", 64, 1 << 30,
      "bytes", "query buffer"),
  /* SpAtten, Wang et al. HPCA 2021: 196 KB key buffer */
  I64("buffers.key_bytes", key_buffer_bytes, "200704", 64, 1 << 30, "bytes",
      "key buffer"),
  /* SpAtten, Wang et al. HPCA 2021: 196 KB value buffer */
  I64("buffers.value_bytes", value_buffer_bytes, "200704", 64, 1 << 30,
      "bytes", "value buffer"),
  /* assumed: a few output rows in flight to DRAM */
  I64("buffers.output_bytes", output_buffer_bytes, "4096", 64, 1 << 30,
      "bytes", "output buffer"),
  /* assumed: 4x the longest bundled context (1024 tokens) */
  INT("buffers.score_entries", score_buffer_entries, "4096", 16, 1 << 20,
      "entries", "scores/probabilities held at once"),

  /* assumed: enough in-flight instructions to overlap fetch and compute */
  INT("core.window", window, "64", 2, 1024, "instructions",
      "in-flight instructions (scoreboard entries)"),
  /* assumed: 32 HBM2 bursts per request, large enough to stream rows */
  INT("fetch.request_bytes", fetch_request_bytes, "1024", 32, 1 << 20,
      "bytes", "largest DRAM request a fetcher issues"),
  /* assumed: Little's law, 512 GB/s x 50 ns = 25.6 KB in flight, i.e. 25
   * requests of 1 KiB; 64 leaves margin */
  INT("fetch.max_outstanding", fetch_max_outstanding, "64", 1, 4096,
      "requests", "DRAM requests in flight per fetcher"),
  /* assumed: 64 rows x 64 dims x 12 bits = 6 KiB per K/V fetch */
  INT("mapping.chunk_rows", chunk_rows, "64", 1, 65535, "rows",
      "rows per K/V fetch instruction"),

  ENUMS("dram.model", dram_model, "simple", "simple",
        "DRAM model: bandwidth + fixed latency per channel"),
  /* SpAtten, Wang et al. HPCA 2021: 16 HBM2 channels, 512 GB/s */
  INT("dram.channels", dram_channels, "16", 1, 1024, "channels",
      "independent DRAM channels"),
  /* JESD235 HBM2: 128-bit legacy channel */
  INT("dram.bus_bits", dram_bus_bits, "128", 8, 4096, "bits",
      "data bits per channel"),
  /* JESD235 HBM2: 2 Gb/s/pin; 16 x 128 x 2 / 8 = 512 GB/s as in SpAtten */
  DBL("dram.gbps_per_pin", dram_gbps_per_pin, "2", 0.01, 100, "Gb/s",
      "data rate per pin"),
  /* JESD235 HBM2: 128-bit channel x BL2 (or 64-bit pseudo channel x BL4) */
  INT("dram.burst_bytes", dram_burst_bytes, "32", 1, 4096, "bytes",
      "bytes per burst (access granularity)"),
  /* assumed: tRCD + CL ~ 28 ns plus controller and PHY */
  DBL("dram.latency_ns", dram_latency_ns, "50", 0, 100000, "ns",
      "request to first data"),
  /* assumed: a typical controller read queue */
  INT("dram.queue_depth", dram_queue_depth, "32", 1, 4096, "requests",
      "requests queued per channel"),

  /* Horowitz ISSCC 2014 (45 nm): 8-bit int mult 0.2 pJ + add 0.03 pJ */
  DBL("energy.mac_pj", e_mac_pj, "0.23", 0, INF, "pJ",
      "energy per MAC at energy.mac_bits (scaled by (width/mac_bits)^2)"),
  /* Horowitz ISSCC 2014 (45 nm): measured at 8 bits */
  INT("energy.mac_bits", e_mac_bits, "8", 1, 64, "bits",
      "operand width energy.mac_pj was measured at"),
  /* assumed: exp lookup + adder + a share of a divider per element */
  DBL("energy.softmax_pj", e_softmax_pj, "2", 0, INF, "pJ",
      "energy per softmax element (exp, sum, divide)"),
  /* Horowitz ISSCC 2014 (45 nm): SRAM figures are per 64-bit access */
  INT("energy.sram_access_bits", e_sram_access_bits, "64", 1, 4096, "bits",
      "bits per SRAM access"),
  /* Horowitz ISSCC 2014 (45 nm): 8 KB SRAM, 64-bit access 10 pJ */
  DBL("energy.query_buffer_pj", e_query_buffer_pj, "10", 0, INF, "pJ",
      "energy per query buffer access"),
  /* Horowitz ISSCC 2014 (45 nm), interpolated: 32 KB 20 pJ and 1 MB 100 pJ
   * on a log-log line give 20 x (196/32)^(ln 5/ln 32) = 46.4 pJ at 196 KB */
  DBL("energy.key_buffer_pj", e_key_buffer_pj, "46.4", 0, INF, "pJ",
      "energy per key buffer access"),
  /* as energy.key_buffer_pj: 196 KB */
  DBL("energy.value_buffer_pj", e_value_buffer_pj, "46.4", 0, INF, "pJ",
      "energy per value buffer access"),
  /* Horowitz ISSCC 2014 (45 nm), interpolated: 4096 x 32-bit entries =
   * 16 KB between 8 KB 10 pJ and 32 KB 20 pJ: 10 x (16/8)^0.5 = 14.1 pJ */
  DBL("energy.score_buffer_pj", e_score_buffer_pj, "14.1", 0, INF, "pJ",
      "energy per score buffer access"),
  /* Horowitz ISSCC 2014 (45 nm): 8 KB 10 pJ, used as an upper bound for
   * this 4 KiB buffer (the paper gives no smaller size) */
  DBL("energy.output_buffer_pj", e_output_buffer_pj, "10", 0, INF, "pJ",
      "energy per output buffer access"),
  /* O'Connor et al. MICRO 2017: HBM2 ~3.9 pJ/bit */
  DBL("energy.dram_pj_per_bit", e_dram_pj_per_bit, "3.9", 0, INF, "pJ/bit",
      "energy per bit moved to or from DRAM"),
  /* assumed: leakage of a few percent of the chip's dynamic power */
  DBL("energy.static_mw", e_static_mw, "100", 0, INF, "mW", "leakage power"),

  /* assumed: an 8-bit multiplier is a few hundred um2 at 40-45 nm and
   * area grows ~bits^2, so ~600 um2 at 12 bits */
  DBL("area.mult_mm2", a_mult_mm2, "0.0006", 0, INF, "mm2",
      "area per multiplier at area.mult_bits"),
  INT("area.mult_bits", a_mult_bits, "12", 1, 64, "bits",
      "operand width area.mult_mm2 refers to"),
  /* assumed: ~0.3 um2 6T cells x 8192 bits plus ~2x periphery at 40 nm */
  DBL("area.sram_mm2_per_kb", a_sram_mm2_per_kb, "0.005", 0, INF, "mm2/KB",
      "SRAM area per KB"),
  /* assumed: exp table, adder and a divider share per lane */
  DBL("area.softmax_mm2", a_softmax_mm2, "0.01", 0, INF, "mm2",
      "area per softmax unit"),
  /* assumed: a 12-bit comparator with its muxes and registers */
  DBL("area.topk_mm2", a_topk_mm2, "0.002", 0, INF, "mm2",
      "area per top-k comparator"),
};

#define CFG_NKEYS (sizeof cfg_keys / sizeof cfg_keys[0])

static const yl_schema_t cfg_schema = {cfg_keys, (int)CFG_NKEYS};

void cfg_defaults(cfg_t *c) {
  err_t e;
  int rc;
  memset(c, 0, sizeof *c);
  rc = yl_defaults(&cfg_schema, c, &e);
  assert(rc == 0 && "cfg_keys: a default does not parse or is out of range");
  (void)rc;
}

/* Of two keys in one constraint, the one to blame: a, unless only b was
 * written by the user. */
static const char *cfg_blame(const yl_mark_t *marks, const char *a,
                             const char *b) {
  if (!yl_is_set(&cfg_schema, marks, a) && yl_is_set(&cfg_schema, marks, b))
    return b;
  return a;
}

/* Per-key ranges, then the cross-field rules. */
static int cfg_check(const cfg_t *c, const char *origin,
                     const yl_mark_t *marks, err_t *e) {
  const char *k;
  if (yl_check(&cfg_schema, c, origin, marks, e)) return e->status;
  if (c->frac_bits >= c->width) {
    k = cfg_blame(marks, "datapath.frac_bits", "datapath.width");
    return yl_err_key(&cfg_schema, marks, origin, k, e,
                      "fractional bits must leave a sign bit (got frac_bits "
                      "%d with width %d, expected frac_bits < width)",
                      c->frac_bits, c->width);
  }
  if (c->pruning && c->topk_parallelism < 1) {
    k = cfg_blame(marks, "topk.parallelism", "features.pruning");
    return yl_err_key(&cfg_schema, marks, origin, k, e,
                      "pruning needs a top-k engine (got features.pruning "
                      "true with topk.parallelism 0, expected parallelism "
                      ">= 1 or pruning false)");
  }
  return 0;
}

int cfg_load(const char *path, cfg_t *c, err_t *e) {
  yl_mark_t marks[CFG_NKEYS];
  cfg_t tmp;
  cfg_defaults(&tmp);
  if (yl_load(&cfg_schema, path, &tmp, marks, e) ||
      cfg_check(&tmp, path, marks, e))
    return e->status;
  *c = tmp;
  return 0;
}

/* Checks the whole config after the change, so a cfg_t that any cfg_*
 * call accepted is always valid; on error *c is unchanged. */
int cfg_set(cfg_t *c, const char *assignment, err_t *e) {
  yl_mark_t marks[CFG_NKEYS] = {{0}};
  cfg_t tmp = *c;
  if (yl_set(&cfg_schema, assignment, "<--set>", 0, 0, &tmp, marks, e) ||
      cfg_check(&tmp, "<--set>", marks, e))
    return e->status;
  *c = tmp;
  return 0;
}

uint64_t cfg_hash(const cfg_t *c) { return yl_hash(&cfg_schema, c); }

void cfg_dump(const cfg_t *c, FILE *f) {
  fprintf(f, "# effective config (cfg_hash %016llx); \"# default\" marks keys"
             " at their schema default\n",
          (unsigned long long)cfg_hash(c));
  yl_dump(&cfg_schema, c, f);
}

void cfg_doc(FILE *f) { yl_doc(&cfg_schema, f); }

const yl_schema_t *cfg_schema_get(void) { return &cfg_schema; }

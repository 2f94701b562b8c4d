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
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

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

  /* assumed: keeps pace with the Q x K array, which scores 512 / 64 = 8
   * keys per cycle at head_dim 64: three passes need 24 lanes; 32 */
  INT("softmax.units", softmax_units, "32", 1, 4096, "scores/cycle",
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
  /* assumed: Little's law for the smallest requests, gathered key rows of
   * pruned tokens (48 B at 6 bits x 64): 512 GB/s x ~100 ns = 51 KB in
   * flight = ~1,070 rows; 1,024 */
  INT("fetch.max_outstanding", fetch_max_outstanding, "1024", 1, 4096,
      "requests", "DRAM requests in flight per fetcher"),
  /* assumed: one request per HBM2 channel per cycle (SpAtten, Wang et al.
   * HPCA 2021: 16 channels), so gathered rows of pruned tokens, each its
   * own request, can still fill the memory */
  INT("fetch.requests_per_cycle", fetch_issue, "16", 1, 1024, "requests",
      "DRAM requests a fetcher or the store unit may issue per cycle"),
  /* assumed: as many lanes as the Q x K array has multipliers (512): 4-bit
   * codes then dequantize at 256 B per cycle, half of 512 GB/s at 1 GHz */
  INT("fetch.dequant_lanes", fetch_dequant_lanes, "512", 1, 1 << 16,
      "elements", "K/V elements a fetcher dequantizes per cycle (kv_quant, "
      "docs/kivi.md)"),
  /* assumed: 64 rows x 64 dims x 12 bits = 6 KiB per K/V fetch */
  INT("mapping.chunk_rows", chunk_rows, "64", 1, 65535, "rows",
      "rows per K/V fetch instruction"),
  /* a compiler choice, not hardware: docs/tiling.md's rule */
  {"mapping.softmax", YL_ENUM, F(map_softmax), 0, 0, "auto", 0, 0, 0,
   "auto|row|tiled", "",
   "softmax mapping: row (a whole score row on chip), tiled (online softmax "
   "over K/V tiles) or auto (row where it fits without refetching K/V)"},
  INT("mapping.tile_q", tile_q, "0", 0, 65535, "rows",
      "tiled: query rows per block (0: as many as the query and output "
      "buffers hold)"),
  INT("mapping.tile_kv", tile_kv, "0", 0, 65535, "rows",
      "tiled: K/V rows per tile (0: as many as the buffers hold)"),

  /* the bank-level model; "simple" keeps the bandwidth + latency one for
   * fast sweeps */
  ENUMS("dram.model", dram_model, "hbm2", "hbm2|simple",
        "DRAM model: hbm2 (bank level, sim/dram_hbm2.c) or simple "
        "(bandwidth + fixed latency per channel)"),
  /* SpAtten, Wang et al. HPCA 2021: 16 HBM2 channels, 512 GB/s */
  INT("dram.channels", dram_channels, "16", 1, 1024, "channels",
      "independent DRAM channels (hbm2: a power of two)"),
  /* JESD235 HBM2: 128-bit legacy channel */
  INT("dram.bus_bits", dram_bus_bits, "128", 8, 4096, "bits",
      "data bits per channel"),
  /* JESD235 HBM2: 2 Gb/s/pin; 16 x 128 x 2 / 8 = 512 GB/s as in SpAtten */
  DBL("dram.gbps_per_pin", dram_gbps_per_pin, "2", 0.01, 100, "Gb/s",
      "data rate per pin (double data rate: the DRAM clock is half of it, "
      "in GHz)"),
  /* JESD235 HBM2 legacy mode, BL4: 128 bits x 4 = 64 B (DRAMsim3
   * HBM2_8Gb_x128.ini: BL 4) */
  INT("dram.burst_bytes", dram_burst_bytes, "64", 1, 4096, "bytes",
      "bytes per burst (access granularity; hbm2: a power of two moved in "
      "whole DRAM clock cycles)"),
  /* assumed: tRCD + CL ~ 28 ns plus controller and PHY */
  DBL("dram.latency_ns", dram_latency_ns, "50", 0, 100000, "ns",
      "simple model only: request to first data"),
  /* ../shared/dram-reference/README.md (DRAMsim3): a transaction queue of
   * 32 per channel */
  INT("dram.queue_depth", dram_queue_depth, "32", 1, 4096, "requests",
      "hbm2: burst-sized read transactions queued per channel (writes have "
      "dram.write_queue_depth); simple: requests queued per channel"),

  /* DRAMsim3 HBM2_8Gb_x128.ini as DRAMsim3 sizes it: 1 GiB per channel is
   * one rank of 16 banks x 32768 rows x 2 KiB (JESD235 legacy mode: 2 KB
   * page per 128-bit channel) */
  INT("dram.ranks", dram_ranks, "1", 1, 16, "ranks",
      "hbm2: ranks (stack IDs) per channel, a power of two"),
  /* JESD235 HBM2: 16 banks in 4 bank groups */
  INT("dram.bankgroups", dram_bankgroups, "4", 1, 64, "groups",
      "hbm2: bank groups per rank, a power of two"),
  /* JESD235 HBM2: 16 banks in 4 bank groups */
  INT("dram.banks_per_group", dram_banks_per_group, "4", 1, 64, "banks",
      "hbm2: banks per bank group, a power of two (ranks x groups x banks "
      "<= 64)"),
  /* DRAMsim3 HBM2_8Gb_x128.ini: 32768 rows */
  INT("dram.rows", dram_rows, "32768", 1, 1 << 30, "rows",
      "hbm2: rows per bank, a power of two"),
  /* JESD235 HBM2 legacy mode: 2 KB page per 128-bit channel (DRAMsim3:
   * 64 columns x 128 bits x prefetch 2) */
  INT("dram.row_bytes", dram_row_bytes, "2048", 1, 1 << 30, "bytes",
      "hbm2: bytes per row (page) of one channel, a power-of-two multiple "
      "of dram.burst_bytes"),
  /* DRAMsim3 HBM2_8Gb_x128.ini: rorabgbachco */
  STR("dram.address_mapping", dram_address_mapping,
      "row-rank-bankgroup-bank-channel-column",
      "hbm2: address fields, most significant first, '-' between: row, "
      "rank, bankgroup, bank, channel, column, each once; below them the "
      "byte offset in a burst; address bits above them are ignored"),
  /* ../shared/dram-reference/README.md (DRAMsim3): per-bank command
   * queues of 8 */
  INT("dram.command_queue_depth", dram_cmd_queue_depth, "8", 1, 1024,
      "entries", "hbm2: command queue entries per bank"),
  /* DRAMsim3 controller.cc: a write buffer beside the read queue, each of
   * trans_queue_size (configuration.cc default 32; HBM2_8Gb_x128.ini 32) */
  INT("dram.write_queue_depth", dram_write_queue_depth, "32", 1, 4096,
      "requests", "hbm2: burst-sized write transactions queued per channel; "
      "a write completes when accepted"),
  /* DRAMsim3 controller.cc ScheduleTransaction: a drain starts when the
   * write buffer is full */
  INT("dram.write_drain_high", dram_write_drain_high, "32", 1, 4096,
      "requests", "hbm2: writes waiting that start a write drain (the "
      "drain moves the writes waiting then, and no reads meanwhile); at "
      "most dram.write_queue_depth"),
  /* DRAMsim3 controller.cc ScheduleTransaction: or when more than 8 wait
   * and every command queue is empty */
  INT("dram.write_drain_low", dram_write_drain_low, "8", 0, 4096,
      "requests", "hbm2: a write drain also starts when more than this "
      "many writes wait and every command queue of the channel is empty; "
      "below dram.write_drain_high"),
  /* DRAMsim3 command_queue.cc: a waiting miss may close a row once 4 hits
   * have been served from it */
  INT("dram.row_hit_limit", dram_row_hit_limit, "4", 1, 1 << 30, "hits",
      "hbm2: row hits served since the activate before a waiting miss may "
      "precharge the row although more hits are queued (FR-FCFS cap)"),
  /* JESD235 HBM2: separate row and column command buses */
  BOOL("dram.dual_command", dram_dual_command, "true",
       "hbm2: one row command (ACT, PRE, REF) and one column command (RD, "
       "WR) may issue in the same cycle"),

  /* DRAMsim3 HBM2_8Gb_x128.ini (2 Gb/s HBM2, tCK 1 ns), the timing of
   * ../shared/dram-reference/README.md, for every timing row below
   * unless a row says otherwise */
  INT("dram.timing.cl", dram_tm.cl, "14", 1, 1000, "nCK",
      "hbm2: read command to first data (CL)"),
  INT("dram.timing.cwl", dram_tm.cwl, "4", 1, 1000, "nCK",
      "hbm2: write command to first data (CWL)"),
  INT("dram.timing.trcd", dram_tm.trcd, "14", 1, 1000, "nCK",
      "hbm2: activate to read or write, same bank (tRCD)"),
  INT("dram.timing.trp", dram_tm.trp, "14", 1, 1000, "nCK",
      "hbm2: precharge to activate or refresh (tRP)"),
  INT("dram.timing.tras", dram_tm.tras, "34", 1, 1000, "nCK",
      "hbm2: activate to precharge, same bank (tRAS)"),
  /* DRAMsim3 configuration.cc: tRC = tRAS + tRP = 34 + 14 */
  INT("dram.timing.trc", dram_tm.trc, "48", 1, 2000, "nCK",
      "hbm2: activate to activate, same bank (tRC)"),
  INT("dram.timing.trrd_s", dram_tm.trrd_s, "4", 1, 1000, "nCK",
      "hbm2: activate to activate, other bank group (tRRD_S)"),
  INT("dram.timing.trrd_l", dram_tm.trrd_l, "6", 1, 1000, "nCK",
      "hbm2: activate to activate, same bank group (tRRD_L)"),
  INT("dram.timing.tfaw", dram_tm.tfaw, "30", 1, 10000, "nCK",
      "hbm2: window holding at most four activates per rank (tFAW)"),
  INT("dram.timing.tccd_s", dram_tm.tccd_s, "1", 1, 1000, "nCK",
      "hbm2: column to column command, other bank group (tCCD_S)"),
  INT("dram.timing.tccd_l", dram_tm.tccd_l, "2", 1, 1000, "nCK",
      "hbm2: column to column command, same bank group (tCCD_L)"),
  INT("dram.timing.twr", dram_tm.twr, "16", 1, 1000, "nCK",
      "hbm2: end of write data to precharge (tWR)"),
  INT("dram.timing.twtr_s", dram_tm.twtr_s, "6", 1, 1000, "nCK",
      "hbm2: end of write data to read, other bank group (tWTR_S)"),
  INT("dram.timing.twtr_l", dram_tm.twtr_l, "8", 1, 1000, "nCK",
      "hbm2: end of write data to read, same bank group (tWTR_L)"),
  /* the README's tRTP_L (6); its tRTP_S (4, other bank group) cannot
   * apply to a read's own bank, so it is not modelled */
  INT("dram.timing.trtp", dram_tm.trtp, "6", 1, 1000, "nCK",
      "hbm2: read to precharge, same bank (JESD235 tRTP_L)"),
  /* DRAMsim3 configuration.cc: default tRTRS 2 (not in the README; with
   * one rank it only sets the read-to-write turnaround) */
  INT("dram.timing.trtrs", dram_tm.trtrs, "2", 0, 1000, "nCK",
      "hbm2: data-bus turnaround between ranks and from read to write "
      "(tRTRS)"),
  INT("dram.timing.trfc", dram_tm.trfc, "260", 1, 100000, "nCK",
      "hbm2: all-bank refresh to activate, same rank (tRFC)"),
  INT("dram.timing.trefi", dram_tm.trefi, "3900", 2, 10000000, "nCK",
      "hbm2: interval between all-bank refreshes of a rank (tREFI)"),

  /* DRAMsim3 HBM2_8Gb_x128.ini, the IDD values and VDD of
   * ../shared/dram-reference/README.md, for every power row below */
  DBL("dram.power.vdd", dram_pw.vdd, "1.2", 0, 100, "V",
      "hbm2 energy: supply voltage (VDD)"),
  DBL("dram.power.idd0", dram_pw.idd0, "65", 0, 1e6, "mA",
      "hbm2 energy: activate-precharge current over tRC (IDD0)"),
  DBL("dram.power.idd2n", dram_pw.idd2n, "40", 0, 1e6, "mA",
      "hbm2 energy: precharged standby current (IDD2N)"),
  DBL("dram.power.idd3n", dram_pw.idd3n, "55", 0, 1e6, "mA",
      "hbm2 energy: active standby current (IDD3N)"),
  DBL("dram.power.idd4r", dram_pw.idd4r, "390", 0, 1e6, "mA",
      "hbm2 energy: burst read current (IDD4R)"),
  DBL("dram.power.idd4w", dram_pw.idd4w, "500", 0, 1e6, "mA",
      "hbm2 energy: burst write current (IDD4W)"),
  DBL("dram.power.idd5ab", dram_pw.idd5ab, "250", 0, 1e6, "mA",
      "hbm2 energy: all-bank refresh current over tRFC (IDD5AB)"),

  /* The chip's technology: every energy.* and area.* coefficient is given
   * at technology.ref_node_nm and the reference supply of its kind
   * (logic_ref_vdd, sram_ref_vdd) and scaled at report time (docs/stats.md,
   * "Technology scaling"). SpAtten, Wang et al. HPCA 2021: 40 nm */
  INT("technology.node_nm", t_node_nm, "40", 1, 1000, "nm",
      "the chip's process node"),
  /* assumed: 0.9 V, the nominal core supply of 40 nm general-purpose
   * processes (SpAtten gives no supply) */
  DBL("technology.vdd", t_vdd, "0.9", 0.1, 5, "V", "the chip's core supply"),
  ENUMS("technology.device", t_device, "hp", "hp|lstp",
        "device type of the SRAM figures (CACTI itrs-hp or itrs-lstp rows)"),
  /* Horowitz ISSCC 2014 and CACTI 7 rows: 45 nm */
  INT("technology.ref_node_nm", t_ref_node_nm, "45", 1, 1000, "nm",
      "node every energy.* and area.* coefficient is given at"),
  /* Horowitz ISSCC 2014 (45 nm): 0.9 V */
  DBL("technology.logic_ref_vdd", t_logic_ref_vdd, "0.9", 0.1, 5, "V",
      "supply the logic coefficients are given at"),
  /* CACTI 7 itrs-hp 45 nm: Vdd 1.0 V (itrs-lstp: 1.1 V) */
  DBL("technology.sram_ref_vdd", t_sram_ref_vdd, "1.0", 0.1, 5, "V",
      "supply the SRAM coefficients (energy.*_buffer_*) are given at"),

  /* assumed: 12-bit MAC lane of a synthesized array (multiplier, its share
   * of the adder tree, operand and pipeline registers) */
  DBL("energy.mac_pj", e_mac_pj, "1.5", 0, INF, "pJ",
      "energy per MAC at energy.mac_bits (scaled by (width/mac_bits)^2)"),
  INT("energy.mac_bits", e_mac_bits, "12", 1, 64, "bits",
      "operand width energy.mac_pj was measured at"),
  /* Horowitz ISSCC 2014 (45 nm): FP32 exp series and divide per element */
  DBL("energy.softmax_pj", e_softmax_pj, "38", 0, INF, "pJ",
      "energy per softmax element (max, exp, sum, divide)"),
  INT("energy.sram_access_bits", e_sram_access_bits, "64", 1, 4096, "bits",
      "bits the energy.*_buffer_pj figures refer to"),
  /* CACTI 7 itrs-hp 45 nm (../shared/sram-reference): 8192 B, 768 bits wide */
  DBL("energy.query_buffer_pj", e_query_buffer_pj, "3.914", 0, INF, "pJ",
      "energy per query buffer read of energy.sram_access_bits"),
  DBL("energy.query_buffer_write_pj", e_query_buffer_write_pj, "4.946", 0, INF, "pJ",
      "energy per query buffer write of energy.sram_access_bits"),
  DBL("energy.query_buffer_leak_mw", e_query_buffer_leak_mw, "4.749", 0, INF, "mW",
      "query buffer leakage"),
  /* CACTI 7 itrs-hp 45 nm (../shared/sram-reference): 12 bit-planes of 16704 B, 512 bits wide */
  DBL("energy.key_buffer_pj", e_key_buffer_pj, "3.234", 0, INF, "pJ",
      "energy per key buffer read of energy.sram_access_bits"),
  DBL("energy.key_buffer_write_pj", e_key_buffer_write_pj, "6.331", 0, INF, "pJ",
      "energy per key buffer write of energy.sram_access_bits"),
  DBL("energy.key_buffer_leak_mw", e_key_buffer_leak_mw, "108.4", 0, INF, "mW",
      "key buffer leakage"),
  /* CACTI 7 itrs-hp 45 nm (../shared/sram-reference): 12 bit-planes of 16704 B */
  DBL("energy.value_buffer_pj", e_value_buffer_pj, "3.234", 0, INF, "pJ",
      "energy per value buffer read of energy.sram_access_bits"),
  DBL("energy.value_buffer_write_pj", e_value_buffer_write_pj, "6.331", 0, INF, "pJ",
      "energy per value buffer write of energy.sram_access_bits"),
  DBL("energy.value_buffer_leak_mw", e_value_buffer_leak_mw, "108.4", 0, INF, "mW",
      "value buffer leakage"),
  /* CACTI 7 itrs-hp 45 nm (../shared/sram-reference): 16 KiB, 128 bits wide */
  DBL("energy.score_buffer_pj", e_score_buffer_pj, "4.554", 0, INF, "pJ",
      "energy per score buffer read of energy.sram_access_bits"),
  DBL("energy.score_buffer_write_pj", e_score_buffer_write_pj, "9.488", 0, INF, "pJ",
      "energy per score buffer write of energy.sram_access_bits"),
  DBL("energy.score_buffer_leak_mw", e_score_buffer_leak_mw, "9.079", 0, INF, "mW",
      "score buffer leakage"),
  /* CACTI 7 itrs-hp 45 nm (../shared/sram-reference): 4 KiB, 768 bits wide */
  DBL("energy.output_buffer_pj", e_output_buffer_pj, "3.823", 0, INF, "pJ",
      "energy per output buffer read of energy.sram_access_bits"),
  DBL("energy.output_buffer_write_pj", e_output_buffer_write_pj, "4.068", 0, INF, "pJ",
      "energy per output buffer write of energy.sram_access_bits"),
  DBL("energy.output_buffer_leak_mw", e_output_buffer_leak_mw, "2.623", 0, INF, "mW",
      "output buffer leakage"),
  /* O'Connor et al. MICRO 2017: HBM2 ~3.9 pJ/bit */
  DBL("energy.dram_pj_per_bit", e_dram_pj_per_bit, "3.9", 0, INF, "pJ/bit",
      "simple DRAM model only: energy per bit moved to or from DRAM (hbm2 "
      "costs commands and standby from dram.power.*)"),
  /* Horowitz ISSCC 2014 (45 nm): a 12-bit compare ~ a 12-bit add */
  DBL("energy.topk_pj", e_topk_pj, "0.05", 0, INF, "pJ",
      "energy per top-k engine comparison"),
  /* assumed: a FIFO entry written and read per comparison */
  DBL("energy.topk_fifo_pj", e_topk_fifo_pj, "0.5", 0, INF, "pJ",
      "top-k FIFO energy per comparison"),
  /* assumed: a shift network stage per comparison */
  DBL("energy.zero_elim_pj", e_zero_elim_pj, "0.1", 0, INF, "pJ",
      "zero eliminator energy per comparison"),
  /* Horowitz ISSCC 2014 (45 nm): 32-bit add 0.1 pJ, plus its register */
  DBL("energy.importance_pj", e_importance_pj, "0.2", 0, INF, "pJ",
      "energy per token importance accumulation"),
  /* assumed: a max tree and a threshold compare per checked query */
  DBL("energy.requant_pj", e_requant_pj, "2", 0, INF, "pJ",
      "requantization decision energy per checked query"),
  /* assumed: address generation and an outstanding-slot write and read */
  DBL("energy.fetch_pj", e_fetch_pj, "2", 0, INF, "pJ",
      "fetcher energy per DRAM request"),
  /* assumed: a code x 16-bit scale multiply and a 16-bit add, as one MAC
   * at energy.mac_bits (1.5 pJ) */
  DBL("energy.dequant_pj", e_dequant_pj, "1.5", 0, INF, "pJ",
      "fetcher energy per K/V element dequantized (kv_quant)"),
  /* assumed: ~1 mm of wire at ~0.2 pJ/bit/mm (45 nm) per byte's bits */
  DBL("energy.crossbar_pj_per_byte", e_crossbar_pj_per_byte, "1.6", 0, INF,
      "pJ/B", "crossbar and AXI port energy per byte on the DRAM bus"),
  /* assumed: queue write, read and a scheduler pass per burst */
  DBL("energy.hbm_ctrl_pj", e_hbm_ctrl_pj, "5", 0, INF, "pJ",
      "HBM controller energy per burst"),
  /* assumed: host-side driver and receiver of a short interposer link */
  DBL("energy.hbm_phy_pj_per_bit", e_hbm_phy_pj_per_bit, "0.5", 0, INF,
      "pJ/bit", "HBM PHY energy per bit on the bus"),
  /* assumed: DLL and receiver bias per channel */
  DBL("energy.hbm_phy_idle_mw", e_hbm_phy_idle_mw, "20", 0, INF, "mW",
      "HBM PHY static power per channel"),
  /* assumed: clock tree and flip-flop clock load per mm2 of logic */
  DBL("energy.clock_pj_per_mm2", e_clock_pj_per_mm2, "380", 0, INF,
      "pJ/cycle/mm2", "clock tree and register energy per cycle per mm2 of "
      "logic"),
  /* CACTI 7 itrs-hp 45 nm: a 16704 B plane leaks 9.03 mW in 0.0723 mm2 */
  DBL("energy.logic_leak_mw_per_mm2", e_logic_leak_mw_per_mm2, "125", 0, INF,
      "mW/mm2", "logic leakage per mm2"),
  /* assumed: PLL and always-on logic */
  DBL("energy.static_mw", e_static_mw, "10", 0, INF, "mW",
      "leakage outside the modules (PLL, always-on)"),

  /* assumed: see configs/spatten.yaml */
  DBL("area.mult_mm2", a_mult_mm2, "0.00185", 0, INF, "mm2",
      "area per MAC lane (multiplier, adder-tree share, registers) at "
      "area.mult_bits"),
  INT("area.mult_bits", a_mult_bits, "12", 1, 64, "bits",
      "operand width area.mult_mm2 refers to"),
  DBL("area.softmax_mm2", a_softmax_mm2, "0.14", 0, INF, "mm2",
      "area per softmax lane (FP32 exp series, divider)"),
  DBL("area.topk_mm2", a_topk_mm2, "0.00034", 0, INF, "mm2",
      "area per top-k comparator"),
  DBL("area.topk_fifo_mm2", a_topk_fifo_mm2, "0.0091", 0, INF, "mm2",
      "area per top-k FIFO (one per comparator)"),
  DBL("area.zero_elim_mm2", a_zero_elim_mm2, "0.00034", 0, INF, "mm2",
      "zero eliminator area per top-k lane"),
  DBL("area.importance_mm2", a_importance_mm2, "0.0004", 0, INF, "mm2",
      "importance accumulator area per softmax lane"),
  DBL("area.requant_mm2", a_requant_mm2, "0.001", 0, INF, "mm2",
      "requantization decision logic area"),
  DBL("area.fetch_slot_mm2", a_fetch_slot_mm2, "0.00041", 0, INF, "mm2",
      "fetcher area per outstanding request (fetch.max_outstanding)"),
  DBL("area.crossbar_mm2", a_crossbar_mm2, "0.0154", 0, INF, "mm2",
      "crossbar area per DRAM channel squared (wire-limited)"),
  DBL("area.hbm_ctrl_mm2", a_hbm_ctrl_mm2, "0.053", 0, INF, "mm2",
      "HBM controller area per channel"),
  DBL("area.hbm_phy_mm2", a_hbm_phy_mm2, "0.35", 0, INF, "mm2",
      "HBM PHY area per channel"),
  DBL("area.control_share", a_control_share, "0.1", 0, 10, "ratio",
      "control, registers and clock buffers as a share of the other logic "
      "area"),
  DBL("area.query_buffer_mm2", a_query_buffer_mm2, "0.0834", 0, INF, "mm2",
      "query buffer area, all its planes"),
  DBL("area.key_buffer_mm2", a_key_buffer_mm2, "0.8679", 0, INF, "mm2",
      "key buffer area, all its planes"),
  DBL("area.value_buffer_mm2", a_value_buffer_mm2, "0.8679", 0, INF, "mm2",
      "value buffer area, all its planes"),
  DBL("area.score_buffer_mm2", a_score_buffer_mm2, "0.0507", 0, INF, "mm2",
      "score buffer area, all its planes"),
  DBL("area.output_buffer_mm2", a_output_buffer_mm2, "0.0692", 0, INF, "mm2",
      "output buffer area, all its planes"),
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

static const char *const cfg_map_names[CFG_MAP_FIELDS] = {
    "column", "channel", "bank", "bankgroup", "rank", "row"};

bool cfg_dram_is_hbm2(const cfg_t *c) {
  return strcmp(c->dram_model, "hbm2") == 0;
}

/* One '-'-separated name of s[0..n) as a field, or CFG_MAP_FIELDS. */
static cfg_map_field_t cfg_map_field(const char *s, size_t n) {
  int f;
  for (f = 0; f < CFG_MAP_FIELDS; f++)
    if (strlen(cfg_map_names[f]) == n && strncmp(cfg_map_names[f], s, n) == 0)
      return (cfg_map_field_t)f;
  return CFG_MAP_FIELDS;
}

/* Invariant: seen[f] marks the fields read so far; msb[] holds them in the
 * order written (most significant first) until they are reversed. */
int cfg_map_parse(const char *s, cfg_map_field_t order[CFG_MAP_FIELDS],
                  char *why, size_t len) {
  cfg_map_field_t msb[CFG_MAP_FIELDS];
  bool seen[CFG_MAP_FIELDS] = {false};
  const char *p = s;
  int n = 0, i;
  for (;;) {
    const char *dash = strchr(p, '-');
    size_t w = dash ? (size_t)(dash - p) : strlen(p);
    cfg_map_field_t f = cfg_map_field(p, w);
    if (f == CFG_MAP_FIELDS || n == CFG_MAP_FIELDS || seen[f]) {
      snprintf(why, len, "%s field \"%.*s\" (got \"%s\", expected row, "
               "rank, bankgroup, bank, channel and column once each, most "
               "significant first, joined by '-')",
               f == CFG_MAP_FIELDS ? "unknown" : "repeated", (int)w, p, s);
      return -1;
    }
    seen[f] = true;
    msb[n++] = f;
    if (!dash) break;
    p = dash + 1;
  }
  for (i = 0; i < CFG_MAP_FIELDS; i++)
    if (!seen[i]) {
      snprintf(why, len, "missing field %s (got \"%s\", expected row, rank, "
               "bankgroup, bank, channel and column once each)",
               cfg_map_names[i], s);
      return -1;
    }
  for (i = 0; i < CFG_MAP_FIELDS; i++) order[i] = msb[CFG_MAP_FIELDS - 1 - i];
  return 0;
}

static bool pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

static int ilog2(int64_t x) {
  int n = 0;
  while (((int64_t)1 << n) < x) n++;
  return n;
}

/* The hbm2 model's geometry: every field a power of two, a burst a whole
 * number of DRAM clocks, at most 64 banks per channel, at most 64 address
 * bits. Returns the blamed key with why filled, or NULL. */
static const char *cfg_check_geometry(const cfg_t *c, char *why, size_t len) {
  static const struct { const char *key; size_t off; } p2[] = {
      {"dram.channels", offsetof(cfg_t, dram_channels)},
      {"dram.ranks", offsetof(cfg_t, dram_ranks)},
      {"dram.bankgroups", offsetof(cfg_t, dram_bankgroups)},
      {"dram.banks_per_group", offsetof(cfg_t, dram_banks_per_group)},
      {"dram.rows", offsetof(cfg_t, dram_rows)},
      {"dram.burst_bytes", offsetof(cfg_t, dram_burst_bytes)},
      {"dram.row_bytes", offsetof(cfg_t, dram_row_bytes)},
  };
  size_t i;
  int bits;
  for (i = 0; i < sizeof p2 / sizeof p2[0]; i++) {
    int v = *(const int *)((const char *)c + p2[i].off);
    if (!pow2(v)) {
      snprintf(why, len, "the bank-level model needs a power of two (got %d)", v);
      return p2[i].key;
    }
  }
  if ((c->dram_burst_bytes * 8) % (2 * c->dram_bus_bits)) {
    snprintf(why, len, "a burst must take whole DRAM clocks (got %d bytes on "
             "a %d-bit bus, expected a multiple of %d bytes)",
             c->dram_burst_bytes, c->dram_bus_bits, c->dram_bus_bits / 4);
    return "dram.burst_bytes";
  }
  if (c->dram_row_bytes < c->dram_burst_bytes) {
    snprintf(why, len, "a row holds at least one burst (got %d, expected >= "
             "dram.burst_bytes %d)", c->dram_row_bytes, c->dram_burst_bytes);
    return "dram.row_bytes";
  }
  if (c->dram_ranks * c->dram_bankgroups * c->dram_banks_per_group > 64) {
    snprintf(why, len, "too many banks per channel (got %d x %d x %d, "
             "expected at most 64)", c->dram_ranks, c->dram_bankgroups,
             c->dram_banks_per_group);
    return "dram.banks_per_group";
  }
  bits = ilog2(c->dram_channels) + ilog2(c->dram_ranks) +
         ilog2(c->dram_bankgroups) + ilog2(c->dram_banks_per_group) +
         ilog2(c->dram_rows) + ilog2(c->dram_row_bytes);
  if (bits > 64) {
    snprintf(why, len, "the memory needs more than 64 address bits (got %d)",
             bits);
    return "dram.rows";
  }
  return NULL;
}

/* The rest of the hbm2 rules: mapping, refresh, write drain, request
 * size. *other: the second key of a two-key rule (for cfg_blame), else
 * left alone. */
static const char *cfg_check_hbm2(const cfg_t *c, char *why, size_t len,
                                  const char **other) {
  cfg_map_field_t order[CFG_MAP_FIELDS];
  const char *k = cfg_check_geometry(c, why, len);
  int64_t bursts;
  if (k) return k;
  if (cfg_map_parse(c->dram_address_mapping, order, why, len))
    return "dram.address_mapping";
  if (c->dram_tm.trfc >= c->dram_tm.trefi) {
    snprintf(why, len, "refresh would never end (got tRFC %d, expected < "
             "dram.timing.trefi %d)", c->dram_tm.trfc, c->dram_tm.trefi);
    return "dram.timing.trfc";
  }
  /* a request of n bytes touches at most n / burst + 1 bursts */
  bursts = c->fetch_request_bytes / c->dram_burst_bytes + 1;
  if (c->dram_write_drain_high > c->dram_write_queue_depth) {
    snprintf(why, len, "a drain must start before the write queue is past "
             "full (got %d, expected at most dram.write_queue_depth %d)",
             c->dram_write_drain_high, c->dram_write_queue_depth);
    return "dram.write_drain_high";
  }
  if (c->dram_write_drain_low >= c->dram_write_drain_high) {
    snprintf(why, len, "the low watermark must lie below the high one (got "
             "%d, expected below dram.write_drain_high %d)",
             c->dram_write_drain_low, c->dram_write_drain_high);
    return "dram.write_drain_low";
  }
  if (bursts > c->dram_write_queue_depth) {
    snprintf(why, len, "a fetch request must fit a channel's write queue "
             "(got up to %lld bursts of %d bytes, expected at most "
             "dram.write_queue_depth %d)", (long long)bursts,
             c->dram_burst_bytes, c->dram_write_queue_depth);
    *other = "dram.write_queue_depth";
    return "fetch.request_bytes";
  }
  if (bursts > c->dram_queue_depth) {
    snprintf(why, len, "a fetch request must fit a channel's transaction "
             "queue (got up to %lld bursts of %d bytes, expected at most "
             "dram.queue_depth %d)", (long long)bursts, c->dram_burst_bytes,
             c->dram_queue_depth);
    *other = "dram.queue_depth";
    return "fetch.request_bytes";
  }
  return NULL;
}

/* Per-key ranges, then the cross-field rules. */
static int cfg_check(const cfg_t *c, const char *origin,
                     const yl_mark_t *marks, err_t *e) {
  const char *k, *other = NULL;
  char why[400];
  if (yl_check(&cfg_schema, c, origin, marks, e)) return e->status;
  if (cfg_dram_is_hbm2(c) &&
      (k = cfg_check_hbm2(c, why, sizeof why, &other))) {
    if (other) k = cfg_blame(marks, k, other);
    return yl_err_key(&cfg_schema, marks, origin, k, e, "%s", why);
  }
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

/* ---- DRAM presets: dram.preset (README "DRAM presets") ----------------
 * dram.preset is not a schema key: it names a file whose dram.* keys stand
 * in for the schema defaults of every dram.* key. In a config file they
 * come before the file's own keys (which override them, wherever preset:
 * stands in the dram: block); as --set dram.preset=FILE they replace every
 * dram.* key at that point of the --set list. Only the values reach the
 * cfg_t, so cfg_hash and dumps see the effective memory, not the path. A
 * preset holds dram.* keys and name (its own label, ignored) only, and
 * names no other preset. */
#define CFG_PRESET_KEY "dram.preset"

static bool cfg_is_dram_key(const char *key) {
  return strncmp(key, "dram.", 5) == 0;
}

/* A dram.preset inside a preset; arg is where the outer one stands. */
static int cfg_preset_nested(void *arg, const char *path, const char *origin,
                             int line, int col, void *obj, yl_mark_t *marks,
                             err_t *e) {
  (void)obj, (void)marks;
  return err_at(e, origin, line, col, CFG_PRESET_KEY,
                "a preset names another (got %s, expected no dram.preset "
                "in a preset, which %s names)", path, (const char *)arg);
}

/* Replace every dram.* key of c by the value the preset file at path
 * sets, or by its schema default. origin:line:col is where dram.preset
 * stands (line 0: a --set, path relative to the current folder); marks
 * (or NULL) get that place for every key the preset set, so cross-field
 * errors about them point at dram.preset. On error c may be part written
 * (callers work on a copy). */
static int cfg_preset_apply(const char *path, const char *origin, int line,
                            int col, cfg_t *c, yl_mark_t *marks, err_t *e) {
  yl_mark_t pm[CFG_NKEYS];
  char from[1200];
  struct stat st;
  cfg_t p;
  int bad = -1;
  FILE *f = fopen(path, "rb");
  bool dir = f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
  int why = f ? EISDIR : errno;
  if (f) fclose(f);
  if (!f || dir)
    return err_at(e, origin, line, col, CFG_PRESET_KEY,
                  "cannot open the preset (got %s: %s, expected a DRAM "
                  "preset file, its path relative to %s)", path,
                  strerror(why), line ? "this file's folder"
                                      : "the current folder");
  if (line) snprintf(from, sizeof from, "%s:%d:%d", origin, line, col);
  else snprintf(from, sizeof from, "%s", origin);
  cfg_defaults(&p);
  if (yl_load_base(&cfg_schema, path, &p, pm, CFG_PRESET_KEY,
                   cfg_preset_nested, from, e))
    return e->status;
  for (int i = 0; i < cfg_schema.n; i++) /* the first one in the file */
    if (pm[i].set && !cfg_is_dram_key(cfg_keys[i].key) &&
        strcmp(cfg_keys[i].key, "name") != 0 &&
        (bad < 0 || pm[i].line < pm[bad].line ||
         (pm[i].line == pm[bad].line && pm[i].col < pm[bad].col)))
      bad = i;
  if (bad >= 0)
    return err_at(e, path, pm[bad].line, pm[bad].col, CFG_PRESET_KEY,
                  "not a DRAM key (got %s, expected only dram.* keys and "
                  "name in a preset, which %s names)", cfg_keys[bad].key,
                  from);
  for (int i = 0; i < cfg_schema.n; i++) {
    if (!cfg_is_dram_key(cfg_keys[i].key)) continue;
    yl_copy_key(&cfg_keys[i], c, &p);
    if (marks) marks[i] = (yl_mark_t){pm[i].set, line, col};
  }
  return 0;
}

static int cfg_preset_file(void *arg, const char *path, const char *origin,
                           int line, int col, void *obj, yl_mark_t *marks,
                           err_t *e) {
  (void)arg;
  return cfg_preset_apply(path, origin, line, col, obj, marks, e);
}

int cfg_load(const char *path, cfg_t *c, err_t *e) {
  yl_mark_t marks[CFG_NKEYS];
  cfg_t tmp;
  cfg_defaults(&tmp);
  if (yl_load_base(&cfg_schema, path, &tmp, marks, CFG_PRESET_KEY,
                   cfg_preset_file, NULL, e) ||
      cfg_check(&tmp, path, marks, e))
    return e->status;
  *c = tmp;
  return 0;
}

/* True when assignment's key (spaces around it ignored) is dram.preset. */
static bool cfg_sets_preset(const char *assignment) {
  const char *k = assignment, *eq = strchr(assignment, '=');
  size_t n = strlen(CFG_PRESET_KEY);
  while (*k == ' ') k++;
  if (!eq || strncmp(k, CFG_PRESET_KEY, n) != 0) return false;
  for (k += n; *k == ' '; k++) {}
  return k == eq;
}

/* --set dram.preset=PATH: the value parsed as any path key, then applied. */
static int cfg_set_preset(cfg_t *c, const char *assignment, yl_mark_t *marks,
                          err_t *e) {
  static const yl_key_t key = {CFG_PRESET_KEY, YL_PATH, 0, 1024, 0, "", 0,
                               0, 0, NULL, "", ""};
  static const yl_schema_t one = {&key, 1};
  char path[1024] = "";
  if (yl_set(&one, assignment, "<--set>", 0, 0, path, NULL, e))
    return e->status;
  if (!path[0])
    return err_at(e, "<--set>", 0, 0, CFG_PRESET_KEY,
                  "missing value (got nothing, expected a path)");
  return cfg_preset_apply(path, "<--set>", 0, 0, c, marks, e);
}

/* Checks the whole config after the change, so a cfg_t that any cfg_*
 * call accepted is always valid; on error *c is unchanged. */
int cfg_set(cfg_t *c, const char *assignment, err_t *e) {
  yl_mark_t marks[CFG_NKEYS] = {{0}};
  cfg_t tmp = *c;
  if ((cfg_sets_preset(assignment)
           ? cfg_set_preset(&tmp, assignment, marks, e)
           : yl_set(&cfg_schema, assignment, "<--set>", 0, 0, &tmp, marks,
                    e)) ||
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

bool cfg_key_cost_only(const char *key) {
  static const char *const prefix[] = {"energy.", "area.", "dram.power.",
                                       "technology."};
  for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
    if (strncmp(key, prefix[i], strlen(prefix[i])) == 0) return true;
  return strcmp(key, "name") == 0;
}

/* The value of line "key=value" i of a yl_text, copied to v. */
static const char *cfg_text_line(const char *t, int i, char *v, size_t len) {
  const char *eq, *nl;
  for (; i > 0 && t; i--) t = strchr(t, '\n'), t = t ? t + 1 : NULL;
  if (!t || !(eq = strchr(t, '=')) || !(nl = strchr(eq, '\n'))) {
    snprintf(v, len, "?");
    return v;
  }
  snprintf(v, len, "%.*s", (int)(nl - eq - 1), eq + 1);
  return v;
}

const char *cfg_timing_diff(const cfg_t *a, const cfg_t *b, char *va,
                            char *vb, size_t len) {
  static char ta[1 << 15], tb[1 << 15]; /* ~90 keys of < 100 bytes */
  yl_text(&cfg_schema, a, ta, sizeof ta);
  yl_text(&cfg_schema, b, tb, sizeof tb);
  for (int i = 0; i < cfg_schema.n; i++) {
    if (cfg_key_cost_only(cfg_keys[i].key)) continue;
    cfg_text_line(ta, i, va, len);
    cfg_text_line(tb, i, vb, len);
    if (strcmp(va, vb)) return cfg_keys[i].key;
  }
  return NULL;
}

/* config.h - the hardware description (configs/NAME.yaml).
 *
 * Loaded through one schema table (config.c): every key has a type, a
 * default, a range, a unit and a one-line doc. The struct holds values in
 * the units the YAML uses; sim/timing.c derives cycle tables from it once.
 */
#ifndef ATTN_CONFIG_H
#define ATTN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct cfg {
  char name[64];           /* free-form preset name */
  double clock_ghz;        /* accelerator clock, GHz */

  /* datapath: signed fixed point for Q, K, V and outputs */
  int width;               /* bits per element (2..16) */
  int frac_bits;           /* fractional bits of Q/K/V/outputs */
  int prob_bits;           /* unsigned fractional bits of probabilities */

  /* Q x K and probability x V arrays */
  int qk_multipliers;      /* multipliers in the Q x K array */
  int av_multipliers;      /* multipliers in the probability x V array */
  int mult_latency;        /* cycles through one multiplier stage */
  int adder_latency;       /* cycles per adder-tree level */

  /* softmax pipeline */
  int softmax_units;       /* scores processed per cycle per pass */
  int softmax_max_latency; /* cycles of the max-finding pass pipeline */
  int softmax_exp_latency; /* cycles of the exp + sum pass pipeline */
  int softmax_div_latency; /* cycles of the normalisation pass pipeline */

  int topk_parallelism;    /* top-k engine comparators; 0 = no engine */
  bool pruning;            /* hardware supports token/head/value pruning */

  /* on-chip buffers */
  int64_t query_buffer_bytes;
  int64_t key_buffer_bytes;
  int64_t value_buffer_bytes;
  int64_t output_buffer_bytes;
  int score_buffer_entries; /* scores/probabilities held at once */

  /* instruction window and fetchers */
  int window;               /* in-flight instructions (scoreboard entries) */
  int fetch_request_bytes;  /* largest DRAM request a fetcher issues */
  int fetch_max_outstanding;/* DRAM requests in flight per fetcher */
  int fetch_issue;          /* DRAM requests issued per cycle per fetcher */
  int fetch_dequant_lanes;  /* K/V elements dequantized per cycle per fetcher */

  /* mapping (compiler) */
  int chunk_rows;           /* rows per K/V fetch instruction */
  int map_softmax;          /* CFG_SMAX_AUTO, _ROW or _TILED (docs/tiling.md) */
  int tile_q, tile_kv;      /* tiled: query rows per block, K/V rows per
                               tile (0: the compiler chooses) */

  /* DRAM */
  char dram_model[16];      /* "hbm2" (bank level) or "simple" */
  int dram_channels;
  int dram_bus_bits;        /* data bits per channel */
  double dram_gbps_per_pin; /* data rate, Gb/s per pin */
  int dram_burst_bytes;     /* bytes per burst (access granularity) */
  double dram_latency_ns;   /* simple: request to first data, ns */
  int dram_queue_depth;     /* transactions (bursts) queued per channel;
                               hbm2: reads only; simple: requests */
  /* DRAM, bank-level model only (sim/dram_hbm2.c) */
  int dram_ranks;           /* ranks (stack IDs) per channel */
  int dram_bankgroups;      /* bank groups per rank */
  int dram_banks_per_group;
  int dram_rows;            /* rows per bank */
  int dram_row_bytes;       /* bytes per row (page) per channel */
  char dram_address_mapping[64]; /* field order, most significant first */
  int dram_cmd_queue_depth; /* command queue entries per bank */
  int dram_write_queue_depth; /* write transactions (bursts) per channel */
  int dram_write_drain_high;  /* writes waiting that start a drain */
  int dram_write_drain_low;   /* more than this waiting, command queues
                                 empty: a drain starts too */
  int dram_row_hit_limit;   /* row hits served before a waiting miss may
                               close the row */
  bool dram_dual_command;   /* separate row and column command buses */
  struct cfg_dram_timing {  /* DRAM clock cycles (nCK) */
    int cl, cwl, trcd, trp, tras, trc, trrd_s, trrd_l, tfaw, tccd_s, tccd_l,
        twr, twtr_s, twtr_l, trtp, trtrs, trfc, trefi;
  } dram_tm;
  struct cfg_dram_power {   /* per device (one per rank): V and mA */
    double vdd, idd0, idd2n, idd3n, idd4r, idd4w, idd5ab;
  } dram_pw;

  /* technology: coefficients are given at t_ref_node_nm and scaled */
  int t_node_nm;            /* the chip's node, nm */
  double t_vdd;             /* the chip's supply, V */
  char t_device[8];         /* "hp" or "lstp": the SRAM rows used */
  int t_ref_node_nm;        /* node of every energy/area coefficient, nm */
  double t_logic_ref_vdd;   /* supply of the logic coefficients, V */
  double t_sram_ref_vdd;    /* supply of the SRAM coefficients, V */

  /* energy table (at the reference node and supply) */
  double e_mac_pj;          /* pJ per MAC at e_mac_bits */
  int e_mac_bits;           /* operand width e_mac_pj was measured at */
  double e_softmax_pj;      /* pJ per softmax element (exp, sum, divide) */
  int e_sram_access_bits;   /* bits the buffer pJ figures refer to */
  double e_query_buffer_pj, e_query_buffer_write_pj; /* pJ per read, write */
  double e_query_buffer_leak_mw; /* mW */
  double e_key_buffer_pj, e_key_buffer_write_pj; /* pJ per read, write */
  double e_key_buffer_leak_mw; /* mW */
  double e_value_buffer_pj, e_value_buffer_write_pj; /* pJ per read, write */
  double e_value_buffer_leak_mw; /* mW */
  double e_score_buffer_pj, e_score_buffer_write_pj; /* pJ per read, write */
  double e_score_buffer_leak_mw; /* mW */
  double e_output_buffer_pj, e_output_buffer_write_pj; /* pJ per read, write */
  double e_output_buffer_leak_mw; /* mW */
  double e_dram_pj_per_bit; /* pJ per bit transferred to or from DRAM */
  double e_topk_pj;         /* pJ per top-k comparison */
  double e_topk_fifo_pj;    /* pJ per comparison, top-k FIFOs */
  double e_zero_elim_pj;    /* pJ per comparison, zero eliminators */
  double e_importance_pj;   /* pJ per importance update */
  double e_requant_pj;      /* pJ per refetch check */
  double e_fetch_pj;        /* pJ per DRAM request */
  double e_dequant_pj;      /* pJ per K/V element dequantized */
  double e_crossbar_pj_per_byte; /* pJ per byte on the DRAM bus */
  double e_hbm_ctrl_pj;     /* pJ per burst */
  double e_hbm_phy_pj_per_bit; /* pJ per bit on the bus */
  double e_hbm_phy_idle_mw; /* mW per channel */
  double e_clock_pj_per_mm2;/* pJ per cycle per mm2 of logic */
  double e_logic_leak_mw_per_mm2; /* mW per mm2 of logic */
  double e_static_mw;       /* leakage outside the modules, mW */

  /* area table (mm2 at the reference node) */
  double a_mult_mm2;        /* per MAC lane at width a_mult_bits */
  int a_mult_bits;
  double a_softmax_mm2;     /* per softmax lane */
  double a_topk_mm2;        /* per top-k comparator */
  double a_topk_fifo_mm2;   /* per top-k FIFO */
  double a_zero_elim_mm2;   /* per top-k lane */
  double a_importance_mm2;  /* per softmax lane */
  double a_requant_mm2;     /* the whole unit */
  double a_fetch_slot_mm2;  /* per outstanding request */
  double a_crossbar_mm2;    /* per DRAM channel squared */
  double a_hbm_ctrl_mm2;    /* per channel */
  double a_hbm_phy_mm2;     /* per channel */
  double a_control_share;   /* control area / other logic area */
  double a_query_buffer_mm2;
  double a_key_buffer_mm2;
  double a_value_buffer_mm2;
  double a_score_buffer_mm2;
  double a_output_buffer_mm2;
} cfg_t;

/* mapping.softmax's choices, in the schema's order. */
enum { CFG_SMAX_AUTO, CFG_SMAX_ROW, CFG_SMAX_TILED };

/* Defaults for every key (the schema's defaults). */
void cfg_defaults(cfg_t *c);
/* Load a YAML file; unset keys keep defaults. Returns 0 or ERR_BAD_INPUT. */
int cfg_load(const char *path, cfg_t *c, err_t *e);
/* Apply "key=value" (dotted key as in YAML); errors name "<--set>". */
int cfg_set(cfg_t *c, const char *assignment, err_t *e);
/* FNV-1a 64 of the canonical effective config (all keys, schema order):
 * comments and formatting do not change it. */
uint64_t cfg_hash(const cfg_t *c);
/* Write the effective config as YAML, marking keys left at their default. */
void cfg_dump(const cfg_t *c, FILE *f);
/* Write the schema (key, type, default, range, unit, doc) as Markdown. */
void cfg_doc(FILE *f);
/* The schema table itself (yload.h), for tools that handle config keys
 * generically: a sweep checks the keys it varies and hashes configs. */
struct yl_schema;
const struct yl_schema *cfg_schema_get(void);

/* Keys that only price a run, never time it: energy.*, area.*,
 * dram.power.* (the hbm2 model's currents and voltage, used at report
 * time only) and name (a label). Every other key can change cycles or
 * counts. attnsim recost may change only these (README "Re-costing"). */
bool cfg_key_cost_only(const char *key);
/* The first key in schema order that is not cost-only and differs
 * between a and b, with each one's value as text (YAML flow, at most len
 * bytes); NULL when a and b time runs alike. */
const char *cfg_timing_diff(const cfg_t *a, const cfg_t *b, char *va,
                            char *vb, size_t len);

/* The fields of dram.address_mapping, least significant first after the
 * burst offset. */
typedef enum {
  CFG_MAP_COLUMN, CFG_MAP_CHANNEL, CFG_MAP_BANK, CFG_MAP_BANKGROUP,
  CFG_MAP_RANK, CFG_MAP_ROW, CFG_MAP_FIELDS
} cfg_map_field_t;
/* Parse a mapping such as "row-rank-bankgroup-bank-channel-column" (most
 * significant field first, each of the six exactly once, '-' between):
 * order[i] is the field at position i counting from the least significant.
 * Returns 0, or -1 with why (>= 64 bytes) saying what is wrong. */
int cfg_map_parse(const char *s, cfg_map_field_t order[CFG_MAP_FIELDS],
                  char *why, size_t len);
/* True for dram.model hbm2 (bank-level model). */
bool cfg_dram_is_hbm2(const cfg_t *c);

#endif

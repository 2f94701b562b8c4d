/* report.c - text, JSON and CSV reports from the counters and the config.
 *
 * Every scalar the reports carry is produced by one walk over five groups,
 * in a fixed order: run metadata (version, config, workload), the counters
 * of stats.def, the derived metrics of the table below, the cycles each
 * unit spent in each state, and the --check result. The JSON writer builds
 * a tree from the dotted paths (children in first-seen order, so "ops.macs"
 * joins the counters' "ops" object); the CSV writer prints the same walk as
 * a header row and a value row; rep_value() searches it. Derived figures,
 * energy included, are computed here from event counts and the config's
 * coefficients, so a run can be re-costed with another energy table.
 */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dram_hbm2.h"
#include "jsonw.h"
#include "mech.h"
#include "outfile.h"

/* ---- values ------------------------------------------------------------ */

typedef enum { V_NULL, V_INT, V_REAL, V_BOOL, V_STR } vkind_t;

typedef struct rval {
  vkind_t kind;
  uint64_t u;    /* V_INT; V_BOOL: 0 or 1 */
  double d;      /* V_REAL */
  const char *s; /* V_STR */
} rval_t;

static rval_t v_int(uint64_t u) {
  rval_t v = {V_INT, u, 0, NULL};
  return v;
}
static rval_t v_real(double d) {
  rval_t v = {V_REAL, 0, d, NULL};
  return v;
}
static rval_t v_bool(int b) {
  rval_t v = {V_BOOL, b != 0, 0, NULL};
  return v;
}
static rval_t v_str(const char *s) {
  rval_t v = {s ? V_STR : V_NULL, 0, 0, s};
  return v;
}
static rval_t v_null(void) {
  rval_t v = {V_NULL, 0, 0, NULL};
  return v;
}

/* ---- derived metrics ----------------------------------------------------- */

static uint64_t cnt(const rep_t *r, stat_id_t id) { return r->st->c[id]; }
static double cntd(const rep_t *r, stat_id_t id) {
  return (double)r->st->c[id];
}
/* a / b, or 0 when b is 0 (an empty run has no throughput, not NaN) */
static double ratio(double a, double b) { return b == 0 ? 0 : a / b; }

static uint64_t ceil_div(uint64_t a, uint64_t b) {
  return b ? a / b + (a % b != 0) : 0;
}
/* ceil(a / b) for a real divisor, ignoring rounding noise just above an
 * integer (256 / 25.6 must be 10, not 11). */
static uint64_t ceil_div_real(double a, double b) {
  double q, f;
  if (!(b > 0)) return 0;
  q = a / b;
  f = floor(q);
  return (uint64_t)(q - f <= 1e-9 * (q > 1 ? q : 1) ? f : f + 1);
}

static double seconds(const rep_t *r) {
  return cntd(r, ST_CYCLES) / (r->cfg->clock_ghz * 1e9);
}
static uint64_t macs(const rep_t *r) {
  return cnt(r, ST_QK_MACS) + cnt(r, ST_AV_MACS) + cnt(r, ST_ROUTING_MACS) +
         cnt(r, ST_LCE_MACS);
}

/* ---- technology scaling --------------------------------------------------
 * Coefficients are given at technology.ref_node_nm and a reference supply
 * (logic: technology.logic_ref_vdd, SRAM: sram_ref_vdd). With s = node /
 * ref_node and v = vdd / ref_vdd: area scales by s^2; dynamic energy by
 * s * v^2 (E = C V^2, C ~ feature size); leakage by s * v (off-current per
 * um of width held, width per area ~ 1/s, area ~ s^2). */
static double t_s(const cfg_t *c) {
  return (double)c->t_node_nm / c->t_ref_node_nm;
}
static double sc_area(const rep_t *r) { return t_s(r->cfg) * t_s(r->cfg); }
static double sc_dyn(const rep_t *r, int sram) {
  double v = r->cfg->t_vdd /
             (sram ? r->cfg->t_sram_ref_vdd : r->cfg->t_logic_ref_vdd);
  return t_s(r->cfg) * v * v;
}
static double sc_leak(const rep_t *r, int sram) {
  return t_s(r->cfg) * r->cfg->t_vdd /
         (sram ? r->cfg->t_sram_ref_vdd : r->cfg->t_logic_ref_vdd);
}
/* mW over the run, in pJ (mW x s = 1e9 pJ) */
static double leak_pj(const rep_t *r, double mw) {
  return mw * seconds(r) * 1e9;
}

/* ---- the modules ----------------------------------------------------------
 * Every block of the chip: its area (mm2, scaled), its dynamic energy (pJ,
 * scaled; event counter x pJ per event) and its leakage (mW, scaled). */
static double wsq(const cfg_t *c, int bits) {
  double s = (double)c->width / bits;
  return s * s;
}
static double e_macs(const rep_t *r, stat_id_t id, stat_id_t id2) {
  return (cntd(r, id) + cntd(r, id2)) * r->cfg->e_mac_pj *
         wsq(r->cfg, r->cfg->e_mac_bits) * sc_dyn(r, 0);
}
static double a_array(const rep_t *r, int multipliers) {
  return multipliers * r->cfg->a_mult_mm2 * wsq(r->cfg, r->cfg->a_mult_bits) *
         sc_area(r);
}
/* dynamic energy: a counter times pJ per event */
static double e_ev(const rep_t *r, double events, double pj) {
  return events * pj * sc_dyn(r, 0);
}
/* area: units times mm2 per unit */
static double a_u(const rep_t *r, double units, double mm2) {
  return units * mm2 * sc_area(r);
}
static double bursts(const rep_t *r) {
  return ratio(cntd(r, ST_DRAM_TRANSFERRED_BYTES), r->cfg->dram_burst_bytes);
}

/* The on-chip buffers, listed once: their two byte counters and the
 * config fields of their read and write pJ (per sram_access_bits), leakage
 * and area (CACTI figures, configs/spatten.yaml). */
#define CF(field) offsetof(cfg_t, field)
static const struct {
  stat_id_t rd, wr;
  size_t rpj, wpj, leak, area; /* offsetof double cfg_t fields */
} sram_bufs[] = {
    {ST_QBUF_READ_BYTES, ST_QBUF_WRITE_BYTES, CF(e_query_buffer_pj),
     CF(e_query_buffer_write_pj), CF(e_query_buffer_leak_mw), CF(a_query_buffer_mm2)},
    {ST_KBUF_READ_BYTES, ST_KBUF_WRITE_BYTES, CF(e_key_buffer_pj),
     CF(e_key_buffer_write_pj), CF(e_key_buffer_leak_mw), CF(a_key_buffer_mm2)},
    {ST_VBUF_READ_BYTES, ST_VBUF_WRITE_BYTES, CF(e_value_buffer_pj),
     CF(e_value_buffer_write_pj), CF(e_value_buffer_leak_mw), CF(a_value_buffer_mm2)},
    {ST_SBUF_READ_BYTES, ST_SBUF_WRITE_BYTES, CF(e_score_buffer_pj),
     CF(e_score_buffer_write_pj), CF(e_score_buffer_leak_mw), CF(a_score_buffer_mm2)},
    {ST_OBUF_READ_BYTES, ST_OBUF_WRITE_BYTES, CF(e_output_buffer_pj),
     CF(e_output_buffer_write_pj), CF(e_output_buffer_leak_mw), CF(a_output_buffer_mm2)},
};
#undef CF
enum { NBUFS = (int)(sizeof sram_bufs / sizeof sram_bufs[0]) };
static double cf(const cfg_t *c, size_t off) {
  return *(const double *)((const char *)c + off);
}
/* Buffer i: read and written bytes in sram_access_bits units times the
 * read and write pJ. */
static double e_buf(const rep_t *r, int i) {
  double k = 8.0 / r->cfg->e_sram_access_bits;
  return (cntd(r, sram_bufs[i].rd) * k * cf(r->cfg, sram_bufs[i].rpj) +
          cntd(r, sram_bufs[i].wr) * k * cf(r->cfg, sram_bufs[i].wpj)) *
         sc_dyn(r, 1);
}
static double a_buf(const rep_t *r, int i) {
  return cf(r->cfg, sram_bufs[i].area) * sc_area(r);
}
static double l_buf(const rep_t *r, int i) {
  return cf(r->cfg, sram_bufs[i].leak) * sc_leak(r, 1);
}

/* The bank-level model's DRAM energy by part (all zero for the simple
 * model, which counts no commands). */
static dram_energy_t e_dram_parts(const rep_t *r) {
  dram_energy_t e;
  dram_energy(r->cfg, r->st->c, &e);
  return e;
}
static double e_dram(const rep_t *r) {
  if (cfg_dram_is_hbm2(r->cfg)) return e_dram_parts(r).total;
  return cntd(r, ST_DRAM_TRANSFERRED_BYTES) * 8 * r->cfg->e_dram_pj_per_bit;
}

/* MODULE(name, kind, dynamic pJ, area mm2, leakage mW). kind: L logic
 * (leaks at energy.logic_leak_mw_per_mm2, clocked by the control module),
 * S SRAM (CACTI leakage), P PHY, D DRAM (off chip). The control module
 * (control, registers, clock tree) comes last: its area is
 * area.control_share of the other logic, its energy the clock's. */
#define C (r->cfg)
#define LOGIC_MODULES(X)                                                      \
  X(qk_array, e_macs(r, ST_QK_MACS, ST_ROUTING_MACS),                          \
    a_array(r, C->qk_multipliers))                                             \
  X(av_array, e_macs(r, ST_AV_MACS, ST_LCE_MACS),                              \
    a_array(r, C->av_multipliers))                                             \
  X(softmax, e_ev(r, cntd(r, ST_SOFTMAX_ELEMS), C->e_softmax_pj),              \
    a_u(r, C->softmax_units, C->a_softmax_mm2))                                \
  X(topk, e_ev(r, cntd(r, ST_TOPK_COMPARISONS), C->e_topk_pj),                 \
    a_u(r, C->topk_parallelism, C->a_topk_mm2))                                \
  X(topk_fifo, e_ev(r, cntd(r, ST_TOPK_COMPARISONS), C->e_topk_fifo_pj),       \
    a_u(r, C->topk_parallelism, C->a_topk_fifo_mm2))                           \
  X(zero_elim, e_ev(r, cntd(r, ST_TOPK_COMPARISONS), C->e_zero_elim_pj),       \
    a_u(r, C->topk_parallelism, C->a_zero_elim_mm2))                           \
  X(importance, e_ev(r, cntd(r, ST_IMP_UPDATES), C->e_importance_pj),          \
    a_u(r, C->softmax_units, C->a_importance_mm2))                             \
  X(requant, e_ev(r, cntd(r, ST_REFETCH_CHECKS), C->e_requant_pj),             \
    a_u(r, 1, C->a_requant_mm2))                                               \
  X(fetchers,                                                                  \
    e_ev(r, cntd(r, ST_DRAM_READ_REQUESTS) + cntd(r, ST_DRAM_WRITE_REQUESTS),  \
         C->e_fetch_pj) +                                                      \
        e_ev(r, cntd(r, ST_KVQ_DEQUANT_ELEMS), C->e_dequant_pj),               \
    a_u(r, 3.0 * C->fetch_max_outstanding, C->a_fetch_slot_mm2))                     \
  X(crossbar,                                                                  \
    e_ev(r, cntd(r, ST_DRAM_TRANSFERRED_BYTES), C->e_crossbar_pj_per_byte),    \
    a_u(r, (double)C->dram_channels * C->dram_channels,                     \
        C->a_crossbar_mm2))                          \
  X(hbm_ctrl, e_ev(r, bursts(r), C->e_hbm_ctrl_pj),                            \
    a_u(r, C->dram_channels, C->a_hbm_ctrl_mm2))

#define LOGIC_AREA(name, efn, afn) + (afn)
/* Standard-cell logic other than the control module. */
static double a_logic_core(const rep_t *r) {
  return 0.0 LOGIC_MODULES(LOGIC_AREA);
}
#undef LOGIC_AREA
static double a_control(const rep_t *r) {
  return C->a_control_share * a_logic_core(r);
}
static double a_logic(const rep_t *r) { return a_logic_core(r) + a_control(r); }
/* the clock tree and registers: every cycle, per mm2 of logic (at the
 * reference node: the area is unscaled for it) */
static double e_control(const rep_t *r) {
  return cntd(r, ST_CYCLES) * C->e_clock_pj_per_mm2 * a_logic(r) /
         sc_area(r) * sc_dyn(r, 0);
}
static double l_logic(const rep_t *r, double area) {
  return area / sc_area(r) * C->e_logic_leak_mw_per_mm2 * sc_leak(r, 0);
}
static double e_phy(const rep_t *r) {
  return e_ev(r, cntd(r, ST_DRAM_TRANSFERRED_BYTES) * 8,
              C->e_hbm_phy_pj_per_bit);
}

/* Every module: X(name, dynamic pJ, area mm2, leakage mW). The logic rows
 * call X by name, so a use defines X and passes it: #define X F,
 * MODULE_LIST(X), #undef X. */
#define LOGIC_ROW(name, efn, afn) X(name, efn, afn, l_logic(r, afn))
#define MODULE_LIST(X)                                                        \
  LOGIC_MODULES(LOGIC_ROW)                                                    \
  X(hbm_phy, e_phy(r), a_u(r, C->dram_channels, C->a_hbm_phy_mm2),            \
    C->dram_channels * C->e_hbm_phy_idle_mw * sc_leak(r, 0))                  \
  X(query_buffer, e_buf(r, 0), a_buf(r, 0), l_buf(r, 0))                      \
  X(key_buffer, e_buf(r, 1), a_buf(r, 1), l_buf(r, 1))                        \
  X(value_buffer, e_buf(r, 2), a_buf(r, 2), l_buf(r, 2))                      \
  X(score_buffer, e_buf(r, 3), a_buf(r, 3), l_buf(r, 3))                      \
  X(output_buffer, e_buf(r, 4), a_buf(r, 4), l_buf(r, 4))                     \
  X(control, e_control(r), a_control(r),                                      \
    l_logic(r, a_control(r)) + C->e_static_mw)                                \
  X(dram, e_dram(r), 0.0, 0.0)
#define MODULE_FNS(name, efn, afn, lfn)                                       \
  static double md_##name(const rep_t *r) { return efn; }                     \
  static double ma_##name(const rep_t *r) { (void)r; return afn; }            \
  static double ml_##name(const rep_t *r) { (void)r; return lfn; }            \
  static double me_##name(const rep_t *r) {                                   \
    return md_##name(r) + leak_pj(r, ml_##name(r));                           \
  }
#define X MODULE_FNS
MODULE_LIST(X)
#undef X
#undef MODULE_FNS
#undef C

/* Module groups: the cost categories below sum them. */
static double e_compute(const rep_t *r) {
  return md_qk_array(r) + md_av_array(r);
}
static double e_softmax(const rep_t *r) { return md_softmax(r); }
static double e_topk(const rep_t *r) {
  return md_topk(r) + md_topk_fifo(r) + md_zero_elim(r);
}
static double e_sram(const rep_t *r) {
  double sum = 0;
  for (int i = 0; i < NBUFS; i++) sum += e_buf(r, i);
  return sum;
}
static double e_iface(const rep_t *r) {
  return md_fetchers(r) + md_crossbar(r) + md_hbm_ctrl(r) + md_hbm_phy(r);
}
static double e_ctrl(const rep_t *r) {
  return md_importance(r) + md_requant(r) + md_control(r);
}
/* every module's leakage, in mW */
static double leak_mw(const rep_t *r) {
  double sum = 0;
#define ADD_LEAK(name, efn, afn, lfn) sum += ml_##name(r);
#define X ADD_LEAK
  MODULE_LIST(X)
#undef X
#undef ADD_LEAK
  return sum;
}
static double e_static(const rep_t *r) { return leak_pj(r, leak_mw(r)); }
static double e_total(const rep_t *r);
/* The chip alone: everything but the DRAM. */
static double e_chip(const rep_t *r) { return e_total(r) - e_dram(r); }

static double a_mult(const rep_t *r) {
  return ma_qk_array(r) + ma_av_array(r);
}
static double a_sram(const rep_t *r) {
  double sum = 0;
  for (int i = 0; i < NBUFS; i++) sum += a_buf(r, i);
  return sum;
}
static double a_softmax(const rep_t *r) { return ma_softmax(r); }
static double a_topk(const rep_t *r) {
  return ma_topk(r) + ma_topk_fifo(r) + ma_zero_elim(r);
}
static double a_iface(const rep_t *r) {
  return ma_fetchers(r) + ma_crossbar(r) + ma_hbm_ctrl(r) + ma_hbm_phy(r);
}
static double a_ctrl(const rep_t *r) {
  return ma_importance(r) + ma_requant(r) + ma_control(r);
}

/* The chip's cost categories (and the DRAM's and static energy), listed
 * once: energy_pj.total and area_mm2.total are their sums, in this order
 * for energy and in area_rank order for area, and the text summary's
 * energy and area lines walk them the same way. Each category is a group
 * of modules (dynamic energy; every module's leakage is "static"). */
static const struct cost {
  const char *label, *area_label;
  double (*energy)(const rep_t *r);
  double (*area)(const rep_t *r); /* NULL: no area */
  int area_rank;
} costs[] = {
    {"compute", "multipliers", e_compute, a_mult, 0},
    {"softmax", "softmax", e_softmax, a_softmax, 2},
    {"top-k", "top-k", e_topk, a_topk, 3},
    {"SRAM", "SRAM", e_sram, a_sram, 1},
    {"interface", "interface", e_iface, a_iface, 4},
    {"control", "control", e_ctrl, a_ctrl, 5},
    {"DRAM", NULL, e_dram, NULL, -1},
    {"static", NULL, e_static, NULL, -1},
};
enum { NCOSTS = (int)(sizeof costs / sizeof costs[0]) };

static double e_total(const rep_t *r) {
  double sum = 0;
  for (int i = 0; i < NCOSTS; i++) sum += costs[i].energy(r);
  return sum;
}
/* The cost with area rank k, or NULL. */
static const struct cost *area_ranked(int k) {
  for (int i = 0; i < NCOSTS; i++)
    if (costs[i].area && costs[i].area_rank == k) return &costs[i];
  return NULL;
}
static double a_total(const rep_t *r) {
  double sum = 0;
  for (int k = 0; area_ranked(k); k++) sum += area_ranked(k)->area(r);
  return sum;
}

static double peak_gbps(const rep_t *r) {
  return r->cfg->dram_channels * (r->cfg->dram_bus_bits / 8.0) *
         r->cfg->dram_gbps_per_pin;
}
static double bandwidth_gbps(const rep_t *r) {
  return ratio(cntd(r, ST_DRAM_TRANSFERRED_BYTES), seconds(r)) / 1e9;
}
static uint64_t memory_cycles(const rep_t *r) {
  return ceil_div_real(cntd(r, ST_DRAM_TRANSFERRED_BYTES),
                       peak_gbps(r) / r->cfg->clock_ghz);
}
/* The compute blocks a run's floor can sit on, each alone: the Q x K and
 * P x V arrays at their MACs over their multipliers; the softmax at its
 * busy cycles (sim/timing.h: per SMAX, three passes over its scores at
 * softmax.units lanes plus the max and exp pipeline fill, during which it
 * takes no new input); the top-k engine at the cycles it selected. */
enum { CU_QK, CU_AV, CU_SOFTMAX, CU_TOPK, CU_COUNT };
static const char *const cu_name[CU_COUNT] = {"qk_array", "av_array",
                                              "softmax", "topk"};
static uint64_t unit_cycles(const rep_t *r, int u) {
  const cfg_t *c = r->cfg;
  switch (u) {
  case CU_QK:
    return ceil_div(cnt(r, ST_QK_MACS) + cnt(r, ST_ROUTING_MACS),
                    (uint64_t)c->qk_multipliers);
  case CU_AV:
    return ceil_div(cnt(r, ST_AV_MACS) + cnt(r, ST_LCE_MACS),
                    (uint64_t)c->av_multipliers);
  case CU_SOFTMAX: return cnt(r, ST_SOFTMAX_BUSY);
  default: return cnt(r, ST_TOPK_CYCLES);
  }
}
/* The block that sets the compute floor (the first of the busiest). */
static int compute_unit(const rep_t *r) {
  int best = CU_QK;
  for (int u = 1; u < CU_COUNT; u++)
    if (unit_cycles(r, u) > unit_cycles(r, best)) best = u;
  return best;
}
static uint64_t compute_cycles(const rep_t *r) {
  return unit_cycles(r, compute_unit(r));
}
static uint64_t floor_cycles(const rep_t *r) {
  uint64_t m = memory_cycles(r), c = compute_cycles(r);
  return m > c ? m : c;
}
static const char *bound(const rep_t *r) {
  return memory_cycles(r) > compute_cycles(r) ? "memory" : "compute";
}

/* The table's adapters: each metric as a report value. */
static rval_t m_seconds(const rep_t *r) { return v_real(seconds(r)); }
static rval_t m_macs(const rep_t *r) { return v_int(macs(r)); }
static rval_t m_tflops(const rep_t *r) {
  return v_real(ratio(2.0 * (double)macs(r), seconds(r)) / 1e12);
}
static rval_t m_e_compute(const rep_t *r) { return v_real(e_compute(r)); }
static rval_t m_e_softmax(const rep_t *r) { return v_real(e_softmax(r)); }
static rval_t m_e_sram(const rep_t *r) { return v_real(e_sram(r)); }
static rval_t m_e_dram(const rep_t *r) { return v_real(e_dram(r)); }
static rval_t m_e_topk(const rep_t *r) { return v_real(e_topk(r)); }
/* Average power in mW: pJ / s x 1e-9. */
static rval_t m_p_chip(const rep_t *r) {
  return v_real(ratio(e_chip(r) * 1e-9, seconds(r)));
}
static rval_t m_p_total(const rep_t *r) {
  return v_real(ratio(e_total(r) * 1e-9, seconds(r)));
}
static double ops2(const rep_t *r) { return 2.0 * (double)macs(r); }
static rval_t m_gops(const rep_t *r) {
  return v_real(ratio(ops2(r), seconds(r)) / 1e9);
}
/* GOP per joule = GOP/s per watt: ops / (pJ x 1e-12) / 1e9. */
static rval_t m_gopj_chip(const rep_t *r) {
  return v_real(ratio(ops2(r) * 1e3, e_chip(r)));
}
static rval_t m_gopj_total(const rep_t *r) {
  return v_real(ratio(ops2(r) * 1e3, e_total(r)));
}

#define MODULE_RV(name, efn, afn, lfn)                                        \
  static rval_t m_me_##name(const rep_t *r) { return v_real(me_##name(r)); }  \
  static rval_t m_ma_##name(const rep_t *r) { return v_real(ma_##name(r)); }  \
  static rval_t m_ml_##name(const rep_t *r) { return v_real(ml_##name(r)); }
#define X MODULE_RV
MODULE_LIST(X)
#undef X
#undef MODULE_RV
static rval_t m_e_iface(const rep_t *r) { return v_real(e_iface(r)); }
static rval_t m_e_ctrl(const rep_t *r) { return v_real(e_ctrl(r)); }
static rval_t m_a_iface(const rep_t *r) { return v_real(a_iface(r)); }
static rval_t m_a_ctrl(const rep_t *r) { return v_real(a_ctrl(r)); }
static rval_t m_ed_act(const rep_t *r) { return v_real(e_dram_parts(r).activate); }
static rval_t m_ed_read(const rep_t *r) { return v_real(e_dram_parts(r).read); }
static rval_t m_ed_write(const rep_t *r) { return v_real(e_dram_parts(r).write); }
static rval_t m_ed_ref(const rep_t *r) { return v_real(e_dram_parts(r).refresh); }
static rval_t m_ed_astb(const rep_t *r) { return v_real(e_dram_parts(r).act_standby); }
static rval_t m_ed_pstb(const rep_t *r) { return v_real(e_dram_parts(r).pre_standby); }
static rval_t m_row_hit_rate(const rep_t *r) {
  return v_real(ratio(cntd(r, ST_DRAM_ROW_HITS),
                      cntd(r, ST_DRAM_READ_BURSTS) + cntd(r, ST_DRAM_WRITE_BURSTS)));
}
static rval_t m_e_static(const rep_t *r) { return v_real(e_static(r)); }
static rval_t m_e_total(const rep_t *r) { return v_real(e_total(r)); }
static rval_t m_a_mult(const rep_t *r) { return v_real(a_mult(r)); }
static rval_t m_a_sram(const rep_t *r) { return v_real(a_sram(r)); }
static rval_t m_a_softmax(const rep_t *r) { return v_real(a_softmax(r)); }
static rval_t m_a_topk(const rep_t *r) { return v_real(a_topk(r)); }
static rval_t m_a_total(const rep_t *r) { return v_real(a_total(r)); }
static rval_t m_peak(const rep_t *r) { return v_real(peak_gbps(r)); }
static rval_t m_bandwidth(const rep_t *r) { return v_real(bandwidth_gbps(r)); }
static rval_t m_read_lat(const rep_t *r) {
  return v_real(ratio(cntd(r, ST_DRAM_READ_LATENCY),
                      cntd(r, ST_DRAM_READ_REQUESTS)));
}
static rval_t m_mem_cycles(const rep_t *r) { return v_int(memory_cycles(r)); }
static rval_t m_cmp_cycles(const rep_t *r) { return v_int(compute_cycles(r)); }
static rval_t m_efficiency(const rep_t *r) {
  return v_real(ratio((double)floor_cycles(r), cntd(r, ST_CYCLES)));
}
static rval_t m_bound(const rep_t *r) { return v_str(bound(r)); }
static rval_t m_cmp_unit(const rep_t *r) {
  return v_str(cu_name[compute_unit(r)]);
}
static rval_t m_refetch_share(const rep_t *r) {
  return v_real(ratio(cntd(r, ST_REFETCHES), cntd(r, ST_REFETCH_CHECKS)));
}
static int topk_p(const rep_t *r) {
  return r->cfg->topk_parallelism > 0 ? r->cfg->topk_parallelism : 1;
}
static rval_t m_topk_util(const rep_t *r) {
  return v_real(ratio(cntd(r, ST_TOPK_COMPARISONS),
                      (double)topk_p(r) * cntd(r, ST_TOPK_CYCLES)));
}

typedef struct metric {
  rep_metric_t m;
  rval_t (*fn)(const rep_t *r);
} metric_t;

/* Derived metrics, in report order. Config keys are named as in YAML. */
static const metric_t metrics[] = {
    {{"seconds", "s", "simulated time: cycles / (clock_ghz * 1e9)"}, m_seconds},
    {{"ops.macs", "MACs", "qk_macs + av_macs + routing_macs + lce_macs"}, m_macs},
    {{"ops.tflops", "TFLOP/s",
      "effective throughput: 2 * macs / seconds / 1e12 (0 when seconds = 0)"},
     m_tflops},
    {{"energy_pj.compute", "pJ",
      "the two arrays' dynamic energy: macs * energy.mac_pj * "
      "(datapath.width / energy.mac_bits)^2, technology-scaled"},
     m_e_compute},
    {{"energy_pj.softmax", "pJ", "softmax_elems * energy.softmax_pj, scaled"},
     m_e_softmax},
    {{"energy_pj.topk", "pJ",
      "topk.comparisons * (energy.topk_pj + topk_fifo_pj + zero_elim_pj), "
      "scaled"},
     m_e_topk},
    {{"energy_pj.sram", "pJ",
      "sum over the five buffers of (read_bytes * energy.<buffer>_pj + "
      "write_bytes * energy.<buffer>_write_pj) * 8 / energy.sram_access_bits, "
      "scaled"},
     m_e_sram},
    {{"energy_pj.interface", "pJ",
      "fetchers + crossbar + hbm_ctrl + hbm_phy dynamic energy"},
     m_e_iface},
    {{"energy_pj.control", "pJ",
      "importance + requant + control (clock tree) dynamic energy"},
     m_e_ctrl},
    {{"energy_pj.dram", "pJ",
      "dram.model hbm2: the sum of dram.energy_pj.*; simple: "
      "transferred_bytes * 8 * energy.dram_pj_per_bit"},
     m_e_dram},
    {{"energy_pj.static", "pJ",
      "the modules' leakage_mw summed * seconds * 1e9"},
     m_e_static},
    {{"energy_pj.total", "pJ",
      "compute + softmax + topk + sram + interface + control + dram + static"},
     m_e_total},
    {{"area_mm2.multipliers", "mm2",
      "(qk_array.multipliers + av_array.multipliers) * area.mult_mm2 * "
      "(datapath.width / area.mult_bits)^2, scaled"},
     m_a_mult},
    {{"area_mm2.sram", "mm2", "sum of area.<buffer>_mm2, scaled"}, m_a_sram},
    {{"area_mm2.softmax", "mm2", "softmax.units * area.softmax_mm2, scaled"},
     m_a_softmax},
    {{"area_mm2.topk", "mm2",
      "topk.parallelism * (area.topk_mm2 + topk_fifo_mm2 + zero_elim_mm2), "
      "scaled"},
     m_a_topk},
    {{"area_mm2.interface", "mm2", "fetchers + crossbar + hbm_ctrl + hbm_phy"},
     m_a_iface},
    {{"area_mm2.control", "mm2", "importance + requant + control"},
     m_a_ctrl},
    {{"area_mm2.total", "mm2",
      "multipliers + sram + softmax + topk + interface + control"},
     m_a_total},
#define MODULE_ROWS(name, efn, afn, lfn)                                      \
    {{"modules." #name ".energy_pj", "pJ",                                    \
      "energy of " #name ", dynamic and leakage"}, m_me_##name},              \
    {{"modules." #name ".area_mm2", "mm2", "area of " #name}, m_ma_##name},   \
    {{"modules." #name ".leakage_mw", "mW", "leakage of " #name}, m_ml_##name},
#define X MODULE_ROWS
    MODULE_LIST(X)
#undef X
#undef MODULE_ROWS
    {{"power_mw.chip", "mW",
      "average chip power: (energy_pj.total - energy_pj.dram) * 1e-9 / "
      "seconds (0 when seconds = 0)"},
     m_p_chip},
    {{"power_mw.total", "mW",
      "average power with the DRAM: energy_pj.total * 1e-9 / seconds"},
     m_p_total},
    {{"ops.gops", "GOP/s", "2 * macs / seconds / 1e9 (0 when seconds = 0)"},
     m_gops},
    {{"ops.gops_per_j.chip", "GOP/J",
      "2 * macs / chip energy: GOP/s per W of chip power (0 without energy)"},
     m_gopj_chip},
    {{"ops.gops_per_j.total", "GOP/J",
      "2 * macs / energy_pj.total, the DRAM included"},
     m_gopj_total},
    {{"dram.peak_GBps", "GB/s",
      "dram.channels * dram.bus_bits / 8 * dram.gbps_per_pin"},
     m_peak},
    {{"dram.bandwidth_GBps", "GB/s",
      "achieved: transferred_bytes / seconds / 1e9 (0 when seconds = 0)"},
     m_bandwidth},
    {{"dram.mean_read_latency_cycles", "cycles",
      "read_latency_cycles / read_requests (0 when there are none)"},
     m_read_lat},
    {{"dram.row_hit_rate", "ratio",
      "row_hits / (reads + writes) (0 when there are none; simple model: 0)"},
     m_row_hit_rate},
    {{"dram.energy_pj.activate", "pJ",
      "hbm2: activates * dram.power.vdd * (idd0 * trc - idd3n * tras - "
      "idd2n * trp) * tCK; an ACT and its PRE (tCK = 2 / dram.gbps_per_pin "
      "ns; 0 for the simple model, as every dram.energy_pj.*)"},
     m_ed_act},
    {{"dram.energy_pj.read", "pJ",
      "hbm2: reads * vdd * (idd4r - idd3n) * burst cycles * tCK (burst "
      "cycles = dram.burst_bytes * 8 / (2 * dram.bus_bits))"},
     m_ed_read},
    {{"dram.energy_pj.write", "pJ",
      "hbm2: writes * vdd * (idd4w - idd3n) * burst cycles * tCK"},
     m_ed_write},
    {{"dram.energy_pj.refresh", "pJ",
      "hbm2: refreshes * vdd * (idd5ab - idd3n) * trfc * tCK"},
     m_ed_ref},
    {{"dram.energy_pj.active_standby", "pJ",
      "hbm2: active_standby_cycles * vdd * idd3n * tCK"},
     m_ed_astb},
    {{"dram.energy_pj.precharged_standby", "pJ",
      "hbm2: precharged_standby_cycles * vdd * idd2n * tCK"},
     m_ed_pstb},
    {{"bounds.memory_cycles", "cycles",
      "ceil(transferred_bytes / (peak_GBps / clock_ghz)): the bus alone"},
     m_mem_cycles},
    {{"bounds.compute_cycles", "cycles",
      "max(ceil((qk_macs + routing_macs) / qk_array.multipliers), "
      "ceil((av_macs + lce_macs) / av_array.multipliers), "
      "softmax.busy_cycles, topk.cycles)"},
     m_cmp_cycles},
    {{"bounds.compute_unit", "",
      "the block that sets compute_cycles: \"qk_array\", \"av_array\", "
      "\"softmax\" or \"topk\""},
     m_cmp_unit},
    {{"bounds.efficiency", "ratio",
      "max(memory_cycles, compute_cycles) / cycles: 1 means the run reached "
      "its floor (0 when cycles = 0)"},
     m_efficiency},
    {{"bounds.bound", "",
      "\"memory\" when memory_cycles > compute_cycles, else \"compute\""},
     m_bound},
    {{"spatten.refetch_share", "ratio",
      "spatten.refetches / spatten.refetch_checks: share of checked queries "
      "that refetched key low bits (0 when none was checked)"},
     m_refetch_share},
    {{"topk.utilization", "ratio",
      "topk.comparisons / (topk.parallelism * topk.cycles): busy comparators "
      "per cycle the engine ran (0 when it never ran)"},
     m_topk_util},
};
#define NMETRICS (int)(sizeof metrics / sizeof metrics[0])

int rep_metric_count(void) { return NMETRICS; }
const rep_metric_t *rep_metric(int i) {
  return i >= 0 && i < NMETRICS ? &metrics[i].m : NULL;
}

/* ---- the walk ------------------------------------------------------------ */

typedef void (*visit_fn)(void *ctx, const char *path, rval_t v);

static const char *phase_name(wl_phase_t p) {
  return p == WL_DECODE ? "decode" : p == WL_SERVE ? "serve" : "prefill";
}

static void walk_meta(const rep_t *r, visit_fn fn, void *ctx) {
  char hash[24];
  snprintf(hash, sizeof hash, "0x%016llx", (unsigned long long)r->config_hash);
  fn(ctx, "attnsim.version", v_str(ATTNSIM_VERSION));
  fn(ctx, "config.name", v_str(r->cfg->name));
  fn(ctx, "config.path", v_str(r->config_path));
  fn(ctx, "config.hash", v_str(hash));
  fn(ctx, "workload.name", v_str(r->wl->name));
  fn(ctx, "workload.path", v_str(r->workload_path));
  fn(ctx, "workload.phase", v_str(phase_name(r->wl->phase)));
  fn(ctx, "workload.layers", v_int((uint64_t)r->wl->layers));
  fn(ctx, "workload.heads", v_int((uint64_t)r->wl->heads));
  fn(ctx, "workload.head_dim", v_int((uint64_t)r->wl->head_dim));
}

static void walk_counters(const rep_t *r, visit_fn fn, void *ctx) {
  int i;
  for (i = 0; i < ST_COUNT; i++) fn(ctx, stat_info[i].path, v_int(r->st->c[i]));
}

static void walk_derived(const rep_t *r, visit_fn fn, void *ctx) {
  int i;
  for (i = 0; i < NMETRICS; i++) fn(ctx, metrics[i].m.path, metrics[i].fn(r));
}

static void walk_units(const rep_t *r, visit_fn fn, void *ctx) {
  char path[128];
  int u, s;
  for (u = 0; u < UNIT_COUNT; u++)
    for (s = 0; s < US_COUNT; s++) {
      snprintf(path, sizeof path, "units.%s.%s", unit_names[u],
               ustate_names[s]);
      fn(ctx, path, v_int(r->st->unit[u][s]));
    }
}

/* Against --baseline's run, when there was one. */
static void walk_base(const rep_t *r, visit_fn fn, void *ctx) {
  const rep_base_t *b = r->base;
  if (!b) return;
  fn(ctx, "baseline.cycles", v_int(b->cycles));
  fn(ctx, "baseline.dram_read_bytes", v_int(b->dram_read_bytes));
  fn(ctx, "baseline.energy_pj", v_real(b->energy_pj));
  fn(ctx, "baseline.speedup", v_real(ratio((double)b->cycles, cntd(r, ST_CYCLES))));
  fn(ctx, "baseline.dram_reduction",
     v_real(ratio((double)b->dram_read_bytes, cntd(r, ST_DRAM_READ_BYTES))));
  fn(ctx, "baseline.energy_saving", v_real(ratio(b->energy_pj, e_total(r))));
}

/* Decode and serve (docs/serve.md): a sequence's latency is the cycle
 * its last instruction completes (the latest end_cycle of its layer
 * records); throughput is every generated token over the run's time. */
static uint64_t seq_done(const rep_t *r, int cs) {
  uint64_t m = 0;
  for (int i = 0; i < r->st->nlayers; i++)
    if (r->st->layers[i].cs == cs && r->st->layers[i].end_cycle > m)
      m = r->st->layers[i].end_cycle;
  return m;
}

static uint64_t gen_tokens(const rep_t *r) {
  return (uint64_t)r->wl->batch * (uint64_t)r->wl->generate;
}

static void walk_serve(const rep_t *r, visit_fn fn, void *ctx) {
  uint64_t last = 0, sum = 0, n;
  int cs;
  if (!wl_generates(r->wl)) return;
  for (cs = 0; cs < r->wl->batch; cs++) {
    n = seq_done(r, cs);
    sum += n;
    if (n > last) last = n;
  }
  fn(ctx, "serve.sequences", v_int((uint64_t)r->wl->batch));
  fn(ctx, "serve.generated_tokens", v_int(gen_tokens(r)));
  fn(ctx, "serve.tokens_per_s", v_real(ratio((double)gen_tokens(r), seconds(r))));
  fn(ctx, "serve.kv_append_bytes",
     v_int(cnt(r, ST_DRAM_WRITE_BYTES) - cnt(r, ST_DRAM_OUTPUT_BYTES)));
  fn(ctx, "serve.latency_mean_cycles", v_real((double)sum / r->wl->batch));
  fn(ctx, "serve.latency_max_cycles", v_int(last));
  fn(ctx, "serve.latency_max_s", v_real((double)last / (r->cfg->clock_ghz * 1e9)));
}

/* always: emit the columns even when --check did not run (CSV keeps one
 * header whatever the options), with ran = false and the rest null. */
static void walk_check(const rep_t *r, int always, visit_fn fn, void *ctx) {
  int ran = r->checked;
  if (!ran && !always) return;
  fn(ctx, "check.ran", v_bool(ran));
  fn(ctx, "check.ok", ran ? v_bool(r->check_ok) : v_null());
  fn(ctx, "check.message", ran ? v_str(r->check_msg) : v_null());
  fn(ctx, "check.max_float_error",
     ran ? v_real(r->check_max_float_err) : v_null());
  fn(ctx, "check.float_tolerance", ran ? v_real(r->check_float_tol) : v_null());
  fn(ctx, "check.decisions", ran ? v_int(r->check_decisions) : v_null());
  fn(ctx, "accuracy.output_rel_error",
     ran && r->check_pruned ? v_real(r->acc_rel_err) : v_null());
  fn(ctx, "accuracy.attention_mass_kept",
     ran && r->check_pruned ? v_real(r->acc_mass_kept) : v_null());
  fn(ctx, "accuracy.output_rel_error_renorm",
     ran && r->check_pruned ? v_real(r->acc_rel_err_renorm) : v_null());
}

/* ---- JSON ---------------------------------------------------------------- */

/* One scalar through the shared writer (jsonw.h): reals as %.10g, NaN and
 * infinities as null. */
static void json_val(jw_t *w, rval_t v) {
  switch (v.kind) {
  case V_NULL: jw_null(w); break;
  case V_INT: jw_u64(w, v.u); break;
  case V_REAL: jw_real(w, v.d); break;
  case V_BOOL: jw_bool(w, (int)v.u); break;
  case V_STR: jw_str(w, v.s); break;
  }
}

/* A tree of the dotted paths; children keep first-insertion order. */
typedef struct jnode {
  char *name;
  int child, last, next; /* first child, last child, next sibling; -1 = none */
  int leaf;
  rval_t v; /* a leaf's value; strings owned by the node */
} jnode_t;

typedef struct jtree {
  jnode_t *n;
  int len, cap, oom;
} jtree_t;

static int jt_new(jtree_t *t, const char *name, size_t len) {
  jnode_t *n;
  if (t->len == t->cap) {
    int cap = t->cap ? 2 * t->cap : 128;
    jnode_t *p = realloc(t->n, (size_t)cap * sizeof *p);
    if (!p) return -1;
    t->n = p;
    t->cap = cap;
  }
  n = &t->n[t->len];
  memset(n, 0, sizeof *n);
  n->child = n->last = n->next = -1;
  if (!(n->name = malloc(len + 1))) return -1;
  memcpy(n->name, name, len);
  n->name[len] = '\0';
  return t->len++;
}

/* The child of node p named name[0..len), created at the end if absent. */
static int jt_child(jtree_t *t, int p, const char *name, size_t len) {
  int c, k;
  for (c = t->n[p].child; c >= 0; c = t->n[c].next)
    if (strlen(t->n[c].name) == len && memcmp(t->n[c].name, name, len) == 0)
      return c;
  if ((k = jt_new(t, name, len)) < 0) return -1;
  if (t->n[p].last >= 0) t->n[t->n[p].last].next = k;
  else t->n[p].child = k;
  t->n[p].last = k;
  return k;
}

static void jt_insert(void *ctx, const char *path, rval_t v) {
  jtree_t *t = ctx;
  int node = 0;
  const char *p = path, *dot;
  if (t->oom) return;
  for (;;) {
    dot = strchr(p, '.');
    node = jt_child(t, node, p, dot ? (size_t)(dot - p) : strlen(p));
    if (node < 0) {
      t->oom = 1;
      return;
    }
    if (!dot) break;
    p = dot + 1;
  }
  t->n[node].leaf = 1;
  t->n[node].v = v;
  if (v.kind == V_STR && !(t->n[node].v.s = strdup(v.s))) {
    t->n[node].v = v_null();
    t->oom = 1;
  }
}

static void jt_free(jtree_t *t) {
  int i;
  for (i = 0; i < t->len; i++) {
    free(t->n[i].name);
    if (t->n[i].leaf && t->n[i].v.kind == V_STR) free((char *)t->n[i].v.s);
  }
  free(t->n);
}

static int jt_all_leaves(const jtree_t *t, int node) {
  int c;
  for (c = t->n[node].child; c >= 0; c = t->n[c].next)
    if (!t->n[c].leaf) return 0;
  return 1;
}

/* Members of node, inside the object open in w: a subtree is an object of
 * its own line per member, except that one nested inside a top-level
 * object (w->depth >= 2) whose members are all scalars fits on one line:
 * {"read_bytes": 1, "write_bytes": 2}. */
static void jt_members(const jtree_t *t, int node, jw_t *w) {
  int c;
  for (c = t->n[node].child; c >= 0; c = t->n[c].next) {
    const jnode_t *n = &t->n[c];
    jw_key(w, n->name);
    if (n->leaf) {
      json_val(w, n->v);
      continue;
    }
    jw_object(w, w->depth >= 2 && jt_all_leaves(t, c) ? JW_INLINE : JW_LINES);
    jt_members(t, c, w);
    jw_end(w);
  }
}

/* A layer's cycles: how far its end_cycle moved the latest end seen so
 * far (*hi). With ends in order this is end - previous end; if a layer
 * ever finished before the one listed ahead of it, it counts 0 rather
 * than going negative, so the layers always sum to the last end. */
static uint64_t layer_step(uint64_t *hi, uint64_t end) {
  uint64_t n = end > *hi ? end - *hi : 0;
  if (end > *hi) *hi = end;
  return n;
}

/* key: v as an integer, in the object open in w. */
static void json_int(jw_t *w, const char *key, int64_t v) {
  jw_key(w, key);
  jw_i64(w, v);
}

static void json_u64(jw_t *w, const char *key, uint64_t v) {
  jw_key(w, key);
  jw_u64(w, v);
}

/* "layers": one line per layer, in the order they ran. */
static void json_layers(const rep_t *r, jw_t *w) {
  uint64_t hi = 0;
  jw_key(w, "layers");
  jw_array(w, JW_LINES);
  for (int i = 0; i < r->st->nlayers; i++) {
    const st_layer_t *l = &r->st->layers[i];
    jw_object(w, JW_INLINE);
    json_int(w, "case", l->cs);
    json_int(w, "layer", l->layer);
    json_int(w, "step", l->step);
    json_u64(w, "cycles", layer_step(&hi, l->end_cycle));
    json_u64(w, "end_cycle", l->end_cycle);
    json_int(w, "tokens", l->tokens);
    json_int(w, "heads", l->heads);
    jw_end(w);
  }
  jw_end(w);
}

/* ---- per-case figures (mechanisms' per-case rows, mech.h) ----------------
 * A case's counters are the sum of its layers' attributed counters
 * (engine.c), its cycles the sum of its layers' cycles (layer_step), its
 * energy e_total over those counters. */
void rep_case_figures(const rep_t *r, int cs, rep_case_t *f) {
  uint64_t hi = 0;
  rep_t sub = *r;
  memset(f, 0, sizeof *f);
  for (int i = 0; i < r->st->nlayers; i++) {
    const st_layer_t *l = &r->st->layers[i];
    uint64_t n = layer_step(&hi, l->end_cycle);
    if (l->cs != cs) continue;
    for (int k = 0; k < ST_COUNT; k++) f->st.c[k] += l->c[k];
    f->st.c[ST_CYCLES] += n;
  }
  sub.st = &f->st;
  f->energy_pj = r->case_energy_pj ? r->case_energy_pj[cs] : e_total(&sub);
  f->macs = macs(&sub);
}

/* ---- per-layer table (--layers-csv) --------------------------------------
 * A layer's cycles run from the latest end before it (layer_step) to its
 * end_cycle, so the rows' cycles sum to the run's; its counters are those
 * attributed to it (engine.c), so they sum to the run's for every counter
 * events carry (MACs, DRAM bytes). Its bound is the run's rule (bound())
 * on its own counters; qk_utilization is Q x K and routing MACs over
 * qk_array.multipliers x its cycles. */
void rep_layers_csv_to(const rep_t *r, FILE *f) {
  uint64_t hi = 0;
  fputs("case,step,layer,cycles,start_cycle,end_cycle,dram_read_bytes,"
        "dram_write_bytes,macs,qk_utilization,bound\n", f);
  for (int i = 0; i < r->st->nlayers; i++) {
    const st_layer_t *l = &r->st->layers[i];
    uint64_t start = hi, n = layer_step(&hi, l->end_cycle);
    stats_t st;
    rep_t sub = *r;
    memset(&st, 0, sizeof st);
    memcpy(st.c, l->c, sizeof st.c);
    st.c[ST_CYCLES] = n;
    sub.st = &st;
    fprintf(f, "%d,%d,%d,%llu,%llu,%llu,%llu,%llu,%llu,%.6g,%s\n", l->cs,
            l->step, l->layer, (unsigned long long)n,
            (unsigned long long)(n ? start : l->end_cycle),
            (unsigned long long)l->end_cycle,
            (unsigned long long)l->c[ST_DRAM_READ_BYTES],
            (unsigned long long)l->c[ST_DRAM_WRITE_BYTES],
            (unsigned long long)macs(&sub),
            ratio(cntd(&sub, ST_QK_MACS) + cntd(&sub, ST_ROUTING_MACS),
                  (double)n * r->cfg->qk_multipliers),
            bound(&sub));
  }
}

int rep_layers_csv(const rep_t *r, const char *path, err_t *e) {
  outfile_t o;
  if (of_open(&o, path, e)) return e->status;
  rep_layers_csv_to(r, o.f);
  return of_commit(&o, e);
}

/* "serve.sequence_latency": per sequence, cycles and seconds until its
 * last token completes. */
static void json_serve(const rep_t *r, jw_t *w) {
  if (!wl_generates(r->wl)) return;
  jw_key(w, "sequence_latency");
  jw_array(w, JW_LINES);
  for (int cs = 0; cs < r->wl->batch; cs++) {
    uint64_t n = seq_done(r, cs);
    jw_object(w, JW_INLINE);
    json_int(w, "sequence", cs);
    json_int(w, "prompt", wl_prompt(r->wl, cs));
    json_u64(w, "cycles", n);
    jw_key(w, "seconds");
    jw_real(w, (double)n / (r->cfg->clock_ghz * 1e9));
    jw_end(w);
  }
  jw_end(w);
}

static const mech_t *rep_mech(const rep_t *r) { return mech_of(r->wl, r->cfg->width); }

int rep_json_to(const rep_t *r, FILE *f, err_t *e) {
  jtree_t t = {NULL, 0, 0, 0};
  jw_t w;
  if (jt_new(&t, "", 0) < 0) t.oom = 1;
  if (!t.oom) {
    walk_meta(r, jt_insert, &t);
    walk_counters(r, jt_insert, &t);
    walk_derived(r, jt_insert, &t);
    walk_units(r, jt_insert, &t);
    walk_check(r, 0, jt_insert, &t);
    walk_base(r, jt_insert, &t);
    walk_serve(r, jt_insert, &t);
  }
  if (t.oom) {
    jt_free(&t);
    return err_set(e, ERR_RUN, "out of memory writing the JSON report");
  }
  jw_init(&w, f);
  jw_object(&w, JW_LINES);
  jt_members(&t, 0, &w);
  json_layers(r, &w);
  json_serve(r, &w);
  if (rep_mech(r)->report_json) rep_mech(r)->report_json(r, &w);
  jw_end(&w);
  jt_free(&t);
  return 0;
}

/* ---- CSV ----------------------------------------------------------------- */

/* Columns: counters, derived, units, then the run's identity and check
 * (strings last, so a naive comma split still finds the numbers). */
static void csv_walk(const rep_t *r, visit_fn fn, void *ctx) {
  walk_counters(r, fn, ctx);
  walk_derived(r, fn, ctx);
  walk_units(r, fn, ctx);
  walk_meta(r, fn, ctx);
  walk_check(r, 1, fn, ctx);
}

typedef struct csv_ctx {
  FILE *f;
  int n; /* columns written so far */
} csv_ctx_t;

static void csv_name(void *ctx, const char *path, rval_t v) {
  csv_ctx_t *c = ctx;
  (void)v;
  fprintf(c->f, "%s%s", c->n++ ? "," : "", path);
}

/* RFC 4180: strings always quoted, inner quotes doubled; null is empty. */
static void csv_value(void *ctx, const char *path, rval_t v) {
  csv_ctx_t *c = ctx;
  const char *s;
  (void)path;
  if (c->n++) fputc(',', c->f);
  switch (v.kind) {
  case V_NULL: break;
  case V_INT: fprintf(c->f, "%" PRIu64, v.u); break;
  case V_REAL:
    if (isfinite(v.d)) fprintf(c->f, "%.10g", v.d);
    break;
  case V_BOOL: fputc(v.u ? '1' : '0', c->f); break;
  case V_STR:
    fputc('"', c->f);
    for (s = v.s; *s; s++) {
      if (*s == '"') fputc('"', c->f);
      fputc(*s, c->f);
    }
    fputc('"', c->f);
    break;
  }
}

void rep_csv_to(const rep_t *r, FILE *f) {
  csv_ctx_t c = {f, 0};
  csv_walk(r, csv_name, &c);
  fputc('\n', f);
  c.n = 0;
  csv_walk(r, csv_value, &c);
  fputc('\n', f);
}

/* ---- files and lookup ---------------------------------------------------- */

int rep_json(const rep_t *r, const char *path, err_t *e) {
  outfile_t o;
  if (of_open(&o, path, e)) return e->status;
  if (rep_json_to(r, o.f, e)) {
    of_abort(&o);
    return e->status;
  }
  return of_commit(&o, e);
}

int rep_csv(const rep_t *r, const char *path, err_t *e) {
  outfile_t o;
  if (of_open(&o, path, e)) return e->status;
  rep_csv_to(r, o.f);
  return of_commit(&o, e);
}

typedef struct find_ctx {
  const char *path;
  int found; /* 1 numeric, -1 present but not a number */
  double v;
} find_ctx_t;

static void find_visit(void *ctx, const char *path, rval_t v) {
  find_ctx_t *c = ctx;
  if (c->found || strcmp(path, c->path) != 0) return;
  c->found = -1;
  if (v.kind == V_INT || v.kind == V_BOOL) c->found = 1, c->v = (double)v.u;
  else if (v.kind == V_REAL) c->found = 1, c->v = v.d;
}

int rep_value(const rep_t *r, const char *path, double *out) {
  find_ctx_t c = {path, 0, 0};
  walk_meta(r, find_visit, &c);
  walk_counters(r, find_visit, &c);
  walk_derived(r, find_visit, &c);
  walk_units(r, find_visit, &c);
  walk_check(r, 0, find_visit, &c);
  walk_base(r, find_visit, &c);
  walk_serve(r, find_visit, &c);
  if (c.found != 1) return -1;
  *out = c.v;
  return 0;
}

/* ---- text ---------------------------------------------------------------- */

/* Exact counts get thousands separators; physical quantities get three
 * significant digits and an SI prefix (1 kB = 1000 B, like GB/s). */
const char *rep_fmt_count(uint64_t v, char *buf, size_t len) {
  char raw[32];
  int n = snprintf(raw, sizeof raw, "%" PRIu64, v), i, o = 0;
  for (i = 0; i < n && (size_t)o + 1 < len; i++) {
    if (i && (n - i) % 3 == 0 && (size_t)o + 2 < len) buf[o++] = ',';
    buf[o++] = raw[i];
  }
  buf[o] = '\0';
  return buf;
}

const char *rep_fmt_si(double v, const char *unit, char *buf, size_t len) {
  static const char *const pre[] = {"p", "n", "u", "m", "",  "k",
                                    "M", "G", "T", "P", "E"};
  int k = 4, dec;
  double a;
  if (!isfinite(v)) {
    snprintf(buf, len, "- %s", unit);
    return buf;
  }
  a = fabs(v);
  if (a > 0) {
    while (a < 1 && k > 0) a *= 1000, k--;
    while (a >= 999.5 && k < 10) a /= 1000, k++;
  }
  dec = a == 0 ? 0 : a < 9.995 ? 2 : a < 99.95 ? 1 : 0;
  snprintf(buf, len, "%s%.*f %s%s", v < 0 ? "-" : "", dec, a, pre[k], unit);
  return buf;
}

static double pct(double a, double b) { return b > 0 ? 100 * a / b : 0; }

static void text_header(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48], d[48];
  const wl_t *w = r->wl;
  fprintf(f, "attnsim %s: workload %s on config %s\n", ATTNSIM_VERSION,
          w->name, r->cfg->name);
  fprintf(f, "  workload   %s, %d layer%s x %d head%s, head_dim %d\n",
          phase_name(w->phase), w->layers, w->layers == 1 ? "" : "s",
          w->heads, w->heads == 1 ? "" : "s", w->head_dim);
  fprintf(f, "  cycles     %s (%s at %s), %s instructions\n",
          rep_fmt_count(cnt(r, ST_CYCLES), a, sizeof a),
          rep_fmt_si(seconds(r), "s", b, sizeof b),
          rep_fmt_si(r->cfg->clock_ghz * 1e9, "Hz", c, sizeof c),
          rep_fmt_count(cnt(r, ST_INSNS), d, sizeof d));
}

/* Decode and serve: throughput and each sequence's latency (listed up to
 * TEXT_MAX_SEQS sequences, else the spread). */
#define TEXT_MAX_SEQS 16
static void text_serve(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48];
  uint64_t lo = UINT64_MAX, hi = 0, n;
  int cs, nb = r->wl->batch;
  if (!wl_generates(r->wl)) return;
  fprintf(f, "  serve      %s tokens (%d sequence%s x %d) = %s tokens/s; "
          "%s %s\n",
          rep_fmt_count(gen_tokens(r), a, sizeof a), nb, nb == 1 ? "" : "s",
          r->wl->generate,
          rep_fmt_si(ratio((double)gen_tokens(r), seconds(r)), "", b, sizeof b),
          rep_mech(r)->extra_writes ? rep_mech(r)->extra_writes : "K/V appended",
          rep_fmt_si((double)(cnt(r, ST_DRAM_WRITE_BYTES) -
                              cnt(r, ST_DRAM_OUTPUT_BYTES)), "B", c, sizeof c));
  for (cs = 0; cs < nb; cs++) {
    n = seq_done(r, cs);
    if (n < lo) lo = n;
    if (n > hi) hi = n;
    if (nb > TEXT_MAX_SEQS) continue;
    fprintf(f, "%s s%d %s cycles (%s)", cs % 4 ? "," : cs ? "\n  latency   " : "  latency   ",
            cs, rep_fmt_count(n, a, sizeof a),
            rep_fmt_si((double)n / (r->cfg->clock_ghz * 1e9), "s", b, sizeof b));
  }
  if (nb > TEXT_MAX_SEQS)
    fprintf(f, "  latency    %d sequences: first done at %s cycles, last at %s",
            nb, rep_fmt_count(lo, a, sizeof a), rep_fmt_count(hi, b, sizeof b));
  fputc('\n', f);
}

static void text_bound(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48];
  fprintf(f, "  bound      %s: floor %s cycles (memory %s, compute %s on "
          "the %s), efficiency %.1f%%\n",
          bound(r), rep_fmt_count(floor_cycles(r), a, sizeof a),
          rep_fmt_count(memory_cycles(r), b, sizeof b),
          rep_fmt_count(compute_cycles(r), c, sizeof c),
          cu_name[compute_unit(r)],
          100 * ratio((double)floor_cycles(r), cntd(r, ST_CYCLES)));
}

static void text_dram(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48], d[48], g[48];
  double bw = bandwidth_gbps(r), peak = peak_gbps(r);
  fprintf(f, "  DRAM       read %s, written %s, on the bus %s "
          "(%s read and %s write requests)\n",
          rep_fmt_si(cntd(r, ST_DRAM_READ_BYTES), "B", a, sizeof a),
          rep_fmt_si(cntd(r, ST_DRAM_WRITE_BYTES), "B", b, sizeof b),
          rep_fmt_si(cntd(r, ST_DRAM_TRANSFERRED_BYTES), "B", c, sizeof c),
          rep_fmt_count(cnt(r, ST_DRAM_READ_REQUESTS), d, sizeof d),
          rep_fmt_count(cnt(r, ST_DRAM_WRITE_REQUESTS), g, sizeof g));
  fprintf(f, "  bandwidth  %s of %s peak (%.1f%%), "
          "mean read latency %.1f cycles\n",
          rep_fmt_si(bw * 1e9, "B/s", a, sizeof a),
          rep_fmt_si(peak * 1e9, "B/s", b, sizeof b), pct(bw, peak),
          m_read_lat(r).d);
  if (!cfg_dram_is_hbm2(r->cfg)) return;
  fprintf(f, "  commands   %s ACT, %s RD, %s WR, %s REF; row hits %.1f%%\n",
          rep_fmt_count(cnt(r, ST_DRAM_ACTIVATES), a, sizeof a),
          rep_fmt_count(cnt(r, ST_DRAM_READ_BURSTS), b, sizeof b),
          rep_fmt_count(cnt(r, ST_DRAM_WRITE_BURSTS), c, sizeof c),
          rep_fmt_count(cnt(r, ST_DRAM_REFRESHES), d, sizeof d),
          100 * m_row_hit_rate(r).d);
}

/* SpAtten's savings and their cost, when a schedule ran. */
static void text_spatten(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48], d[48];
  if (!cnt(r, ST_TOPK_RUNS) && !cnt(r, ST_REFETCH_CHECKS) &&
      !cnt(r, ST_DRAM_KEY_LSB_BYTES))
    return;
  fprintf(f, "  DRAM kind  keys (MSB) %s, keys (LSB) %s, values %s, queries %s\n",
          rep_fmt_si(cntd(r, ST_DRAM_KEY_MSB_BYTES), "B", a, sizeof a),
          rep_fmt_si(cntd(r, ST_DRAM_KEY_LSB_BYTES), "B", b, sizeof b),
          rep_fmt_si(cntd(r, ST_DRAM_VALUE_BYTES), "B", c, sizeof c),
          rep_fmt_si(cntd(r, ST_DRAM_QUERY_BYTES), "B", d, sizeof d));
  fprintf(f, "  pruning    %s heads run, %s pruned; %s of %s queries refetched "
          "low bits (%.1f%%)\n",
          rep_fmt_count(cnt(r, ST_HEADS_RUN), a, sizeof a),
          rep_fmt_count(cnt(r, ST_HEADS_PRUNED), b, sizeof b),
          rep_fmt_count(cnt(r, ST_REFETCHES), c, sizeof c),
          rep_fmt_count(cnt(r, ST_REFETCH_CHECKS), d, sizeof d),
          100 * m_refetch_share(r).d);
  fprintf(f, "  top-k      %s selections, %s cycles, %s comparisons, "
          "utilization %.1f%%\n",
          rep_fmt_count(cnt(r, ST_TOPK_RUNS), a, sizeof a),
          rep_fmt_count(cnt(r, ST_TOPK_CYCLES), b, sizeof b),
          rep_fmt_count(cnt(r, ST_TOPK_COMPARISONS), c, sizeof c),
          100 * m_topk_util(r).d);
}

static void text_compute(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48], d[48];
  fprintf(f, "  compute    %s MACs = %s (Q x K %s, P x V %s)\n",
          rep_fmt_count(macs(r), a, sizeof a),
          rep_fmt_si(m_tflops(r).d * 1e12, "FLOP/s", b, sizeof b),
          rep_fmt_count(cnt(r, ST_QK_MACS), c, sizeof c),
          rep_fmt_count(cnt(r, ST_AV_MACS), d, sizeof d));
  if (rep_mech(r)->report_ops_text) rep_mech(r)->report_ops_text(r, f);
  fprintf(f, "  softmax    %s elements, %s queries\n",
          rep_fmt_count(cnt(r, ST_SOFTMAX_ELEMS), a, sizeof a),
          rep_fmt_count(cnt(r, ST_QUERIES), b, sizeof b));
  if (cnt(r, ST_SATURATED))
    fprintf(f, "  saturated  %s elements clipped to the datapath width\n",
            rep_fmt_count(cnt(r, ST_SATURATED), a, sizeof a));
}

static void text_cost(const rep_t *r, FILE *f) {
  char a[48], b[48], c[48], d[48], g[48], h[48];
  double et = e_total(r), at = a_total(r);
  fprintf(f, "  energy     %s:", rep_fmt_si(et * 1e-12, "J", a, sizeof a));
  for (int i = 0; i < NCOSTS; i++)
    fprintf(f, "%s %s %.1f%%", i ? "," : "", costs[i].label,
            pct(costs[i].energy(r), et));
  fputc('\n', f);
  fprintf(f, "  power      chip %s, with DRAM %s; %s, %s of chip energy "
          "(%s with DRAM)\n",
          rep_fmt_si(m_p_chip(r).d * 1e-3, "W", b, sizeof b),
          rep_fmt_si(m_p_total(r).d * 1e-3, "W", c, sizeof c),
          rep_fmt_si(m_gops(r).d * 1e9, "OP/s", d, sizeof d),
          rep_fmt_si(m_gopj_chip(r).d * 1e9, "OP/J", g, sizeof g),
          rep_fmt_si(m_gopj_total(r).d * 1e9, "OP/J", h, sizeof h));
  fprintf(f, "  area       %.3f mm2:", at);
  for (int k = 0; area_ranked(k); k++)
    fprintf(f, "%s %s %.1f%%", k ? "," : "", area_ranked(k)->area_label,
            pct(area_ranked(k)->area(r), at));
  fputc('\n', f);
  if (r->checked)
    fprintf(f, "  check      %s: %s\n", r->check_ok ? "ok" : "FAILED",
            r->check_msg);
  if (r->checked && r->check_pruned) {
    fprintf(f, "  accuracy   output error %.3g relative to dense, %.3g with the "
            "kept probabilities renormalised; %.1f%% of the dense attention "
            "mass kept\n", r->acc_rel_err, r->acc_rel_err_renorm,
            100 * r->acc_mass_kept);
    if (r->wl->source == WL_SYNTHETIC)
      fputs("             tensors are synthetic (tensors.source synthetic): "
            "these figures describe\n             the synthetic generator's "
            "attention, not a model's\n", f);
  }
  if (r->base)
    fprintf(f, "  baseline   %.2fx faster, %.2fx less DRAM read, %.2fx less energy\n",
            ratio((double)r->base->cycles, cntd(r, ST_CYCLES)),
            ratio((double)r->base->dram_read_bytes, cntd(r, ST_DRAM_READ_BYTES)),
            ratio(r->base->energy_pj, e_total(r)));
}

/* One line per module: area, average power (dynamic and leakage) and its
 * leakage alone. */
static void text_modules(const rep_t *r, FILE *f) {
  double t = seconds(r);
  fprintf(f, "\n  %-14s %9s %10s %10s\n", "module", "area mm2", "power mW",
          "leak mW");
#define TEXT_ROW(name, efn, afn, lfn)                                         \
  fprintf(f, "  %-14s %9.3f %10.1f %10.1f\n", #name, ma_##name(r),            \
          ratio(me_##name(r) * 1e-9, t), ml_##name(r));
#define X TEXT_ROW
  MODULE_LIST(X)
#undef X
#undef TEXT_ROW
}

static void text_units(const rep_t *r, FILE *f) {
  double cyc = cntd(r, ST_CYCLES);
  int u, s, w[US_COUNT];
  fprintf(f, "\n  %-14s", "% of cycles");
  for (s = 0; s < US_COUNT; s++) {
    w[s] = (int)strlen(ustate_names[s]);
    if (w[s] < 6) w[s] = 6;
    fprintf(f, " %*s", w[s], ustate_names[s]);
  }
  fputc('\n', f);
  for (u = 0; u < UNIT_COUNT; u++) {
    fprintf(f, "  %-14s", unit_names[u]);
    for (s = 0; s < US_COUNT; s++)
      fprintf(f, " %*.1f%%", w[s] - 1, pct((double)r->st->unit[u][s], cyc));
    fputc('\n', f);
  }
}

#define TEXT_MAX_LAYERS 48 /* list every layer up to this many */

/* "c1 L3" (prefill: case, layer) or "t2 L3" (decode: the layer's third
 * record, i.e. generated token 2). */
static const char *layer_label(const rep_t *r, int i, char *buf, size_t len) {
  const st_layer_t *l = r->st->layers;
  if (r->wl->phase != WL_DECODE)
    snprintf(buf, len, "c%d L%d", l[i].cs, l[i].layer);
  else
    snprintf(buf, len, "t%d L%d", l[i].step, l[i].layer);
  return buf;
}

static void text_layers(const rep_t *r, FILE *f) {
  const stats_t *st = r->st;
  char a[48], b[48], c[48], d[48], g[48];
  uint64_t hi = 0, n, nlo = 0, nhi = 0, sum = 0;
  int i, lo = 0, top = 0, list = st->nlayers <= TEXT_MAX_LAYERS;
  if (st->nlayers == 0) return;
  if (list)
    fprintf(f, "\n  cycles per layer (%s, L = layer)\n",
            r->wl->phase == WL_DECODE ? "t = generated token" : "c = case");
  for (i = 0; i < st->nlayers; i++) {
    n = layer_step(&hi, st->layers[i].end_cycle);
    sum += n;
    if (i == 0 || n < nlo) lo = i, nlo = n;
    if (i == 0 || n > nhi) top = i, nhi = n;
    if (!list) continue;
    fprintf(f, "  %-8s %11s", layer_label(r, i, b, sizeof b),
            rep_fmt_count(n, a, sizeof a));
    if (i % 4 == 3 || i + 1 == st->nlayers) fputc('\n', f);
  }
  if (list) return;
  /* a record is a layer of a case, or in decode a layer at one step */
  fprintf(f, "\n  %d layer records (%s): cycles min %s (%s), mean %s, max "
          "%s (%s)\n", st->nlayers, r->wl->phase == WL_DECODE
          ? "a layer at one generated token" : "a layer of one case",
          rep_fmt_count(nlo, a, sizeof a),
          layer_label(r, lo, d, sizeof d),
          rep_fmt_count((sum + (uint64_t)st->nlayers / 2) / (uint64_t)st->nlayers,
                    b, sizeof b),
          rep_fmt_count(nhi, c, sizeof c), layer_label(r, top, g, sizeof g));
}

void rep_text(const rep_t *r, FILE *f) {
  text_header(r, f);
  text_serve(r, f);
  text_bound(r, f);
  text_dram(r, f);
  text_compute(r, f);
  text_spatten(r, f);
  text_cost(r, f);
  text_modules(r, f);
  text_units(r, f);
  text_layers(r, f);
  if (rep_mech(r)->report_text) rep_mech(r)->report_text(r, f);
}

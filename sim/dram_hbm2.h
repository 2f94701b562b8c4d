/* dram_hbm2.h - a bank-level HBM2 model behind the mem.h port, and the
 * DRAM energy computed from its event counts at report time.
 *
 * Structure (sim/dram_hbm2.c): per channel a transaction queue of
 * dram.queue_depth burst-sized transactions, per bank a command queue of
 * dram.command_queue_depth; ranks (stack IDs) x bank groups x banks; an
 * open-page controller that schedules FR-FCFS (the oldest ready row hit
 * first, then the oldest ready activate or precharge; a row stays open
 * for at most dram.row_hit_limit hits while a miss waits) on a row and a
 * column command bus (dram.dual_command), and refreshes every rank with an
 * all-bank REF every tREFI. Every JEDEC constraint is derived once into a
 * table of delays between commands (same bank, same bank group, same rank,
 * other rank); a bank, bank group and rank each keep "earliest cycle at
 * which command X may issue", and tFAW is a ring of the last four
 * activates per rank.
 *
 * A request of several bursts is split into burst-sized transactions by
 * dram.address_mapping and completes when its last burst has moved. A
 * read completes CL + burst cycles after its RD command, a write CWL +
 * burst cycles after its WR.
 *
 * Time: the port speaks host cycles (the accelerator's clock, or the DRAM
 * clock itself for standalone replay); inside, everything is DRAM clock
 * cycles (nCK, dram.gbps_per_pin / 2 GHz). The model is lazy: push,
 * pop_done and finish first simulate every DRAM cycle before the host
 * cycle they are given, skipping cycles in which no channel can do
 * anything, and next_event names the first host cycle at which a
 * completion or a freed queue slot can appear.
 */
#ifndef ATTN_DRAM_HBM2_H
#define ATTN_DRAM_HBM2_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "mem.h"
#include "stats.h"

/* The model for c (which cfg_load has checked, dram.model hbm2), counting
 * into st. host_ghz: the clock of the cycles the port is given. A request
 * must fit one transaction queue (dram.queue_depth bursts; cfg_load checks
 * that fetch.request_bytes does). NULL when out of memory. */
mem_t *dram_hbm2_new(const cfg_t *c, double host_ghz, stats_t *st);

/* The reference mode, for the whole process: the three shortcuts of
 * dram_hbm2.c (the offer cache, the streaming tick, the run-ahead) are
 * off, so the caller wakes at every cycle the model ticks and each burst
 * is handled alone. Results are byte-identical either way;
 * tests/test_reference.c compares the two (ATTNSIM_REFERENCE=1 sets it
 * in the attnsim binary). */
void dram_hbm2_reference(bool on);

/* The DRAM command clock, GHz: dram.gbps_per_pin / 2 (double data rate). */
double dram_clock_ghz(const cfg_t *c);
/* Cycles of the DRAM clock one burst occupies the data bus. */
int dram_burst_cycles(const cfg_t *c);

/* DRAM energy by part, pJ. IDD-based (the Micron power calculator's
 * method, as DRAMsim3 applies it), with tCK = 1 / dram_clock_ghz ns and
 * BC = dram_burst_cycles:
 *   activate    = activates x VDD (IDD0 tRC - IDD3N tRAS - IDD2N tRP) tCK
 *                 (an ACT and its PRE)
 *   read        = reads  x VDD (IDD4R - IDD3N) BC tCK
 *   write       = writes x VDD (IDD4W - IDD3N) BC tCK
 *   refresh     = refreshes x VDD (IDD5AB - IDD3N) tRFC tCK
 *   act_standby = active_standby_cycles x VDD IDD3N tCK
 *   pre_standby = precharged_standby_cycles x VDD IDD2N tCK
 *   total       = the sum of the six.
 * The standby counters are rank-cycles (a rank with a row open, or with
 * every bank precharged). */
typedef struct dram_energy {
  double activate, read, write, refresh, act_standby, pre_standby, total;
} dram_energy_t;
void dram_energy(const cfg_t *c, const uint64_t counts[ST_COUNT],
                 dram_energy_t *out);

#endif

/* plot.h - attnsim plot DIR: the plots of a sweep folder, as SVG written
 * here (PNG too when rsvg-convert is installed, found on PATH at run time).
 *
 *   DIR/plots/latency-area.svg  latency against area, one marker per
 *       finished point, the latency-area frontier of each workload as a
 *       staircase, the three-way (latency, energy, area) Pareto points
 *       drawn solid with a black ring;
 *   DIR/plots/energy.svg  energy per point stacked by module: every
 *       energy_pj.* part the reports carry (total excluded), read by name;
 *   DIR/plots/roofline.svg  FLOP/s against operational intensity (2 x MACs
 *       per DRAM byte moved), each point on the roofs of its config: the
 *       compute roof (qk + av multipliers) x 2 x clock, the memory roof the
 *       DRAM's peak bandwidth.
 *
 * Each point marker is an element with class "pt" (bars: class "bar"),
 * with a <title> naming the point, so a test can count them.
 */
#ifndef ATTN_SWEEP_PLOT_H
#define ATTN_SWEEP_PLOT_H

#include <stdio.h>

#include "err.h"

/* Write the plots of DIR; names of the files written go to log. */
int plot_dir(const char *dir, FILE *log, err_t *e);

#endif

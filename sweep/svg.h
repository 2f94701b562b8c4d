/* svg.h - just enough SVG for the sweep plots: a document, text, and a
 * chart frame with linear or log axes, ticks and labels.
 *
 * Output is well-formed XML: every text goes through svg_text's escaping,
 * numbers are printed with a fixed precision, and each element is closed
 * where it is opened. Coordinates are pixels from the top left.
 */
#ifndef ATTN_SWEEP_SVG_H
#define ATTN_SWEEP_SVG_H

#include <stdbool.h>
#include <stdio.h>

typedef struct svg_axis {
  double lo, hi;      /* data range shown (log: both > 0) */
  bool log;
  const char *label;
  bool no_ticks;      /* draw no ticks or grid (labelled by the caller) */
} svg_axis_t;

typedef struct svg_chart {
  FILE *f;
  double x, y, w, h;  /* plot area in pixels */
  svg_axis_t ax, ay;
} svg_chart_t;

void svg_begin(FILE *f, int width, int height, const char *title);
void svg_end(FILE *f);
/* Text at (x, y); anchor "start", "middle" or "end"; XML-escaped. */
void svg_text(FILE *f, double x, double y, const char *anchor, int size,
              const char *text);
/* The same with a class attribute (NULL: none), for tests to find. */
void svg_text_class(FILE *f, const char *cls, double x, double y,
                    const char *anchor, int size, const char *text);
/* A generous estimate of text's width in pixels at font size size
 * (0.62 em per character: wider than the average sans-serif glyph), so
 * that text placed by it stays inside the canvas. */
double svg_text_width(const char *text, int size);
/* XML-escaped text with no element around it (titles, tooltips). */
void svg_escape(FILE *f, const char *text);
/* An axis spanning [lo, hi] with some margin and round ends; log when
 * asked and both ends are positive. */
void svg_axis_fit(svg_axis_t *a, double lo, double hi, bool log,
                  const char *label);
double svg_px(const svg_chart_t *c, double x);
double svg_py(const svg_chart_t *c, double y);
/* Box, grid lines, ticks with labels, axis labels. */
void svg_frame(const svg_chart_t *c);
/* The tick values of an axis into t and their labels into lab (at most
 * max); returns how many. One format along an axis: linear axes print
 * every label with the same decimals (those the step needs) and the same
 * SI suffix (k, M, G, ... when the largest tick is 10^4 or more; m, u, ...
 * below 10^-3), "0" for zero: 0 500 1000, 2.5 2.6 ... 3.0, 0 5k 10k;
 * log axes are decades: 0.01 0.1 1 10 100 1k 10k ... 1G 10G 100G 1T. */
int svg_tick_labels(const svg_axis_t *a, double *t, char lab[][16], int max);
/* A colour of a fixed palette (i wraps). */
const char *svg_color(int i);

#endif

/* svg.c - the SVG writer (svg.h). Ticks: decades on log axes, steps of
 * 1, 2 or 5 x 10^k on linear ones, about six per axis. */
#include "svg.h"

#include <math.h>
#include <string.h>

void svg_escape(FILE *f, const char *t) {
  for (; *t; t++) {
    switch (*t) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    default:
      if ((unsigned char)*t >= 0x20 || *t == '\t') fputc(*t, f);
    }
  }
}

void svg_begin(FILE *f, int width, int height, const char *title) {
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
             "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
          width, height, width, height);
  fputs("<title>", f);
  svg_escape(f, title);
  fputs("</title>\n", f);
  fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
          width, height);
  svg_text(f, width / 2.0, 24, "middle", 16, title);
}

void svg_end(FILE *f) { fputs("</svg>\n", f); }

void svg_text_class(FILE *f, const char *cls, double x, double y,
                    const char *anchor, int size, const char *text) {
  fputs("<text ", f);
  if (cls) fprintf(f, "class=\"%s\" ", cls);
  fprintf(f, "x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">",
          x, y, anchor, size);
  svg_escape(f, text);
  fputs("</text>\n", f);
}

void svg_text(FILE *f, double x, double y, const char *anchor, int size,
              const char *text) {
  svg_text_class(f, NULL, x, y, anchor, size, text);
}

double svg_text_width(const char *text, int size) {
  return 0.62 * size * (double)strlen(text);
}

/* A linear step of 1, 2 or 5 x 10^k giving about six ticks over span. */
static double svg_step(double span) {
  double raw = span / 6, mag = pow(10, floor(log10(raw))), r = raw / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

void svg_axis_fit(svg_axis_t *a, double lo, double hi, bool log,
                  const char *label) {
  a->label = label;
  a->no_ticks = false;
  a->log = log && lo > 0 && hi > 0;
  if (!(hi > lo)) { /* one value or none: a range around it */
    double m = lo > 0 ? lo : 1;
    lo = a->log ? m / 2 : lo - m / 2;
    hi = a->log ? m * 2 : hi + m / 2;
  }
  if (a->log) {
    a->lo = pow(10, floor(log10(lo) - 0.05));
    a->hi = pow(10, ceil(log10(hi) + 0.05));
  } else {
    double st = svg_step(hi - lo);
    a->lo = floor(lo / st - 0.25) * st;
    a->hi = ceil(hi / st + 0.25) * st;
    if (lo >= 0 && a->lo < 0) a->lo = 0;
  }
}

/* Position of v on axis a as a fraction 0..1. */
static double svg_frac(const svg_axis_t *a, double v) {
  if (a->log) return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
  return (v - a->lo) / (a->hi - a->lo);
}

double svg_px(const svg_chart_t *c, double x) {
  return c->x + c->w * svg_frac(&c->ax, x);
}

double svg_py(const svg_chart_t *c, double y) {
  return c->y + c->h * (1 - svg_frac(&c->ay, y));
}

/* Tick values of an axis into t (at most max); returns how many. */
static int svg_ticks(const svg_axis_t *a, double *t, int max) {
  int n = 0;
  if (a->log) {
    double step = ceil((log10(a->hi) - log10(a->lo)) / 8);
    for (double e = ceil(log10(a->lo) - 1e-9); e <= log10(a->hi) + 1e-9 && n < max;
         e += step > 1 ? step : 1)
      t[n++] = pow(10, e);
    return n;
  }
  double st = svg_step(a->hi - a->lo);
  for (double v = ceil(a->lo / st - 1e-9) * st; v <= a->hi + st * 1e-9 && n < max;
       v += st)
    t[n++] = fabs(v) < st * 1e-9 ? 0 : v;
  return n;
}

/* The SI suffix of 1000^p, p in -4..5. */
static const char *svg_si(int p) {
  static const char *s[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
  return s[p < -4 ? 0 : p > 5 ? 9 : p + 4];
}

int svg_tick_labels(const svg_axis_t *a, double *t, char lab[][16], int max) {
  int n = svg_ticks(a, t, max);
  double big = 0;
  for (int i = 0; i < n; i++) big = fmax(big, fabs(t[i]));
  if (a->log) { /* powers of ten: 0.01 0.1 1 10 100 1k 10k ... 10T */
    for (int i = 0; i < n; i++) {
      int e = (int)lround(log10(t[i])), p = e >= 15 ? 5 : e >= 3 ? e / 3 : 0;
      if (e < 0 && e >= -3) snprintf(lab[i], 16, "%.*f", -e, t[i]);
      else if (e < 0) snprintf(lab[i], 16, "1e%d", e);
      else snprintf(lab[i], 16, "%.0f%s", t[i] / pow(1000, p), svg_si(p));
    }
    return n;
  }
  /* linear: one scale (a power of 1000 outside 0.001..9999) and as many
   * decimals as the step needs, the same for every label */
  int p = big >= 1e4 || (big > 0 && big < 1e-3) ? (int)floor(log10(big) / 3) : 0;
  double scale = pow(1000, p), st = n > 1 ? (t[1] - t[0]) / scale : 1;
  int dec = st > 0 ? (int)ceil(-log10(st) - 1e-9) : 0;
  if (dec < 0) dec = 0;
  if (n > 1 && fabs(st * pow(10, dec) - lround(st * pow(10, dec))) > 1e-6) dec++; /* 2.5, 0.25 */
  for (int i = 0; i < n; i++)
    if (t[i] == 0) snprintf(lab[i], 16, "0");
    else snprintf(lab[i], 16, "%.*f%s", dec, t[i] / scale, svg_si(p));
  return n;
}

static void svg_xticks(const svg_chart_t *c) {
  double t[32];
  char lab[32][16];
  int n = c->ax.no_ticks ? 0 : svg_tick_labels(&c->ax, t, lab, 32);
  for (int i = 0; i < n; i++) {
    double x = svg_px(c, t[i]);
    fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#ddd\"/>\n", x, c->y, x, c->y + c->h);
    svg_text_class(c->f, "xtick", x, c->y + c->h + 16, "middle", 11, lab[i]);
  }
}

static void svg_yticks(const svg_chart_t *c) {
  double t[32];
  char lab[32][16];
  int n = svg_tick_labels(&c->ay, t, lab, 32);
  for (int i = 0; i < n; i++) {
    double y = svg_py(c, t[i]);
    fprintf(c->f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#ddd\"/>\n", c->x, y, c->x + c->w, y);
    svg_text_class(c->f, "ytick", c->x - 6, y + 4, "end", 11, lab[i]);
  }
}

void svg_frame(const svg_chart_t *c) {
  svg_xticks(c);
  svg_yticks(c);
  fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
          "fill=\"none\" stroke=\"black\"/>\n", c->x, c->y, c->w, c->h);
  if (c->ax.label && *c->ax.label)
    svg_text(c->f, c->x + c->w / 2, c->y + c->h + 38, "middle", 13, c->ax.label);
  fprintf(c->f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
          "font-size=\"13\" transform=\"rotate(-90 %.1f %.1f)\">",
          c->x - 58, c->y + c->h / 2, c->x - 58, c->y + c->h / 2);
  svg_escape(c->f, c->ay.label);
  fputs("</text>\n", c->f);
}

const char *svg_color(int i) {
  static const char *pal[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                              "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                              "#bcbd22", "#17becf"};
  return pal[(i < 0 ? -i : i) % 10];
}

/* plot.c - the three sweep plots (plot.h) from the rows of results.h.
 *
 * Invariant: a chart draws exactly the rows its filter accepts (ok, with
 * the numbers it needs), one "pt" marker or "bar" group each, in index
 * order; nothing else carries those classes.
 */
#define _XOPEN_SOURCE 700 /* mkdir, access, fork */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"
#include "results.h"
#include "svg.h"

#define PLOT_W 900
#define PLOT_H 600

typedef struct plot_ctx {
  const char *dir;
  res_table_t t;
  int *group;      /* per point: colour index of its Pareto group */
  int ngroups;
  FILE *log;
  err_t *e;
} plot_ctx_t;

/* ---- common pieces ------------------------------------------------------- */

/* Legend: entries drawn in a framed box in the right margin, inside the
 * canvas; an entry with a colour has a square before its label, one with
 * colour -1 is a note. The chart is narrowed to leave room for it. */
#define LEG_MAX 24
#define LEG_FONT 11
typedef struct plot_legend {
  int n;
  char label[LEG_MAX][96];
  int color[LEG_MAX];
} plot_legend_t;

static void plot_leg_add(plot_legend_t *l, int color, const char *label) {
  if (l->n == LEG_MAX) return;
  snprintf(l->label[l->n], sizeof l->label[0], "%.95s", label);
  l->color[l->n++] = color;
}

/* Width of the legend box in pixels. */
static double plot_leg_width(const plot_legend_t *l) {
  double w = 0;
  for (int i = 0; i < l->n; i++)
    w = fmax(w, svg_text_width(l->label[i], LEG_FONT) + (l->color[i] >= 0 ? 14 : 0));
  return w + 16;
}

/* The legend box with its right edge 10 px inside the canvas, top at y. */
static void plot_leg_draw(FILE *f, const plot_legend_t *l, double y) {
  double w = plot_leg_width(l), x = PLOT_W - 10 - w;
  if (!l->n) return;
  fprintf(f, "<g class=\"legend\">\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
          "height=\"%d\" fill=\"white\" stroke=\"#999\"/>\n", x, y, w, 16 * l->n + 8);
  for (int i = 0; i < l->n; i++) {
    double ty = y + 18 + 16 * i, tx = x + 8;
    if (l->color[i] >= 0) {
      fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
              "fill=\"%s\"/>\n", tx, ty - 9, svg_color(l->color[i]));
      tx += 14;
    }
    svg_text(f, tx, ty, "start", LEG_FONT, l->label[i]);
  }
  fputs("</g>\n", f);
}

/* A plot area from the left margin to the legend box (at least 360
 * pixels), room left for tick labels and below for the x label; axes
 * unset. */
static svg_chart_t plot_chart(FILE *f, const plot_legend_t *l) {
  svg_chart_t c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.x = 90, c.y = 50, c.h = PLOT_H - 120;
  c.w = fmax(360, PLOT_W - c.x - 30 - plot_leg_width(l));
  return c;
}

/* Colour index per group, in order of first appearance. */
static int plot_groups(plot_ctx_t *x) {
  if (!(x->group = calloc((size_t)x->t.npoints + 1, sizeof *x->group)))
    return err_set(x->e, ERR_RUN, "out of memory");
  for (int i = 0; i < x->t.npoints; i++) {
    int j = 0;
    while (j < i && strcmp(x->t.points[j].group, x->t.points[i].group)) j++;
    x->group[i] = j < i ? x->group[j] : x->ngroups++;
  }
  return 0;
}

/* <title> of point i: index, parameters, figures. */
static void plot_title(const plot_ctx_t *x, FILE *f, int i) {
  const res_row_t *r = &x->t.rows[i];
  char num[64];
  fprintf(f, "<title>point %d (%s)", i, x->t.points[i].workload);
  for (int k = 0; k < x->t.nparams; k++) {
    fputs(k ? ", " : ": ", f);
    svg_escape(f, x->t.param_names[k]);
    fputc('=', f);
    svg_escape(f, x->t.points[i].params[k]);
  }
  snprintf(num, sizeof num, "; %.4g us, %.4g uJ", r->v[RV_SECONDS] * 1e6,
           r->v[RV_ENERGY] * 1e-6);
  fputs(num, f);
  if (r->has[RV_AREA]) fprintf(f, ", %.4g mm2", r->v[RV_AREA]);
  fprintf(f, "%s</title>", r->pareto == 1 ? ", Pareto" : "");
}

/* The workloads' entries: one per Pareto group, its colour. */
static void plot_group_legend(const plot_ctx_t *x, plot_legend_t *l) {
  for (int g = 0; g < x->ngroups && g < 10; g++)
    for (int i = 0; i < x->t.npoints; i++) {
      char lab[96];
      if (x->group[i] != g) continue;
      snprintf(lab, sizeof lab, "%s (workload %d)", x->t.points[i].workload, g);
      plot_leg_add(l, g, lab);
      break;
    }
}

/* Write one SVG through fn, temp+rename; PNG beside it when possible. */
typedef void (*plot_fn)(const plot_ctx_t *x, FILE *f, int *count);

static const char *plot_rsvg(void) {
  static char found[4096];
  const char *path = getenv("PATH");
  for (const char *p = path ? path : ""; *p;) {
    size_t n = strcspn(p, ":");
    if (n && n + 14 < sizeof found) {
      snprintf(found, sizeof found, "%.*s/rsvg-convert", (int)n, p);
      if (access(found, X_OK) == 0) return found;
    }
    p += n + (p[n] == ':');
  }
  return NULL;
}

/* rsvg-convert svg into png (temp+rename); false when it failed. */
static bool plot_png(const char *svg, const char *png) {
  const char *rsvg = plot_rsvg();
  char tmp[4300];
  pid_t pid;
  int st;
  if (!rsvg) return false;
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", png, (int)getpid());
  if ((pid = fork()) == 0) {
    execl(rsvg, "rsvg-convert", "-o", tmp, svg, (char *)NULL);
    _exit(127);
  }
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
      WEXITSTATUS(st) != 0 || rename(tmp, png) != 0) {
    unlink(tmp);
    return false;
  }
  return true;
}

static int plot_write(const plot_ctx_t *x, const char *name, plot_fn fn) {
  char path[4200], png[4200];
  outfile_t o;
  int count = 0;
  bool png_ok;
  snprintf(path, sizeof path, "%s/plots/%s.svg", x->dir, name);
  if (of_open(&o, path, x->e)) return x->e->status;
  fn(x, o.f, &count);
  if (of_commit(&o, x->e)) return x->e->status;
  snprintf(png, sizeof png, "%s/plots/%s.png", x->dir, name);
  png_ok = plot_png(path, png);
  if (x->log)
    fprintf(x->log, "plot: %s (%d points)%s\n", path, count,
            png_ok ? ", and .png" : "");
  return 0;
}

/* ---- latency versus area ------------------------------------------------- */

static bool plot_la_ok(const res_row_t *r) {
  return r->state == RES_OK && r->has[RV_SECONDS] && r->has[RV_AREA] &&
         r->v[RV_SECONDS] > 0 && r->v[RV_AREA] > 0;
}

/* The latency-area staircase of group g: by area, each point faster than
 * every smaller one. */
static void plot_la_frontier(const plot_ctx_t *x, const svg_chart_t *c, int g) {
  double best = INFINITY;
  bool first = true;
  int n = x->t.npoints;
  char *used = calloc((size_t)n + 1, 1);
  if (!used) return;
  fprintf(c->f, "<path class=\"frontier\" fill=\"none\" stroke=\"%s\" "
          "stroke-width=\"1.5\" d=\"", svg_color(g));
  for (;;) { /* the next smallest area not yet taken */
    int k = -1;
    for (int i = 0; i < n; i++)
      if (!used[i] && x->group[i] == g && plot_la_ok(&x->t.rows[i]) &&
          (k < 0 || x->t.rows[i].v[RV_AREA] < x->t.rows[k].v[RV_AREA] ||
           (x->t.rows[i].v[RV_AREA] == x->t.rows[k].v[RV_AREA] &&
            x->t.rows[i].v[RV_SECONDS] < x->t.rows[k].v[RV_SECONDS])))
        k = i;
    if (k < 0) break;
    used[k] = 1;
    if (x->t.rows[k].v[RV_SECONDS] >= best) continue;
    best = x->t.rows[k].v[RV_SECONDS];
    double px = svg_px(c, x->t.rows[k].v[RV_AREA]), py = svg_py(c, best * 1e6);
    if (first) fprintf(c->f, "M%.1f %.1f", px, py);
    else fprintf(c->f, " H%.1f V%.1f", px, py);
    first = false;
  }
  fputs("\"/>\n", c->f);
  free(used);
}

static void plot_la(const plot_ctx_t *x, FILE *f, int *count) {
  double alo = INFINITY, ahi = -INFINITY, llo = INFINITY, lhi = -INFINITY;
  plot_legend_t l = {0};
  svg_chart_t c;
  plot_group_legend(x, &l);
  plot_leg_add(&l, -1, "ringed: Pareto (latency, energy, area)");
  plot_leg_add(&l, -1, "line: latency-area frontier");
  c = plot_chart(f, &l);
  for (int i = 0; i < x->t.npoints; i++) {
    const res_row_t *r = &x->t.rows[i];
    if (!plot_la_ok(r)) continue;
    alo = fmin(alo, r->v[RV_AREA]), ahi = fmax(ahi, r->v[RV_AREA]);
    llo = fmin(llo, r->v[RV_SECONDS] * 1e6), lhi = fmax(lhi, r->v[RV_SECONDS] * 1e6);
  }
  if (alo > ahi) alo = ahi = 1, llo = lhi = 1;
  svg_axis_fit(&c.ax, alo, ahi, ahi / alo > 20, "area (mm2)");
  svg_axis_fit(&c.ay, llo, lhi, lhi / llo > 20, "latency (us)");
  svg_begin(f, PLOT_W, PLOT_H, "latency vs area");
  svg_frame(&c);
  for (int g = 0; g < x->ngroups; g++) plot_la_frontier(x, &c, g);
  for (int i = 0; i < x->t.npoints; i++) {
    const res_row_t *r = &x->t.rows[i];
    bool p = r->pareto == 1;
    if (!plot_la_ok(r)) continue;
    fprintf(f, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" "
            "fill=\"%s\" fill-opacity=\"%s\" stroke=\"%s\">",
            svg_px(&c, r->v[RV_AREA]), svg_py(&c, r->v[RV_SECONDS] * 1e6),
            p ? 5 : 4, svg_color(x->group[i]), p ? "1" : "0.35",
            p ? "black" : "none");
    plot_title(x, f, i);
    fputs("</circle>\n", f);
    ++*count;
  }
  plot_leg_draw(f, &l, c.y);
  if (!*count) svg_text(f, c.x + c.w / 2, c.y + c.h / 2, "middle", 14,
                        "no finished point reports latency and area");
  svg_end(f);
}

/* ---- energy by module ---------------------------------------------------- */

static bool plot_en_ok(const res_row_t *r) {
  return r->state == RES_OK && r->nenergy > 0;
}

/* Part names over the plotted rows, first seen first (at most 16). */
static int plot_en_names(const plot_ctx_t *x, char names[16][48]) {
  int n = 0;
  for (int i = 0; i < x->t.npoints; i++)
    for (int k = 0; plot_en_ok(&x->t.rows[i]) && k < x->t.rows[i].nenergy; k++) {
      int j = 0;
      while (j < n && strcmp(names[j], x->t.rows[i].ename[k])) j++;
      if (j == n && n < 16) snprintf(names[n++], 48, "%s", x->t.rows[i].ename[k]);
    }
  return n;
}

static double plot_en_sum(const res_row_t *r) {
  double s = 0;
  for (int k = 0; k < r->nenergy; k++) s += r->evalue[k] > 0 ? r->evalue[k] : 0;
  return s;
}

/* One stacked bar: parts in legend order, bottom up. */
static void plot_en_bar(const plot_ctx_t *x, const svg_chart_t *c, int i,
                        double bx, double bw, char names[16][48], int nn) {
  const res_row_t *r = &x->t.rows[i];
  double base = 0;
  fputs("<g class=\"bar\">", c->f);
  plot_title(x, c->f, i);
  fputc('\n', c->f);
  for (int k = 0; k < nn; k++)
    for (int j = 0; j < r->nenergy; j++) {
      double v = r->evalue[j] * 1e-6;
      if (strcmp(r->ename[j], names[k]) || !(v > 0)) continue;
      fprintf(c->f, "<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" "
              "height=\"%.2f\" fill=\"%s\"/>\n", bx, svg_py(c, base + v), bw,
              svg_py(c, base) - svg_py(c, base + v), svg_color(k));
      base += v;
    }
  fputs("</g>\n", c->f);
}

/* Do the points run more than one workload? */
static bool plot_multi_workload(const plot_ctx_t *x) {
  for (int i = 1; i < x->t.npoints; i++)
    if (strcmp(x->t.points[i].workload, x->t.points[0].workload)) return true;
  return false;
}

/* The labels under the bars: one row per varied key, a row "workload"
 * first when the points run more than one, the point's index when
 * neither. */
static int plot_en_rows(const plot_ctx_t *x) {
  int rows = x->t.nparams + plot_multi_workload(x);
  return rows ? rows : 1;
}

/* Row r's name into name, point i's value in it into val (buf holds an
 * index). */
static void plot_en_cell(const plot_ctx_t *x, int r, int i, const char **name,
                         const char **val, char *buf, size_t len) {
  bool multi = plot_multi_workload(x);
  if (multi && r == 0) {
    *name = "workload", *val = x->t.points[i].workload;
  } else if (x->t.nparams) {
    *name = x->t.param_names[r - multi], *val = x->t.points[i].params[r - multi];
  } else {
    snprintf(buf, len, "%d", i);
    *name = "point", *val = buf;
  }
}

static void plot_en(const plot_ctx_t *x, FILE *f, int *count) {
  char names[16][48], buf[32];
  plot_legend_t l = {0};
  svg_chart_t c;
  const char *rn, *rv;
  double hi = 0, bw, namew = 0, valw = 0;
  int n = 0, nn = plot_en_names(x, names), b = 0, every, rows = plot_en_rows(x);
  for (int k = 0; k < nn; k++) plot_leg_add(&l, k, names[k]);
  for (int i = 0; i < x->t.npoints; i++) {
    if (!plot_en_ok(&x->t.rows[i])) continue;
    n++, hi = fmax(hi, plot_en_sum(&x->t.rows[i]) * 1e-6);
    for (int r = 0; r < rows; r++) {
      plot_en_cell(x, r, i, &rn, &rv, buf, sizeof buf);
      namew = fmax(namew, svg_text_width(rn, 10));
      valw = fmax(valw, svg_text_width(rv, 10));
    }
  }
  c = plot_chart(f, &l);
  /* room on the left for the row names, below for the rows */
  c.x = fmax(c.x, namew + 16), c.w = fmax(300, PLOT_W - c.x - 30 - plot_leg_width(&l));
  c.h -= 14 * (rows - 1);
  c.ax = (svg_axis_t){0, n ? n : 1, false, "", true}; /* labelled by the rows */
  svg_axis_fit(&c.ay, 0, hi > 0 ? hi : 1, false, "energy (uJ)");
  svg_begin(f, PLOT_W, PLOT_H, "energy by module");
  svg_frame(&c);
  bw = c.w / (n ? n : 1);
  every = (int)ceil((valw + 4) / bw);
  for (int i = 0; i < x->t.npoints; i++) {
    if (!plot_en_ok(&x->t.rows[i])) continue;
    plot_en_bar(x, &c, i, c.x + b * bw + bw * 0.1, bw * 0.8, names, nn);
    for (int r = 0; r < rows && b % every == 0; r++) {
      plot_en_cell(x, r, i, &rn, &rv, buf, sizeof buf);
      svg_text_class(f, "xval", c.x + (b + 0.5) * bw, c.y + c.h + 16 + 14 * r,
                     "middle", 10, rv);
    }
    b++, ++*count;
  }
  for (int r = 0; r < rows && n; r++) {
    plot_en_cell(x, r, 0, &rn, &rv, buf, sizeof buf);
    svg_text_class(f, "xkey", c.x - 6, c.y + c.h + 16 + 14 * r, "end", 10, rn);
  }
  plot_leg_draw(f, &l, c.y);
  svg_end(f);
}

/* ---- roofline ------------------------------------------------------------ */

static bool plot_rf_ok(const res_row_t *r) {
  return r->state == RES_OK && r->has[RV_MACS] && r->has[RV_MOVED] &&
         r->has[RV_SECONDS] && r->has[RV_PEAK_GBPS] && r->has[RV_CLOCK] &&
         r->has[RV_QK_MULT] && r->has[RV_AV_MULT] && r->v[RV_MACS] > 0 &&
         r->v[RV_MOVED] > 0 && r->v[RV_SECONDS] > 0 && r->v[RV_PEAK_GBPS] > 0;
}

static double plot_oi(const res_row_t *r) { return 2 * r->v[RV_MACS] / r->v[RV_MOVED]; }
static double plot_perf(const res_row_t *r) { return 2 * r->v[RV_MACS] / r->v[RV_SECONDS]; }
static double plot_peak(const res_row_t *r) {
  return (r->v[RV_QK_MULT] + r->v[RV_AV_MULT]) * 2 * r->v[RV_CLOCK] * 1e9;
}
static double plot_bw(const res_row_t *r) { return r->v[RV_PEAK_GBPS] * 1e9; }

/* The roofs are drawn as their two halves: one horizontal compute roof
 * per distinct peak, from the leftmost ridge of the configs that have it
 * to the right edge, and one slanted memory roof per distinct bandwidth,
 * from the left (or bottom) edge to the rightmost ridge of its configs.
 * Each point's roof is the lower of its two; each half is labelled with
 * its figure and the varied keys' values that all its configs share. */
typedef double (*plot_rf_fig)(const res_row_t *r);

/* Is row i the first plotted row with its fig? */
static bool plot_rf_first(const plot_ctx_t *x, int i, plot_rf_fig fig) {
  for (int j = 0; j < i; j++)
    if (plot_rf_ok(&x->t.rows[j]) && fig(&x->t.rows[j]) == fig(&x->t.rows[i]))
      return false;
  return true;
}

/* "2.05 TFLOP/s": 3 significant digits and an SI prefix. */
static void plot_si(double v, const char *unit, char *buf, size_t len) {
  static const char *pre[] = {"", "k", "M", "G", "T", "P", "E"};
  int p = 0;
  while (p < 6 && fabs(v) >= 999.5) v /= 1000, p++;
  snprintf(buf, len, "%.3g %s%s", v, pre[p], unit);
}

/* The label of row i's roof half fig: the figure, then each varied key
 * whose value every plotted row with the same figure shares. */
static void plot_rf_label(const plot_ctx_t *x, int i, plot_rf_fig fig,
                          const char *unit, char *buf, size_t len) {
  size_t n;
  plot_si(fig(&x->t.rows[i]), unit, buf, len);
  for (int k = 0, first = 1; k < x->t.nparams; k++) {
    bool same = true;
    for (int j = 0; j < x->t.npoints && same; j++)
      same = !plot_rf_ok(&x->t.rows[j]) || fig(&x->t.rows[j]) != fig(&x->t.rows[i]) ||
             !strcmp(x->t.points[j].params[k], x->t.points[i].params[k]);
    if (!same) continue;
    n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s=%s", first ? ": " : ", ", x->t.param_names[k],
             x->t.points[i].params[k]);
    first = 0;
  }
}

/* The compute roof of row i's peak, labelled above its right end. */
static void plot_rf_compute(const plot_ctx_t *x, const svg_chart_t *c, int i) {
  double peak = plot_peak(&x->t.rows[i]), ridge = INFINITY, y = svg_py(c, peak);
  char lab[512];
  for (int j = 0; j < x->t.npoints; j++)
    if (plot_rf_ok(&x->t.rows[j]) && plot_peak(&x->t.rows[j]) == peak)
      ridge = fmin(ridge, peak / plot_bw(&x->t.rows[j]));
  fprintf(c->f, "<polyline class=\"roof\" fill=\"none\" stroke=\"#888\" "
          "stroke-width=\"1\" points=\"%.1f,%.1f %.1f,%.1f\"/>\n",
          svg_px(c, fmax(ridge, c->ax.lo)), y, c->x + c->w, y);
  plot_rf_label(x, i, plot_peak, "FLOP/s", lab, sizeof lab);
  svg_text_class(c->f, "rooflabel", c->x + c->w - 4, y - 4, "end", 10, lab);
}

/* The memory roof of row i's bandwidth, labelled along it near its
 * lower end. */
static void plot_rf_memory(const plot_ctx_t *x, const svg_chart_t *c, int i) {
  double bw = plot_bw(&x->t.rows[i]), ridge = 0, x0, x1, px0, py0, px1, py1, ang;
  char lab[512];
  for (int j = 0; j < x->t.npoints; j++)
    if (plot_rf_ok(&x->t.rows[j]) && plot_bw(&x->t.rows[j]) == bw)
      ridge = fmax(ridge, plot_peak(&x->t.rows[j]) / bw);
  x0 = fmax(c->ax.lo, c->ay.lo / bw), x1 = fmin(ridge, c->ax.hi);
  if (x1 <= x0) return;
  px0 = svg_px(c, x0), py0 = svg_py(c, bw * x0);
  px1 = svg_px(c, x1), py1 = svg_py(c, bw * x1);
  fprintf(c->f, "<polyline class=\"roof\" fill=\"none\" stroke=\"#888\" "
          "stroke-width=\"1\" points=\"%.1f,%.1f %.1f,%.1f\"/>\n", px0, py0, px1, py1);
  plot_rf_label(x, i, plot_bw, "B/s", lab, sizeof lab);
  ang = atan2(py1 - py0, px1 - px0) * 180 / M_PI;
  px0 += 10 * cos(ang * M_PI / 180), py0 += 10 * sin(ang * M_PI / 180) - 4;
  fprintf(c->f, "<text class=\"rooflabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\" "
          "font-size=\"10\" transform=\"rotate(%.1f %.1f %.1f)\">", px0, py0, ang, px0, py0);
  svg_escape(c->f, lab);
  fputs("</text>\n", c->f);
}

/* Data ranges: intensities and ridges; performance and peaks. */
static void plot_rf_range(const plot_ctx_t *x, svg_chart_t *c) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (int i = 0; i < x->t.npoints; i++) {
    const res_row_t *r = &x->t.rows[i];
    if (!plot_rf_ok(r)) continue;
    xlo = fmin(xlo, fmin(plot_oi(r), plot_peak(r) / plot_bw(r)));
    xhi = fmax(xhi, fmax(plot_oi(r), plot_peak(r) / plot_bw(r)));
    ylo = fmin(ylo, plot_perf(r));
    yhi = fmax(yhi, plot_peak(r));
  }
  if (xlo > xhi) xlo = xhi = 1, ylo = yhi = 1e12;
  svg_axis_fit(&c->ax, xlo / 4, xhi * 4, true, "operational intensity (FLOP per DRAM byte)");
  svg_axis_fit(&c->ay, ylo / 4, yhi * 2, true, "performance (FLOP/s)");
}

static void plot_rf(const plot_ctx_t *x, FILE *f, int *count) {
  plot_legend_t l = {0};
  svg_chart_t c;
  plot_group_legend(x, &l);
  plot_leg_add(&l, -1, "grey, flat: compute peak,");
  plot_leg_add(&l, -1, "  (qk + av multipliers) x 2 x clock");
  plot_leg_add(&l, -1, "grey, slanted: DRAM peak bandwidth");
  plot_leg_add(&l, -1, "a point's roof: the lower of its two");
  c = plot_chart(f, &l);
  plot_rf_range(x, &c);
  svg_begin(f, PLOT_W, PLOT_H, "roofline");
  svg_frame(&c);
  for (int i = 0; i < x->t.npoints; i++) {
    if (!plot_rf_ok(&x->t.rows[i])) continue;
    if (plot_rf_first(x, i, plot_peak)) plot_rf_compute(x, &c, i);
    if (plot_rf_first(x, i, plot_bw)) plot_rf_memory(x, &c, i);
  }
  for (int i = 0; i < x->t.npoints; i++) {
    const res_row_t *r = &x->t.rows[i];
    if (!plot_rf_ok(r)) continue;
    fprintf(f, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" "
            "fill-opacity=\"0.6\">", svg_px(&c, plot_oi(r)), svg_py(&c, plot_perf(r)),
            svg_color(x->group[i]));
    plot_title(x, f, i);
    fputs("</circle>\n", f);
    ++*count;
  }
  plot_leg_draw(f, &l, c.y);
  svg_end(f);
}

/* Points not plotted because they are not finished or failed: a warning
 * on stderr naming how many, so a half-done sweep is not read as done. */
static void plot_warn_unfinished(const plot_ctx_t *x) {
  int ok, failed, missing;
  res_counts(&x->t, &ok, &failed, &missing);
  if (failed || missing)
    fprintf(stderr, "plot: warning: %s: %d of %d points not plotted: %d not "
            "finished, %d failed\n", x->dir, failed + missing, x->t.npoints,
            missing, failed);
}

/* ---- entry --------------------------------------------------------------- */

int plot_dir(const char *dir, FILE *log, err_t *e) {
  plot_ctx_t x;
  char path[4200];
  int rc;
  memset(&x, 0, sizeof x);
  x.dir = dir;
  x.log = log;
  x.e = e;
  if (res_load(dir, &x.t, e)) return e->status;
  res_pareto(&x.t);
  plot_warn_unfinished(&x);
  snprintf(path, sizeof path, "%s/plots", dir);
  if (mkdir(path, 0777) && errno != EEXIST)
    rc = err_set(e, ERR_RUN, "%s: cannot create: %s", path, strerror(errno));
  else
    rc = plot_groups(&x) || plot_write(&x, "latency-area", plot_la) ||
         plot_write(&x, "energy", plot_en) || plot_write(&x, "roofline", plot_rf)
             ? e->status : 0;
  free(x.group);
  res_free(&x.t);
  return rc;
}

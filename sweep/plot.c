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

/* A plot area w pixels wide, room left for tick labels and below for the
 * x label; axes unset. */
static svg_chart_t plot_chart(FILE *f, double w) {
  svg_chart_t c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.x = 90, c.y = 50, c.w = w, c.h = PLOT_H - 120;
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

/* Legend: one coloured square and label per entry, top right. */
static void plot_legend(FILE *f, double x, double y, const char *label,
                        int color) {
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
          "fill=\"%s\"/>\n", x, y - 9, svg_color(color));
  svg_text(f, x + 14, y, "start", 11, label);
}

static void plot_group_legend(const plot_ctx_t *x, FILE *f, double lx) {
  for (int g = 0, shown = 0; g < x->ngroups && shown < 10; g++)
    for (int i = 0; i < x->t.npoints; i++) {
      char lab[96];
      if (x->group[i] != g) continue;
      snprintf(lab, sizeof lab, "%s (workload %d)", x->t.points[i].workload, g);
      plot_legend(f, lx, 50 + 16 * shown++, lab, g);
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
  svg_chart_t c = plot_chart(f, PLOT_W - 330);
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
  plot_group_legend(x, f, PLOT_W - 225);
  svg_text(f, PLOT_W - 225, PLOT_H - 60, "start", 11,
           "ringed: Pareto (latency, energy, area)");
  svg_text(f, PLOT_W - 225, PLOT_H - 44, "start", 11,
           "line: latency-area frontier");
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

static void plot_en(const plot_ctx_t *x, FILE *f, int *count) {
  char names[16][48], lab[32];
  svg_chart_t c = plot_chart(f, PLOT_W - 260);
  double hi = 0, bw;
  int n = 0, nn = plot_en_names(x, names), b = 0, every;
  for (int i = 0; i < x->t.npoints; i++)
    if (plot_en_ok(&x->t.rows[i])) n++, hi = fmax(hi, plot_en_sum(&x->t.rows[i]) * 1e-6);
  c.ax = (svg_axis_t){0, n ? n : 1, false, "point (index)", false};
  svg_axis_fit(&c.ay, 0, hi > 0 ? hi : 1, false, "energy (uJ)");
  c.ax.no_ticks = true; /* bars are labelled with their point index */
  svg_begin(f, PLOT_W, PLOT_H, "energy by module");
  svg_frame(&c);
  bw = c.w / (n ? n : 1);
  every = n > 24 ? (n + 23) / 24 : 1;
  for (int i = 0; i < x->t.npoints; i++) {
    if (!plot_en_ok(&x->t.rows[i])) continue;
    plot_en_bar(x, &c, i, c.x + b * bw + bw * 0.1, bw * 0.8, names, nn);
    if (b % every == 0) {
      snprintf(lab, sizeof lab, "%d", i);
      svg_text(f, c.x + (b + 0.5) * bw, c.y + c.h + 16, "middle", 10, lab);
    }
    b++, ++*count;
  }
  for (int k = 0; k < nn; k++) plot_legend(f, PLOT_W - 155, 50 + 16 * k, names[k], k);
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

/* Is row i's roof the first of its kind (no earlier row has the same)? */
static bool plot_rf_first(const plot_ctx_t *x, int i) {
  const res_row_t *r = &x->t.rows[i];
  for (int j = 0; j < i; j++)
    if (plot_rf_ok(&x->t.rows[j]) && plot_peak(&x->t.rows[j]) == plot_peak(r) &&
        plot_bw(&x->t.rows[j]) == plot_bw(r))
      return false;
  return true;
}

static void plot_rf_roof(const svg_chart_t *c, double peak, double bw) {
  double ridge = peak / bw, x0 = fmax(c->ax.lo, c->ay.lo / bw);
  fprintf(c->f, "<polyline class=\"roof\" fill=\"none\" stroke=\"#888\" "
          "stroke-width=\"1\" points=\"");
  if (ridge > c->ax.lo)
    fprintf(c->f, "%.1f,%.1f %.1f,%.1f ", svg_px(c, x0), svg_py(c, bw * x0),
            svg_px(c, fmin(ridge, c->ax.hi)), svg_py(c, bw * fmin(ridge, c->ax.hi)));
  if (ridge < c->ax.hi)
    fprintf(c->f, "%.1f,%.1f %.1f,%.1f", svg_px(c, fmax(ridge, c->ax.lo)),
            svg_py(c, peak), svg_px(c, c->ax.hi), svg_py(c, peak));
  fputs("\"/>\n", c->f);
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
  svg_chart_t c = plot_chart(f, PLOT_W - 330);
  int roofs = 0;
  char lab[96];
  plot_rf_range(x, &c);
  svg_begin(f, PLOT_W, PLOT_H, "roofline");
  svg_frame(&c);
  for (int i = 0; i < x->t.npoints; i++)
    if (plot_rf_ok(&x->t.rows[i]) && plot_rf_first(x, i))
      plot_rf_roof(&c, plot_peak(&x->t.rows[i]), plot_bw(&x->t.rows[i])), roofs++;
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
  plot_group_legend(x, f, PLOT_W - 225);
  snprintf(lab, sizeof lab, "grey: %d roof%s (compute:", roofs, roofs == 1 ? "" : "s");
  svg_text(f, PLOT_W - 225, PLOT_H - 76, "start", 11, lab);
  svg_text(f, PLOT_W - 225, PLOT_H - 60, "start", 11,
           "(qk + av multipliers) x 2 x clock;");
  svg_text(f, PLOT_W - 225, PLOT_H - 44, "start", 11, "memory: DRAM peak bandwidth)");
  svg_end(f);
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

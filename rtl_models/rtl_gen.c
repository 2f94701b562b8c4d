/* rtl_gen - the RTL's parameters and tables, derived from a hardware config
 * by the same C code the simulator uses, so RTL and model cannot drift.
 *
 * usage: rtl_gen CONFIG HEAD_DIM OUTDIR
 * writes OUTDIR/exp_lut.hex (fx_init's 2^(-f/2^F) table in Q0.16, one hex
 * entry per line, for $readmemh) and one Verilator option file per block,
 * OUTDIR/<block>.vc, holding its -G parameters. Exit 2 on bad input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"
#include "fixed.h"

#define TOPK_SCORE_BITS 32 /* TIMP/HIMP/probability keys the tests drive */

static int ceil_log2(int x) {
  int n = 0;
  while ((1 << n) < x) n++;
  return n;
}

/* Output files are built in memory and written only when their content
 * changes, so a rebuilt rtl_gen (any change to the C library) does not
 * make every RTL model re-verilate. */
typedef struct gen_file {
  char path[4096];
  char *buf;
  size_t len;
  FILE *f;
} gen_file_t;

static void die(const char *what);

static FILE *open_out(gen_file_t *g, const char *dir, const char *name) {
  snprintf(g->path, sizeof g->path, "%s/%s", dir, name);
  if (!(g->f = open_memstream(&g->buf, &g->len))) die("out of memory");
  return g->f;
}

static int same_content(const gen_file_t *g) {
  FILE *f = fopen(g->path, "rb");
  size_t i;
  int c, same = 1;
  if (!f) return 0;
  for (i = 0; same && i < g->len; i++) same = fgetc(f) == (unsigned char)g->buf[i];
  c = fgetc(f);
  fclose(f);
  return same && c == EOF;
}

static void close_out(gen_file_t *g) {
  FILE *f;
  if (fclose(g->f)) die("out of memory");
  if (!same_content(g)) {
    if (!(f = fopen(g->path, "wb")) || fwrite(g->buf, 1, g->len, f) != g->len || fclose(f)) {
      fprintf(stderr, "rtl_gen: cannot write %s\n", g->path);
      exit(2);
    }
  }
  free(g->buf);
}

static void die(const char *what) {
  fprintf(stderr, "rtl_gen: %s\n", what);
  exit(2);
}

int main(int argc, char **argv) {
  cfg_t c;
  err_t e;
  fx_t fx;
  FILE *f;
  gen_file_t g;
  char lut[4096];
  int d, maxn, f_n;
  if (argc != 4) die("usage: rtl_gen CONFIG HEAD_DIM OUTDIR");
  err_clear(&e);
  if (cfg_load(argv[1], &c, &e)) {
    fprintf(stderr, "rtl_gen: %s\n", e.msg);
    return 2;
  }
  d = atoi(argv[2]);
  if (d < 1 || d > 1024) die("HEAD_DIM must be 1..1024");
  if (c.topk_parallelism < 1) die("the config has no top-k engine (topk.parallelism 0)");
  if (c.softmax_max_latency < 2 || c.softmax_exp_latency < 3)
    die("the softmax RTL needs softmax.max_latency >= 2 and exp_latency >= 3");
  if (c.frac_bits < 1 || c.prob_bits > 16) die("the RTL needs frac_bits >= 1, prob_bits <= 16");
  fx_init(&fx, c.width, c.frac_bits, c.prob_bits, d);
  maxn = c.score_buffer_entries; /* the longest row a SMAX or TOPK reads */

  f = open_out(&g, argv[3], "exp_lut.hex");
  for (f_n = 0; f_n < 1 << c.frac_bits; f_n++) fprintf(f, "%05x\n", (unsigned)fx.lut[f_n]);
  close_out(&g);
  snprintf(lut, sizeof lut, "%s/exp_lut.hex", argv[3]);

  f = open_out(&g, argv[3], "topk.vc");
  fprintf(f, "-GP=%d\n-GMAXN=%d\n-GSW=%d\n", c.topk_parallelism, maxn, TOPK_SCORE_BITS);
  close_out(&g);
  f = open_out(&g, argv[3], "zero_elim.vc"); /* as the top-k engine instantiates it */
  fprintf(f, "-GN=%d\n-GDW=%d\n-GREG=1\n", c.topk_parallelism, ceil_log2(maxn));
  close_out(&g);
  f = open_out(&g, argv[3], "qk.vc");
  fprintf(f, "-GW=%d\n-GD=%d\n-GM=%d\n-GMULT_LAT=%d\n-GADD_LAT=%d\n", c.width, d,
          c.qk_multipliers, c.mult_latency, c.adder_latency);
  close_out(&g);
  f = open_out(&g, argv[3], "softmax.vc");
  fprintf(f,
          "-GW=%d\n-GF=%d\n-GPB=%d\n-GD=%d\n-GU=%d\n-GMAXLEN=%d\n-GMAX_LAT=%d\n"
          "-GEXP_LAT=%d\n-GDIV_LAT=%d\n-GSCALE_Q16=%d\n-GLUT_FILE='\"%s\"'\n",
          c.width, c.frac_bits, c.prob_bits, d, c.softmax_units, maxn, c.softmax_max_latency,
          c.softmax_exp_latency, c.softmax_div_latency, (int)fx.scale_q16, lut);
  close_out(&g);
  f = open_out(&g, argv[3], "quant.vc");
  fprintf(f, "-GU=%d\n-GPB=%d\n", c.softmax_units, c.prob_bits);
  close_out(&g);
  return 0;
}

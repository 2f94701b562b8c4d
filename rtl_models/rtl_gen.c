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
#include <string.h>

#include "config.h"
#include "err.h"
#include "fixed.h"

#define TOPK_SCORE_BITS 32 /* TIMP/HIMP/probability keys the tests drive */

static int ceil_log2(int x) {
  int n = 0;
  while ((1 << n) < x) n++;
  return n;
}

static FILE *open_out(const char *dir, const char *name) {
  char path[4096];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (!(f = fopen(path, "w"))) {
    fprintf(stderr, "rtl_gen: cannot write %s\n", path);
    exit(2);
  }
  return f;
}

static void close_out(FILE *f) {
  if (fclose(f)) {
    fprintf(stderr, "rtl_gen: write failed\n");
    exit(2);
  }
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

  f = open_out(argv[3], "exp_lut.hex");
  for (f_n = 0; f_n < 1 << c.frac_bits; f_n++) fprintf(f, "%05x\n", (unsigned)fx.lut[f_n]);
  close_out(f);
  snprintf(lut, sizeof lut, "%s/exp_lut.hex", argv[3]);

  f = open_out(argv[3], "topk.vc");
  fprintf(f, "-GP=%d\n-GMAXN=%d\n-GSW=%d\n", c.topk_parallelism, maxn, TOPK_SCORE_BITS);
  close_out(f);
  f = open_out(argv[3], "zero_elim.vc"); /* as the top-k engine instantiates it */
  fprintf(f, "-GN=%d\n-GDW=%d\n-GREG=1\n", c.topk_parallelism, ceil_log2(maxn));
  close_out(f);
  f = open_out(argv[3], "qk.vc");
  fprintf(f, "-GW=%d\n-GD=%d\n-GM=%d\n-GMULT_LAT=%d\n-GADD_LAT=%d\n", c.width, d,
          c.qk_multipliers, c.mult_latency, c.adder_latency);
  close_out(f);
  f = open_out(argv[3], "softmax.vc");
  fprintf(f,
          "-GW=%d\n-GF=%d\n-GPB=%d\n-GD=%d\n-GU=%d\n-GMAXLEN=%d\n-GMAX_LAT=%d\n"
          "-GEXP_LAT=%d\n-GDIV_LAT=%d\n-GSCALE_Q16=%d\n-GLUT_FILE='\"%s\"'\n",
          c.width, c.frac_bits, c.prob_bits, d, c.softmax_units, maxn, c.softmax_max_latency,
          c.softmax_exp_latency, c.softmax_div_latency, (int)fx.scale_q16, lut);
  close_out(f);
  f = open_out(argv[3], "quant.vc");
  fprintf(f, "-GU=%d\n-GPB=%d\n", c.softmax_units, c.prob_bits);
  close_out(f);
  return 0;
}
